"""The team leader's work: household assignments and who is behind; campaign mode."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from binhdan.accounts import access
from binhdan.accounts.fields import ScopedModelChoiceField, team_people_managed_by
from binhdan.accounts.models import User
from binhdan.fieldwork.models import Campaign, Team, Visit, VisitPerson
from binhdan.fieldwork.services import assign_households
from binhdan.places.models import Level, Place
from binhdan.registry.models import Household, SkillLevel, SkillObservation

MIN_HOUSEHOLDS, STALE_DAYS = 10, 14


class AssignForm(forms.Form):
    member = ScopedModelChoiceField(
        label="Giao cho", scope=team_people_managed_by, required=False, empty_label="— Bỏ phân công —"
    )
    households = forms.TypedMultipleChoiceField(
        label="Hộ", coerce=int, error_messages={"required": "Hãy chọn ít nhất một hộ."}
    )

    def __init__(self, *args: object, team: Team, households: list[Household], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        member_field = self.fields["member"]
        assert isinstance(member_field, forms.ModelChoiceField)
        member_field.queryset = User.objects.filter(
            team_memberships__team=team, team_memberships__left_on__isnull=True
        ).order_by("full_name")
        choices_field = self.fields["households"]
        assert isinstance(choices_field, forms.ChoiceField)
        choices_field.choices = [(h.pk, h.head_name) for h in households]


def _member_progress(team: Team) -> list[dict[str, object]]:
    since = timezone.now() - dt.timedelta(days=STALE_DAYS)
    memberships = (
        team.current_memberships()
        .annotate(
            assigned=Count(
                "user__assigned_households",
                filter=Q(user__assigned_households__village=team.village),
                distinct=True,
            ),
            recent_visits=Count("user__visits", filter=Q(user__visits__visited_at__gte=since), distinct=True),
            last_visit=Max("user__visits__visited_at"),
        )
        .order_by("role", "user__full_name")
    )
    rows = []
    for m in memberships:
        reasons = []
        if m.assigned < MIN_HOUSEHOLDS:
            reasons.append(f"mới phụ trách {m.assigned}/{MIN_HOUSEHOLDS} hộ")
        if not m.recent_visits:
            reasons.append(f"không có lượt hỗ trợ trong {STALE_DAYS} ngày")
        rows.append({"membership": m, "behind": reasons})
    return rows


@require_http_methods(["GET", "POST"])
@login_required
def assignments(request: HttpRequest, pk: int) -> HttpResponse:
    team = access.get_visible_or_404(
        Team.objects.visible_to(request.user).select_related("village__parent"), pk=pk
    )
    if not access.can_manage_team(request.user, team.village):
        raise Http404
    show = request.GET.get("loc", "chua")
    households_qs = (
        Household.objects.filter(village=team.village).select_related("assigned_member").vietnamese_order()
    )
    if show == "chua":
        households_qs = households_qs.filter(assigned_member__isnull=True)
    households = list(households_qs)
    form = AssignForm(request.POST or None, team=team, households=households)
    if request.method == "POST" and form.is_valid():
        try:
            changed = assign_households(
                by=request.user,
                team=team,
                member=form.cleaned_data["member"],
                household_ids=form.cleaned_data["households"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            who = form.cleaned_data["member"]
            messages.success(
                request,
                f"Đã giao {changed} hộ cho {who.display_name}." if who else f"Đã bỏ phân công {changed} hộ.",
            )
            return redirect(f"{request.path}?loc={show}")
    return render(
        request,
        "fieldwork/assignments.html",
        {
            "team": team,
            "form": form,
            "households": households,
            "progress": _member_progress(team),
            "show": show,
        },
    )


@require_GET
@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.visible_to(request.user).select_related("commune")
    user = cast(User, request.user)  # login_required: never anonymous here
    # The communes whose officers see a "new campaign" button.
    managed = [place for place in access.home_places(user) if place.level == Level.COMMUNE]
    return render(
        request,
        "fieldwork/campaign_list.html",
        {
            "campaigns": campaigns,
            "today": timezone.localdate(),
            "communes": [c for c in managed if access.can_manage_place(request.user, c)],
        },
    )


FIGURES = ("visits", "households", "people", "mastered")


def _figures_by_village(visits: Any) -> dict[int, dict[str, int]]:
    """Visits, households reached, people guided and skills mastered per village, in four queries."""
    out: dict[int, dict[str, int]] = {}

    def put(village_id: int, key: str, n: int) -> None:
        out.setdefault(village_id, dict.fromkeys(FIGURES, 0))[key] = n

    for village_id, n, households in visits.values_list("household__village").annotate(
        n=Count("pk"), h=Count("household", distinct=True)
    ):
        put(village_id, "visits", n)
        put(village_id, "households", households)
    for village_id, n in (
        VisitPerson.objects.filter(visit__in=visits)
        .values_list("visit__household__village")
        .annotate(n=Count("resident", distinct=True))
    ):
        put(village_id, "people", n)
    refs = [str(u) for u in visits.values_list("uuid", flat=True)]
    if refs:
        for village_id, n in (
            SkillObservation.objects.filter(source_ref__in=refs, level=SkillLevel.MASTERED)
            .values_list("resident__household__village")
            .annotate(n=Count("pk"))
        ):
            put(village_id, "mastered", n)
    return out


@require_GET
@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Campaign mode: today's numbers per team while it runs, and the totals of its whole period."""
    campaign = access.get_visible_or_404(
        Campaign.objects.visible_to(request.user).select_related("commune"), pk=pk
    )
    today = timezone.localdate()
    running = campaign.starts_on <= today <= campaign.ends_on
    villages = list(campaign.villages.all().order_by("sort_name")) or list(
        Place.objects.villages()
        .filter(parent=campaign.commune)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=campaign.starts_on))
        .order_by("sort_name")
    )
    ids = [v.pk for v in villages]
    teams = {t.village_id: t for t in Team.objects.filter(village_id__in=ids)}
    totals_by_village = dict(
        Household.objects.filter(village_id__in=ids).values_list("village").annotate(n=Count("pk"))
    )
    visits = Visit.objects.filter(campaign=campaign)
    period = _figures_by_village(visits)
    daily: dict[int, dict[str, int]] = {}
    if running:
        start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
        daily = _figures_by_village(
            visits.filter(visited_at__gte=start, visited_at__lt=start + dt.timedelta(days=1))
        )
    empty = dict.fromkeys(FIGURES, 0)
    rows: list[dict[str, Any]] = [
        {
            "village": v,
            "team": teams.get(v.pk),
            "today": daily.get(v.pk, empty),
            "period": period.get(v.pk, empty),
            "households_total": totals_by_village.get(v.pk, 0),
        }
        for v in villages
    ]
    totals = {
        "today": {k: sum(r["today"][k] for r in rows) for k in FIGURES},
        "period": {k: sum(r["period"][k] for r in rows) for k in FIGURES},
        "households_total": sum(r["households_total"] for r in rows),
    }
    return render(
        request,
        "fieldwork/campaign_detail.html",
        {
            "campaign": campaign,
            "rows": rows,
            "totals": totals,
            "today": today,
            "running": running,
            "finished": today > campaign.ends_on,
            "can_manage": access.can_manage_place(request.user, campaign.commune),
        },
    )
