"""The programmes' links on fieldwork's commune and village pages (`fieldwork.links`).

Shown only to whoever the linked page admits (`desk.desk_for`): the commune's officers and leaders,
team leaders of one of its villages (on their village's page too), and province officers (counts).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from binhdan.accounts import access
from binhdan.accounts.models import RoleKind
from binhdan.places.models import Level, Place
from binhdan.programmes.desk import drive_villages

LABEL = "Chương trình và vận động"


def place_links(request: HttpRequest, place: Place) -> list[tuple[str, str]]:
    user = request.user
    if place.level == Level.COMMUNE:
        admitted = (
            access.can_see_personal_data(user, place)
            or access.has_role(user, RoleKind.PROVINCE_OFFICER)
            or drive_villages(user).filter(parent=place).exists()
        )
        return [(LABEL, reverse("programmes:index", args=[place.pk]))] if admitted else []
    commune = place.parent if place.level == Level.VILLAGE else None
    if commune is not None and (
        access.can_see_personal_data(user, commune) or drive_villages(user).filter(pk=place.pk).exists()
    ):
        return [(LABEL, reverse("programmes:index", args=[commune.pk]))]
    return []
