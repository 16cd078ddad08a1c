"""Statements sent together (common.db): one round trip on PostgreSQL, with the order, the errors, the
query log and the execute wrappers of a query of Django's own cursor. They hold for both ways the statements
go on PostgreSQL: one query of several bound client-side (behind pgbouncer in transaction pooling), and
the same query of EXECUTEs of statements prepared once per connection (PostgreSQL itself, the suite's
default; the last tests are about those). The tests that need PostgreSQL are skipped elsewhere; the
others run on both."""

import datetime as dt
import decimal
import os
import subprocess
import sys
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import (
    DatabaseError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    connection,
    transaction,
)
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from binhdan.common.db import (
    _kind,
    _literals,
    as_arrays,
    execute_together,
    fetch_together,
    insert_rows,
    writes_together,
)
from binhdan.fieldwork.models import SyncReceipt

POSTGRES = connection.vendor == "postgresql"
postgres_only = pytest.mark.skipif(
    not POSTGRES, reason="one round trip for several statements is PostgreSQL's"
)
COLUMNS = ["uuid", "kind", "user_id", "payload_hash", "object_id", "received_at"]
TABLE = SyncReceipt._meta.db_table
UPDATE_KIND = f"UPDATE {TABLE} SET kind = %s WHERE uuid = %s"  # nosec B608  # a table name


def receipt(world, key):
    return (key, "visit", world.member_a.pk, "0" * 64, None, timezone.now())


def value(key):
    """The key as the database takes it (SQLite keeps UUIDs as hex)."""
    return SyncReceipt._meta.pk.get_db_prep_value(key, connection)


def insert(world, key):
    """An INSERT statement for execute_together."""
    fields = [SyncReceipt._meta.get_field(c) for c in COLUMNS]
    values = [f.get_db_prep_save(v, connection) for f, v in zip(fields, receipt(world, key), strict=True)]
    marks = ", ".join(["%s"] * len(COLUMNS))
    return f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({marks})", values  # nosec B608


def stored():
    return set(SyncReceipt.objects.values_list("uuid", flat=True))


def assert_usable():
    if POSTGRES:
        assert not connection.connection.pgconn.pipeline_status  # out of pipeline mode
    assert fetch_together([("SELECT 1", [])]) == [[(1,)]]


# --- on any database -------------------------------------------------------------------------------


def test_reads_after_waiting_writes_see_them(world):
    key = uuid.uuid4()
    with transaction.atomic(), writes_together():
        insert_rows(SyncReceipt, COLUMNS, [receipt(world, key)])
        execute_together([(UPDATE_KIND, ["class", value(key)])])
        with CaptureQueriesContext(connection) as queries:
            (rows,) = fetch_together([SyncReceipt.objects.filter(uuid=key).values_list("kind")])
    assert rows == [("class",)]
    if POSTGRES:  # the two writes went first, together; then the read
        first, second = (q["sql"] for q in queries.captured_queries)
        assert first.startswith("INSERT") and "UPDATE" in first and second.startswith("SELECT")


def test_a_write_of_the_batch_that_postgresql_cannot_type_is_run_once_with_the_others(world):
    """`%s IS NULL` cannot be typed with its value sent apart: that statement is bound into its text,
    and the INSERT before it, already run once, is not run twice (no duplicate key)."""
    key, tag = uuid.uuid4(), uuid.uuid4().hex
    with transaction.atomic(), writes_together():
        execute_together(
            [
                insert(world, key),
                (UPDATE_KIND + f" AND %s IS NULL /* {tag} */", ["class", value(key), None]),
            ]
        )
    assert SyncReceipt.objects.get(uuid=key).kind == "class"
    assert_usable()


def test_a_percent_sign_in_a_statement_without_values_reads_as_one(db):
    assert fetch_together([("SELECT '50%%'", []), ("SELECT %s", [3])]) == [[("50%",)], [(3,)]]


def test_a_long_statement_s_lists_of_ids_are_bound_as_arrays_and_other_lists_as_they_are():
    ids = list(range(1, 71))
    marks = ", ".join(["%s"] * 70)
    sql = f"SELECT 1 FROM t WHERE a IN ({marks}) AND b NOT IN (%s, %s) AND c IN (%s, %s) AND d LIKE '5%%' AND e = %s"
    text, values = as_arrays(sql, [*ids, 1, 2, "x", "y", True])
    assert text == (
        "SELECT 1 FROM t WHERE a = ANY(%s::bigint[]) AND b NOT IN (%s, %s) AND c IN (%s, %s) AND d LIKE '5%%' AND e = %s"
    )
    assert values == ["{" + ",".join(map(str, ids)) + "}", 1, 2, "x", "y", True]
    keys = [uuid.uuid4() for _ in range(70)]
    assert as_arrays(f"SELECT 1 WHERE k IN ({marks})", keys) == (
        "SELECT 1 WHERE k = ANY(%s::uuid[])",
        ["{" + ",".join(map(str, keys)) + "}"],
    )
    for odd in ([True] * 70, [*ids[:69], 2**63], [*ids[:69], "1"], [*keys[:69], 1]):
        assert as_arrays(f"SELECT 1 WHERE k IN ({marks})", odd) == (f"SELECT 1 WHERE k IN ({marks})", odd)
    # A statement that may be prepared keeps its list: each length is a statement of its own there.
    assert as_arrays("SELECT 1 WHERE k IN (%s, %s)", [1, 2]) == ("SELECT 1 WHERE k IN (%s, %s)", [1, 2])


