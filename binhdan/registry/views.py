"""Registry pages. Each view asks `access` for what the user may see, calls a service, renders."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from binhdan.accounts import access, audit
from binhdan.accounts.models import AuditEvent
from binhdan.common.forms import errors_to_form, form_page
from binhdan.places.models import Place
from binhdan.registry import services
from binhdan.registry.forms import (
    ConsentForm,
    HouseholdForm,
    HouseholdSearchForm,
    LeftForm,
    Presence,
    ResidentForm,
    StatusAsOfForm,
    StatusObservationForm,
)
from binhdan.registry.models import (
    CommuneSettings,
    Household,
    HouseholdMove,
    LeftReason,
    Resident,
    Skill,
    SkillLevel,
    Source,
    StatusField,
    status_value_label,
)

PAGE_SIZE = 50


def _audit_change(
    request: HttpRequest, what: str, *, place: Place, obj: object, fields: Iterable[str] = ()
) -> None:
    """Audit a web edit. The detail holds ids and field names only, never the values typed (names, phones,
    addresses): erasure must not have to chase personal data through the audit log."""
    names = ", ".join(sorted(fields))
    detail = f"{what} (mã {getattr(obj, 'pk', '')})" + (f": {names}" if names else "")
    audit.record(request, AuditEvent.Action.CHANGE, place=place, obj=obj, detail=detail)


def _changed(form: forms.BaseForm) -> list[str]:
    """The fields a save really changed, for the audit: an empty "Ngày vào sổ" keeps the saved date (or
    takes today's), and "Ngày chuyển thôn" only counts with a change of village."""
    data = form.cleaned_data
    return [
        name
        for name in form.changed_data
        if not (name == "registered_on" and data.get("registered_on") is None)
        and not (name == "moved_on" and "moved_on" not in data)
    ]


def _villages_for_change(request: HttpRequest):
    return Place.objects.filter(
        access.villages_with_personal_data(request.user, for_change=True)
    ).vietnamese_order()


@require_GET
@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    villages = Place.objects.filter(access.villages_with_personal_data(request.user)).vietnamese_order()
    form = HouseholdSearchForm(request.GET or None, villages=villages)
    households = Household.objects.visible_to(request.user)
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"] or ""
        households = households.search(query)
        if form.cleaned_data["thon"]:
            households = households.filter(village=form.cleaned_data["thon"])
    presence = request.GET.get("tinh_trang")
    if presence not in Presence.values:
        presence = Presence.PRESENT  # default: the households in the registry today
    if presence == Presence.PRESENT:
        households = households.present_on(timezone.localdate())
    elif presence == Presence.LEFT:
        households = households.filter(left_on__isnull=False)
    households = (
        households.select_related("village", "assigned_member")
        .annotate(resident_count=Count("residents", filter=Q(residents__erased_at__isnull=True)))
        .vietnamese_order()
    )
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("trang"))
    audit.record(request, AuditEvent.Action.VIEW_LIST, detail=f"Danh sách hộ; tìm: {query}"[:300])
    params = request.GET.copy()
    params.pop("trang", None)
    return render(
        request,
        "registry/household_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "querystring": params.urlencode(),
            "presence": Presence(presence),
            "can_add": villages.exists() and _villages_for_change(request).exists(),
            "has_scope": villages.exists(),
            "can_import": access.is_admin(request.user) or access.has_role(request.user, "commune_officer"),
            "can_export": access.is_admin(request.user)
            or access.has_role(request.user, "commune_officer", "commune_leader"),
        },
    )


