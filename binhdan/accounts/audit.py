"""Record who read or exported personal data (Luật Bảo vệ dữ liệu cá nhân 2025)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from binhdan.accounts.models import AuditEvent
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
        object_type=type(obj).__name__ if obj is not None else "",
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
