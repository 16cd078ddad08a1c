"""The field app on a phone: works offline, queues, survives a reload, syncs when the network returns."""

import contextlib
import datetime as dt
import gzip

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from binhdan.fieldwork import sync
from binhdan.fieldwork.models import ClassAttendance, CommunityClass, Visit
from binhdan.fieldwork.views_app import GUIDES_URL
from binhdan.registry.models import SkillObservation
from binhdan.testing.personas import make_household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
APP = "/hien-truong/"


def open_app(page, live_server):
    page.goto(live_server.url + APP)
    page.evaluate("navigator.serviceWorker.ready")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("!!navigator.serviceWorker.controller")
    page.wait_for_selector("text=Đã đồng bộ lúc")


def record_visit(page, head_name, resident_name, skill_label):
    page.goto(page.url.split("#")[0] + "#/")
    page.get_by_role("link", name=head_name).click()
    page.get_by_role("link", name="Ghi lượt hỗ trợ").click()
    page.get_by_label(resident_name).check()
    page.get_by_label(skill_label).first.select_option("guided")
    page.get_by_role("button", name="20 phút").click()
    page.get_by_role("button", name="Lưu lượt hỗ trợ").click()
    page.wait_for_selector("text=Lượt hỗ trợ ghi trên máy này")


def test_offline_visits_and_attendance_survive_a_reload_and_sync(
    live_server, world, browser_page, sign_in_browser, assert_accessible, monkeypatch
):
    make_household(world.village_a, "Trần Văn Đạt")
    make_household(world.village_a, "Lê Thị Mận")
    community_class = CommunityClass.objects.create(
        title="Lớp VNeID cho người cao tuổi",
        place=world.commune,
        held_on=timezone.localdate() + dt.timedelta(days=2),
    )
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    expect(page.get_by_role("link", name="Nguyễn Thị Hoà")).to_be_visible()
    assert page.get_by_role("link", name="Đặng Văn Đức").count() == 0  # another village stays off the phone
    assert_accessible(page)

    page.context.set_offline(True)
    # Chromium's offline emulation and Playwright's routing both miss some requests of a page that a
    # service worker controls (microsoft/playwright#2311), and CI on PostgreSQL once saw the visits
    # arrive "offline". The server refusing pushes as well keeps the phone really cut off until the
    # network comes back; what the test checks is the phone's queue, not the emulation.
    page.context.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    real_push = sync.push
    network = {"off": True}

    def push_unless_offline(**kwargs):
        if network["off"]:
            raise ConnectionRefusedError("the test's phone is offline")
        return real_push(**kwargs)

    monkeypatch.setattr(sync, "push", push_unless_offline)
    record_visit(page, "Nguyễn Thị Hoà", "Nguyễn Thị Hoà", "Sử dụng tài khoản định danh điện tử mức 2")
    expect(page.get_by_text("Không có mạng")).to_be_visible()
    record_visit(page, "Trần Văn Đạt", "Trần Văn Đạt", "Thanh toán hoá đơn, chuyển tiền bằng mã QR")
    record_visit(page, "Lê Thị Mận", "Lê Thị Mận", "Nhận biết, phòng tránh lừa đảo trực tuyến")
    page.goto(page.url.split("#")[0] + "#/lop")
    page.get_by_role("link", name="Lớp VNeID cho người cao tuổi").click()
    page.get_by_label("Nguyễn Thị Hoà").check()
    page.get_by_role("button", name="Lưu điểm danh").click()
    page.wait_for_selector("text=Đang chờ gửi (4)")
    assert_accessible(page)

    page.reload()  # still offline: the service worker serves the app, IndexedDB keeps the queue
    page.wait_for_selector("text=Đang chờ gửi (4)")
    assert Visit.objects.count() == 0

    network["off"] = False
    page.context.unroute("**/api/**")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("text=Đã đồng bộ (4)", timeout=15_000)
    assert Visit.objects.count() == 3
    assert ClassAttendance.objects.filter(community_class=community_class, resident=world.resident_a).exists()
    assert SkillObservation.objects.filter(source="visit").count() == 3

    page.goto(live_server.url + f"/ho/{world.household_a.pk}/")
    expect(page.get_by_text("Lượt hỗ trợ (1)")).to_be_visible()
    expect(page.get_by_text("Tại nhà (đi từng ngõ, gõ từng nhà), 20 phút")).to_be_visible()
    assert_accessible(page)


def test_rejected_records_show_why_in_vietnamese(live_server, world, browser_page, sign_in_browser):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    # A visit to a resident who was moved to another household meanwhile is refused by the server.
    page.context.set_offline(True)
    record_visit(page, "Nguyễn Thị Hoà", "Nguyễn Thị Hoà", "Sử dụng tài khoản định danh điện tử mức 2")
    world.resident_a.household = world.household_b
    world.resident_a.save()
    page.context.set_offline(False)
    page.goto(page.url.split("#")[0] + "#/dong-bo")
    page.get_by_role("button", name="Đồng bộ ngay").click()
    page.wait_for_selector("text=Bị từ chối (1)")
    expect(page.get_by_text("Người này không thuộc hộ được hỗ trợ.")).to_be_visible()
    assert not Visit.objects.exists()


def test_first_load_is_small_and_the_visit_form_needs_no_network(
    live_server, world, browser_page, sign_in_browser
):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    sizes: dict[str, int] = {}

    def remember(response):
        if response.request.resource_type in (
            "document",
            "script",
            "stylesheet",
            "image",
            "manifest",
            "fetch",
        ):
            # Redirects and aborted responses have no body to count.
            with contextlib.suppress(Exception):
                sizes[response.url] = len(gzip.compress(response.body()))

    page.on("response", remember)
    # The offline guides are fetched right after the first sync: wait for them, so they are counted in
    # the first load and are not still arriving once the network is cut below.
    with page.expect_response(lambda response: response.url.endswith(GUIDES_URL), timeout=30_000):
        open_app(page, live_server)
    total = sum(sizes.values())
    assert total <= 200 * 1024, f"first load {total} bytes compressed"

    from_network: list[str] = []
    page.on(
        "response",
        lambda response: None if response.from_service_worker else from_network.append(response.url),
    )
    page.context.set_offline(True)  # proves it: the form must open with no network at all
    page.get_by_role("link", name="Nguyễn Thị Hoà").click()
    page.get_by_role("link", name="Ghi lượt hỗ trợ").click()
    page.wait_for_selector("text=Ai có mặt?")
    assert from_network == []


def test_each_field_app_screen_passes_axe(
    live_server, world, browser_page, sign_in_browser, assert_accessible
):
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.member_a)
    open_app(page, live_server)
    base = page.url.split("#")[0]
    for fragment in [
        f"#/ho/{world.household_a.pk}",
        f"#/ho/{world.household_a.pk}/ghi",
        "#/lop",
        "#/gio",
        "#/dong-bo",
    ]:
        page.goto(base + fragment)
        page.wait_for_selector("h1")
        assert_accessible(page)


def test_manifest_makes_the_app_installable(live_server, world, client_for):
    client = client_for(world.member_a)
    manifest = client.get("/hien-truong/manifest.webmanifest").json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == APP
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    worker = client.get("/hien-truong/sw.js")
    assert worker["Content-Type"].startswith("application/javascript") and b"caches.open" in worker.content
