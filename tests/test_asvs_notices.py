"""ASVS 4.0.3 2.2.3: after a change to the password, the second factor or an API token, the user is told
at their next sign-in, with the time of each change (there is no e-mail or SMS channel to users)."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from binhdan.accounts import audit
from binhdan.accounts.models import AuditEvent
from binhdan.testing.personas import PASSWORD, World, signed_in_client

LOGIN = reverse("accounts:login")
NOTICE = "Từ lần đăng nhập trước, thông tin đăng nhập của bạn đã thay đổi:"


def _sign_in(username: str, password: str) -> str:
    page = Client().post(LOGIN, {"username": username, "password": password}, follow=True)
    assert page.status_code == 200
    return page.content.decode()


def _when(event: AuditEvent) -> str:
    return f"{timezone.localtime(event.at):%H:%M ngày %d/%m/%Y}"


def test_v2_2_3_the_next_sign_in_lists_each_change_with_its_time_once(world: World) -> None:
    assert NOTICE not in _sign_in("tovien.a", PASSWORD)  # nothing changed since the account was made

    member = signed_in_client(world.member_a)
    member.post(reverse("accounts:token_list"), {"name": "điện thoại"})
    created = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_CREATE)
    device = TOTPDevice.objects.create(user=world.member_a, name="điện thoại", confirmed=True)
    device.delete()  # an admin removes the authenticator
    deleted = AuditEvent.objects.get(object_id=str(world.member_a.pk), detail=audit.DEVICE_DELETED)
    reset = signed_in_client(world.officer).post(reverse("accounts:password_reset", args=[world.member_a.pk]))
    temporary = re.search(r'<code id="mat-khau-tam">([a-z0-9-]+)</code>', reset.content.decode()).group(1)  # type: ignore[union-attr]
    revoked = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_REVOKE)

    page = _sign_in("tovien.a", temporary)
    assert NOTICE in page
    officer = world.officer.display_name
    lines = [
        f"{_when(created)}: Một mã truy cập API (bd_",
        f"{_when(deleted)}: Thiết bị xác thực hai lớp của bạn đã bị xoá (bởi quản trị hệ thống).",
        f"{_when(revoked)}: Mã truy cập API bd_",
        f"Mật khẩu của bạn được thay bằng một mật khẩu tạm (do {officer} thực hiện).",
        "hãy báo ngay cho cán bộ xã",
    ]
    positions = [page.find(line) for line in lines]
    assert all(p >= 0 for p in positions) and positions[:3] == sorted(positions[:3]), positions
    assert f"đã bị thu hồi (do {officer} thực hiện)" in page

    # Told once: the sign-in after that has nothing new to tell.
    new = "cánh đồng lúa chín vàng"
    changer = Client()
    changer.post(LOGIN, {"username": "tovien.a", "password": temporary})
    changed = changer.post(
        reverse("accounts:password_change"),
        {"old_password": temporary, "new_password1": new, "new_password2": new},
    )
    assert changed.status_code == 302, changed.content.decode()[-3000:]
    assert AuditEvent.objects.filter(detail="Đổi mật khẩu").latest("pk").object_type == "User"
    again = _sign_in("tovien.a", new)
    assert "Mật khẩu của bạn đã được đổi." in again and "mật khẩu tạm" not in again  # only the own change
    assert NOTICE not in _sign_in("tovien.a", new)


def test_v2_2_3_an_officer_is_told_of_a_new_authenticator_after_signing_in(world: World) -> None:
    TOTPDevice.objects.filter(user=world.officer).delete()
    world.officer.last_login = None
    world.officer.save(update_fields=["last_login"])
    AuditEvent.objects.create(
        user=world.officer,
        action=AuditEvent.Action.TWO_FACTOR_ENROL,
        object_type="User",
        object_id=str(world.officer.pk),
        detail="Bật xác thực hai lớp",
    )
    page = _sign_in("canbo.xa", PASSWORD)  # goes on to the two-factor page, which shows the notice
    assert NOTICE in page and "Một ứng dụng xác thực hai lớp đã được gắn vào tài khoản." in page


def test_changes_to_someone_else_are_not_told(world: World) -> None:
    device = TOTPDevice.objects.create(user=world.member_b, name="x", confirmed=True)
    device.delete()
    signed_in_client(world.member_b).post(reverse("accounts:token_list"), {"name": ""})
    changes, total = audit.credential_changes(world.member_a, None)
    assert changes == [] and total == 0
    assert audit.credential_changes(world.member_b, None)[1] == 2


def test_an_unconfirmed_device_left_from_a_setup_is_no_change(world: World) -> None:
    TOTPDevice.objects.create(user=world.member_a, name="x", confirmed=False).delete()
    assert audit.credential_changes(world.member_a, None) == ([], 0)
