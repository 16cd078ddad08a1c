"""Change versions that follow commit order, for the sync pull (docs/sync-protocol.md, "Watermark").

Every insert or update of a household, a resident or a scope exit gets a `sync_version` from the
DATABASE (triggers installed by migration 0004), so every write path is covered by construction:
services, `save()`, bulk `update()`, `common.db.insert_rows` (COPY fires triggers too) and the import.
Recording a status or skill observation touches its resident, so the resident's version moves too.

- PostgreSQL: the version is the writing transaction's id (`pg_current_xact_id()`, 64 bits, never
  wraps). A pull round's watermark is a snapshot (`pg_current_snapshot()`); a round delivers the rows
  whose version is visible in its snapshot and was not visible in the previous round's snapshot. A
  transaction that commits late — however long it ran — is invisible in the snapshot taken while it
  ran and visible in the next one, so it lands in exactly one round.
- SQLite (one writer at a time): a counter row (`registry_syncclock`) incremented by the triggers
  inside the writing transaction; the watermark is the counter value a reader sees, and a round
  delivers `previous < version <= watermark`.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection, connections
from django.db.models import BooleanField, F, Func, QuerySet

BIGINT_MAX = 2**63 - 1
MAX_SNAPSHOT_IN_PROGRESS = 2000  # transaction ids listed in one snapshot; a real one lists a handful
_SNAPSHOT = re.compile(r"^(\d{1,19}):(\d{1,19}):((?:\d{1,19})(?:,\d{1,19})*)?$")

SYNCED_TABLES = ("registry_household", "registry_resident", "registry_scopeexit")
OBSERVATION_TABLES = ("registry_statusobservation", "registry_skillobservation")

# --- triggers ----------------------------------------------------------------------------------------

# A writer that stamped every resident of the observations it inserts (the sync push touches a visit's
# people first) says so, with that touch, for the rest of its transaction (`residents_stamped_statement`):
# the observation triggers then skip their UPDATE, which would find nothing to do and costs a push more
# PostgreSQL CPU than any of its own statements (about 0.45 ms of 2.9). A setting of the transaction
# (set_config(…, true)): it ends with the transaction, commit or rollback, and no other session sees it.
RESIDENTS_STAMPED = "binhdan.residents_stamped"


def _observation_trigger(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_touch AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT WHEN (current_setting('{RESIDENTS_STAMPED}', true) IS DISTINCT FROM 'on') "
        "EXECUTE FUNCTION binhdan_touch_residents()"
    )


def residents_stamped_statement() -> tuple[str, list[Any]]:
    """The statement (for `common.db.execute_together`) by which a writer tells the observation triggers
    that it has stamped, in this transaction, every resident whose observations it inserts in it; nothing
    ("") on SQLite, whose row triggers are cheap. Only for a transaction whose every observation is of
    such a resident: an observation of another resident would not reach the phones."""
    if connection.vendor != "postgresql":  # (`execute_together` writes on the default database)
        return "", []
    return "SELECT set_config(%s, 'on', true)", [RESIDENTS_STAMPED]


POSTGRES_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION binhdan_stamp_sync_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.sync_version := pg_current_xact_id()::text::bigint;
        RETURN NEW;
    END $$
    """,
    *[
        f"CREATE TRIGGER {table}_sync_version BEFORE INSERT OR UPDATE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION binhdan_stamp_sync_version()"
        for table in SYNCED_TABLES
    ],
    """
    CREATE OR REPLACE FUNCTION binhdan_household_exit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' OR NEW.village_id IS DISTINCT FROM OLD.village_id THEN
            INSERT INTO registry_scopeexit (kind, object_id, village_id, at, sync_version)
            VALUES ('household', OLD.id, OLD.village_id, now(), 0);
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.village_id IS DISTINCT FROM OLD.village_id THEN
            -- Its residents enter the new village with it: phones there pull them.
            UPDATE registry_resident SET sync_version = 0 WHERE household_id = NEW.id;
        END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER registry_household_exit AFTER UPDATE OF village_id OR DELETE ON registry_household "
    "FOR EACH ROW EXECUTE FUNCTION binhdan_household_exit()",
    """
    CREATE OR REPLACE FUNCTION binhdan_resident_exit() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        old_village bigint := (SELECT village_id FROM registry_household WHERE id = OLD.household_id);
    BEGIN
        IF TG_OP = 'DELETE' OR old_village IS DISTINCT FROM
                (SELECT village_id FROM registry_household WHERE id = NEW.household_id) THEN
            INSERT INTO registry_scopeexit (kind, object_id, village_id, at, sync_version)
            VALUES ('resident', OLD.id, old_village, now(), 0);
        END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER registry_resident_exit AFTER UPDATE OF household_id OR DELETE ON registry_resident "
    "FOR EACH ROW EXECUTE FUNCTION binhdan_resident_exit()",
    """
    CREATE OR REPLACE FUNCTION binhdan_touch_residents() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- Residents this transaction already stamped (the sync push touches them first) are left
        -- alone: no second row version, no second lock.
        UPDATE registry_resident SET sync_version = 0
        WHERE id IN (SELECT DISTINCT resident_id FROM new_rows)
          AND sync_version <> pg_current_xact_id()::text::bigint;
        RETURN NULL;
    END $$
    """,
    *[_observation_trigger(table) for table in OBSERVATION_TABLES],
]
POSTGRES_REMOVE = [
    *[f"DROP TRIGGER IF EXISTS {table}_sync_version ON {table}" for table in SYNCED_TABLES],
    "DROP TRIGGER IF EXISTS registry_household_exit ON registry_household",
    "DROP TRIGGER IF EXISTS registry_resident_exit ON registry_resident",
    *[f"DROP TRIGGER IF EXISTS {table}_touch ON {table}" for table in OBSERVATION_TABLES],
    "DROP FUNCTION IF EXISTS binhdan_stamp_sync_version()",
    "DROP FUNCTION IF EXISTS binhdan_household_exit()",
    "DROP FUNCTION IF EXISTS binhdan_resident_exit()",
    "DROP FUNCTION IF EXISTS binhdan_touch_residents()",
]

