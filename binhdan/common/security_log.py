"""Failed access-control decisions as security events (OWASP ASVS 4.0.3 7.2.2, docs/security.md).

`SecurityEventMiddleware` writes one line to the `binhdan.security` logger for every answer that
refused access:

- 401 (the API without valid credentials, an officer's session without two-factor),
- 403 (PermissionDenied, a CSRF failure, the API's refusals),
- 404 that hides an object the user may not see: `OutOfScope`, raised by
  `accounts.access.get_visible_or_404` when the row exists outside the user's scope (a row that does
  not exist at all stays a plain, unlogged 404), and the Django admin's 404 for anyone but system
  admins (`AdminClosedMiddleware`).

The answer itself does not change: out of scope still looks exactly like missing (ASVS 4.1.5).

A line holds the status, the reason, the user id (or `-`), the API token id when one was used, the
method and the path without its query string (search words may be names). No names, no addresses, no
values; the path is percent-encoded so a hostile path cannot forge a second line (ASVS 7.3.1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.module_loading import import_string

logger = logging.getLogger("binhdan.security")

# The reasons noted while one request is answered (a list per request; None outside a request).
_marks: ContextVar[list[str] | None] = ContextVar("binhdan_security_marks", default=None)
PATH_SAFE = "/:@!$&'()*+,;=-._~"
MAX_PATH = 200


def mark(reason: str) -> None:
    """Note why the current request is about to be refused (used when the answer is a 403/404)."""
    holder = _marks.get()
    if holder is not None:
        holder.append(reason)


class OutOfScope(Http404):
    """A 404 for an object that exists but is not the user's to see; answered exactly like a missing one."""

    def __init__(self, what: str = "") -> None:
        super().__init__()
        self.what = what
        mark(f"out_of_scope:{what}" if what else "out_of_scope")


def _clean(text: str, limit: int) -> str:
    return quote(text, safe=PATH_SAFE)[:limit] or "-"


def log_denied(request: HttpRequest, status: int, reason: str) -> None:
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else "-"
    token = getattr(request, "api_token", None)
    logger.warning(
        "access_denied status=%s reason=%s user=%s token=%s method=%s path=%s",
        status,
        _clean(reason, 60),
        user_id,
        getattr(token, "pk", None) or "-",
        _clean(request.method or "", 10),
        _clean(request.path, MAX_PATH),
    )


class SecurityEventMiddleware:
    """One `binhdan.security` line per refused request; placed before `AdminClosedMiddleware`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._admin_prefix: str | None = None
        # Who is a system admin is decided by accounts.access (named in settings: common imports no app).
        self._is_admin: Callable[[Any], bool] = import_string(settings.SECURITY_LOG_ADMIN_CHECK)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        marks: list[str] = []
        token = _marks.set(marks)
        try:
            response = self.get_response(request)
        finally:
            _marks.reset(token)
        reason = self._reason(request, response.status_code, marks)
        if reason:
            log_denied(request, response.status_code, reason)
        return response

    def _reason(self, request: HttpRequest, status: int, marks: list[str]) -> str:
        if status == 401:
            return marks[-1] if marks else "unauthenticated"
        if status == 403:
            return marks[-1] if marks else "forbidden"
        if status != 404:
            return ""
        if marks:
            return marks[-1]
        if self._admin_prefix is None:
            self._admin_prefix = reverse("admin:index")
        if request.path.startswith(self._admin_prefix) and not self._is_admin(getattr(request, "user", None)):
            return "admin_closed"
        return ""
