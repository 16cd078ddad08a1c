"""{% registry_panels "household" household %}: the panels higher apps registered for a registry page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from binhdan.registry.panels import Page, panels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def registry_panels(context: template.Context, page: Page, obj: Any) -> SafeString:
    # Each renderer returns HTML rendered by Django's template engine (autoescaped), so joining is safe.
    return mark_safe("".join(panel.render(context, obj) for panel in panels_for(page)))  # nosec B308 B703  # autoescaped panels
