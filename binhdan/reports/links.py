"""The reports' links on fieldwork's commune pages (`fieldwork.links`): the commune's reports and the plan's
tasks, for those who see the commune's reports (`views_reports.sees_commune_reports`, from the request's
roles: no query of its own)."""

from __future__ import annotations

from contextlib import suppress

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from binhdan.places.models import Level, Place


def place_links(request: HttpRequest, place: Place) -> list[tuple[str, str]]:
    from binhdan.reports.views_reports import sees_commune_reports

    if place.level != Level.COMMUNE or not sees_commune_reports(request.user, place):
        return []
    links = [("Báo cáo", reverse("reports:commune", args=[place.pk]))]
    with suppress(NoReverseMatch):  # the plan's tasks pages may not be installed yet
        links.append(("Nhiệm vụ kế hoạch", reverse("reports:tasks", args=[place.pk])))
    return links
