"""Team quotas, the emulation boards and campaign mode in a real browser, at 360 px and at 1280 px.

Each page passes axe-core and does not scroll sideways on a phone. The screenshots go to the test's
tmp_path (teams-*.png, leaderboard-*.png, campaign-*.png); with SAVE_SCREENSHOTS=1 they go to
docs/screenshots/, which is how the copies there were taken.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from binhdan.fieldwork.models import Mentor, Mentorship, Training
from binhdan.indicators.tests.test_teams import (
    DAY,
    LONG_AGO,
    WEEK,
    _campaign_world,
    _fill_team,
    _households,
    _make_digital,
    _residents,
    _work,
)
from binhdan.registry.models import Household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [360, 1280]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _shots(tmp_path: Path) -> Path:
    return DOCS if os.environ.get("SAVE_SCREENSHOTS") else tmp_path


def _check(page: Any, assert_accessible: Any, folder: Path, name: str, width: int) -> None:
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)
    if width == 360:
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{name} must not scroll sideways on a 360 px phone"
    page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)


def _busy_commune(world: Any) -> None:
    _fill_team(world.team_a, 7, "a")
    _households(world.village_a, 10, member=world.member_a)
    _households(world.village_b, 4, member=world.member_b)
    _work(world.member_a, [WEEK[1], WEEK[3]], "4")
    _work(world.member_b, [WEEK[1]], "4")
    training = Training.objects.create(title="Tập huấn VNeID", commune=world.commune, held_on=WEEK[0])
    training.attendees.add(world.member_a, world.leader_a)
    mentor = Mentor.objects.create(commune=world.commune, user=world.leader_a, started_on=LONG_AGO)
    for person in _residents(_households(world.village_a, 5, prefix="Kèm")):
        Mentorship.objects.create(mentor=mentor, mentee=person, started_on=LONG_AGO)


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_reads_team_quotas_as_of_a_day(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path, width
):
    _busy_commune(world)
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("indicators:teams", args=[world.commune.pk]))
    expect(page.get_by_role("heading", name="Chỉ tiêu tổ và thành viên — Xã Sơn Đông")).to_be_visible()
    page.get_by_label("Tính đến ngày").fill("11/10/2026")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_text("Tính đến ngày 11/10/2026")).to_be_visible()
    team_a = page.get_by_role("region", name=f"Thành viên của {world.team_a.name}")
    expect(team_a.get_by_role("row", name="Nguyễn Văn An")).to_contain_text("10 — Đạt")
    expect(team_a.get_by_role("row", name="Nguyễn Văn An")).to_contain_text("1/1 tuần — Đạt")
    expect(page.get_by_text("Số thành viên: 7 — Đạt (7-12 người)")).to_be_visible()
    expect(page.get_by_text("Số thành viên: 1 — Chưa đạt (7-12 người)")).to_be_visible()
    _check(page, assert_accessible, _shots(tmp_path), "teams-commune", width)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải bảng tính (XLSX)").click()
    assert download.value.suggested_filename.endswith("2026-10-11.xlsx")


def test_team_leader_sees_their_villages_team_and_a_bad_date_message(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path
):
    _busy_commune(world)
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.leader_a)
    page.goto(
        live_server.url + reverse("indicators:village_teams", args=[world.village_a.pk]) + "?ngay=2026-02-30"
    )
    expect(page.get_by_role("alert")).to_contain_text("Ngày xem không đúng")
    expect(page.get_by_role("heading", name=world.team_a.name)).to_be_visible()
    expect(page.get_by_role("heading", name=world.team_b.name)).to_have_count(0)
    page.goto(
        live_server.url + reverse("indicators:village_teams", args=[world.village_a.pk]) + f"?ngay={DAY}"
    )
    _check(page, assert_accessible, _shots(tmp_path), "teams-village", 360)
    page.goto(live_server.url + reverse("indicators:village_teams", args=[world.village_b.pk]))
    expect(page.get_by_role("heading", name=world.team_b.name)).to_have_count(0)  # another village: 404


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_reads_the_emulation_boards(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path, width
):
    _busy_commune(world)
    Household.objects.filter(pk=world.household_a.pk).update(registered_on=LONG_AGO)
    _make_digital(world, world.household_a, 1)
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("indicators:leaderboard", args=[world.commune.pk]) + f"?ngay={DAY}")
    expect(page.get_by_role("heading", name="Tổ CNSCĐ tiêu biểu")).to_be_visible()
    board = page.get_by_role("region", name="Xếp hạng Tổ CNSCĐ")
    expect(board.get_by_role("row").nth(1)).to_contain_text(world.team_a.name)
    expect(page.get_by_text("trung bình cộng", exact=False)).to_be_visible()
    expect(page.get_by_role("region", name="Xếp hạng đại sứ số")).to_contain_text("Trần Thị Bình")
    families = page.get_by_role("region", name="Xếp hạng Gia đình số")
    expect(families.get_by_role("link", name="Nguyễn Thị Hoà")).to_be_visible()
    _check(page, assert_accessible, _shots(tmp_path), "leaderboard", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_runs_campaign_mode_and_prints_the_households_not_visited(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path, width
):
    campaign, a, b = _campaign_world(world)
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("indicators:campaign", args=[campaign.pk]) + f"?ngay={DAY}")
    expect(page.get_by_role("heading", name=f"Chế độ chiến dịch: {campaign.name}")).to_be_visible()
    expect(page.get_by_text("ngày còn lại (đến 30/10/2026)")).to_be_visible()
    expect(
        page.get_by_role("region", name="Số hộ đã đến theo thôn").get_by_role("row", name="Thôn Đông")
    ).to_contain_text("50%")
    unvisited = page.get_by_role("region", name="Hộ chưa được đến trong chiến dịch")
    expect(unvisited.get_by_role("link", name=a[2].head_name)).to_be_visible()
    expect(unvisited.get_by_role("link", name=a[0].head_name)).to_have_count(0)
    _check(page, assert_accessible, _shots(tmp_path), "campaign", width)
    page.get_by_label("Thôn", exact=True).select_option(label="Thôn Tây")
    page.get_by_role("button", name="Lọc").click()
    expect(unvisited.get_by_role("link", name=b[0].head_name)).to_be_visible()
    expect(unvisited.get_by_role("link", name=a[2].head_name)).to_have_count(0)
    page.get_by_role("link", name="Bản in danh sách").click()
    expect(page.get_by_role("heading", name=f"Hộ chưa được đến — {campaign.name}")).to_be_visible()
    expect(page.get_by_role("button", name="In danh sách")).to_be_visible()  # shown by teams-print.js
    _check(page, assert_accessible, _shots(tmp_path), "campaign-print", width)
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_role("link", name=b[1].head_name)).to_be_visible()


def test_province_officer_sees_campaign_counts_without_household_names(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path
):
    campaign, a, _b = _campaign_world(world)
    page = browser_page(width=1280)
    sign_in_browser(page, live_server, world.province_officer)
    page.goto(live_server.url + reverse("indicators:campaign", args=[campaign.pk]) + f"?ngay={DAY}")
    expect(page.get_by_text("2/6", exact=True)).to_be_visible()
    expect(page.get_by_text("chỉ cán bộ xã và tổ được xem", exact=False)).to_be_visible()
    expect(page.get_by_text(a[2].head_name)).to_have_count(0)
    assert_accessible(page)
    assert dt.date.today() >= DAY
