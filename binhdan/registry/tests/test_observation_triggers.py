"""The observation triggers stamp residents for the phones, unless the writer stamped them itself.

`changes.residents_stamped_statement()` (sent by the sync push with its touch of a visit's people) tells
PostgreSQL's statement triggers to skip their UPDATE for the rest of that transaction; everywhere else, and
in every later transaction, an observation stamps its resident (registry/changes.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from binhdan.common.db import execute_together
from binhdan.registry import changes
from binhdan.registry.models import Resident, Skill, SkillLevel, Source
from binhdan.registry.recording import record_observations

pytestmark = pytest.mark.django_db(transaction=True)


def _version(resident: Resident) -> int:
    return Resident.objects.values_list("sync_version", flat=True).get(pk=resident.pk)


def _observe(world, *, stamped: bool) -> None:
    skill = Skill.objects.get(code="thanh-toan-qr")
    row = (world.resident_a.pk, skill.pk, int(SkillLevel.GUIDED), dt.date.today(), Source.OFFICER.value, "")
    if stamped:
        execute_together([changes.residents_stamped_statement()])
    record_observations(by=world.officer, skills=[row], households=[world.household_a.pk])


def _stamp_reset(resident: Resident) -> None:
    """An old stamp, as a resident untouched for long has (0 sorts before every transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE registry_resident DISABLE TRIGGER USER")
        cursor.execute("UPDATE registry_resident SET sync_version = 0 WHERE id = %s", [resident.pk])
        cursor.execute("ALTER TABLE registry_resident ENABLE TRIGGER USER")


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_an_observation_stamps_its_resident_unless_the_writer_says_it_did(world):
    _stamp_reset(world.resident_a)
    with transaction.atomic():
        _observe(world, stamped=True)
        assert _version(world.resident_a) == 0  # the trigger skipped: this writer stamps them itself
    with transaction.atomic():  # the setting ended with that transaction
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting(%s, true)", [changes.RESIDENTS_STAMPED])
            assert cursor.fetchone()[0] in (None, "")
        _observe(world, stamped=False)
        assert _version(world.resident_a) > 0
    _stamp_reset(world.resident_a)
    _observe(world, stamped=False)  # outside any transaction of the caller's
    assert _version(world.resident_a) > 0


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_rolled_back_writer_leaves_no_setting_behind(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        _observe(world, stamped=True)
        raise RuntimeError
    _stamp_reset(world.resident_a)
    _observe(world, stamped=False)
    assert _version(world.resident_a) > 0


def test_the_statement_is_postgresql_s_alone():
    sql, params = changes.residents_stamped_statement()
    assert (sql, params) == (
        ("SELECT set_config(%s, 'on', true)", [changes.RESIDENTS_STAMPED])
        if connection.vendor == "postgresql"
        else ("", [])
    )


@pytest.mark.skipif("connection.vendor == 'postgresql'")
def test_sqlite_s_row_triggers_stamp_whatever_the_writer_says(world):
    before = _version(world.resident_a)
    _observe(world, stamped=True)
    assert _version(world.resident_a) != before


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_triggers_carry_the_skip_condition():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname LIKE %s ORDER BY tgname",
            ["registry_%observation_touch"],
        )
        found = dict(cursor.fetchall())
    assert set(found) == {f"{table}_touch" for table in changes.OBSERVATION_TABLES}
    assert all(changes.RESIDENTS_STAMPED in definition for definition in found.values())
