"""Record who read or exported personal data (Luật Bảo vệ dữ liệu cá nhân 2025), and find the changes
to a user's sign-in details that the user is told of at their next sign-in (ASVS 2.2.3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.db.models.signals import post_delete
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from binhdan.accounts.models import ApiToken, AuditEvent
from binhdan.common.net import client_ip
from binhdan.places.models import Place


def record(
    request: HttpRequest,
    action: str,
    *,
    place: Place | None = None,
    obj: object | None = None,
    detail: str = "",
) -> AuditEvent:
    """Append one audit event for the signed-in user."""
    return record_event(
        user=request.user,
        action=action,
        place=place,
        # obj.__class__, not type(obj): request.user is a SimpleLazyObject that answers for the User.
        object_type=obj.__class__.__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or ""),
        detail=detail,
        ip=client_ip(request),
    )


def record_event(
    *,
    user: Any,
    action: str,
    place: Place | None = None,
    object_type: str = "",
    object_id: str = "",
    detail: str = "",
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit event outside a request (a command, a background job)."""
    return AuditEvent.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        place=place,
        object_type=object_type,
        object_id=str(object_id or ""),
        detail=detail[:300],
        ip=ip,
    )


# ---- Changes to a user's sign-in details (ASVS 2.2.3) -------------------------------------------------
# The CHANGE events about a User whose detail starts with these words are changes of the password or of
# the second factor (accounts/views_people.py and the device deletion below write them).
PASSWORD_CHANGED = "Đổi mật khẩu"  # nosec B105  # the words of an audit detail, not a password
PASSWORD_RESET = "Cấp mật khẩu tạm"  # nosec B105  # the words of an audit detail, not a password
DEVICE_DELETED = "Xoá thiết bị xác thực hai lớp"
CREDENTIAL_DETAILS = (PASSWORD_CHANGED, PASSWORD_RESET, DEVICE_DELETED)
# Told of at most this far back, and at most this many lines (the rest is counted).
NOTICE_DAYS = 90
NOTICE_LINES = 10


@dataclass(frozen=True)
class CredentialChange:
    at: dt.datetime
    text: str


def _credential_text(event: AuditEvent, user: Any) -> str:
    by_other = event.user_id is not None and event.user_id != user.pk
    who = f" (do {event.user.display_name} thực hiện)" if by_other and event.user is not None else ""
    action = event.action
    detail = event.detail
    if action == AuditEvent.Action.CHANGE and detail.startswith(PASSWORD_RESET):
        return f"Mật khẩu của bạn được thay bằng một mật khẩu tạm{who}"
    if action == AuditEvent.Action.CHANGE and detail.startswith(PASSWORD_CHANGED):
        return f"Mật khẩu của bạn đã được đổi{who}"
    if action == AuditEvent.Action.CHANGE and detail.startswith(DEVICE_DELETED):
        return "Thiết bị xác thực hai lớp của bạn đã bị xoá (bởi quản trị hệ thống)"
    if action == AuditEvent.Action.TWO_FACTOR_ENROL:
        return f"Một ứng dụng xác thực hai lớp đã được gắn vào tài khoản{who}"
    if action == AuditEvent.Action.ENROLMENT_ISSUE:
        return f"Một mã thiết lập xác thực hai lớp đã được cấp cho tài khoản{who}"
    prefix = detail.split("…", 1)[0].removeprefix("Mã ").strip()
    if action == AuditEvent.Action.TOKEN_CREATE:
        return f"Một mã truy cập API ({prefix}…) đã được tạo{who}"
    return f"Mã truy cập API {prefix}… đã bị thu hồi{who}"


def credential_changes(user: Any, since: dt.datetime | None) -> tuple[list[CredentialChange], int]:
    """Changes to `user`'s password, second factor and API tokens after `since` (at most NOTICE_DAYS back),
    oldest first: the first NOTICE_LINES of them, and how many there were in all."""
    floor = timezone.now() - dt.timedelta(days=NOTICE_DAYS)
    since = max(since, floor) if since is not None else floor
    me = str(user.pk)
    token_ids = [str(pk) for pk in ApiToken.objects.filter(user=user).values_list("pk", flat=True)]
    # Before the fix in record(), one's own password change was stored as "SimpleLazyObject".
    about_user = Q(object_type__in=["User", "SimpleLazyObject"], object_id=me)
    password_or_device = Q()
    for words in CREDENTIAL_DETAILS:
        password_or_device |= Q(detail__startswith=words)
    events = (
        AuditEvent.objects.filter(at__gt=since)
        .filter(
            (Q(action=AuditEvent.Action.CHANGE) & about_user & password_or_device)
            | (
                Q(action__in=[AuditEvent.Action.TWO_FACTOR_ENROL, AuditEvent.Action.ENROLMENT_ISSUE])
                & about_user
            )
            | Q(
                action__in=[AuditEvent.Action.TOKEN_CREATE, AuditEvent.Action.TOKEN_REVOKE],
                object_type="ApiToken",
                object_id__in=token_ids,
            )
        )
        .select_related("user")
        .order_by("at", "pk")
    )
    total = events.count()
    return [CredentialChange(e.at, _credential_text(e, user)) for e in events[:NOTICE_LINES]], total


def _device_deleted(sender: Any, instance: TOTPDevice, **kwargs: Any) -> None:
    """A confirmed authenticator removed (the Django admin, an admin's shell) is a change to be told of."""
    if instance.confirmed and instance.user_id is not None:
        record_event(
            user=None,
            action=AuditEvent.Action.CHANGE,
            object_type="User",
            object_id=str(instance.user_id),
            detail=DEVICE_DELETED,
        )


post_delete.connect(_device_deleted, sender=TOTPDevice, dispatch_uid="binhdan.audit.device_deleted")
