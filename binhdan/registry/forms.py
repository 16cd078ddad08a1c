from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.db import models
from django.utils import timezone

from binhdan.places.models import Place
from binhdan.registry.models import (
    Consent,
    Evidence,
    Household,
    HouseholdMove,
    LeftReason,
    Resident,
    StatusField,
)

DATE_HELP = "Viết theo dạng ngày/tháng/năm, ví dụ 05/09/1958."
MAX_AGE_YEARS = 120  # a birth date further back than this is a typing mistake, not a person


def oldest_birth_year(today: dt.date) -> int:
    return today.year - MAX_AGE_YEARS


def birth_problem(day: dt.date | None, year: int | None, *, today: dt.date) -> str | None:
    """The Vietnamese reason a birth date or year cannot be right, or None.

    One rule for the web forms and the import: not in the future, not more than MAX_AGE_YEARS back."""
    if day is not None:
        if day > today:
            return f"Ngày sinh {day:%d/%m/%Y} ở tương lai."
        oldest = _years_before(today, MAX_AGE_YEARS)
        if day < oldest:
            return f"Ngày sinh {day:%d/%m/%Y} cách đây hơn {MAX_AGE_YEARS} năm; hãy kiểm tra lại."
        return None
    if year is not None:
        if year > today.year:
            return f"Năm sinh {year} ở tương lai."
        if year < oldest_birth_year(today):
            return f"Năm sinh {year} cách đây hơn {MAX_AGE_YEARS} năm; năm sinh phải từ {oldest_birth_year(today)} đến {today.year}."
    return None


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def observed_before_birth(
    observed_on: dt.date, *, birth_date: dt.date | None, birth_year: int | None
) -> str | None:
    """The reason an observation date cannot be right for this person (before they were born), or None."""
    if birth_date is not None and observed_on < birth_date:
        return f"Ngày ghi nhận {observed_on:%d/%m/%Y} trước ngày sinh của người này ({birth_date:%d/%m/%Y})."
    if birth_date is None and birth_year is not None and observed_on.year < birth_year:
        return f"Ngày ghi nhận {observed_on:%d/%m/%Y} trước năm sinh của người này ({birth_year})."
    return None