@require_GET
@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = access.get_visible_or_404(
        Household.objects.visible_to(request.user).select_related(
            "village", "village__parent", "assigned_member"
        ),
        pk=pk,
    )
    residents = sorted(
        household.residents.filter(erased_at__isnull=True),
        key=lambda r: (r.left_on is not None, r.relation != "chu_ho", r.birth_year or 9999, r.pk),
    )
    moves = HouseholdMove.objects.filter(household=household).select_related("from_village", "to_village")
    audit.record(request, AuditEvent.Action.VIEW_HOUSEHOLD, place=household.village, obj=household)
    can_change = access.can_change_personal_data(request.user, household.village)
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "residents": residents,
            "present_count": sum(1 for r in residents if r.left_on is None),
            "moves": moves,
            "can_change": can_change,
            "left_form": LeftForm(entry=household) if can_change and household.left_on is None else None,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def household_create(request: HttpRequest) -> HttpResponse:
    villages = _villages_for_change(request)
    if not villages.exists():
        raise Http404
    form = HouseholdForm(
        request.POST or None, villages=villages, initial={"village": request.GET.get("thon")}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        village = data.pop("village")
        if data.get("registered_on") is None:
            data.pop("registered_on", None)  # the service's default: today
        try:
            household = services.create_household(by=request.user, village=village, **data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            _audit_change(request, "Thêm hộ", place=village, obj=household, fields=_changed(form))
            messages.success(request, f"Đã thêm {household}.")
            return redirect("registry:household_detail", pk=household.pk)
    return render(request, "registry/household_form.html", {"form": form, "title": "Thêm hộ gia đình"})


@require_http_methods(["GET", "POST"])
@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = access.get_visible_or_404(Household.objects.changeable_by(request.user), pk=pk)
    villages = _villages_for_change(request)
    form = HouseholdForm(request.POST or None, instance=household, villages=villages)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if data.get("registered_on") is None:
            data["registered_on"] = form.saved[1]  # an empty box keeps the saved date
        try:
            services.update_household(by=request.user, household=household, **data)
        except ValidationError as exc:
            household.refresh_from_db()
            errors_to_form(form, exc)
        else:
            _audit_change(request, "Sửa hộ", place=household.village, obj=household, fields=_changed(form))
            messages.success(request, "Đã lưu thông tin hộ.")
            return redirect("registry:household_detail", pk=household.pk)
    return render(
        request,
        "registry/household_form.html",
        {"form": form, "title": f"Sửa {household}", "household": household},
    )


@require_http_methods(["GET", "POST"])
@login_required
def resident_create(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = access.get_visible_or_404(
        Household.objects.changeable_by(request.user).select_related("village__parent"), pk=household_pk
    )
    allow_id = CommuneSettings.for_commune(household.village.parent).store_citizen_ids
    form = ResidentForm(request.POST or None, allow_citizen_id=allow_id)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        citizen_id = data.pop("citizen_id", "")
        if data.get("registered_on") is None:
            data.pop("registered_on", None)  # the service's default: today
        try:
            resident = services.add_resident(
                by=request.user, household=household, citizen_id=citizen_id, **data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            _audit_change(
                request, "Thêm người dân", place=household.village, obj=resident, fields=_changed(form)
            )
            messages.success(request, f"Đã thêm {resident.full_name} vào hộ.")
            return redirect("registry:resident_detail", pk=resident.pk)
    return render(
        request,
        "registry/resident_form.html",
        {"form": form, "household": household, "title": f"Thêm người vào {household}"},
    )


@require_http_methods(["GET", "POST"])
@login_required
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = access.get_visible_or_404(
        Resident.objects.changeable_by(request.user)
        .filter(erased_at__isnull=True)
        .select_related("household__village__parent"),
        pk=pk,
    )
    allow_id = CommuneSettings.for_commune(resident.household.village.parent).store_citizen_ids
    saved_registered_on = resident.registered_on
    form = ResidentForm(request.POST or None, instance=resident, allow_citizen_id=allow_id)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        citizen_id = data.pop("citizen_id", "")
        if data.get("registered_on") is None:
            data["registered_on"] = saved_registered_on  # an empty box keeps the saved date
        try:
            services.update_resident(by=request.user, resident=resident, citizen_id=citizen_id, **data)
        except ValidationError as exc:
            resident.refresh_from_db()
            errors_to_form(form, exc)
        else:
            _audit_change(
                request, "Sửa người dân", place=resident.household.village, obj=resident,
                fields=_changed(form),
            )  # fmt: skip
            messages.success(request, "Đã lưu thông tin người dân.")
            return redirect("registry:resident_detail", pk=resident.pk)
    return render(
        request,
        "registry/resident_form.html",
        {"form": form, "household": resident.household, "title": f"Sửa thông tin {resident.full_name}"},
    )


@require_GET
@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = access.get_visible_or_404(
        Resident.objects.visible_to(request.user)
        .filter(erased_at__isnull=True)
        .select_related("household__village__parent"),
        pk=pk,
    )
    as_of_form = StatusAsOfForm(request.GET or None)
    as_of = timezone.localdate()
    if as_of_form.is_valid() and as_of_form.cleaned_data["ngay"]:
        as_of = as_of_form.cleaned_data["ngay"]
    current = services.status_as_of([resident.pk], as_of).get(resident.pk, {})
    status_rows = [{"label": field.label, "observation": current.get(field.value)} for field in StatusField]
    skills_now = services.skills_as_of([resident.pk], as_of).get(resident.pk, {})
    skills = [
        {"skill": skill, "observation": skills_now.get(skill.pk)}
        for skill in Skill.objects.filter(active=True)
    ]
    history = resident.status_observations.select_related("recorded_by").order_by(
        "-observed_on", "-recorded_at"
    )
    audit.record(request, AuditEvent.Action.VIEW_RESIDENT, place=resident.household.village, obj=resident)
    can_change = access.can_change_personal_data(request.user, resident.household.village)
    return render(
        request,
        "registry/resident_detail.html",
        {
            "resident": resident,
            "as_of": as_of,
            "as_of_form": as_of_form,
            "status_rows": status_rows,
            "skills": skills,
            "history": history,
            "consent": resident.consents.first(),
            "can_change": can_change,
            "left_form": LeftForm(entry=resident) if can_change and resident.left_on is None else None,
            "can_handle_rights": resident.household.village.parent is not None
            and access.can_manage_place(request.user, resident.household.village.parent),
            "observation_form": StatusObservationForm() if can_change else None,
            "consent_form": ConsentForm() if can_change else None,
            "skill_levels": SkillLevel,
        },
    )


@require_POST
@login_required
def resident_observe(request: HttpRequest, pk: int) -> HttpResponse:
    resident = access.get_visible_or_404(
        Resident.objects.changeable_by(request.user)
        .filter(erased_at__isnull=True)
        .select_related("household__village"),
        pk=pk,
    )
    form = StatusObservationForm(request.POST, resident=resident)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_status(
                by=request.user,
                resident=resident,
                facts=[
                    services.StatusFact(field=data["field"], value=data["value"], evidence=data["evidence"])
                ],
                observed_on=data["observed_on"],
                source=Source.VISIT
                if access.has_role(request.user, "member", "team_leader")
                else Source.OFFICER,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            _audit_change(
                request, "Ghi nhận trạng thái", place=resident.household.village, obj=resident,
                fields=[data["field"]],
            )  # fmt: skip
            label = status_value_label(data["field"], data["value"])
            messages.success(request, f"Đã ghi nhận: {StatusField(data['field']).label} — {label}.")
            return redirect("registry:resident_detail", pk=resident.pk)
    return render(request, "registry/observation_form.html", {"form": form, "resident": resident}, status=400)


@require_POST
@login_required
def resident_consent(request: HttpRequest, pk: int) -> HttpResponse:
    resident = access.get_visible_or_404(
        Resident.objects.changeable_by(request.user)
        .filter(erased_at__isnull=True)
        .select_related("household__village"),
        pk=pk,
    )
    form = ConsentForm(request.POST)
    if form.is_valid():
        consent = services.record_consent(by=request.user, resident=resident, **form.cleaned_data)
        _audit_change(
            request, "Ghi nhận đồng ý" if consent.given else "Ghi nhận rút lại đồng ý",
            place=resident.household.village, obj=resident,
            fields=["method"] + (["note"] if consent.note else []),
        )  # fmt: skip
        messages.success(request, "Đã ghi nhận ý kiến đồng ý của người dân.")
        return redirect("registry:resident_detail", pk=resident.pk)
    return render(request, "registry/consent_form.html", {"form": form, "resident": resident}, status=400)


def _left_date(entry: Household | Resident) -> str:
    return f"{entry.left_on:%d/%m/%Y}" if entry.left_on else ""


def _record_left(
    request: HttpRequest,
    entry: Household | Resident,
    *,
    village: Place,
    what: str,
    back: HttpResponseRedirect,
) -> HttpResponse:
    """Ghi nhận rời sổ for a household or resident the user may change: the form page on GET, the
    service on a valid POST (audited), the form again with its Vietnamese errors (400) otherwise."""
    name = str(entry) if isinstance(entry, Household) else entry.full_name
    title = f"Ghi nhận rời sổ — {name}"
    if entry.left_on is not None:
        messages.info(request, f"{name} đã rời sổ ngày {_left_date(entry)}; hãy hoàn tác trước nếu cần sửa.")
        return back
    form = LeftForm(request.POST if request.method == "POST" else None, entry=entry)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if isinstance(entry, Household):
                services.record_household_left(
                    by=request.user, household=entry, left_on=data["left_on"], reason=data["reason"]
                )
            else:
                services.record_resident_left(
                    by=request.user, resident=entry, left_on=data["left_on"], reason=data["reason"]
                )
        except ValidationError as exc:
            entry.refresh_from_db()
            errors_to_form(form, exc)
        else:
            _audit_change(request, what, place=village, obj=entry, fields=["left_on", "left_reason"])
            reason = LeftReason(data["reason"]).label.lower()
            messages.success(request, f"Đã ghi nhận {name} rời sổ ngày {_left_date(entry)} ({reason}).")
            return back
    intro = (
        "Từ ngày rời sổ, hộ và mọi người trong hộ không còn được tính vào các chỉ tiêu; dữ liệu cũ vẫn "
        "được giữ để số liệu các ngày trước vẫn đúng."
        if isinstance(entry, Household)
        else "Từ ngày rời sổ, người này không còn được tính vào các chỉ tiêu; dữ liệu cũ vẫn được giữ."
    )
    response = form_page(request, form, title=title, intro=intro, submit="Ghi nhận rời sổ", cancel=back.url)
    if request.method == "POST":
        response.status_code = 400
    return response


def _undo_left(
    request: HttpRequest,
    entry: Household | Resident,
    *,
    village: Place,
    what: str,
    back: HttpResponseRedirect,
) -> HttpResponse:
    name = str(entry) if isinstance(entry, Household) else entry.full_name
    if entry.left_on is None:
        messages.info(request, f"{name} đang ở trong sổ; không có gì để hoàn tác.")
        return back
    services.undo_left(by=request.user, entry=entry)
    _audit_change(request, what, place=village, obj=entry, fields=["left_on", "left_reason"])
    messages.success(request, f"Đã hoàn tác: {name} lại được tính trong sổ.")
    return back


def _changeable_household(request: HttpRequest, pk: int) -> Household:
    return access.get_visible_or_404(
        Household.objects.changeable_by(request.user).select_related("village"), pk=pk
    )


def _changeable_resident(request: HttpRequest, pk: int) -> Resident:
    return access.get_visible_or_404(
        Resident.objects.changeable_by(request.user)
        .filter(erased_at__isnull=True)
        .select_related("household__village"),
        pk=pk,
    )


@require_http_methods(["GET", "POST"])
@login_required
def household_left(request: HttpRequest, pk: int) -> HttpResponse:
    household = _changeable_household(request, pk)
    back = redirect("registry:household_detail", pk=household.pk)
    return _record_left(request, household, village=household.village, what="Ghi nhận hộ rời sổ", back=back)


@require_POST
@login_required
def household_undo_left(request: HttpRequest, pk: int) -> HttpResponse:
    household = _changeable_household(request, pk)
    back = redirect("registry:household_detail", pk=household.pk)
    return _undo_left(request, household, village=household.village, what="Hoàn tác hộ rời sổ", back=back)


@require_http_methods(["GET", "POST"])
@login_required
def resident_left(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _changeable_resident(request, pk)
    back = redirect("registry:resident_detail", pk=resident.pk)
    village = resident.household.village
    return _record_left(request, resident, village=village, what="Ghi nhận người dân rời sổ", back=back)


@require_POST
@login_required
def resident_undo_left(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _changeable_resident(request, pk)
    back = redirect("registry:resident_detail", pk=resident.pk)
    village = resident.household.village
    return _undo_left(request, resident, village=village, what="Hoàn tác người dân rời sổ", back=back)
