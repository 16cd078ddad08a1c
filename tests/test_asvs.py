"""OWASP ASVS 4.0.3 level 2 items that no other test showed (docs/security.md, "OWASP ASVS" table).

Sessions (V3), the headers of every answer (V14.4), redirects (V5.1.5), where credentials may travel (V3.1.1,
V13.1.3), methods (V13.2.1), cross-origin access (V14.5.3) and long passwords (V2.1.2).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.test import Client
from django.urls import reverse

from binhdan.accounts.tokens import create_api_token
from binhdan.testing.personas import PASSWORD, World, signed_in_client

LOGIN = reverse("accounts:login")


def test_v3_2_1_signing_in_gives_a_new_session_id(world: World) -> None:
    client = Client()
    client.get(LOGIN)
    session = client.session
    session["before"] = "anonymous"
    session.save()
    anonymous_key = session.session_key
    response = client.post(LOGIN, {"username": "tovien.a", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.session_key != anonymous_key  # no session fixation
    assert client.get(reverse("home")).status_code == 200


def test_v3_3_1_signing_out_ends_the_session_on_the_server(world: World) -> None:
    client = signed_in_client(world.member_a)
    key = client.session.session_key
    client.post(reverse("accounts:logout"))
    stolen = Client()
    stolen.cookies["sessionid"] = key
    assert stolen.get(reverse("home")).status_code == 302  # the old id no longer signs anyone in


def test_v3_3_3_changing_the_password_ends_the_other_sessions(world: World) -> None:
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert client.post(LOGIN, {"username": "tovien.a", "password": PASSWORD}).status_code == 302
    new = "Một-mật-khẩu-mới-rất-dài-2026"
    changed = here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert changed.status_code == 302
    assert here.get(reverse("home")).status_code == 200  # this session goes on
    assert elsewhere.get(reverse("home")).status_code == 302  # the other one is signed out


def test_v3_4_session_and_csrf_cookies_are_httponly_and_samesite(world: World) -> None:
    client = Client()
    client.get(LOGIN)
    client.post(LOGIN, {"username": "tovien.a", "password": PASSWORD})
    session_cookie = client.cookies["sessionid"]
    assert session_cookie["httponly"] and session_cookie["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["samesite"] == "Lax"


def test_v14_4_every_answer_carries_the_safety_headers(world: World) -> None:
    client = signed_in_client(world.officer)
    for url in (reverse("home"), LOGIN, "/api/v1/me", "/khong-co-trang-nay/"):
        response = client.get(url)
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["X-Frame-Options"] == "DENY", url
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url
        assert "camera=()" in response["Permissions-Policy"], url
        kind = response["Content-Type"].lower()
        # text/* names its character set; JSON is UTF-8 by definition (RFC 8259).
        assert "charset=utf-8" in kind if kind.startswith("text/") else kind == "application/json", url


def test_v5_1_5_sign_in_never_redirects_to_another_site(world: World) -> None:
    for target in ("https://lua-dao.example/", "//lua-dao.example/", "https:/\\lua-dao.example"):
        response = Client().post(f"{LOGIN}?next={target}", {"username": "tovien.a", "password": PASSWORD})
        assert response.status_code == 302
        assert response.url == reverse("home"), target


def test_v13_1_3_a_token_is_taken_only_from_the_authorization_header(world: World) -> None:
    token = create_api_token(user=world.member_a)
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert Client().get(f"/api/v1/me?token={token}").status_code == 401
    assert Client().get(f"/api/v1/me?access_token={token}").status_code == 401


def test_v14_5_3_no_cross_origin_access_is_granted(world: World) -> None:
    token = create_api_token(user=world.member_a)
    headers: dict[str, Any] = {
        "HTTP_ORIGIN": "https://lua-dao.example",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
    }
    answer = Client().get("/api/v1/me", **headers)
    assert "Access-Control-Allow-Origin" not in answer
    preflight = Client().options("/api/v1/me", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", **headers)
    assert "Access-Control-Allow-Origin" not in preflight


def test_v2_1_2_long_passphrases_are_accepted() -> None:
    validate_password("một câu dài làm mật khẩu, có dấu và khoảng trắng " * 2)  # 100 characters


def test_v13_2_1_an_operation_answers_only_its_method(world: World) -> None:
    token = create_api_token(user=world.member_a)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for method in ("get", "put", "delete"):
        answer = getattr(Client(), method)("/api/v1/sync/push", **auth)
        assert answer.status_code == 405, method
    assert Client().post("/api/v1/me", **auth).status_code == 405
