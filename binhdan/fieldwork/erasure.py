"""Fieldwork's part of a resident's erasure: free text that may name them (visit notes, …) is redacted.

Registered from `FieldworkConfig.ready()` with `registry.rights.register_erasure_step`: registry never
imports fieldwork. Every fieldwork model is swept, so a text field added later is covered too.
"""

from __future__ import annotations

from django.apps import apps

from binhdan.registry.redaction import json_fields, redact_rows, text_fields
from binhdan.registry.rights import Erasure

ERASURE_STEP_KEY = "fieldwork-text"


def redact_fieldwork_text(erasure: Erasure) -> None:
    """Visit notes, work-time and mentorship notes, class venues, team contacts: the person's traces go."""
    for model in apps.get_app_config("fieldwork").get_models():
        fields = [f.name for f in text_fields(model) + json_fields(model)]
        if fields:
            redact_rows(model._base_manager.all(), erasure.traces, fields=fields)
