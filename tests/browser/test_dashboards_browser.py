"""The indicator dashboards in a real browser at a phone (360 px) and a desk (1280 px): a member's village,
an officer's commune, a province officer's province. Each passes axe-core, draws its charts (Chart.js
served by the app, no CSP complaint), does not scroll sideways at 360 px, and a number opens the list
behind it. Screenshots: docs/screenshots/dashboard-{village,commune,province}[-360].png.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from binhdan.registry import services as registry
from binhdan.registry.models import Evidence, Gender, Relation, Source, StatusField
from binhdan.testing.personas import make_household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTHS = [360, 1280]


def _phone(resident, on: dt.date) -> None:
    registry.record_status(
        by=None, resident=resident, facts=[registry.StatusFact(StatusField.SMARTPHONE, 1, Evidence.SEEN)],
        observed_on=on, source=Source.OFFICER,
    )  # fmt: skip


def _grow(world) -> None:
    """Households registered 20 weeks ago whose adults get smartphones week after week: rising lines."""
    today = timezone.localdate()
    start = today - dt.timedelta(weeks=20)
    for village, heads in [
        (world.village_a, ["Lê Thị Mai", "Phạm Văn Tùng", "Hoàng Thị Lan"]),
        (world.village_b, ["Vũ Văn Sơn", "Ngô Thị Hạnh"]),
        (world.village_c, ["Đinh Văn Quang", "Tạ Thị Thu"]),
    ]:
        for n, head in enumerate(heads):
            household = make_household(village, head, registered_on=start, address=f"Xóm {n + 1}")
            head_person = household.residents.get()
            head_person.registered_on = start
            head_person.save()
            child = registry.add_resident(
                by=None, household=household, full_name=f"{head.split()[0]} Văn Con {n}", birth_year=1992,
                gender=Gender.MALE, relation=Relation.CHILD, registered_on=start,
            )  # fmt: skip
            _phone(head_person, start + dt.timedelta(weeks=2 + 5 * n))
            if n % 2 == 0:
                _phone(child, start + dt.timedelta(weeks=8 + 4 * n))
    _phone(world.resident_a, today - dt.timedelta(days=3))


def _check(page, assert_accessible, name: str, width: int, problems: list[str]) -> None:
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator('canvas[data-chart="AD_SMARTPHONE"]')).to_be_visible()
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('canvas[data-chart=\"AD_SMARTPHONE\"]'))"
    )
    drawn = page.evaluate(
        "() => Chart.getChart(document.querySelector('canvas[data-chart=\"AD_SMARTPHONE\"]')).data.datasets.length"
    )
    assert drawn >= 2  # the weekly values and the target line
    # Without JavaScript the same numbers are in a table.
    expect(page.locator("details.weeks").first).to_be_attached()
    assert_accessible(page)
    if width == 360:
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{name} must not scroll sideways on a 360 px phone"
    assert not problems, problems
    suffix = "-360" if width == 360 else ""
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{name}{suffix}.png"), full_page=True)


def _watch(page) -> list[str]:
    problems: list[str] = []
    # Console errors (a CSP refusal among them), script errors, and any file that failed to load.
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    return problems


@pytest.mark.parametrize("width", WIDTHS)
def test_member_opens_the_village_dashboard_and_the_list_behind_a_number(
    live_server, world, browser_page, sign_in_browser, assert_accessible, width
):
    _grow(world)
    page = browser_page(width=width, height=900)
    problems = _watch(page)
    sign_in_browser(page, live_server, world.member_a)
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Chỉ tiêu").click()
    expect(page.get_by_role("heading", name="Chỉ tiêu của Thôn Đông", level=1)).to_be_visible()
    card = page.locator("#chi-tieu-AD_SMARTPHONE")
    expect(card.locator(".stat")).to_have_text("85,7%")  # 6 of 7 adults
    _check(page, assert_accessible, "village", width, problems)

    card.get_by_role("link", name="6 — xem danh sách tử số", exact=False).click()
    expect(
        page.get_by_role("heading", name="Người trưởng thành có điện thoại thông minh: tử số")
    ).to_be_visible()
    rows = page.get_by_role("region", name="Danh sách người dân").locator("tbody tr")
    expect(rows).to_have_count(6)
    expect(page.get_by_role("link", name="Nguyễn Thị Hoà", exact=True)).to_be_visible()
    assert_accessible(page)
    # Members see the list but do not download it.
    expect(page.get_by_role("link", name="Tải danh sách (Excel)")).to_have_count(0)


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_compares_villages_on_the_commune_dashboard(
    live_server, world, browser_page, sign_in_browser, assert_accessible, width
):
    _grow(world)
    page = browser_page(width=width, height=900)
    problems = _watch(page)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("indicators:commune", args=[world.commune.pk]))
    expect(page.get_by_role("heading", name="Chỉ tiêu của Xã Sơn Đông", level=1)).to_be_visible()
    table = page.get_by_role("region", name="Các thôn so sánh theo chỉ tiêu")
    expect(table.get_by_role("link", name="Thôn Đông")).to_be_visible()
    expect(table.get_by_role("link", name="Thôn Tây")).to_be_visible()
    _check(page, assert_accessible, "commune", width, problems)

    page.locator("#chi-tieu-HH_DIGITAL").get_by_role(
        "link", name="— xem danh sách mẫu số", exact=False
    ).click()
    expect(page.get_by_role("heading", name="Gia đình số: mẫu số")).to_be_visible()
    expect(page.get_by_role("region", name="Danh sách hộ").locator("tbody tr")).to_have_count(7)
    expect(page.get_by_role("link", name="Tải danh sách (Excel)")).to_be_visible()

    page.goto(live_server.url + reverse("indicators:commune", args=[world.commune.pk]))
    table.get_by_role("link", name="Thôn Tây").click()
    expect(page.get_by_role("heading", name="Chỉ tiêu của Thôn Tây", level=1)).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_province_officer_sorts_communes_and_sees_no_rows(
    live_server, world, browser_page, sign_in_browser, assert_accessible, width
):
    _grow(world)
    page = browser_page(width=width, height=900)
    problems = _watch(page)
    sign_in_browser(page, live_server, world.province_officer)
    page.goto(live_server.url + reverse("indicators:province", args=[world.province.pk]))
    expect(page.get_by_role("heading", name="Chỉ tiêu của Phú Thọ", level=1)).to_be_visible()
    table = page.get_by_role("region", name="Các xã, phường so sánh theo chỉ tiêu")
    names = table.locator("tbody th")
    expect(names).to_have_text(["Xã Sơn Đông", "Xã Tam Sơn"])
    table.get_by_role("link", name="Người trưởng thành có điện thoại thông minh").click()
    # Sơn Đông 9/12 = 75% against Tam Sơn 3/5 = 60%: high to low first, then the other way.
    expect(table.locator('th[aria-sort="descending"]')).to_have_count(1)
    expect(table.locator("tbody th")).to_have_text(["Xã Sơn Đông", "Xã Tam Sơn"])
    table.get_by_role("link", name="Người trưởng thành có điện thoại thông minh").click()
    expect(table.locator('th[aria-sort="ascending"]')).to_have_count(1)
    expect(table.locator("tbody th")).to_have_text(["Xã Tam Sơn", "Xã Sơn Đông"])
    expect(page.locator("a[href*='/tu-so/'], a[href*='/mau-so/']")).to_have_count(0)
    _check(page, assert_accessible, "province", width, problems)
