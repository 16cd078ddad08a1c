import datetime as dt
import uuid

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from binhdan.common import db
from binhdan.common.db import insert_rows
from binhdan.fieldwork.models import SyncReceipt
from binhdan.registry.models import Evidence, SkillLevel, Source, StatusObservation


def test_insert_rows_stores_uuids_dates_and_aware_times_like_the_orm(world):
    now = timezone.now().replace(microsecond=0)
    key = uuid.uuid4()
    insert_rows(SyncReceipt, ["uuid", "kind", "user_id", "payload_hash", "object_id", "received_at"],
                [(key, "visit", world.member_a.pk, "0" * 64, None, now)])  # fmt: skip
    insert_rows(
        StatusObservation,
        [
            "resident_id",
            "field",
            "value",
            "evidence",
            "observed_on",
            "source",
            "recorded_by_id",
            "recorded_at",
            "source_ref",
        ],
        [
            (
                world.resident_a.pk,
                "smartphone",
                1,
                "seen",
                dt.date(2026, 1, 2),
                "visit",
                world.member_a.pk,
                now,
                str(key),
            )
        ],
    )
    receipt = SyncReceipt.objects.get(uuid=key)
    assert receipt.received_at == now and receipt.object_id is None
    row = StatusObservation.objects.get(source_ref=str(key))
    assert (row.resident, row.observed_on, row.recorded_at, row.value) == (
        world.resident_a,
        dt.date(2026, 1, 2),
        now,
        1,
    )


def test_insert_rows_with_nothing_to_write_does_nothing(db):
    insert_rows(SyncReceipt, ["uuid"], [])
    assert not SyncReceipt.objects.exists()


def test_many_rows_go_in_chunks_that_respect_the_backends_parameter_limit(world):
    # 5,000 rows x 9 columns is more parameters than SQLite accepts in one statement, and enough
    # rows for COPY on PostgreSQL.
    now = timezone.now()
    rows = [
        (
            world.resident_a.pk,
            "smartphone",
            i % 2,
            "told",
            dt.date(2026, 1, 1),
            "import",
            None,
            now,
            f"bulk-{i}",
        )
        for i in range(5000)
    ]
    columns = [
        "resident_id",
        "field",
        "value",
        "evidence",
        "observed_on",
        "source",
        "recorded_by_id",
        "recorded_at",
        "source_ref",
    ]
    insert_rows(StatusObservation, columns, rows)
    assert StatusObservation.objects.filter(source_ref__startswith="bulk-").count() == 5000


# --- COPY in binary (PostgreSQL) and the same rows as text ------------------------------------------

STATUS_COLUMNS = ["resident_id", "field", "value", "evidence", "observed_on", "source", "recorded_by_id",
                  "recorded_at", "source_ref"]  # fmt: skip


def _status_rows(world, tag, now):
    """60 rows (enough for COPY): enums for value and source, NULLs, and text COPY would escape."""
    return [
        (world.resident_a.pk, "smartphone", SkillLevel.GUIDED if i % 2 else 0, Evidence.SEEN,
         dt.date(2026, 1, 1 + i % 28), Source.VISIT, world.member_a.pk if i % 3 else None, now,
         f"{tag}-{i}\tđã\\ghi\nmới")
        for i in range(60)
    ]  # fmt: skip


def _stored_status(tag):
    return sorted(
        StatusObservation.objects.filter(source_ref__startswith=tag).values_list(
            "value", "evidence", "observed_on", "source", "recorded_by_id", "recorded_at", "source_ref"
        ),
        key=lambda row: row[-1],
    )


def test_copy_in_binary_stores_the_same_rows_as_copy_as_text(world, monkeypatch):
    now = timezone.now()
    chosen = []
    binary_types = db._binary_types

    def spy(*args):
        chosen.append(binary_types(*args))
        return chosen[-1]

    monkeypatch.setattr(db, "_binary_types", spy)
    insert_rows(StatusObservation, STATUS_COLUMNS, _status_rows(world, "binary", now))
    monkeypatch.setattr(db, "_binary_types", lambda *a: None)
    insert_rows(StatusObservation, STATUS_COLUMNS, _status_rows(world, "text", now))
    binary, text = _stored_status("binary"), _stored_status("text")
    assert len(binary) == 60
    assert [row[:-1] for row in binary] == [row[:-1] for row in text]
    assert [row[-1].removeprefix("binary") for row in binary] == [
        row[-1].removeprefix("text") for row in text
    ]
    assert binary[0][-1] == "binary-0\tđã\\ghi\nmới"
    if connection.vendor == "postgresql":  # elsewhere these are INSERTs, and nothing is chosen
        assert chosen == [
            ["int8", "varchar", "int2", "varchar", "date", "varchar", "int8", "timestamptz", "varchar"]
        ]


def test_rows_binary_copy_would_not_take_go_as_text(world):
    now = timezone.now()
    rows = [(uuid.uuid4(), "visit", world.member_a.pk, "0" * 64, None, now) for _ in range(60)]
    columns = ["uuid", "kind", "user_id", "payload_hash", "object_id", "received_at"]
    if connection.vendor == "postgresql":
        assert db._binary_types(connection, SyncReceipt, columns, rows) == [
            "uuid", "varchar", "int8", "varchar", "int8", "timestamptz"
        ]  # fmt: skip
        naive = [(*row[:5], now.replace(tzinfo=None)) for row in rows]
        as_text = [(str(row[0]), *row[1:]) for row in rows]
        flag = [(*row[:4], True, now) for row in rows]
        huge = [(*row[:4], 2**63, now) for row in rows]
        for odd in (naive, as_text, flag, huge):
            assert db._binary_types(connection, SyncReceipt, columns, odd) is None
    # A UUID as text still stores (COPY as text reads it), as it did before binary COPY.
    insert_rows(SyncReceipt, columns, [(str(row[0]), *row[1:]) for row in rows])
    assert SyncReceipt.objects.filter(uuid__in=[row[0] for row in rows]).count() == 60


def test_a_value_out_of_its_column_s_range_is_refused_as_a_django_error_and_stores_nothing(world):
    # (PostgreSQL: out of smallint's range, a DataError; SQLite: the column's CHECK, an IntegrityError)
    rows = [(r[0], r[1], 2**20, *r[3:]) for r in _status_rows(world, "range", timezone.now())]
    with pytest.raises((DataError, IntegrityError)), transaction.atomic():
        insert_rows(StatusObservation, STATUS_COLUMNS, rows)
    assert not StatusObservation.objects.filter(source_ref__startswith="range").exists()
