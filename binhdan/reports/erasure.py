"""The reports' part of a resident's erasure: free text that may name them is redacted, and the rendered
files are dropped.

A report's figures never name a resident (content.py counts them), but an officer may type a name into a
narrative section, a return comment or a plan task's result. Every text and JSON field of every reports
model is swept (a field added later is covered too). Rendered DOCX/PDF/XLSX files are zipped or compressed,
so they cannot be searched: every cached file is dropped and is made again, from the redacted text, on the
next download — a frozen report keeps its figures, but after an erasure its text is the redacted one
(erasure outranks freezing). Evidence files uploaded to plan tasks are the commune's own documents and are
not read: the upload page asks not to upload residents' personal data.

Registered from `ReportsConfig.ready()` with `registry.rights.register_erasure_step`.
"""

from __future__ import annotations

from django.apps import apps

from binhdan.registry.redaction import json_fields, redact_rows, text_fields
from binhdan.registry.rights import Erasure
from binhdan.reports.models import ReportFile

ERASURE_STEP_KEY = "reports-text"


def redact_reports_text(erasure: Erasure) -> None:
    for model in apps.get_app_config("reports").get_models():
        if model is ReportFile:
            continue
        fields = [f.name for f in text_fields(model) + json_fields(model)]
        if fields:
            redact_rows(model._base_manager.all(), erasure.traces, fields=fields)
    ReportFile.objects.all().delete()
