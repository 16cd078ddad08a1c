"""Chắp cánh công nghệ screens: the commune's donations with totals and filters, donors, follow-up visits.

Commune officers record (`commune_for_change`); commune leaders read (`commune_for_reading`); everyone
else gets 404. Team leaders do not record donations here: a gift is the commune's (its donors, values and
the list it reports), and the follow-up visit a team member makes is an ordinary visit on the phone.
Every write is audited, and so is every reading of the list (it names households).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from binhdan.accounts import access, audit
from binhdan.accounts.fields import workspace_form
from binhdan.accounts.models import AuditEvent
from binhdan.accounts.workspace import commune_for_change, commune_for_reading, record_change
from binhdan.common.forms import errors_to_form, form_page
from binhdan.donations import services
from binhdan.donations.forms import DonationForm, DonorForm, FilterForm, FollowUpForm, household_hint
from binhdan.donations.models import Donation, Donor, ItemKind
from binhdan.places.models import Place

PAGE_SIZE = 50
UPCOMING_DAYS = 14


def vnd(value: int | None) -> str:
    """2500000 -> "2.500.000 đ"; None -> "—"."""
    return "—" if value is None else f"{value:,}".replace(",", ".") + " đ"


def _filtered(commune: Place, form: FilterForm) -> Any:
    rows = Donation.objects.filter(commune=commune)
    if not form.is_valid():
        return rows
    data = form.cleaned_data
    if data.get("loai"):
        rows = rows.filter(item_kind=data["loai"])
    if data.get("nha_tai_tro"):
        rows = rows.filter(donor=data["nha_tai_tro"])
    if data.get("thon"):
        rows = rows.filter(household__village=data["thon"])
    if data.get("tu_ngay"):
        rows = rows.filter(given_on__gte=data["tu_ngay"])
    if data.get("den_ngay"):
        rows = rows.filter(given_on__lte=data["den_ngay"])
    return rows


def _totals(rows: Any, key: str) -> list[dict[str, Any]]:
    found = (
        rows.values(key)
        .annotate(gifts=Count("pk"), items=Sum("quantity"), value=Sum("value_vnd"))
        .order_by(key)
    )
    return [{**row, "value_text": vnd(row["value"])} for row in found]


def _querystring(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("trang", None)
    return params.urlencode()


@require_GET
@login_required
def donation_list(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_reading(request, pk)
    form = FilterForm(request.GET or None, user=request.user, commune=commune)
    rows = _filtered(commune, form)
    by_kind = _totals(rows, "item_kind")
    labels = dict(ItemKind.choices)
    for row in by_kind:
        row["label"] = labels.get(row["item_kind"], row["item_kind"])
    by_donor = _totals(rows, "donor__name")
    overall = rows.aggregate(gifts=Count("pk"), items=Sum("quantity"), value=Sum("value_vnd"))
    page = Paginator(
        rows.select_related("donor", "household__village", "recipient").order_by("-given_on", "-pk"),
        PAGE_SIZE,
    ).get_page(request.GET.get("trang"))
    audit.record(request, AuditEvent.Action.VIEW_LIST, place=commune, detail="Danh sách trao tặng thiết bị")
    return render(
        request,
        "donations/list.html",
        {
            "commune": commune,
            "form": form,
            "page": page,
            "rows": [{"d": d, "value": vnd(d.value_vnd), "hint": household_hint(d.household)} for d in page],
            "by_kind": by_kind,
            "by_donor": by_donor,
            "overall": {**overall, "value_text": vnd(overall["value"])},
            "querystring": _querystring(request),
            "can_manage": access.can_manage_place(request.user, commune),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", DonationForm)
def donation_create(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_change(request, pk)
    form = DonationForm(
        request.POST or None, user=request.user, commune=commune, initial={"given_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            donation = services.record_donation(
                by=request.user,
                commune=commune,
                donor=data["donor"],
                item_kind=data["item_kind"],
                household=data["household"],
                given_on=data["given_on"],
                quantity=data["quantity"],
                value_vnd=data["value_vnd"],
                recipient=data["recipient"],
                description=data["description"],
                follow_up_on=data["follow_up_on"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(
                request,
                f"Ghi nhận trao tặng #{donation.pk}: {donation.item_kind} × {donation.quantity} cho hộ #{donation.household_id}",
                place=commune,
                obj=donation,
            )
            note = " Hộ được ghi là đã có thiết bị số." if donation.gives_device else ""
            messages.success(request, f"Đã ghi nhận trao tặng cho {donation.household}.{note}")
            return redirect("donations:list", pk=commune.pk)
    return form_page(
        request,
        form,
        title=f"Ghi nhận trao tặng — {commune.name}",
        intro="Chắp cánh công nghệ: thiết bị, SIM hoặc gói cước trao cho hộ nghèo, cận nghèo, hộ chưa có thiết bị số.",
        submit="Lưu trao tặng",
        cancel=reverse("donations:list", args=[commune.pk]),
    )


# --- donors ----------------------------------------------------------------------------------------------


@require_GET
@login_required
def donor_list(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_reading(request, pk)
    donors = (
        Donor.objects.filter(commune=commune)
        .annotate(
            gifts=Count("donations"), items=Sum("donations__quantity"), value=Sum("donations__value_vnd")
        )
        .order_by("name", "pk")
    )
    page = Paginator(donors, PAGE_SIZE).get_page(request.GET.get("trang"))
    return render(
        request,
        "donations/donors.html",
        {
            "commune": commune,
            "page": page,
            "rows": [{"donor": d, "value": vnd(d.value)} for d in page],
            "can_manage": access.can_manage_place(request.user, commune),
        },
    )


def _donor_form(request: HttpRequest, commune: Place, donor: Donor | None) -> HttpResponse:
    initial = {"name": donor.name, "kind": donor.kind, "contact": donor.contact} if donor else {}
    form = DonorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_donor(by=request.user, commune=commune, donor=donor, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(
                request, f"{'Sửa' if donor else 'Thêm'} nhà tài trợ #{saved.pk}", place=commune, obj=saved
            )
            messages.success(request, f"Đã lưu nhà tài trợ “{saved.name}”.")
            return redirect("donations:donors", pk=commune.pk)
    return form_page(
        request,
        form,
        title="Sửa nhà tài trợ" if donor else f"Thêm nhà tài trợ — {commune.name}",
        submit="Lưu nhà tài trợ",
        cancel=reverse("donations:donors", args=[commune.pk]),
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", DonorForm)
def donor_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _donor_form(request, commune_for_change(request, pk), None)


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("donor", DonorForm)
def donor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    donor = access.get_visible_or_404(
        Donor.objects.filter(commune__in=access.places_visible_to(request.user)), pk=pk
    )
    return _donor_form(request, commune_for_change(request, donor.commune_id), donor)


# --- follow-up visits ------------------------------------------------------------------------------------


@require_GET
@login_required
def follow_ups(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_reading(request, pk)
    today = timezone.localdate()
    open_rows = (
        Donation.objects.filter(commune=commune, followed_up_on__isnull=True, follow_up_on__isnull=False)
        .filter(follow_up_on__lte=today + dt.timedelta(days=UPCOMING_DAYS))
        .select_related("donor", "household__village", "recipient")
        .order_by("follow_up_on", "pk")
    )
    page = Paginator(open_rows, PAGE_SIZE).get_page(request.GET.get("trang"))
    audit.record(
        request, AuditEvent.Action.VIEW_LIST, place=commune, detail="Danh sách hẹn thăm lại sau trao tặng"
    )
    return render(
        request,
        "donations/follow_ups.html",
        {
            "commune": commune,
            "page": page,
            "due": [d for d in page if (d.follow_up_on or today) <= today],
            "upcoming": [d for d in page if (d.follow_up_on or today) > today],
            "days": UPCOMING_DAYS,
            "can_manage": access.can_manage_place(request.user, commune),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("donation", FollowUpForm)
def follow_up_record(request: HttpRequest, pk: int) -> HttpResponse:
    donation = access.get_visible_or_404(
        Donation.objects.filter(commune__in=access.places_visible_to(request.user)).select_related(
            "household"
        ),
        pk=pk,
    )
    commune = commune_for_change(request, donation.commune_id)
    form = FollowUpForm(request.POST or None, initial={"followed_up_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_follow_up(
                by=request.user,
                donation=donation,
                followed_up_on=form.cleaned_data["followed_up_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(
                request, f"Ghi nhận thăm lại sau trao tặng #{donation.pk}", place=commune, obj=donation
            )
            messages.success(request, f"Đã ghi nhận lần thăm lại {donation.household}.")
            return redirect("donations:follow_ups", pk=commune.pk)
    return form_page(
        request,
        form,
        title=f"Thăm lại sau trao tặng — {donation.household}",
        intro=f"{donation.get_item_kind_display()} × {donation.quantity}, trao ngày {donation.given_on:%d/%m/%Y}.",
        submit="Lưu lần thăm lại",
        cancel=reverse("donations:follow_ups", args=[commune.pk]),
    )
