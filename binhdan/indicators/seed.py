"""Seed the national indicator catalogue (SPEC §6) and the rollups' clock; used by migration 0002 and tests."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from binhdan.indicators.catalogue import DEFINITIONS


def seed_indicators(indicator_model: Any, clock_model: Any) -> None:
    for position, d in enumerate(DEFINITIONS, start=1):
        indicator_model.objects.update_or_create(
            code=d.code,
            defaults={
                "name": d.name,
                "kind": d.kind,
                "numerator_label": d.numerator,
                "denominator_label": d.denominator,
                "population": d.population,
                "condition": d.condition,
                "stock": d.stock,
                "default_target": d.target,
                "default_deadline": d.deadline,
                "source": d.source,
                "position": position * 10,
            },
        )
    clock_model.objects.get_or_create(pk=1, defaults={"as_of": timezone.localdate()})
