"""The API answers 401 JSON in Vietnamese for missing or bad credentials, never "403 CSRF check Failed";
session-authenticated writes are still CSRF-checked; other API errors are JSON too."""

from __future__ import annotations

import pytest
from django.test import Client

from binhdan.accounts.tokens import create_api_token

PUSH, PULL, ME = "/api/v1/sync/push", "/api/v1/sync/pull", "/api/v1/me"
UNAUTHORIZED = {"detail": "Cần đăng nhập hoặc mã truy cập hợp lệ."}


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_AUTHORIZATION": "Bearer bd_wrong"}, {"HTTP_AUTHORIZATION": "Basic dGVzdDp0ZXN0"},
     {"HTTP_AUTHORIZATION": "Bearer"}, {"HTTP_COOKIE": "sessionid=forged"}],
)  # fmt: skip
def test_missing_or_bad_credentials_answer_401_json_in_vietnamese(world, headers):
    for method, path in [("post", PUSH), ("get", PULL), ("get", ME)]:
        client = Client(enforce_csrf_checks=True, **headers)
        call = getattr(client, method)
        response = (
            call(path, {"records": []}, content_type="application/json") if method == "post" else call(path)
        )
        assert response.status_code == 401, (path, headers, response.content)
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == UNAUTHORIZED


def test_session_writes_without_a_csrf_token_are_still_refused(world):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.member_a)
    refused = strict.post(PUSH, {"records": []}, content_type="application/json")
    assert (
        refused.status_code == 403
        and "CSRF" in refused.json()["detail"]
        and "tải lại trang" in refused.json()["detail"]
    )
    strict.get("/hien-truong/")  # the field app page sets the CSRF cookie
    token = strict.cookies["csrftoken"].value
    allowed = strict.post(PUSH, {"records": []}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert allowed.status_code == 200


def test_token_writes_need_no_csrf_token(world):
    client = Client(
        enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.member_a)}"
    )
    assert client.post(PUSH, {"records": []}, content_type="application/json").status_code == 200


def test_an_officer_session_without_two_factor_gets_401_json(world):
    client = Client()
    client.force_login(world.officer)
    response = client.get(PULL)
    assert response.status_code == 401
    assert "xác thực hai lớp" in response.json()["detail"]


def test_validation_and_unknown_paths_answer_json_not_html(world):
    invalid = Client().post(
        "/api/v1/assistant/ask", {"question": ["danh", "sách"]}, content_type="application/json"
    )
    assert invalid.status_code == 422 and invalid["Content-Type"].startswith("application/json")
    body = invalid.json()
    assert body["detail"] == "Dữ liệu gửi lên không hợp lệ: question phải là chuỗi ký tự."
    assert body["errors"] == [{"field": "question", "message": "phải là chuỗi ký tự"}]
    missing = Client().get("/api/v1/khong-co-duong-nay")
    assert missing.status_code == 404 and missing.json() == {"detail": "Không tìm thấy."}
