"""Panels fieldwork adds to registry pages through `registry.panels` (registry never imports fieldwork)."""

from __future__ import annotations

from django.template import Context
from django.template.loader import render_to_string

from binhdan.fieldwork.models import Visit
from binhdan.registry.models import Household

HOUSEHOLD_VISITS_SHOWN = 20


def household_visits(context: Context, household: Household) -> str:
    """The household's latest visits; the registry page already checked that the user may see it."""
    visits = (
        Visit.objects.filter(household=household)
        .select_related("recorded_by")
        .prefetch_related("people__resident")
        .order_by("-visited_at")[:HOUSEHOLD_VISITS_SHOWN]
    )
    return render_to_string(
        "fieldwork/includes/household_visits.html",
        {"visits": visits, "total": Visit.objects.filter(household=household).count()},
        request=context.get("request"),
    )
