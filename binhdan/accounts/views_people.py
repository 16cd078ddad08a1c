"""People and roles of a commune: who holds which role where; invite a member or team leader; hand
over a temporary password; end a role on a date.

Only commune officers (and admins) change anything, and only member and team-leader roles bound to a
village of their own commune (`access.INVITABLE_ROLES`); commune leaders read the list. Everything is
found through `access` (outside scope: 404), every form is a `ScopedForm`, every write is audited.
A temporary password is shown once, on the answer to the POST, and must be changed at first sign-in.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from binhdan.accounts import access, people
from binhdan.accounts.fields import workspace_form
from binhdan.accounts.forms import ConfirmForm, FirstPasswordForm, InviteForm, RoleEndForm
from binhdan.accounts.models import TWO_FACTOR_ROLES, Role, User
from binhdan.accounts.workspace import record_change
from binhdan.common.net import client_ip
from binhdan.places.models import Level, Place

RECENTLY_ENDED = 30  # ended roles listed under the current ones; older history stays in the database


def _commune(request: HttpRequest, pk: int) -> Place:
    commune = access.get_visible_or_404(access.places_visible_to(request.user).communes(), pk=pk)
    if not access.may_read_people(request.user, commune):
        raise Http404
    return commune


def _may_change(user: Any, commune: Place) -> bool:
    return access.may_manage_accounts(user) and access.can_manage_place(user, commune)


def _commune_for_change(request: HttpRequest, pk: int) -> Place:
    commune = _commune(request, pk)
    if not _may_change(request.user, commune):
        raise Http404
    return commune


def _in_commune(commune: Place) -> Q:
    return Q(place=commune) | Q(place__parent=commune, place__level=Level.VILLAGE)


def _order(roles: list[Role]) -> list[Role]:
    """Commune roles first, then village by village; in a village the team leader before the members."""
    rank = {"commune_officer": 0, "commune_leader": 1, "team_leader": 2, "member": 3}
    return sorted(
        roles,
        key=lambda r: (
            r.place is not None and r.place.level != Level.COMMUNE,
            r.place.search_name if r.place is not None else "",
            rank.get(r.kind, 9),
            r.user.display_name.casefold(),
        ),
    )


@require_GET
@login_required
def people_list(request: HttpRequest, pk: int) -> HttpResponse:
    commune = _commune(request, pk)
    user = request.user
    today = timezone.localdate()
    roles = Role.objects.filter(_in_commune(commune)).select_related("user", "place")
    current = _order(list(roles.current()))
    ended = list(roles.filter(valid_to__lt=today).order_by("-valid_to", "-pk")[:RECENTLY_ENDED])
    can_change = _may_change(user, commune)
    endable: set[int] = set()
    resettable: set[int] = set()
    if can_change:
        endable = set(access.roles_endable_by(user).filter(_in_commune(commune)).values_list("pk", flat=True))
        resettable = set(access.passwords_resettable_by(user).values_list("pk", flat=True))
    rows = [
        {
            "role": role,
            "may_end": role.pk in endable,
            "may_reset": role.user_id in resettable,
            "needs_two_factor": role.kind in TWO_FACTOR_ROLES,
        }
        for role in current
    ]
    return render(
        request,
        "accounts/people_list.html",
        {"commune": commune, "rows": rows, "ended": ended, "can_change": can_change},
    )


def _form_page(request: HttpRequest, form: Any, **context: Any) -> HttpResponse:
    return render(request, "accounts/people_form.html", {"form": form, **context})


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", InviteForm)
def people_invite(request: HttpRequest, pk: int) -> HttpResponse:
    commune = _commune_for_change(request, pk)
    by = cast(User, request.user)
    form = InviteForm(
        request.POST or None,
        user=by,
        commune=commune,
        initial={"valid_from": timezone.localdate(), "village": request.GET.get("thon")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invited, role, password = people.invite(
                by=by,
                username=data["username"],
                full_name=data["full_name"],
                phone=data["phone"],
                kind=data["kind"],
                village=data["village"],
                valid_from=data["valid_from"],
            )
        except IntegrityError:  # the same name taken a moment ago by another officer
            form.add_error(None, f"Tên đăng nhập “{data['username']}” vừa có người dùng. Hãy chọn tên khác.")
            return _form_page(request, form, **_invite_page(commune))
        record_change(
            request,
            f"Mời {invited.display_name} ({invited.username}) làm {role.get_kind_display()} — "
            f"{role.place} từ {role.valid_from:%d/%m/%Y}",
            place=role.place,
            obj=invited,
        )
        return render(
            request,
            "accounts/people_password.html",
            {"commune": commune, "target": invited, "password": password, "role": role, "invited": True},
        )
    return _form_page(request, form, **_invite_page(commune))


def _invite_page(commune: Place) -> dict[str, Any]:
    return {
        "title": f"Mời tổ viên, tổ trưởng — {commune.name}",
        "submit": "Tạo tài khoản",
        "cancel": reverse("accounts:people_list", args=[commune.pk]),
        "intro": "Tài khoản mới được giữ vai trò ở một thôn, tổ dân phố của xã. binhdan tạo một mật khẩu "
        "tạm và chỉ hiện một lần; người được mời phải đổi mật khẩu ngay lần đăng nhập đầu. "
        "Để người này vào tổ, hãy thêm họ trên trang của tổ.",
    }


def _village_of(role: Role) -> Place:
    return cast(Place, role.place)


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("role", RoleEndForm)
def role_end(request: HttpRequest, pk: int) -> HttpResponse:
    role = access.get_visible_or_404(
        access.roles_endable_by(request.user).select_related("user", "place__parent"), pk=pk
    )
    village = _village_of(role)
    form = RoleEndForm(
        request.POST if request.method == "POST" else None,
        role=role,
        initial={"valid_to": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        people.end_role(by=cast(User, request.user), role=role, valid_to=form.cleaned_data["valid_to"])
        record_change(
            request,
            f"Kết thúc vai trò {role.get_kind_display()} — {village} của {role.user.display_name} "
            f"từ sau ngày {role.valid_to:%d/%m/%Y}",
            place=village,
            obj=role,
        )
        messages.success(
            request,
            f"{role.user.display_name} giữ vai trò {role.get_kind_display()} đến hết ngày {role.valid_to:%d/%m/%Y}.",
        )
        return redirect("accounts:people_list", pk=village.parent_id)
    return _form_page(
        request,
        form,
        title=f"Kết thúc vai trò của {role.user.display_name}",
        submit="Kết thúc vai trò",
        cancel=reverse("accounts:people_list", args=[village.parent_id]),
        intro=f"{role.get_kind_display()} — {village}, từ ngày {role.valid_from:%d/%m/%Y}. Từ sau ngày cuối, "
        "người này không còn xem được hộ của thôn. Lịch sử vẫn giữ. Nếu người này còn trong tổ, "
        "hãy cho rời tổ trên trang của tổ.",
    )


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("person", ConfirmForm)
def password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    by = cast(User, request.user)
    target = access.get_visible_or_404(access.passwords_resettable_by(by), pk=pk)
    role = (
        access.roles_endable_by(by).filter(user=target).select_related("place__parent").order_by("pk").first()
    )
    if role is None:  # a resettable user holds a field role in scope; anything else is not theirs
        raise Http404
    village = _village_of(role)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        password, revoked = people.reset_password(by=by, user=target, ip=client_ip(request))
        record_change(
            request,
            f"Cấp mật khẩu tạm cho {target.display_name} ({target.username})",
            place=village,
            obj=target,
        )
        return render(
            request,
            "accounts/people_password.html",
            {
                "commune": village.parent,
                "target": target,
                "password": password,
                "role": role,
                "revoked": revoked,
            },
        )
    return _form_page(
        request,
        form,
        title=f"Cấp mật khẩu tạm cho {target.display_name}",
        submit="Cấp mật khẩu tạm",
        cancel=reverse("accounts:people_list", args=[village.parent_id]),
        intro=f"Tên đăng nhập: {target.username}. Mật khẩu cũ hết hiệu lực ngay; mật khẩu tạm chỉ hiện một "
        "lần và người dùng phải đổi nó ở lần đăng nhập tới. Chỉ làm khi đã nhận ra đúng người.",
    )


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password; required first after a temporary password was handed over."""
    user = cast(User, request.user)
    form = FirstPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.save()
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
        update_session_auth_hash(request, user)
        record_change(request, "Đổi mật khẩu", place=None, obj=user)
        messages.success(request, "Đã đổi mật khẩu.")
        return redirect("home")
    return render(
        request, "accounts/password_change.html", {"form": form, "forced": user.must_change_password}
    )