class VietDateField(forms.DateField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"])
        kwargs.setdefault(
            "error_messages",
            {"invalid": "Ngày không đúng. Hãy viết theo dạng ngày/tháng/năm, ví dụ 05/09/1958."},
        )
        kwargs.setdefault(
            "widget",
            forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
        )
        super().__init__(**kwargs)


REGISTERED_HELP = "Từ ngày này được tính vào các chỉ tiêu. Để trống: hôm nay (khi thêm mới)."
# Reasons a household can leave the registry; a household does not die, its last member does.
HOUSEHOLD_LEFT_REASONS = [(c, label) for c, label in LeftReason.choices if c != LeftReason.DIED]


def registered_problem(
    day: dt.date, *, today: dt.date, left_on: dt.date | None = None, born: dt.date | None = None
) -> str | None:
    """The Vietnamese reason a "ngày vào sổ" cannot be right, or None: not in the future, not more than
    MAX_AGE_YEARS back, not after the day the entry left the registry, not before the person was born."""
    if day > today:
        return f"Ngày vào sổ {day:%d/%m/%Y} ở tương lai."
    if day < _years_before(today, MAX_AGE_YEARS):
        return f"Ngày vào sổ {day:%d/%m/%Y} cách đây hơn {MAX_AGE_YEARS} năm; hãy kiểm tra lại."
    if left_on is not None and day > left_on:
        return f"Ngày vào sổ phải trước ngày rời sổ ({left_on:%d/%m/%Y})."
    if born is not None and day < born:
        return f"Ngày vào sổ {day:%d/%m/%Y} trước ngày sinh ({born:%d/%m/%Y})."
    return None


def _registered_field() -> VietDateField:
    return VietDateField(label="Ngày vào sổ", required=False, help_text=REGISTERED_HELP)


class HouseholdForm(forms.ModelForm):
    """A household's details; `registered_on` (Ngày vào sổ) is not a model field of the form so that an
    empty box keeps the saved date; on edit, `moved_on` (Ngày chuyển thôn) dates a change of village."""

    registered_on = _registered_field()
    moved_on = VietDateField(
        label="Ngày chuyển thôn",
        required=False,
        help_text="Chỉ dùng khi đổi thôn của hộ: hộ được tính ở thôn cũ đến trước ngày này.",
    )

    class Meta:
        model = Household
        fields = [
            "village", "number", "head_name", "address", "phone", "declared_size", "is_poor", "is_near_poor",
            "has_elderly", "has_disabled", "no_smart_device", "ethnic_minority",
        ]  # fmt: skip
        error_messages = {
            "head_name": {"required": "Vui lòng nhập họ tên chủ hộ."},
            "village": {
                "required": "Vui lòng chọn thôn, tổ dân phố.",
                "invalid_choice": "Thôn này không thuộc phạm vi của bạn.",
            },
            "declared_size": {
                "invalid": "Số nhân khẩu phải là số nguyên.",
                "min_value": "Số nhân khẩu không được âm.",
            },
        }

    def __init__(self, *args: Any, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        village = cast(forms.ModelChoiceField, self.fields["village"])
        village.queryset = villages if villages is not None else Place.objects.none()
        village.empty_label = "— Chọn thôn —"
        today = timezone.localdate()
        self.editing = self.instance.pk is not None
        self.saved = (self.instance.village_id, self.instance.registered_on, self.instance.left_on)
        self.fields["registered_on"].initial = self.instance.registered_on if self.editing else today
        if self.editing:
            self.fields["moved_on"].initial = today
        else:
            del self.fields["moved_on"]
        self.order_fields(["village", "moved_on", "number", "head_name", "registered_on"])

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        if data.get("is_poor") and data.get("is_near_poor"):
            self.add_error("is_near_poor", "Một hộ không thể vừa là hộ nghèo vừa là hộ cận nghèo.")
        if data.get("declared_size") is not None and data["declared_size"] > 50:
            self.add_error("declared_size", "Số nhân khẩu quá lớn; hãy kiểm tra lại.")
        old_village, old_registered, left_on = self.saved
        registered = data.get("registered_on") or old_registered or today
        first_move = (
            HouseholdMove.objects.filter(household=self.instance).order_by("moved_on", "pk").first()
            if self.editing
            else None
        )
        if data.get("registered_on"):
            problem = registered_problem(data["registered_on"], today=today, left_on=left_on)
            if problem is None and first_move is not None and data["registered_on"] > first_move.moved_on:
                problem = f"Ngày vào sổ phải trước lần chuyển thôn đầu tiên của hộ ({first_move.moved_on:%d/%m/%Y})."
            if problem:
                self.add_error("registered_on", problem)
        village = data.get("village")
        if self.editing and village is not None and village.pk != old_village:
            moved_on = data.get("moved_on") or today
            data["moved_on"] = moved_on
            last = HouseholdMove.objects.filter(household=self.instance).order_by("-moved_on", "-pk").first()
            if moved_on > today:
                self.add_error("moved_on", f"Ngày chuyển thôn {moved_on:%d/%m/%Y} ở tương lai.")
            elif moved_on < registered:
                self.add_error(
                    "moved_on", f"Ngày chuyển thôn phải từ ngày vào sổ ({registered:%d/%m/%Y}) trở đi."
                )
            elif last is not None and moved_on < last.moved_on:
                self.add_error(
                    "moved_on",
                    f"Ngày chuyển thôn phải từ lần chuyển trước ({last.moved_on:%d/%m/%Y}) trở đi.",
                )
            elif left_on is not None and moved_on > left_on:
                self.add_error("moved_on", f"Hộ đã rời sổ ngày {left_on:%d/%m/%Y}, trước ngày chuyển này.")
        else:
            data.pop("moved_on", None)
        return data


def clean_phone(raw: str) -> str:
    """Vietnamese phone numbers: +84 / 84 / 0 prefixes and spaces accepted, stored as 0xxxxxxxxx."""
    digits = "".join(ch for ch in (raw or "") if ch.isdigit())
    if not digits:
        return ""
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if len(digits) != 10 or not digits.startswith("0"):
        raise forms.ValidationError("Số điện thoại phải có 10 chữ số, bắt đầu bằng 0 (hoặc +84).")
    return digits


class ResidentForm(forms.ModelForm):
    birth_date = VietDateField(label="Ngày sinh", required=False, help_text=DATE_HELP)
    citizen_id = forms.CharField(
        label="Số định danh cá nhân (CCCD)",
        required=False,
        max_length=20,
        help_text="Không bắt buộc. Chỉ lưu dạng mã hoá và dạng che, ví dụ 0791******23.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Resident
        fields = [
            "full_name", "birth_date", "birth_year", "gender", "relation", "phone", "is_disabled", "is_trader",
            "is_worker", "is_pupil", "ethnic_minority",
        ]  # fmt: skip
        error_messages = {
            "full_name": {"required": "Vui lòng nhập họ và tên."},
            "birth_year": {"invalid": "Năm sinh phải là số, ví dụ 1958."},
        }

    registered_on = _registered_field()

    def __init__(self, *args: Any, allow_citizen_id: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not allow_citizen_id:
            del self.fields["citizen_id"]
        self.fields["birth_year"].widget.attrs.update({"inputmode": "numeric"})
        self.editing = self.instance.pk is not None
        self.saved_left_on = self.instance.left_on
        self.fields["registered_on"].initial = (
            self.instance.registered_on if self.editing else timezone.localdate()
        )
        self.order_fields(["full_name", "birth_date", "birth_year", "gender", "relation", "registered_on"])

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        birth_date, birth_year = data.get("birth_date"), data.get("birth_year")
        today = timezone.localdate()
        if birth_date and birth_year and birth_date.year != birth_year:
            self.add_error("birth_year", "Năm sinh không khớp với ngày sinh.")
        if birth_year and (problem := birth_problem(None, birth_year, today=today)):
            self.add_error("birth_year", problem)
        if birth_date and (problem := birth_problem(birth_date, None, today=today)):
            self.add_error("birth_date", problem)
        if (
            not birth_date
            and not birth_year
            and "birth_year" not in self.errors
            and "birth_date" not in self.errors
        ):
            self.add_error("birth_year", "Vui lòng nhập ngày sinh hoặc ít nhất năm sinh.")
        if registered := data.get("registered_on"):
            born = birth_date or (
                dt.date(birth_year, 1, 1) if birth_year and 1 <= birth_year <= 9999 else None
            )
            problem = registered_problem(registered, today=today, left_on=self.saved_left_on, born=born)
            if problem:
                self.add_error("registered_on", problem)
        return data


class LeftForm(forms.Form):
    """Ghi nhận rời sổ: the day a household or resident left the registry and why."""

    left_on = VietDateField(
        label="Ngày rời sổ",
        initial=timezone.localdate,
        help_text="Từ ngày này không còn được tính vào các chỉ tiêu.",
        error_messages={
            "required": "Vui lòng nhập ngày rời sổ.",
            "invalid": "Ngày không đúng. Hãy viết theo dạng ngày/tháng/năm, ví dụ 05/09/2025.",
        },
    )
    reason = forms.ChoiceField(
        label="Lý do rời sổ",
        choices=[("", "— Chọn lý do —"), *LeftReason.choices],
        error_messages={
            "required": "Hãy chọn lý do rời sổ.",
            "invalid_choice": "Lý do này không có trong danh sách.",
        },
    )

    def __init__(self, *args: Any, entry: Household | Resident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entry = entry
        if isinstance(entry, Household):
            cast(forms.ChoiceField, self.fields["reason"]).choices = [
                ("", "— Chọn lý do —"),
                *HOUSEHOLD_LEFT_REASONS,
            ]

    def clean_left_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["left_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(f"Ngày rời sổ {day:%d/%m/%Y} ở tương lai.")
        if day < self.entry.registered_on:
            raise forms.ValidationError(
                f"Ngày rời sổ phải từ ngày vào sổ ({self.entry.registered_on:%d/%m/%Y}) trở đi."
            )
        return day


class StatusObservationForm(forms.Form):
    field = forms.ChoiceField(label="Thông tin", choices=StatusField.choices)
    value = forms.TypedChoiceField(
        label="Giá trị",
        coerce=int,
        choices=[(1, "Có"), (0, "Không / chưa"), (2, "Mức 2 (chỉ dùng cho VNeID)")],
        help_text="Với VNeID: 0 = chưa có tài khoản, 1 = mức 1, 2 = mức 2.",
    )
    evidence = forms.ChoiceField(label="Cách biết", choices=Evidence.choices, initial=Evidence.SEEN)
    observed_on = VietDateField(label="Ngày ghi nhận", initial=timezone.localdate)

    def __init__(self, *args: Any, resident: Resident | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resident = resident

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        field, value = data.get("field"), data.get("value")
        if field and value == 2 and field != StatusField.VNEID_LEVEL:
            self.add_error("value", "Giá trị “Mức 2” chỉ dùng cho tài khoản VNeID.")
        if data.get("observed_on") and data["observed_on"] > timezone.localdate():
            self.add_error("observed_on", "Ngày ghi nhận không được ở tương lai.")
        elif data.get("observed_on") and self.resident is not None:
            problem = observed_before_birth(
                data["observed_on"], birth_date=self.resident.birth_date, birth_year=self.resident.birth_year
            )
            if problem:
                self.add_error("observed_on", problem)
        return data


class StatusAsOfForm(forms.Form):
    ngay = VietDateField(label="Xem trạng thái tại ngày", required=False)


class ConsentForm(forms.Form):
    given = forms.TypedChoiceField(
        label="Người dân",
        coerce=lambda v: v == "1",
        choices=[("1", "Đồng ý"), ("0", "Rút lại / không đồng ý")],
    )
    method = forms.ChoiceField(label="Hình thức", choices=Consent.Method.choices)
    note = forms.CharField(label="Ghi chú", required=False, max_length=200)


class Presence(models.TextChoices):
    """The household list's filter: who is in the registry today."""

    PRESENT = "dang-o", "Đang ở"
    LEFT = "da-roi-so", "Đã rời sổ"
    ALL = "tat-ca", "Tất cả"


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(label="Tìm theo tên chủ hộ, địa chỉ, số hộ", required=False, max_length=100)
    thon = forms.ModelChoiceField(
        label="Thôn", required=False, queryset=Place.objects.none(), empty_label="Tất cả thôn"
    )
    tinh_trang = forms.ChoiceField(label="Tình trạng", required=False, choices=Presence.choices)

    def __init__(self, *args: Any, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget = forms.TextInput(attrs={"type": "search", "autocomplete": "off"})
        cast(forms.ModelChoiceField, self.fields["thon"]).queryset = (
            villages if villages is not None else Place.objects.none()
        )
