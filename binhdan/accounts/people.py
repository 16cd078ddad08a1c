"""Accounts a commune officer looks after: invite a member or team leader, hand over a temporary
password, end a role on a date. The views (`views_people.py`) check scope through `access` and audit."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction

from binhdan.accounts import tokens
from binhdan.accounts.models import ApiToken, Role, User
from binhdan.places.models import Place

# Read aloud or written on paper: lower-case letters and digits without 0/o/1/l/i, in groups of four.
TEMPORARY_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # nosec B105  # the letters of generated passwords
TEMPORARY_PASSWORD_GROUPS = 3  # 12 characters ≈ 59 bits; it is changed at the first sign-in anyway


def temporary_password() -> str:
    """A fresh temporary password with letters and digits (the password validators want both)."""
    while True:
        groups = [
            "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(4))
            for _ in range(TEMPORARY_PASSWORD_GROUPS)
        ]
        password = "-".join(groups)
        if any(ch.isdigit() for ch in password) and any(ch.isalpha() for ch in password):
            return password


@transaction.atomic
def invite(
    *, by: User, username: str, full_name: str, phone: str, kind: str, village: Place, valid_from: dt.date
) -> tuple[User, Role, str]:
    """A new account holding `kind` over `village`, with a temporary password returned once."""
    password = temporary_password()
    user = User.objects.create_user(username=username, password=password, full_name=full_name, phone=phone)
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    role = Role(user=user, kind=kind, place=village, valid_from=valid_from)
    role.full_clean()
    role.save()
    return user, role, password


@transaction.atomic
def reset_password(*, by: User, user: User, ip: str | None = None) -> tuple[str, int]:
    """Replace the user's password by a temporary one (returned once) to be changed at next sign-in.

    A reset often means the password leaked: the user's other sessions end (Django ties a session to
    the password) and their personal API tokens are revoked. Returns (password, tokens revoked)."""
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    revoked = 0
    for token in ApiToken.objects.active().filter(user=user).select_related("user"):
        revoked += tokens.revoke_api_token(by=by, token=token, ip=ip)
    return password, revoked


def end_role(*, by: User, role: Role, valid_to: dt.date) -> Role:
    """The role holds until `valid_to` (inclusive); the row stays as history."""
    role.valid_to = valid_to
    role.save(update_fields=["valid_to"])
    return role
