"""The indicators' links on fieldwork's commune, village and province pages (`fieldwork.links`).

Every linked page admits whoever may see the place (`access.places_visible_to`), as the place page does.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from binhdan.places.models import Level, Place


def place_links(request: HttpRequest, place: Place) -> list[tuple[str, str]]:
    if place.level == Level.VILLAGE:
        return [
            ("Chỉ tiêu của thôn", reverse("indicators:village", args=[place.pk])),
            ("Tổ và định mức", reverse("indicators:village_teams", args=[place.pk])),
        ]
    if place.level == Level.COMMUNE:
        return [
            ("Chỉ tiêu của xã", reverse("indicators:commune", args=[place.pk])),
            ("Các tổ và định mức", reverse("indicators:teams", args=[place.pk])),
            ("Thi đua", reverse("indicators:leaderboard", args=[place.pk])),
            ("Mức chỉ tiêu và thời hạn", reverse("indicators:targets", args=[place.pk])),
            ("Số liệu hằng tháng", reverse("indicators:monthly", args=[place.pk])),
        ]
    return [("Chỉ tiêu các xã", reverse("indicators:province", args=[place.pk]))]
