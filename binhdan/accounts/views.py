from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from binhdan.accounts.forms import OTPForm, SignInForm


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


def _check_token(form: OTPForm, device: TOTPDevice) -> bool:
    """Check a code; the device throttles guesses (a growing wait after each wrong code)."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        form.add_error("token", "Bạn đã nhập sai nhiều lần. Vui lòng đợi vài giây rồi nhập mã mới.")
        return False
    if device.verify_token(form.cleaned_data["token"]):
        return True
    form.add_error(
        "token", "Mã xác thực không đúng hoặc đã hết hạn. Kiểm tra giờ trên điện thoại rồi nhập mã mới."
    )
    return False


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("accounts:otp_setup")
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _check_token(form, device):
        otp_login(request, device)
        return redirect(_next_url(request))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("accounts:otp_verify")
    device, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Ứng dụng xác thực"}
    )
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _check_token(form, device):
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        return redirect(_next_url(request))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, title="Mã QR thiết lập xác thực hai lớp"
    )
    secret_b32 = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/otp_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": secret_b32, "next": _next_url(request)},
    )


def locked_out(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return render(request, "accounts/locked_out.html", status=429)
