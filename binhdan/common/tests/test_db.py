import datetime as dt
import uuid

from django.utils import timezone

from binhdan.common.db import insert_rows
from binhdan.fieldwork.models import SyncReceipt
from binhdan.registry.models import StatusObservation


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
