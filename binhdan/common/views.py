from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from binhdan.common.models import Job


@require_GET
@login_required
def job_progress(request: HttpRequest, job_id: str) -> HttpResponse:
    """Progress of one background job, visible only to the person who started it."""
    job = Job.objects.filter(pk=job_id, created_by_id=request.user.pk).first()
    if job is None:
        raise Http404
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
