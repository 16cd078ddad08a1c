"""Officers must finish two-factor sign-in before they reach any page (or the API with their session);
a user with a temporary password changes it first; the Django admin answers 404 to all but admins.

Also sets `request.api_token = None`; the API's token authentication replaces it with the token row."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
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


PASSWORD_CHANGE_PATH = "/tai-khoan/doi-mat-khau/"  # nosec B105  # a URL path
PASSWORD_CHANGE_DETAIL = "Bạn đang dùng mật khẩu tạm. Hãy đăng nhập trên trang web và đổi mật khẩu trước."  # nosec B105  # a message


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
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not request.path.startswith((*_ALLOWED_PREFIXES, PASSWORD_CHANGE_PATH))
        ):
            # A temporary password handed over by an officer: replace it before anything else.
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": PASSWORD_CHANGE_DETAIL}, status=403)
            return redirect("accounts:password_change")
        return self.get_response(request)


class AdminClosedMiddleware:
    """The Django admin exists only for system admins (SPEC §3): anyone else — anonymous, members,
    leaders, officers, province officers — gets the site's ordinary 404 there, not a login page or a
    403, so nobody learns the admin is there. Placed before the two-factor check, so an officer who
    has not finished two-factor sign-in gets the 404 too; an admin still has to finish it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._prefix: str | None = None

    def _admin_prefix(self) -> str:
        if self._prefix is None:
            self._prefix = reverse("admin:index")
        return self._prefix

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from binhdan.accounts import access

        if request.path.startswith(self._admin_prefix()) and not access.is_admin(
            getattr(request, "user", None)
        ):
            raise Http404
        return self.get_response(request)
