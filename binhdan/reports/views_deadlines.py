"""The due rules screen of a commune (what it and its teams owe, in which state; its own due days) and the
province's overview of the communes' reports.

Scope: the due rules screen is the commune's workspace (its officers and leaders read it, its officers set the
rules: `commune_for_reading` / `commune_for_change`); the overview is for the province's officers and admins,
and shows only what they may read — submitted or approved commune reports, never drafts or team reports.
Everyone else gets 404. A wrong `?ngay=` or `?quy=` is a Vietnamese message and today's page.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from binhdan.accounts import access
from binhdan.accounts.fields import workspace_form
from binhdan.accounts.models import RoleKind, User
from binhdan.accounts.workspace import commune_for_change, commune_for_reading
from binhdan.common.forms import errors_to_form
from binhdan.common.net import client_ip
from binhdan.places.models import Place
from binhdan.reports import deadlines
from binhdan.reports.forms_deadlines import DayForm, DueRulesForm, QuarterForm
from binhdan.reports.models import COMMUNE_KINDS, ReportKind
from binhdan.reports.periods import quarter_of
from binhdan.reports.permissions import SEEN_BY_PROVINCE, reports_visible_to

LATE_PARAM = "tre"
STATE_CLASSES = {
    deadlines.ON_TIME: "quota-ok",
    deadlines.LATE: "",
    deadlines.DUE: "",
    deadlines.OVERDUE: "quota-short",
}


def report_url(pk: int) -> str:
    """The report's page (`reports:detail`), or its plain address while that page is not built yet."""
    try:
        return reverse("reports:detail", args=[pk])
    except NoReverseMatch:
        return f"/bao-cao/{pk}/"


def _settings_url(commune: Place) -> str | None:
    try:
        return reverse("registry:commune_settings", args=[commune.pk])
    except NoReverseMatch:
        return None


def _row(e: deadlines.Expected, *, link: bool) -> dict[str, Any]:
    shown = e.sent or e.report
    return {
        "e": e,
        "state": e.state,
        "state_text": e.state_text,
        "state_class": STATE_CLASSES[e.state],
        "report": shown,
        "report_url": report_url(shown.pk) if shown is not None and link else None,
        "newer_draft": e.report is not None and e.sent is not None and e.report.pk != e.sent.pk,
    }


def _rule_lines(rules: deadlines.Rules) -> list[dict[str, str]]:
    own = rules.by_kind
    team = own.get(ReportKind.TEAM_QUARTERLY)
    summary = own.get(ReportKind.COMMUNE_SUMMARY)
    campaign = own.get(ReportKind.CAMPAIGN)
    team_source = (
        "hạn riêng của xã cho loại báo cáo này"
        if team is not None and team.day_of_month
        else "ngày nộp báo cáo quý trong Thiết lập của xã"
    )
    summary_source = (
        "hạn riêng của xã"
        if summary is not None and summary.day_of_month
        else f"{deadlines.COMMUNE_SUMMARY_DAYS_AFTER_TEAMS} ngày sau hạn của các Tổ"
    )
    campaign_source = (
        "hạn riêng của xã" if campaign is not None and campaign.days_after is not None else "mặc định"
    )
    return [
        {
            "kind": ReportKind.TEAM_QUARTERLY.label,
            "rule": f"Ngày {rules.team_day()} của tháng cuối quý ({team_source})",
            "remind": f"{rules.remind_days_before(ReportKind.TEAM_QUARTERLY)} ngày",
        },
        {
            "kind": ReportKind.DAILY.label,
            "rule": "Chính ngày của chiến dịch (chiến dịch có báo cáo hằng ngày)",
            "remind": "đúng ngày",
        },
        {
            "kind": ReportKind.COMMUNE_SUMMARY.label,
            "rule": f"Ngày {rules.summary_day()} của tháng cuối quý ({summary_source}); báo cáo theo yêu cầu "
            "không có hạn",
            "remind": f"{rules.remind_days_before(ReportKind.COMMUNE_SUMMARY)} ngày",
        },
        {
            "kind": ReportKind.CAMPAIGN.label,
            "rule": f"{rules.campaign_days_after()} ngày sau ngày cuối của chiến dịch ({campaign_source})",
            "remind": f"{rules.remind_days_before(ReportKind.CAMPAIGN)} ngày",
        },
    ]


