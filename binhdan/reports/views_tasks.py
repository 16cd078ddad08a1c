"""The plan's tasks of a commune (Phụ lục nhiệm vụ, issue 11 point 6): the list by section with overdue
flags and filters, a task with its evidence, add / edit / status / delete, evidence upload and download,
and the import of the plan's annex (upload → preview → confirm).

Who: the commune's officers change (`accounts.workspace.commune_for_change`); its leaders and the
province's officers read (a commune in `access.places_visible_to(user)`), evidence files included;
everyone else gets 404. Every write goes through `reports.services_tasks` (audited there). Evidence is
served only through `evidence_download`, never from a public media URL. The list takes a fixed number of
queries however many tasks there are.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from binhdan.accounts import access
from binhdan.accounts.fields import workspace_form
from binhdan.accounts.models import User
from binhdan.accounts.workspace import commune_for_change
from binhdan.common import upload_scan
from binhdan.common.forms import errors_to_form
from binhdan.common.net import client_ip
from binhdan.places.models import Place
from binhdan.reports import services_tasks as services
from binhdan.reports import tasks_import
from binhdan.reports.forms_tasks import (
    ConfirmForm,
    DeleteTaskForm,
    EvidenceForm,
    FilterForm,
    ImportForm,
    StatusForm,
    TaskForm,
)
from binhdan.reports.models_tasks import OPEN_TASK_STATUSES, PlanTask, PlanTaskEvidence, TaskStatus

PENDING_KEY = "reports.tasks_import"
OPEN = [s.value for s in OPEN_TASK_STATUSES]


def commune_for_viewing(request: HttpRequest, pk: Any) -> Place:
    """A commune in the user's places (its officers and leaders, the province's officers, admins); else 404."""
    return access.get_visible_or_404(access.places_visible_to(request.user).communes(), pk=pk)


def _task(request: HttpRequest, pk: Any, *, change: bool) -> tuple[PlanTask, Place]:
    visible = access.places_visible_to(request.user).communes()
    task = access.get_visible_or_404(PlanTask.objects.filter(commune__in=visible), pk=pk)
    commune = (
        commune_for_change(request, task.commune_id)
        if change
        else commune_for_viewing(request, task.commune_id)
    )
    task.commune = commune
    return task, commune


def _evidence(request: HttpRequest, pk: Any, *, change: bool) -> tuple[PlanTaskEvidence, Place]:
    visible = access.places_visible_to(request.user).communes()
    evidence = access.get_visible_or_404(
        PlanTaskEvidence.objects.filter(task__commune__in=visible).select_related("task"), pk=pk
    )
    commune_id = evidence.task.commune_id
    commune = commune_for_change(request, commune_id) if change else commune_for_viewing(request, commune_id)
    evidence.task.commune = commune
    return evidence, commune


def _posted(request: HttpRequest) -> Any:
    """The posted data (an empty POST still binds the form: a button-only form posts nothing)."""
    return request.POST if request.method == "POST" else None


def _list_url(commune: Place, task: PlanTask | None = None) -> str:
    url = reverse("reports:tasks", args=[commune.pk])
    return f"{url}#nhiem-vu-{task.pk}" if task is not None and task.pk else url


def _page(request: HttpRequest, form: Any, commune: Place, **context: Any) -> HttpResponse:
    """A one-form page of the tasks (with file uploads where the form has them)."""
    return render(request, "reports/tasks_form.html", {"form": form, "commune": commune, **context})


# --- the list ----------------------------------------------------------------------------------------------


@require_GET
@login_required
def task_list(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_viewing(request, pk)
    today = timezone.localdate()
    all_tasks = PlanTask.objects.filter(commune=commune)
    counts = all_tasks.aggregate(
        total=Count("pk"),
        **{s.value: Count("pk", filter=Q(status=s.value)) for s in TaskStatus},
        overdue=Count("pk", filter=Q(deadline__lt=today, status__in=OPEN)),
    )
    lead_units = sorted(
        {u for u in all_tasks.exclude(lead_unit="").values_list("lead_unit", flat=True).distinct()}
    )
    filters = FilterForm(request.GET or None, lead_units=lead_units)
    tasks = all_tasks.annotate(n_evidence=Count("evidence")).order_by("position", "pk")
    filtered = False
    if filters.is_valid():
        data = filters.cleaned_data
        if data["trang_thai"]:
            tasks, filtered = tasks.filter(status=data["trang_thai"]), True
        if data["qua_han"]:
            tasks, filtered = tasks.overdue_on(today), True
        if data["chu_tri"]:
            tasks, filtered = tasks.filter(lead_unit=data["chu_tri"]), True
    sections: list[dict[str, Any]] = []
    for task in tasks:
        task.overdue = task.overdue_on(today)  # type: ignore[attr-defined]
        if not sections or sections[-1]["name"] != task.section:
            sections.append({"name": task.section, "tasks": []})
        sections[-1]["tasks"].append(task)
    return render(
        request,
        "reports/tasks.html",
        {
            "commune": commune,
            "sections": sections,
            "counts": counts,
            "statuses": TaskStatus,
            "filters": filters,
            "filtered": filtered,
            "today": today,
            "can_manage": access.can_manage_place(request.user, commune),
        },
    )


@require_GET
@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task, commune = _task(request, pk, change=False)
    can_manage = access.can_manage_place(request.user, commune)
    status_form = StatusForm(
        user=request.user,
        commune=commune,
        initial={"status": task.status, "done_on": task.done_on, "result_note": task.result_note},
    )
    return render(
        request,
        "reports/tasks_detail.html",
        {
            "commune": commune,
            "task": task,
            "overdue": task.overdue_on(timezone.localdate()),
            "evidence": list(task.evidence.select_related("uploaded_by")),
            "can_manage": can_manage,
            "status_form": status_form,
            "max_mb": services.EVIDENCE_MAX_BYTES // (1024 * 1024),
        },
    )


# --- add, edit, status, delete ------------------------------------------------------------------------------


def _task_values(form: TaskForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.fields}


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", TaskForm)
def task_create(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_change(request, pk)
    form = TaskForm(_posted(request), user=request.user, commune=commune)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.create_task(
                by=cast(User, request.user), commune=commune, ip=client_ip(request), **_task_values(form)
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Đã thêm nhiệm vụ.")
            return redirect(_list_url(commune, saved.obj))
    return _page(
        request,
        form,
        commune,
        title="Thêm nhiệm vụ kế hoạch",
        submit="Thêm nhiệm vụ",
        cancel=_list_url(commune),
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("task", TaskForm)
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task, commune = _task(request, pk, change=True)
    initial = {name: getattr(task, name) for name in TaskForm.base_fields}
    form = TaskForm(_posted(request), user=request.user, commune=commune, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.update_task(
                by=cast(User, request.user), task=task, ip=client_ip(request), **_task_values(form)
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if saved.changed:
                messages.success(request, "Đã lưu nhiệm vụ.")
            else:
                messages.info(request, "Không có thay đổi nào.")
            return redirect("reports:task_detail", pk=task.pk)
    return _page(
        request,
        form,
        commune,
        title="Sửa nhiệm vụ kế hoạch",
        submit="Lưu",
        cancel=reverse("reports:task_detail", args=[task.pk]),
        task=task,
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("task", StatusForm)
def task_status(request: HttpRequest, pk: int) -> HttpResponse:
    task, commune = _task(request, pk, change=True)
    initial = {"status": task.status, "done_on": task.done_on, "result_note": task.result_note}
    form = StatusForm(_posted(request), user=request.user, commune=commune, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.set_status(
                by=cast(User, request.user),
                task=task,
                status=form.cleaned_data["status"],
                done_on=form.cleaned_data["done_on"],
                result_note=form.cleaned_data["result_note"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if saved.changed:
                messages.success(request, f"Đã lưu trạng thái: {task.get_status_display()}.")
            else:
                messages.info(request, "Không có thay đổi nào.")
            return redirect("reports:task_detail", pk=task.pk)
    return _page(
        request,
        form,
        commune,
        title="Trạng thái nhiệm vụ",
        submit="Lưu trạng thái",
        cancel=reverse("reports:task_detail", args=[task.pk]),
        task=task,
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("task", DeleteTaskForm)
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    task, commune = _task(request, pk, change=True)
    n_files = task.evidence.count()
    form = DeleteTaskForm(_posted(request), user=request.user, commune=commune)
    if not n_files:
        del form.fields["confirm"]
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_task(
                by=cast(User, request.user),
                task=task,
                with_evidence=bool(form.cleaned_data.get("confirm")),
                ip=client_ip(request),
            )
        except ValidationError as exc:
            if n_files and "confirm" not in form.fields:  # a file came while the page was open
                form.fields["confirm"] = DeleteTaskForm.base_fields["confirm"]
            errors_to_form(form, exc)
        else:
            messages.success(request, "Đã xoá nhiệm vụ.")
            return redirect(_list_url(commune))
    warning = f"Nhiệm vụ có {n_files} tệp minh chứng; các tệp này cũng bị xoá." if n_files else ""
    return _page(
        request,
        form,
        commune,
        title=f"Xoá nhiệm vụ {task.number}".strip(),
        intro=task.title,
        warning=warning,
        submit="Xoá nhiệm vụ",
        cancel=reverse("reports:task_detail", args=[task.pk]),
        task=task,
    )


# --- evidence ----------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("task", EvidenceForm)
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    task, commune = _task(request, pk, change=True)
    form = EvidenceForm(_posted(request), request.FILES or None, user=request.user, commune=commune)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            upload_scan.scan(data)  # the deployer's malware scanner, before the file is kept for others
            saved = services.add_evidence(
                by=cast(User, request.user), task=task, name=upload.name, data=data, ip=client_ip(request)
            )
        except upload_scan.UploadRefused as exc:
            form.add_error("file", str(exc))
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Đã thêm minh chứng «{saved.obj.name}».")
            return redirect(reverse("reports:task_detail", args=[task.pk]) + "#minh-chung")
    return _page(
        request,
        form,
        commune,
        title="Thêm minh chứng",
        intro=task.title,
        submit="Tải lên",
        cancel=reverse("reports:task_detail", args=[task.pk]),
        task=task,
    )


@require_GET
@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence, _commune = _evidence(request, pk, change=False)
    suffix = "." + evidence.name.rpartition(".")[2].lower()
    content_type = services.EVIDENCE_TYPES.get(suffix, ("", "application/octet-stream"))[1]
    try:
        handle = evidence.file.open("rb")
    except (OSError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=evidence.name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("evidence", ConfirmForm)
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence, commune = _evidence(request, pk, change=True)
    task = evidence.task
    form = ConfirmForm(_posted(request), user=request.user, commune=commune)
    if request.method == "POST" and form.is_valid():
        services.delete_evidence(by=cast(User, request.user), evidence=evidence, ip=client_ip(request))
        messages.success(request, f"Đã xoá minh chứng «{evidence.name}».")
        return redirect(reverse("reports:task_detail", args=[task.pk]) + "#minh-chung")
    return _page(
        request,
        form,
        commune,
        title="Xoá minh chứng",
        intro=f"Xoá tệp «{evidence.name}» của nhiệm vụ “{task.title[:120]}”?",
        submit="Xoá tệp",
        cancel=reverse("reports:task_detail", args=[task.pk]),
        task=task,
        hide_fields=True,
    )


# --- import ------------------------------------------------------------------------------------------------


def _pending(request: HttpRequest, commune: Place) -> dict[str, Any] | None:
    pending = request.session.get(PENDING_KEY)
    if isinstance(pending, dict) and pending.get("commune") == commune.pk:
        return pending
    return None


def _forget(request: HttpRequest) -> None:
    pending = request.session.pop(PENDING_KEY, None)
    if isinstance(pending, dict):
        tasks_import.drop(pending.get("token"))


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", ImportForm)
def tasks_import_start(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_change(request, pk)
    form = ImportForm(_posted(request), request.FILES or None, user=request.user, commune=commune)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        name = services.clean_file_name(upload.name)
        try:
            tasks_import.read_annex(data, name)
        except tasks_import.UnreadableFile as exc:
            form.add_error("file", str(exc))
        else:
            _forget(request)
            request.session[PENDING_KEY] = {
                "commune": commune.pk,
                "token": tasks_import.stash(data),
                "name": name,
            }
            return redirect("reports:tasks_import_preview", pk=commune.pk)
    return render(
        request,
        "reports/tasks_import.html",
        {"form": form, "commune": commune, "max_mb": tasks_import.IMPORT_MAX_BYTES // (1024 * 1024)},
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", ConfirmForm)
def tasks_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_change(request, pk)
    pending = _pending(request, commune)
    data = tasks_import.unstash(pending.get("token")) if pending else None
    if pending is None or data is None:
        _forget(request)
        messages.info(request, "Không còn tệp nào đang chờ xem trước; hãy tải tệp phụ lục lên lại.")
        return redirect("reports:tasks_import", pk=commune.pk)
    form = ConfirmForm(_posted(request), user=request.user, commune=commune)
    try:
        annex = tasks_import.read_annex(data, pending["name"])
    except tasks_import.UnreadableFile as exc:  # read once already; only if the reader changed meanwhile
        _forget(request)
        messages.error(request, str(exc))
        return redirect("reports:tasks_import", pk=commune.pk)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["action"] == "cancel":
            _forget(request)
            messages.info(request, "Đã huỷ lượt nhập; tệp đã được xoá.")
            return redirect("reports:tasks", pk=commune.pk)
        saved = services.import_tasks(
            by=cast(User, request.user), commune=commune, annex=annex, ip=client_ip(request)
        )
        _forget(request)
        counts = saved.obj
        text = f"Đã nhập phụ lục: {counts['new']} nhiệm vụ mới, {counts['update']} cập nhật, {counts['same']} không đổi."
        if counts["bad"]:
            text += f" {counts['bad']} dòng có lỗi đã bỏ qua."
        messages.success(request, text)
        return redirect("reports:tasks", pk=commune.pk)
    counts = services.match_annex(annex, commune)
    sections: list[dict[str, Any]] = []
    for row in annex.rows:
        if not sections or sections[-1]["name"] != row.section:
            sections.append({"name": row.section, "rows": []})
        sections[-1]["rows"].append(row)
    return render(
        request,
        "reports/tasks_import_preview.html",
        {"commune": commune, "annex": annex, "counts": counts, "sections": sections, "form": form},
    )
