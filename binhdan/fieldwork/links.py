"""Extension point: higher apps add links to the commune, village and province pages of fieldwork.

A link maker is a function `(request, place) -> list[(label, url)]` registered from a higher app's
`AppConfig.ready()` (the indicators add their dashboards, team quotas, emulation, targets and monthly
figures); fieldwork's pages show them without importing that app.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from binhdan.places.models import Place

LinkMaker = Callable[[HttpRequest, Place], list[tuple[str, str]]]
_MAKERS: dict[str, LinkMaker] = {}


def register_place_links(key: str, maker: LinkMaker) -> None:
    """Add links to the place pages; the same key again replaces them (reloads, tests)."""
    _MAKERS[key] = maker


def links_for(request: HttpRequest, place: Place) -> list[tuple[str, str]]:
    return [link for maker in _MAKERS.values() for link in maker(request, place)]
