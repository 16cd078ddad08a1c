from __future__ import annotations

import base64
from typing import Any, cast

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from binhdan.accounts import access, audit, enrolment, tokens
from binhdan.accounts.forms import ApiTokenForm, EnrolmentCodeForm, OTPForm, SignInForm
from binhdan.accounts.models import AuditEvent, User
from binhdan.common.net import client_ip

# Sent with the sign-out answer: the browser drops the site's caches and storage (IndexedDB included).
CLEAR_SITE_DATA = '"cache", "storage"'


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        previous = user.last_login  # login() sets it to now
        response = super().form_valid(form)
        tell_of_credential_changes(self.request, user, previous)
        return response


def tell_of_credential_changes(request: HttpRequest, user: User, since: Any) -> None:
    """After sign-in, the changes to the password, second factor and API tokens since the previous
    sign-in, each with its time, on the next page (ASVS 2.2.3: there is no e-mail or SMS to users)."""
    changes, total = audit.credential_changes(user, since)
    if not changes:
        return
    messages.warning(request, "Từ lần đăng nhập trước, thông tin đăng nhập của bạn đã thay đổi:")
    for change in changes:
        messages.warning(request, f"{timezone.localtime(change.at):%H:%M ngày %d/%m/%Y}: {change.text}.")
    if total > len(changes):
        messages.warning(request, f"… và {total - len(changes)} thay đổi khác.")
    messages.warning(
        request,
        "Nếu không phải bạn làm hay nhờ làm, hãy báo ngay cho cán bộ xã để cấp lại mật khẩu và thu hồi mã truy cập.",
    )


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


ENROLMENT_SESSION_KEY = "two_factor_enrolment_code_ok"


def _enrolment_code_step(request: HttpRequest) -> HttpResponse | None:
    """For roles that require two-factor: ask for the out-of-band enrolment code first (once per session)."""
    user = cast(User, request.user)  # login_required: never anonymous here
    if not enrolment.needs_enrolment_code(user) or request.session.get(ENROLMENT_SESSION_KEY) == user.pk:
        return None
    form = EnrolmentCodeForm(request.POST if request.POST.get("step") == "code" else None)
    if form.is_bound and form.is_valid():
        if enrolment.guesses_exhausted(user):
            form.add_error("code", "Bạn đã nhập sai nhiều lần. Vui lòng đợi 15 phút rồi thử lại.")
        elif enrolment.use_enrolment_code(user=user, code=form.cleaned_data["code"], ip=client_ip(request)):
            request.session[ENROLMENT_SESSION_KEY] = user.pk
            return redirect(f"{reverse('accounts:otp_setup')}?{urlencode({'next': _next_url(request)})}")
        else:
            form.add_error(
                "code",
                "Mã thiết lập không đúng, đã dùng hoặc đã hết hạn. Hãy xin cán bộ xã (hoặc quản trị hệ thống) cấp mã mới.",
            )
    return render(request, "accounts/otp_enrolment_code.html", {"form": form, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("accounts:otp_verify")
    code_step = _enrolment_code_step(request)
    if code_step is not None:
        return code_step
    device, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Ứng dụng xác thực"}
    )
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _check_token(form, device):
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        request.session.pop(ENROLMENT_SESSION_KEY, None)
        otp_login(request, device)
        audit.record(
            request, AuditEvent.Action.TWO_FACTOR_ENROL, obj=request.user, detail="Bật xác thực hai lớp"
        )
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


class SignOutView(auth_views.LogoutView):
    """Sign out, and tell the browser to drop every cache and stored data of this site (shared phones)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response


# -- personal API tokens ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required: never anonymous here
    may_hold = access.may_hold_api_token(user)
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and may_hold and form.is_valid():
        new_token = tokens.create_api_token(
            user=user, name=form.cleaned_data["name"], by=user, ip=client_ip(request)
        )
        form = ApiTokenForm()
    visible = tokens.tokens_manageable_by(user)
    own = [t for t in visible if t.user_id == user.pk]
    others = [t for t in visible if t.user_id != user.pk]
    return render(
        request,
        "accounts/token_list.html",
        {
            "form": form,
            "may_hold": may_hold,
            "new_token": new_token,
            "own": own,
            "others": others,
            "manages": access.may_manage_accounts(user),
            "token_days": settings.API_TOKEN_DAYS,
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    by = cast(User, request.user)  # login_required: never anonymous here
    token = access.get_visible_or_404(tokens.tokens_manageable_by(by), pk=pk)
    if tokens.revoke_api_token(by=by, token=token, ip=client_ip(request)):
        messages.success(request, f"Đã thu hồi mã {token.prefix}… của {token.user.display_name}.")
    else:
        messages.info(request, f"Mã {token.prefix}… đã được thu hồi từ trước.")
    return redirect("accounts:token_list")


# -- enrolment codes ------------------------------------------------------------------------------------


def _managed_or_404(request: HttpRequest) -> None:
    if not access.may_manage_accounts(request.user):
        raise Http404


@login_required
@require_GET
def enrolment_list(request: HttpRequest) -> HttpResponse:
    _managed_or_404(request)
    users = [
        u
        for u in access.users_managed_by(request.user).filter(is_active=True).order_by("username")
        if u.requires_two_factor
    ]
    confirmed = set(
        TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True)
    )
    rows = [{"user": u, "has_device": u.pk in confirmed} for u in users]
    return render(
        request,
        "accounts/enrolment_list.html",
        {"rows": rows, "hours": enrolment.ENROLMENT_CODE_HOURS},
    )


@login_required
@require_POST
def enrolment_issue(request: HttpRequest, pk: int) -> HttpResponse:
    _managed_or_404(request)
    target = access.get_visible_or_404(access.users_managed_by(request.user).filter(is_active=True), pk=pk)
    code = enrolment.issue_enrolment_code(user=target, by=cast(User, request.user), ip=client_ip(request))
    return render(
        request,
        "accounts/enrolment_issued.html",
        {"target": target, "code": code, "hours": enrolment.ENROLMENT_CODE_HOURS},
    )


def locked_out(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return render(request, "accounts/locked_out.html", status=429)
