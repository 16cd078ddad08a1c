from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm


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
