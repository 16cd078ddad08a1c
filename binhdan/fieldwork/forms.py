"""The commune workspace's forms. Every choice of a place, person, resident or skill is a scoped field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from binhdan.accounts.fields import (
    ScopedForm,
    ScopedModelChoiceField,
    ScopedModelMultipleChoiceField,
    people_managed_by,
    team_people_managed_by,
    villages_managed_by,
)
from binhdan.fieldwork.models import Affiliation, Audience, ClassKind, Mentorship, TeamRole
from binhdan.registry import catalogue
from binhdan.registry.forms import VietDateField
from binhdan.registry.models import Resident, ResidentQuerySet, Skill

DATE_HELP = "Viết theo dạng ngày/tháng/năm, ví dụ 10/10/2025."
MAX_CAMPAIGN_DAYS = 366  # a campaign is a drive of days or weeks; a longer period is a typing mistake


def _date(label: str, *, required: bool = True, help_text: str = DATE_HELP) -> VietDateField:
    return VietDateField(
        label=label,
        required=required,
        help_text=help_text,
        error_messages={
            "required": f"Vui lòng nhập {label.lower()}.",
            "invalid": "Ngày không đúng. Hãy viết theo dạng ngày/tháng/năm, ví dụ 10/10/2025.",
        },
    )


def _text(label: str, *, max_length: int = 200, required: bool = True, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        error_messages={
            "required": f"Vui lòng nhập {label.lower()}.",
            "max_length": f"{label} dài quá {max_length} ký tự.",
        },
        **kwargs,
    )


def _choice(label: str, choices: Any, *, required: bool = True, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        error_messages={
            "required": f"Vui lòng chọn {label.lower()}.",
            "invalid_choice": "Lựa chọn không hợp lệ.",
        },
        **kwargs,
    )


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "checks"})


# --- scopes over registry rows (accounts sits below the registry, so these live here) ------------


def residents_visible_to(user: Any) -> ResidentQuerySet:
    """Residents the user may see, not erased and not moved out."""
    if user is None:
        return Resident.objects.none()
    return Resident.objects.visible_to(user).active().select_related("household__village")


def active_skills(user: Any) -> QuerySet[Any]:
    """The skills the user's communes use: national ones and their own, not hidden, never another's own."""
    if user is None:
        return Skill.objects.none()
    offered = [entry.skill.pk for entry in catalogue.entries_offered_to(user)]
    return Skill.objects.filter(pk__in=offered).order_by("position", "code")


# --- villages -----------------------------------------------------------------------------------------


class VillageRenameForm(forms.Form):
    name = _text("Tên mới", max_length=120, help_text="Ví dụ: Thôn Đông Nam, Tổ dân phố số 3.")


class VillageCloseForm(forms.Form):
    closed_on = _date("Ngày thôi hoạt động", help_text="Ngày cuối cùng thôn còn hiệu lực. " + DATE_HELP)


class VillageMergeForm(ScopedForm):
    village = ScopedModelChoiceField(
        label="Thôn được sáp nhập (sẽ thôi hoạt động)", scope=villages_managed_by, commune_path="parent"
    )
    into = ScopedModelChoiceField(label="Sáp nhập vào thôn", scope=villages_managed_by, commune_path="parent")
    merged_on = _date("Ngày sáp nhập", help_text="Từ ngày này thôn cũ hết hiệu lực. " + DATE_HELP)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("village") and data.get("into") and data["village"] == data["into"]:
            self.add_error("into", "Hãy chọn một thôn khác với thôn được sáp nhập.")
        merged_on = data.get("merged_on")
        if merged_on and merged_on > timezone.localdate():
            self.add_error(
                "merged_on", "Ngày sáp nhập không được sau hôm nay: các hộ được chuyển ngay khi lưu."
            )
        return data


# --- teams --------------------------------------------------------------------------------------------


class TeamCreateForm(ScopedForm):
    village = ScopedModelChoiceField(
        label="Thôn, tổ dân phố", scope=villages_managed_by, commune_path="parent"
    )
    name = _text(
        "Tên tổ",
        max_length=160,
        required=False,
        help_text="Để trống: “Tổ công nghệ số cộng đồng <tên thôn>”.",
    )
    formed_on = _date("Ngày thành lập", required=False)
    contact_phone = _text("Số điện thoại liên hệ", max_length=20, required=False)


class TeamMemberAddForm(ScopedForm):
    user = ScopedModelChoiceField(
        label="Người vào tổ",
        scope=team_people_managed_by,
        help_text="Người đã có tài khoản và vai trò trong xã.",
    )
    role = _choice("Chức danh trong tổ", TeamRole.choices, initial=TeamRole.MEMBER)
    affiliation = _choice("Đơn vị, đoàn thể", [("", "— Không —"), *Affiliation.choices], required=False)
    joined_on = _date("Ngày vào tổ")


class TeamMemberLeaveForm(forms.Form):
    left_on = _date("Ngày rời tổ")


class TrainingForm(ScopedForm):
    title = _text("Nội dung tập huấn")
    held_on = _date("Ngày tập huấn")
    attendees = ScopedModelMultipleChoiceField(
        label="Thành viên tham dự",
        scope=people_managed_by,
        required=False,
        widget=_checkboxes(),
    )


# --- classes and community days -----------------------------------------------------------------------


class ClassForm(ScopedForm):
    kind = _choice("Loại", ClassKind.choices, initial=ClassKind.CLASS)
    title = _text("Tên buổi học")
    held_on = _date("Ngày học")
    village = ScopedModelChoiceField(
        label="Thôn",
        scope=villages_managed_by,
        commune_path="parent",
        required=False,
        empty_label="— Cả xã —",
        help_text="Để trống nếu buổi học dành cho cả xã.",
    )
    venue = _text("Địa điểm", required=False, help_text="Ví dụ: Nhà văn hoá thôn Đông, chợ Sơn Đông.")
    audience = _choice("Đối tượng", Audience.choices, initial=Audience.GENERAL)
    skills = ScopedModelMultipleChoiceField(
        label="Kỹ năng", scope=active_skills, required=False, widget=_checkboxes()
    )
    instructors = ScopedModelMultipleChoiceField(
        label="Người hướng dẫn", scope=people_managed_by, required=False, widget=_checkboxes()
    )


class AttendanceForm(ScopedForm):
    """Tick residents found by the search; `present` holds the residents ticked on this page."""

    present = ScopedModelMultipleChoiceField(
        label="Có mặt",
        scope=residents_visible_to,
        commune_path="household__village__parent",
        required=False,
        widget=forms.MultipleHiddenInput,
    )
    absent = ScopedModelMultipleChoiceField(
        label="Bỏ điểm danh",
        scope=residents_visible_to,
        commune_path="household__village__parent",
        required=False,
        widget=forms.MultipleHiddenInput,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("present") and not data.get("absent"):
            raise forms.ValidationError("Hãy đánh dấu ít nhất một người.")
        return data


# --- mentors ------------------------------------------------------------------------------------------


class MentorForm(ScopedForm):
    user = ScopedModelChoiceField(
        label="Thành viên làm đại sứ số", scope=people_managed_by, required=False, empty_label="— Không —"
    )
    resident = ScopedModelChoiceField(
        label="Hoặc người dân làm đại sứ số",
        scope=residents_visible_to,
        commune_path="household__village__parent",
        required=False,
        widget=forms.HiddenInput,
    )
    started_on = _date("Từ ngày")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and bool(data.get("user")) == bool(data.get("resident")):
            self.add_error("user", "Chọn một thành viên hoặc một người dân (chỉ một trong hai).")
        return data


class MenteeForm(ScopedForm):
    mentee = ScopedModelChoiceField(
        label="Người được kèm cặp",
        scope=residents_visible_to,
        commune_path="household__village__parent",
        widget=forms.HiddenInput,
        error_messages={"required": "Hãy tìm và chọn một người dân."},
    )
    started_on = _date("Từ ngày")


class MentorshipOutcomeForm(forms.Form):
    outcome = _choice("Kết quả", Mentorship.Outcome.choices)
    ended_on = _date("Đến ngày", required=False, help_text="Để trống nếu vẫn đang kèm cặp. " + DATE_HELP)
    note = _text("Ghi chú", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == Mentorship.Outcome.ONGOING and data.get("ended_on"):
            self.add_error("ended_on", "Đang kèm cặp thì chưa có ngày kết thúc.")
        if data.get("outcome") in (
            Mentorship.Outcome.INDEPENDENT,
            Mentorship.Outcome.STOPPED,
        ) and not data.get("ended_on"):
            self.add_error("ended_on", "Vui lòng nhập ngày kết thúc kèm cặp.")
        return data


# --- campaigns ----------------------------------------------------------------------------------------


class CampaignForm(ScopedForm):
    name = _text("Tên chiến dịch", help_text="Ví dụ: Đi từng ngõ, gõ từng nhà.")
    starts_on = _date("Từ ngày")
    ends_on = _date("Đến ngày")
    villages = ScopedModelMultipleChoiceField(
        label="Thôn",
        scope=villages_managed_by,
        commune_path="parent",
        required=False,
        widget=_checkboxes(),
        help_text="Để trống: cả xã.",
    )
    focus_skills = ScopedModelMultipleChoiceField(
        label="Kỹ năng trọng tâm", scope=active_skills, required=False, widget=_checkboxes()
    )
    daily_reporting = forms.BooleanField(label="Báo cáo hằng ngày", required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends:
            if ends < starts:
                self.add_error("ends_on", "Ngày kết thúc không được trước ngày bắt đầu.")
            elif ends - starts > dt.timedelta(days=MAX_CAMPAIGN_DAYS):
                self.add_error("ends_on", f"Một chiến dịch dài không quá {MAX_CAMPAIGN_DAYS} ngày.")
        return data
