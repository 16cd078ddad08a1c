"""The assistant's guides in the field app: kept on the phone, searched without accents, read offline."""

from __future__ import annotations

import contextlib
import gzip
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from binhdan.assistant import offline
from binhdan.assistant.guides import all_guides, parse_guide
from binhdan.common.text import fold
from binhdan.fieldwork import views_app
from tests.browser.test_field_app import APP, open_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
GUIDE_TITLE = "Kích hoạt tài khoản định danh điện tử trên ứng dụng VNeID"
STEP = "Nhập số định danh cá nhân (12 số trên căn cước) và số điện thoại. Bấm Gửi yêu cầu."
STORED = "async () => { const c = await caches.open('binhdan-guides'); return (await c.keys()).length; }"
EXTRA = """---
id: thu-nghiem-ngoai-tuyen
title: Hướng dẫn mới thêm về ruộng đồng số
topics: [tim-kiem-thong-tin]
summary: Một hướng dẫn vừa thêm.
---
## Các bước

1. Bước đầu tiên của hướng dẫn mới.
"""


def wait_for_guides(page: Any, version: str | None = None) -> None:
    """The phone holds the guides (in memory and in Cache Storage), of this version when one is given."""
    if version:
        page.wait_for_function("(v) => window.binhdanGuides.version() === v", arg=version)
    else:
        page.wait_for_function("() => window.binhdanGuides.version() !== null")
    page.wait_for_function(STORED)


def cut_off(page: Any, monkeypatch: Any) -> list[str]:
    """Offline for real: emulation, routing, and a server that refuses the guides (returns the calls)."""
    asked: list[str] = []

    def refuse() -> Any:
        asked.append("guides")
        raise ConnectionRefusedError("the test's phone is offline")

    # Chromium's offline emulation can miss requests of a page a service worker controls
    # (microsoft/playwright#2311): the server refusing too means a guide shown came from the phone.
    monkeypatch.setattr(offline, "offline_guides", refuse)
    page.context.set_offline(True)
    page.context.route("**/tro-ly/**", lambda route: route.abort("internetdisconnected"))
    page.context.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    return asked


def test_the_shell_names_the_assistants_guides_url():
    from django.urls import reverse

    assert reverse("assistant:offline_guides") == views_app.GUIDES_URL
    assert "fieldwork/guides.js" in views_app.SHELL_ASSETS


def test_a_guide_opens_and_is_searched_without_accents_with_no_network(
    live_server, world, browser_page, sign_in_browser, assert_accessible, monkeypatch
):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    wait_for_guides(page)
    asked = cut_off(page, monkeypatch)

    page.get_by_role("link", name="Hướng dẫn", exact=True).click()
    expect(page.get_by_role("heading", name="Hướng dẫn", exact=True)).to_be_visible()
    expect(page.get_by_text(f"{len(all_guides())} hướng dẫn đã lưu trên máy")).to_be_visible()
    page.get_by_label("Tìm hướng dẫn").fill("kich hoat vneid")
    results = page.locator("#guide-results a.title")
    expect(results.first).to_have_text(GUIDE_TITLE)  # the title match ranks first
    expect(page.get_by_text("hướng dẫn khớp với “kich hoat vneid”")).to_be_visible()
    expect(page.get_by_role("link", name="Bán hàng trên TikTok Shop, Shopee và livestream")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name=GUIDE_TITLE, exact=True).click()
    expect(page.get_by_role("heading", name=GUIDE_TITLE, level=1)).to_be_visible()
    steps = page.locator("ol.steps > li")
    expect(steps.nth(1)).to_have_text(STEP)
    expect(steps).to_have_count(8)
    expect(page.get_by_role("heading", name="Lưu ý an toàn")).to_be_visible()
    expect(page.get_by_text("Không có mạng")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "field-app-guides-360.png"), full_page=True)

    page.reload()  # still offline: the service worker serves the app, Cache Storage the guides
    expect(page.get_by_role("heading", name=GUIDE_TITLE, level=1)).to_be_visible()
    expect(page.locator("ol.steps > li").nth(1)).to_have_text(STEP)
    page.get_by_role("link", name="Tất cả hướng dẫn").click()
    page.get_by_label("Tìm hướng dẫn").fill("ĐỔI ĐIỆN THOẠI vneid")  # accents and capitals fold the same
    expect(page.locator("#guide-results a.title").first).to_contain_text("VNeID")
    page.get_by_label("Tìm hướng dẫn").fill("dk tk vneid")  # chat abbreviations: đăng ký tài khoản
    expect(page.locator("#guide-results a.title").first).to_contain_text("VNeID")
    page.get_by_label("Tìm hướng dẫn").fill("zzqx khong co")
    expect(page.get_by_text("Không tìm thấy hướng dẫn nào")).to_be_visible()
    assert asked == []  # nothing came from the server while offline


