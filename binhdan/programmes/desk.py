"""Who may use a commune's programme pages, over which villages, and how (asks `accounts.access` only).

- commune officer (and admin): every current village; names; drives;
- team leader: their village(s) of the commune only; names; drives there;
- commune leader: every village; names; reads only;
- province officer: counts only, no names, no drives;
- anyone else (members, other communes): 404, the same as a missing commune.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest

from binhdan.accounts import access
from binhdan.accounts.fields import places_managed_by
from binhdan.accounts.models import RoleKind
from binhdan.accounts.workspace import commune_for_change
from binhdan.places.models import Place, PlaceQuerySet


@dataclass(frozen=True)
class Desk:
    commune: Place
    villages: list[Place]  # the villages the user works with here
    names: bool  # may read resident lists
    change: bool  # may create drives and record results
    commune_wide: bool = True  # False: a team leader, who works with their own village(s) only

    @property
    def counts_only(self) -> bool:
        return not self.names


def drive_villages(user: Any) -> PlaceQuerySet:
    """Current villages a user may draw a drive from: the officer's communes' villages, a team leader's
    own village (`access.TEAM_MANAGERS`), every village for admins."""
    return places_managed_by(user, access.TEAM_MANAGERS).villages().current().vietnamese_order()


def desk_for(request: HttpRequest, pk: Any) -> Desk:
    user = request.user
    led = (
        list(drive_villages(user).filter(parent_id=pk).select_related("parent")) if str(pk).isdigit() else []
    )
    parent = led[0].parent if led else None
    if parent is not None and not access.can_see_personal_data(user, parent):
        # A team leader: their village's role does not reach the commune itself.
        return Desk(parent, led, names=True, change=True, commune_wide=False)
    commune = access.get_visible_or_404(access.places_visible_to(user).communes(), pk=pk)
    current = Place.objects.filter(parent=commune).villages().current().vietnamese_order()
    if access.can_manage_place(user, commune):
        return Desk(commune, list(current), names=True, change=True)
    if access.can_see_personal_data(user, commune):
        return Desk(commune, list(current), names=True, change=False)
    if access.has_role(user, RoleKind.PROVINCE_OFFICER):
        return Desk(commune, list(current), names=False, change=False)
    raise Http404


def desk_for_change(request: HttpRequest, pk: Any) -> Desk:
    """As desk_for, for a write: officers (`commune_for_change`) and team leaders of a village; else 404."""
    try:
        commune = commune_for_change(request, pk)
    except Http404:
        desk = desk_for(request, pk)  # a team leader of a village of the commune, or 404
        if not desk.change:
            raise
        return desk
    villages = Place.objects.filter(parent=commune).villages().current().vietnamese_order()
    return Desk(commune, list(villages), names=True, change=True)