# SQLite runs triggers FOR EACH ROW only and cannot change NEW: an AFTER trigger bumps the counter and
# stamps the row. Recursive triggers are off (SQLite's default), so the stamping UPDATE does not
# fire its own trigger again.
_SQLITE_STAMP = (
    "UPDATE registry_syncclock SET value = value + 1 WHERE id = 1; "
    "UPDATE {table} SET sync_version = (SELECT value FROM registry_syncclock WHERE id = 1) WHERE id = NEW.id;"
)
SQLITE_INSTALL = [
    "CREATE TABLE IF NOT EXISTS registry_syncclock (id integer PRIMARY KEY, value integer NOT NULL)",
    "INSERT OR IGNORE INTO registry_syncclock (id, value) VALUES (1, 0)",
    *[
        f"CREATE TRIGGER {table}_sync_{event.lower()} AFTER {event} ON {table} "
        f"BEGIN {_SQLITE_STAMP.format(table=table)} END"
        for table in SYNCED_TABLES
        for event in ("INSERT", "UPDATE")
    ],
    "CREATE TRIGGER registry_household_exit_update AFTER UPDATE OF village_id ON registry_household "
    "WHEN OLD.village_id IS NOT NEW.village_id BEGIN "
    "INSERT INTO registry_scopeexit (kind, object_id, village_id, at, sync_version) "
    "VALUES ('household', OLD.id, OLD.village_id, strftime('%Y-%m-%d %H:%M:%f', 'now'), 0); "
    "UPDATE registry_resident SET sync_version = 0 WHERE household_id = NEW.id; END",
    "CREATE TRIGGER registry_household_exit_delete AFTER DELETE ON registry_household BEGIN "
    "INSERT INTO registry_scopeexit (kind, object_id, village_id, at, sync_version) "
    "VALUES ('household', OLD.id, OLD.village_id, strftime('%Y-%m-%d %H:%M:%f', 'now'), 0); END",
    "CREATE TRIGGER registry_resident_exit_update AFTER UPDATE OF household_id ON registry_resident "
    "WHEN (SELECT village_id FROM registry_household WHERE id = OLD.household_id) IS NOT "
    "(SELECT village_id FROM registry_household WHERE id = NEW.household_id) BEGIN "
    "INSERT INTO registry_scopeexit (kind, object_id, village_id, at, sync_version) VALUES ('resident', "
    "OLD.id, (SELECT village_id FROM registry_household WHERE id = OLD.household_id), "
    "strftime('%Y-%m-%d %H:%M:%f', 'now'), 0); END",
    "CREATE TRIGGER registry_resident_exit_delete AFTER DELETE ON registry_resident "
    "WHEN (SELECT village_id FROM registry_household WHERE id = OLD.household_id) IS NOT NULL BEGIN "
    "INSERT INTO registry_scopeexit (kind, object_id, village_id, at, sync_version) VALUES ('resident', "
    "OLD.id, (SELECT village_id FROM registry_household WHERE id = OLD.household_id), "
    "strftime('%Y-%m-%d %H:%M:%f', 'now'), 0); END",
    *[
        f"CREATE TRIGGER {table}_touch AFTER INSERT ON {table} BEGIN "  # nosec B608  # table names from a constant
        "UPDATE registry_resident SET sync_version = 0 WHERE id = NEW.resident_id; END"
        for table in OBSERVATION_TABLES
    ],
]
SQLITE_REMOVE = [
    *[f"DROP TRIGGER IF EXISTS {t}_sync_{e}" for t in SYNCED_TABLES for e in ("insert", "update")],
    "DROP TRIGGER IF EXISTS registry_household_exit_update",
    "DROP TRIGGER IF EXISTS registry_household_exit_delete",
    "DROP TRIGGER IF EXISTS registry_resident_exit_update",
    "DROP TRIGGER IF EXISTS registry_resident_exit_delete",
    *[f"DROP TRIGGER IF EXISTS {table}_touch" for table in OBSERVATION_TABLES],
    "DROP TABLE IF EXISTS registry_syncclock",
]


