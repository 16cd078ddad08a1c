"""Personal API tokens: `bd_<random>`; the database keeps only a SHA-256 of the token."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from binhdan.accounts.models import ApiToken, User

PREFIX = "bd_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(*, user: User, name: str = "") -> str:
    """Create a token for `user` and return it; it cannot be read back later."""
    token = PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=token[:8], key_hash=_digest(token))
    return token


def user_for_token(token: str) -> User | None:
    """The active user a token belongs to, or None (unknown, revoked or inactive)."""
    if not token.startswith(PREFIX):
        return None
    row = ApiToken.objects.active().select_related("user").filter(key_hash=_digest(token)).first()
    if row is None:
        return None
    now = timezone.now()
    # Touch at most once a minute so a busy phone does not write on every request.
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
