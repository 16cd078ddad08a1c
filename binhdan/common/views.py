from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from binhdan.common.jobs import retry_job
from binhdan.common.models import Job


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def job_progress(request: HttpRequest, job_id: str) -> HttpResponse:
    """Progress of one background job, visible only to the person who started it, who may run a failed
    job again (POST action=retry)."""
    job = Job.objects.filter(pk=job_id, created_by_id=request.user.pk).first()
    if job is None:
        raise Http404
    if request.method == "POST":
        if request.POST.get("action") == "retry":
            retry_job(job, by=request.user)
        return redirect("common:job", job_id=job.pk)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(
            {
                "id": str(job.pk),
                "status": job.status,
                "status_label": job.get_status_display(),
                "done": job.done,
                "total": job.total,
                "percent": job.percent,
                "message": job.message,
                "result": job.result,
            }
        )
    return render(request, "common/job.html", {"job": job})


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