@require_GET
@login_required
def deadlines_page(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_reading(request, pk)
    today = timezone.localdate()
    form = DayForm(request.GET if request.GET.get("ngay") else None, today=today)
    day = form.day()
    late_only = request.GET.get(LATE_PARAM) == "1"
    expected = deadlines.expected_reports(commune, day)
    counts = Counter(e.state for e in expected)
    shown = [e for e in expected if e.overdue] if late_only else expected
    rules = deadlines.rules_for([commune])[commune.pk]
    keep = {"ngay": day.isoformat()} if day != today else {}
    first, _ = deadlines.window(day)
    return render(
        request,
        "reports/deadlines.html",
        {
            "commune": commune,
            "form": form,
            "day": day,
            "is_today": day == today,
            "first": first,
            "rows": [_row(e, link=True) for e in shown],
            "total": len(expected),
            "counts": {
                "overdue": counts[deadlines.OVERDUE],
                "due": counts[deadlines.DUE],
                "on_time": counts[deadlines.ON_TIME],
                "late": counts[deadlines.LATE],
            },
            "late_teams": deadlines.late_teams_of(expected),
            "late_only": late_only,
            "late_url": "?" + urlencode({**keep, LATE_PARAM: "1"}),
            "all_url": "?" + urlencode(keep) if keep else request.path,
            "rule_lines": _rule_lines(rules),
            "report_day": rules.report_day,
            "can_manage": access.can_manage_place(request.user, commune),
            "settings_url": _settings_url(commune),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", DueRulesForm)
def deadline_rules(request: HttpRequest, pk: int) -> HttpResponse:
    """The commune's own due day and reminder days per kind (its officers)."""
    commune = commune_for_change(request, pk)
    rules = deadlines.rules_for([commune])[commune.pk]
    form = DueRulesForm(request.POST or None, initial=DueRulesForm.initial_for(rules))
    if request.method == "POST" and form.is_valid():
        try:
            changed = deadlines.set_due_rules(
                by=cast(User, request.user), commune=commune, values=form.values(), ip=client_ip(request)
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if changed:
                messages.success(request, "Đã lưu hạn nộp báo cáo của xã.")
            else:
                messages.info(request, "Không có thay đổi nào.")
            return redirect("reports:deadlines", pk=commune.pk)
    return render(
        request,
        "reports/deadlines_form.html",
        {
            "commune": commune,
            "form": form,
            "report_day": rules.report_day,
            "settings_url": _settings_url(commune),
            "cancel": reverse("reports:deadlines", args=[commune.pk]),
        },
    )


# --- the province's overview ------------------------------------------------------------------------------------


def _province_or_404(request: HttpRequest, pk: int) -> Place:
    """A province the user is an officer of (or any, for admins); else 404."""
    return access.get_visible_or_404(
        Place.objects.provinces().filter(access.role_scope(request.user, {RoleKind.PROVINCE_OFFICER}, "")),
        pk=pk,
    )


def _cell(e: deadlines.Expected | None) -> dict[str, Any] | None:
    if e is None:
        return None
    sent = e.sent
    return {
        "e": e,
        "label": e.campaign.name if e.campaign is not None else e.period.label,
        "sent": sent,
        "url": report_url(sent.pk) if sent is not None else None,
        "sent_on": e.sent_on,
        "status": sent.get_status_display() if sent is not None else "",
        "missing_text": "" if sent is not None else ("chưa nộp" if not e.overdue else e.state_text),
        "state_text": e.state_text,
        "state_class": STATE_CLASSES[e.state],
    }


@require_GET
@login_required
def province_page(request: HttpRequest, pk: int) -> HttpResponse:
    province = _province_or_404(request, pk)
    today = timezone.localdate()
    form = QuarterForm(request.GET if request.GET else None, today=today)
    quarter = form.quarter()
    missing_only = form.missing_only()
    communes = list(Place.objects.communes().filter(parent=province).valid_on(today).vietnamese_order())
    visible = reports_visible_to(request.user).filter(status__in=[s.value for s in SEEN_BY_PROVINCE])
    expected = deadlines._expected_for(
        communes, today, first=quarter.start, last=quarter.end, kinds=COMMUNE_KINDS, reports=visible
    )
    rows = []
    totals = Counter[str]()
    for commune in communes:
        found = expected[commune.pk]
        summary = next((e for e in found if e.kind == ReportKind.COMMUNE_SUMMARY), None)
        results = [e for e in found if e.kind == ReportKind.CAMPAIGN]
        missing = [e for e in found if not e.is_sent]
        for e in found:
            totals[f"{e.kind}:{'sent' if e.is_sent else 'missing'}"] += 1
            if e.overdue:
                totals[f"{e.kind}:overdue"] += 1
            if e.sent is not None:
                totals[f"{e.kind}:{e.sent.status}"] += 1
        if not missing:
            totals["complete"] += 1
        if missing_only and not missing:
            continue
        rows.append(
            {
                "commune": commune,
                "summary": _cell(summary),
                "results": [_cell(e) for e in results],
                "missing": len(missing),
            }
        )
    keep = {"quy": quarter.code}
    previous = quarter_of(quarter.start - dt.timedelta(days=1))
    following = quarter_of(quarter.end + dt.timedelta(days=1))
    summary_kind, campaign_kind = ReportKind.COMMUNE_SUMMARY.value, ReportKind.CAMPAIGN.value
    return render(
        request,
        "reports/province.html",
        {
            "province": province,
            "form": form,
            "quarter": quarter,
            "today": today,
            "rows": rows,
            "missing_only": missing_only,
            "commune_count": len(communes),
            "counts": {
                "complete": totals["complete"],
                "summary_sent": totals[f"{summary_kind}:sent"],
                "summary_approved": totals[f"{summary_kind}:approved"],
                "summary_missing": totals[f"{summary_kind}:missing"],
                "summary_overdue": totals[f"{summary_kind}:overdue"],
                "campaign_sent": totals[f"{campaign_kind}:sent"],
                "campaign_missing": totals[f"{campaign_kind}:missing"],
                "campaign_overdue": totals[f"{campaign_kind}:overdue"],
            },
            "missing_url": "?" + urlencode({**keep, "chua-nop": "1"}),
            "all_url": "?" + urlencode(keep),
            "previous_url": "?"
            + urlencode({**({"chua-nop": "1"} if missing_only else {}), "quy": previous.code}),
            "previous": previous,
            "following_url": "?"
            + urlencode({**({"chua-nop": "1"} if missing_only else {}), "quy": following.code})
            if following.start <= today
            else None,
            "following": following,
        },
    )
