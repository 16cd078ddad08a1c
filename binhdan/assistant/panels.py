"""The learning-progress panel the assistant adds to the registry's resident page."""

from __future__ import annotations

from typing import Any

from django.template import Context
from django.template.loader import render_to_string

from binhdan.assistant.templatetags.assistant import assistant_progress


def resident_progress(context: Context, resident: Any) -> str:
    return render_to_string(
        "assistant/includes/resident_progress.html",
        assistant_progress(context, resident),
        request=context.get("request"),
    )
