"""ASVS 4.0.3 3.4.4: with secure cookies the session and CSRF cookies carry the __Host- prefix."""

from __future__ import annotations

import re

from django.test import Client, override_settings
from django.urls import reverse

from binhdan.testing.personas import PASSWORD, World
from tests.test_security import PRODUCTION_ENV, _run

LOGIN = reverse("accounts:login")
SECURE = {
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SESSION_COOKIE_NAME": "__Host-sessionid",
    "CSRF_COOKIE_NAME": "__Host-csrftoken",
}
PRINT_NAMES = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_PATH, s.CSRF_COOKIE_PATH, "
    "s.SESSION_COOKIE_DOMAIN, s.CSRF_COOKIE_DOMAIN)"
)


def test_v3_4_4_production_settings_name_the_cookies_with_the_prefix() -> None:
    production = _run(["-c", PRINT_NAMES], PRODUCTION_ENV)
    assert production.stdout.split() == ["__Host-sessionid", "__Host-csrftoken", "/", "/", "None", "None"], (
        production.stderr
    )
    demo = _run(["-c", PRINT_NAMES], {**PRODUCTION_ENV, "SECURE_COOKIES": "0"})  # plain HTTP: no prefix
    assert demo.stdout.split()[:2] == ["sessionid", "csrftoken"], demo.stderr


def _set_cookie(response, name: str) -> str:  # type: ignore[no-untyped-def]
    return response.cookies[name].output(header="").strip()


@override_settings(**SECURE)
def test_v3_4_4_prefixed_cookies_are_sent_secure_on_the_root_path_and_pass_csrf(world: World) -> None:
    # Over HTTPS Django's CSRF check also wants a same-site Referer, as a browser sends.
    client = Client(enforce_csrf_checks=True, HTTP_REFERER="https://testserver/")
    page = client.get(LOGIN, secure=True)
    csrf_line = _set_cookie(page, "__Host-csrftoken")
    assert "Secure" in csrf_line and "Path=/;" in csrf_line + ";" and "Domain" not in csrf_line
    assert '<meta name="csrf-cookie" content="__Host-csrftoken">' in page.content.decode()
    token = client.cookies["__Host-csrftoken"].value

    refused = Client(enforce_csrf_checks=True, HTTP_REFERER="https://testserver/").post(
        LOGIN, {"username": "tovien.a", "password": PASSWORD}, secure=True
    )
    assert refused.status_code == 403  # no cookie, no pass
    signed_in = client.post(
        LOGIN, {"username": "tovien.a", "password": PASSWORD, "csrfmiddlewaretoken": token}, secure=True
    )
    assert signed_in.status_code == 302
    session_line = _set_cookie(signed_in, "__Host-sessionid")
    assert (
        all(part in session_line for part in ("Secure", "HttpOnly", "Path=/"))
        and "Domain" not in session_line
    )
    assert "sessionid" not in {name for name in signed_in.cookies if not name.startswith("__Host-")}
    assert client.get(reverse("home"), secure=True).status_code == 200  # the prefixed session works

    # A script's POST sends the prefixed cookie's value as X-CSRFToken (static/js/signout.js).
    token = client.cookies["__Host-csrftoken"].value
    assert client.post(reverse("accounts:logout"), secure=True).status_code == 403
    out = client.post(reverse("accounts:logout"), secure=True, HTTP_X_CSRFTOKEN=token)
    assert out.status_code == 302


def test_the_plain_demo_keeps_the_plain_names(world: World) -> None:
    page = Client().get(LOGIN)
    assert "csrftoken" in page.cookies and not any(name.startswith("__Host-") for name in page.cookies)
    assert re.search(r'<meta name="csrf-cookie" content="csrftoken">', page.content.decode())


def test_both_scripts_read_the_csrf_cookie_name_from_one_place() -> None:
    from django.conf import settings

    signout = (settings.BASE_DIR / "binhdan/static/js/signout.js").read_text(encoding="utf-8")
    field = (settings.BASE_DIR / "binhdan/fieldwork/static/fieldwork/field.js").read_text(encoding="utf-8")
    assert 'meta[name="csrf-cookie"]' in signout and "window.binhdanCsrfToken = csrf" in signout
    assert "csrftoken" not in field and "window.binhdanCsrfToken()" in field
