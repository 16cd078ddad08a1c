"""The team indicators (MB_10HH, TM_50Q, MB_HOURS, MT_5, MB_TRAINED, TM_SIZE) and the quota table behind them.

Counted from the teams' own rows for a place and day, in a fixed number of queries whatever the number
of teams: who is in a team on the day, their assigned households, visits and people guided in the
quarter, work time per week, trainings attended, mentors' mentees. The rules are the plans' numbers,
named in `fieldwork.rules` (and the commune's own working-hours rule).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from binhdan.fieldwork.models import (
    Mentor,
    Mentorship,
    Team,
    TeamMembership,
    TeamRole,
    Training,
    VisitDay,
    WorkTime,
)
from binhdan.fieldwork.rules import (
    MAX_TEAM_SIZE,
    MIN_HOUSEHOLDS_PER_MEMBER,
    MIN_MENTEES,
    MIN_TEAM_SIZE,
    WorkQuota,
    week_of,
    work_quota,
)
from binhdan.places.models import Level, Place
from binhdan.registry.models import Household

MIN_GUIDANCE_PER_QUARTER = 50  # each team records at least 50 resident-guidance records a quarter
# Members are listed leader first: tổ trưởng, tổ phó, tổ viên (the stored codes do not sort that way).
ROLE_ORDER = (TeamRole.LEADER, TeamRole.DEPUTY, TeamRole.MEMBER)


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of a local day as an aware moment (visits are stored in UTC)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def weeks_in(start: dt.date, day: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The complete weeks (Monday-Sunday) from `start` to `day`; the week so far when none is complete."""
    monday, _ = week_of(start)
    if monday < start:
        monday += dt.timedelta(days=7)
    weeks = []
    while monday + dt.timedelta(days=6) <= day:
        weeks.append((monday, monday + dt.timedelta(days=6)))
        monday += dt.timedelta(days=7)
    return weeks or [week_of(day)]


@dataclass
class MemberRow:
    user_id: int
    name: str
    team_id: int
    village_id: int
    role: str
    joined_on: dt.date | None = None
    households: int = 0
    trained: bool = False
    weeks_met: int = 0
    weeks: int = 0
    guided: int = 0  # resident-guidance records in the quarter

    @property
    def enough_households(self) -> bool:
        return self.households >= MIN_HOUSEHOLDS_PER_MEMBER

    @property
    def enough_hours(self) -> bool:
        return self.weeks > 0 and self.weeks_met == self.weeks

    @property
    def role_label(self) -> str:
        return str(TeamRole(self.role).label) if self.role in TeamRole.values else self.role


@dataclass
class TeamRow:
    team_id: int
    name: str
    village_id: int
    village_name: str
    members: list[MemberRow] = field(default_factory=list)
    guided: int = 0
    visits: int = 0

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def right_size(self) -> bool:
        return MIN_TEAM_SIZE <= self.size <= MAX_TEAM_SIZE

    @property
    def enough_guidance(self) -> bool:
        return self.guided >= MIN_GUIDANCE_PER_QUARTER


@dataclass
class MentorRow:
    mentor_id: int
    name: str
    mentees: int
    independent: int
    is_resident: bool = False  # a resident mentor's name is personal data (hidden from province officers)

    @property
    def enough_mentees(self) -> bool:
        return self.mentees >= MIN_MENTEES


@dataclass
class Teamwork:
    teams: list[TeamRow]
    mentors: list[MentorRow]
    quarter: tuple[dt.date, dt.date]

    @property
    def members(self) -> list[MemberRow]:
        return [m for t in self.teams for m in t.members]

    def values(self) -> dict[str, tuple[int, int]]:
        members, teams = self.members, self.teams
        return {
            "MB_10HH": (sum(m.enough_households for m in members), len(members)),
            "TM_50Q": (sum(t.enough_guidance for t in teams), len(teams)),
            "MB_HOURS": (sum(m.enough_hours for m in members), len(members)),
            "MT_5": (sum(m.enough_mentees for m in self.mentors), len(self.mentors)),
            "MB_TRAINED": (sum(m.trained for m in members), len(members)),
            "TM_SIZE": (sum(t.right_size for t in teams), len(teams)),
        }


