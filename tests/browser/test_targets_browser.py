"""A commune officer at a phone (360 px) and at a desk (1280 px) sets the commune's own target, enters a
month's figures and adds an indicator of the commune's own (issue 10 point 4: targets as data).

Each page passes axe-core, with and without form errors, and does not scroll sideways at 360 px.
Screenshots go to the test's tmp_path as targets-*.png and monthly-*.png; the copies in
docs/screenshots/ were taken from a run of this file.
"""

from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from binhdan.indicators import values
from binhdan.indicators.models import AggregateEntry, Indicator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [360, 1280]


def _check(page, assert_accessible, shots: Path, name: str, width: int) -> None:
    assert page.locator("h1").count() == 1
    assert_accessible(page)
    if width == 360:
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{name} must not scroll sideways on a 360 px phone"
    page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)


def _value(commune, code):
    return next(v for v in values.values(commune, timezone.localdate(), with_pace=False) if v.code == code)


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_sets_a_target_enters_a_month_and_adds_an_own_indicator(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path, width
):
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("indicators:targets", args=[world.commune.pk]))
    expect(page.get_by_role("heading", name="Chỉ tiêu của xã", exact=True)).to_be_visible()
    _check(page, assert_accessible, tmp_path, "targets-page", width)

    # A target with two decimals is refused next to its field; 70 % by the end of 2025 is kept.
    target = page.get_by_label("Chỉ tiêu (%) — Gia đình số", exact=True)
    target.fill("100,05")
    page.get_by_role("button", name="Lưu chỉ tiêu Gia đình số", exact=True).click()
    expect(page.locator("#chi-tieu-hh_digital .error")).to_contain_text("từ 0 đến 100")
    _check(page, assert_accessible, tmp_path, "targets-error", width)
    page.get_by_label("Chỉ tiêu (%) — Gia đình số", exact=True).fill("70")
    page.get_by_label("Thời hạn — Gia đình số", exact=True).fill("31/12/2025")
    page.get_by_role("button", name="Lưu chỉ tiêu Gia đình số", exact=True).click()
    expect(page.get_by_text("Đã lưu chỉ tiêu “Gia đình số”.")).to_be_visible()
    expect(page.locator("#chi-tieu-hh_digital")).to_contain_text("70,0% đến 31/12/2025")
    assert _value(world.commune, "HH_DIGITAL").target == Decimal("70.0")

    # The month's figures: a numerator over the denominator is refused, then 45 of 50 dossiers are kept.
    page.get_by_role("link", name="Số liệu nhập hằng tháng").click()
    expect(page.get_by_role("heading", name="Hồ sơ thủ tục hành chính trực tuyến")).to_be_visible()
    section = page.locator("#so-lieu-dossier_online")
    section.get_by_label("Tử số", exact=False).fill("60")
    section.get_by_label("Mẫu số", exact=False).fill("50")
    section.get_by_role("button", name="Lưu số liệu").click()
    expect(page.locator("#so-lieu-dossier_online .error").first).to_be_visible()
    expect(page.locator("#so-lieu-dossier_online")).to_contain_text("không được lớn hơn mẫu số")
    _check(page, assert_accessible, tmp_path, "monthly-error", width)
    section = page.locator("#so-lieu-dossier_online")
    section.get_by_label("Tử số", exact=False).fill("45")
    section.get_by_label("Mẫu số", exact=False).fill("50")
    section.get_by_role("button", name="Lưu số liệu").click()
    expect(page.get_by_text("Đã lưu số liệu tháng")).to_be_visible()
    expect(page.locator("#so-lieu-dossier_online")).to_contain_text("45/50 = 90,0%")
    _check(page, assert_accessible, tmp_path, "monthly-page", width)
    entry = AggregateEntry.objects.get(commune=world.commune)
    assert (entry.numerator, entry.denominator, entry.entered_by) == (45, 50, world.officer)

    # An indicator of the commune's own: adults who sell online.
    page.goto(live_server.url + reverse("indicators:targets", args=[world.commune.pk]))
    page.get_by_role("link", name="+ Thêm chỉ tiêu riêng của xã").click()
    page.get_by_label("Tên chỉ tiêu").fill("Người trưởng thành bán hàng trực tuyến")
    page.get_by_label("Tính trên người dân").check()
    page.get_by_label("Mẫu số: nhóm được tính").select_option(label="Người trưởng thành (từ 18 tuổi)")
    page.get_by_label("Tử số: điều kiện được tính").select_option(label="Có điện thoại thông minh")
    page.get_by_label("Chỉ tiêu (%)").fill("40")
    page.get_by_label("Thời hạn").fill("31/12/2026")
    page.get_by_label("Mẫu số: nhóm được tính").select_option(label="Hộ gia đình")  # the wrong kind
    page.get_by_role("button", name="Thêm chỉ tiêu").click()
    expect(page.get_by_text("Vui lòng chọn nhóm người dân.")).to_be_visible()
    _check(page, assert_accessible, tmp_path, "targets-own-form", width)
    page.get_by_label("Mẫu số: nhóm được tính").select_option(label="Người trưởng thành (từ 18 tuổi)")
    page.get_by_label("Tử số: điều kiện được tính").select_option(label="Bán hàng trực tuyến")
    page.get_by_role("button", name="Thêm chỉ tiêu").click()
    expect(
        page.get_by_text("Đã thêm chỉ tiêu riêng “Người trưởng thành bán hàng trực tuyến”.")
    ).to_be_visible()
    expect(page.locator("#chi-tieu-rieng")).to_have_text("Chỉ tiêu riêng của xã (1)")
    own = Indicator.objects.get(commune=world.commune)
    assert (own.population, own.condition) == ("adults", "sells_online")
    assert _value(world.commune, own.code).denominator == 2
    _check(page, assert_accessible, tmp_path, "targets-with-own", width)
