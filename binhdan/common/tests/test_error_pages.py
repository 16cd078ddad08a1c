"""404/403/400/500 pages in Vietnamese (lang="vi") in the site's layout, with DEBUG off; JSON under /api/."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from binhdan.common import errors


def test_debug_is_off_in_these_tests():
    assert settings.DEBUG is False


def test_a_missing_page_is_vietnamese_in_the_layout(world, client_for):
    for client in (Client(), client_for(world.member_a)):
        page = client.get("/khong-co-trang-nay/")
        html = page.content.decode()
        assert page.status_code == 404 and '<html lang="vi">' in html
        assert "Không tìm thấy trang" in html and 'class="top"' in html and "Not Found" not in html


def test_permission_denied_is_vietnamese_in_the_layout(world):
    request = RequestFactory().get("/quan-tri/bi-cam/")
    request.user = world.member_a
    page = errors.permission_denied(request, PermissionDenied())
    html = page.content.decode()
    assert page.status_code == 403 and '<html lang="vi">' in html and "Bạn không có quyền" in html
    assert "Đăng xuất" in html  # the layout, with the signed-in user's header


def test_a_csrf_failure_page_is_vietnamese(world):
    client = Client(enforce_csrf_checks=True)
    page = client.post("/tai-khoan/dang-nhap/", {"username": "tovien.a", "password": "x"})
    html = page.content.decode()
    assert page.status_code == 403 and '<html lang="vi">' in html and "tải lại trang" in html


def test_the_500_page_renders_without_a_request_context(db):
    html = render_to_string("500.html")
    assert '<html lang="vi">' in html and "Máy chủ gặp lỗi" in html
    page = errors.server_error(RequestFactory().get("/ho/1/"))
    assert page.status_code == 500 and "Máy chủ gặp lỗi" in page.content.decode()


def test_a_bad_request_page_is_vietnamese(db):
    page = errors.bad_request(RequestFactory().get("/"), Exception("x"))
    assert page.status_code == 400 and "Yêu cầu không hợp lệ" in page.content.decode()


@pytest.mark.parametrize(
    ("handler", "status"),
    [(errors.bad_request, 400), (errors.permission_denied, 403), (errors.page_not_found, 404)],
)
def test_api_errors_are_json(db, handler, status):
    answer = handler(RequestFactory().get("/api/v1/sync/pull"), Exception("x"))
    assert answer.status_code == status and answer["Content-Type"] == "application/json"


def test_an_api_500_is_json(db):
    answer = errors.server_error(RequestFactory().post("/api/v1/sync/push"))
    assert answer.status_code == 500 and "chưa được lưu" in json.loads(answer.content)["detail"]
