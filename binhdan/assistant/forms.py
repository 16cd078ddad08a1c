from __future__ import annotations

from django import forms


class AskForm(forms.Form):
    q = forms.CharField(
        label="Bạn muốn hỏi gì?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text="Gõ có dấu hay không dấu đều được, ví dụ: kich hoat vneid muc 2.",
    )


class LearnerCodeForm(forms.Form):
    code = forms.CharField(
        label="Mã học viên",
        max_length=12,
        min_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        help_text="Mã 6 ký tự do Tổ công nghệ số cộng đồng đưa cho bạn.",
    )
