"""Officers must finish two-factor sign-in before they reach any page (or the API with their session).

Also sets `request.api_token = None`; the API's token authentication replaces it with the token row."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from binhdan.accounts.api_auth import TWO_FACTOR_DETAIL

_ALLOWED_PREFIXES = (
    "/static/",
    "/healthz",
    "/tai-khoan/dang-xuat/",
    "/tai-khoan/xac-thuc/",
    "/tai-khoan/thiet-lap-xac-thuc/",
)


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.api_token = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not settings.TWO_FACTOR_RELAXED
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and not user.is_verified()
            and (user.requires_two_factor or user.totpdevice_set.filter(confirmed=True).exists())
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": TWO_FACTOR_DETAIL}, status=401)
            target = (
                "accounts:otp_verify"
                if user.totpdevice_set.filter(confirmed=True).exists()
                else "accounts:otp_setup"
            )
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
