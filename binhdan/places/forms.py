from __future__ import annotations

from django import forms

from binhdan.places.models import KINDS_BY_LEVEL, Kind, Level


class VillageForm(forms.Form):
    name = forms.CharField(
        label="Tên thôn, tổ dân phố",
        max_length=120,
        help_text="Ví dụ: Thôn Đông, Tổ dân phố số 3.",
        error_messages={"required": "Vui lòng nhập tên thôn, tổ dân phố."},
    )
    kind = forms.ChoiceField(
        label="Loại",
        required=False,
        choices=[("", "Tự nhận biết từ tên")] + [(k.value, k.label) for k in KINDS_BY_LEVEL[Level.VILLAGE]],
    )

    def clean_kind(self) -> str | None:
        return self.cleaned_data.get("kind") or None


__all__ = ["Kind", "VillageForm"]
