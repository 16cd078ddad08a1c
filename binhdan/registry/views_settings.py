"""The commune's skill catalogue and settings screens (commune officer writes; commune leader reads).

Pages find the commune through `access` (outside scope: 404). Skill choices are scoped fields bound to
the commune's catalogue (national skills and its own, active), so another commune's skill is a form
error. Every write goes through registry/catalogue.py and leaves an audit row.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from binhdan.accounts import access
from binhdan.accounts.fields import (
    ScopedForm,
    ScopedModelMultipleChoiceField,
    communes_managed_by,
    workspace_form,
)
from binhdan.accounts.models import User
from binhdan.accounts.workspace import commune_for_change, commune_for_reading, record_change
from binhdan.common.forms import errors_to_form, form_page
from binhdan.registry import catalogue
from binhdan.registry.forms import VietDateField
from binhdan.registry.models import (
    REPORT_DAY_MAX,
    CommuneSettings,
    DashboardEvidence,
    Skill,
    SkillDomain,
)

DATE_HELP = "Viết theo dạng ngày/tháng/năm, ví dụ 01/01/2026. Từ ngày này lựa chọn mới được áp dụng."

ID_STORAGE_WARNING = (
    "Số định danh cá nhân (CCCD) cho biết tỉnh nơi đăng ký khai sinh, giới tính và năm sinh của người dân, "
    "nên là dữ liệu cần bảo vệ theo Luật Bảo vệ dữ liệu cá nhân 2025 (số 91/2025/QH15, hiệu lực từ "
    "01/01/2026) và Nghị định 356/2025/NĐ-CP. Khi bật, hệ thống chỉ lưu mã băm có khoá để chống trùng và "
    "dạng che (ví dụ 0791******23), không bao giờ lưu ảnh thẻ; xã phải thu thập số chỉ khi cần, có sự đồng ý "
    "rõ ràng của người dân, và xoá khi người dân yêu cầu. Mua bán, để lộ dữ liệu cá nhân có thể bị phạt tới "
    "3 tỷ đồng hoặc truy cứu trách nhiệm hình sự. Chỉ bật khi xã thật sự cần chống trùng theo số định danh."
)


def _int(label: str, low: int, high: int, help_text: str = "") -> forms.IntegerField:
    message = f"{label} phải là một số nguyên từ {low} đến {high}."
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        error_messages={
            "required": f"Vui lòng nhập {label.lower()}.",
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def _date(label: str) -> VietDateField:
    return VietDateField(
        label=label,
        help_text=DATE_HELP,
        error_messages={
            "required": f"Vui lòng nhập {label.lower()}.",
            "invalid": "Ngày không đúng. Hãy viết theo dạng ngày/tháng/năm, ví dụ 01/01/2026.",
        },
    )


def catalogue_skills_of(user: Any) -> QuerySet[Skill]:
    """Active skills of the catalogues the user manages: the national seed and their communes' own."""
    if user is None:
        return Skill.objects.none()
    communes = communes_managed_by(user)
    if not communes.exists():
        return Skill.objects.none()
    return Skill.objects.filter(Q(commune__isnull=True) | Q(commune__in=communes), active=True).order_by(
        "position", "code"
    )


class _SkillSetForm(ScopedForm):
    skills = ScopedModelMultipleChoiceField(
        label="Kỹ năng",
        scope=catalogue_skills_of,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
    )
    effective_on = _date("Áp dụng từ ngày")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["skills"]
        assert isinstance(field, ScopedModelMultipleChoiceField)
        if self.commune is not None:  # only this commune's catalogue, not another's own skills
            field.queryset = field.queryset.filter(Q(commune__isnull=True) | Q(commune=self.commune))


