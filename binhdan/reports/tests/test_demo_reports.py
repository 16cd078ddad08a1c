"""The demo commune's reports (`load_demo_reports`): last quarter reported (one team late, one missing) and
approved, the campaign's daily reports sent and its result drafted, this quarter begun; a second run
changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from binhdan.reports import services_tasks
from binhdan.reports.models import Report, ReportKind, ReportStatus

pytestmark = pytest.mark.django_db


def test_the_demo_has_reports_mid_plan():
    with pytest.raises(CommandError):
        call_command("load_demo_reports", stdout=io.StringIO())  # no demo commune yet
    call_command("load_demo", "--households-per-village", "12", stdout=io.StringIO())
    call_command("load_demo_reports", stdout=io.StringIO())
    reports = Report.objects.filter(commune__code="08866")
    count = reports.count()
    summary = reports.get(kind=ReportKind.COMMUNE_SUMMARY)
    assert summary.status == ReportStatus.APPROVED
    states = [(t["status"], t["late"]) for t in summary.content["team_reports"]]
    assert states.count(("", True)) == 1  # one team never reported
    assert ("approved", True) in states  # one reported late
    assert sum(1 for s in states if s == ("approved", False)) == len(states) - 2
    assert reports.filter(kind=ReportKind.DAILY, status=ReportStatus.SUBMITTED).exists()
    assert reports.get(kind=ReportKind.CAMPAIGN).status == ReportStatus.DRAFT
    assert reports.filter(kind=ReportKind.TEAM_QUARTERLY, status=ReportStatus.DRAFT).count() == 1
    assert summary.content["tasks"]["counts"]["total"] == 10  # the summary lists the plan's tasks
    today = services_tasks.tasks_status(summary.commune, timezone.localdate())["counts"]
    assert today["done"] >= 3 and today["in_progress"] >= 3 and today["overdue"] >= 1
    call_command("load_demo_reports", stdout=io.StringIO())
    assert Report.objects.filter(commune__code="08866").count() == count
