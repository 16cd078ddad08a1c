"""Password rules (OWASP ASVS 4.0.3 V2.1, docs/security.md).

Length is the only rule about what a password looks like: at least 12 characters (2.1.1), any
character at all (letters with diacritics, spaces, emoji: 2.1.4), at most 128 (2.1.2) so a passphrase
fits easily. There is no composition rule (2.1.9): no "a digit and a letter", no "not only digits".
What makes a password guessable is checked against a list instead: Django's common passwords
(2.1.7, which holds the digit runs such as 111111111111) and the similarity to the user's own name,
user name and phone. The rules apply when a password is set; a password set under older rules keeps
signing in until it is changed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

MIN_LENGTH = 12
MAX_LENGTH = 128


class MinimumLengthValidator:
    """At least `min_length` characters (ASVS 2.1.1)."""

    def __init__(self, min_length: int = MIN_LENGTH) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: object = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                f"Mật khẩu quá ngắn: cần ít nhất {self.min_length} ký tự (đang có {len(password)}). "
                "Một câu ngắn dễ nhớ, có dấu và khoảng trắng, là mật khẩu tốt.",
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return f"Mật khẩu cần ít nhất {self.min_length} ký tự; có thể là một câu, có dấu và khoảng trắng."


class MaximumLengthValidator:
    """At most `max_length` characters (ASVS 2.1.2: ≥ 64 allowed, more than 128 refused)."""

    def __init__(self, max_length: int = MAX_LENGTH) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: object = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"Mật khẩu quá dài: nhiều nhất {self.max_length} ký tự (đang có {len(password)}).",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Mật khẩu dài nhiều nhất {self.max_length} ký tự."
