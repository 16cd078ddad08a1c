"""Panels that fieldwork adds to registry pages (registry never imports fieldwork)."""

from __future__ import annotations

from typing import Any

from django import template

from binhdan.fieldwork.models import Visit

register = template.Library()


@register.inclusion_tag("fieldwork/includes/household_visits.html")
def household_visits(household: Any, limit: int = 20) -> dict[str, Any]:
    visits = (
        Visit.objects.filter(household=household)
        .select_related("recorded_by")
        .prefetch_related("people__resident")
        .order_by("-visited_at")[:limit]
    )
    return {"visits": visits, "total": Visit.objects.filter(household=household).count()}