def _villages(place: Place) -> Q:
    if place.level == Level.VILLAGE:
        return Q(village=place)
    if place.level == Level.COMMUNE:
        return Q(village__parent=place)
    return Q(village__parent__parent=place)


def _mentors_of(place: Place) -> Q:
    """Mentors of a commune or province; of a village: its team's members and its residents."""
    if place.level == Level.PROVINCE:
        return Q(commune__parent=place)
    if place.level == Level.COMMUNE:
        return Q(commune=place)
    members = TeamMembership.objects.filter(team__village=place).values("user_id")
    return Q(commune_id=place.parent_id) & (Q(user_id__in=members) | Q(resident__household__village=place))


def _role_rank() -> Case:
    return Case(
        *(When(role=role, then=Value(i)) for i, role in enumerate(ROLE_ORDER)),
        default=Value(len(ROLE_ORDER)),
        output_field=IntegerField(),
    )


def teamwork(place: Place, day: dt.date) -> Teamwork:
    """Teams, members and mentors of `place` on `day`, with what each has done (ten queries at most,
    whatever the number of teams, members and mentors)."""
    q_start = quarter_start(day)
    # Teams of villages still in place on the day (a merged village's team no longer counts), formed by then.
    teams = {
        t.pk: TeamRow(t.pk, t.name, t.village_id, t.village.name)
        for t in Team.objects.filter(_villages(place))
        .filter(Q(village__valid_to__isnull=True) | Q(village__valid_to__gt=day))
        .filter(Q(formed_on__isnull=True) | Q(formed_on__lte=day))
        .select_related("village")
        .order_by("village__sort_name", "village__code")
    }
    commune_of_team: dict[int, int] = {}
    # Plain tuples, not model instances: a province has thousands of members.
    current = TeamMembership.objects.filter(team_id__in=list(teams), joined_on__lte=day).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=day)
    )
    memberships = (
        current.annotate(role_rank=_role_rank())
        .order_by("team_id", "role_rank", "user__full_name", "user__username")
        .values_list(
            "user_id", "user__full_name", "user__username", "team_id", "role", "joined_on",
            "team__village__parent_id",
        )
    )  # fmt: skip
    # A person may sit in two teams (two villages): each membership is its own row.
    rows: dict[int, list[MemberRow]] = defaultdict(list)
    for user_id, full_name, username, team_id, role, joined_on, commune_id in memberships:
        # The name as `User.display_name` gives it.
        row = MemberRow(user_id, full_name or username, team_id, teams[team_id].village_id, role, joined_on)
        teams[team_id].members.append(row)
        rows[user_id].append(row)
        if commune_id is not None:
            commune_of_team[team_id] = commune_id
    # The members as a subquery, not thousands of ids sent back to the database in every query.
    users = current.values("user_id")
    for user_id, count in (
        Household.objects.filter(assigned_member_id__in=users).present_on(day).values("assigned_member_id")
        .annotate(n=Count("pk")).values_list("assigned_member_id", "n")
    ):  # fmt: skip
        for row in rows[user_id]:
            row.households = count
    for user_id in Training.objects.filter(attendees__in=users, held_on__lte=day).values_list(
        "attendees", flat=True
    ):
        for row in rows.get(user_id, ()):
            row.trained = True
    # Daily counts kept by the push (fieldwork.VisitDay): a few rows per member and day, not every visit.
    in_quarter = VisitDay.objects.filter(day__gte=q_start, day__lte=day)
    for user_id, count in (
        in_quarter.filter(user_id__in=users)
        .values("user_id")
        .annotate(n=Sum("people"))
        .values_list("user_id", "n")
    ):
        for row in rows.get(user_id, ()):
            row.guided = count or 0
    village_team = {t.village_id: t for t in teams.values()}
    for village_id, people, visits in (
        in_quarter.filter(village_id__in=list(village_team))
        .values("village_id")
        .annotate(n=Sum("people"), v=Sum("visits"))
        .values_list("village_id", "n", "v")
    ):
        village_team[village_id].guided, village_team[village_id].visits = people or 0, visits or 0
    _work_weeks(rows, commune_of_team, q_start, day, users)
    mentors = []
    for mentor in (
        Mentor.objects.filter(_mentors_of(place), started_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        .select_related("user", "resident")
        .annotate(
            mentees=Count(
                "mentorships",
                filter=Q(mentorships__started_on__lte=day)
                & ~Q(mentorships__outcome=Mentorship.Outcome.STOPPED),
            ),
            independent=Count(
                "mentorships",
                filter=Q(mentorships__started_on__lte=day)
                & Q(mentorships__outcome=Mentorship.Outcome.INDEPENDENT)
                & (Q(mentorships__ended_on__isnull=True) | Q(mentorships__ended_on__lte=day)),
            ),
        )
        .order_by("pk")
    ):
        mentors.append(
            MentorRow(
                mentor.pk, str(mentor), mentor.mentees, mentor.independent, mentor.resident_id is not None
            )
        )
    return Teamwork(list(teams.values()), mentors, (q_start, day))


def _work_weeks(
    rows: dict[int, list[MemberRow]],
    commune_of_team: dict[int, int],
    start: dt.date,
    day: dt.date,
    users: QuerySet[Any] | None = None,
) -> None:
    """Weeks of the quarter (from the day a member joined, when later) in which each member worked enough
    days of enough hours, by the rule of their team's commune (one query for every commune's rule)."""
    from binhdan.registry.models import CommuneSettings

    quotas = {
        commune_id: WorkQuota(Decimal(hours), int(days))
        for commune_id, hours, days in CommuneSettings.objects.filter(
            commune_id__in=set(commune_of_team.values())
        ).values_list("commune_id", "min_hours_per_day", "min_days_per_week")
    } if commune_of_team else {}  # fmt: skip
    member_weeks = {
        id(row): weeks_in(max(start, row.joined_on or start), day) for group in rows.values() for row in group
    }
    if not member_weeks:
        return
    first = min(weeks[0][0] for weeks in member_weeks.values())
    # Each member's worked days (hours summed per day): the loop below goes over the days someone worked,
    # not over every member's every week and weekday.
    # Only days that meet the least demanding rule in play come back.
    least = min([q.hours_per_day for q in quotas.values()] + [WorkQuota().hours_per_day])
    worked: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for user_id, when, hours in (
        WorkTime.objects.filter(user_id__in=list(rows) if users is None else users, day__gte=first, day__lte=day)
        .values("user_id", "day").annotate(h=Sum("hours")).filter(h__gte=least)
        .values_list("user_id", "day", "h")
    ):  # fmt: skip
        if user_id in rows:
            worked[user_id].append((when, hours))
    for user_id, group in rows.items():
        for row in group:
            commune_id = commune_of_team.get(row.team_id)
            quota = quotas.get(commune_id, WorkQuota()) if commune_id is not None else WorkQuota()
            weeks = member_weeks[id(row)]
            row.weeks = len(weeks)
            mondays = {monday for monday, _sunday in weeks}
            good_days: dict[dt.date, int] = defaultdict(int)
            for when, hours in worked.get(user_id, ()):
                monday = when - dt.timedelta(days=when.weekday())
                if monday in mondays and hours >= quota.hours_per_day:
                    good_days[monday] += 1
            row.weeks_met = sum(count >= quota.days_per_week for count in good_days.values())


def quota_for(place: Place) -> WorkQuota:
    """The working-hours rule shown on a commune's or village's page (the plans' rule for a province)."""
    commune = (
        place if place.level == Level.COMMUNE else place.parent if place.level == Level.VILLAGE else None
    )
    return work_quota(commune)


def team_values(place: Place, day: dt.date) -> dict[str, tuple[int, int]]:
    return teamwork(place, day).values()
