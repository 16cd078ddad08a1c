"""The one JSON API under /api/v1/; each app adds its router here.

Every answer is JSON, errors included: 401 with a Vietnamese message for missing or bad credentials
(binhdan.accounts.api_auth), 404 and 422 as `{"detail": …}`; unexpected errors reach config.urls'
handler500, which also answers JSON under /api/.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from binhdan.accounts.api_auth import UNAUTHORIZED_DETAIL
from binhdan.assistant.api import router as assistant_router
from binhdan.fieldwork.api import router as fieldwork_router

NOT_FOUND_DETAIL = "Không tìm thấy."

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


api.add_router("/assistant/", assistant_router)
api.add_router("/", fieldwork_router)
