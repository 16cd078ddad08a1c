"""Registry import, export, residents' data rights and the audit log. Scope comes from `access` only."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from binhdan.accounts import access, audit
from binhdan.accounts.models import AuditEvent, Role
from binhdan.places.models import Place
from binhdan.registry import importing, rights
from binhdan.registry.exporting import export_registry
from binhdan.registry.importing.reading import is_id_token
from binhdan.registry.importing.report import error_workbook
from binhdan.registry.models import ImportBatch, Resident

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_ERRORS = 300


def _managed_communes(user: Any) -> QuerySet[Place]:
    """Communes whose registry the user may import into, erase in and audit: commune officers, admins."""
    if access.is_admin(user):
        return Place.objects.communes().filter(pk__in=Place.objects.villages().values("parent_id"))
    ids = [c.pk for c in access.places_visible_to(user).communes() if access.can_manage_place(user, c)]
    return Place.objects.filter(pk__in=ids).vietnamese_order()


def _batch_or_404(request: HttpRequest, pk: Any) -> ImportBatch:
    return access.get_visible_or_404(
        ImportBatch.objects.filter(commune__in=_managed_communes(request.user)).select_related(
            "commune", "job"
        ),
        pk=pk,
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Tệp danh sách (.xlsx, .xls, .csv)",
        help_text="Danh sách hộ (mỗi dòng một hộ) hoặc danh sách nhân khẩu (mỗi dòng một người, có cột “Quan hệ với chủ hộ”).",
        error_messages={"required": "Vui lòng chọn tệp.", "empty": "Tệp rỗng."},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )
    commune = forms.ModelChoiceField(
        label="Xã", queryset=Place.objects.none(), empty_label=None,
        error_messages={"invalid_choice": "Bạn không được nhập danh sách cho xã này."},
    )  # fmt: skip
    create_villages = forms.BooleanField(label="Tạo thôn mới khi tên thôn chưa có trong xã", required=False)
    sheet = forms.CharField(
        label="Chỉ đọc trang tính (không bắt buộc)", required=False, max_length=100,
        help_text="Để trống: đọc mọi trang có cùng các cột (ví dụ mỗi thôn một trang). Ghi tên trang để chỉ đọc trang đó.",
    )  # fmt: skip

    def __init__(self, *args: Any, communes: QuerySet[Place], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > importing.MAX_UPLOAD_BYTES:
            raise forms.ValidationError("Tệp lớn quá 20 MB; hãy chia nhỏ danh sách.")
        if not upload.name.lower().endswith((".xlsx", ".xls", ".csv", ".xlsm", ".ods")):
            raise forms.ValidationError("Chỉ nhận tệp Excel (.xlsx, .xls) hoặc .csv.")
        return upload


@require_http_methods(["GET", "POST"])
@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    communes = _managed_communes(request.user)
    if not communes.exists():
        raise Http404
    form = UploadForm(
        request.POST or None, request.FILES or None, communes=communes, initial={"commune": communes.first()}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = importing.open_batch(
                data=upload.read(), filename=upload.name, commune=form.cleaned_data["commune"],
                by=request.user, create_villages=form.cleaned_data["create_villages"],
                sheet=form.cleaned_data["sheet"],
            )  # fmt: skip
        except importing.UnreadableFile as exc:
            form.add_error("file", str(exc))
        else:
            if batch.status == ImportBatch.Status.MAPPING:
                messages.warning(request, "Chưa nhận ra cột “Họ và tên”. Hãy chọn cột cho từng thông tin.")
                return redirect("registry:import_mapping", pk=batch.pk)
            importing.start_check(batch, by=request.user)
            return redirect("registry:import_batch", pk=batch.pk)
    recent = ImportBatch.objects.filter(commune__in=communes).select_related("created_by")[:10]
    return render(request, "registry/io/import_start.html", {"form": form, "recent": recent})


def _samples(batch: ImportBatch, count: int = 3) -> dict[int, list[str]]:
    try:
        table = importing.load_table(batch)
    except importing.UnreadableFile:
        return {}
    samples: dict[int, list[str]] = {}
    for row in table.rows[batch.data_start :]:
        for index, value in enumerate(row):
            if value in ("", None):
                continue
            shown = (
                value[1]
                if is_id_token(value)
                else value.strftime("%d/%m/%Y")
                if hasattr(value, "strftime")
                else str(value)
            )
            bucket = samples.setdefault(index, [])
            if len(bucket) < count:
                bucket.append(shown[:40])
        if len(samples) and all(len(v) >= count for v in samples.values()):
            break
    return samples


@require_http_methods(["GET", "POST"])
@login_required
def import_mapping(request: HttpRequest, pk: Any) -> HttpResponse:
    batch = _batch_or_404(request, pk)
    if batch.status not in (ImportBatch.Status.MAPPING, ImportBatch.Status.READY):
        return redirect("registry:import_batch", pk=batch.pk)
    choices = importing.column_choices()
    valid = {code for code, _ in choices}
    samples = _samples(batch)
    error = ""
    if request.method == "POST":
        mapping = {}
        for column in batch.columns:
            code = request.POST.get(f"cot_{column['index']}", "")
            if code in valid and code:
                mapping[str(column["index"])] = code
        chosen = [c for c in mapping.values() if c != "ignore"]
        if "name" not in chosen:
            error = "Cần chọn một cột “Họ và tên”."
        elif len(chosen) != len(set(chosen)):
            error = "Mỗi thông tin chỉ chọn cho một cột."
        else:
            batch.mapping = mapping
            batch.save(update_fields=["mapping"])
            importing.start_check(batch, by=request.user)
            return redirect("registry:import_batch", pk=batch.pk)
    rows = [
        {
            "column": c,
            "samples": samples.get(int(c["index"]), []),
            "selected": batch.mapping.get(str(c["index"]), ""),
        }
        for c in batch.columns
    ]
    return render(
        request, "registry/io/import_mapping.html",
        {"batch": batch, "rows": rows, "choices": choices, "error": error},
        status=400 if error else 200,
    )  # fmt: skip


@require_GET
@login_required
def import_batch(request: HttpRequest, pk: Any) -> HttpResponse:
    batch = _batch_or_404(request, pk)
    summary = batch.summary
    errors = summary.get("errors", [])
    running = batch.status in (ImportBatch.Status.CHECKING, ImportBatch.Status.COMMITTING)
    warnings = summary.get("warnings", [])
    answered = importing.value_meanings(batch)
    questions = [
        {
            **question,
            "values": [
                {**value, "field": f"gt_{question['index']}_{n}",
                 "chosen": answered.get(str(question["index"]), {}).get(value["key"], "")}
                for n, value in enumerate(question["values"])
            ],
        }
        for question in summary.get("questions", [])
    ] if batch.status == ImportBatch.Status.READY else []  # fmt: skip
    return render(
        request,
        "registry/io/import_batch.html",
        {
            "batch": batch,
            "s": summary,
            "errors": errors[:SHOWN_ERRORS],
            "more_errors": max(len(errors) - SHOWN_ERRORS, 0),
            "warnings": warnings[:SHOWN_ERRORS],
            "more_warnings": max(len(warnings) - SHOWN_ERRORS, 0),
            "questions": questions,
            "sheets": summary.get("sheets", {}),
            "error_file": bool(errors) and batch.table is not None,
            "running": running,
            "Status": ImportBatch.Status,
        },
    )


@require_POST
@login_required
def import_values(request: HttpRequest, pk: Any) -> HttpResponse:
    """The officer's answers to "what does “x” mean in this column": stored on the batch, then checked again."""
    batch = _batch_or_404(request, pk)
    if batch.status != ImportBatch.Status.READY:
        return redirect("registry:import_batch", pk=batch.pk)
    answers: dict[int, dict[str, str]] = {}
    for question in batch.summary.get("questions", []):
        allowed = {code for code, _label in question["choices"]}
        for n, value in enumerate(question["values"]):
            meaning = request.POST.get(f"gt_{question['index']}_{n}", "")
            if meaning in allowed:
                answers.setdefault(int(question["index"]), {})[value["key"]] = meaning
    if not answers:
        messages.error(request, "Hãy chọn nghĩa cho ít nhất một giá trị.")
        return redirect("registry:import_batch", pk=batch.pk)
    importing.answer_values(batch, answers)
    importing.start_check(batch, by=request.user)
    messages.success(request, "Đã lưu nghĩa của các giá trị và kiểm tra lại tệp.")
    return redirect("registry:import_batch", pk=batch.pk)


