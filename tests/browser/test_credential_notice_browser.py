"""A member signs in on a phone after a token was made for them: the notice of the change, with its time."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from binhdan.testing.personas import PASSWORD, signed_in_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_the_sign_in_tells_of_a_credential_change(live_server, world, browser_page, assert_accessible):
    signed_in_client(world.member_a).post(reverse("accounts:token_list"), {"name": "điện thoại của tổ"})
    page = browser_page(width=360)
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Tên đăng nhập").fill("tovien.a")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(live_server.url + "/")
    expect(
        page.get_by_text("Từ lần đăng nhập trước, thông tin đăng nhập của bạn đã thay đổi:")
    ).to_be_visible()
    expect(page.get_by_text("Một mã truy cập API (bd_")).to_be_visible()
    expect(page.get_by_text("hãy báo ngay cho cán bộ xã")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "credential-notice-360.png"), full_page=True)
    page.reload()
    expect(page.get_by_text("Từ lần đăng nhập trước")).to_have_count(0)  # told once
