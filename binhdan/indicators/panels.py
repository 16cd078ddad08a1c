"""Extension point: higher apps add panels to the commune and province dashboards.

A panel maker is a function `(place, day, user) -> dict | None` registered from a higher app's
`AppConfig.ready()` with `register_dashboard_panel(name, func)`; it returns None when it has nothing to show
to this user on this place, else `{"title": str, "rows": [...], "template": "<its app>/<template>.html", …}`.
The dashboards render each panel with `{% include panel.template with panel=panel %}`, so indicators never
names a higher app's template or tags. A maker must read a fixed number of queries whatever the number of
places below `place` (the dashboards' query counts are asserted).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from binhdan.places.models import Place

PanelMaker = Callable[[Place, dt.date, Any], dict[str, Any] | None]
_MAKERS: dict[str, PanelMaker] = {}


def register_dashboard_panel(name: str, func: PanelMaker) -> None:
    """Add a panel to the dashboards; the same name again replaces it (reloads, tests)."""
    _MAKERS[name] = func


def dashboard_panels(place: Place, day: dt.date, user: Any) -> list[dict[str, Any]]:
    """The panels to show on the dashboard of `place` for `day` to `user`, in registration order."""
    panels = []
    for name, func in _MAKERS.items():
        panel = func(place, day, user)
        if panel is not None:
            panels.append({"name": name.replace(".", "-"), **panel})
    return panels
