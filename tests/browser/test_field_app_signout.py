"""Shared and lost phones: sign-out leaves no personal data; the app asks to keep its storage."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from binhdan.fieldwork.models import Visit
from tests.browser.test_field_app import APP, open_app, record_visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NAMES = ["Nguyễn Thị Hoà", "Nguyễn Văn An"]  # the household head / resident and the signed-in member
SKILL = "Sử dụng tài khoản định danh điện tử mức 2"

STORAGE = """async () => {
  const pages = [];
  for (const key of await caches.keys()) {
    const cache = await caches.open(key);
    for (const request of await cache.keys()) pages.push(await (await cache.match(request)).text());
  }
  return {
    databases: (await indexedDB.databases()).map((d) => d.name),
    caches: await caches.keys(),
    pages,
    workers: (await navigator.serviceWorker.getRegistrations()).length,
  };
}"""


@pytest.fixture(autouse=True)
def no_pull_lag(monkeypatch):
    from binhdan.fieldwork import sync

    monkeypatch.setattr(sync, "PULL_LAG", dt.timedelta(0), raising=False)


def without_clear_site_data(page: Any) -> list[str]:
    """Strip the server's Clear-Site-Data header from the sign-out answer: the app must wipe on its own."""
    seen: list[str] = []

    def handle(route: Any) -> None:
        seen.append(route.request.method)
        response = route.fetch(max_redirects=0)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "clear-site-data"}
        route.fulfill(response=response, headers=headers)

    page.route("**/tai-khoan/dang-xuat/", handle)
    return seen


def session_key(page: Any) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")


def assert_nothing_personal_left(page: Any, live_server: Any) -> None:
    page.wait_for_url("**/tai-khoan/dang-nhap/**")
    left = page.evaluate(STORAGE)
    assert left == {"databases": [], "caches": [], "pages": [], "workers": 0}
    # Reopened online: the server's sign-in page, not the cached app.
    page.goto(live_server.url + APP)
    assert "/tai-khoan/dang-nhap/" in page.url
    assert page.evaluate(STORAGE)["databases"] == []
    for name in NAMES:
        assert name not in page.content()
    # Reopened offline: no service worker, no cache, nothing to show.
    page.context.set_offline(True)
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED"):
        page.goto(live_server.url + APP)
    page.wait_for_url("chrome-error://**")
    page.wait_for_load_state()
    for name in NAMES:
        assert name not in page.content()
    page.context.set_offline(False)


def test_field_app_sign_out_deletes_every_trace_and_ends_the_session(
    live_server, world, browser_page, sign_in_browser, assert_accessible
):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    expect(page.get_by_role("link", name="Nguyễn Thị Hoà")).to_be_visible()
    expect(page.get_by_text("Đang đăng nhập: Nguyễn Văn An")).to_be_visible()
    assert_accessible(page)
    before = page.evaluate(STORAGE)
    assert before["databases"] == ["binhdan-field"] and before["workers"] == 1 and before["pages"]
    for text in before["pages"]:  # the cached shell and assets: names only ever come from IndexedDB
        for name in NAMES:
            assert name not in text
    key = session_key(page)
    posted = without_clear_site_data(page)

    page.get_by_role("button", name="Đăng xuất").click()

    assert_nothing_personal_left(page, live_server)
    assert posted == ["POST"]
    assert not Session.objects.filter(session_key=key).exists()


def test_unsynced_records_are_counted_before_sign_out_and_the_member_may_stay(
    live_server, world, browser_page, sign_in_browser, assert_accessible
):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    page.context.set_offline(True)
    record_visit(page, "Nguyễn Thị Hoà", "Nguyễn Thị Hoà", SKILL)
    posted = without_clear_site_data(page)

    page.get_by_role("button", name="Đăng xuất").click()  # offline: nothing can be sent
    dialog = page.get_by_role("dialog", name="Còn 1 bản ghi chưa gửi lên máy chủ")
    dialog.wait_for()
    expect(dialog.get_by_text("1 bản ghi này sẽ bị xoá khỏi máy")).to_be_visible()
    expect(dialog.get_by_text("không có mạng")).to_be_visible()
    assert_accessible(page)
    dialog.get_by_role("button", name="Ở lại, chưa đăng xuất").click()
    page.wait_for_selector("text=Đang chờ gửi (1)")
    assert page.evaluate(STORAGE)["databases"] == ["binhdan-field"] and posted == []

    # Back online, the server refuses the record (the resident moved away): still unsent, still warned.
    world.resident_a.household = world.household_b
    world.resident_a.save()
    page.context.set_offline(False)
    page.get_by_role("button", name="Đăng xuất").click()
    dialog.wait_for()
    expect(dialog.get_by_text("1 bị máy chủ từ chối")).to_be_visible()
    dialog.get_by_role("button", name="Vẫn đăng xuất và xoá 1 bản ghi").click()

    assert_nothing_personal_left(page, live_server)
    assert posted == ["POST"] and not Visit.objects.exists()


def test_web_sign_out_sends_the_field_apps_queue_first(live_server, world, browser_page, sign_in_browser):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    page.route("**/api/v1/sync/push", lambda route: route.abort())  # server unreachable from the app
    record_visit(page, "Nguyễn Thị Hoà", "Nguyễn Thị Hoà", SKILL)
    page.unroute("**/api/v1/sync/push")
    page.goto(live_server.url + "/")
    posted = without_clear_site_data(page)

    page.get_by_role("button", name="Đăng xuất").click()  # the web header's form

    assert_nothing_personal_left(page, live_server)
    assert posted == ["POST"]
    assert Visit.objects.filter(household=world.household_a, minutes=20).count() == 1


def test_sign_out_offline_wipes_the_phone_and_finishes_when_the_network_returns(
    live_server, world, browser_page, sign_in_browser
):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    key = session_key(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_selector("text=Đã xoá dữ liệu trên máy này")
    assert "Nguyễn Thị Hoà" not in page.content()
    assert page.evaluate(STORAGE)["databases"] == []
    page.context.set_offline(False)
    page.get_by_role("button", name="Hoàn tất đăng xuất").click()
    page.wait_for_url("**/tai-khoan/dang-nhap/**")
    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.parametrize("granted", [False, True])
def test_the_app_asks_to_keep_its_storage_and_says_when_refused(
    live_server, world, browser_page, sign_in_browser, granted
):
    page = browser_page(width=360)
    page.add_init_script(
        f"""Object.defineProperty(navigator.storage, "persisted", {{ value: async () => false }});
        Object.defineProperty(navigator.storage, "persist", {{
          value: async () => {{ window.persistAsked = true; return {str(granted).lower()}; }} }});"""
    )
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    assert page.evaluate("window.persistAsked") is True
    note = page.locator("#storage-note")
    if granted:
        assert note.is_hidden()
    else:
        expect(note).to_be_visible()
        assert "chưa cho phép giữ dữ liệu lâu dài" in note.inner_text()
