"""The guides for the field app's offline use: one public JSON document, compressed, versioned."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET

from binhdan.assistant import offline

# A day: the phone always asks with If-None-Match (the version it holds), so a changed guide reaches it
# on its next check whatever this says; the long lifetime only spares browsers and proxies the body.
MAX_AGE = 24 * 3600
_Q = re.compile(r"q\s*=\s*([0-9.]+)", re.IGNORECASE)


def _etag(version: str) -> str:
    return f'"{version}"'


def _matches(header: str, etag: str) -> bool:
    # Weak comparison, as If-None-Match asks: a proxy that re-compressed the body may have weakened it.
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


def _accepts_gzip(request: HttpRequest) -> bool:
    """gzip (or *) listed in Accept-Encoding without q=0."""
    for item in request.headers.get("Accept-Encoding", "").split(","):
        name, _, params = item.partition(";")
        if name.strip().lower() not in ("gzip", "*"):
            continue
        quality = _Q.search(params)
        try:
            return quality is None or float(quality.group(1)) > 0
        except ValueError:
            return False
    return False


@require_GET
def guides_json(request: HttpRequest) -> HttpResponse:
    """Every guide (offline.py); 304 when the phone's copy is current; gzip when the client takes it."""
    document = offline.offline_guides()
    etag = _etag(document.version)
    if _matches(request.headers.get("If-None-Match", ""), etag):
        response: HttpResponse = HttpResponseNotModified()
    elif _accepts_gzip(request):
        response = HttpResponse(document.gzipped, content_type="application/json; charset=utf-8")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(document.body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["Vary"] = "Accept-Encoding"
    response["X-Guides-Version"] = document.version
    return response
