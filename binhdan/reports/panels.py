"""What the dashboards show of the reports (issue 11 point 5): the late teams on a commune's dashboard (for
the commune's officers and leaders), the late communes on a province's (for its officers), each with a link
to the due rules screen or the province's overview. Registered on `indicators.panels` when imported (from
`ReportsConfig.ready()`); each reads a fixed number of queries whatever the number of communes and teams.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from binhdan.accounts import access
from binhdan.accounts.models import RoleKind
from binhdan.indicators.panels import register_dashboard_panel
from binhdan.places.models import Level, Place
from binhdan.reports import deadlines

PANEL_NAME = "reports.late"
TEMPLATE = "reports/_late_panel.html"
MAX_ROWS = 20  # a dashboard lists the most overdue; the full list is one link away


def _days(n: int) -> str:
    return f"{n} ngày"


def _team_text(team: deadlines.LateTeam) -> str:
    first = max(team.overdue, key=lambda e: e.days)
    more = len(team.overdue) - 1
    text = f"{first.title} quá hạn {_days(first.days)}"
    return f"{text} và {more} báo cáo khác quá hạn" if more else text


def _commune_text(late: deadlines.LateCommune) -> str:
    parts = [f"{e.title} quá hạn {_days(e.days)}" for e in late.overdue]
    if late.late_teams:
        parts.append(f"{len(late.late_teams)} tổ chậm nộp báo cáo")
    return "; ".join(parts)


def _query(day: dt.date, **extra: str) -> str:
    params = {**({"ngay": day.isoformat()} if day != timezone.localdate() else {}), **extra}
    return "?" + urlencode(params) if params else ""


def _commune_panel(commune: Place, day: dt.date, user: Any) -> dict[str, Any] | None:
    if not access.can_see_personal_data(user, commune):  # officers, leaders and admins of the commune
        return None
    teams = deadlines.late_teams(commune, day)
    url = reverse("reports:deadlines", args=[commune.pk])
    return {
        "title": "Tổ chậm nộp báo cáo",
        "rows": [
            {"name": t.team.name, "text": _team_text(t), "url": url + _query(day, tre="1")}
            for t in teams[:MAX_ROWS]
        ],
        "more": max(0, len(teams) - MAX_ROWS),
        "empty": f"Ngày {day:%d/%m/%Y} không có tổ nào quá hạn nộp báo cáo.",
        "url": url + _query(day),
        "link_label": "Xem hạn nộp và tình trạng các báo cáo",
        "template": TEMPLATE,
    }


def _province_panel(province: Place, day: dt.date, user: Any) -> dict[str, Any] | None:
    may_see = (
        Place.objects.filter(pk=province.pk)
        .filter(access.role_scope(user, {RoleKind.PROVINCE_OFFICER}, ""))
        .exists()
    )
    if not may_see:
        return None
    communes = deadlines.late_communes(province, day)
    url = reverse("reports:province", args=[province.pk])
    return {
        "title": "Xã, phường chậm nộp báo cáo",
        "rows": [
            {"name": c.commune.name, "text": _commune_text(c), "url": None} for c in communes[:MAX_ROWS]
        ],
        "more": max(0, len(communes) - MAX_ROWS),
        "empty": f"Ngày {day:%d/%m/%Y} không có xã, phường nào quá hạn nộp báo cáo.",
        "url": url + "?chua-nop=1",
        "link_label": "Xem báo cáo của các xã, phường",
        "template": TEMPLATE,
    }


def late_panel(place: Place, day: dt.date, user: Any) -> dict[str, Any] | None:
    """The dashboards' panel of late teams (a commune) or late communes (a province)."""
    if place.level == Level.COMMUNE:
        return _commune_panel(place, day, user)
    if place.level == Level.PROVINCE:
        return _province_panel(place, day, user)
    return None


register_dashboard_panel(PANEL_NAME, late_panel)
