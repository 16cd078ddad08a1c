"""The certificates' link on fieldwork's commune page (`fieldwork.links`), for who may read the workspace."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from binhdan.accounts import access
from binhdan.places.models import Level, Place


def place_links(request: HttpRequest, place: Place) -> list[tuple[str, str]]:
    if place.level != Level.COMMUNE or not access.can_see_personal_data(request.user, place):
        return []
    return [("Giấy chứng nhận hoàn thành lớp học", reverse("certificates:commune", args=[place.pk]))]