# --- PostgreSQL --------------------------------------------------------------------------------------


@postgres_only
def test_several_reads_are_one_round_trip_and_one_log_entry_with_their_values(world):
    key = uuid.uuid4()
    with CaptureQueriesContext(connection) as queries:
        got = fetch_together(
            [
                SyncReceipt.objects.filter(uuid=key).values_list("kind"),
                ("SELECT %s::int + 1", [41]),
                ("SELECT count(*) FROM fieldwork_syncreceipt WHERE kind = %s", ["nothing-of-the-kind"]),
            ]
        )
    assert got == [[], [(42,)], [(0,)]]
    (entry,) = queries.captured_queries
    assert (
        entry["sql"].count("SELECT") == 3
        and key.hex in entry["sql"]
        and "'nothing-of-the-kind'" in entry["sql"]
    )


@postgres_only
def test_a_duplicate_key_in_the_middle_of_a_batch_raises_integrity_error_and_writes_nothing(world):
    existing, before, after = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    insert_rows(SyncReceipt, COLUMNS, [receipt(world, existing)])
    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(IntegrityError),
        transaction.atomic(),
        writes_together(),
    ):
        insert_rows(SyncReceipt, COLUMNS, [receipt(world, before)])
        insert_rows(SyncReceipt, COLUMNS, [receipt(world, existing)])
        insert_rows(SyncReceipt, COLUMNS, [receipt(world, after)])
    assert sum(q["sql"].startswith("INSERT") for q in queries.captured_queries) == 1  # the one round trip
    assert stored() == {existing}
    assert_usable()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_failing_batch_that_would_commit_leaves_nothing_and_the_next_one_commits(world):
    existing, lost, kept = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    insert_rows(SyncReceipt, COLUMNS, [receipt(world, existing)])
    hooks: list[str] = []
    with pytest.raises(IntegrityError), transaction.atomic(), writes_together(commit=True):
        transaction.on_commit(lambda: hooks.append("lost"))
        execute_together([insert(world, lost), insert(world, existing)])
    assert stored() == {existing} and hooks == []
    assert not connection.in_atomic_block and connection.connection.autocommit
    assert_usable()
    with transaction.atomic(), writes_together(commit=True):
        transaction.on_commit(lambda: hooks.append("kept"))
        execute_together([insert(world, kept)])
    assert stored() == {existing, kept} and hooks == ["kept"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_failing_batch_is_rolled_back_whole(world):
    existing, lost = uuid.uuid4(), uuid.uuid4()
    insert_rows(SyncReceipt, COLUMNS, [receipt(world, existing)])
    with pytest.raises(IntegrityError):
        execute_together([insert(world, lost), insert(world, existing)])
    # A value psycopg cannot send, after a statement already queued: that one is undone too.
    with pytest.raises(ProgrammingError):
        execute_together([insert(world, lost), (UPDATE_KIND, ["x", object()])])
    assert stored() == {existing}
    assert_usable()


@postgres_only
def test_execute_wrappers_see_each_round_trip_and_djangos_exceptions(world):
    seen: list[tuple[str, str]] = []

    def spy(execute, sql, params, many, context):
        try:
            result = execute(sql, params, many, context)
        except DatabaseError as error:
            seen.append((sql, type(error).__name__))
            raise
        seen.append((sql, "ok"))
        return result

    key = uuid.uuid4()
    with connection.execute_wrapper(spy):
        fetch_together([("SELECT %s", [1]), ("SELECT %s", [2])])
        execute_together([insert(world, key), (UPDATE_KIND, ["class", key])])
        with pytest.raises(IntegrityError), transaction.atomic():
            execute_together([insert(world, uuid.uuid4()), insert(world, key)])
    seen = [
        (sql, outcome) for sql, outcome in seen if not sql.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))
    ]
    assert [outcome for _, outcome in seen] == ["ok", "ok", "IntegrityError"]
    assert seen[0][0].count("SELECT") == 2 and seen[1][0].startswith("INSERT") and "UPDATE" in seen[1][0]

    def refuse(execute, sql, params, many, context):  # as a fault-injection test would
        raise OperationalError("injected")

    with connection.execute_wrapper(refuse), pytest.raises(OperationalError):
        execute_together([insert(world, uuid.uuid4()), insert(world, uuid.uuid4())])
    assert stored() == {key}


