"""The assistant's menu link: `assistant_questions_url`, the questions residents asked in the user's commune
(`/tro-ly/xa/<id>/cau-hoi/`), for the commune's officers and leaders — the readers `commune_for_reading`
lets in. No query of its own: the roles are the ones the accounts context processor already loaded."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from binhdan.accounts.models import RoleKind
from binhdan.places.models import Level

QUESTION_READERS = {RoleKind.COMMUNE_OFFICER, RoleKind.COMMUNE_LEADER}


def questions_link(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"assistant_questions_url": None}
    communes = [
        role.place
        for role in user.current_roles()
        if role.kind in QUESTION_READERS and role.place is not None and role.place.level == Level.COMMUNE
    ]
    if not communes:
        return {"assistant_questions_url": None}
    commune = min(communes, key=lambda place: place.pk)
    return {"assistant_questions_url": reverse("assistant:commune_questions", args=[commune.pk])}
