"""The one JSON API under /api/v1/; each app adds its router here."""

from __future__ import annotations

from ninja import NinjaAPI

from binhdan.assistant.api import router as assistant_router
from binhdan.fieldwork.api import router as fieldwork_router

api = NinjaAPI(
    title="binhdan API",
    version="1",
    urls_namespace="api",
    docs_url=None,
    openapi_url="/openapi.json",
    description="API của binhdan: đồng bộ ứng dụng hiện trường, trợ lý ảo.",
)

api.add_router("/assistant/", assistant_router)
api.add_router("/", fieldwork_router)
