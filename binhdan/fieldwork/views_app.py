"""The field app (ứng dụng hiện trường): an installable web app that works with no network."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

APP_URL = "/hien-truong/"
# The assistant's guides for offline use (assistant/urls_offline.py): fieldwork sits beside the assistant,
# never above it, so it knows the document only by its path. Public, no personal data.
GUIDES_URL = "/tro-ly/ngoai-tuyen/huong-dan.json"
# Everything the shell needs to open with no network; the service worker caches exactly these.
# None of them holds personal data: names come only from IndexedDB, filled by the pull.
SHELL_ASSETS = [
    "js/signout.js",
    "fieldwork/guides.js",
    "fieldwork/field.js",
    "fieldwork/field.css",
    "fieldwork/icon-192.png",
    "fieldwork/icon-512.png",
]


def _assets_version() -> str:
    digest = hashlib.sha256()
    for name in SHELL_ASSETS:
        found = finders.find(name)
        if isinstance(found, str):
            with open(found, "rb") as asset:
                digest.update(asset.read())
    digest.update(
        render_to_string("fieldwork/app/shell.html", {"csrf_token": "", "guides_url": GUIDES_URL}).encode()  # nosec B105  # the cached shell holds no token
    )
    return digest.hexdigest()[:12]


@require_GET
@login_required
def app_shell(request: HttpRequest) -> HttpResponse:
    """The same page for every member: no personal data in it, so the phone may cache it."""
    get_token(request)  # the app sends the CSRF cookie back as X-CSRFToken
    response = render(request, "fieldwork/app/shell.html", {"guides_url": GUIDES_URL})
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    body = render_to_string(
        "fieldwork/app/sw.js",
        {"version": _assets_version(), "app_url": APP_URL, "assets": [static(a) for a in SHELL_ASSETS]},
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = APP_URL
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {
            "name": "binhdan — Tổ công nghệ số cộng đồng",
            "short_name": "Tổ CNS",
            "description": "Ghi lượt hỗ trợ người dân, kể cả khi không có mạng.",
            "lang": "vi",
            "start_url": APP_URL,
            "scope": APP_URL,
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b5cad",
            "icons": [
                {
                    "src": static("fieldwork/icon-192.png"),
                    "sizes": "192x192",
                    "type": "image/png",
                    "purpose": "any",
                },
                {
                    "src": static("fieldwork/icon-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "any",
                },
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
