from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils import timezone

from binhdan.accounts.access import INVITABLE_ROLES
from binhdan.accounts.fields import ScopedForm, ScopedModelChoiceField, villages_managed_by
from binhdan.accounts.models import Role, RoleKind, User
from binhdan.common.text import nfc


class SignInForm(AuthenticationForm):
    username = forms.CharField(
        label="Tên đăng nhập",
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        ),
        error_messages={"required": "Vui lòng nhập tên đăng nhập."},
    )
    password = forms.CharField(
        label="Mật khẩu",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Vui lòng nhập mật khẩu."},
    )
    error_messages = {
        "invalid_login": "Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: sau nhiều lần sai, tài khoản sẽ bị tạm khoá.",
        "inactive": "Tài khoản này đã bị khoá. Vui lòng liên hệ cán bộ xã.",
    }


class OTPForm(forms.Form):
    token = forms.CharField(
        label="Mã xác thực 6 số",
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
        error_messages={
            "required": "Vui lòng nhập mã xác thực 6 số.",
            "min_length": "Mã xác thực gồm đúng 6 chữ số.",
            "max_length": "Mã xác thực gồm đúng 6 chữ số.",
        },
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip().replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError("Mã xác thực chỉ gồm chữ số.")
        return token


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(
        label="Mã thiết lập do cán bộ xã cấp",
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
        help_text="Mã gồm 12 ký tự (ví dụ ABCD-EFGH-JKMN), có hiệu lực 72 giờ và chỉ dùng được một lần.",
        error_messages={
            "required": "Vui lòng nhập mã thiết lập.",
            "max_length": "Mã thiết lập quá dài; hãy kiểm tra lại.",
        },
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Tên gợi nhớ (ví dụ: điện thoại Samsung của tôi)",
        max_length=80,
        required=False,
        error_messages={"max_length": "Tên gợi nhớ tối đa 80 ký tự."},
    )


# --- people and roles (the commune officer's screens) -------------------------------------------------

DATE_HELP = "Viết theo dạng ngày/tháng/năm, ví dụ 10/10/2025."
# A role's dates are near today: more than this many days away is a typing mistake.
ROLE_DATE_WINDOW_DAYS = 366
PHONE_DIGITS = (9, 11)  # Vietnamese numbers: 10 digits (0xx…), older landlines 11, +84 form 9 after it


class RoleDateField(forms.DateField):
    """A day/month/year date within `ROLE_DATE_WINDOW_DAYS` of today."""

    def __init__(self, *, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"])
        kwargs.setdefault(
            "widget",
            forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
        )
        super().__init__(
            label=label,
            help_text=DATE_HELP,
            error_messages={
                "required": f"Vui lòng nhập {label.lower()}.",
                "invalid": "Ngày không đúng. Hãy viết theo dạng ngày/tháng/năm, ví dụ 10/10/2025.",
            },
            **kwargs,
        )

    def clean(self, value: Any) -> Any:
        day = super().clean(value)
        if day is not None and abs((day - timezone.localdate()).days) > ROLE_DATE_WINDOW_DAYS:
            raise forms.ValidationError("Ngày này cách hôm nay hơn một năm; hãy kiểm tra lại.")
        return day


def normalise_phone(raw: str) -> str:
    """Digits of a Vietnamese phone number, +84 written as 0; "" if it is not one."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    if raw.strip().startswith("+84") or (digits.startswith("84") and len(digits) == 11):
        digits = "0" + digits[2:]
    low, high = PHONE_DIGITS
    if not digits.startswith("0") or not low + 1 <= len(digits) <= high:
        return ""
    return digits


class InviteForm(ScopedForm):
    """A new account with a member or team-leader role in a village of the officer's commune."""

    full_name = forms.CharField(
        label="Họ và tên",
        max_length=120,
        error_messages={"required": "Vui lòng nhập họ và tên.", "max_length": "Họ và tên tối đa 120 ký tự."},
    )
    phone = forms.CharField(
        label="Số điện thoại",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text="Nếu bỏ trống tên đăng nhập, số điện thoại được dùng làm tên đăng nhập.",
        error_messages={"max_length": "Số điện thoại tối đa 20 ký tự."},
    )
    username = forms.CharField(
        label="Tên đăng nhập",
        max_length=150,
        required=False,
        widget=forms.TextInput(
            attrs={"autocapitalize": "none", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text="Chữ không dấu, số và các dấu . _ - (ví dụ tovien.an). Có thể bỏ trống nếu đã nhập số điện thoại.",
        error_messages={"max_length": "Tên đăng nhập tối đa 150 ký tự."},
    )
    kind = forms.ChoiceField(
        label="Vai trò",
        choices=[(k.value, k.label) for k in RoleKind if k in INVITABLE_ROLES],
        initial=RoleKind.MEMBER,
        error_messages={"required": "Vui lòng chọn vai trò.", "invalid_choice": "Vai trò không hợp lệ."},
    )
    village = ScopedModelChoiceField(
        label="Thôn, tổ dân phố", scope=villages_managed_by, commune_path="parent"
    )
    valid_from = RoleDateField(label="Từ ngày")

    def clean_full_name(self) -> str:
        name = nfc(" ".join(self.cleaned_data["full_name"].split()))
        if not name or any(not ch.isprintable() for ch in name):
            raise forms.ValidationError("Họ và tên có ký tự không hợp lệ.")
        return name

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        phone = normalise_phone(raw)
        if not phone:
            raise forms.ValidationError("Số điện thoại không đúng (ví dụ 0912345678).")
        return phone

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip().lower()
        if username and not USERNAME.fullmatch(username):
            raise forms.ValidationError("Tên đăng nhập chỉ gồm chữ không dấu, số và các dấu . _ -")
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors.get("username") or self.errors.get("phone"):
            return data
        username = data.get("username") or data.get("phone") or ""
        if not username:
            self.add_error("username", "Vui lòng nhập tên đăng nhập hoặc số điện thoại.")
        elif User.objects.filter(username__iexact=username).exists():
            self.add_error(
                "username" if data.get("username") else "phone",
                f"Tên đăng nhập “{username}” đã có người dùng. Hãy chọn tên khác.",
            )
        data["username"] = username
        return data


USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,149}")


class RoleEndForm(forms.Form):
    valid_to = RoleDateField(label="Ngày cuối cùng giữ vai trò")

    def __init__(self, *args: Any, role: Role, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role = role

    def clean_valid_to(self) -> Any:
        day = self.cleaned_data["valid_to"]
        if day < self.role.valid_from:
            raise forms.ValidationError(
                f"Ngày cuối không được trước ngày bắt đầu giữ vai trò ({self.role.valid_from:%d/%m/%Y})."
            )
        return day


class ConfirmForm(forms.Form):
    """A form with nothing to fill: the button is the confirmation."""


class FirstPasswordForm(PasswordChangeForm):
    """Replace the temporary password an officer handed over with one only the user knows."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Mật khẩu tạm (do cán bộ xã đưa)"
        self.fields["new_password1"].label = "Mật khẩu mới"
        self.fields["new_password2"].label = "Nhập lại mật khẩu mới"
        self.fields["old_password"].error_messages["required"] = "Vui lòng nhập mật khẩu tạm."
        self.fields["new_password1"].error_messages["required"] = "Vui lòng nhập mật khẩu mới."
        self.fields["new_password2"].error_messages["required"] = "Vui lòng nhập lại mật khẩu mới."

    error_messages = {
        "password_incorrect": "Mật khẩu tạm không đúng.",  # nosec B105  # an error message, not a password
        "password_mismatch": "Hai lần nhập mật khẩu mới không giống nhau.",  # nosec B105  # an error message, not a password
    }

    def clean_new_password1(self) -> str:
        new = self.cleaned_data["new_password1"]
        if self.user.check_password(new):
            raise forms.ValidationError("Mật khẩu mới phải khác mật khẩu tạm.")
        return new
