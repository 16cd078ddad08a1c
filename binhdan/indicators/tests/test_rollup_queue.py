"""The write path queues households; the rollups catch up in rounds, in the background or before a read.

What must hold: a write that commits leaves its households queued and nothing else of the rollups
changed; a write that fails leaves no queue row; every reader sees the rollups caught up; a household
written many times is recomputed once; a round that fails stays queued; concurrent pushes and drainers
on PostgreSQL end with exactly the rollups a rebuild gives.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from binhdan.common import jobs
from binhdan.common.management.commands.jobs_worker import Periodic
from binhdan.fieldwork.sync import push
from binhdan.indicators import rollup, values
from binhdan.indicators.models import QueuedHousehold
from binhdan.registry import services as registry
from binhdan.registry.models import Evidence, Source, StatusField
from binhdan.testing.indicators import rollup_rows, visit_record

SMARTPHONE_SEEN = {"smartphone": {"value": 1, "evidence": "seen"}}

pytestmark = pytest.mark.django_db


def _smartphone(world, resident, day=None):
    registry.record_status(
        by=world.officer, resident=resident, observed_on=day or timezone.localdate(), source=Source.OFFICER,
        facts=[registry.StatusFact(StatusField.SMARTPHONE, 1, Evidence.SEEN)],
    )  # fmt: skip


def _pair(place, code):
    found = {v.code: (v.numerator, v.denominator) for v in values.values(place, timezone.localdate())}
    return found[code]


def test_a_write_queues_its_household_and_the_first_reader_catches_up(world):
    rollup.catch_up()
    spans_before = rollup_rows()
    _smartphone(world, world.resident_a)
    assert list(QueuedHousehold.objects.values_list("household_id", flat=True)) == [world.household_a.pk]
    assert rollup_rows() == spans_before  # nothing of the rollups moved inside the write
    assert _pair(world.village_a, "AD_SMARTPHONE") == (1, 1)  # the reader drained the queue first
    assert not QueuedHousehold.objects.exists()
    assert rollup_rows() != spans_before


def test_a_failed_write_leaves_nothing_queued(world):
    rollup.catch_up()
    with pytest.raises(RuntimeError), transaction.atomic():
        _smartphone(world, world.resident_a)
        assert QueuedHousehold.objects.exists()
        raise RuntimeError("the writer fails after the registry wrote")
    assert not QueuedHousehold.objects.exists()
    assert _pair(world.village_a, "AD_SMARTPHONE") == (0, 1)


def test_a_household_written_many_times_is_recomputed_once(world):
    rollup.catch_up()
    for _ in range(5):
        _smartphone(world, world.resident_a)
    _smartphone(world, world.resident_b)
    assert QueuedHousehold.objects.count() == 6
    assert rollup.catch_up() == 2  # two households, each once
    assert rollup.catch_up() == 0


def test_rounds_are_bounded_and_the_rest_waits_for_the_next_call(world):
    rollup.catch_up()
    _smartphone(world, world.resident_a)
    _smartphone(world, world.resident_b)
    assert rollup.catch_up(rounds=1, limit=1) == 1
    assert QueuedHousehold.objects.count() == 1
    assert rollup.catch_up() == 1
    assert not rollup.pending()


def test_a_round_takes_the_oldest_rows_up_to_its_limit_and_no_newer_than_the_start(world):
    """`_take_round` removes exactly `limit` rows, oldest first, none newer than `upto`; with fewer queued,
    all of them up to `upto` (the bound is the limit-th row's id, found once)."""
    rollup.catch_up()
    homes = [world.household_a.pk, world.household_b.pk]
    rows = [QueuedHousehold.objects.create(household_id=homes[i % 2]) for i in range(7)]
    taken, removed = rollup._take_round(3, rows[5].pk)
    assert (removed, taken) == (3, set(homes))
    left = list(QueuedHousehold.objects.order_by("pk").values_list("pk", flat=True))
    assert left == [r.pk for r in rows[3:]]
    taken, removed = rollup._take_round(10, rows[5].pk)  # fewer than the limit: all up to upto
    assert removed == 3
    assert list(QueuedHousehold.objects.values_list("pk", flat=True)) == [rows[6].pk]
    assert rollup._take_round(10, rows[5].pk) == (set(), 0)
    with pytest.raises(ValueError):
        rollup.catch_up(limit=0)  # (a round of none would never end the catch-up)


def test_what_is_queued_during_a_catch_up_waits_for_the_next_call(world, monkeypatch):
    """A drainer takes what was queued when it started, in as few rounds as the limit allows: under a
    steady stream of pushes it does not chase the stream in rounds of one household each."""
    rollup.catch_up()
    _smartphone(world, world.resident_a)
    refresh = rollup.refresh_households
    rounds = []

    def refresh_while_someone_pushes(ids):
        rounds.append(set(ids))
        refresh(ids)
        if len(rounds) == 1:
            _smartphone(world, world.resident_b)  # a push that commits while the drainer works

    monkeypatch.setattr(rollup, "refresh_households", refresh_while_someone_pushes)
    assert rollup.catch_up(limit=1) == 1
    assert rounds == [{world.household_a.pk}]
    assert list(QueuedHousehold.objects.values_list("household_id", flat=True)) == [world.household_b.pk]
    assert rollup.catch_up() == 1
    assert rounds[-1] == {world.household_b.pk}


def test_a_round_that_fails_stays_queued_and_the_next_call_does_it(world, monkeypatch):
    rollup.catch_up()
    _smartphone(world, world.resident_a)

    def broken(ids):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(rollup, "_refresh", broken)
    with pytest.raises(RuntimeError):
        rollup.catch_up()
    assert QueuedHousehold.objects.count() == 1
    monkeypatch.undo()
    assert rollup.catch_up() == 1
    assert _pair(world.village_a, "AD_SMARTPHONE") == (1, 1)


def test_the_caught_up_rollups_are_those_a_rebuild_gives(world):
    _smartphone(world, world.resident_a)
    _smartphone(world, world.resident_b, timezone.localdate() - dt.timedelta(days=3))
    rollup.catch_up()
    kept = rollup_rows()
    result = rollup.rebuild()
    assert result["households"] >= 2
    assert rollup_rows() == kept
    assert not QueuedHousehold.objects.exists()


def test_a_rebuild_empties_the_queue(world):
    _smartphone(world, world.resident_a)
    rollup.rebuild()
    assert not QueuedHousehold.objects.exists()
    assert _pair(world.village_a, "AD_SMARTPHONE") == (1, 1)


def test_the_ids_behind_a_number_and_places_side_by_side_catch_up_too(world):
    from binhdan.indicators.models import Indicator

    rollup.catch_up()
    _smartphone(world, world.resident_a)
    indicator = Indicator.objects.get(code="AD_SMARTPHONE")
    assert list(values.ids_behind(world.village_a, timezone.localdate(), indicator, values.NUMERATOR)) == [
        world.resident_a.pk
    ]
    _smartphone(world, world.resident_b)
    side = values.side_by_side([world.village_a, world.village_b], timezone.localdate())
    assert side[world.village_b.pk]["AD_SMARTPHONE"] == (1, 1)


def test_the_jobs_worker_runs_the_rollups_as_a_periodic_step(world):
    assert jobs.PERIODIC_STEPS["rollups"] is rollup.catch_up
    rollup.catch_up()
    _smartphone(world, world.resident_a)
    assert jobs.run_periodic() == {"rollups": 1}
    assert not QueuedHousehold.objects.exists()


def test_a_failing_periodic_step_is_logged_and_the_others_still_run(monkeypatch, caplog):
    ran = []
    monkeypatch.setattr(
        jobs, "PERIODIC_STEPS", {"broken": lambda: 1 / 0, "fine": lambda: ran.append(1) or "ok"}
    )
    assert jobs.run_periodic() == {"broken": None, "fine": "ok"}
    assert ran == [1]
    assert "periodic step broken failed" in caplog.text


def test_the_periodic_thread_stops_when_asked(monkeypatch):
    calls = []
    monkeypatch.setattr(jobs, "PERIODIC_STEPS", {"count": lambda: calls.append(1)})
    monkeypatch.setattr(connections, "close_all", lambda: None)  # the test's connection stays open
    thread = Periodic(0.01)
    thread.start()
    while not calls:
        thread.stopped.wait(0.01)
    thread.stopped.set()
    thread.join(timeout=5)
    assert not thread.is_alive() and calls


# --- PostgreSQL: concurrent pushes and drainers --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_pushes_and_drainers_end_with_the_rollups_a_rebuild_gives():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    from binhdan.testing.indicators import seed_catalogues
    from binhdan.testing.personas import build_world

    seed_catalogues()
    world = build_world()
    errors: list[BaseException] = []
    stop = threading.Event()

    def pushes(n: int) -> None:
        try:
            for _ in range(n):
                answers = push(
                    user=world.member_a,
                    records=[visit_record(world.household_a, world.resident_a, status=SMARTPHONE_SEEN)],
                )
                assert answers[0]["status"] == "created", answers
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def drainer() -> None:
        try:
            while not stop.is_set():
                rollup.catch_up()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    drainers = [threading.Thread(target=drainer) for _ in range(2)]
    writers = [threading.Thread(target=pushes, args=(15,)) for _ in range(3)]
    for thread in drainers + writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    stop.set()
    for thread in drainers:
        thread.join(timeout=120)
    assert not errors, errors
    rollup.catch_up()
    kept = rollup_rows()
    assert _pair(world.village_a, "AD_SMARTPHONE") == (1, 1)
    rollup.rebuild()
    assert rollup_rows() == kept


@pytest.mark.parametrize("interval", ["-1", "nan", "inf"])
def test_the_catch_up_command_refuses_a_bad_interval(interval):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="không âm"):
        call_command("rollups_catch_up", "--follow", interval)


def test_the_catch_up_command_drains_once(world):
    import io

    from django.core.management import call_command

    _smartphone(world, world.resident_a)
    out = io.StringIO()
    call_command("rollups_catch_up", stdout=out)
    assert "Đã cập nhật số liệu của" in out.getvalue() and not rollup.pending()
