"""How each member stands this week against the movement's quotas (`rules`): team page and field app."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Sum
from django.utils import timezone

from binhdan.common.db import fetch_together, prepare
from binhdan.fieldwork import rules
from binhdan.fieldwork.models import Team, Visit, WorkTime
from binhdan.registry.models import Household


def member_week(
    team: Team, users: list[int], today: dt.date, quota: rules.WorkQuota | None = None
) -> dict[int, dict[str, Any]]:
    """Per member this week: households looked after, visits, hours, days of ≥4 h and follow-ups due."""
    quota = quota or rules.work_quota(team.village.parent)
    return member_week_rows(users, quota, fetch_together(member_week_reads(team.village_id, users, today)))


def member_week_reads(village: int, users: list[int], today: dt.date) -> list[Any]:
    """The four reads behind `member_week` for the village's team, for `common.db.fetch_together` (one
    round trip on PostgreSQL, with whatever else the caller reads). Each is compiled once per process
    for the day and the number of users (`common.db.prepare`): the week's bounds are constants of the day."""
    monday, sunday = rules.week_of(today)
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
    end = start + dt.timedelta(days=7)

    def this_week(village: int, users: list[int]) -> Any:
        # Visits, households and people in one statement: each counted distinct, so the people joined
        # in (none for a visit without anyone named) do not multiply the visits.
        return (
            Visit.objects.filter(
                recorded_by__in=users, household__village=village, visited_at__gte=start, visited_at__lt=end
            )
            .values_list("recorded_by")
            .annotate(
                visits=Count("pk", distinct=True),
                households=Count("household", distinct=True),
                guided=Count("people__resident", distinct=True),
            )
        )

    def due(village: int, users: list[int]) -> Any:
        later = Visit.objects.filter(household=OuterRef("household"), visited_at__gt=OuterRef("visited_at"))
        return (
            Visit.objects.filter(recorded_by__in=users, household__village=village, follow_up_on__lte=today)
            .exclude(Exists(later))
            .values_list("recorded_by")
            .annotate(n=Count("pk"))
        )

    def households(village: int, users: list[int]) -> Any:
        return (
            Household.objects.filter(village=village, assigned_member__in=users)
            .values_list("assigned_member")
            .annotate(n=Count("pk"))
        )

    def hours(users: list[int]) -> Any:
        return (
            WorkTime.objects.filter(user__in=users, day__range=(monday, sunday))
            .values_list("user", "day")
            .annotate(total=Sum("hours"))
        )

    return [
        prepare(("fieldwork.progress.households",), households, village, users),
        prepare(("fieldwork.progress.this_week", today), this_week, village, users),
        prepare(("fieldwork.progress.due", today), due, village, users),
        prepare(("fieldwork.progress.hours", today), hours, users),
    ]


def member_week_rows(
    users: list[int], quota: rules.WorkQuota, results: list[list[tuple[Any, ...]]]
) -> dict[int, dict[str, Any]]:
    """`member_week` from the rows of `member_week_reads`."""
    household_rows, week_rows, due_rows, hour_rows = results
    households, due = dict(household_rows), dict(due_rows)
    visits = {user_id: n for user_id, n, _, _ in week_rows}
    visited = {user_id: n for user_id, _, n, _ in week_rows}
    guided = {user_id: n for user_id, _, _, n in week_rows}
    hours: dict[int, Decimal] = {}
    days: dict[int, int] = {}
    for user_id, _day, total in hour_rows:
        hours[user_id] = hours.get(user_id, Decimal(0)) + total
        days[user_id] = days.get(user_id, 0) + (total >= quota.hours_per_day)
    result = {}
    for user_id in users:
        row = {
            "households": households.get(user_id, 0),
            "visits": visits.get(user_id, 0),
            "households_visited": visited.get(user_id, 0),
            "people_guided": guided.get(user_id, 0),
            "hours": hours.get(user_id, Decimal(0)),
            "full_days": days.get(user_id, 0),
            "follow_ups_due": due.get(user_id, 0),
        }
        row["households_ok"] = row["households"] >= rules.MIN_HOUSEHOLDS_PER_MEMBER
        row["time_ok"] = row["full_days"] >= quota.days_per_week
        result[user_id] = row
    return result
