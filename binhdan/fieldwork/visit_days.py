"""Daily visit counts per member and village (`VisitDay`), kept by the sync push, rebuilt from visits."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from binhdan.common.db import add_to_rows
from binhdan.fieldwork.models import Visit, VisitDay, VisitPerson
from binhdan.registry.models import Household

_TABLE = VisitDay._meta.db_table


def add(rows: Iterable[tuple[int, int, dt.date, int]]) -> None:
    """Count visits (village, member, local day, people guided) in, in key order (no deadlocks)."""
    cells: dict[tuple[int, int, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    for village_id, user_id, day, people in rows:
        cell = cells[(village_id, user_id, day)]
        cell[0] += 1
        cell[1] += people
    if not cells:
        return
    add_to_rows(
        _TABLE,
        ("village_id", "user_id", "day"),
        ("visits", "people"),
        [(*key, v, p) for key, (v, p) in sorted(cells.items())],
    )


@transaction.atomic
def rebuild() -> int:
    """Recompute every row from the visits (local days, the households' current villages), in SQL."""
    VisitDay.objects.all().delete()
    if connection.vendor == "postgresql":
        local_day = f"(v.visited_at AT TIME ZONE '{settings.TIME_ZONE}')::date"
    else:  # SQLite keeps UTC text; Việt Nam has no daylight saving time
        offset = ZoneInfo(settings.TIME_ZONE).utcoffset(dt.datetime(2025, 1, 1))
        hours = int(offset.total_seconds() // 3600) if offset else 0
        local_day = f"date(v.visited_at, '{hours:+d} hours')"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (village_id, user_id, day, visits, people) "  # nosec B608  # identifiers and a setting
            f"SELECT h.village_id, v.recorded_by_id, {local_day}, COUNT(*), COALESCE(SUM(p.n), 0) "
            f"FROM {Visit._meta.db_table} v JOIN {Household._meta.db_table} h ON h.id = v.household_id "
            f"LEFT JOIN (SELECT visit_id, COUNT(*) AS n FROM {VisitPerson._meta.db_table} GROUP BY visit_id) p "
            f"ON p.visit_id = v.id GROUP BY h.village_id, v.recorded_by_id, {local_day}"
        )
    return VisitDay.objects.count()
