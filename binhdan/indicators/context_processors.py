"""The one menu link of the indicators: the dashboard of the widest place among the user's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from binhdan.places.models import Level

DASHBOARD_BY_LEVEL = {
    Level.VILLAGE: "indicators:village",
    Level.COMMUNE: "indicators:commune",
    Level.PROVINCE: "indicators:province",
}


def dashboard_links(request: HttpRequest) -> dict[str, Any]:
    """`dashboard_url` for base.html's menu (None without a place-bound role). No query of its own: the
    roles are the ones the accounts context processor already loaded for the request's user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"dashboard_url": None}
    places = [role.place for role in user.current_roles() if role.place is not None]
    if not places:
        return {"dashboard_url": None}
    widest = min(places, key=lambda p: (p.level, p.pk))
    return {"dashboard_url": reverse(DASHBOARD_BY_LEVEL[Level(widest.level)], args=[widest.pk])}
