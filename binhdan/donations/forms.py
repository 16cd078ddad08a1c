"""Forms of Chắp cánh công nghệ. Donor, household and recipient are scoped fields: only the commune's own,
and only households and residents the user may change."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Model

from binhdan.accounts.fields import ScopedForm, ScopedModelChoiceField, places_managed_by
from binhdan.donations.models import MAX_QUANTITY, MAX_VALUE_VND, Donor, DonorKind, ItemKind
from binhdan.registry.forms import VietDateField
from binhdan.registry.models import Household, Resident

DATE_HELP = "Viết theo dạng ngày/tháng/năm, ví dụ 10/10/2025."


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


def donors_managed_by(user: Any) -> Any:
    return Donor.objects.filter(commune__in=places_managed_by(user)).order_by("name", "pk")


def households_changeable_by(user: Any) -> Any:
    """Households still in the registry that the user may change; priority households first."""
    if user is None:
        return Household.objects.none()
    return (
        Household.objects.changeable_by(user)
        .filter(left_on__isnull=True)
        .select_related("village")
        .order_by("-no_smart_device", "-is_poor", "-is_near_poor", "village__name", "sort_name", "pk")
    )


def residents_changeable_by(user: Any) -> Any:
    if user is None:
        return Resident.objects.none()
    return (
        Resident.objects.changeable_by(user)
        .active()
        .select_related("household__village")
        .order_by("household__village__name", "household__sort_name", "household_id", "sort_name", "pk")
    )


HINTS = (
    ("is_poor", "hộ nghèo"),
    ("is_near_poor", "hộ cận nghèo"),
    ("no_smart_device", "chưa có thiết bị số"),
)


def household_hint(household: Household) -> str:
    return ", ".join(label for field, label in HINTS if getattr(household, field))


class HouseholdField(ScopedModelChoiceField):
    def label_from_instance(self, obj: Model) -> str:
        assert isinstance(obj, Household)
        hint = household_hint(obj)
        return f"{obj} — {obj.village.name}" + (f" · {hint}" if hint else "")


class RecipientField(ScopedModelChoiceField):
    def label_from_instance(self, obj: Model) -> str:
        assert isinstance(obj, Resident)
        year = f" ({obj.birth_year})" if obj.birth_year else ""
        return f"{obj.full_name}{year} — {obj.household} — {obj.household.village.name}"


class MoneyField(forms.CharField):
    """Đồng, typed as people write it: 1.500.000, 1 500 000, 1500000đ; an empty box is no value."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        digits = re.sub(r"(?i)[\s.,]|đồng|đ|vnđ|vnd", "", text)
        if len(text) > 40 or not digits.isdigit() or len(digits) > 15:
            raise forms.ValidationError("Trị giá phải là số đồng, ví dụ 1.500.000.", code="invalid")
        number = int(digits)
        if number > MAX_VALUE_VND:
            raise forms.ValidationError("Trị giá quá lớn (tối đa 100 tỷ đồng).", code="max_value")
        return number


class DonorForm(forms.Form):
    name = forms.CharField(
        label="Tên nhà tài trợ",
        max_length=200,
        error_messages={"required": "Vui lòng nhập tên nhà tài trợ.", "max_length": "Tên dài quá 200 ký tự."},
    )
    kind = forms.ChoiceField(
        label="Loại",
        choices=DonorKind.choices,
        error_messages={"invalid_choice": "Lựa chọn không hợp lệ.", "required": "Vui lòng chọn loại."},
    )
    contact = forms.CharField(
        label="Liên hệ",
        max_length=200,
        required=False,
        help_text="Người liên hệ, số điện thoại hoặc địa chỉ của nhà tài trợ.",
        error_messages={"max_length": "Liên hệ dài quá 200 ký tự."},
    )


class DonationForm(ScopedForm):
    donor = ScopedModelChoiceField(label="Nhà tài trợ", scope=donors_managed_by, commune_path="commune")
    item_kind = forms.ChoiceField(
        label="Loại quà tặng",
        choices=ItemKind.choices,
        help_text="Điện thoại thông minh, máy tính bảng: hộ được ghi là đã có thiết bị số.",
        error_messages={
            "invalid_choice": "Lựa chọn không hợp lệ.",
            "required": "Vui lòng chọn loại quà tặng.",
        },
    )
    description = forms.CharField(
        label="Mô tả",
        max_length=200,
        required=False,
        help_text="Ví dụ: Samsung Galaxy A05, kèm SIM 4G 12 tháng.",
        error_messages={"max_length": "Mô tả dài quá 200 ký tự."},
    )
    quantity = forms.IntegerField(
        label="Số lượng",
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        error_messages={
            "required": "Vui lòng nhập số lượng.",
            "invalid": "Số lượng phải là số nguyên, ví dụ 1.",
            "min_value": "Số lượng ít nhất là 1.",
            "max_value": f"Số lượng nhiều nhất là {MAX_QUANTITY:,}.".replace(",", "."),
        },
    )
    value_vnd = MoneyField(label="Trị giá (đồng)", required=False, help_text="Ví dụ 2.500.000.")
    given_on = _date("Ngày trao")
    household = HouseholdField(
        label="Hộ nhận",
        scope=households_changeable_by,
        commune_path="village__parent",
        help_text="Hộ nghèo, cận nghèo và hộ chưa có thiết bị số đứng đầu danh sách.",
    )
    recipient = RecipientField(
        label="Người nhận",
        scope=residents_changeable_by,
        commune_path="household__village__parent",
        required=False,
        empty_label="— Không ghi người nhận —",
        help_text="Người trong hộ dùng thiết bị: được ghi là có điện thoại thông minh từ ngày trao.",
    )
    follow_up_on = _date(
        "Hẹn thăm lại", required=False, help_text="Ngày tổ viên quay lại xem thiết bị đã dùng được chưa."
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        household, recipient = data.get("household"), data.get("recipient")
        if household and recipient and recipient.household_id != household.pk:
            self.add_error("recipient", "Người nhận phải là người của hộ nhận quà.")
        return data


class FollowUpForm(forms.Form):
    followed_up_on = _date("Ngày thăm lại")
    note = forms.CharField(
        label="Ghi chú",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ví dụ: đã dùng được Zalo, VNeID; cần hướng dẫn thêm thanh toán QR.",
        error_messages={"max_length": "Ghi chú dài quá 1000 ký tự."},
    )


def donors_visible_to(user: Any) -> Any:
    from binhdan.accounts.access import places_visible_to

    return Donor.objects.filter(commune__in=places_visible_to(user)).order_by("name", "pk")


def villages_visible_to(user: Any) -> Any:
    from binhdan.accounts.access import places_visible_to

    return places_visible_to(user).villages().vietnamese_order()


class FilterForm(ScopedForm):
    """The list's filters (GET), bound to the page's commune."""

    loai = forms.ChoiceField(
        label="Loại quà tặng",
        choices=[("", "Tất cả"), *ItemKind.choices],
        required=False,
        error_messages={"invalid_choice": "Lựa chọn không hợp lệ."},
    )
    nha_tai_tro = ScopedModelChoiceField(
        label="Nhà tài trợ",
        scope=donors_visible_to,
        commune_path="commune",
        required=False,
        empty_label="Tất cả",
    )
    thon = ScopedModelChoiceField(
        label="Thôn", scope=villages_visible_to, commune_path="parent", required=False, empty_label="Tất cả"
    )
    tu_ngay = _date("Từ ngày", required=False, help_text="")
    den_ngay = _date("Đến ngày", required=False, help_text="")
