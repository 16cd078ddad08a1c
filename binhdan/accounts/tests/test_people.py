"""People and roles screens of the commune officer (issue 9 point 1), the first-sign-in password
change, the shared menu's rules (households, admin, people) and hostile input."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from binhdan.accounts.models import AuditEvent, Role, RoleKind, User
from binhdan.testing.personas import PASSWORD, grant, make_user

TODAY = timezone.localdate  # called in each test: the day may turn during a run


def today_typed() -> str:
    return TODAY().strftime("%d/%m/%Y")


def _invite(client: Client, world, **fields):
    data = {"full_name": "Đinh Thị Mai", "phone": "0912 345 678", "username": "", "kind": "member",
            "village": world.village_a.pk, "valid_from": today_typed(), **fields}  # fmt: skip
    return client.post(reverse("accounts:people_invite", args=[world.commune.pk]), data)


def _shown_password(page: str) -> str:
    match = re.search(r'<code id="mat-khau-tam">([a-z0-9-]+)</code>', page)
    assert match, page
    return match.group(1)


def test_the_officer_invites_a_member_who_must_change_the_temporary_password(world, client_for):
    response = _invite(client_for(world.officer), world)
    assert response.status_code == 200
    assert "no-store" in response.headers.get("Cache-Control", "")
    password = _shown_password(response.content.decode())
    invited = User.objects.get(username="0912345678")  # no username: the phone is the sign-in name
    assert invited.full_name == "Đinh Thị Mai" and invited.phone == "0912345678"
    assert invited.must_change_password and invited.check_password(password)
    assert not invited.is_staff and not invited.is_superuser
    role, today = Role.objects.get(user=invited), TODAY()
    assert (role.kind, role.place, role.valid_from, role.valid_to) == ("member", world.village_a, today, None)
    event = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).latest("pk")
    assert event.user == world.officer and event.place == world.village_a and "Đinh Thị Mai" in event.detail
    assert event.ip == "127.0.0.1" and password not in event.detail

    # The first sign-in goes to the password change before anything else.
    client = Client()
    client.post(reverse("accounts:login"), {"username": "0912345678", "password": password})
    response = client.get(reverse("registry:household_list"))
    assert response.status_code == 302 and response.url == reverse("accounts:password_change")
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and "mật khẩu tạm" in api.json()["detail"]
    page = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": password, "new_password2": password},
    ).content.decode()
    assert "phải khác mật khẩu tạm" in page
    new = "Mai-Thôn-Đông-2025"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    invited.refresh_from_db()
    assert not invited.must_change_password and invited.check_password(new)
    assert client.get(reverse("registry:household_list")).status_code == 200  # still signed in


def test_a_team_leader_is_invited_with_a_username(world, client_for):
    response = _invite(client_for(world.officer), world, username="ToTruong.Tay", kind="team_leader",
                       village=world.village_b.pk, phone="")  # fmt: skip
    assert response.status_code == 200
    role = Role.objects.get(user__username="totruong.tay")
    assert role.kind == RoleKind.TEAM_LEADER and role.place == world.village_b


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"phone": "", "username": ""}, "username", "Vui lòng nhập tên đăng nhập hoặc số điện thoại"),
        ({"username": "tovien.a"}, "username", "đã có người dùng"),
        ({"username": "TOVIEN.A"}, "username", "đã có người dùng"),
        ({"username": "nguyễn.văn"}, "username", "chỉ gồm chữ không dấu"),
        ({"username": "a" * 151}, "username", "tối đa 150"),
        ({"phone": "abc"}, "phone", "Số điện thoại không đúng"),
        ({"phone": "0" * 21}, "phone", "tối đa 20"),
        ({"full_name": ""}, "full_name", "Vui lòng nhập họ và tên"),
        ({"full_name": "x" * 500}, "full_name", "tối đa 120"),
        ({"full_name": "Mai\x00"}, "full_name", ""),
        ({"kind": "commune_officer"}, "kind", "Vai trò không hợp lệ"),
        ({"kind": "admin"}, "kind", "Vai trò không hợp lệ"),
        ({"village": "99999999999999999999999"}, "village", "nằm ngoài địa bàn"),
        ({"village": "1 OR 1=1"}, "village", "nằm ngoài địa bàn"),
        ({"village": ""}, "village", "Vui lòng chọn"),
        ({"valid_from": "31/02/2025"}, "valid_from", "Ngày không đúng"),
        ({"valid_from": "01/01/9999"}, "valid_from", "hơn một năm"),
        ({"valid_from": "x" * 5000}, "valid_from", "Ngày không đúng"),
    ],
)
def test_hostile_or_wrong_invitations_get_a_message_next_to_the_field(
    world, client_for, fields, field, message
):
    users, roles = User.objects.count(), Role.objects.count()
    response = _invite(client_for(world.officer), world, **fields)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page and message in page
    assert (User.objects.count(), Role.objects.count()) == (users, roles)


def test_the_invite_form_rejects_a_list_for_a_single_value(world, client_for):
    client = client_for(world.officer)
    response = client.post(
        reverse("accounts:people_invite", args=[world.commune.pk]),
        {
            "full_name": ["A", "B"],
            "village": [world.village_a.pk, world.village_c.pk],
            "kind": ["member", "admin"],
        },
    )
    assert response.status_code == 200


def test_the_list_shows_who_holds_which_role_where(world, client_for):
    page = (
        client_for(world.officer)
        .get(reverse("accounts:people_list", args=[world.commune.pk]))
        .content.decode()
    )
    for name in ("Phạm Thị Dung", "Hoàng Văn Em", "Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"):
        assert name in page
    assert "Đỗ Văn Hải" not in page and "Vũ Thị Giang" not in page  # other commune, province
    assert page.index("Phạm Thị Dung") < page.index("Trần Thị Bình") < page.index("Nguyễn Văn An")
    # Actions only on field roles: never on the officer's own or the leader's role.
    assert page.count("Kết thúc vai trò</a>") == 3
    assert reverse("accounts:password_reset", args=[world.leader.pk]) not in page
    assert reverse("accounts:password_reset", args=[world.member_a.pk]) in page


def test_the_commune_leader_reads_the_list_without_actions(world, client_for):
    response = client_for(world.leader).get(reverse("accounts:people_list", args=[world.commune.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and "Nguyễn Văn An" in page
    assert (
        "Kết thúc vai trò</a>" not in page and "people_invite" not in page and "/nguoi-dung/moi/" not in page
    )


@pytest.mark.parametrize("persona", ["member_a", "leader_a", "province_officer", "other_officer"])
def test_others_get_404_on_the_communes_list(world, client_for, persona):
    client = client_for(world.personas()[persona])
    assert client.get(reverse("accounts:people_list", args=[world.commune.pk])).status_code == 404
    assert client.get(reverse("accounts:people_list", args=[world.village_a.pk])).status_code == 404


def test_the_list_page_makes_the_same_number_of_queries_for_many_people(world, client_for):
    client = client_for(world.officer)
    url = reverse("accounts:people_list", args=[world.commune.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(20):
        grant(make_user(f"them.{i}", f"Người Thêm {i}"), RoleKind.MEMBER, world.village_b)
    Role.objects.filter(user__username="them.0").update(valid_to=TODAY().replace(year=TODAY().year - 1))
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 16


def test_ending_a_role_keeps_it_as_history_and_ends_access(world, client_for):
    role = Role.objects.current().get(user=world.member_a)
    client = client_for(world.officer)
    url = reverse("accounts:role_end", args=[role.pk])
    page = client.post(url, {"valid_to": "01/01/2000"}).content.decode()
    assert "Ngày cuối không được trước ngày bắt đầu" in page or "hơn một năm" in page
    yesterday = TODAY() - timezone.timedelta(days=1)
    response = client.post(url, {"valid_to": yesterday.strftime("%d/%m/%Y")})
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.valid_to == yesterday
    event = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).latest("pk")
    assert event.place == world.village_a and "Kết thúc vai trò" in event.detail
    member = client_for(world.member_a)
    assert member.get(reverse("registry:household_detail", args=[world.household_a.pk])).status_code == 404
    assert client.get(url).status_code == 404  # ended: no longer offered


def test_the_officer_cannot_end_officer_or_leader_roles_nor_their_own(world, client_for):
    client, ended = client_for(world.officer), {"valid_to": today_typed()}
    for user in (world.officer, world.leader, world.other_officer, world.province_officer):
        for role in Role.objects.filter(user=user):
            assert client.post(reverse("accounts:role_end", args=[role.pk]), ended).status_code == 404
            role.refresh_from_db()
            assert role.valid_to is None


def test_resetting_a_password_shows_a_temporary_one_once(world, client_for):
    from binhdan.accounts.tokens import create_api_token, user_for_token

    token = create_api_token(user=world.member_a, by=world.member_a)
    member_session = client_for(world.member_a)
    client = client_for(world.officer)
    url = reverse("accounts:password_reset", args=[world.member_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url)
    password = _shown_password(response.content.decode())
    assert "no-store" in response.headers.get("Cache-Control", "")
    world.member_a.refresh_from_db()
    assert world.member_a.check_password(password) and not world.member_a.check_password(PASSWORD)
    assert world.member_a.must_change_password
    event = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).latest("pk")
    assert event.object_id == str(world.member_a.pk) and password not in event.detail
    assert user_for_token(token) is None, "a reset revokes the user's API tokens"
    assert "Đã thu hồi 1 mã truy cập API" in response.content.decode()
    # The member's other sessions end with the old password.
    assert member_session.get(reverse("registry:household_list")).status_code == 302


def test_no_password_reset_for_officers_leaders_admins_or_people_elsewhere(world, client_for):
    client = client_for(world.officer)
    # a member of our commune who is also an officer elsewhere is not the officer's to take over
    grant(world.member_b, RoleKind.COMMUNE_OFFICER, world.other_commune)
    for user in (
        world.officer,
        world.leader,
        world.other_officer,
        world.province_officer,
        world.admin,
        world.member_b,
    ):
        before = User.objects.get(pk=user.pk).password
        assert client.post(reverse("accounts:password_reset", args=[user.pk])).status_code == 404
        assert User.objects.get(pk=user.pk).password == before
    assert client.post(reverse("accounts:password_reset", args=[99999999999])).status_code == 404


# --- the shared menu --------------------------------------------------------------------------------


def _menu(client: Client) -> str:
    page = client.get(reverse("home")).content.decode()
    return page.split('<nav aria-label="Điều hướng chính">', 1)[1].split("</nav>", 1)[0]


def test_the_menu_follows_the_roles(world, client_for):
    province = _menu(client_for(world.province_officer))
    assert "Hộ gia đình" not in province and "Quản trị" not in province
    officer = _menu(client_for(world.officer))  # is_staff, but not a system admin
    assert "Hộ gia đình" in officer and "Quản trị" not in officer
    assert reverse("accounts:people_list", args=[world.commune.pk]) in officer and "Người dùng" in officer
    member = _menu(client_for(world.member_a))
    assert "Hộ gia đình" in member and "Người dùng" not in member and "Quản trị" not in member
    assert "Quản trị" in _menu(client_for(world.admin))


def test_a_username_taken_at_the_same_moment_is_a_message_not_an_error(world, client_for, monkeypatch):
    from binhdan.accounts import people

    original = people.invite
    monkeypatch.setattr(people, "invite", lambda **kw: original(**{**kw, "username": "tovien.a"}))
    users, roles = User.objects.count(), Role.objects.count()
    response = _invite(client_for(world.officer), world, username="nguoi.moi")
    assert response.status_code == 200 and "vừa có người dùng" in response.content.decode()
    assert (User.objects.count(), Role.objects.count()) == (users, roles)
