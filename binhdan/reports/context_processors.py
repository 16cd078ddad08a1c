"""The reports' menu link: `reports_url` (/bao-cao/, which sends each user to their commune's reports or the
province's overview), for users whose roles read or write reports. No query of its own: the roles are the
ones the accounts context processor already loaded for the request's user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from binhdan.accounts.models import RoleKind

REPORT_ROLES = {
    RoleKind.TEAM_LEADER,
    RoleKind.COMMUNE_OFFICER,
    RoleKind.COMMUNE_LEADER,
    RoleKind.PROVINCE_OFFICER,
}


def report_links(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"reports_url": None}
    if not any(role.kind in REPORT_ROLES and role.place is not None for role in user.current_roles()):
        return {"reports_url": None}
    return {"reports_url": reverse("reports:index")}
