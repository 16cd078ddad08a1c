"""The shape of a rollups round's history reads on PostgreSQL: each observation table's history comes straight
from its (resident, key, observed_on, recorded_at, id) index, in the order of the window that drops the rows
that change nothing, so no round sorts its histories. (Read through a join to the residents, a round of a
thousand households sorted a hundred thousand rows on disk, after scanning the whole table.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from binhdan.indicators import rollup
from binhdan.registry.models import Evidence, StatusField
from binhdan.testing import indicators as f

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's plans"),
]


def _statements(sql: str) -> list[str]:
    return [part for part in sql.split("; ") if part.strip()]


def test_a_round_reads_each_history_in_index_order_without_a_sort(world):
    day = timezone.localdate() - dt.timedelta(days=3)
    core = f.national_core()
    f.trusted_only(world.commune)  # both status histories: trusted evidence only here, and the rest
    f.master_skills(world.resident_a, core[:2], day)
    f.skill(world.resident_a, core[0], 1, day + dt.timedelta(days=1))
    f.statuses(world.resident_a, [(StatusField.SMARTPHONE, 1, Evidence.SEEN, day)])
    with CaptureQueriesContext(connection) as queries:
        spans = rollup.compute_spans([world.household_a.pk, world.household_b.pk])
    assert any(s.entity_id == world.resident_a.pk for s in spans)
    histories = {
        table: [
            statement
            for query in queries.captured_queries
            for statement in _statements(query["sql"])
            if f'FROM "{table}"' in statement and "LAG(" in statement
        ]
        for table in ("registry_skillobservation", "registry_statusobservation")
    }
    assert len(histories["registry_skillobservation"]) == 1
    assert len(histories["registry_statusobservation"]) == 2
    # The tables are tiny here: with sequential and bitmap scans off, the planner shows the plan it has for a
    # table too large to scan, as a province's is.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        for table, statements in histories.items():
            index = {"registry_skillobservation": "skill_obs_history", "registry_statusobservation": "status_obs_history"}[table]  # fmt: skip
            for statement in statements:
                cursor.execute("EXPLAIN " + statement)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert index in plan, plan
                assert "Sort" not in plan, plan
                assert "Seq Scan on " + table not in plan, plan
