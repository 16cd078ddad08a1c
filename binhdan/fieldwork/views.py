"""Home pages per role, and the pages of communes, villages and teams."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from binhdan.accounts import access, audit
from binhdan.accounts.models import AuditEvent, RoleKind, User
from binhdan.fieldwork import rules
from binhdan.fieldwork.links import links_for
from binhdan.fieldwork.models import CommunityClass, Mentor, Team, TeamRole, Visit
from binhdan.fieldwork.progress import member_week
from binhdan.fieldwork.views_workspace import workspace_form
from binhdan.places import services as place_services
from binhdan.places.forms import VillageForm
from binhdan.places.models import Level, Place
from binhdan.registry.models import Household, Resident


def _village_summaries(villages: list[Place], *, personal: bool) -> list[dict[str, object]]:
    """Households, residents and team size per village, in three grouped queries."""
    ids = [v.pk for v in villages]
    households = dict(
        Household.objects.filter(village_id__in=ids).values_list("village_id").annotate(n=Count("pk"))
    )
    residents = dict(
        Resident.objects.active()
        .filter(household__village_id__in=ids)
        .values_list("household__village_id")
        .annotate(n=Count("pk"))
    )
    teams = {
        team.village_id: team
        for team in Team.objects.filter(village_id__in=ids).annotate(
            size=Count("memberships", filter=Q(memberships__left_on__isnull=True))
        )
    }
    return [
        {
            "village": v,
            "households": households.get(v.pk, 0),
            "residents": residents.get(v.pk, 0),
            "team": teams.get(v.pk),
            "personal": personal,
        }
        for v in villages
    ]


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required: never anonymous here
    sections = []
    for role in user.current_roles():
        place = role.place
        section: dict[str, object] = {"role": role}
        if role.kind in (RoleKind.MEMBER, RoleKind.TEAM_LEADER) and place is not None:
            mine = Household.objects.visible_to(user).filter(assigned_member=user)
            section["assigned_count"] = mine.count()
            section["assigned"] = mine.select_related("village").vietnamese_order()[:10]
            section["villages"] = _village_summaries([place], personal=True)
            team = Team.objects.filter(village=place).first()
            section["team"] = team
            if role.kind == RoleKind.TEAM_LEADER and team is not None:
                section["unassigned_count"] = Household.objects.filter(
                    village=place, assigned_member=None
                ).count()
                section["members"] = (
                    team.current_memberships()
                    .annotate(
                        assigned=Count(
                            "user__assigned_households",
                            filter=Q(user__assigned_households__village=place),
                        )
                    )
                    .order_by("role", "user__full_name")
                )
        elif role.kind in (RoleKind.COMMUNE_OFFICER, RoleKind.COMMUNE_LEADER) and place is not None:
            villages = list(Place.objects.villages().current().filter(parent=place).vietnamese_order())
            section["villages"] = _village_summaries(villages, personal=True)
            section["commune"] = place
        elif role.kind == RoleKind.PROVINCE_OFFICER and place is not None:
            communes = (
                Place.objects.communes()
                .filter(parent=place)
                .annotate(
                    village_count=Count("children", distinct=True),
                    household_count=Count("children__households", distinct=True),
                )
                .filter(village_count__gt=0)
                .vietnamese_order()
            )
            section["communes"] = communes
            section["commune_total"] = Place.objects.communes().filter(parent=place).count()
        elif role.kind == RoleKind.ADMIN:
            section["counts"] = {
                "provinces": Place.objects.provinces().count(),
                "communes": Place.objects.communes().count(),
                "villages": Place.objects.villages().count(),
                "households": Household.objects.count(),
            }
        sections.append(section)
    return render(request, "fieldwork/home.html", {"sections": sections, "today": timezone.localdate()})


@require_GET
@login_required
def commune_detail(request: HttpRequest, pk: int) -> HttpResponse:
    commune = access.get_visible_or_404(access.places_visible_to(request.user).communes(), pk=pk)
    villages = list(Place.objects.villages().filter(parent=commune).current().vietnamese_order())
    personal = access.can_see_personal_data(request.user, commune)
    mentors = (
        Mentor.objects.filter(commune=commune, ended_on__isnull=True)
        .select_related("user", "resident")
        .annotate(mentees=Count("mentorships", filter=Q(mentorships__ended_on__isnull=True)))
    )
    classes = (
        CommunityClass.objects.filter(Q(place=commune) | Q(place__parent=commune))
        .select_related("place")
        .annotate(attendees=Count("attendance"))
        .order_by("-held_on")[:20]
    )
    return render(
        request,
        "fieldwork/commune_detail.html",
        {
            "commune": commune,
            "place_links": links_for(request, commune),
            "villages": _village_summaries(villages, personal=personal),
            "can_manage": access.can_manage_place(request.user, commune),
            "can_read": personal,
            "can_see_province": access.places_visible_to(request.user)
            .provinces()
            .filter(children=commune)
            .exists(),
            "closed": Place.objects.villages()
            .filter(parent=commune, valid_to__isnull=False)
            .select_related("replaced_by")
            .order_by("-valid_to"),
            "mentors": mentors if personal else [],
            "classes": classes,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", VillageForm)
def village_create(request: HttpRequest, pk: int) -> HttpResponse:
    commune = access.get_visible_or_404(access.places_visible_to(request.user).communes(), pk=pk)
    if not access.can_manage_place(request.user, commune):
        raise Http404
    form = VillageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            village = place_services.add_village(commune=commune, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            audit.record(
                request,
                AuditEvent.Action.CHANGE,
                place=village,
                obj=village,
                detail=f"Thêm thôn: {village.name}",
            )
            messages.success(request, f"Đã thêm {village.name}.")
            return redirect("fieldwork:village_detail", pk=village.pk)
    return render(request, "fieldwork/village_form.html", {"form": form, "commune": commune})


@require_GET
@login_required
def village_detail(request: HttpRequest, pk: int) -> HttpResponse:
    village = access.get_visible_or_404(
        access.places_visible_to(request.user)
        .filter(level=Level.VILLAGE)
        .select_related("parent", "replaced_by"),
        pk=pk,
    )
    personal = access.can_see_personal_data(request.user, village)
    summary = _village_summaries([village], personal=personal)[0]
    can_manage = village.valid_to is None and access.can_manage_place(request.user, village)
    return render(
        request,
        "fieldwork/village_detail.html",
        {
            "village": village,
            "summary": summary,
            "can_manage": can_manage,
            "place_links": links_for(request, village),
        },
    )


def leader_first() -> Case:
    """Order memberships tổ trưởng, tổ phó, tổ viên (their codes do not sort that way)."""
    return Case(
        When(role=TeamRole.LEADER, then=Value(0)),
        When(role=TeamRole.DEPUTY, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


@require_GET
@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = access.get_visible_or_404(
        Team.objects.visible_to(request.user).select_related("village__parent"), pk=pk
    )
    memberships = (
        team.memberships.select_related("user")
        .annotate(trainings=Count("user__trainings", distinct=True), rank=leader_first())
        .order_by("left_on", "rank", "joined_on", "user__full_name")
    )
    current = [m for m in memberships if m.left_on is None]
    size = len(current)
    today = timezone.localdate()
    can_manage = access.can_manage_team(request.user, team.village) and team.village.valid_to is None
    commune = team.village.parent
    assert commune is not None
    # Quotas are the leader's and the commune's view; plain members see the roster only.
    sees_quotas = access.can_manage_team(request.user, team.village) or access.can_see_personal_data(
        request.user, commune
    )
    quota = rules.work_quota(commune)
    week = member_week(team, [m.user_id for m in current], today, quota) if sees_quotas else {}
    monday, sunday = rules.week_of(today)
    return render(
        request,
        "fieldwork/team_detail.html",
        {
            "team": team,
            "current": [(m, week.get(m.user_id)) for m in current],
            "past": [m for m in memberships if m.left_on is not None],
            "size_ok": rules.MIN_TEAM_SIZE <= size <= rules.MAX_TEAM_SIZE,
            "size": size,
            "can_see_contacts": access.can_see_personal_data(request.user, team.village),
            "can_manage": can_manage,
            "sees_quotas": sees_quotas,
            "week_start": monday,
            "week_end": sunday,
            "rules": rules,
            "quota": quota,
        },
    )


@require_GET
@login_required
def province_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The communes of a province side by side: counts only, never a resident row."""
    province = access.get_visible_or_404(access.places_visible_to(request.user).provinces(), pk=pk)
    communes = list(Place.objects.communes().filter(parent=province).vietnamese_order())
    ids = [c.pk for c in communes]
    since = timezone.now() - dt.timedelta(days=rules.RECENT_DAYS)
    today = timezone.localdate()
    households = dict(
        Household.objects.filter(village__parent_id__in=ids)
        .present_on(today)
        .values_list("village__parent_id")
        .annotate(n=Count("pk"))
    )
    residents = dict(
        Resident.objects.filter(household__village__parent_id__in=ids)
        .present_on(today)
        .values_list("household__village__parent_id")
        .annotate(n=Count("pk"))
    )
    teams = dict(
        Team.objects.filter(village__parent_id__in=ids, village__valid_to__isnull=True)
        .values_list("village__parent_id")
        .annotate(n=Count("pk"))
    )
    visits = dict(
        Visit.objects.filter(household__village__parent_id__in=ids, visited_at__gte=since)
        .values_list("household__village__parent_id")
        .annotate(n=Count("pk"))
    )
    rows = [
        {
            "commune": c,
            "households": households.get(c.pk, 0),
            "residents": residents.get(c.pk, 0),
            "teams": teams.get(c.pk, 0),
            "visits": visits.get(c.pk, 0),
        }
        for c in communes
    ]
    show_all = request.GET.get("tat-ca") == "1"
    active = [r for r in rows if r["households"] or r["teams"]]
    totals = {k: sum(int(r[k]) for r in rows) for k in ("households", "residents", "teams", "visits")}
    return render(
        request,
        "fieldwork/province_detail.html",
        {
            "province": province,
            "place_links": links_for(request, province),
            "rows": rows if show_all else active,
            "show_all": show_all,
            "active_count": len(active),
            "commune_count": len(rows),
            "totals": totals,
            "recent_days": rules.RECENT_DAYS,
        },
    )
