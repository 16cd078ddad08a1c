"""What every workspace view asks first: which commune, may this user read or change it; and the audit."""

from __future__ import annotations

from django.http import HttpRequest

from binhdan.accounts import access, audit
from binhdan.accounts.models import AuditEvent
from binhdan.places.models import Place


def commune_for_reading(request: HttpRequest, pk: int) -> Place:
    """A commune whose workspace the user may read (its officers and leaders, admins); else 404."""
    commune = access.get_visible_or_404(access.places_visible_to(request.user).communes(), pk=pk)
    if not access.can_see_personal_data(request.user, commune):
        raise access.OutOfScope("Place")
    return commune


def commune_for_change(request: HttpRequest, pk: int) -> Place:
    """A commune whose workspace the user may change (its officers, admins); else 404."""
    commune = access.get_visible_or_404(access.places_visible_to(request.user).communes(), pk=pk)
    if not access.can_manage_place(request.user, commune):
        raise access.OutOfScope("Place")
    return commune


def record_change(request: HttpRequest, what: str, *, place: Place | None, obj: object | None = None) -> None:
    """Audit one workspace write: who, when and from where come with the request."""
    audit.record(request, AuditEvent.Action.CHANGE, place=place, obj=obj, detail=what)
