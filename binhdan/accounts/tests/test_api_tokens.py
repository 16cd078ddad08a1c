"""Personal API tokens: only members and team leaders, two-factor where their roles need it, expiry,
revocation by the owner and the commune officer, audit of creation, new addresses and revocation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from binhdan.accounts.api_auth import TokenAuth
from binhdan.accounts.middleware import TwoFactorRequiredMiddleware
from binhdan.accounts.models import ApiToken, AuditEvent, RoleKind
from binhdan.accounts.tokens import TokenNotAllowed, _digest, authenticate_token, create_api_token
from binhdan.testing.personas import grant

ME = "/api/v1/me"
TOKENS = reverse("accounts:token_list")


def bearer(token: str, ip: str = "203.0.113.5") -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=ip)


def officer_token_row(user) -> str:
    """A token stored for an officer the way the old code allowed (create_api_token now refuses)."""
    token = "bd_" + "x" * 43 + str(user.pk)
    ApiToken.objects.create(user=user, prefix=token[:8], key_hash=_digest(token))
    return token


@pytest.mark.parametrize("persona", ["member_a", "leader_a"])
def test_members_and_team_leaders_use_tokens(world, persona):
    token = create_api_token(user=getattr(world, persona))
    assert bearer(token).get(ME).status_code == 200


@pytest.mark.parametrize("persona", ["officer", "leader", "province_officer", "admin"])
def test_officers_get_no_token_and_old_officer_tokens_are_refused(world, persona):
    user = getattr(world, persona)
    with pytest.raises(TokenNotAllowed):
        create_api_token(user=user)
    TOTPDevice.objects.create(user=user, name="điện thoại", confirmed=True)  # even with two-factor set up
    answer = bearer(officer_token_row(user)).get("/api/v1/sync/pull")
    assert answer.status_code == 401
    assert answer.json() == {"detail": "Cần đăng nhập hoặc mã truy cập hợp lệ."}


def test_the_command_refuses_a_token_for_an_officer(world):
    with pytest.raises(CommandError, match="Chỉ tổ viên và tổ trưởng"):
        call_command("create_api_token", "canbo.xa")


def test_a_member_who_also_holds_an_officer_role_needs_two_factor_for_the_token(world):
    token = create_api_token(user=world.member_a)
    grant(world.member_a, RoleKind.COMMUNE_OFFICER, world.commune)
    assert bearer(token).get(ME).status_code == 401
    TOTPDevice.objects.create(user=world.member_a, name="điện thoại", confirmed=False)
    assert bearer(token).get(ME).status_code == 401  # an unconfirmed device is not two-factor
    TOTPDevice.objects.create(user=world.member_a, name="điện thoại 2", confirmed=True)
    assert bearer(token).get(ME).status_code == 200


@override_settings(API_TOKEN_DAYS=7)
def test_tokens_expire_after_the_configured_days(world):
    token = create_api_token(user=world.member_a)
    row = ApiToken.objects.get()
    assert dt.timedelta(days=6, hours=23) < row.expires_at - row.created_at <= dt.timedelta(days=7)
    assert bearer(token).get(ME).status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert bearer(token).get(ME).status_code == 401


def test_default_lifetime_is_90_days(world):
    create_api_token(user=world.member_a)
    row = ApiToken.objects.get()
    assert (row.expires_at - row.created_at).days in (89, 90)


def test_creation_and_use_from_a_new_address_are_audited_once_per_address(world):
    token = create_api_token(user=world.member_a)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_CREATE, user=world.member_a).count() == 1
    for ip in ["203.0.113.5", "203.0.113.5", "198.51.100.7", "203.0.113.5"]:
        assert bearer(token, ip).get(ME).status_code == 200
    new_address = AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_NEW_ADDRESS)
    assert sorted(new_address.values_list("ip", flat=True)) == ["198.51.100.7", "203.0.113.5"]
    row = ApiToken.objects.get()
    assert row.last_ip == "203.0.113.5" and set(row.known_ips) == {"203.0.113.5", "198.51.100.7"}


def test_request_api_token_is_the_row_for_tokens_and_none_otherwise(world):
    token = create_api_token(user=world.member_a)
    request = RequestFactory().get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")
    seen = {}

    def view(req):
        seen["before"] = req.api_token
        seen["user"] = TokenAuth()(req)
        seen["after"] = req.api_token
        from django.http import HttpResponse

        return HttpResponse()

    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    TwoFactorRequiredMiddleware(view)(request)
    assert seen["before"] is None
    assert seen["user"] == world.member_a and seen["after"] == ApiToken.objects.get()


def test_hostile_tokens_are_refused(world):
    create_api_token(user=world.member_a)
    for value in ["bd_", "bd_" + "a" * 5000, "bd_' OR 1=1 --", "\x00", "Bearer", "bd_ghép-tiếng-việt"]:
        assert authenticate_token(value) is None
        assert Client(HTTP_AUTHORIZATION=f"Bearer {value}").get(ME).status_code == 401


# --- the screen ---------------------------------------------------------------------------------------


def test_owner_creates_lists_and_revokes_tokens_on_the_screen(world, client_for):
    client = client_for(world.member_a)
    created = client.post(TOKENS, {"name": "Điện thoại Samsung"})
    page = created.content.decode()
    assert created.status_code == 200 and 'lang="vi"' in page and "Mã truy cập API" in page
    token = page.split("<code>")[1].split("</code>")[0]
    assert token.startswith("bd_") and bearer(token).get(ME).status_code == 200
    listing = client.get(TOKENS).content.decode()
    assert "Điện thoại Samsung" in listing and token not in listing  # shown once only
    row = ApiToken.objects.get()
    assert client.post(reverse("accounts:token_revoke", args=[row.pk])).status_code == 302
    assert bearer(token).get(ME).status_code == 401
    row.refresh_from_db()
    assert row.revoked_by == world.member_a and "Đã thu hồi" in client.get(TOKENS).content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_REVOKE, user=world.member_a).exists()


def test_officer_cannot_create_a_token_on_the_screen(world, client_for):
    page = client_for(world.officer).post(TOKENS, {"name": "máy tính"})
    assert "không dùng mã truy cập API" in page.content.decode() and not ApiToken.objects.exists()


def test_commune_officer_lists_and_revokes_tokens_of_their_commune(world, client_for):
    token = create_api_token(user=world.member_a, name="máy của An")
    row = ApiToken.objects.get()
    officer = client_for(world.officer)
    assert "máy của An" in officer.get(TOKENS).content.decode()
    assert officer.post(reverse("accounts:token_revoke", args=[row.pk])).status_code == 302
    assert bearer(token).get(ME).status_code == 401
    revoked = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_REVOKE)
    assert revoked.user == world.officer and "tovien.a" in revoked.detail


@pytest.mark.parametrize("persona", ["other_officer", "member_b", "leader_a", "leader", "province_officer"])
def test_outsiders_neither_see_nor_revoke_a_token(world, client_for, persona):
    token = create_api_token(user=world.member_a, name="máy của An")
    row = ApiToken.objects.get()
    client = client_for(getattr(world, persona))
    assert "máy của An" not in client.get(TOKENS).content.decode()
    assert client.post(reverse("accounts:token_revoke", args=[row.pk])).status_code == 404
    assert client.post(reverse("accounts:token_revoke", args=[999_999])).status_code == 404
    assert bearer(token).get(ME).status_code == 200
