"""Scam reports in the browser: a member records one with no network and it syncs later; the commune's
warning shows on the field app's home screen and is shared with its guide link; the public form."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from binhdan.fieldwork import scams, sync
from binhdan.fieldwork.models import ScamReport, SyncReceipt
from binhdan.fieldwork.models_scams import ScamSource
from tests.browser.test_field_app import open_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def go(page, fragment: str) -> None:
    page.goto(page.url.split("#")[0] + fragment)
    page.wait_for_selector("h1")


def test_a_member_records_a_scam_report_offline_and_it_syncs_once_later(
    live_server, world, browser_page, sign_in_browser, assert_accessible, monkeypatch
):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)

    page.context.set_offline(True)
    # As in test_field_app.py: Chromium's offline emulation misses some requests of a page a service
    # worker controls, so the server refuses pushes too until the network is back.
    page.context.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    real_push = sync.push
    network = {"off": True}

    def push_unless_offline(**kwargs):
        if network["off"]:
            raise ConnectionRefusedError("the test's phone is offline")
        return real_push(**kwargs)

    monkeypatch.setattr(sync, "push", push_unless_offline)

    page.get_by_role("link", name="Báo lừa đảo").first.click()
    expect(page.get_by_role("heading", level=1, name="Báo lừa đảo")).to_be_visible()
    expect(page.get_by_text("Không có mạng")).to_be_visible()
    # The phone checks what the server checks.
    page.get_by_label("Số tiền bị mất").fill("một triệu")
    page.get_by_role("button", name="Lưu tin báo").click()
    expect(page.get_by_role("alert").filter(has_text="Hãy chọn kẻ gian liên lạc qua đâu.")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="Hãy chọn thủ đoạn")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="Số tiền bị mất phải là số nguyên")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("radio", name="Cuộc gọi điện thoại").check()
    page.get_by_label("Thủ đoạn").select_option("cap_nhat_vneid")
    page.get_by_label("Số tiền bị mất").fill("1.500.000")
    page.get_by_label("Mô tả ngắn").fill("Số 0823 125 xxx xưng công an xã, gửi link cài VNeID mới.")
    expect(page.get_by_role("alert").filter(has_text="Hãy chọn kẻ gian liên lạc qua đâu.")).to_be_hidden()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "scams-field-app-form.png"), full_page=True)
    page.get_by_role("button", name="Lưu tin báo").click()
    expect(page.get_by_text("Đang chờ gửi (1)")).to_be_visible()
    expect(page.get_by_text("Báo lừa đảo · Bảo cập nhật, tích hợp VNeID")).to_be_visible()

    page.reload()  # still offline: the service worker serves the app, IndexedDB keeps the queue
    expect(page.get_by_text("Đang chờ gửi (1)")).to_be_visible()
    assert not ScamReport.objects.exists()

    network["off"] = False
    page.context.unroute("**/api/**")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_text("Đã đồng bộ (1)")).to_be_visible(timeout=15_000)
    report = ScamReport.objects.get()
    assert (report.village, report.reported_by, report.source) == (
        world.village_a,
        world.member_a,
        ScamSource.MEMBER,
    )
    assert report.amount_lost == 1_500_000 and report.pretext == "cap_nhat_vneid" and report.channel == "call"
    assert report.happened_on == timezone.localdate()

    page.get_by_role("button", name="Đồng bộ ngay").click()  # a later sync sends nothing again
    expect(page.get_by_text("Đã đồng bộ lúc")).to_be_visible()
    assert ScamReport.objects.count() == 1 and SyncReceipt.objects.filter(kind="scam_report").count() == 1


def test_the_communes_warning_is_on_the_home_screen_and_shared_with_its_guide_link(
    live_server, world, browser_page, sign_in_browser, assert_accessible
):
    warning = scams.publish_warning(
        by=world.officer,
        commune=world.commune,
        title="Cảnh giác cuộc gọi bảo cập nhật VNeID",
        text=scams.PRETEXT_GUIDES["cap_nhat_vneid"].advice,
        pretext="cap_nhat_vneid",
        villages=[world.village_a],
    )
    link = settings.SITE_URL.rstrip("/") + "/tro-ly/huong-dan/lua-dao-gia-danh-cong-an-cap-nhat-vneid/"
    page = browser_page(width=360)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    # The phone's share sheet, recorded instead of opened.
    page.context.add_init_script(
        "window.__shared = []; navigator.share = (data) => { window.__shared.push(data); return Promise.resolve(); };"
    )
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    expect(page.get_by_role("heading", name="Cảnh báo lừa đảo của xã")).to_be_visible()
    expect(page.get_by_role("heading", name=warning.title)).to_be_visible()
    expect(page.get_by_role("link", name="Xem hướng dẫn phòng tránh")).to_have_attribute("href", link)
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "scams-field-app-home.png"), full_page=False)

    page.get_by_role("button", name=f"Chia sẻ Zalo — {warning.title}").click()
    expect(page.get_by_text("Đã mở chia sẻ")).to_be_visible()
    shared = page.evaluate("window.__shared")
    assert len(shared) == 1 and shared[0]["text"].endswith(link) and warning.text in shared[0]["text"]

    # Without a share sheet (a laptop): the text and link go to the clipboard.
    page.evaluate("navigator.share = undefined")
    page.get_by_role("button", name=f"Chia sẻ Zalo — {warning.title}").click()
    expect(page.get_by_text("Đã chép nội dung cảnh báo và đường link")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()").endswith(link)

    # Offline, the warning is still there (it came with /api/v1/me and lives in IndexedDB).
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name=warning.title)).to_be_visible()


def test_a_resident_reports_on_the_public_form_and_the_officer_sees_the_pattern_and_warns(
    live_server, world, browser_page, sign_in_browser, assert_accessible
):
    page = browser_page(width=360)
    page.goto(live_server.url + "/bao-lua-dao/")
    page.get_by_label("Tên xã, phường nơi bạn ở").fill("son dong")
    page.get_by_role("button", name="Tìm xã").click()
    page.get_by_role("link", name="Xã Sơn Đông").click()
    expect(page.get_by_role("heading", level=1, name="Báo tin lừa đảo — Xã Sơn Đông")).to_be_visible()
    page.get_by_label("Số tiền bị mất (đồng)").fill("NaN")
    page.get_by_role("button", name="Gửi tin báo").click()
    expect(page.get_by_text("Hãy chọn kẻ gian liên lạc qua đâu.")).to_be_visible()
    expect(page.get_by_text("Số tiền bị mất phải là số nguyên")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Tin nhắn SMS").check()
    page.get_by_label("Trúng thưởng, nhận quà, nhận tiền hỗ trợ").check()
    page.get_by_label("Số tiền bị mất (đồng)").fill("")
    page.get_by_label("Thôn, tổ dân phố nơi bạn ở").select_option(label="Thôn Tây")
    page.get_by_label("Kể ngắn gọn").fill("Tin nhắn bảo bấm link nhận 100.000 đồng quà 2/9.")
    page.screenshot(path=str(SCREENSHOTS / "scams-public-form.png"), full_page=True)
    page.get_by_role("button", name="Gửi tin báo").click()
    expect(page.get_by_role("heading", name="Cảm ơn bạn đã báo tin")).to_be_visible()
    assert ScamReport.objects.get().village == world.village_b

    officer = browser_page(width=1280)
    sign_in_browser(officer, live_server, world.officer)
    officer.goto(live_server.url + f"/xa/{world.commune.pk}/lua-dao/")
    expect(officer.get_by_text("Thủ đoạn được báo nhiều nhất")).to_be_visible()
    assert_accessible(officer)
    officer.screenshot(path=str(SCREENSHOTS / "scams-patterns.png"), full_page=True)
    officer.get_by_role("link", name="Đăng cảnh báo về thủ đoạn này").click()
    expect(officer.get_by_label("Nội dung cảnh báo")).to_have_value(
        scams.PRETEXT_GUIDES["trung_thuong"].advice
    )
    officer.get_by_label("Thôn Tây").check()
    officer.get_by_role("button", name="Đăng cảnh báo").click()
    expect(officer.get_by_text("Đã đăng cảnh báo")).to_be_visible()
    expect(officer.get_by_text("Đang hiện")).to_be_visible()
    assert_accessible(officer)
    officer.screenshot(path=str(SCREENSHOTS / "scams-warnings.png"), full_page=True)
    officer.get_by_role("button", name="Thu hồi").click()
    expect(officer.get_by_text("Đã thu hồi cảnh báo")).to_be_visible()