class CoreSetForm(_SkillSetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["skills"].label = "Bộ kỹ năng số cơ bản của xã"
        self.fields["skills"].help_text = (
            "Người dân tự làm được mọi kỹ năng đã chọn được tính là có kỹ năng số cơ bản. "
            "Mặc định: 5 kỹ năng theo kế hoạch."
        )


class HiddenSkillsForm(_SkillSetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["skills"].label = "Kỹ năng xã không dùng (ẩn)"
        self.fields[
            "skills"
        ].help_text = (
            "Kỹ năng bị ẩn không hiện trong phiếu hỗ trợ và lớp học của xã; số liệu đã ghi vẫn giữ nguyên."
        )


class OwnSkillForm(forms.Form):
    name = forms.CharField(
        label="Tên kỹ năng",
        max_length=160,
        error_messages={
            "required": "Vui lòng nhập tên kỹ năng.",
            "max_length": "Tên kỹ năng dài quá 160 ký tự.",
        },
    )
    domain = forms.ChoiceField(
        label="Lĩnh vực",
        choices=SkillDomain.choices,
        error_messages={"required": "Vui lòng chọn lĩnh vực.", "invalid_choice": "Lĩnh vực không hợp lệ."},
    )
    description = forms.CharField(
        label="Mô tả",
        max_length=300,
        required=False,
        error_messages={"max_length": "Mô tả dài quá 300 ký tự."},
    )


class CommuneSettingsForm(forms.Form):
    store_citizen_ids = forms.BooleanField(
        label="Lưu số định danh cá nhân (dạng mã hoá và che)", required=False
    )
    understood = forms.BooleanField(
        label="Tôi đã đọc cảnh báo trên và xã đã có căn cứ, sự đồng ý của người dân để lưu số định danh",
        required=False,
    )
    report_day = _int(
        "Ngày nộp báo cáo quý",
        1,
        REPORT_DAY_MAX,
        "Ngày trong tháng cuối của quý mà các tổ nộp báo cáo, ví dụ 15 hoặc 21.",
    )
    min_hours_per_day = _int(
        "Số giờ hoạt động tối thiểu mỗi ngày", 1, 24, "Kế hoạch yêu cầu ít nhất 4 giờ một ngày."
    )
    min_days_per_week = _int(
        "Số ngày hoạt động tối thiểu mỗi tuần", 1, 7, "Kế hoạch yêu cầu ít nhất 2 ngày một tuần."
    )
    work_time_max_age_days = _int(
        "Số ngày được khai bù thời gian hoạt động",
        1,
        366,
        "Tổ viên chỉ được ghi thời gian hoạt động của những ngày trong khoảng này (tính đến hôm nay).",
    )
    dashboard_evidence = forms.ChoiceField(
        label="Thông tin được tính trên bảng số liệu",
        choices=DashboardEvidence.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Vui lòng chọn.", "invalid_choice": "Lựa chọn không hợp lệ."},
    )

    def __init__(self, *args: Any, was_storing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.was_storing = was_storing

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("store_citizen_ids") and not self.was_storing and not data.get("understood"):
            self.add_error("understood", "Hãy đánh dấu ô này để xác nhận trước khi bật lưu số định danh.")
        return data


# --- pages ------------------------------------------------------------------------------------------


@require_GET
@login_required
def catalogue_page(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_reading(request, pk)
    entries = catalogue.catalogue(commune)
    domains = []
    for value, label in SkillDomain.choices:
        rows = [e for e in entries if e.skill.domain == value]
        if rows:
            domains.append({"label": label, "entries": rows})
    return render(
        request,
        "registry/settings/catalogue.html",
        {
            "commune": commune,
            "domains": domains,
            "core": [e for e in entries if e.in_core],
            "hidden_count": sum(e.hidden for e in entries),
            "pending": catalogue.pending_choices(commune),
            "history": catalogue.history(commune),
            "can_manage": access.can_manage_place(request.user, commune),
            "settings": CommuneSettings.objects.filter(commune=commune).first()
            or CommuneSettings(commune=commune),
        },
    )


def _skill_set_view(
    request: HttpRequest, pk: int, form_class: type[_SkillSetForm], *, core: bool
) -> HttpResponse:
    commune = commune_for_change(request, pk)
    entries = catalogue.catalogue(commune)
    current = [e.skill.pk for e in entries if (e.in_core if core else e.hidden)]
    form = form_class(
        request.POST or None,
        user=request.user,
        commune=commune,
        initial={"skills": current, "effective_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        service = catalogue.set_core_set if core else catalogue.set_hidden_skills
        try:
            written = service(
                by=cast(User, request.user),
                commune=commune,
                skills=form.cleaned_data["skills"],
                effective_on=form.cleaned_data["effective_on"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            day = form.cleaned_data["effective_on"]
            what = "Bộ kỹ năng số cơ bản" if core else "Kỹ năng xã không dùng"
            names = ", ".join(str(s) for s in form.cleaned_data["skills"]) or "không có"
            if written:
                record_change(request, f"{what} từ {day:%d/%m/%Y}: {names}", place=commune)
                messages.success(request, f"Đã lưu {what.lower()}, áp dụng từ {day:%d/%m/%Y}.")
            else:
                messages.info(request, "Không có thay đổi nào.")
            return redirect("registry:catalogue", pk=commune.pk)
    return form_page(
        request,
        form,
        title=("Chọn bộ kỹ năng số cơ bản" if core else "Ẩn kỹ năng xã không dùng") + f" — {commune.name}",
        submit="Lưu",
        cancel=reverse("registry:catalogue", args=[commune.pk]),
        intro="Thay đổi được ghi lại kèm ngày áp dụng; số liệu của những ngày trước vẫn tính theo lựa chọn cũ.",
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", CoreSetForm)
def catalogue_core(request: HttpRequest, pk: int) -> HttpResponse:
    return _skill_set_view(request, pk, CoreSetForm, core=True)


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", HiddenSkillsForm)
def catalogue_hidden(request: HttpRequest, pk: int) -> HttpResponse:
    return _skill_set_view(request, pk, HiddenSkillsForm, core=False)


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", OwnSkillForm)
def catalogue_add(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_change(request, pk)
    form = OwnSkillForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            skill = catalogue.add_commune_skill(
                by=cast(User, request.user), commune=commune, **form.cleaned_data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(request, f"Thêm kỹ năng của xã: {skill.name}", place=commune, obj=skill)
            messages.success(request, f"Đã thêm kỹ năng “{skill.name}” vào danh mục của xã.")
            return redirect("registry:catalogue", pk=commune.pk)
    return form_page(
        request,
        form,
        title=f"Thêm kỹ năng của {commune.name}",
        submit="Thêm kỹ năng",
        cancel=reverse("registry:catalogue", args=[commune.pk]),
        intro="Kỹ năng xã tự thêm chỉ dùng trong xã; danh mục quốc gia không thay đổi.",
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("skill", OwnSkillForm)
def catalogue_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit one of the commune's own skills; a national skill is not found here (404)."""
    skill = access.get_visible_or_404(
        Skill.objects.filter(commune__isnull=False).select_related("commune"), pk=pk
    )
    assert skill.commune is not None
    commune = commune_for_change(request, skill.commune.pk)
    form = OwnSkillForm(
        request.POST or None,
        initial={"name": skill.name, "domain": skill.domain, "description": skill.description},
    )
    if request.method == "POST" and form.is_valid():
        old = skill.name
        try:
            catalogue.update_commune_skill(
                by=cast(User, request.user), commune=commune, skill=skill, **form.cleaned_data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(request, f"Sửa kỹ năng của xã: {old} → {skill.name}", place=commune, obj=skill)
            messages.success(request, f"Đã lưu kỹ năng “{skill.name}”.")
            return redirect("registry:catalogue", pk=commune.pk)
    return form_page(
        request,
        form,
        title=f"Sửa kỹ năng “{skill.name}”",
        submit="Lưu",
        cancel=reverse("registry:catalogue", args=[commune.pk]),
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", CommuneSettingsForm)
def commune_settings(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_change(request, pk)
    # Read without creating: a page view or a form with errors writes nothing.
    current = CommuneSettings.objects.filter(commune=commune).first() or CommuneSettings(commune=commune)
    form = CommuneSettingsForm(
        request.POST or None,
        was_storing=current.store_citizen_ids,
        initial={name: getattr(current, name) for name in catalogue.SETTINGS_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k in catalogue.SETTINGS_FIELDS}
        try:
            saved, lines = catalogue.update_commune_settings(
                by=cast(User, request.user), commune=commune, **values
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if lines:
                record_change(request, "Thiết lập của xã — " + "; ".join(lines), place=commune, obj=saved)
                messages.success(request, "Đã lưu thiết lập của xã.")
            else:
                messages.info(request, "Không có thay đổi nào.")
            return redirect("fieldwork:commune_detail", pk=commune.pk)
    return form_page(
        request,
        form,
        title=f"Thiết lập của {commune.name}",
        submit="Lưu thiết lập",
        cancel=reverse("fieldwork:commune_detail", args=[commune.pk]),
        warning=ID_STORAGE_WARNING,
    )
