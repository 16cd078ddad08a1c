"""A person at a phone (360 px) and at a desk: sign in, search without accents, open a resident."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from binhdan.testing.personas import PASSWORD, make_household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [360, 1280]


@pytest.mark.parametrize("width", WIDTHS)
def test_member_signs_in_through_the_form(live_server, world, browser_page, assert_accessible, width):
    page = browser_page(width=width)
    page.goto(live_server.url + reverse("accounts:login"))
    assert_accessible(page)
    page.get_by_label("Tên đăng nhập").fill("tovien.a")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau-1")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text("Tên đăng nhập hoặc mật khẩu không đúng")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(live_server.url + "/")
    expect(page.get_by_role("heading", name="Xin chào, Nguyễn Văn An")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_search_without_accents_then_open_a_resident(
    live_server, world, browser_page, sign_in_browser, assert_accessible, width
):
    make_household(world.village_a, "Trần Văn Đạt")
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.member_a)
    page.goto(live_server.url + reverse("registry:household_list"))
    page.get_by_role("searchbox").fill("nguyen thi hoa")
    page.get_by_role("button", name="Tìm").click()
    expect(page.get_by_text("1 hộ khớp với “nguyen thi hoa”")).to_be_visible()
    assert page.get_by_role("link", name="Trần Văn Đạt").count() == 0
    assert_accessible(page)
    page.get_by_role("link", name="Nguyễn Thị Hoà").click()
    expect(page.get_by_role("heading", name="Hộ Nguyễn Thị Hoà")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Nguyễn Thị Hoà").click()
    expect(page.get_by_role("heading", name="Nguyễn Thị Hoà", exact=True)).to_be_visible()
    expect(page.get_by_text("Trạng thái số tại ngày")).to_be_visible()
    assert_accessible(page)
    if width == 360:
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, "the resident page must not scroll sideways on a 360 px phone"


def test_bad_input_on_the_resident_form_is_shown_next_to_fields(
    live_server, world, browser_page, sign_in_browser, assert_accessible
):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    page.goto(live_server.url + reverse("registry:resident_create", args=[world.household_a.pk]))
    page.get_by_label("Ngày sinh").fill("31/02/1990")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Vui lòng nhập họ và tên.")).to_be_visible()
    expect(page.get_by_text("Ngày không đúng")).to_be_visible()
    assert_accessible(page)


def test_officer_pages_pass_the_accessibility_check(
    live_server, world, browser_page, sign_in_browser, assert_accessible
):
    page = browser_page(width=1280)
    sign_in_browser(page, live_server, world.officer)
    for url in ["/", reverse("fieldwork:commune_detail", args=[world.commune.pk]),
                reverse("fieldwork:village_detail", args=[world.village_a.pk]),
                reverse("fieldwork:team_detail", args=[world.team_a.pk])]:  # fmt: skip
        page.goto(live_server.url + url)
        assert page.locator("h1").count() == 1
        assert_accessible(page)
