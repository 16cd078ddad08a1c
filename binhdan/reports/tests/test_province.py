"""The province's overview of the communes' reports: who may open it, what it shows (never drafts or team
reports), its filters and hostile parameters, and its query count for many communes."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from binhdan.fieldwork.models import Campaign
from binhdan.places.models import Kind, Level, Place
from binhdan.reports.models import ReportKind, ReportStatus
from binhdan.reports.periods import quarter, quarter_of
from binhdan.reports.tests.test_deadlines import HOSTILE_DAYS, make_report

pytestmark = pytest.mark.django_db

Q3_2025 = quarter(2025, 3)
QUERY = "?quy=2025-Q3"


def url(world, query: str = QUERY) -> str:
    return reverse("reports:province", args=[world.province.pk]) + query


def summary(commune, period=Q3_2025, **kw):
    return make_report(
        kind=ReportKind.COMMUNE_SUMMARY, commune=commune, start=period.start, end=period.end, **kw
    )


@pytest.mark.parametrize("persona", ["member_a", "leader_a", "officer", "leader", "other_officer"])
def test_only_the_provinces_officers_and_admins_open_it(world, client_for, persona):
    assert client_for(world.personas()[persona]).get(url(world)).status_code == 404
    assert client_for(world.province_officer).get(url(world)).status_code == 200
    assert client_for(world.admin).get(url(world)).status_code == 200


def test_an_officer_of_another_province_gets_404(world, client_for):
    from binhdan.accounts.models import RoleKind
    from binhdan.testing.personas import grant, make_user

    hanoi = Place.objects.create(code="01", name="Hà Nội", kind=Kind.THANH_PHO, level=Level.PROVINCE)
    someone = make_user("so.hanoi", "Ngô Văn Khải")
    grant(someone, RoleKind.PROVINCE_OFFICER, hanoi)
    client = client_for(someone)
    assert client.get(url(world)).status_code == 404
    assert client.get(reverse("reports:province", args=[hanoi.pk])).status_code == 200
    assert (
        client.get(reverse("reports:province", args=[world.commune.pk])).status_code == 404
    )  # not a province
    assert client.get("/bao-cao/tinh/999999999/").status_code == 404


def test_it_shows_the_newest_sent_version_never_drafts_or_team_reports(world, client_for):
    lineage = uuid.uuid4()
    v1 = summary(world.commune, submitted_on=dt.date(2025, 9, 18), lineage=lineage)
    summary(world.commune, status=ReportStatus.DRAFT, version=2, lineage=lineage)  # a draft on top
    summary(world.other_commune, status=ReportStatus.DRAFT)
    team = make_report(kind=ReportKind.TEAM_QUARTERLY, commune=world.other_commune, team=world.team_a,
                       start=Q3_2025.start, end=Q3_2025.end)  # fmt: skip
    response = client_for(world.province_officer).get(url(world))
    rows = {r["commune"]: r for r in response.context["rows"]}
    assert rows[world.commune]["summary"]["sent"] == v1
    assert rows[world.commune]["summary"]["e"].state_text == "nộp đúng hạn"
    other = rows[world.other_commune]["summary"]
    assert other["sent"] is None and other["missing_text"].startswith("quá hạn")
    page = response.content.decode()
    assert f"/bao-cao/{v1.pk}/" in page or reverse("reports:detail", args=[v1.pk]) in page
    assert "Bản nháp (v" not in page and f"/bao-cao/{team.pk}/" not in page
    counts = response.context["counts"]
    assert (counts["summary_sent"], counts["summary_missing"], counts["summary_overdue"]) == (1, 1, 1)


def test_campaign_results_of_the_quarter_and_the_missing_only_filter(world, client_for):
    ended = Campaign.objects.create(
        name="Gõ từng nhà", commune=world.commune, starts_on=dt.date(2025, 8, 1), ends_on=dt.date(2025, 8, 20)
    )
    Campaign.objects.create(  # another quarter: not listed
        name="Mùa xuân", commune=world.commune, starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 3, 5)
    )
    summary(world.commune)
    summary(world.other_commune)
    client = client_for(world.province_officer)
    rows = {r["commune"]: r for r in client.get(url(world)).context["rows"]}
    assert [c["e"].campaign for c in rows[world.commune]["results"]] == [ended]
    assert rows[world.commune]["results"][0]["missing_text"] == "quá hạn " + (
        f"{(timezone.localdate() - dt.date(2025, 8, 27)).days} ngày"
    )
    missing = client.get(url(world, QUERY + "&chua-nop=1")).context["rows"]
    assert [r["commune"] for r in missing] == [world.commune]
    make_report(kind=ReportKind.CAMPAIGN, commune=world.commune, campaign=ended, start=ended.starts_on,
                end=ended.ends_on, status=ReportStatus.APPROVED, submitted_on=dt.date(2025, 8, 25))  # fmt: skip
    response = client.get(url(world, QUERY + "&chua-nop=1"))
    assert response.context["rows"] == []
    assert "Mọi xã, phường đã nộp đủ" in response.content.decode()


@pytest.mark.parametrize("bad", [*HOSTILE_DAYS, "2025-Q0", "3000-Q1", "2025", "2025-10-01", "x" * 500])
def test_a_bad_quarter_is_a_vietnamese_message_and_this_quarter(world, client_for, bad):
    response = client_for(world.province_officer).get(url(world, ""), {"quy": bad, "chua-nop": "NaN"})
    assert response.status_code == 200
    assert response.context["quarter"] == quarter_of(timezone.localdate())
    assert "Đang hiện quý này" in response.content.decode()


def test_a_quarter_not_begun_is_refused(world, client_for):
    today = timezone.localdate()
    following = quarter_of(quarter_of(today).end + dt.timedelta(days=1))
    response = client_for(world.province_officer).get(url(world, f"?quy={following.code}"))
    assert response.status_code == 200 and "chưa bắt đầu" in response.content.decode()


def _grow(world, n: int) -> None:
    for i in range(n):
        commune = Place.objects.create(
            code=f"09{i:03d}", name=f"Xã Thử {i}", kind=Kind.XA, level=Level.COMMUNE, parent=world.province
        )
        if i % 2:
            summary(commune, submitted_on=dt.date(2025, 9, 10))
        Campaign.objects.create(
            name=f"Chiến dịch {i}",
            commune=commune,
            starts_on=dt.date(2025, 7, 1),
            ends_on=dt.date(2025, 7, 10),
        )


def test_the_overview_reads_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.province_officer)
    client.get(url(world))
    with CaptureQueriesContext(connection) as small:
        client.get(url(world))
    _grow(world, 30)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url(world))
    assert len(response.context["rows"]) == 32
    assert response.context["counts"]["summary_sent"] == 15


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_province_officer_sees_who_sent_and_who_is_missing(
    live_server, world, browser_page, sign_in_browser, assert_accessible, width
):
    from pathlib import Path

    from playwright.sync_api import expect

    shots = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
    summary(world.commune, submitted_on=dt.date(2025, 9, 18), status=ReportStatus.APPROVED)
    Campaign.objects.create(
        name="Gõ từng nhà",
        commune=world.other_commune,
        starts_on=dt.date(2025, 8, 1),
        ends_on=dt.date(2025, 8, 20),
    )
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.province_officer)
    page.goto(live_server.url + url(world))
    expect(page.get_by_role("link", name="Đã duyệt (v1)")).to_be_visible()
    expect(page.get_by_text("quá hạn", exact=False).first).to_be_visible()
    assert_accessible(page)
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"province-reports-{width}.png"), full_page=True)
    page.get_by_label("Chỉ xã chưa nộp").check()
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("rowheader", name=world.other_commune.name)).to_be_visible()
    expect(page.get_by_role("rowheader", name=world.commune.name)).to_have_count(0)
    page.screenshot(path=str(shots / f"province-reports-missing-{width}.png"), full_page=True)
