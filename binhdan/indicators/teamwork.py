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

from django.db.models import Count, Q, Sum
from django.utils import timezone

from binhdan.fieldwork.models import Mentor, Mentorship, Team, TeamMembership, Training, VisitPerson, WorkTime
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


def _communes(place: Place) -> Q:
    if place.level == Level.PROVINCE:
        return Q(commune__parent=place)
    return Q(commune=place if place.level == Level.COMMUNE else place.parent)


def teamwork(place: Place, day: dt.date) -> Teamwork:
    """Teams, members and mentors of `place` on `day`, with what each has done (nine queries)."""
    q_start = quarter_start(day)
    since, until = local_midnight(q_start), local_midnight(day + dt.timedelta(days=1))
    teams = {
        t.pk: TeamRow(t.pk, t.name, t.village_id, t.village.name)
        for t in Team.objects.filter(_villages(place))
        .select_related("village")
        .order_by("village__sort_name")
    }
    memberships = (
        TeamMembership.objects.filter(team_id__in=list(teams), joined_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
        .select_related("user")
        .order_by("team_id", "role", "user__username")
    )
    rows: dict[int, MemberRow] = {}
    for m in memberships:
        row = MemberRow(
            m.user_id,
            m.user.get_full_name() or m.user.username,
            m.team_id,
            teams[m.team_id].village_id,
            m.role,
        )
        teams[m.team_id].members.append(row)
        rows[m.user_id] = row
    users = list(rows)
    for user_id, count in (
        Household.objects.filter(assigned_member_id__in=users).present_on(day).values("assigned_member_id")
        .annotate(n=Count("pk")).values_list("assigned_member_id", "n")
    ):  # fmt: skip
        rows[user_id].households = count
    for user_id in Training.objects.filter(attendees__in=users, held_on__lte=day).values_list(
        "attendees", flat=True
    ):
        if user_id in rows:
            rows[user_id].trained = True
    for user_id, count in (
        VisitPerson.objects.filter(visit__recorded_by__in=users, visit__visited_at__gte=since,
                                   visit__visited_at__lt=until)
        .values("visit__recorded_by").annotate(n=Count("pk")).values_list("visit__recorded_by", "n")
    ):  # fmt: skip
        if user_id in rows:
            rows[user_id].guided = count
    village_team = {t.village_id: t for t in teams.values()}
    for village_id, people, visits in (
        VisitPerson.objects.filter(
            visit__household__village_id__in=list(village_team),
            visit__visited_at__gte=since,
            visit__visited_at__lt=until,
        )
        .values("visit__household__village_id")
        .annotate(n=Count("pk"), v=Count("visit_id", distinct=True))
        .values_list("visit__household__village_id", "n", "v")
    ):
        village_team[village_id].guided, village_team[village_id].visits = people, visits
    _work_weeks(rows, place, q_start, day)
    mentors = []
    for mentor in (
        Mentor.objects.filter(_communes(place), started_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        .select_related("user", "resident")
        .annotate(
            mentees=Count(
                "mentorships",
                filter=Q(mentorships__started_on__lte=day)
                & ~Q(mentorships__outcome=Mentorship.Outcome.STOPPED),
            ),
            independent=Count("mentorships", filter=Q(mentorships__outcome=Mentorship.Outcome.INDEPENDENT)),
        )
        .order_by("pk")
    ):
        mentors.append(MentorRow(mentor.pk, str(mentor), mentor.mentees, mentor.independent))
    return Teamwork(list(teams.values()), mentors, (q_start, day))


def _work_weeks(rows: dict[int, MemberRow], place: Place, start: dt.date, day: dt.date) -> None:
    """Weeks of the quarter in which each member worked enough days of enough hours (their commune's rule)."""
    commune = (
        place if place.level == Level.COMMUNE else place.parent if place.level == Level.VILLAGE else None
    )
    quota: WorkQuota = work_quota(commune)
    weeks = weeks_in(start, day)
    first, last = weeks[0][0], weeks[-1][1]
    per_day: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
    for user_id, when, hours in (
        WorkTime.objects.filter(user_id__in=list(rows), day__gte=first, day__lte=min(last, day))
        .values("user_id", "day").annotate(h=Sum("hours")).values_list("user_id", "day", "h")
    ):  # fmt: skip
        per_day[(user_id, when)] = hours
    for user_id, row in rows.items():
        row.weeks = len(weeks)
        for monday, _sunday in weeks:
            good = sum(
                1
                for offset in range(7)
                if per_day.get((user_id, monday + dt.timedelta(days=offset)), Decimal(0))
                >= quota.hours_per_day
            )
            row.weeks_met += good >= quota.days_per_week


def team_values(place: Place, day: dt.date) -> dict[str, tuple[int, int]]:
    return teamwork(place, day).values()
