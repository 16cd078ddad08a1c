"""Sign-in: strong passwords, lockout after repeated failures, two-factor for officers."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from binhdan.accounts.enrolment import issue_enrolment_code
from binhdan.testing.personas import PASSWORD

LOGIN = reverse("accounts:login")


def _sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def _token(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_member_signs_in_with_password_only(world):
    client = Client()
    response = _sign_in(client, "tovien.a")
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_wrong_password_shows_a_vietnamese_error(world):
    response = _sign_in(Client(), "tovien.a", "sai-mat-khau-1")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


def test_empty_form_names_each_field(world):
    page = Client().post(LOGIN, {"username": "", "password": ""}).content.decode()
    assert "Vui lòng nhập tên đăng nhập." in page and "Vui lòng nhập mật khẩu." in page


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_even_for_the_right_password(world):
    client = Client()
    for _ in range(3):
        _sign_in(client, "tovien.a", "sai-mat-khau-1")
    locked = _sign_in(client, "tovien.a")
    assert locked.status_code == 429
    assert "tạm khoá" in locked.content.decode()
    assert client.get(reverse("home")).status_code == 302  # still signed out


@override_settings(AXES_FAILURE_LIMIT=3, TRUSTED_PROXY_HEADER="X-Forwarded-For", TRUSTED_PROXY_COUNT=1)
def test_lockout_counts_the_address_the_trusted_proxy_gives(world):
    """Behind a proxy every request has the proxy's REMOTE_ADDR; the lockout keys on the client's address."""
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    for _ in range(3):
        _sign_in(attacker, "tovien.a", "sai-mat-khau-1")
    assert _sign_in(attacker, "tovien.a").status_code == 429
    # The real member, through the same proxy from another address, still signs in.
    member = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert _sign_in(member, "tovien.a").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_forged_forwarded_header_does_not_dodge_the_lockout(world):
    """Without a trusted proxy, X-Forwarded-For is the client's own claim and is ignored."""
    for n in range(3):
        _sign_in(Client(HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"), "tovien.a", "sai-mat-khau-1")
    assert _sign_in(Client(HTTP_X_FORWARDED_FOR="203.0.113.99"), "tovien.a").status_code == 429


@pytest.mark.parametrize("password", ["ngan1", "1234567890123", "mật khẩu 11", "password123"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_strong_password_passes():
    validate_password("Rau-muống-luộc-7")


def test_officer_must_set_up_two_factor_before_anything_else(world):
    client = Client()
    assert _sign_in(client, "canbo.xa").status_code == 302
    blocked = client.get(reverse("registry:household_list"))
    assert blocked.status_code == 302 and blocked.url.startswith(reverse("accounts:otp_setup"))

    asks_code = client.get(reverse("accounts:otp_setup"))
    assert "Nhập mã thiết lập" in asks_code.content.decode() and "<svg" not in asks_code.content.decode()
    code = issue_enrolment_code(user=world.officer, by=world.admin)
    entered = client.post(reverse("accounts:otp_setup"), {"step": "code", "code": code.lower()})
    assert entered.status_code == 302
    setup = client.get(reverse("accounts:otp_setup"))
    assert setup.status_code == 200 and "<svg" in setup.content.decode()
    device = TOTPDevice.objects.get(user=world.officer, confirmed=False)
    wrong = client.post(
        reverse("accounts:otp_setup"), {"token": "000000" if _token(device) != "000000" else "111111"}
    )
    assert "Mã xác thực không đúng" in wrong.content.decode()
    too_soon = client.post(reverse("accounts:otp_setup"), {"token": _token(device)})
    assert "đợi vài giây" in too_soon.content.decode()  # guesses are throttled
    device.refresh_from_db()
    device.throttle_reset()
    done = client.post(reverse("accounts:otp_setup"), {"token": _token(device)})
    assert done.status_code == 302
    assert client.get(reverse("registry:household_list")).status_code == 200


def test_officer_with_a_device_is_asked_for_the_code(world):
    device = TOTPDevice.objects.create(user=world.leader, name="điện thoại", confirmed=True)
    client = Client()
    _sign_in(client, "lanhdao.xa")
    response = client.get(reverse("home"))
    assert response.url.startswith(reverse("accounts:otp_verify"))
    bad = client.post(reverse("accounts:otp_verify"), {"token": "12ab56"})
    assert "Mã xác thực chỉ gồm chữ số." in bad.content.decode()
    assert client.post(reverse("accounts:otp_verify"), {"token": _token(device)}).status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_api_answers_401_until_two_factor_is_done(world):
    client = Client()
    _sign_in(client, "canbo.xa")
    assert client.get("/api/v1/anything").status_code == 401


@pytest.mark.parametrize("username", ["so.khcn", "quantri", "canbo.xa", "lanhdao.xa"])
def test_every_officer_role_requires_two_factor(world, username):
    from binhdan.accounts.models import User

    assert User.objects.get(username=username).requires_two_factor


@pytest.mark.parametrize("username", ["tovien.a", "totruong.a"])
def test_members_and_team_leaders_may_skip_two_factor(world, username):
    from binhdan.accounts.models import User

    assert not User.objects.get(username=username).requires_two_factor


@override_settings(TWO_FACTOR_RELAXED=True)
def test_relaxed_demo_setting_lets_officers_in_and_says_so(world):
    client = Client()
    _sign_in(client, "canbo.xa")
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert "đã tạm tắt xác thực hai lớp" in page.content.decode()


def test_two_factor_is_on_by_default():
    from django.conf import settings

    assert settings.TWO_FACTOR_RELAXED is False


def test_sign_out_tells_the_browser_to_clear_caches_and_storage(world, client_for):
    client = client_for(world.member_a)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get(reverse("home")).status_code == 302  # signed out
