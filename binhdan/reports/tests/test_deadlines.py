"""Due days per kind and commune, the states of what is owed, who is late; the due rules screen and form; the
dashboards' late lists."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import binhdan.reports.panels  # noqa: F401  (registers the dashboards' panel, as ReportsConfig.ready() will)
from binhdan.accounts.models import AuditEvent
from binhdan.fieldwork.models import Campaign
from binhdan.fieldwork.services import create_team
from binhdan.places.services import add_village
from binhdan.registry.models import CommuneSettings
from binhdan.reports import deadlines
from binhdan.reports.models import DueRule, Report, ReportKind, ReportStatus
from binhdan.reports.periods import quarter

pytestmark = pytest.mark.django_db

Q3 = quarter(2026, 3)  # 01/07 – 30/09/2026
HOSTILE_DAYS = ["2026-Q9", "NaN", "9" * 400, "2026-02-30", "-1", "'; DROP TABLE x;--", "\x00", "1e308"]


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def make_report(
    *,
    kind: str,
    commune: Any,
    start: dt.date,
    end: dt.date,
    team: Any = None,
    campaign: Any = None,
    status: str = ReportStatus.SUBMITTED,
    submitted_on: dt.date | None = None,
    version: int = 1,
    lineage: uuid.UUID | None = None,
) -> Report:
    """A report row as the services leave it (the figures do not matter to deadlines)."""
    sent = status != ReportStatus.DRAFT
    return Report.objects.create(
        kind=kind,
        commune=commune,
        team=team,
        campaign=campaign,
        period_start=start,
        period_end=end,
        period_label=f"{start:%d/%m/%Y} – {end:%d/%m/%Y}",
        as_of=end,
        status=status,
        version=version,
        lineage=lineage or uuid.uuid4(),
        submitted_at=at(submitted_on or end) if sent else None,
        content={"schema": 1},
    )


def team_report(world, team, period=Q3, **kw) -> Report:
    return make_report(
        kind=ReportKind.TEAM_QUARTERLY,
        commune=world.commune,
        team=team,
        start=period.start,
        end=period.end,
        **kw,
    )


# --- due days -------------------------------------------------------------------------------------------------


def test_team_quarterly_is_due_on_the_communes_report_day_of_the_quarters_last_month(world):
    assert deadlines.due_on(world.commune, ReportKind.TEAM_QUARTERLY, Q3.start, Q3.end) == dt.date(
        2026, 9, 15
    )
    CommuneSettings.objects.create(commune=world.commune, report_day=21)
    assert deadlines.due_on(world.commune, ReportKind.TEAM_QUARTERLY, Q3.start, Q3.end) == dt.date(
        2026, 9, 21
    )
    # the summary follows the teams' day by five days, the other commune keeps its 15th
    assert deadlines.due_on(world.commune, ReportKind.COMMUNE_SUMMARY, Q3.start, Q3.end) == dt.date(
        2026, 9, 26
    )
    other = deadlines.due_on(world.other_commune, ReportKind.COMMUNE_SUMMARY, Q3.start, Q3.end)
    assert other == dt.date(2026, 9, 20)


def test_a_due_rule_overrides_the_report_day_and_the_defaults(world):
    CommuneSettings.objects.create(commune=world.commune, report_day=21)
    DueRule.objects.create(commune=world.commune, kind=ReportKind.TEAM_QUARTERLY, day_of_month=10)
    DueRule.objects.create(commune=world.commune, kind=ReportKind.COMMUNE_SUMMARY, day_of_month=12)
    DueRule.objects.create(commune=world.commune, kind=ReportKind.CAMPAIGN, days_after=3)
    due = lambda kind, s, e: deadlines.due_on(world.commune, kind, s, e)  # noqa: E731
    assert due(ReportKind.TEAM_QUARTERLY, Q3.start, Q3.end) == dt.date(2026, 9, 10)
    assert due(ReportKind.COMMUNE_SUMMARY, Q3.start, Q3.end) == dt.date(2026, 9, 12)
    campaign_end = dt.date(2026, 10, 30)
    assert due(ReportKind.CAMPAIGN, dt.date(2026, 10, 1), campaign_end) == dt.date(2026, 11, 2)
    assert deadlines.due_on(world.other_commune, ReportKind.CAMPAIGN, dt.date(2026, 10, 1), campaign_end) == (
        dt.date(2026, 11, 6)
    )
    assert due(ReportKind.DAILY, dt.date(2026, 10, 5), dt.date(2026, 10, 5)) == dt.date(2026, 10, 5)
    # a summary "on request" (any other range) has no due day; a year is due with the last quarter
    assert due(ReportKind.COMMUNE_SUMMARY, dt.date(2026, 7, 5), dt.date(2026, 8, 5)) is None
    assert due(ReportKind.COMMUNE_SUMMARY, dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == dt.date(
        2026, 12, 12
    )


def test_a_day_the_month_does_not_have_falls_on_its_last_day(world):
    assert deadlines._day_in_month(2026, 2, 30) == dt.date(2026, 2, 28)
    assert deadlines._day_in_month(2028, 2, 31) == dt.date(2028, 2, 29)
    assert deadlines._day_in_month(2026, 6, 31) == dt.date(2026, 6, 30)
    # a rule written straight into the table beyond the 28th is held at the 28th
    DueRule.objects.create(commune=world.commune, kind=ReportKind.TEAM_QUARTERLY, day_of_month=31)
    q2 = quarter(2026, 2)
    assert deadlines.due_on(world.commune, ReportKind.TEAM_QUARTERLY, q2.start, q2.end) == dt.date(
        2026, 6, 28
    )
    CommuneSettings.objects.create(commune=world.other_commune, report_day=26)  # 26 + 5 > 28
    assert deadlines.due_on(world.other_commune, ReportKind.COMMUNE_SUMMARY, q2.start, q2.end) == (
        dt.date(2026, 6, 28)
    )


# --- states ---------------------------------------------------------------------------------------------------


def _find(expected, kind, team=None, start=None, campaign=None):
    return next(
        e
        for e in expected
        if e.kind == kind
        and (team is None or e.team == team)
        and (start is None or e.period.start == start)
        and (campaign is None or e.campaign == campaign)
    )


def test_states_on_time_late_due_in_n_days_and_overdue(world):
    team_report(world, world.team_a, submitted_on=dt.date(2026, 9, 15))  # on the day: on time
    team_report(world, world.team_b, submitted_on=dt.date(2026, 9, 17))  # two days late
    found = deadlines.expected_reports(world.commune, dt.date(2026, 9, 20))
    a = _find(found, ReportKind.TEAM_QUARTERLY, world.team_a, Q3.start)
    b = _find(found, ReportKind.TEAM_QUARTERLY, world.team_b, Q3.start)
    assert (a.state, a.state_text) == (deadlines.ON_TIME, "nộp đúng hạn")
    assert (b.state, b.state_text, b.days) == (deadlines.LATE, "nộp muộn", 2)
    summary = _find(found, ReportKind.COMMUNE_SUMMARY, start=Q3.start)
    assert summary.due_on == dt.date(2026, 9, 20) and summary.state_text == "chưa nộp — hạn hôm nay"
    early = deadlines.expected_reports(world.commune, dt.date(2026, 9, 12))
    assert _find(early, ReportKind.COMMUNE_SUMMARY, start=Q3.start).state_text == "chưa nộp — còn 8 ngày"
    later = deadlines.expected_reports(world.commune, dt.date(2026, 9, 25))
    overdue = _find(later, ReportKind.COMMUNE_SUMMARY, start=Q3.start)
    assert (overdue.state, overdue.state_text) == (deadlines.OVERDUE, "quá hạn 5 ngày")
    assert overdue.report is None


def test_a_draft_or_a_returned_version_is_not_sent_but_an_older_submitted_one_is(world):
    lineage = uuid.uuid4()
    team_report(world, world.team_a, status=ReportStatus.DRAFT)
    team_report(
        world, world.team_b, status=ReportStatus.RETURNED, submitted_on=dt.date(2026, 9, 1), lineage=lineage
    )
    found = deadlines.expected_reports(world.commune, dt.date(2026, 9, 20))
    a = _find(found, ReportKind.TEAM_QUARTERLY, world.team_a, Q3.start)
    b = _find(found, ReportKind.TEAM_QUARTERLY, world.team_b, Q3.start)
    assert a.report is not None and a.report.status == ReportStatus.DRAFT and a.state_text == "quá hạn 5 ngày"
    assert b.sent is None and b.overdue
    # v2 submitted in time for team B; v3 a draft on top: still sent (v2), the newest version is the draft
    v2 = team_report(world, world.team_b, submitted_on=dt.date(2026, 9, 10), lineage=lineage, version=2)
    v3 = team_report(world, world.team_b, status=ReportStatus.DRAFT, lineage=lineage, version=3)
    found = deadlines.expected_reports(world.commune, dt.date(2026, 9, 20))
    b = _find(found, ReportKind.TEAM_QUARTERLY, world.team_b, Q3.start)
    assert (b.sent, b.report, b.state) == (v2, v3, deadlines.ON_TIME)


def test_what_is_owed_covers_this_and_the_previous_quarter_daily_reports_and_campaign_results(world):
    day = dt.date(2026, 10, 8)
    village_d = add_village(commune=world.commune, name="Thôn Bắc")
    late_team = create_team(village=village_d, formed_on=dt.date(2026, 10, 1))  # owes nothing for Q3
    running = Campaign.objects.create(
        name="Gõ từng nhà",
        commune=world.commune,
        starts_on=dt.date(2026, 10, 5),
        ends_on=dt.date(2026, 10, 20),
    )
    running.villages.set([world.village_a])
    Campaign.objects.create(  # no daily reports asked
        name="Tuần lễ VNeID", commune=world.commune, starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2026, 10, 3),
        daily_reporting=False,
    )  # fmt: skip
    Campaign.objects.create(  # before the window: nothing owed any more
        name="Xưa", commune=world.commune, starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 5)
    )
    found = deadlines.expected_reports(world.commune, day)
    kinds = [(e.kind, e.owner, e.period.start) for e in found]
    quarterly = [k for k in kinds if k[0] == ReportKind.TEAM_QUARTERLY]
    assert sorted((o, s) for _, o, s in quarterly) == sorted(
        [(world.team_a.name, Q3.start), (world.team_b.name, Q3.start), (world.team_a.name, dt.date(2026, 10, 1)),
         (world.team_b.name, dt.date(2026, 10, 1)), (late_team.name, dt.date(2026, 10, 1))]
    )  # fmt: skip
    assert [s for k, _, s in kinds if k == ReportKind.COMMUNE_SUMMARY] == [Q3.start, dt.date(2026, 10, 1)]
    daily = [(o, s) for k, o, s in kinds if k == ReportKind.DAILY]
    assert daily == [(world.team_a.name, dt.date(2026, 10, d)) for d in (5, 6, 7, 8)]  # team A's village only
    results = [e for e in found if e.kind == ReportKind.CAMPAIGN]
    assert [e.campaign.name for e in results] == ["Tuần lễ VNeID"]  # over; the running one not yet
    assert results[0].due_on == dt.date(2026, 10, 10) and results[0].state_text == "chưa nộp — còn 2 ngày"
    daily_5 = _find(found, ReportKind.DAILY, world.team_a, dt.date(2026, 10, 5))
    assert daily_5.state_text == "quá hạn 3 ngày"
    make_report(kind=ReportKind.DAILY, commune=world.commune, team=world.team_a, campaign=running,
                start=dt.date(2026, 10, 5), end=dt.date(2026, 10, 5))  # fmt: skip
    again = deadlines.expected_reports(world.commune, day)
    assert _find(again, ReportKind.DAILY, world.team_a, dt.date(2026, 10, 5)).state == deadlines.ON_TIME


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def test_what_is_owed_reads_a_fixed_number_of_queries(world):
    day = dt.date(2026, 10, 20)
    campaign = Campaign.objects.create(
        name="Gõ từng nhà",
        commune=world.commune,
        starts_on=dt.date(2026, 10, 1),
        ends_on=dt.date(2026, 10, 5),
    )
    team_report(world, world.team_a)
    small = _queries(lambda: deadlines.expected_reports(world.commune, day))
    for n in range(6):
        create_team(village=add_village(commune=world.commune, name=f"Thôn Mới {n}"))
    Campaign.objects.create(
        name="Lần hai", commune=world.commune, starts_on=dt.date(2026, 10, 6), ends_on=dt.date(2026, 10, 18)
    )
    make_report(kind=ReportKind.DAILY, commune=world.commune, team=world.team_a, campaign=campaign,
                start=dt.date(2026, 10, 2), end=dt.date(2026, 10, 2))  # fmt: skip
    found = []
    assert _queries(lambda: found.extend(deadlines.expected_reports(world.commune, day))) == small
    assert len(found) > 100  # 8 teams × 18 campaign days, quarters, summaries, results
    assert _queries(lambda: deadlines.late_communes(world.province, day)) == small + 1  # + the communes


def test_late_teams_and_late_communes(world):
    day = dt.date(2026, 9, 25)
    team_report(world, world.team_a, submitted_on=dt.date(2026, 9, 1))
    make_report(kind=ReportKind.TEAM_QUARTERLY, commune=world.commune, team=world.team_a, start=quarter(2026, 2).start,
                end=quarter(2026, 2).end, submitted_on=dt.date(2026, 6, 1))  # fmt: skip
    late = deadlines.late_teams(world.commune, day)
    assert [t.team for t in late] == [world.team_b]
    assert [e.period.start for e in late[0].overdue] == [quarter(2026, 2).start, Q3.start]
    assert late[0].worst == (day - dt.date(2026, 6, 15)).days
    communes = deadlines.late_communes(world.province, day)
    by_commune = {c.commune: c for c in communes}
    # Sơn Đông: its summaries are overdue and team B is late; Tam Sơn has no team but owes its summaries too
    assert set(by_commune) == {world.commune, world.other_commune}
    assert [t.team for t in by_commune[world.commune].late_teams] == [world.team_b]
    for q in (quarter(2026, 2), Q3):
        make_report(kind=ReportKind.COMMUNE_SUMMARY, commune=world.other_commune, start=q.start, end=q.end)
    assert [c.commune for c in deadlines.late_communes(world.province, day)] == [world.commune]


# --- the due rules screen ---------------------------------------------------------------------------------------


def _page(client, commune, query: str = ""):
    return client.get(reverse("reports:deadlines", args=[commune.pk]) + query)


def test_the_screen_lists_what_is_owed_and_filters_the_late_ones(world, client_for):
    day = dt.date(2026, 9, 25)
    team_report(world, world.team_a, submitted_on=dt.date(2026, 9, 1))
    client = client_for(world.officer)
    response = _page(client, world.commune, f"?ngay={day.isoformat()}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "nộp đúng hạn" in page and "quá hạn 10 ngày" in page and "Tổ chậm nộp báo cáo" in page
    assert reverse("reports:deadline_rules", args=[world.commune.pk]) in page
    assert reverse("registry:commune_settings", args=[world.commune.pk]) in page
    rows = response.context["rows"]
    late = _page(client, world.commune, f"?ngay={day.isoformat()}&tre=1").context["rows"]
    assert 0 < len(late) < len(rows) and all(r["state"] == deadlines.OVERDUE for r in late)
    # the commune leader reads it, without the form
    leader_page = _page(client_for(world.leader), world.commune).content.decode()
    assert "Sửa hạn nộp của xã" not in leader_page and "Hạn nộp của xã" in leader_page


@pytest.mark.parametrize("persona", ["member_a", "leader_a", "member_b", "province_officer", "other_officer"])
def test_outsiders_get_404_on_the_screen_and_the_form(world, client_for, persona):
    client = client_for(world.personas()[persona])
    assert _page(client, world.commune).status_code == 404
    url = reverse("reports:deadline_rules", args=[world.commune.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"team_quarterly_day": "10", "team_quarterly_remind": "3"}).status_code == 404
    assert not DueRule.objects.exists()


@pytest.mark.parametrize("bad", [*HOSTILE_DAYS, "2999-01-01", "1900-01-01"])
def test_a_bad_day_is_a_vietnamese_message_and_today(world, client_for, bad):
    response = _page(client_for(world.officer), world.commune, "?" + f"ngay={bad}")
    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate()
    assert "Đang hiện hôm nay" in response.content.decode()


def test_the_screen_reads_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.officer)
    query = "?ngay=2026-10-20"
    Campaign.objects.create(
        name="Gõ từng nhà",
        commune=world.commune,
        starts_on=dt.date(2026, 10, 1),
        ends_on=dt.date(2026, 10, 5),
    )
    _page(client, world.commune, query)
    small = _queries(lambda: _page(client, world.commune, query))
    for n in range(5):
        create_team(village=add_village(commune=world.commune, name=f"Thôn Mới {n}"))
    team_report(world, world.team_a)
    with django_assert_max_num_queries(small):
        assert _page(client, world.commune, query).status_code == 200


VALID = {
    "team_quarterly_day": "",
    "team_quarterly_remind": "3",
    "commune_summary_day": "25",
    "commune_summary_remind": "5",
    "campaign_days_after": "10",
    "campaign_remind": "2",
}


def test_the_officer_sets_the_communes_own_due_days_with_one_audit_row(world, client_for):
    client = client_for(world.officer)
    url = reverse("reports:deadline_rules", args=[world.commune.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, VALID)
    assert response.status_code == 302
    rules = {r.kind: r for r in DueRule.objects.filter(commune=world.commune)}
    assert set(rules) == {ReportKind.COMMUNE_SUMMARY, ReportKind.CAMPAIGN}  # the teams' day stays the default
    assert rules[ReportKind.COMMUNE_SUMMARY].day_of_month == 25
    assert rules[ReportKind.CAMPAIGN].days_after == 10 and rules[ReportKind.CAMPAIGN].remind_days_before == 2
    events = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE, object_type="DueRule")
    assert events.count() == 1 and events.get().user == world.officer and events.get().ip == "127.0.0.1"
    assert deadlines.due_on(world.commune, ReportKind.COMMUNE_SUMMARY, Q3.start, Q3.end) == dt.date(
        2026, 9, 25
    )
    client.post(url, VALID)  # the same again changes nothing, and writes no audit row
    assert events.count() == 1
    # the form shows what is saved
    form = client.get(url).context["form"]
    assert form.initial["commune_summary_day"] == 25 and form.initial["campaign_days_after"] == 10


@pytest.mark.parametrize(
    "field,value",
    [
        ("team_quarterly_day", "29"), ("team_quarterly_day", "0"), ("team_quarterly_day", "NaN"),
        ("commune_summary_day", "9" * 5000), ("commune_summary_day", "1e3"), ("campaign_days_after", "61"),
        ("campaign_days_after", "-1"), ("campaign_remind", "15"), ("team_quarterly_remind", ""),
        ("commune_summary_remind", "\x00"), ("campaign_days_after", "2.5"), ("team_quarterly_day", "99999999999999999999999"),
    ],
)  # fmt: skip
def test_hostile_values_are_vietnamese_errors_and_nothing_is_written(world, client_for, field, value):
    response = client_for(world.officer).post(
        reverse("reports:deadline_rules", args=[world.commune.pk]), {**VALID, field: value}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and any(("phải" in e or "Vui lòng" in e) for e in errors[field])
    assert not DueRule.objects.exists()
    assert not AuditEvent.objects.filter(object_type="DueRule").exists()


def test_the_form_is_marked_as_a_workspace_form(world):
    from binhdan.reports import urls_deadlines
    from binhdan.reports.forms_deadlines import DueRulesForm

    marked = [p for p in urls_deadlines.urlpatterns if hasattr(p.callback, "workspace_form")]
    assert [(p.name, p.callback.workspace_form.target, p.callback.workspace_form.form) for p in marked] == [
        ("deadline_rules", "commune", DueRulesForm)
    ]


def test_the_service_refuses_values_out_of_range(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        deadlines.set_due_rules(
            by=world.officer,
            commune=world.commune,
            values={ReportKind.TEAM_QUARTERLY: deadlines.RuleValues(day_of_month=31, remind_days_before=99)},
        )
    assert "day_of_month" in error.value.message_dict and "remind_days_before" in error.value.message_dict
    assert not DueRule.objects.exists()


# --- the dashboards ---------------------------------------------------------------------------------------------


def test_the_commune_dashboard_lists_the_late_teams_for_the_communes_staff(world, client_for):
    url = reverse("indicators:commune", args=[world.commune.pk])
    for q in (quarter(2025, 2), quarter(2025, 3)):
        team_report(world, world.team_a, period=q, submitted_on=q.end - dt.timedelta(days=30))
    day = "?ngay=2025-09-25"
    page = client_for(world.officer).get(url + day)
    panels = page.context["panels"]
    assert [p["title"] for p in panels] == ["Tổ chậm nộp báo cáo"]
    assert [r["name"] for r in panels[0]["rows"]] == [world.team_b.name]
    html = page.content.decode()
    assert world.team_b.name in html and reverse("reports:deadlines", args=[world.commune.pk]) in html
    # a province officer sees the commune's figures, not how its teams report
    assert client_for(world.province_officer).get(url + day).context["panels"] == []


def test_the_province_dashboard_lists_the_late_communes(world, client_for):
    url = reverse("indicators:province", args=[world.province.pk])
    response = client_for(world.province_officer).get(url + "?ngay=2025-09-25")
    panels = response.context["panels"]
    assert [p["title"] for p in panels] == ["Xã, phường chậm nộp báo cáo"]
    assert {r["name"] for r in panels[0]["rows"]} == {world.commune.name, world.other_commune.name}
    assert reverse("reports:province", args=[world.province.pk]) in response.content.decode()


# --- in a browser ---------------------------------------------------------------------------------------------

SCREENSHOTS = __import__("pathlib").Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_officer_reads_the_deadlines_filters_the_late_ones_and_sets_a_due_day(
    live_server, world, browser_page, sign_in_browser, assert_accessible, width
):
    from playwright.sync_api import expect

    for q in (quarter(2025, 2), quarter(2025, 3)):
        team_report(world, world.team_a, period=q, submitted_on=q.end - dt.timedelta(days=20))
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("reports:deadlines", args=[world.commune.pk]) + "?ngay=2025-09-25")
    expect(page.get_by_role("heading", name="Tổ chậm nộp báo cáo")).to_be_visible()
    expect(page.get_by_text("nộp đúng hạn", exact=True).first).to_be_visible()
    assert_accessible(page)
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"deadlines-list-{width}.png"), full_page=True)
    page.get_by_role("link", name="Chỉ xem báo cáo quá hạn").click()
    expect(page.get_by_text("Đang xem báo cáo quá hạn.")).to_be_visible()
    expect(page.get_by_text("nộp đúng hạn", exact=True)).to_have_count(0)
    page.get_by_role("link", name="Sửa hạn nộp của xã").click()
    expect(page.get_by_role("link", name="mở Thiết lập của xã")).to_be_visible()
    page.get_by_label("Ngày nộp báo cáo tổng hợp của xã").fill("31")
    page.get_by_role("button", name="Lưu hạn nộp").click()
    expect(page.get_by_text("phải là một số nguyên từ 1 đến 28").first).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / f"deadlines-form-{width}.png"), full_page=True)
    page.get_by_label("Ngày nộp báo cáo tổng hợp của xã").fill("25")
    page.get_by_role("button", name="Lưu hạn nộp").click()
    expect(page.get_by_text("Đã lưu hạn nộp báo cáo của xã.")).to_be_visible()
    assert DueRule.objects.get(commune=world.commune, kind=ReportKind.COMMUNE_SUMMARY).day_of_month == 25
