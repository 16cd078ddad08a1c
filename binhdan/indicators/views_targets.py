"""A commune's targets, monthly figures and own indicators (SPEC §6, issue 10 point 4).

Who: the commune's officers change (`accounts.workspace.commune_for_change`); its leaders and the
province's officers read these pages — targets and monthly figures are aggregates, no personal data —
so reading asks for a commune in the user's places (as the commune page does); everyone else gets 404.
Every write goes through `indicators.services` and leaves an audit row (`record_change`). The lists
take a fixed number of queries however many indicators and months there are.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from binhdan.accounts import access
from binhdan.accounts.fields import workspace_form
from binhdan.accounts.models import User
from binhdan.accounts.workspace import commune_for_change, record_change
from binhdan.common.forms import errors_to_form, form_page
from binhdan.indicators import catalogue as cat
from binhdan.indicators import services
from binhdan.indicators.forms import (
    RESET,
    MonthlyForm,
    OwnIndicatorEditForm,
    OwnIndicatorForm,
    TargetForm,
    month_choices,
)
from binhdan.indicators.models import AggregateEntry, Indicator, Kind, Target
from binhdan.indicators.values import aggregate_figure, percent
from binhdan.places.models import Place


def commune_for_viewing(request: HttpRequest, pk: int) -> Place:
    """A commune in the user's places (its officers and leaders, the province's officers, admins); else
    404. Only for pages of aggregates and targets, never for households or residents."""
    return access.get_visible_or_404(access.places_visible_to(request.user).communes(), pk=pk)


def _errors(form: Any) -> dict[str, list[str]]:
    """{field: its distinct messages} ("all" for the form's own), for the rows' hand-written inputs."""
    return {
        ("all" if name == "__all__" else name): list(dict.fromkeys(errors))
        for name, errors in form.errors.items()
    }


# --- targets ---------------------------------------------------------------------------------------------


@dataclass
class TargetRow:
    indicator: Indicator
    target: Decimal
    deadline: dt.date
    own_target: bool
    set_by: User | None = None
    set_at: dt.datetime | None = None
    values: dict[str, str] = field(default_factory=dict)  # what the inputs show (the posted text on error)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def own_indicator(self) -> bool:
        return self.indicator.commune_id is not None

    @property
    def anchor(self) -> str:
        return f"chi-tieu-{self.indicator.code.lower()}"


def _target_rows(commune: Place) -> list[TargetRow]:
    indicators = list(Indicator.objects.for_commune(commune).order_by("position", "code"))
    own = {t.indicator_id: t for t in Target.objects.filter(commune=commune).select_related("set_by")}
    rows = []
    for indicator in indicators:
        target = own.get(indicator.pk)
        row = TargetRow(
            indicator,
            target.target if target else indicator.default_target,
            target.deadline if target else indicator.default_deadline,
            target is not None,
            target.set_by if target else None,
            target.set_at if target else None,
        )
        row.values = {"target": f"{row.target:.1f}".replace(".", ","), "deadline": f"{row.deadline:%d/%m/%Y}"}
        rows.append(row)
    return rows


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", TargetForm)
def targets(request: HttpRequest, pk: int) -> HttpResponse:
    """Every indicator of the commune with the default target and the commune's own; edit each, or reset."""
    if request.method == "POST":
        commune = commune_for_change(request, pk)
    else:
        commune = commune_for_viewing(request, pk)
    can_manage = request.method == "POST" or access.can_manage_place(request.user, commune)
    form = None
    if request.method == "POST":
        form = TargetForm(request.POST, user=request.user, commune=commune)
        if form.is_valid():
            indicator = form.cleaned_data["indicator"]
            by = cast(User, request.user)
            try:
                if form.cleaned_data["action"] == RESET:
                    saved = services.reset_target(by=by, commune=commune, indicator=indicator)
                else:
                    saved = services.set_target(
                        by=by,
                        commune=commune,
                        indicator=indicator,
                        target=form.cleaned_data["target"],
                        deadline=form.cleaned_data["deadline"],
                    )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                if saved.changed:
                    record_change(request, "; ".join(saved.lines), place=commune, obj=saved.obj)
                    messages.success(request, f"Đã lưu chỉ tiêu “{indicator.name}”.")
                else:
                    messages.info(request, "Không có thay đổi nào.")
                url = reverse("indicators:targets", args=[commune.pk])
                return redirect(f"{url}#chi-tieu-{indicator.code.lower()}")
    rows = _target_rows(commune)
    top_errors: list[str] = []
    if form is not None:  # the form came back with errors: show them in its row (or on top)
        posted = form.data.get("indicator", "")
        row = next((r for r in rows if str(r.indicator.pk) == posted and not r.own_indicator), None)
        if row is None or "indicator" in form.errors:
            top_errors = [f"Chỉ tiêu: {e}" for e in form.errors.get("indicator", [])] or [
                str(e) for e in form.non_field_errors()
            ]
        else:
            row.errors = _errors(form)
            row.values = {name: str(form.data.get(name, ""))[:40] for name in ("target", "deadline")}
        if not top_errors and row is None:
            top_errors = ["Chưa lưu được: vui lòng kiểm tra lại."]
    return render(
        request,
        "indicators/targets.html",
        {
            "commune": commune,
            "national": [r for r in rows if not r.own_indicator],
            "own": [r for r in rows if r.own_indicator],
            "stopped": Indicator.objects.filter(commune=commune, active=False).order_by("position", "code"),
            "can_manage": can_manage,
            "top_errors": top_errors,
            "today": timezone.localdate(),
        },
    )


# --- monthly figures -------------------------------------------------------------------------------------


@dataclass
class MonthlySection:
    indicator: Indicator
    entries: list[AggregateEntry]
    today: dt.date
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        return f"so-lieu-{self.indicator.code.lower()}"

    @property
    def rows(self) -> list[tuple[AggregateEntry, Decimal | None]]:
        return [(e, percent(e.numerator, e.denominator)) for e in self.entries]

    @property
    def current(self) -> tuple[int, int, Decimal | None, str]:
        """Today's figures by the indicators' rule (`values.aggregate_figure`): the year's months summed,
        or (stocks) the latest month."""
        num, den, used = aggregate_figure(
            ((e.month, e.numerator, e.denominator) for e in self.entries),
            self.today,
            stock=self.indicator.stock,
        )
        if self.indicator.stock:
            if not used:
                return 0, 0, None, "Chưa có số liệu"
            return num, den, percent(num, den), f"Tháng gần nhất ({used[0]:%m/%Y})"
        return num, den, percent(num, den), f"Từ đầu năm {self.today.year} ({len(used)} tháng)"


def _monthly_sections(commune: Place, today: dt.date) -> list[MonthlySection]:
    indicators = list(
        Indicator.objects.for_commune(commune).filter(kind=Kind.AGGREGATE).order_by("position", "code")
    )
    by_indicator: dict[int, list[AggregateEntry]] = defaultdict(list)
    for entry in (
        AggregateEntry.objects.filter(commune=commune, indicator__in=[i.pk for i in indicators])
        .select_related("entered_by")
        .order_by("-month")
    ):
        by_indicator[entry.indicator_id].append(entry)
    this_month = f"{today:%Y-%m}"
    return [
        MonthlySection(
            i, by_indicator[i.pk], today, {"month": this_month, "numerator": "", "denominator": ""}
        )
        for i in indicators
    ]


def _prefill(sections: list[MonthlySection], request: HttpRequest) -> None:
    """?chi-tieu=<id>&thang=YYYY-MM opens that month of that indicator for correction."""
    wanted, month = request.GET.get("chi-tieu", ""), request.GET.get("thang", "")
    if month not in {value for value, _ in month_choices()}:
        return
    for section in sections:
        if str(section.indicator.pk) != wanted:
            continue
        section.values["month"] = month
        for entry in section.entries:
            if f"{entry.month:%Y-%m}" == month:
                section.values["numerator"] = str(entry.numerator)
                section.values["denominator"] = str(entry.denominator)


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", MonthlyForm)
def monthly(request: HttpRequest, pk: int) -> HttpResponse:
    """Monthly figures of the aggregate indicators: a month, numerator and denominator; past months."""
    if request.method == "POST":
        commune = commune_for_change(request, pk)
    else:
        commune = commune_for_viewing(request, pk)
    can_manage = request.method == "POST" or access.can_manage_place(request.user, commune)
    today = timezone.localdate()
    form = None
    if request.method == "POST":
        form = MonthlyForm(request.POST, user=request.user, commune=commune)
        if form.is_valid():
            indicator = form.cleaned_data["indicator"]
            try:
                saved = services.record_month(
                    by=cast(User, request.user),
                    commune=commune,
                    indicator=indicator,
                    month=form.cleaned_data["month"],
                    numerator=form.cleaned_data["numerator"],
                    denominator=form.cleaned_data["denominator"],
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                month = form.cleaned_data["month"]
                if saved.changed:
                    record_change(request, "; ".join(saved.lines), place=commune, obj=saved.obj)
                    messages.success(request, f"Đã lưu số liệu tháng {month:%m/%Y} của “{indicator.name}”.")
                else:
                    messages.info(request, "Không có thay đổi nào.")
                url = reverse("indicators:monthly", args=[commune.pk])
                return redirect(f"{url}#so-lieu-{indicator.code.lower()}")
    sections = _monthly_sections(commune, today)
    top_errors: list[str] = []
    if form is not None:
        posted = form.data.get("indicator", "")
        section = next((s for s in sections if str(s.indicator.pk) == posted), None)
        if section is None or "indicator" in form.errors:
            top_errors = [f"Chỉ tiêu: {e}" for e in form.errors.get("indicator", [])] or [
                "Chưa lưu được: vui lòng kiểm tra lại."
            ]
        else:
            section.errors = _errors(form)
            section.values = {
                n: str(form.data.get(n, ""))[:20] for n in ("month", "numerator", "denominator")
            }
    else:
        _prefill(sections, request)
    return render(
        request,
        "indicators/monthly.html",
        {
            "commune": commune,
            "sections": sections,
            "months": month_choices(today),
            "can_manage": can_manage,
            "top_errors": top_errors,
            "count_max": services.COUNT_MAX,
        },
    )


# --- own indicators ---------------------------------------------------------------------------------------


def _own_intro(kind: str | None = None) -> str:
    text = (
        "Chỉ tiêu riêng chỉ tính cho xã mình, theo cùng cách với danh mục: trên hộ gia đình hoặc người dân "
        "(chọn nhóm ở mẫu số và điều kiện ở tử số, cùng cách tính), hoặc số liệu tổng hợp nhập hằng tháng."
    )
    if kind:
        text += f" Cách tính của chỉ tiêu này: {Kind(kind).label.lower()} (không đổi được)."
    return text


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", OwnIndicatorForm)
def own_indicator_new(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_change(request, pk)
    form = OwnIndicatorForm(
        request.POST or None,
        initial={"kind": Kind.RESIDENT, "deadline": cat.END_2026},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.add_own_indicator(by=cast(User, request.user), commune=commune, **data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            indicator = cast(Indicator, saved.obj)
            record_change(request, "; ".join(saved.lines), place=commune, obj=indicator)
            messages.success(request, f"Đã thêm chỉ tiêu riêng “{indicator.name}”.")
            if indicator.kind == Kind.AGGREGATE:
                return redirect(
                    reverse("indicators:monthly", args=[commune.pk]) + f"#so-lieu-{indicator.code.lower()}"
                )
            return redirect(reverse("indicators:targets", args=[commune.pk]) + "#chi-tieu-rieng")
    return form_page(
        request,
        form,
        title=f"Thêm chỉ tiêu riêng của {commune.name}",
        submit="Thêm chỉ tiêu",
        cancel=reverse("indicators:targets", args=[commune.pk]),
        intro=_own_intro(),
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("own_indicator", OwnIndicatorEditForm)
def own_indicator_edit(request: HttpRequest, pk: int, indicator: int) -> HttpResponse:
    """Change or deactivate one of the commune's own indicators; a national or another commune's: 404."""
    commune = commune_for_change(request, pk)
    own = access.get_visible_or_404(Indicator.objects.filter(commune=commune), pk=indicator)
    form = OwnIndicatorEditForm(
        request.POST or None,
        initial={
            "name": own.name,
            "population": own.population,
            "condition": own.condition,
            "numerator_label": own.numerator_label,
            "denominator_label": own.denominator_label,
            "stock": own.stock,
            "target": f"{own.default_target:.1f}".replace(".", ","),
            "deadline": own.default_deadline,
            "active": own.active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.update_own_indicator(
                by=cast(User, request.user), commune=commune, indicator=own, **form.cleaned_data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if saved.changed:
                record_change(request, "; ".join(saved.lines), place=commune, obj=own)
                messages.success(request, f"Đã lưu chỉ tiêu riêng “{own.name}”.")
            else:
                messages.info(request, "Không có thay đổi nào.")
            return redirect(reverse("indicators:targets", args=[commune.pk]) + "#chi-tieu-rieng")
    return form_page(
        request,
        form,
        title=f"Sửa chỉ tiêu riêng “{own.name}”",
        submit="Lưu",
        cancel=reverse("indicators:targets", args=[commune.pk]),
        intro=_own_intro(own.kind),
    )
