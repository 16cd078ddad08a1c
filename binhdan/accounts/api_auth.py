"""Authentication for the JSON API under /api/v1/: a personal token (Bearer) or the browser session.

- `TokenAuth`: `Authorization: Bearer bd_…` — see `tokens.authenticate_token` for when a token works.
  On success `request.user` is the token's user and `request.api_token` the `ApiToken` row; every
  other request has `request.api_token = None` (set by `TwoFactorRequiredMiddleware`).
- `FieldSessionAuth`: the signed-in session (the field app), CSRF-checked for writes. Without a
  signed-in session it answers "no credentials" (401), never "CSRF check failed" (403).
Missing or bad credentials answer 401 with `UNAUTHORIZED_DETAIL` (config/api.py).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from binhdan.accounts.tokens import authenticate_token
from binhdan.common.net import client_ip

UNAUTHORIZED_DETAIL = "Cần đăng nhập hoặc mã truy cập hợp lệ."
TWO_FACTOR_DETAIL = "Cần hoàn tất xác thực hai lớp trước khi dùng API."
CSRF_DETAIL = "Yêu cầu thiếu mã chống giả mạo (CSRF). Hãy tải lại trang rồi thử lại."


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        row = authenticate_token(token, ip=client_ip(request))
        if row is None:
            return None
        request.user = row.user
        request.api_token = row  # type: ignore[attr-defined]
        return row.user


class FieldSessionAuth(SessionAuth):
    """The field app's browser session; CSRF-checked. Officers still need two-factor (middleware)."""

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # no session: 401 below, whatever the CSRF token says
        try:
            return super().__call__(request)
        except HttpError as exc:
            if exc.status_code == 403:  # ninja's "CSRF check Failed"
                raise HttpError(403, CSRF_DETAIL) from exc
            raise


AUTH = [TokenAuth(), FieldSessionAuth()]
