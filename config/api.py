"""The one JSON API under /api/v1/; each app adds its router here.

Every answer is JSON, errors included: 401 with a Vietnamese message for missing or bad credentials
(binhdan.accounts.api_auth), 400 (a body that is not JSON), 404, 405, 413 (a body over the upload
limit) and 422 as `{"detail": …}`; unexpected errors reach config.urls' handler500, which also
answers JSON under /api/. Every status an operation can answer is declared in
the OpenAPI document with its shape (`binhdan.common.api_schemas`); tests/fuzz/test_api_fuzz.py checks
every answer against it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from binhdan.accounts.api_auth import UNAUTHORIZED_DETAIL
from binhdan.assistant.api import router as assistant_router
from binhdan.fieldwork.api import router as fieldwork_router

NOT_FOUND_DETAIL = "Không tìm thấy."
NOT_ALLOWED_DETAIL = "Địa chỉ này không nhận phương thức {method}; chỉ nhận {allowed}."
NOT_JSON_DETAIL = "Nội dung gửi lên không phải JSON hợp lệ."
TOO_BIG_DETAIL = "Nội dung gửi lên quá lớn."
# ninja's own English messages for errors it raises itself → Vietnamese.
NINJA_MESSAGES = {"Cannot parse request body": NOT_JSON_DETAIL}
INVALID_DETAIL = "Dữ liệu gửi lên không hợp lệ"
# pydantic error types → what the field must be, in Vietnamese; anything else is "không hợp lệ".
VALIDATION_MESSAGES = {
    "missing": "là bắt buộc",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "float_parsing": "phải là số",
    "float_type": "phải là số",
    "finite_number": "phải là số hữu hạn",
    "bool_parsing": "phải là đúng hoặc sai",
    "string_type": "phải là chuỗi ký tự",
    "string_too_long": "quá dài",
    "string_too_short": "quá ngắn",
    "string_pattern_mismatch": "có ký tự không được phép",
    "greater_than_equal": "quá nhỏ",
    "less_than_equal": "quá lớn",
    "uuid_parsing": "phải là mã UUID",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "datetime_parsing": "phải là thời điểm ISO 8601",
    "json_invalid": "không phải JSON hợp lệ",
    "model_attributes_type": "phải là một đối tượng JSON",
    "dict_type": "phải là một đối tượng JSON",
    "list_type": "phải là một danh sách",
}


def _json_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers a method an address does not take with a plain-text 405: make it JSON."""

    @functools.wraps(view)  # keeps csrf_exempt
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith("application/json"):
            return response
        allowed = response.get("Allow", "")
        detail = NOT_ALLOWED_DETAIL.format(method=request.method, allowed=allowed or "không phương thức nào")
        answer = JsonResponse({"detail": detail}, status=405)
        answer["Allow"] = allowed
        return answer

    return wrapped


class Api(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_not_allowed(pattern.callback)
        return patterns


api = Api(
    title="binhdan API",
    version="1",
    urls_namespace="api",
    docs_url=None,
    openapi_url="/openapi.json",
    description="API của binhdan: đồng bộ ứng dụng hiện trường, trợ lý ảo.",
)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": UNAUTHORIZED_DETAIL}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="binhdan"'
    return response


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": NOT_FOUND_DETAIL}, status=404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Our views raise HttpError with Vietnamese; ninja raises a few with English (a body that is not
    JSON: 400 "Cannot parse request body", with the parser's error appended under DEBUG)."""
    detail = str(exc)
    for english, vietnamese in NINJA_MESSAGES.items():
        if detail.startswith(english):
            detail = vietnamese
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE (Django's default would be a 400)."""
    return api.create_response(request, {"detail": TOO_BIG_DETAIL}, status=413)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """422 naming each wrong field in Vietnamese (ninja's default speaks pydantic's English)."""
    errors = []
    for error in exc.errors[:20]:
        location = [
            str(part) for part in error.get("loc", ()) if part not in ("query", "body", "path", "payload")
        ]
        field = ".".join(location) or "yêu cầu"
        errors.append(
            {"field": field, "message": VALIDATION_MESSAGES.get(str(error.get("type")), "không hợp lệ")}
        )
    summary = "; ".join(f"{e['field']} {e['message']}" for e in errors)
    return api.create_response(
        request, {"detail": f"{INVALID_DETAIL}: {summary}.", "errors": errors}, status=422
    )


api.add_router("/assistant/", assistant_router)
api.add_router("/", fieldwork_router)
