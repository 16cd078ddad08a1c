"""The movement's working rules, as the plans write them (Kế hoạch triển khai Bình dân học vụ số)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

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
