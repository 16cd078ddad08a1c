"""ASVS 4.0.3 V2.1: passwords of 12 to 128 characters, no composition rules (docs/security.md)."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from binhdan.testing.personas import PASSWORD, World

LOGIN = reverse("accounts:login")


def _refusal(password: str) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    return refused.value.messages


def test_v2_1_1_eleven_characters_are_refused_twelve_are_enough() -> None:
    messages = _refusal("mật khẩu 11")  # 11 characters, diacritics count as one each
    assert messages == [
        "Mật khẩu quá ngắn: cần ít nhất 12 ký tự (đang có 11). "
        "Một câu ngắn dễ nhớ, có dấu và khoảng trắng, là mật khẩu tốt."
    ]
    validate_password("mật khẩu 12c")
    assert any("ít nhất 12 ký tự" in text for text in password_validators_help_texts())


@pytest.mark.parametrize(
    "password",
    [
        "bốn mùa xuân hạ thu đông",  # letters and spaces only
        "đồngruộngxanhmướt",  # letters only
        "739184620573",  # digits only, not a common run
        "ĐỒNG LÚA CHÍN VÀNG",  # capitals only
    ],
)
def test_v2_1_9_no_composition_rule(password: str) -> None:
    validate_password(password)


def test_v2_1_2_passphrases_up_to_128_characters_and_no_more() -> None:
    validate_password("một câu dài làm mật khẩu " * 2 + "đủ sáu mươi tư ký tự rồi đó")  # 77
    at_limit = ("con đường làng quê em " * 6)[:128]
    assert len(at_limit) == 128
    validate_password(at_limit)
    assert _refusal(at_limit + "x") == ["Mật khẩu quá dài: nhiều nhất 128 ký tự (đang có 129)."]


def test_v2_1_7_guessable_passwords_are_still_refused() -> None:
    for password in ("111111111111", "password1234", "qwertyuiop12"):
        assert _refusal(password) == ["Mật khẩu này quá phổ biến."], password


def test_an_older_short_password_keeps_signing_in(world: World) -> None:
    """The rules apply when a password is set: a 10-character password set earlier still works."""
    world.member_a.set_password("Ruộng-2024")  # set directly, as the old rules allowed
    world.member_a.save()
    response = Client().post(LOGIN, {"username": "tovien.a", "password": "Ruộng-2024"})
    assert response.status_code == 302 and response.url == reverse("home")


def test_the_password_page_refuses_a_short_new_password_in_vietnamese(world: World) -> None:
    client = Client()
    assert client.post(LOGIN, {"username": "tovien.a", "password": PASSWORD}).status_code == 302
    page = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Lúa-2026-ab", "new_password2": "Lúa-2026-ab"},
    )
    assert page.status_code == 200
    assert "cần ít nhất 12 ký tự (đang có 11)" in page.content.decode()
    world.member_a.refresh_from_db()
    assert world.member_a.check_password(PASSWORD)
    new = "cánh đồng lúa chín"  # letters and spaces only: accepted
    done = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert done.status_code == 302
    world.member_a.refresh_from_db()
    assert world.member_a.check_password(new)