def install_triggers(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, POSTGRES_INSTALL, SQLITE_INSTALL)


def remove_triggers(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, POSTGRES_REMOVE, SQLITE_REMOVE)


def _run(schema_editor: Any, postgres: list[str], sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"sync versions need PostgreSQL or SQLite, not {vendor}")
    for statement in postgres if vendor == "postgresql" else sqlite:
        schema_editor.execute(statement)


# --- watermarks --------------------------------------------------------------------------------------


def current_watermark(using: str = "default") -> str:
    """What a reader sees as committed now: a snapshot (PostgreSQL) or the counter (SQLite), as text."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT value FROM registry_syncclock WHERE id = 1")
            return str(cursor.fetchone()[0])
        cursor.execute("SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned()::text")
        snapshot, own = cursor.fetchone()
    if own is None:
        return str(snapshot)
    # Read inside a transaction that wrote (a test, a command): its own writes count as seen, as
    # they do for every query in it; if it rolls back, they were never there to be missed.
    # PostgreSQL leaves the reader's own id out of the snapshot, at or above xmax: move xmax past it
    # and list the ids in between (other transactions, still running) as running.
    xmin, xmax, running = (int(p) if p.isdigit() else p for p in snapshot.split(":"))
    own_id = int(own)
    listed = [int(x) for x in str(running).split(",") if x]
    if own_id < int(xmax) or own_id - int(xmax) > MAX_SNAPSHOT_IN_PROGRESS - len(listed):
        return str(snapshot)
    listed += range(int(xmax), own_id)
    return f"{xmin}:{own_id + 1}:{','.join(map(str, sorted(set(listed))))}"


def valid_watermark(value: Any, using: str = "default") -> bool:
    """Whether text from a phone's cursor is a watermark this database could have produced."""
    if not isinstance(value, str) or len(value) > 40 * MAX_SNAPSHOT_IN_PROGRESS:
        return False
    if connections[using].vendor != "postgresql":
        return value.isdigit() and len(value) <= 19 and int(value) <= BIGINT_MAX
    match = _SNAPSHOT.match(value)
    if match is None:
        return False
    xmin, xmax = int(match[1]), int(match[2])
    running = [int(x) for x in match[3].split(",")] if match[3] else []
    if not 1 <= xmin <= xmax <= BIGINT_MAX or len(running) > MAX_SNAPSHOT_IN_PROGRESS:
        return False
    return all(xmin <= x < xmax for x in running) and running == sorted(set(running))


class _VisibleIn(Func):
    """PostgreSQL: whether a row's sync_version (a transaction id) is visible in a snapshot."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, snapshot: str, *, negated: bool = False) -> None:
        super().__init__(F("sync_version"))
        self.snapshot, self.negated = snapshot, negated

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        sql = f"pg_visible_in_snapshot(({column})::text::xid8, %s::pg_snapshot)"
        return (f"NOT {sql}" if self.negated else sql), [*params, self.snapshot]


def changed_in_round(queryset: QuerySet[Any], *, current: str, previous: str | None) -> QuerySet[Any]:
    """Rows of `queryset` whose version the round with watermark `current` delivers, after `previous`."""
    if connections[queryset.db].vendor != "postgresql":
        queryset = queryset.filter(sync_version__lte=int(current))
        return queryset if previous is None else queryset.filter(sync_version__gt=int(previous))
    queryset = queryset.filter(_VisibleIn(current))
    if previous is None:
        return queryset
    # Versions below the previous snapshot's xmin were visible in it: the index skips them.
    previous_xmin = int(previous.split(":", 1)[0])
    return queryset.filter(sync_version__gte=previous_xmin).filter(_VisibleIn(previous, negated=True))
