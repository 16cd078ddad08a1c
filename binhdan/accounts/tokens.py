"""Personal API tokens: `bd_<random>`; the database keeps only a SHA-256 of the token.

Tokens are for members and team leaders (`access.may_hold_api_token`); one works only while its owner
may use it (`access.may_use_api_token`: two-factor where their roles require it), until it expires
(`API_TOKEN_DAYS`) or is revoked by its owner or the commune officer. Creation, use from an address the
token has not been used from, and revocation are audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone

from binhdan.accounts import access
from binhdan.accounts.audit import record_event
from binhdan.accounts.models import API_TOKEN_KNOWN_ADDRESSES, ApiToken, AuditEvent, Role, User
from binhdan.common.db import prepare, query_together

PREFIX = "bd_"
# Write last_used_at at most this often, so a busy phone does not write on every request.
TOUCH_EVERY_SECONDS = 60


class TokenNotAllowed(Exception):
    """The user may not hold an API token (only members and team leaders may)."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(*, user: User, name: str = "", by: User | None = None, ip: str | None = None) -> str:
    """Create a token for `user` and return it; it cannot be read back later."""
    if not access.may_hold_api_token(user):
        raise TokenNotAllowed(
            "Chỉ tổ viên và tổ trưởng Tổ công nghệ số cộng đồng được dùng mã truy cập API; "
            "cán bộ đăng nhập trên web với xác thực hai lớp."
        )
    token = PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    row = ApiToken.objects.create(
        user=user,
        name=name[:80],
        prefix=token[:8],
        key_hash=_digest(token),
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.API_TOKEN_DAYS),
    )
    record_event(
        user=by or user,
        action=AuditEvent.Action.TOKEN_CREATE,
        object_type="ApiToken",
        object_id=str(row.pk),
        detail=f"Mã {row.prefix}… của {user.username}" + (f" ({row.name})" if row.name else ""),
        ip=ip,
    )
    return token


def _token_queryset(digest: str) -> QuerySet[ApiToken]:
    # (key_hash is unique: no ORDER BY for the one row)
    return ApiToken.objects.active().select_related("user").filter(key_hash=digest).order_by()[:1]


def _roles_queryset(digest: str) -> QuerySet[Role]:
    """The current roles of the user holding this key, as `User.current_roles()` reads them. The holder
    is a scalar subquery (key_hash is unique), not a join through users and tokens: PostgreSQL plans
    three tables instead of five, about a third of the time (the plan is most of this query's cost)."""
    holder = ApiToken.objects.filter(key_hash=digest).values("user_id")[:1]
    return Role.objects.current().filter(user_id=Subquery(holder)).select_related("place", "place__parent")


def authenticate_token(token: str, *, ip: str | None = None) -> ApiToken | None:
    """The active token row (with its user) for this token, or None: unknown, revoked, expired, the user
    inactive, or the user may not use tokens (not a member/team leader, or two-factor missing)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = _digest(token)
    # The token with its user, and that user's current roles (which every scope decision reads next),
    # in one round trip: the roles are those of the user holding this key (key_hash is unique).
    # Both compiled once per process (common.db.prepare): the same SQL, with this key and clock; their
    # rows made into instances as the ORM would, without working out how again (common.db._Instances).
    tokens, roles = query_together(
        [
            prepare(("accounts.tokens.token",), _token_queryset, digest),
            prepare(("accounts.tokens.roles",), _roles_queryset, digest),
        ]
    )
    row = tokens[0] if tokens else None
    if row is None:
        return None
    row.user._current_roles = roles  # what `User.current_roles()` reads, from the same statement
    if not access.may_use_api_token(row.user):
        return None
    now = timezone.now()
    updates: dict[str, Any] = {}
    if ip and ip not in row.known_ips:
        known = [*row.known_ips, ip][-API_TOKEN_KNOWN_ADDRESSES:]
        updates.update(known_ips=known, last_ip=ip, last_used_at=now)
        record_event(
            user=row.user,
            action=AuditEvent.Action.TOKEN_NEW_ADDRESS,
            object_type="ApiToken",
            object_id=str(row.pk),
            detail=f"Mã {row.prefix}… dùng từ địa chỉ mới {ip}",
            ip=ip,
        )
    elif (
        row.last_used_at is None
        or (now - row.last_used_at).total_seconds() > TOUCH_EVERY_SECONDS
        or (ip and row.last_ip != ip)
    ):
        updates.update(last_used_at=now, last_ip=ip or row.last_ip)
    if updates:
        ApiToken.objects.filter(pk=row.pk).update(**updates)
        for field, value in updates.items():
            setattr(row, field, value)
    return row


def user_for_token(token: str) -> User | None:
    """The user a token authenticates, or None (see `authenticate_token`)."""
    row = authenticate_token(token)
    return row.user if row is not None else None


def tokens_manageable_by(user: Any) -> QuerySet[ApiToken]:
    """Tokens `user` may list and revoke: their own, and those of the users they look after."""
    if not getattr(user, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(
        Q(user=user) | Q(user__in=access.users_managed_by(user).values("pk"))
    ).select_related("user", "revoked_by")


@transaction.atomic
def revoke_api_token(*, by: User, token: ApiToken, ip: str | None = None) -> bool:
    """Revoke a token (already checked to be in `tokens_manageable_by(by)`); False if it already was."""
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    if changed:
        record_event(
            user=by,
            action=AuditEvent.Action.TOKEN_REVOKE,
            object_type="ApiToken",
            object_id=str(token.pk),
            detail=f"Mã {token.prefix}… của {token.user.username}",
            ip=ip,
        )
        token.refresh_from_db()
    return bool(changed)
