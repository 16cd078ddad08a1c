"""The member's week on the phone: figures against the quotas, the team's contact, what waits to be sent."""

from pathlib import Path

import pytest

from binhdan.fieldwork.services import assign_households

from .test_field_app import open_app, record_visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_the_home_screen_shows_my_week_and_whom_to_call(
    live_server, world, browser_page, sign_in_browser, assert_accessible
):
    world.leader_a.phone = "0912345678"
    world.leader_a.save()
    assign_households(
        by=world.leader_a, team=world.team_a, member=world.member_a, household_ids=[world.household_a.pk]
    )
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    card = page.get_by_role("region", name="Tuần của tôi")
    card.wait_for()
    assert "Hộ tôi phụ trách: 1/10 chưa đạt" in card.inner_text()
    assert "Tổ trưởng Trần Thị Bình — 0912345678" in card.inner_text()
    assert_accessible(page)

    page.context.set_offline(True)
    record_visit(page, "Nguyễn Thị Hoà", "Nguyễn Thị Hoà", "Sử dụng tài khoản định danh điện tử mức 2")
    page.goto(page.url.split("#")[0] + "#/")
    assert "Chưa gửi: 1 lượt hỗ trợ" in page.get_by_role("region", name="Tuần của tôi").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "field-app-my-week.png"), full_page=True)

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.goto(page.url.split("#")[0] + "#/dong-bo")
    page.wait_for_selector("text=Đã đồng bộ (1)", timeout=15_000)
    page.goto(page.url.split("#")[0] + "#/")
    text = page.get_by_role("region", name="Tuần của tôi").inner_text()
    assert "Hộ đã đến tuần này: 1 · lượt hỗ trợ: 1 · người được hướng dẫn: 1" in text
