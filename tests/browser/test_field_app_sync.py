"""The field app's half of 'nothing lost, nothing silently wrong': retries, work time, corrections."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from binhdan.fieldwork.models import Visit, WorkTime
from binhdan.testing.personas import make_household
from tests.browser.test_field_app import APP, open_app, record_visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SKILL = "Sử dụng tài khoản định danh điện tử mức 2"
QUEUE = """async () => {
  const db = await new Promise((ok, fail) => { const r = indexedDB.open("binhdan-field"); r.onsuccess = () => ok(r.result); r.onerror = fail; });
  const all = (store) => new Promise((ok) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => ok(r.result); });
  const answer = { queue: await all("queue"), households: await all("households"), residents: await all("residents") };
  db.close();
  return answer;
}"""


@pytest.fixture(autouse=True)
def no_pull_lag(monkeypatch):
    from binhdan.fieldwork import sync

    monkeypatch.setattr(sync, "PULL_LAG", dt.timedelta(0), raising=False)


def go(page: Any, fragment: str) -> None:
    page.goto(page.url.split("#")[0] + fragment)
    page.wait_for_selector("h1")


def local(page: Any) -> dict[str, Any]:
    return page.evaluate(QUEUE)


def save_work_time(page: Any, day: dt.date, hours: str, note: str = "") -> None:
    go(page, "#/gio")
    page.get_by_label("Ngày").fill(day.isoformat())
    page.get_by_label("Số giờ").fill(hours)
    page.get_by_label("Ghi chú").fill(note)
    page.get_by_role("button", name="Lưu giờ làm").click()


def test_work_time_reads_a_decimal_comma_and_keeps_the_servers_rules(
    live_server, world, browser_page, sign_in_browser, assert_accessible
):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    today = timezone.localdate()
    save_work_time(page, today, "1,5")
    page.wait_for_selector("text=Đã đồng bộ (1)")
    save_work_time(page, today - dt.timedelta(days=1), "4,5")
    page.wait_for_selector("text=Đã đồng bộ (2)")
    assert sorted(q["data"]["hours"] for q in local(page)["queue"]) == [1.5, 4.5]
    assert sorted(WorkTime.objects.values_list("hours", flat=True)) == [Decimal("1.50"), Decimal("4.50")]

    refusals = [
        (today + dt.timedelta(days=1), "2", "Ngày làm việc không được ở tương lai."),
        (today - dt.timedelta(days=36), "2", "Chỉ ghi được thời gian hoạt động trong 35 ngày gần đây."),
        (today, "15", f"Ngày {today:%d/%m/%Y} đã có 1,5 giờ; thêm 15 giờ sẽ quá 16 giờ một ngày."),
        (today, "16,5", "Số giờ trong một ngày phải từ 0,25 đến 16."),
        (today, "bốn", "Số giờ phải là một số, ví dụ 4 hoặc 4,5."),
        (today, "1,5,5", "Số giờ phải là một số, ví dụ 4 hoặc 4,5."),
    ]
    for day, hours, message in refusals:
        save_work_time(page, day, hours)
        expect(page.get_by_role("alert").filter(has_text=message)).to_be_visible(), message
    assert_accessible(page)
    assert len(local(page)["queue"]) == 2 and WorkTime.objects.count() == 2
    save_work_time(page, today, "14,5")  # exactly 16 in total is allowed
    page.wait_for_selector("text=Đã đồng bộ (3)")
    assert WorkTime.objects.filter(day=today).count() == 2


def test_the_communes_work_time_limit_from_the_pull_is_used(
    live_server, world, browser_page, sign_in_browser
):
    page = browser_page(width=360)

    def limits(route: Any) -> None:
        response = route.fetch()
        page_json = response.json()
        if "limits" in page_json:
            page_json["limits"]["work_time_max_age_days"] = 7
        route.fulfill(response=response, body=json.dumps(page_json))

    page.route("**/api/v1/sync/pull*", limits)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    save_work_time(page, timezone.localdate() - dt.timedelta(days=8), "3")
    expect(page.get_by_text("Chỉ ghi được thời gian hoạt động trong 7 ngày gần đây.")).to_be_visible()
    save_work_time(page, timezone.localdate() - dt.timedelta(days=7), "3")
    page.wait_for_selector("text=Đã đồng bộ (1)")


def test_the_app_retries_on_its_own_with_growing_delays_when_the_server_is_unreachable(
    live_server, world, browser_page, sign_in_browser
):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    attempts: list[str] = []

    def unreachable(route: Any) -> None:
        attempts.append(route.request.url)
        route.abort("connectionrefused")

    page.route("**/api/v1/sync/push", unreachable)  # the browser still says it is online
    save_work_time(page, timezone.localdate(), "4")
    page.wait_for_selector("text=sẽ tự thử lại sau khoảng")
    for _ in range(120):  # the first try and two retries, with no 'online' event in between
        if len(attempts) >= 3:
            break
        page.wait_for_timeout(250)
    assert len(attempts) >= 3
    page.unroute("**/api/v1/sync/push")
    page.wait_for_selector("text=Đã đồng bộ (1)", timeout=30_000)
    assert WorkTime.objects.count() == 1

    delays = page.evaluate("[...Array(16).keys()].map((n) => window.binhdanField.retryDelay(n))")
    for attempt, delay in enumerate(delays):
        ceiling = min(300_000, 2_000 * 2**attempt)
        assert ceiling / 2 <= delay <= ceiling, (attempt, delay)
    assert delays[-1] <= 300_000


def test_a_rejected_visit_names_the_person_and_can_be_corrected_and_sent_again(
    live_server, world, browser_page, sign_in_browser, assert_accessible
):
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
        error = {
            "field": "people[0].resident",
            "message": "Đã được xoá khỏi sổ theo yêu cầu.",
            "resident": world.resident_a.pk,
        }
        body = {"results": [{"uuid": record["uuid"], "status": "rejected", "errors": [error]}]}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/api/v1/sync/push", refuse_once)
    record_visit(page, "Nguyễn Thị Hoà", "Nguyễn Thị Hoà", SKILL)
    go(page, "#/dong-bo")
    page.wait_for_selector("text=Bị từ chối (1)")
    expect(page.get_by_text("Người dân Nguyễn Thị Hoà: đã được xoá khỏi sổ theo yêu cầu.")).to_be_visible()

    page.get_by_role("link", name="Sửa và gửi lại").click()
    page.wait_for_selector("text=Sửa lượt hỗ trợ: hộ Nguyễn Thị Hoà")
    expect(page.get_by_role("alert").filter(has_text="Người dân Nguyễn Thị Hoà")).to_be_visible()
    assert page.get_by_label("Nguyễn Thị Hoà (1960)").is_checked()
    assert page.get_by_label(SKILL).first.input_value() == "guided"
    assert page.get_by_role("spinbutton", name="Số phút").input_value() == "20"
    assert_accessible(page)
    page.get_by_role("spinbutton", name="Số phút").fill("25")
    page.get_by_role("button", name="Lưu và gửi lại").click()
    page.wait_for_selector("text=Đã đồng bộ (1)")
    assert page.get_by_text("Bị từ chối").count() == 0

    visit = Visit.objects.get()
    assert visit.minutes == 25 and str(visit.uuid) != refused[0]
    assert [q["uuid"] for q in local(page)["queue"]] == [str(visit.uuid)]


def test_a_household_in_the_pulls_removed_list_disappears_from_the_phone(
    live_server, world, browser_page, sign_in_browser
):
    other = make_household(world.village_a, "Trần Văn Đạt")
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    expect(page.get_by_role("link", name="Trần Văn Đạt")).to_be_visible()
    tombstones = {"households": [other.pk], "residents": [world.resident_a.pk]}

    def removed(route: Any) -> None:
        response = route.fetch()
        body = response.json()
        body["removed"] = tombstones
        route.fulfill(response=response, body=json.dumps(body))

    page.route("**/api/v1/sync/pull*", removed)
    page.evaluate("window.binhdanField.syncNow()")
    page.get_by_role("link", name="Trần Văn Đạt").wait_for(state="detached")
    stored = local(page)
    assert other.pk not in [h["id"] for h in stored["households"]]
    kept = {r["household"] for r in stored["residents"]}
    assert other.pk not in kept and world.resident_a.pk not in [r["id"] for r in stored["residents"]]
    assert world.household_a.pk in [h["id"] for h in stored["households"]]


def test_a_household_moved_out_of_scope_disappears_on_the_next_pull(
    live_server, world, browser_page, sign_in_browser
):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    expect(page.get_by_role("link", name="Nguyễn Thị Hoà")).to_be_visible()
    from binhdan.registry import services as registry

    registry.update_household(by=world.officer, household=world.household_a, village=world.village_b)
    page.evaluate("window.binhdanField.syncNow()")
    page.get_by_role("link", name="Nguyễn Thị Hoà").wait_for(state="detached")
    assert local(page)["residents"] == []


def test_a_new_screen_opens_at_its_top_with_the_focus_on_its_heading(
    live_server, world, browser_page, sign_in_browser
):
    for n in range(40):
        make_household(world.village_a, f"Hộ Thử Số {n:02d}", address=f"Xóm {n}, Thôn Đông")
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    last = page.locator("a.title").last
    last.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 500
    name = last.inner_text()
    last.click()
    heading = page.get_by_role("heading", level=1, name=f"Hộ {name}")
    heading.wait_for()
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.activeElement.tagName") == "H1"
    bar = page.locator("header.bar").bounding_box()
    box = heading.bounding_box()
    assert bar is not None and box is not None and box["y"] >= bar["y"] + bar["height"]


def test_typed_text_is_stored_and_sent_in_nfc(live_server, world, browser_page, sign_in_browser):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    typed = unicodedata.normalize("NFD", "Hẹn con trai về hướng dẫn thêm ở nhà văn hoá")
    page.get_by_role("link", name="Nguyễn Thị Hoà").click()
    page.get_by_role("link", name="Ghi lượt hỗ trợ").click()
    page.get_by_label("Nguyễn Thị Hoà").check()
    page.get_by_label("Ghi chú").fill(typed)
    page.get_by_role("button", name="Lưu lượt hỗ trợ").click()
    page.wait_for_selector("text=Lượt hỗ trợ ghi trên máy này")
    save_work_time(page, timezone.localdate(), "2", note=unicodedata.normalize("NFD", "Chợ số Thôn Đông"))
    page.wait_for_selector("text=Đã đồng bộ (2)")
    queue = {q["type"]: q["data"] for q in local(page)["queue"]}
    assert queue["visit"]["notes"] == unicodedata.normalize("NFC", typed)
    assert queue["work_time"]["note"] == "Chợ số Thôn Đông"
    assert Visit.objects.get().notes == unicodedata.normalize("NFC", typed)


def test_the_field_app_shell_has_no_inline_script_and_breaks_no_policy(
    live_server, world, browser_page, sign_in_browser, client_for
):
    import re

    html = client_for(world.member_a).get(APP).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+\s*=", html) and "style=" not in html
    page = browser_page(width=360)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    for fragment in [f"#/ho/{world.household_a.pk}/ghi", "#/gio", "#/dong-bo"]:
        go(page, fragment)
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/tai-khoan/dang-nhap/**")
    assert violations == []
