"""{% load assistant %}{% assistant_progress resident %}: the learning progress block of a resident page."""

from __future__ import annotations

from typing import Any

from django import template

from binhdan.accounts import access
from binhdan.assistant import services

register = template.Library()


@register.inclusion_tag("assistant/includes/resident_progress.html", takes_context=True)
def assistant_progress(context: template.Context, resident: Any) -> dict[str, Any]:
    """Progress of a resident the page already showed (so already in scope); members may issue a code."""
    request = context.get("request")
    user = getattr(request, "user", None)
    can_change = bool(user) and access.can_change_personal_data(user, resident.household.village)
    return {
        "resident": resident,
        "progress": services.learner_progress(resident=resident),
        "can_change": can_change,
        "csrf_token": context.get("csrf_token"),
    }
