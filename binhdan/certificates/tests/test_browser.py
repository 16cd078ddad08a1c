"""An officer at a phone (360 px) and at a desk (1280 px) issues certificates for a class, then a resident opens
the public verification page; an officer records a smartphone donation and reads the totals.

Each page passes axe-core and does not scroll sideways at 360 px. Screenshots: docs/screenshots/
certificates-{class,verify}-{360,1280}.png and donations-{form,list}-{360,1280}.png.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from binhdan.certificates.models import Certificate
from binhdan.donations import services as donations
from binhdan.donations.models import Donation
from binhdan.testing.indicators import attend, community_class

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
WIDTHS = [360, 1280]


def _check(page, assert_accessible, name: str, width: int) -> None:
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)
    if width == 360:
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{name} must not scroll sideways on a 360 px phone"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_issues_certificates_and_anyone_verifies_one(
    live_server, world, browser_page, sign_in_browser, assert_accessible, width
):
    held = community_class(world.commune, timezone.localdate() - dt.timedelta(days=1), by=world.officer)
    held.title = "Sử dụng điện thoại thông minh an toàn"
    held.save()
    attend(held, [world.resident_a, world.resident_b], by=world.officer)
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("certificates:commune", args=[world.commune.pk]))
    page.get_by_role("link", name=held.title).click()
    expect(page.get_by_role("heading", name=f"Giấy chứng nhận — {held.title}")).to_be_visible()
    page.get_by_label("Cấp cho tất cả người đã tham dự chưa có giấy").check()
    page.get_by_label("Họ tên người ký").fill("Hoàng Văn Em")
    page.get_by_role("button", name="Cấp giấy").click()
    expect(page.get_by_text("Đã cấp 2 giấy chứng nhận.")).to_be_visible()
    expect(page.get_by_role("link", name="In 2 giấy còn hiệu lực (PDF)")).to_be_visible()
    _check(page, assert_accessible, "certificates-class", width)
    paper = Certificate.objects.get(resident=world.resident_a)

    public = browser_page(width=width)
    public.goto(live_server.url + reverse("certificates:verify", args=[paper.code]))
    expect(public.get_by_role("status")).to_contain_text("Còn hiệu lực")
    expect(public.get_by_text("N. T. H.")).to_be_visible()
    expect(public.get_by_text("Nguyễn Thị Hoà")).to_have_count(0)
    _check(public, assert_accessible, "certificates-verify", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_records_a_smartphone_donation(
    live_server, world, browser_page, sign_in_browser, assert_accessible, width
):
    donor = donations.save_donor(
        by=world.officer, commune=world.commune, name="Viettel Phú Thọ", kind="business"
    )
    donations.record_donation(
        by=world.officer, commune=world.commune, donor=donor, item_kind="sim", household=world.household_b,
        given_on=timezone.localdate() - dt.timedelta(days=3), value_vnd=150_000, quantity=2,
    )  # fmt: skip
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("donations:list", args=[world.commune.pk]))
    page.get_by_role("link", name="+ Ghi nhận trao tặng").click()
    page.get_by_label("Nhà tài trợ").select_option(str(donor.pk))
    page.get_by_label("Loại quà tặng").select_option("smartphone")
    page.get_by_label("Mô tả").fill("Samsung Galaxy A05")
    page.get_by_label("Trị giá (đồng)").fill("2.500.000")
    page.get_by_label("Hộ nhận").select_option(str(world.household_a.pk))
    page.get_by_label("Người nhận").select_option(str(world.resident_a.pk))
    page.get_by_label("Hẹn thăm lại").fill(timezone.localdate().strftime("%d/%m/%Y"))
    _check(page, assert_accessible, "donations-form", width)
    page.get_by_role("button", name="Lưu trao tặng").click()
    expect(page.get_by_text("Đã ghi nhận trao tặng cho Hộ Nguyễn Thị Hoà.")).to_be_visible()
    expect(page.locator(".totals")).to_contain_text("2.650.000 đ")
    _check(page, assert_accessible, "donations-list", width)
    assert Donation.objects.count() == 2
