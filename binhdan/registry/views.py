"""Registry pages. Each view asks `access` for what the user may see, calls a service, renders."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from binhdan.accounts import access, audit
from binhdan.accounts.models import AuditEvent
from binhdan.common.forms import errors_to_form
from binhdan.places.models import Place
from binhdan.registry import services
from binhdan.registry.forms import (
    ConsentForm,
    HouseholdForm,
    HouseholdSearchForm,
    ResidentForm,
    StatusAsOfForm,
    StatusObservationForm,
)
from binhdan.registry.models import (
    CommuneSettings,
    Household,
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
        key=lambda r: (r.relation != "chu_ho", r.birth_year or 9999, r.pk),
    )
    audit.record(request, AuditEvent.Action.VIEW_HOUSEHOLD, place=household.village, obj=household)
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "residents": residents,
            "can_change": access.can_change_personal_data(request.user, household.village),
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
        try:
            household = services.create_household(by=request.user, village=village, **data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            _audit_change(request, "Thêm hộ", place=village, obj=household, fields=form.changed_data)
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
        try:
            services.update_household(by=request.user, household=household, **form.cleaned_data)
        except ValidationError as exc:
            household.refresh_from_db()
            errors_to_form(form, exc)
        else:
            _audit_change(request, "Sửa hộ", place=household.village, obj=household, fields=form.changed_data)
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
        try:
            resident = services.add_resident(
                by=request.user, household=household, citizen_id=citizen_id, **data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            _audit_change(
                request, "Thêm người dân", place=household.village, obj=resident, fields=form.changed_data
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
    form = ResidentForm(request.POST or None, instance=resident, allow_citizen_id=allow_id)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        citizen_id = data.pop("citizen_id", "")
        try:
            services.update_resident(by=request.user, resident=resident, citizen_id=citizen_id, **data)
        except ValidationError as exc:
            resident.refresh_from_db()
            errors_to_form(form, exc)
        else:
            _audit_change(
                request, "Sửa người dân", place=resident.household.village, obj=resident,
                fields=form.changed_data,
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
