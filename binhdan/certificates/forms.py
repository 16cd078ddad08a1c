"""Forms of the certificate screens; every resident choice is a scoped field (scope by construction)."""

from __future__ import annotations

from typing import Any

from django import forms

from binhdan.accounts.fields import ScopedForm, ScopedModelMultipleChoiceField
from binhdan.certificates.models import SignerCapacity
from binhdan.registry.forms import VietDateField
from binhdan.registry.models import Resident


def residents_changeable_by(user: Any) -> Any:
    """Residents the user may change (officers: their commune), still in the registry."""
    if user is None:
        return Resident.objects.none()
    return Resident.objects.changeable_by(user).active().select_related("household__village")


def _date(label: str, *, required: bool = False, help_text: str = "") -> VietDateField:
    return VietDateField(
        label=label,
        required=required,
        help_text=help_text or "Viết theo dạng ngày/tháng/năm, ví dụ 10/10/2025. Để trống: hôm nay.",
        error_messages={
            "required": f"Vui lòng nhập {label.lower()}.",
            "invalid": "Ngày không đúng. Hãy viết theo dạng ngày/tháng/năm, ví dụ 10/10/2025.",
        },
    )


class IssueForm(ScopedForm):
    """Issue to the ticked attendees, or to every attendee without a certificate ("all")."""

    residents = ScopedModelMultipleChoiceField(
        label="Người được cấp",
        scope=residents_changeable_by,
        commune_path="household__village__parent",
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
    )
    everyone = forms.BooleanField(label="Cấp cho tất cả người đã tham dự chưa có giấy", required=False)
    issued_on = _date("Ngày cấp")
    signer_capacity = forms.ChoiceField(
        label="Người ký",
        choices=SignerCapacity.choices,
        initial=SignerCapacity.CHAIRMAN,
        error_messages={"invalid_choice": "Lựa chọn không hợp lệ.", "required": "Vui lòng chọn người ký."},
    )
    signer_name = forms.CharField(
        label="Họ tên người ký",
        max_length=120,
        required=False,
        help_text="In dưới chữ ký; để trống để ký tay.",
        error_messages={"max_length": "Họ tên người ký dài quá 120 ký tự."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("everyone") and not data.get("residents"):
            self.add_error("residents", "Hãy chọn ít nhất một người, hoặc chọn cấp cho tất cả.")
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Lý do thu hồi",
        max_length=200,
        help_text="Ví dụ: ghi nhầm tên, người học không tham dự đủ buổi.",
        error_messages={"required": "Vui lòng ghi lý do thu hồi.", "max_length": "Lý do dài quá 200 ký tự."},
    )


class ReissueForm(forms.Form):
    reason = forms.CharField(
        label="Lý do cấp lại",
        max_length=200,
        required=False,
        help_text="Giấy cũ bị thu hồi với lý do này; để trống: “Cấp lại giấy mới”.",
        error_messages={"max_length": "Lý do dài quá 200 ký tự."},
    )
    issued_on = _date("Ngày cấp giấy mới")