@require_POST
@login_required
def import_confirm(request: HttpRequest, pk: Any) -> HttpResponse:
    batch = _batch_or_404(request, pk)
    if batch.status != ImportBatch.Status.READY:
        return redirect("registry:import_batch", pk=batch.pk)
    skip_invalid = request.POST.get("bo_qua_dong_loi") == "1"
    if batch.summary.get("error_rows") and not skip_invalid:
        messages.error(
            request, "Tệp còn dòng lỗi. Hãy sửa tệp rồi tải lên lại, hoặc đánh dấu ô bỏ qua các dòng lỗi."
        )
        return redirect("registry:import_batch", pk=batch.pk)
    importing.start_commit(batch, by=request.user, skip_invalid=skip_invalid)
    batch.refresh_from_db()
    if batch.status == ImportBatch.Status.COMMITTED:
        s = batch.summary
        messages.success(
            request,
            f"Đã nhập: {s['households_created']} hộ mới, {s['households_updated']} hộ cập nhật; "
            f"{s['residents_created']} người mới, {s['residents_updated']} người cập nhật.",
        )
    elif batch.status == ImportBatch.Status.READY:
        messages.error(request, "Dữ liệu đã thay đổi kể từ lúc kiểm tra và có dòng lỗi mới; chưa ghi gì.")
    return redirect("registry:import_batch", pk=batch.pk)


