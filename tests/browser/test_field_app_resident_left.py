"""A member in a lane with no signal learns that ông Tư moved away: recorded offline on the phone, sent
when the network is back, gone from the phone and from the village's counts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from binhdan.indicators.values import values
from binhdan.registry import services as registry
from binhdan.registry.models import Gender, LeftReason, Relation, Resident
from binhdan.testing.personas import make_household
from tests.browser.test_field_app import open_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def go(page: Any, fragment: str) -> None:
    page.goto(page.url.split("#")[0] + fragment)
    page.wait_for_selector("h1")


def adults_counted(world) -> int:
    (found,) = [
        v for v in values(world.village_a, timezone.localdate(), with_pace=False) if v.code == "AD_SMARTPHONE"
    ]
    return found.denominator


def family(world) -> tuple[Any, Resident]:
    home = make_household(world.village_a, "Lê Thị Sáu", address="Ngõ 4, Xóm 2, Thôn Đông")
    tu = registry.add_resident(by=world.officer, household=home, full_name="Trần Văn Tư", birth_year=1952,
                               gender=Gender.MALE, relation=Relation.SPOUSE)  # fmt: skip
    return home, tu


def test_a_resident_who_moved_away_is_recorded_offline_and_leaves_the_phone_and_the_counts(
    live_server, world, browser_page, sign_in_browser, assert_accessible
):
    home, tu = family(world)
    before = adults_counted(world)
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    expect(page.get_by_role("link", name="Lê Thị Sáu")).to_be_visible()

    page.context.set_offline(True)
    page.context.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    page.get_by_role("link", name="Lê Thị Sáu").click()
    expect(page.get_by_role("heading", level=1, name="Hộ Lê Thị Sáu")).to_be_visible()
    page.get_by_role("link", name="Báo rời sổ — Trần Văn Tư").click()
    expect(page.get_by_role("heading", level=1, name="Báo rời sổ: Trần Văn Tư")).to_be_visible()
    expect(page.get_by_text("Không có mạng")).to_be_visible()
    today = timezone.localdate()
    expect(page.get_by_label("Ngày rời sổ")).to_have_value(today.isoformat())
    for label in ["Chuyển đi nơi khác", "Qua đời", "Tách hộ", "Nhập hộ", "Trùng, đã gộp"]:
        expect(page.get_by_role("radio", name=label)).not_to_be_checked()

    # The phone checks what the server checks: a reason, and a day that is not in the future.
    page.get_by_label("Ngày rời sổ").fill((today + dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Lưu báo rời sổ").click()
    expect(page.get_by_role("alert").filter(has_text="Hãy chọn lý do rời sổ.")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="Ngày rời sổ không được ở tương lai.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Ngày rời sổ").fill(today.isoformat())
    page.get_by_role("radio", name="Chuyển đi nơi khác").check()
    expect(page.get_by_role("radio", name="Chuyển đi nơi khác")).to_be_checked()
    expect(page.get_by_role("alert").filter(has_text="Hãy chọn lý do rời sổ.")).to_be_hidden()
    expect(page.get_by_role("alert").filter(has_text="không được ở tương lai")).to_be_hidden()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "field-app-resident-left.png"), full_page=True)
    page.get_by_role("button", name="Lưu báo rời sổ").click()

    # Back on the household: the departure waits on the phone, shown as pending.
    expect(page.get_by_role("heading", level=1, name="Hộ Lê Thị Sáu")).to_be_visible()
    waiting = page.get_by_text(f"Báo rời sổ: Chuyển đi nơi khác, ngày {today:%d/%m/%Y} · Đang chờ gửi")
    expect(waiting).to_be_visible()
    expect(page.get_by_role("link", name="Báo rời sổ — Trần Văn Tư")).to_have_count(0)
    assert_accessible(page)
    go(page, "#/dong-bo")
    expect(page.get_by_text("Đang chờ gửi (1)")).to_be_visible()
    tu.refresh_from_db()
    assert tu.left_on is None

    page.context.unroute("**/api/**")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_text("Đã đồng bộ (1)")).to_be_visible(timeout=15_000)
    go(page, f"#/ho/{home.pk}")
    expect(page.get_by_role("heading", level=1, name="Hộ Lê Thị Sáu")).to_be_visible()
    expect(page.get_by_text("Trần Văn Tư")).to_have_count(0)
    expect(page.get_by_role("link", name="Báo rời sổ — Lê Thị Sáu")).to_be_visible()

    tu.refresh_from_db()
    assert (tu.left_on, tu.left_reason) == (today, LeftReason.MOVED)
    assert adults_counted(world) == before - 1


def test_a_refused_departure_names_the_person_and_can_be_corrected_and_sent_again(
    live_server, world, browser_page, sign_in_browser, assert_accessible
):
    home, tu = family(world)
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    refused: list[str] = []

    def refuse_once(route: Any) -> None:
        if refused:
            route.continue_()
            return
        record = route.request.post_data_json["records"][0]
        refused.append(record["uuid"])
        error = {"field": "left_on", "message": "Ngày rời sổ phải từ ngày vào sổ (01/03/2026) trở đi.",
                 "resident": tu.pk}  # fmt: skip
        body = {"results": [{"uuid": record["uuid"], "status": "rejected", "errors": [error]}]}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/api/v1/sync/push", refuse_once)
    go(page, f"#/ho/{home.pk}/roi/{tu.pk}")
    page.get_by_role("radio", name="Qua đời").check()
    page.get_by_role("button", name="Lưu báo rời sổ").click()
    expect(page.get_by_text("Bị từ chối", exact=True)).to_be_visible()
    go(page, "#/dong-bo")
    expect(page.get_by_text("Bị từ chối (1)")).to_be_visible()
    expect(
        page.get_by_text("Người dân Trần Văn Tư: ngày rời sổ phải từ ngày vào sổ (01/03/2026) trở đi.")
    ).to_be_visible()

    page.get_by_role("link", name="Sửa và gửi lại").click()
    expect(page.get_by_role("heading", level=1, name="Sửa báo rời sổ: Trần Văn Tư")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="Người dân Trần Văn Tư")).to_be_visible()
    expect(page.get_by_role("radio", name="Qua đời")).to_be_checked()
    assert_accessible(page)
    page.get_by_role("radio", name="Tách hộ").check()
    page.get_by_role("button", name="Lưu và gửi lại").click()
    expect(page.get_by_text("Đã đồng bộ (1)")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Bị từ chối")).to_have_count(0)
    tu.refresh_from_db()
    assert tu.left_reason == LeftReason.SPLIT
