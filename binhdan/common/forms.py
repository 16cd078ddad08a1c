"""Form plumbing every app's views share: service errors next to fields, the one workspace form page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def errors_to_form(form: forms.BaseForm, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form: each message next to its field, else on top."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def form_page(request: HttpRequest, form: forms.BaseForm, **context: Any) -> HttpResponse:
    """A one-form page (title, intro, warning, submit, cancel) in the site layout: workspace/form.html."""
    return render(request, "workspace/form.html", {"form": form, **context})
