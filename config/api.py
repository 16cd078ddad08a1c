"""The one JSON API under /api/v1/; each app adds its router here.

Every answer is JSON, errors included: 401 with a Vietnamese message for missing or bad credentials
(binhdan.accounts.api_auth), 404 and 422 as `{"detail": …}`; unexpected errors reach config.urls'
handler500, which also answers JSON under /api/.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from binhdan.accounts.api_auth import UNAUTHORIZED_DETAIL
from binhdan.assistant.api import router as assistant_router
from binhdan.fieldwork.api import router as fieldwork_router

NOT_FOUND_DETAIL = "Không tìm thấy."
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

api = NinjaAPI(
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
