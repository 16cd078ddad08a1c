"""Chắp cánh công nghệ's links on fieldwork's commune page (`fieldwork.links`), for who may read them."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from binhdan.accounts import access
from binhdan.places.models import Level, Place


def place_links(request: HttpRequest, place: Place) -> list[tuple[str, str]]:
    if place.level != Level.COMMUNE or not access.can_see_personal_data(request.user, place):
        return []
    return [
        ("Chắp cánh công nghệ: trao tặng thiết bị", reverse("donations:list", args=[place.pk])),
        ("Hẹn thăm lại sau trao tặng", reverse("donations:follow_ups", args=[place.pk])),
    ]
