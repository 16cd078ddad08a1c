"""Extension point: higher apps add panels to registry pages without registry importing them.

A panel is a function `(context, obj) -> str` (already-rendered, escaped HTML) registered for a page
from the higher app's `AppConfig.ready()`. Registry templates render every panel of their page with
`{% load registry_panels %}{% registry_panels "household" household %}`, in registration order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.template import Context

Page = Literal["household", "resident"]
PanelRenderer = Callable[[Context, Any], str]


@dataclass(frozen=True)
class Panel:
    key: str
    render: PanelRenderer


_PANELS: dict[str, list[Panel]] = {"household": [], "resident": []}


def register_panel(page: Page, key: str, render: PanelRenderer) -> None:
    """Add a panel to a registry page; registering the same key again replaces it (reloads, tests)."""
    panels = _PANELS[page]
    panels[:] = [p for p in panels if p.key != key]
    panels.append(Panel(key=key, render=render))


def panels_for(page: Page) -> list[Panel]:
    return list(_PANELS[page])
