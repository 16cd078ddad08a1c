"""The commune officer, at a phone (360 px) and at a desk (1280 px), runs a VNeID drive: filters the
residents 14+ without VNeID level 2 in a village, creates the drive, prints the invitation slips (a PDF
download) and records who came and what level they reached.

Each page passes axe-core. Screenshots go to the test's tmp_path as programmes-*.png; with
BINHDAN_SCREENSHOTS=1 they are written to docs/screenshots/ (the committed copies come from such a run).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from binhdan.programmes.models import Drive
from binhdan.registry.models import StatusObservation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [360, 1280]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _check(page, assert_accessible, shots: Path, name: str, width: int) -> None:
    assert page.locator("h1").count() == 1
    assert_accessible(page)
    if width == 360:
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{name} must not scroll sideways on a 360 px phone"
    folder = DOCS if os.environ.get("BINHDAN_SCREENSHOTS") == "1" else shots
    page.screenshot(path=str(folder / f"programmes-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_runs_a_vneid_drive(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path, width
):
    world.leader_a.phone = "0912 345 678"
    world.leader_a.save()
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("fieldwork:commune_detail", args=[world.commune.pk]))
    page.get_by_role("link", name="Chương trình và vận động").click()
    expect(page.get_by_role("heading", name="Mỗi công dân - Một danh tính số")).to_be_visible()
    _check(page, assert_accessible, tmp_path, "index", width)

    page.get_by_role("link", name="Mỗi công dân - Một danh tính số").click()
    page.get_by_label("Thôn").select_option(label="Thôn Đông")
    page.get_by_role("button", name="Lọc").click()
    expect(page.get_by_role("cell", name="Nguyễn Thị Hoà").first).to_be_visible()
    expect(page.get_by_role("cell", name="Đặng Văn Đức")).to_have_count(0)
    expect(page.get_by_text("1 người cần vận động ở Thôn Đông")).to_be_visible()
    _check(page, assert_accessible, tmp_path, "list", width)

    page.get_by_role("link", name="Vận động", exact=True).click()
    expect(page.get_by_label("Thôn Đông")).to_be_checked()
    page.get_by_label("Giờ bắt đầu").fill("7:30")
    page.get_by_label("Địa điểm").fill("Nhà văn hoá thôn Đông")
    page.get_by_label("Người liên hệ").select_option(label="Trần Thị Bình")
    _check(page, assert_accessible, tmp_path, "drive-form", width)
    page.get_by_role("button", name="Lập đợt vận động").click()
    expect(page.get_by_text("với 1 người được mời")).to_be_visible()
    drive = Drive.objects.get()
    assert drive.held_on == timezone.localdate()
    assert list(drive.invitees.values_list("resident_id", flat=True)) == [world.resident_a.pk]

    with page.expect_download() as download_info:
        page.get_by_role("link", name="In giấy mời (PDF, 6 giấy/trang)").click()
    download = download_info.value
    path = tmp_path / "giay-moi.pdf"
    download.save_as(str(path))
    assert path.read_bytes().startswith(b"%PDF")
    assert download.suggested_filename == f"giay-moi-{drive.pk}.pdf"

    page.get_by_label("Nguyễn Thị Hoà").check()
    page.get_by_label("VNeID đạt").select_option(label="Mức 2")
    page.get_by_role("button", name="Lưu người có mặt và kết quả").click()
    expect(page.get_by_text("Đã lưu: 1 người có mặt, 1 kết quả mới ghi vào sổ.")).to_be_visible()
    expect(page.get_by_label("Nguyễn Thị Hoà")).to_be_checked()
    _check(page, assert_accessible, tmp_path, "drive", width)
    observation = StatusObservation.objects.get(resident=world.resident_a)
    assert observation.value == 2 and observation.source_ref == f"drive:{drive.pk}"