@require_POST
@login_required
def import_discard(request: HttpRequest, pk: Any) -> HttpResponse:
    batch = _batch_or_404(request, pk)
    if batch.status != ImportBatch.Status.COMMITTED:
        importing.discard_batch(batch)
        messages.info(request, "Đã huỷ lượt nhập; dữ liệu tạm của tệp đã được xoá.")
    elif batch.table is not None:
        importing.discard_batch(batch)
        messages.info(request, "Đã xoá các dòng lỗi còn lưu tạm của lượt nhập này.")
    return redirect("registry:import_start")


@require_GET
@login_required
def import_errors(request: HttpRequest, pk: Any) -> HttpResponse:
    batch = _batch_or_404(request, pk)
    try:
        table = importing.load_table(batch)
    except importing.UnreadableFile:
        raise Http404 from None
    errors = batch.summary.get("errors", [])
    data = error_workbook(table, header_row=batch.header_row, errors=errors, data_start=batch.data_start)
    audit.record(
        request, AuditEvent.Action.EXPORT, place=batch.commune, obj=batch,
        detail=f"Tải tệp lỗi của lượt nhập “{batch.filename}”: {batch.summary.get('error_rows', 0)} dòng lỗi",
    )  # fmt: skip
    stem = batch.filename.rsplit(".", 1)[0]
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="loi-{_ascii(stem)}.xlsx"'
    return response


def _ascii(name: str) -> str:
    from binhdan.common.text import fold

    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in fold(name))[:60] or "danh-sach"


# --- export ---------------------------------------------------------------------------------------


def _exportable_places(user: Any) -> list[Place]:
    places = [
        place
        for place in access.places_visible_to(user).communes().vietnamese_order()
        if access.can_bulk_export(user, place)
    ] if not access.is_admin(user) else list(_managed_communes(user))  # fmt: skip
    result: list[Place] = []
    for commune in places:
        result.append(commune)
        result.extend(Place.objects.villages().current().filter(parent=commune).vietnamese_order())
    return result


