"""How each member stands this week against the movement's quotas (`rules`): team page and field app."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Sum
from django.utils import timezone

from binhdan.fieldwork import rules
from binhdan.fieldwork.models import Team, Visit, VisitPerson, WorkTime
from binhdan.registry.models import Household


def member_week(
    team: Team, users: list[int], today: dt.date, quota: rules.WorkQuota | None = None
) -> dict[int, dict[str, Any]]:
    """Per member this week: households looked after, visits, hours, days of ≥4 h and follow-ups due."""
    quota = quota or rules.work_quota(team.village.parent)
    monday, sunday = rules.week_of(today)
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
    end = start + dt.timedelta(days=7)
    households = dict(
        Household.objects.filter(village=team.village, assigned_member__in=users)
        .values_list("assigned_member")
        .annotate(n=Count("pk"))
    )
    this_week = Visit.objects.filter(
        recorded_by__in=users, household__village=team.village, visited_at__gte=start, visited_at__lt=end
    )
    visits = dict(this_week.values_list("recorded_by").annotate(n=Count("pk")))
    visited = dict(this_week.values_list("recorded_by").annotate(n=Count("household", distinct=True)))
    guided = dict(
        VisitPerson.objects.filter(visit__in=this_week)
        .values_list("visit__recorded_by")
        .annotate(n=Count("resident", distinct=True))
    )
    later = Visit.objects.filter(household=OuterRef("household"), visited_at__gt=OuterRef("visited_at"))
    due = dict(
        Visit.objects.filter(recorded_by__in=users, household__village=team.village, follow_up_on__lte=today)
        .exclude(Exists(later))
        .values_list("recorded_by")
        .annotate(n=Count("pk"))
    )
    hours: dict[int, Decimal] = {}
    days: dict[int, int] = {}
    for user_id, _day, total in (
        WorkTime.objects.filter(user__in=users, day__range=(monday, sunday))
        .values_list("user", "day")
        .annotate(total=Sum("hours"))
    ):
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
