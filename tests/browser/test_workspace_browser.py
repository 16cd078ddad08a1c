"""A commune officer at a phone (360 px) and at a desk (1280 px) runs the commune without the admin:
forms a team, schedules a class and takes its attendance, starts a campaign, merges two villages.

Each step's page passes axe-core. The screenshots go to the test's tmp_path as workspace-*.png; the
copies in docs/screenshots/ were taken from a run of this file (see the module's last test).
"""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from binhdan.accounts.models import Role, RoleKind
from binhdan.fieldwork.models import ClassAttendance, Team
from binhdan.places.models import Place
from binhdan.places.services import add_village
from binhdan.testing.personas import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [360, 1280]


def _check(page, assert_accessible, shots: Path, name: str, width: int) -> None:
    assert page.locator("h1").count() == 1
    assert_accessible(page)
    if width == 360:
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{name} must not scroll sideways on a 360 px phone"
    page.screenshot(path=str(shots / f"workspace-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_forms_a_team(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path, width
):
    village = add_village(commune=world.commune, name="Thôn Bắc")
    newcomer = make_user("tovien.bac", "Hà Thị Mai")
    Role.objects.create(user=newcomer, kind=RoleKind.MEMBER, place=village, valid_from="2025-01-01")
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("fieldwork:commune_detail", args=[world.commune.pk]))
    _check(page, assert_accessible, tmp_path, "commune", width)
    page.get_by_role("link", name="+ Lập tổ cho một thôn").click()
    page.get_by_label("Thôn, tổ dân phố").select_option(label="Thôn Bắc")
    page.get_by_role("button", name="Lập tổ").click()
    expect(page.get_by_role("heading", name="Tổ công nghệ số cộng đồng Thôn Bắc")).to_be_visible()
    page.get_by_role("link", name="+ Thêm thành viên").click()
    page.get_by_role("button", name="Thêm vào tổ").click()  # nothing chosen: the message sits by the field
    expect(page.get_by_text("Vui lòng chọn.")).to_be_visible()
    _check(page, assert_accessible, tmp_path, "team-member-form", width)
    page.get_by_label("Người vào tổ").select_option(label="Hà Thị Mai")
    page.get_by_label("Chức danh trong tổ").select_option(label="Tổ trưởng")
    page.get_by_label("Đơn vị, đoàn thể").select_option(label="Hội Liên hiệp Phụ nữ")
    page.get_by_role("button", name="Thêm vào tổ").click()
    expect(page.get_by_text("Hà Thị Mai đã vào tổ (Tổ trưởng).")).to_be_visible()
    _check(page, assert_accessible, tmp_path, "team", width)
    team = Team.objects.get(village=village)
    assert team.memberships.get().user == newcomer


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_schedules_a_class_and_takes_attendance(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path, width
):
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("fieldwork:commune_detail", args=[world.commune.pk]))
    page.get_by_role("link", name="Buổi học cộng đồng", exact=True).click()
    page.get_by_role("link", name="+ Lên lịch buổi học").click()
    page.get_by_label("Loại").select_option(label="Ngày hội toàn dân học tập số (10/10)")
    page.get_by_label("Tên buổi học").fill("Ngày hội học tập số tại nhà văn hoá")
    page.get_by_label("Ngày học").fill("10/10/2025")
    page.get_by_label("Thôn", exact=True).select_option(label="Thôn Đông")
    page.get_by_label("Đối tượng").select_option(label="Người cao tuổi")
    page.get_by_label("Thanh toán hoá đơn, chuyển tiền bằng mã QR").check()
    page.get_by_label("Nguyễn Văn An").check()
    _check(page, assert_accessible, tmp_path, "class-form", width)
    page.get_by_role("button", name="Lưu buổi học").click()
    expect(page.get_by_role("heading", name="Ngày hội học tập số tại nhà văn hoá")).to_be_visible()
    page.get_by_label("Tìm người dân trong xã (gõ không dấu cũng được)").fill("nguyen thi hoa")
    page.get_by_role("button", name="Tìm").click()
    page.get_by_label("Nguyễn Thị Hoà").check()
    _check(page, assert_accessible, tmp_path, "class-attendance", width)
    page.get_by_role("button", name="Lưu điểm danh").click()
    expect(page.get_by_text("Đã điểm danh: thêm 1 người, bỏ 0 người.")).to_be_visible()
    assert ClassAttendance.objects.filter(resident=world.resident_a).count() == 1
    page.get_by_role("link", name="In danh sách ký tên").click()
    expect(page.get_by_role("cell", name="Nguyễn Thị Hoà")).to_be_visible()
    _check(page, assert_accessible, tmp_path, "sign-in-sheet", width)
    page.emulate_media(media="print")
    expect(page.locator("header.top")).not_to_be_visible()  # the print sheet drops the site's bars


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_starts_a_campaign(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path, width
):
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("fieldwork:campaign_list"))
    page.get_by_role("link", name="+ Chiến dịch mới").click()
    page.get_by_label("Tên chiến dịch").fill("Đi từng ngõ, gõ từng nhà")
    page.get_by_label("Từ ngày").fill("30/10/2025")
    page.get_by_label("Đến ngày").fill("01/10/2025")
    page.get_by_role("button", name="Lưu chiến dịch").click()
    expect(page.get_by_text("Ngày kết thúc không được trước ngày bắt đầu.")).to_be_visible()
    _check(page, assert_accessible, tmp_path, "campaign-form", width)
    assert page.get_by_label("Thôn Thượng").count() == 0  # another commune's village is never offered
    page.get_by_label("Từ ngày").fill("01/10/2025")
    page.get_by_label("Đến ngày").fill("30/10/2025")
    page.get_by_label("Thôn Đông").check()
    page.get_by_role("button", name="Lưu chiến dịch").click()
    expect(page.get_by_role("heading", name="Đi từng ngõ, gõ từng nhà")).to_be_visible()
    _check(page, assert_accessible, tmp_path, "campaign", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_merges_two_villages(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path, width
):
    page = browser_page(width=width)
    sign_in_browser(page, live_server, world.officer)
    page.goto(live_server.url + reverse("fieldwork:village_detail", args=[world.village_b.pk]))
    page.get_by_role("link", name="Sáp nhập vào thôn khác").click()
    page.get_by_label("Sáp nhập vào thôn").select_option(label="Thôn Đông")
    _check(page, assert_accessible, tmp_path, "village-merge", width)
    page.get_by_role("button", name="Sáp nhập").click()
    expect(
        page.get_by_text("Đã sáp nhập Thôn Tây vào Thôn Đông: 1 hộ và 1 thành viên tổ đã chuyển sang.")
    ).to_be_visible()
    _check(page, assert_accessible, tmp_path, "village-after-merge", width)
    assert Place.objects.get(pk=world.village_b.pk).replaced_by_id == world.village_a.pk
    world.household_b.refresh_from_db()
    assert world.household_b.village_id == world.village_a.pk


def test_province_page_and_the_team_week(
    live_server, world, browser_page, sign_in_browser, assert_accessible, tmp_path
):
    page = browser_page(width=1280)
    sign_in_browser(page, live_server, world.province_officer)
    page.goto(live_server.url + reverse("fieldwork:province_detail", args=[world.province.pk]))
    _check(page, assert_accessible, tmp_path, "province", 1280)
    leader = browser_page(width=360)
    sign_in_browser(leader, live_server, world.leader_a)
    leader.goto(live_server.url + reverse("fieldwork:team_detail", args=[world.team_a.pk]))
    expect(leader.get_by_text("Công việc của từng thành viên trong tuần")).to_be_visible()
    _check(leader, assert_accessible, tmp_path, "team-week", 360)
