"""A commune officer at a phone (360 px) and at a desk (1280 px) invites a member, who then signs in
with the temporary password and must set a new one first (issue 9: people and roles).

Each page passes axe-core and does not scroll sideways at 360 px. Screenshots go to the test's
tmp_path as people-*.png; the copies in docs/screenshots/ were taken from a run of this file.
"""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from binhdan.accounts.models import Role, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [360, 1280]


def _check(page, assert_accessible, shots: Path, name: str, width: int) -> None:
    assert page.locator("h1").count() == 1
    assert_accessible(page)
    if width == 360:
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{name} must not scroll sideways on a 360 px phone"
    page.screenshot(path=str(shots / f"people-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_invites_a_member_who_then_sets_a_password(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path, width
):
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("home"))
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Người dùng").click()
    expect(page.get_by_role("heading", name="Người dùng và vai trò — Xã Sơn Đông")).to_be_visible()
    _check(page, assert_accessible, tmp_path, "list", width)
    page.get_by_role("link", name="Mời tổ viên, tổ trưởng").click()
    page.get_by_role("button", name="Tạo tài khoản").click()  # nothing filled: messages by the fields
    expect(page.get_by_text("Vui lòng nhập họ và tên.")).to_be_visible()
    _check(page, assert_accessible, tmp_path, "invite-form", width)
    page.get_by_label("Họ và tên").fill("Đinh Thị Mai")
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.get_by_label("Vai trò").select_option(label="Tổ viên Tổ công nghệ số cộng đồng")
    page.get_by_label("Thôn, tổ dân phố").select_option(label="Thôn Tây")
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_role("heading", name="Đã tạo tài khoản cho Đinh Thị Mai")).to_be_visible()
    password = page.locator("#mat-khau-tam").inner_text()
    _check(page, assert_accessible, tmp_path, "invited", width)
    invited = User.objects.get(username="0912345678")
    assert Role.objects.get(user=invited).place == world.village_b and invited.check_password(password)

    # The new member signs in on a phone of their own and must replace the temporary password first.
    phone = browser_page(width=width)
    phone.goto(live_server.url + reverse("accounts:login"))
    phone.get_by_label("Tên đăng nhập").fill("0912345678")
    phone.get_by_label("Mật khẩu").fill(password)
    phone.get_by_role("button", name="Đăng nhập").click()
    expect(phone.get_by_role("heading", name="Đổi mật khẩu")).to_be_visible()
    _check(phone, assert_accessible, tmp_path, "first-password", width)
    phone.get_by_label("Mật khẩu tạm (do cán bộ xã đưa)").fill(password)
    phone.locator("#id_new_password1").fill("Mai-Thôn-Tây-2025")
    phone.get_by_label("Nhập lại mật khẩu mới").fill("Mai-Thôn-Tây-2025")
    phone.get_by_role("button", name="Đổi mật khẩu").click()
    expect(phone.get_by_text("Đã đổi mật khẩu.")).to_be_visible()
    invited.refresh_from_db()
    assert not invited.must_change_password
