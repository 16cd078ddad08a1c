"""Officers must finish two-factor sign-in before they reach any page."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

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
                return HttpResponse(status=401)
            target = (
                "accounts:otp_verify"
                if user.totpdevice_set.filter(confirmed=True).exists()
                else "accounts:otp_setup"
            )
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
