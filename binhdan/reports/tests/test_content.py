"""A report's figures are the indicators' (as `indicator_values` prints them) and the period's activity; on
submission they freeze; versions keep the old ones; rule breaks are told in Vietnamese."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from binhdan.fieldwork import visit_days
from binhdan.fieldwork.models import Campaign, Training, WorkTime
from binhdan.indicators import rollup
from binhdan.registry import services as registry
from binhdan.registry.models import Evidence, Skill, Source, StatusField
from binhdan.reports import content, services
from binhdan.reports.models import Report, ReportKind, ReportStatus
from binhdan.reports.periods import day as one_day
from binhdan.reports.periods import quarter_of
from binhdan.testing import indicators as data

pytestmark = pytest.mark.django_db


def _indicator_values(place, day) -> dict[str, dict]:
    out = io.StringIO()
    call_command("indicator_values", "--place", place.code, "--date", day.isoformat(), "--json", stdout=out)
    return {i["code"]: i for i in json.loads(out.getvalue())["indicators"]}


def _visit(home, day, by, people=0):
    """A visit as the sync push records it: the row, the write path's hook and the day's counts."""
    data.visit(home, data.local(day, 9), by=by)
    visit_days.add([(home.village_id, by.pk, day, people)])


def _smartphone(resident, day, by):
    registry.record_status(
        by=by, resident=resident, observed_on=day, source=Source.OFFICER,
        facts=[registry.StatusFact(StatusField.SMARTPHONE, 1, Evidence.SEEN)],
    )  # fmt: skip


@pytest.fixture
def today():
    return timezone.localdate()


def test_every_figure_equals_indicator_values_for_the_place_and_day(world, today):
    _smartphone(world.resident_a, today - dt.timedelta(days=3), world.officer)
    report = services.create_report(
        by=world.officer, kind=ReportKind.COMMUNE_SUMMARY, commune=world.commune, period=quarter_of(today)
    )
    expected = _indicator_values(world.commune, report.as_of)
    got = {i["code"]: i for i in report.content["indicators"]}
    assert set(got) == set(expected)
    for code, value in expected.items():
        assert {k: got[code][k] for k in value} == value, code
    assert got["AD_SMARTPHONE"]["numerator"] == 1
    # The per-village table adds up to the commune's figures, each village equal to its own values.
    villages = report.content["villages"]
    assert [r["name"] for r in villages["rows"]] == ["Thôn Đông", "Thôn Tây"]
    for row in villages["rows"]:
        own = _indicator_values(Place_of(row["id"]), report.as_of)
        for code in villages["codes"]:
            assert row["values"][code] == [own[code]["numerator"], own[code]["denominator"]], (
                row["name"],
                code,
            )
    assert villages["total"]["values"]["AD_SMARTPHONE"] == [1, 2]


def Place_of(pk):
    from binhdan.places.models import Place

    return Place.objects.get(pk=pk)


def test_a_past_reference_date_counts_as_of_that_day(world, today):
    _smartphone(world.resident_a, today, world.officer)
    yesterday = today - dt.timedelta(days=1)
    period = quarter_of(yesterday)
    report = services.create_report(
        by=world.officer,
        kind=ReportKind.COMMUNE_SUMMARY,
        commune=world.commune,
        period=period,
        as_of=yesterday,
    )
    got = {i["code"]: i for i in report.content["indicators"]}
    assert got["AD_SMARTPHONE"]["numerator"] == 0
    assert got == {k: {**got[k], **v} for k, v in _indicator_values(world.commune, yesterday).items()}


def test_team_quarterly_report_counts_its_village_and_names_the_team(world, today):
    home = data.household(world.village_a, today - dt.timedelta(days=30))
    person = data.resident(home, today - dt.timedelta(days=30), birth_year=1950)
    _visit(home, today, world.member_a, people=1)
    vneid = Skill.objects.get(code="vneid-muc-2", commune__isnull=True)
    data.skill(person, vneid, 1, today)
    WorkTime.objects.create(uuid=uuid.uuid4(), user=world.member_a, day=today, hours="4.5")
    report = services.create_report(
        by=world.leader_a, kind=ReportKind.TEAM_QUARTERLY, commune=world.commune,
        period=quarter_of(today), team=world.team_a,
    )  # fmt: skip
    c = report.content
    assert c["place"]["name"] == "Thôn Đông"
    assert c["team"]["leader"] == "Trần Thị Bình"
    assert c["team"]["members"][0]["role"] == "Tổ trưởng"
    assert c["activity"]["rows"][0]["members"] == 2
    assert c["activity"]["rows"][0]["visits"] == 1
    assert c["activity"]["rows"][0]["hours"] == 4.5
    assert c["skills"][0]["code"] == "vneid-muc-2" and c["skills"][0]["people"] == 1
    assert c["villages"]["rows"] == []  # a team reports its own village only
    assert report.signer_capacity == "team_leader" and report.signer_name == "Trần Thị Bình"
    assert {i["code"]: i["denominator"] for i in c["indicators"]} == {
        k: v["denominator"] for k, v in _indicator_values(world.village_a, report.as_of).items()
    }


def test_campaign_reports_count_the_campaign_days_and_villages(world, today):
    start = today - dt.timedelta(days=2)
    campaign = Campaign.objects.create(
        name="Đi từng ngõ, gõ từng nhà", commune=world.commune, starts_on=start, ends_on=today
    )
    campaign.villages.set([world.village_a])
    home = data.household(world.village_a, start - dt.timedelta(days=10))
    _visit(home, start, world.member_a)
    _visit(home, today, world.member_a)
    result = services.create_report(
        by=world.officer, kind=ReportKind.CAMPAIGN, commune=world.commune, campaign=campaign
    )
    assert (result.period_start, result.period_end) == (start, today)
    assert [d["visits"] for d in result.content["days"]] == [1, 1]
    assert [r["village"] for r in result.content["activity"]["rows"]] == ["Thôn Đông"]
    assert result.content["campaign"]["villages"] == ["Thôn Đông"]
    daily = services.create_report(
        by=world.leader_a, kind=ReportKind.DAILY, commune=world.commune, period=one_day(start),
        team=world.team_a, campaign=campaign,
    )  # fmt: skip
    assert daily.content["days"] == [{"day": start.isoformat(), "visits": 1, "people": 0}]
    with pytest.raises(ValidationError) as raised:
        services.create_report(
            by=world.leader_a, kind=ReportKind.DAILY, commune=world.commune,
            period=one_day(start - dt.timedelta(days=1)), team=world.team_a, campaign=campaign,
        )  # fmt: skip
    assert "không thuộc chiến dịch" in str(raised.value)


def test_a_submitted_report_does_not_change_after_data_edits(world, today):
    report = services.create_report(
        by=world.officer, kind=ReportKind.COMMUNE_SUMMARY, commune=world.commune, period=quarter_of(today)
    )
    services.submit_report(by=world.officer, report=report)
    frozen = Report.objects.get(pk=report.pk).content
    # Data changes after submission: a new smartphone, a new household, a training.
    _smartphone(world.resident_a, report.as_of, world.officer)
    data.household(world.village_b, report.as_of)
    Training.objects.create(title="Tập huấn kỹ năng số", commune=world.commune, held_on=report.as_of)
    assert content.build(Report.objects.get(pk=report.pk)) != frozen  # the data really moved
    with pytest.raises(ValidationError):
        services.refresh_report(by=world.officer, report=report)
    with pytest.raises(ValidationError):
        services.update_report(by=world.officer, report=report, difficulties="Sửa sau khi nộp")
    again = Report.objects.get(pk=report.pk)
    assert again.content == frozen and again.status == ReportStatus.SUBMITTED
    # A new version has today's figures; the submitted one stays as it was.
    services.return_report(by=world.leader, report=again, comment="Bổ sung số liệu thôn Tây")
    second = services.new_version(by=world.officer, report=again)
    assert second.version == 2 and second.lineage == again.lineage and second.status == ReportStatus.DRAFT
    assert {i["code"]: i["numerator"] for i in second.content["indicators"]}["AD_SMARTPHONE"] == 1
    assert Report.objects.get(pk=report.pk).content == frozen
    assert list(Report.objects.latest_versions().values_list("pk", flat=True)) == [second.pk]


def test_workflow_rules(world, today):
    report = services.create_report(
        by=world.officer, kind=ReportKind.COMMUNE_SUMMARY, commune=world.commune, period=quarter_of(today)
    )
    with pytest.raises(ValidationError):  # one report per kind, place and period
        services.create_report(
            by=world.officer, kind=ReportKind.COMMUNE_SUMMARY, commune=world.commune, period=quarter_of(today)
        )
    with pytest.raises(ValidationError):  # approve only what was submitted
        services.approve_report(by=world.leader, report=report)
    with pytest.raises(ValidationError):  # a new version while the draft is open
        services.new_version(by=world.officer, report=report)
    services.submit_report(by=world.officer, report=report)
    with pytest.raises(ValidationError) as raised:
        services.return_report(by=world.leader, report=report, comment="   ")
    assert "lý do" in str(raised.value)
    services.approve_report(by=world.leader, report=report)
    assert Report.objects.get(pk=report.pk).status == ReportStatus.APPROVED


@pytest.mark.parametrize(
    "fields",
    [{"number": "1" * 21}, {"highlights": "x" * 20_001}, {"signer_capacity": "king"}, {"issued_on": "2026-02-30"},
     {"content": {}}],
)  # fmt: skip
def test_hostile_edits_are_refused_in_vietnamese(world, today, fields):
    report = services.create_report(
        by=world.officer, kind=ReportKind.COMMUNE_SUMMARY, commune=world.commune, period=quarter_of(today)
    )
    with pytest.raises(ValidationError):
        services.update_report(by=world.officer, report=report, **fields)


def test_edits_are_nfc_and_refresh_keeps_what_the_officer_wrote(world, today):
    report = services.create_report(
        by=world.officer, kind=ReportKind.COMMUNE_SUMMARY, commune=world.commune, period=quarter_of(today)
    )
    decomposed = "Kho\u0302ng co\u0301 ma\u0323ng ở Thôn Tây"
    services.update_report(by=world.officer, report=report, difficulties=decomposed)
    _smartphone(world.resident_a, report.as_of, world.officer)
    refreshed = services.refresh_report(by=world.officer, report=report)
    assert refreshed.difficulties == "Không có mạng ở Thôn Tây"
    assert {i["code"]: i["numerator"] for i in refreshed.content["indicators"]}["AD_SMARTPHONE"] == 1


def test_periods_and_dates_are_checked(world, today):
    with pytest.raises(ValidationError):  # the team quarterly needs a quarter
        services.create_report(
            by=world.leader_a, kind=ReportKind.TEAM_QUARTERLY, commune=world.commune,
            period=one_day(today), team=world.team_a,
        )  # fmt: skip
    with pytest.raises(ValidationError):  # a team of another commune
        services.create_report(
            by=world.officer, kind=ReportKind.TEAM_QUARTERLY, commune=world.other_commune,
            period=quarter_of(today), team=world.team_a,
        )  # fmt: skip
    with pytest.raises(ValidationError):  # figures as of a day that has not come
        services.create_report(
            by=world.officer, kind=ReportKind.COMMUNE_SUMMARY, commune=world.commune,
            period=quarter_of(today), as_of=today + dt.timedelta(days=1),
        )  # fmt: skip


def test_building_takes_a_fixed_number_of_queries(world, today, django_assert_max_num_queries):
    report = services.create_report(
        by=world.officer, kind=ReportKind.COMMUNE_SUMMARY, commune=world.commune, period=quarter_of(today)
    )
    rollup.catch_up()  # as the background drainer would have: the report's own queries are counted
    with django_assert_max_num_queries(60) as few:
        content.build(report)
    for i in range(6):
        home = data.household(world.village_a, today - dt.timedelta(days=5))
        _visit(home, today, world.member_a, people=i)
    Training.objects.create(title="Tập huấn", commune=world.commune, held_on=today)
    rollup.catch_up()
    with django_assert_max_num_queries(len(few.captured_queries)):
        content.build(report)
