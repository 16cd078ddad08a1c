"""Record who read or exported personal data (Luật Bảo vệ dữ liệu cá nhân 2025)."""

from __future__ import annotations

from django.http import HttpRequest

from binhdan.accounts.models import AuditEvent
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
    return AuditEvent.objects.create(
        user=request.user if request.user.is_authenticated else None,
        action=action,
        place=place,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or ""),
        detail=detail[:300],
        ip=request.META.get("REMOTE_ADDR") or None,
    )