@require_GET
@login_required
def export(request: HttpRequest) -> HttpResponse:
    places = _exportable_places(request.user)
    if not places:
        raise Http404
    wanted = request.GET.get("noi")
    if not wanted:
        return render(request, "registry/io/export.html", {"places": places})
    place = next((p for p in places if str(p.pk) == wanted), None)
    if place is None or not access.can_bulk_export(request.user, place):
        raise Http404
    data, counts = export_registry(place)
    audit.record(
        request, AuditEvent.Action.EXPORT, place=place, obj=place,
        detail=f"Xuất Excel {place.name}: {counts['households']} hộ, {counts['residents']} người",
    )  # fmt: skip
    response = HttpResponse(data, content_type=XLSX)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="so-ho-{_ascii(place.name)}-{stamp}.xlsx"'
    return response


# --- residents' data rights --------------------------------------------------------------------------


def _resident_for_rights(request: HttpRequest, pk: Any) -> Resident:
    """A resident in a commune the user manages (commune officer, admin); members and leaders get 404."""
    return access.get_visible_or_404(
        Resident.objects.visible_to(request.user)
        .filter(erased_at__isnull=True, household__village__parent__in=_managed_communes(request.user))
        .select_related("household__village__parent"),
        pk=pk,
    )


@require_GET
@login_required
def resident_data(request: HttpRequest, pk: Any) -> HttpResponse:
    resident = _resident_for_rights(request, pk)
    data = rights.resident_data(resident)
    as_json = request.GET.get("dinh_dang") == "json"
    audit.record(
        request, AuditEvent.Action.EXPORT, place=resident.household.village, obj=resident,
        detail="Xuất toàn bộ dữ liệu của một người dân (JSON)" if as_json else "Xem toàn bộ dữ liệu của một người dân",
    )  # fmt: skip
    if as_json:
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="du-lieu-nguoi-dan-{resident.pk}.json"'
        return response
    return render(
        request, "registry/io/resident_data.html",
        {"resident": resident, "data": data, "pretty": json.dumps(data, ensure_ascii=False, indent=2)},
    )  # fmt: skip


class EraseForm(forms.Form):
    reason = forms.CharField(
        label="Lý do, căn cứ (ví dụ: đơn đề nghị ngày 05/01/2026)", max_length=200,
        error_messages={"required": "Vui lòng ghi lý do hoặc căn cứ xoá."},
    )  # fmt: skip
    confirm = forms.BooleanField(
        label="Tôi đã kiểm tra: người dân (hoặc người giám hộ) đã đề nghị xoá dữ liệu. Việc xoá không hoàn tác được.",
        error_messages={"required": "Hãy đánh dấu ô xác nhận."},
    )


@require_http_methods(["GET", "POST"])
@login_required
def resident_erase(request: HttpRequest, pk: Any) -> HttpResponse:
    resident = _resident_for_rights(request, pk)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        household = resident.household
        rights.erase_resident(
            by=request.user, resident=resident, reason=form.cleaned_data["reason"],
            ip=request.META.get("REMOTE_ADDR") or None,
        )  # fmt: skip
        messages.success(
            request, "Đã xoá dữ liệu cá nhân của người dân theo yêu cầu. Số liệu tổng hợp được giữ nguyên."
        )
        return redirect("registry:household_detail", pk=household.pk)
    return render(request, "registry/io/resident_erase.html", {"resident": resident, "form": form})


# --- audit log ---------------------------------------------------------------------------------------


@require_GET
@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    communes = list(_managed_communes(request.user))
    if not communes:
        raise Http404
    commune = next((c for c in communes if str(c.pk) == request.GET.get("xa")), communes[0])
    in_commune = Q(place=commune) | Q(place__parent=commune)
    users_here = Role.objects.filter(Q(place=commune) | Q(place__parent=commune)).values("user_id")
    events = (
        AuditEvent.objects.filter(in_commune | Q(place__isnull=True, user__in=users_here))
        .select_related("user", "place")
        .order_by("-at", "-pk")
    )
    action = request.GET.get("hanh_dong", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    page = Paginator(events, 50).get_page(request.GET.get("trang"))
    params = request.GET.copy()
    params.pop("trang", None)
    return render(
        request, "registry/io/audit_log.html",
        {"page": page, "communes": communes, "commune": commune, "actions": AuditEvent.Action.choices,
         "action": action, "querystring": params.urlencode()},
    )  # fmt: skip
