"""Error answers: Vietnamese pages in the site's layout, JSON under /api/ (a phone never gets HTML).

Wired in config/urls.py as handler400/403/404/500. The 500 page is rendered without a request
context (nothing in it may depend on the user or a context processor).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import csrf, defaults

from binhdan.common.security_log import mark

API_PREFIX = "/api/"
MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    403: "Bạn không có quyền thực hiện việc này.",
    404: "Không tìm thấy.",
    500: "Máy chủ gặp lỗi. Dữ liệu bạn gửi chưa được lưu; vui lòng thử lại sau ít phút.",
}
logger = logging.getLogger(__name__)


def _json(status: int) -> JsonResponse:
    return JsonResponse({"detail": MESSAGES[status]}, status=status)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _json(400) if _is_api(request) else defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _json(403) if _is_api(request) else defaults.permission_denied(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: Django's page (our 403_csrf.html), noted as a security event."""
    mark("csrf")
    return csrf.csrf_failure(request, reason)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _json(404) if _is_api(request) else defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    return _json(500) if _is_api(request) else defaults.server_error(request)
