"""Donations' part of a resident's erasure: free text that may name them (descriptions, follow-up notes,
donor contacts) is redacted. The gift itself stays (the household got it; the counts stay right)."""

from __future__ import annotations

from django.apps import apps

from binhdan.registry.redaction import redact_rows, text_fields
from binhdan.registry.rights import Erasure

ERASURE_STEP_KEY = "donations-text"


def redact_donation_text(erasure: Erasure) -> None:
    for model in apps.get_app_config("donations").get_models():
        fields = [f.name for f in text_fields(model)]
        if fields:
            redact_rows(model._base_manager.all(), erasure.traces, fields=fields)
