"""A commune officer at a phone (360 px) and at a desk (1280 px) changes the commune's core skill set
and opens the commune settings with the ID-storage warning (issue 9: catalogue and settings).

Each page passes axe-core and does not scroll sideways at 360 px. Screenshots go to the test's
tmp_path as catalogue-*.png; the copies in docs/screenshots/ were taken from a run of this file.
"""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from binhdan.registry import catalogue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [360, 1280]


def _check(page, assert_accessible, shots: Path, name: str, width: int) -> None:
    assert page.locator("h1").count() == 1
    assert_accessible(page)
    if width == 360:
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{name} must not scroll sideways on a 360 px phone"
    page.screenshot(path=str(shots / f"catalogue-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_changes_the_core_set_and_opens_the_settings(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path, width
):
    catalogue.add_commune_skill(
        by=world.officer, commune=world.commune, name="Đăng ký lịch tiêm trên Sổ sức khỏe", domain="xa-hoi-so"
    )
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("fieldwork:commune_detail", args=[world.commune.pk]))
    page.get_by_role("link", name="Danh mục kỹ năng số").click()
    expect(page.get_by_role("heading", name="Bộ kỹ năng số cơ bản (5)")).to_be_visible()
    _check(page, assert_accessible, tmp_path, "page", width)

    page.get_by_role("link", name="Chọn bộ kỹ năng cơ bản").click()
    page.get_by_label("Thanh toán hoá đơn, chuyển tiền bằng mã QR").uncheck()
    page.get_by_label("Đặt mật khẩu mạnh, bảo vệ tài khoản").check()
    _check(page, assert_accessible, tmp_path, "core-form", width)
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu bộ kỹ năng số cơ bản")).to_be_visible()
    codes = {s.code for s in catalogue.core_skills(world.commune)}
    assert "mat-khau-manh" in codes and "thanh-toan-qr" not in codes and len(codes) == 5

    page.goto(live_server.url + reverse("registry:commune_settings", args=[world.commune.pk]))
    expect(page.get_by_role("note").get_by_text("Luật Bảo vệ dữ liệu cá nhân", exact=False)).to_be_visible()
    _check(page, assert_accessible, tmp_path, "settings", width)
