"""An officer dates a household's entry into the registry, moves it to another village on a day, records
it as left (after a refused date) and undoes it; the list shows who is here.

Each page passes axe-core and does not scroll sideways at 360 px. Screenshots go to the test's tmp_path as
registry-lifecycle-*.png; the copies in docs/screenshots/ were taken from a run of this file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from binhdan.registry.models import Household, HouseholdMove

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page) -> None:
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


@pytest.mark.parametrize("width", [360, 1280])
def test_officer_records_a_household_moving_and_leaving(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path, width
):
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("registry:household_create"))
    page.locator("#id_village").select_option(label="Thôn Đông")
    page.get_by_label("Họ tên chủ hộ").fill("Vi Văn Sáu")
    page.get_by_label("Ngày vào sổ").fill("30/02/2015")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Ngày không đúng. Hãy viết theo dạng ngày/tháng/năm")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Ngày vào sổ").fill("01/06/2015")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("heading", name="Hộ Vi Văn Sáu")).to_be_visible()
    household = Household.objects.get(head_name="Vi Văn Sáu")
    assert household.registered_on == dt.date(2015, 6, 1)

    page.get_by_role("link", name="Sửa thông tin hộ").click()
    page.locator("#id_village").select_option(label="Thôn Tây")
    page.get_by_label("Ngày chuyển thôn").fill("10/10/2020")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Từ Thôn Đông sang Thôn Tây ngày 10/10/2020")).to_be_visible()
    assert HouseholdMove.objects.filter(household=household).count() == 1

    # Leaving before entering is refused, in Vietnamese, next to the date.
    page.get_by_label("Ngày rời sổ").fill("01/01/2014")
    page.get_by_label("Lý do rời sổ").select_option(label="Nhập hộ")
    page.get_by_role("button", name="Ghi nhận rời sổ").click()
    expect(page.get_by_text("Ngày rời sổ phải từ ngày vào sổ (01/06/2015) trở đi.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Ngày rời sổ").fill("20/12/2024")
    page.get_by_role("button", name="Ghi nhận rời sổ").click()
    expect(page.locator("#left-notice")).to_contain_text("Hộ đã rời sổ ngày 20/12/2024 (nhập hộ)")
    expect(page.get_by_text("Rời sổ ngày 20/12/2024 (nhập hộ)", exact=True)).to_be_visible()
    assert_accessible(page)
    if width == 360:
        _no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / f"registry-lifecycle-household-left-{width}.png"), full_page=True)

    page.goto(live_server.url + reverse("registry:household_list"))
    expect(page.get_by_role("link", name="Nguyễn Thị Hoà")).to_be_visible()
    expect(page.get_by_role("link", name="Vi Văn Sáu")).to_have_count(0)
    page.get_by_label("Tình trạng").select_option(label="Đã rời sổ")
    page.get_by_role("button", name="Tìm").click()
    expect(page.get_by_text("Đã rời sổ ngày 20/12/2024")).to_be_visible()
    expect(page.get_by_role("link", name="Nguyễn Thị Hoà")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Vi Văn Sáu").click()
    page.get_by_role("button", name="Hoàn tác rời sổ").click()
    expect(page.get_by_text("Đã hoàn tác: Hộ Vi Văn Sáu lại được tính trong sổ.")).to_be_visible()
    expect(page.get_by_role("heading", name="Ghi nhận rời sổ")).to_be_visible()
    expect(page.get_by_text("Từ Thôn Đông sang Thôn Tây ngày 10/10/2020")).to_be_visible()
    assert_accessible(page)
    if width == 360:
        _no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / f"registry-lifecycle-household-{width}.png"), full_page=True)
    household.refresh_from_db()
    assert household.left_on is None and household.registered_on == dt.date(2015, 6, 1)


def test_member_records_a_resident_as_left(
    live_server, world, browser_page, sign_in_browser, assert_accessible
):
    today = timezone.localdate().strftime("%d/%m/%Y")
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    page.goto(live_server.url + reverse("registry:resident_detail", args=[world.resident_a.pk]))
    expect(page.locator("dl.facts")).to_contain_text("Ngày vào sổ")
    expect(page.locator("dl.facts")).to_contain_text(today)
    page.get_by_label("Lý do rời sổ").select_option(label="Chuyển đi nơi khác")
    page.get_by_role("button", name="Ghi nhận rời sổ").click()
    expect(page.locator("#left-notice")).to_contain_text(f"Đã rời sổ ngày {today} (chuyển đi nơi khác)")
    assert_accessible(page)
    page.get_by_role("link", name=f"Hộ {world.household_a.head_name}").click()
    expect(page.get_by_text(f"Đã rời sổ ngày {today}")).to_be_visible()
    assert_accessible(page)
