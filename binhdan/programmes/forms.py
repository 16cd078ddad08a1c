"""Forms of the programmes. Every choice of a village, person or skill is a scoped field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from binhdan.accounts.fields import ScopedForm, ScopedModelChoiceField, ScopedModelMultipleChoiceField
from binhdan.accounts.models import User
from binhdan.fieldwork.forms import active_skills
from binhdan.fieldwork.models import TeamMembership
from binhdan.places.models import Place
from binhdan.programmes.desk import drive_villages
from binhdan.programmes.filters import Rule
from binhdan.programmes.models import DriveKind
from binhdan.registry.forms import VietDateField

MAX_DAYS_AHEAD = 366
MAX_DAYS_BACK = 366
DATE_HELP = "Viết theo dạng ngày/tháng/năm, ví dụ 18/10/2025."


def drive_contacts(user: Any) -> QuerySet[User]:
    """Team members (current) of the villages the user may draw a drive from."""
    if user is None:
        return User.objects.none()
    members = TeamMembership.objects.filter(
        left_on__isnull=True, team__village__in=drive_villages(user)
    ).values("user_id")
    return User.objects.filter(pk__in=members, is_active=True).order_by("full_name", "username")


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


def _choice(label: str, choices: Any, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        error_messages={
            "required": f"Vui lòng chọn {label.lower()}.",
            "invalid_choice": "Lựa chọn không hợp lệ.",
        },
        **kwargs,
    )


class DriveForm(ScopedForm):
    rule = _choice("Danh sách mời", Rule.choices, help_text="Ai được mời: tính theo ngày vận động.")
    villages = ScopedModelMultipleChoiceField(
        label="Thôn",
        scope=drive_villages,
        commune_path="parent",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
        error_messages={"required": "Hãy chọn ít nhất một thôn."},
    )
    title = _text("Tên đợt vận động", help_text="Ví dụ: Ra quân kích hoạt VNeID mức 2.")
    kind = _choice("Loại", DriveKind.choices, initial=DriveKind.VNEID)
    held_on = VietDateField(
        label="Ngày",
        help_text=DATE_HELP,
        error_messages={
            "required": "Vui lòng nhập ngày.",
            "invalid": "Ngày không đúng. Hãy viết theo dạng ngày/tháng/năm, ví dụ 18/10/2025.",
        },
    )
    starts_at = forms.TimeField(
        label="Giờ bắt đầu",
        input_formats=["%H:%M", "%Hh%M", "%Hh", "%H giờ %M", "%H giờ"],
        help_text="Ví dụ: 7:30 hoặc 14h00.",
        widget=forms.TimeInput(format="%H:%M", attrs={"inputmode": "numeric", "placeholder": "7:30"}),
        error_messages={
            "required": "Vui lòng nhập giờ bắt đầu.",
            "invalid": "Giờ không đúng. Hãy viết dạng giờ:phút, ví dụ 7:30.",
        },
    )
    venue = _text("Địa điểm", help_text="Ví dụ: Nhà văn hoá thôn Đông.")
    what_to_bring = _text("Mang theo", max_length=300, required=False)
    contact = ScopedModelChoiceField(
        label="Người liên hệ",
        scope=drive_contacts,
        help_text="Thành viên Tổ công nghệ số cộng đồng; tên và số điện thoại in trên giấy mời.",
    )
    skills = ScopedModelMultipleChoiceField(
        label="Kỹ năng hướng dẫn",
        scope=active_skills,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
        help_text="Những kỹ năng sẽ ghi kết quả cho từng người có mặt.",
    )

    def __init__(self, *args: Any, user: Any, commune: Place | None = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, commune=commune, **kwargs)
        if commune is not None:
            field = self.fields["contact"]
            assert isinstance(field, ScopedModelChoiceField)
            in_commune = TeamMembership.objects.filter(
                left_on__isnull=True, team__village__parent=commune
            ).values("user_id")
            field.queryset = field.queryset.filter(pk__in=in_commune)

    def clean_held_on(self) -> dt.date:
        day = self.cleaned_data["held_on"]
        today = timezone.localdate()
        if day > today + dt.timedelta(days=MAX_DAYS_AHEAD):
            raise forms.ValidationError("Ngày vận động xa quá một năm; hãy kiểm tra lại.")
        if day < today - dt.timedelta(days=MAX_DAYS_BACK):
            raise forms.ValidationError("Ngày vận động đã qua hơn một năm; hãy kiểm tra lại.")
        return day


class ListFilterForm(forms.Form):
    """The programme list's filter (GET): a village of the user's desk and a name."""

    thon = forms.TypedChoiceField(label="Thôn", required=False, coerce=int, empty_value=None)
    q = forms.CharField(label="Tìm theo họ tên (gõ không dấu cũng được)", required=False, max_length=100)

    def __init__(self, *args: Any, villages: list[Place], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["thon"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "— Mọi thôn —"), *[(v.pk, v.name) for v in villages]]
        field.error_messages["invalid_choice"] = "Thôn không hợp lệ hoặc nằm ngoài địa bàn bạn phụ trách."
        self.fields["q"].error_messages["max_length"] = "Họ tên tìm kiếm dài quá 100 ký tự."


class DriveResultsForm(forms.Form):
    """The results page: `rows` (invitee ids on the page), `came` (ticked), `vneid-<id>`,
    `skill-<id>-<skill id>`. Only invitees the server lists for the user are read; any other id is
    ignored (the view parses the rows, this form names the shared fields)."""

    evidence = forms.ChoiceField(
        label="Cách biết kết quả",
        choices=[
            ("seen", "Tổ viên đã xem trên điện thoại của người dân"),
            ("confirmed", "Xác nhận chính thức"),
        ],
        required=False,
    )
