from __future__ import annotations

from django.core.exceptions import ValidationError


class CharacterClassValidator:
    """A strong password mixes letters with digits or symbols."""

    def validate(self, password: str, user: object = None) -> None:
        has_letter = any(ch.isalpha() for ch in password)
        has_other = any(not ch.isalpha() for ch in password)
        if not (has_letter and has_other):
            raise ValidationError(
                "Mật khẩu phải có cả chữ cái và chữ số hoặc ký hiệu.", code="password_character_classes"
            )

    def get_help_text(self) -> str:
        return "Mật khẩu phải có cả chữ cái và chữ số hoặc ký hiệu."
