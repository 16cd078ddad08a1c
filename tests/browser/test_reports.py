"""The commune officer makes the commune's summary report, writes its difficulties and submits it; the commune
leader approves it. Each page passes axe-core and does not scroll sideways at 360 px.

Screenshots of the list, the report page and the create form at 1280 and 360 px are written to
docs/screenshots/reports-*.png.
"""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from binhdan.registry import services as registry
from binhdan.registry.models import Evidence, Source, StatusField
from binhdan.reports.models import Report, ReportStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _check(page, assert_accessible, name: str, width: int) -> None:
    assert page.locator("h1").count() == 1
    assert_accessible(page)
    if width == 360:
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{name} must not scroll sideways on a 360 px phone"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"reports-{name}-{width}.png"), full_page=True)


def test_officer_makes_edits_and_submits_the_summary_and_the_leader_approves(
    live_server, world, browser_page, sign_in_browser, assert_accessible
):
    today = timezone.localdate()
    registry.record_status(
        by=world.officer, resident=world.resident_a, observed_on=today, source=Source.OFFICER,
        facts=[registry.StatusFact(StatusField.SMARTPHONE, 1, Evidence.SEEN)],
    )  # fmt: skip
    officer = browser_page(width=1280, height=900)
    sign_in_browser(officer, live_server, world.officer)
    officer.goto(live_server.url + reverse("reports:index"))
    expect(officer.get_by_role("heading", name=f"Báo cáo — {world.commune.name}")).to_be_visible()
    expect(officer.get_by_text("Chưa có báo cáo nào.")).to_be_visible()
    officer.get_by_role("link", name="+ Lập báo cáo").click()
    expect(officer.get_by_role("heading", name="Lập báo cáo")).to_be_visible()
    officer.get_by_label("Loại báo cáo").select_option(label="Báo cáo tổng hợp của UBND xã")
    # The script hides what a commune summary does not need (team, campaign, one day).
    expect(officer.get_by_label("Tổ lập báo cáo")).to_be_hidden()
    expect(officer.get_by_label("Kỳ báo cáo")).to_be_visible()
    officer.get_by_label("Kỳ báo cáo").select_option(value="theo-yeu-cau")
    expect(officer.get_by_label("Từ ngày")).to_be_visible()
    officer.get_by_label("Kỳ báo cáo").select_option(index=0)
    expect(officer.get_by_label("Từ ngày")).to_be_hidden()
    _check(officer, assert_accessible, "create", 1280)
    officer.get_by_role("button", name="Lập bản nháp").click()

    expect(officer.get_by_text("Đã lập bản nháp")).to_be_visible()
    expect(officer.get_by_role("heading", name="I. Kết quả thực hiện các chỉ tiêu")).to_be_visible()
    difficulties = officer.get_by_role("textbox", name="Khó khăn, vướng mắc")
    difficulties.fill("- Nhiều người cao tuổi ở Thôn Tây chưa có điện thoại thông minh.")
    officer.get_by_role("button", name="Lưu nội dung").click()
    expect(officer.get_by_text("Đã lưu nội dung báo cáo.")).to_be_visible()
    expect(officer.locator("article.document")).to_contain_text("Nhiều người cao tuổi ở Thôn Tây")
    officer.get_by_role("link", name="Nộp báo cáo").click()
    expect(officer.get_by_text("được cố định")).to_be_visible()
    _check(officer, assert_accessible, "submit", 1280)
    officer.get_by_role("button", name="Nộp báo cáo").click()
    expect(officer.get_by_text("Đã nộp báo cáo.")).to_be_visible()
    report = Report.objects.get()
    assert report.status == ReportStatus.SUBMITTED

    leader = browser_page(width=360)
    sign_in_browser(leader, live_server, world.leader)
    leader.goto(live_server.url + reverse("reports:report", args=[report.pk]))
    expect(leader.get_by_role("heading", name="Duyệt báo cáo")).to_be_visible()
    leader.get_by_role("button", name="Trả lại").click()
    expect(leader.locator(".decide .error")).to_contain_text("Hãy ghi lý do trả lại")
    assert Report.objects.get().status == ReportStatus.SUBMITTED
    leader.get_by_role("button", name="Duyệt", exact=True).click()
    expect(leader.get_by_text("Đã duyệt báo cáo.")).to_be_visible()
    expect(leader.locator(".badges").first).to_contain_text("Đã duyệt")
    assert Report.objects.get().status == ReportStatus.APPROVED

    # The pages as the officer sees them, at a desk and on a phone.
    for width in (1280, 360):
        page = officer if width == 1280 else browser_page(width=360)
        if width == 360:
            sign_in_browser(page, live_server, world.officer)
        page.goto(live_server.url + reverse("reports:commune", args=[world.commune.pk]))
        expect(
            page.get_by_role("link", name=f"Báo cáo tổng hợp của UBND xã {report.period_label}")
        ).to_be_visible()
        _check(page, assert_accessible, "list", width)
        page.goto(live_server.url + reverse("reports:report", args=[report.pk]))
        expect(page.get_by_text("Số liệu đã cố định")).to_be_visible()
        _check(page, assert_accessible, "report", width)
        if width == 360:
            page.goto(live_server.url + reverse("reports:create", args=[world.commune.pk]))
            expect(page.get_by_role("heading", name="Lập báo cáo")).to_be_visible()
            _check(page, assert_accessible, "create", width)