def test_the_apps_folding_is_the_servers(live_server, world, browser_page, sign_in_browser):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    samples = [g.title for g in all_guides().values()] + [
        unicodedata.normalize("NFD", "Đặng Thị Hoà  thuận"),
        "ĐĂNG KÝ   KHAI SINH",
        "  Mỹ Lý, quý kỳ  ",
        "Ứng dụng VNeID mức 2 — Ổn định",
    ]
    folded = page.evaluate("(texts) => texts.map(window.binhdanGuides.fold)", samples)
    assert folded == [fold(text) for text in samples]
    keys = page.evaluate("(texts) => texts.map(window.binhdanGuides.searchKey)", samples)
    assert keys == [offline.search_key(text) for text in samples]


def test_guides_are_a_small_lazy_load_checked_by_version_and_refreshed_when_it_changes(
    live_server, world, browser_page, sign_in_browser, monkeypatch, tmp_path
):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    sizes: dict[str, int] = {}
    guides: list[Any] = []

    def remember(response: Any) -> None:
        if views_app.GUIDES_URL in response.url:
            guides.append(response)
        if response.request.resource_type in (
            "document",
            "script",
            "stylesheet",
            "image",
            "manifest",
            "fetch",
        ):
            with contextlib.suppress(Exception):
                sizes[response.url] = len(gzip.compress(response.body()))

    page.on("response", remember)
    open_app(page, live_server)
    wait_for_guides(page, offline.offline_guides().version)
    url = live_server.url + views_app.GUIDES_URL
    added = sizes[url]
    total = sum(sizes.values())
    print(f"first load {total} bytes compressed, of which the guides {added} (fetched after the first sync)")
    assert added <= 150 * 1024, f"the guides add {added} bytes compressed"
    assert [r.status for r in guides] == [200]
    assert guides[0].headers["content-encoding"] == "gzip"

    # Opened again online: the phone asks with its version and the server answers 304, no body.
    with page.expect_response(lambda r: views_app.GUIDES_URL in r.url) as checked:
        page.reload()
    assert checked.value.status == 304
    version = offline.offline_guides().version
    assert checked.value.request.headers["if-none-match"] == f'"{version}"'

    # A guide added on the server: a new version, fetched and stored at the next check.
    (tmp_path / "extra.md").write_text(EXTRA, encoding="utf-8")
    changed = offline.build([*all_guides().values(), parse_guide(tmp_path / "extra.md")])
    monkeypatch.setattr(offline, "offline_guides", lambda: changed)
    page.reload()
    wait_for_guides(page, changed.version)
    page.goto(page.url.split("#")[0] + "#/huong-dan?q=ruong dong so")
    expect(page.get_by_role("link", name="Hướng dẫn mới thêm về ruộng đồng số")).to_be_visible()


def test_signing_out_deletes_the_guides_with_the_rest(live_server, world, browser_page, sign_in_browser):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    wait_for_guides(page)
    assert "binhdan-guides" in page.evaluate("caches.keys()")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/tai-khoan/dang-nhap/**")
    assert page.evaluate("caches.keys()") == []
    page.goto(live_server.url + APP)
    assert "/tai-khoan/dang-nhap/" in page.url
