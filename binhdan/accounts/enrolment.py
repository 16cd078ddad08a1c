"""One-time enrolment codes: the second factor for setting up two-factor the first time.

A password alone must not be enough to enrol an authenticator for a role that requires two-factor
(whoever has the password would enrol their own). The commune officer (for users of their commune) or
an admin issues a code and hands it over in person or by phone; it is valid `ENROLMENT_CODE_HOURS`,
works once, and only a keyed hash of it is stored. Issuing and using are audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from binhdan.accounts.audit import record_event
from binhdan.accounts.models import AuditEvent, EnrolmentCode, User
from binhdan.common.throttle import Limit

ENROLMENT_CODE_HOURS = 72
# Read aloud and typed by hand: no 0/O/1/I/L; 12 characters ≈ 58 bits, in groups of four.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
# Wrong codes per user before a pause (the codes cannot be guessed anyway; this keeps logs quiet).
ENROLMENT_GUESSES = Limit("enrolment-code", tries=10, seconds=15 * 60)


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())[:40]


def _hash(user: User, code: str) -> str:
    message = f"enrolment:{user.pk}:{_normalise(code)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def needs_enrolment_code(user: User) -> bool:
    """Whether setting up two-factor needs a code: the user's roles require two-factor (not in the demo)."""
    return bool(user.requires_two_factor) and not settings.TWO_FACTOR_RELAXED


@transaction.atomic
def issue_enrolment_code(*, user: User, by: User | None, ip: str | None = None) -> str:
    """A new code for `user` (earlier unused codes stop working); shown once, never stored in clear."""
    EnrolmentCode.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = timezone.now()
    EnrolmentCode.objects.create(
        user=user,
        code_hash=_hash(user, raw),
        issued_by=by,
        created_at=now,
        expires_at=now + dt.timedelta(hours=ENROLMENT_CODE_HOURS),
    )
    record_event(
        user=by,
        action=AuditEvent.Action.ENROLMENT_ISSUE,
        object_type="User",
        object_id=str(user.pk),
        detail=f"Mã thiết lập xác thực hai lớp cho {user.username}"
        + ("" if by is not None else " (lệnh quản trị)"),
        ip=ip,
    )
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


@transaction.atomic
def use_enrolment_code(*, user: User, code: str, ip: str | None = None) -> bool:
    """Spend a valid code of `user`; False for a wrong, used or expired one."""
    if ENROLMENT_GUESSES.exceeded(str(user.pk)):
        return False
    spent = EnrolmentCode.objects.filter(
        user=user, code_hash=_hash(user, code), used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    if not spent:
        ENROLMENT_GUESSES.hit(str(user.pk))
        return False
    record_event(
        user=user,
        action=AuditEvent.Action.ENROLMENT_USE,
        object_type="User",
        object_id=str(user.pk),
        detail="Dùng mã thiết lập xác thực hai lớp",
        ip=ip,
    )
    return True


def guesses_exhausted(user: User) -> bool:
    return ENROLMENT_GUESSES.exceeded(str(user.pk))
