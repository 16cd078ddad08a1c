"""An officer uploads a messy household list, reads the preview and errors, confirms, finds the households."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from binhdan.registry.tests import workbooks as wb

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_imports_a_household_list(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path
):
    path = tmp_path / "danh-sach-ho.xlsx"
    path.write_bytes(wb.household_list_xlsx())
    page = browser_page(width=1280)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("registry:household_list"))
    page.get_by_role("link", name="Nhập từ Excel").click()
    expect(page.get_by_role("heading", name="Nhập danh sách hộ, nhân khẩu")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Tệp danh sách (.xlsx, .xls, .csv)").set_input_files(str(path))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    expect(page.get_by_role("heading", name="Kết quả kiểm tra (chưa ghi gì)")).to_be_visible()
    assert page.locator("#valid-rows").inner_text() == "4"
    assert page.locator("#error-rows").inner_text() == "3"
    expect(page.get_by_text("Thôn “Thôn Bắc” không có trong Xã Sơn Đông")).to_be_visible()
    expect(page.get_by_text("Xã chưa chọn lưu số định danh cá nhân")).to_be_visible()
    assert page.locator("#errors tbody tr").count() == 4
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải tệp có cột “Lỗi cần sửa”").click()
    assert download.value.suggested_filename == "loi-danh-sach-ho.xlsx"
    page.get_by_label("Bỏ qua 3 dòng lỗi, chỉ nhập 4 dòng hợp lệ").check()
    page.get_by_role("button", name="Nhập vào sổ hộ").click()
    expect(
        page.get_by_text("Đã nhập: 4 hộ mới, 0 hộ cập nhật; 4 người mới, 0 người cập nhật.")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Xem danh sách hộ").click()
    page.get_by_role("searchbox").fill("le van dung")
    page.get_by_role("button", name="Tìm").click()
    expect(page.get_by_text("1 hộ khớp với “le van dung”")).to_be_visible()
    expect(page.get_by_role("link", name="Lê Văn Dũng")).to_be_visible()
    assert_accessible(page)


def test_mapping_screen_at_phone_width(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path
):
    path = tmp_path / "tay.csv"
    path.write_bytes("Người dân;Năm sinh;Thôn\nHà Văn Tư;1966;Thôn Đông\n".encode())
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("registry:import_start"))
    page.get_by_label("Tệp danh sách (.xlsx, .xls, .csv)").set_input_files(str(path))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    expect(page.get_by_role("heading", name="Chọn cột cho “tay.csv”")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Cột A (Người dân) là thông tin").select_option("name")
    page.get_by_role("button", name="Lưu và kiểm tra").click()
    assert page.locator("#valid-rows").inner_text() == "1"
    page.get_by_role("button", name="Nhập vào sổ hộ").click()
    expect(page.get_by_text("Đã nhập: 1 hộ mới")).to_be_visible()


def test_officer_answers_what_a_mark_means_then_downloads_the_errors_after_importing(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path
):
    """A "Hộ nghèo/cận nghèo" column holding "x", a namesake and a bad date, at phone width."""
    header = ["STT", "Họ tên chủ hộ", "Sinh năm", "Thôn", "Hộ nghèo/cận nghèo"]
    rows = [
        [1, "Hà Văn Một", 1950, "Thôn Đông", "x"],
        [2, "Hà Văn Một", "", "Thôn Đông", ""],  # a namesake with nothing to tell: a warning
        [3, "Hà Văn Ba", "31/02/1952", "Thôn Đông", "x"],  # a bad date: an error
    ]
    path = tmp_path / "ho-ngheo.xlsx"
    path.write_bytes(wb.one_sheet(header, rows))
    page = browser_page(width=360)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("registry:import_start"))
    page.get_by_label("Tệp danh sách (.xlsx, .xls, .csv)").set_input_files(str(path))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    expect(page.get_by_role("heading", name="Giá trị cần làm rõ")).to_be_visible()
    assert page.locator("#error-rows").inner_text() == "2"
    assert_accessible(page)
    page.get_by_label("“x” (2 dòng) nghĩa là").select_option("poor")
    page.get_by_role("button", name="Lưu và kiểm tra lại").click()
    expect(page.get_by_text("Đã lưu nghĩa của các giá trị và kiểm tra lại tệp.")).to_be_visible()
    assert page.locator("#error-rows").inner_text() == "1"
    assert page.locator("#warnings tbody tr").count() == 1
    expect(page.get_by_text("Có thể trùng với hộ ở dòng 5")).to_be_visible()
    page.get_by_label("Bỏ qua 1 dòng lỗi, chỉ nhập 2 dòng hợp lệ").check()
    page.get_by_role("button", name="Nhập vào sổ hộ").click()
    expect(page.get_by_text("Đã nhập: 2 hộ mới")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải tệp có cột “Lỗi cần sửa”").click()
    assert download.value.suggested_filename == "loi-ho-ngheo.xlsx"