@postgres_only
def test_reads_postgresql_cannot_type_with_their_values_apart_still_work_in_a_transaction(world):
    tag = uuid.uuid4().hex  # statements never sent before in this process
    reads = [
        (f"SELECT %s IS NULL /* {tag} */", [None]),
        (f"SELECT %s::int * 2 /* {tag} */", [21]),
        (f"SELECT pg_typeof(%s) IS NULL /* {tag} */", ["x"]),
    ]
    for _ in range(2):  # learnt, then bound client-side at once
        with transaction.atomic():
            assert fetch_together(reads) == [[(True,)], [(42,)], [(False,)]]
            assert SyncReceipt.objects.count() == 0  # the transaction goes on
    assert_usable()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_reads_postgresql_cannot_type_with_their_values_apart_still_work_outside_a_transaction(world):
    tag = uuid.uuid4().hex
    assert fetch_together([(f"SELECT %s IS NULL /* {tag} */", [None]), ("SELECT %s", ["a"])]) == [
        [(True,)],
        [("a",)],
    ]
    assert_usable()


@postgres_only
def test_behind_the_pooler_no_statement_is_ever_prepared(world):
    """pgbouncer in transaction pooling cannot keep a named prepared statement: with
    DATABASE_POOLER=pgbouncer the same batches run many times leave none in pg_prepared_statements."""
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    script = """
import uuid
import django
django.setup()
from django.conf import settings
from django.db import transaction
from binhdan.common.db import execute_together, fetch_together, writes_together
assert settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"] is None
key = uuid.uuid4()
for i in range(20):
    fetch_together([("SELECT count(*) FROM fieldwork_syncreceipt WHERE kind = %s", ["visit"]),
                    ("SELECT %s::int", [i])])
    with transaction.atomic(), writes_together(commit=True):
        execute_together([("UPDATE fieldwork_syncreceipt SET kind = %s WHERE uuid = %s", ["x", key]),
                          ("UPDATE fieldwork_syncreceipt SET object_id = %s WHERE uuid = %s", [i, key])])
print(fetch_together([("SELECT count(*) FROM pg_prepared_statements", [])])[0][0][0])
"""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATABASE_POOLER": "pgbouncer",
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DEBUG": "1",
    }
    if settings["PASSWORD"]:
        env["PGPASSWORD"] = settings["PASSWORD"]
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(  # nosec B603  # this interpreter, a fixed script
        [sys.executable, "-c", script],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0"]


# --- prepared statements (PostgreSQL itself: the database's PREPARED_STATEMENTS) ----------------------

prepared_only = pytest.mark.skipif(
    not (POSTGRES and connection.settings_dict.get("PREPARED_STATEMENTS")),
    reason="prepared statements are PostgreSQL's, on a connection of its own",
)


def prepared_count() -> int:
    return fetch_together([("SELECT count(*) FROM pg_prepared_statements", [])])[0][0][0]


@prepared_only
def test_statements_sent_together_are_prepared_once_per_connection_and_log_their_values(world):
    key = uuid.uuid4()
    insert_rows(SyncReceipt, COLUMNS, [receipt(world, key)])
    tag = uuid.uuid4().hex  # statement texts this connection has not prepared yet
    before = prepared_count()
    for number in range(5):
        with CaptureQueriesContext(connection) as queries:
            got = fetch_together(
                [
                    (f"SELECT kind FROM {TABLE} WHERE uuid = %s /* {tag} */", [key]),  # nosec B608
                    (f"SELECT %s, %s, %s /* {tag} */", [number, 10**30, "chữ"]),  # typed as literals are
                ]
            )
        assert got == [[("visit",)], [(number, 10**30, "chữ")]]
        (logged,) = queries.captured_queries
        assert "EXECUTE" not in logged["sql"] and str(key.hex) in logged["sql"]  # the values, not the names
    assert prepared_count() - before == 2  # prepared the first time, executed since


@prepared_only
@pytest.mark.django_db(transaction=True)
def test_a_committing_batch_after_other_statements_prepares_its_new_statements_and_commits(world):
    """The first time a statement is prepared inside a transaction the batch runs in a savepoint, which
    is released before the batch's COMMIT (a batched push: a COPY, then the writes with the COMMIT)."""
    first, second = uuid.uuid4(), uuid.uuid4()
    tag = uuid.uuid4().hex  # a statement text this process has not prepared yet
    with transaction.atomic(), writes_together(commit=True):
        insert_rows(SyncReceipt, COLUMNS, [receipt(world, first)])
        fetch_together([("SELECT 1", [])])  # the insert goes first: the transaction is under way
        execute_together([(UPDATE_KIND + f" /* {tag} */", ["class", value(first)]), insert(world, second)])
    assert not connection.in_atomic_block
    assert set(SyncReceipt.objects.values_list("uuid", "kind")) == {(first, "class"), (second, "visit")}
    assert_usable()


@prepared_only
def test_statements_of_one_shape_in_one_batch_share_one_prepared_statement(world):
    tag = uuid.uuid4().hex
    before = prepared_count()
    statement = f"SELECT %s + 1 /* {tag} */"
    assert fetch_together([(statement, [1]), (statement, [2]), (statement, [3])]) == [[(2,)], [(3,)], [(4,)]]
    assert prepared_count() - before == 1


@prepared_only
def test_a_connection_that_prepared_many_statements_drops_them_and_prepares_anew(world, monkeypatch):
    from binhdan.common import db

    monkeypatch.setattr(db, "PREPARED_PER_CONNECTION", 5)
    for number in range(12):
        got = fetch_together([(f"SELECT %s + {number}", [1]), ("SELECT %s::text", ["x"])])
        assert got == [[(1 + number,)], [("x",)]]
        assert prepared_count() <= 5 + 2
    assert_usable()


@prepared_only
def test_a_failed_batch_leaves_the_connection_s_prepared_statements_usable(world):
    existing = uuid.uuid4()
    insert_rows(SyncReceipt, COLUMNS, [receipt(world, existing)])
    for _ in range(3):
        with pytest.raises(IntegrityError), transaction.atomic():
            execute_together([insert(world, uuid.uuid4()), insert(world, existing)])
    execute_together([insert(world, uuid.uuid4())])
    assert len(stored()) == 2
    assert_usable()


@postgres_only
def test_reads_of_many_ids_find_the_rows_the_lists_name_and_log_the_arrays(world):
    keys = [uuid.uuid4() for _ in range(100)]
    insert_rows(SyncReceipt, COLUMNS, [receipt(world, key) for key in keys])
    with CaptureQueriesContext(connection) as queries:
        found, others, counted = fetch_together(
            [
                SyncReceipt.objects.filter(uuid__in=keys[:80]).values_list("uuid"),
                SyncReceipt.objects.exclude(uuid__in=keys[:70]).values_list("uuid"),
                ("SELECT count(*) FROM fieldwork_syncreceipt WHERE user_id IN (" + ", ".join(["%s"] * 65) + ")",
                 [world.member_a.pk, *range(10**6, 10**6 + 64)]),
            ]
        )  # fmt: skip
    assert {row[0] for row in found} == set(keys[:80])
    assert {row[0] for row in others} == set(keys[70:])
    assert counted == [(100,)]
    (entry,) = queries.captured_queries
    assert (
        entry["sql"].count("= ANY(") == 3 and keys[0].hex not in entry["sql"] and str(keys[0]) in entry["sql"]
    )


@postgres_only
@pytest.mark.django_db
def test_execute_literals_read_back_as_the_values():
    """The EXECUTE values written by `common.db._literals` are the values themselves to a statement
    prepared with their declared kinds, quotes and comment marks in strings included."""
    values = [
        0, -7, 2**31, -(2**63), 2**63 + 5, None, True, False, "", "Hoà's nhà; --x", "'; DROP TABLE x; --",
        "Đặng Văn Đức", uuid.uuid4(), dt.date(2024, 2, 29),
        dt.datetime(2026, 12, 3, 18, 26, 4, 371395, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, 0, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
        dt.datetime(1900, 1, 1, 12, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),  # a local mean time offset
    ]  # fmt: skip
    text = _literals(values)
    assert text is not None
    declared = ", ".join("text" if k == "unknown" else str(k) for k in map(_kind, values))
    selects = ", ".join(f"${n}" for n in range(1, len(values) + 1))
    with connection.cursor() as cursor:
        cursor.execute(f"PREPARE binhdan_literals_test({declared}) AS SELECT {selects}")
        try:
            cursor.execute(f"EXECUTE binhdan_literals_test({text})")
            row = cursor.fetchone()
        finally:
            cursor.execute("DEALLOCATE binhdan_literals_test")
    assert [int(v) if isinstance(v, decimal.Decimal) else v for v in row] == values


@pytest.mark.parametrize(
    "odd", ["a\\b", "a\x00b", 1.5, {"a": 1}, b"x", dt.timedelta(days=1), decimal.Decimal("1.5"), dt.time(9)]
)
def test_values_not_written_as_literals_go_to_psycopg(odd):
    assert _literals([1, odd]) is None
