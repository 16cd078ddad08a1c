"""The movement's working rules, as the plans write them (Kế hoạch triển khai Bình dân học vụ số)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from binhdan.common.db import fetch_together, prepare
from binhdan.places.models import Place

MIN_HOUSEHOLDS_PER_MEMBER = 10  # each member looks after at least 10 households
MIN_HOURS_PER_DAY = Decimal(4)  # a working day counts from 4 active hours …
MIN_WORKING_DAYS_PER_WEEK = 2  # … and a member works at least 2 such days a week
MIN_TEAM_SIZE, MAX_TEAM_SIZE = 7, 12  # a village team has 7-12 members
MIN_MENTEES = 5  # each đại sứ số guides at least 5 people
RECENT_DAYS = 30  # "visits in the last 30 days" on the province page


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the week that holds `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


@dataclass(frozen=True)
class WorkQuota:
    """The working-time quota a commune applies (its settings; the plans' 4 h on 2 days by default)."""

    hours_per_day: Decimal = MIN_HOURS_PER_DAY
    days_per_week: int = MIN_WORKING_DAYS_PER_WEEK


def work_quota(commune: Place | None) -> WorkQuota:
    """The commune's own working-hours rule from its settings, without creating a settings row."""
    if commune is None:
        return WorkQuota()
    return work_quota_of(fetch_together([work_quota_read(commune.pk)])[0])


def work_quota_read(commune: int) -> Any:
    """`work_quota`'s read as a statement for `common.db.fetch_together` (with other reads, in one round
    trip), compiled once per process; `work_quota_of` makes the rule of its rows."""
    from binhdan.registry.models import CommuneSettings

    return prepare(
        ("fieldwork.rules.work_quota",),
        lambda commune: (
            CommuneSettings.objects.filter(commune=commune)
            .values_list("min_hours_per_day", "min_days_per_week")
            .order_by("pk")[:1]
        ),
        commune,
    )


def work_quota_of(rows: list[tuple[Any, ...]]) -> WorkQuota:
    return WorkQuota(Decimal(rows[0][0]), int(rows[0][1])) if rows else WorkQuota()
