"""A commune officer at a phone (360 px) and at a desk (1280 px) imports the plan's annex of tasks, checks
the preview (row errors, the deadline kept in words), confirms, and marks a task done (issue 11 point 6).

Each page passes axe-core and does not scroll sideways at 360 px. Screenshots: docs/screenshots/
tasks-{preview,list,detail}-{360,1280}.png.
"""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from binhdan.reports.models_tasks import PlanTask, TaskStatus
from binhdan.reports.tests.files.annex import messy_annex

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
WIDTHS = [360, 1280]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)


def _check(page, assert_accessible, name: str, width: int) -> None:
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)
    if width == 360:
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{name} must not scroll sideways on a 360 px phone"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"tasks-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_imports_the_annex_and_marks_a_task_done(
    live_server, world, browser_page, sign_in_browser, assert_accessible, width
):
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("reports:tasks", args=[world.commune.pk]))
    expect(page.get_by_text("Xã chưa có nhiệm vụ kế hoạch nào.")).to_be_visible()
    page.get_by_role("link", name="Nhập phụ lục từ Excel").click()
    expect(page.get_by_role("heading", name="Nhập phụ lục nhiệm vụ từ Excel")).to_be_visible()
    page.get_by_label("Tệp phụ lục nhiệm vụ").set_input_files(
        files=[
            {"name": "phu-luc-nhiem-vu.xlsx", "mimeType": "application/octet-stream", "buffer": messy_annex()}
        ]
    )
    page.get_by_role("button", name="Tải lên và xem trước").click()
    expect(page.get_by_role("heading", name="Xem trước phụ lục nhiệm vụ")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("ngày «31/02/2026» không có trong lịch")
    expect(page.get_by_text("không đọc được thời hạn «Khi tỉnh, xã tổ chức hội nghị»").first).to_be_visible()
    _check(page, assert_accessible, "preview", width)
    assert not PlanTask.objects.exists()
    page.get_by_role("button", name="Xác nhận nhập 7 nhiệm vụ").click()
    expect(page.get_by_text("Đã nhập phụ lục: 7 nhiệm vụ mới")).to_be_visible()
    expect(page.get_by_role("heading", name="I. Truyền thông và tuyên truyền")).to_be_visible()
    expect(page.locator(".task-counts")).to_contain_text("7 nhiệm vụ")
    _check(page, assert_accessible, "list", width)

    page.get_by_role(
        "link", name="Tạo chuyên mục “Chuyển đổi số” trên Trang thông tin điện tử của xã"
    ).click()
    expect(page.get_by_role("heading", name="Cập nhật trạng thái")).to_be_visible()
    page.get_by_label("Trạng thái").select_option("done")
    page.get_by_label("Kết quả thực hiện").fill("Đã mở chuyên mục và 01 Fanpage.")
    page.get_by_role("button", name="Lưu trạng thái").click()
    expect(page.get_by_text("Đã lưu trạng thái: Đã hoàn thành.")).to_be_visible()
    expect(page.locator(".badge.st-done")).to_have_text("Đã hoàn thành")
    _check(page, assert_accessible, "detail", width)
    task = PlanTask.objects.get(title__startswith="Tạo chuyên mục")
    assert task.status == TaskStatus.DONE and task.result_note == "Đã mở chuyên mục và 01 Fanpage."
