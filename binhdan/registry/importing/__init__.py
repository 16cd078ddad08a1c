"""Import of commune household and resident lists: read, find the header, map, check (dry run), commit.

The flow a page or the command follows:

1. `open_batch` reads the file (`reading`), finds the header and maps columns (`columns`), replaces
   citizen ID numbers by mask + keyed hash, and keeps the cell table on an `ImportBatch`;
2. `check_batch` runs the dry run (`plan.analyse`) and stores counts, notices and row errors;
3. `commit_batch` checks again inside one transaction (the commune row locked, so two imports of the
   same list cannot both create its households) and writes everything or nothing (`plan.commit`).

Files with more than `LARGE_FILE_ROWS` rows run steps 2 and 3 as background jobs with progress.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from binhdan.common.jobs import job_function, report_progress, start_job
from binhdan.common.models import Job
from binhdan.places.models import Place
from binhdan.registry.importing.columns import FIELD_LABELS, Layout, column_letter, detect_layout
from binhdan.registry.importing.plan import Analysis, analyse, commit
from binhdan.registry.importing.reading import Table, UnreadableFile, protect_citizen_ids, read_table
from binhdan.registry.models import CommuneSettings, ImportBatch

LARGE_FILE_ROWS = 2000
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

__all__ = [
    "FIELD_LABELS",
    "LARGE_FILE_ROWS",
    "MAX_UPLOAD_BYTES",
    "UnreadableFile",
    "check_batch",
    "commit_batch",
    "load_table",
    "open_batch",
    "prepare",
    "start_check",
    "start_commit",
]


def _encode(cell: Any) -> Any:
    if isinstance(cell, dt.datetime):
        return ["datetime", cell.isoformat()]
    if isinstance(cell, dt.date):
        return ["date", cell.isoformat()]
    return cell


def _decode(cell: Any) -> Any:
    if isinstance(cell, list) and len(cell) == 2 and cell[0] == "date":
        return dt.date.fromisoformat(cell[1])
    if isinstance(cell, list) and len(cell) == 2 and cell[0] == "datetime":
        return dt.datetime.fromisoformat(cell[1])
    return cell


def _pack(table: Table) -> bytes:
    rows = [[_encode(c) for c in row] for row in table.rows]
    return zlib.compress(json.dumps({"rows": rows, "merged": table.merged}, ensure_ascii=False).encode(), 3)


def load_table(batch: ImportBatch) -> Table:
    if not batch.table:
        raise UnreadableFile("Dữ liệu của lượt nhập này đã được xoá sau khi nhập xong hoặc huỷ.")
    data = json.loads(zlib.decompress(bytes(batch.table)))
    rows = [[_decode(c) for c in row] for row in data["rows"]]
    return Table(rows=rows, merged=[tuple(m) for m in data["merged"]])


def prepare(data: bytes, filename: str, *, commune: Place) -> tuple[Table, Layout]:
    """Read a file and find its layout; citizen ID numbers are masked (and hashed if the commune keeps them)."""
    table = read_table(data, filename)
    layout = detect_layout(table)
    protect_citizen_ids(
        table,
        id_columns={c.index for c in layout.columns if c.field == "citizen_id"},
        from_row=layout.data_start,
        with_hash=CommuneSettings.for_commune(commune).store_citizen_ids,
    )
    return table, layout


def open_batch(
    *, data: bytes, filename: str, commune: Place, by: Any, create_villages: bool = False
) -> ImportBatch:
    """Read an uploaded list into a new ImportBatch; raises UnreadableFile with a Vietnamese message."""
    table, layout = prepare(data, filename, commune=commune)
    mapping = layout.mapping()
    return ImportBatch.objects.create(
        commune=commune,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        filename=filename[:200],
        create_villages=create_villages,
        header_row=layout.header_row,
        data_start=layout.data_start,
        columns=[{"index": c.index, "letter": c.letter, "header": c.header} for c in layout.columns],
        mapping=mapping,
        table=_pack(table),
        status=ImportBatch.Status.CHECKING if "name" in mapping.values() else ImportBatch.Status.MAPPING,
        summary={"data_rows": max(len(table.rows) - layout.data_start, 0)},
    )


def is_large(batch: ImportBatch) -> bool:
    return int(batch.summary.get("data_rows", 0)) > LARGE_FILE_ROWS


def _analyse(batch: ImportBatch, table: Table, progress: Any = None) -> Analysis:
    return analyse(
        rows=table.rows,
        data_start=batch.data_start,
        columns={int(c["index"]): c["header"] for c in batch.columns},
        mapping=batch.mapping,
        commune=batch.commune,
        create_villages=batch.create_villages,
        progress=progress,
    )


def _unmapped(batch: ImportBatch) -> list[str]:
    return [c["header"] for c in batch.columns if not batch.mapping.get(str(c["index"]))]


def _progress_for(job: Job | None) -> Any:
    if job is None:
        return None
    return lambda done, total, message: report_progress(job, done=done, total=total, message=message)


def check_batch(batch: ImportBatch, *, job: Job | None = None) -> dict[str, Any]:
    """The dry run: counts, notices and row errors stored on the batch; nothing else is written."""
    table = load_table(batch)
    analysis = _analyse(batch, table, _progress_for(job))
    batch.summary = {
        "data_rows": batch.summary.get("data_rows", 0),
        **analysis.summary(),
        "unmapped": _unmapped(batch),
        "committed": False,
    }
    batch.status = ImportBatch.Status.READY
    batch.save(update_fields=["summary", "status"])
    return batch.summary


def commit_batch(
    batch: ImportBatch, *, by: Any, skip_invalid: bool = False, job: Job | None = None
) -> dict[str, Any]:
    """Check again and write in one transaction. With row errors nothing is written unless skip_invalid."""
    table = load_table(batch)
    progress = _progress_for(job)
    with transaction.atomic():
        Place.objects.select_for_update().get(pk=batch.commune_id)
        analysis = _analyse(batch, table, progress)
        summary = {
            "data_rows": batch.summary.get("data_rows", 0),
            **analysis.summary(),
            "unmapped": _unmapped(batch),
            "committed": False,
        }
        if analysis.errors and not skip_invalid:
            batch.summary = summary
            batch.status = ImportBatch.Status.READY
            batch.save(update_fields=["summary", "status"])
            return summary
        commit(analysis, by=by, commune=batch.commune, filename=batch.filename, progress=progress)
        summary["committed"] = True
        batch.summary = summary
        batch.status = ImportBatch.Status.COMMITTED
        batch.committed_at = timezone.now()
        batch.table = None  # the cell table is personal data: gone once written
        batch.save(update_fields=["summary", "status", "committed_at", "table"])
    return summary


def _job_batch(batch_id: str) -> ImportBatch:
    return ImportBatch.objects.select_related("commune", "created_by").get(pk=batch_id)


def _failed(batch: ImportBatch, exc: Exception) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.FAILED, summary={**batch.summary, "failure": str(exc)[:500]}
    )


@job_function("registry.import_check")
def _check_job(job: Job, *, batch_id: str) -> dict[str, Any]:
    batch = _job_batch(batch_id)
    try:
        summary = check_batch(batch, job=job)
    except Exception as exc:
        _failed(batch, exc)
        raise
    return {"error_rows": summary["error_rows"], "valid_rows": summary["valid_rows"]}


@job_function("registry.import_commit")
def _commit_job(job: Job, *, batch_id: str, skip_invalid: bool) -> dict[str, Any]:
    batch = _job_batch(batch_id)
    try:
        summary = commit_batch(batch, by=batch.created_by, skip_invalid=skip_invalid, job=job)
    except Exception as exc:
        _failed(batch, exc)
        raise
    return {"committed": summary["committed"]}


def start_check(batch: ImportBatch, *, by: Any) -> None:
    """Check now, or as a background job for a large file."""
    batch.status = ImportBatch.Status.CHECKING
    if not is_large(batch):
        batch.save(update_fields=["status"])
        check_batch(batch)
        return
    batch.job = start_job(
        kind="registry.import_check", title=f"Kiểm tra “{batch.filename}”", by=by, batch_id=str(batch.pk)
    )
    batch.save(update_fields=["status", "job"])


def start_commit(batch: ImportBatch, *, by: Any, skip_invalid: bool) -> None:
    batch.status = ImportBatch.Status.COMMITTING
    if not is_large(batch):
        batch.save(update_fields=["status"])
        try:
            commit_batch(batch, by=by, skip_invalid=skip_invalid)
        except Exception as exc:
            _failed(batch, exc)
            raise
        return
    batch.job = start_job(
        kind="registry.import_commit", title=f"Nhập “{batch.filename}”", by=by,
        batch_id=str(batch.pk), skip_invalid=skip_invalid,
    )  # fmt: skip
    batch.save(update_fields=["status", "job"])


def discard_batch(batch: ImportBatch) -> None:
    batch.status = ImportBatch.Status.DISCARDED
    batch.table = None
    batch.save(update_fields=["status", "table"])


def column_choices() -> list[tuple[str, str]]:
    return [("", "— Chưa chọn (bỏ qua) —"), *FIELD_LABELS.items()]


__all__ += ["column_choices", "column_letter", "discard_batch", "is_large"]
