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
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from binhdan.common.jobs import job_function, report_progress, start_job
from binhdan.common.models import Job
from binhdan.places.models import Place
from binhdan.registry.importing import normalise as norm
from binhdan.registry.importing.columns import (
    FIELD_LABELS,
    Layout,
    choose_sheets,
    column_letter,
    combine_sheets,
    header_key,
)
from binhdan.registry.importing.plan import VALUE_MEANINGS, Analysis, analyse, commit
from binhdan.registry.importing.reading import Table, UnreadableFile, protect_citizen_ids, read_sheets
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
    packed = {"rows": rows, "merged": table.merged, "sheet": table.sheet, "sheets": table.sheets}
    return zlib.compress(json.dumps(packed, ensure_ascii=False).encode(), 3)


def load_table(batch: ImportBatch) -> Table:
    if not batch.table:
        raise UnreadableFile("Dữ liệu của lượt nhập này đã được xoá sau khi nhập xong hoặc huỷ.")
    data = json.loads(zlib.decompress(bytes(batch.table)))
    rows = [[_decode(c) for c in row] for row in data["rows"]]
    return Table(
        rows=rows, merged=[tuple(m) for m in data["merged"]], sheet=data.get("sheet", ""),
        sheets=data.get("sheets", []),
    )  # fmt: skip


def prepare(data: bytes, filename: str, *, commune: Place, sheet: str = "") -> tuple[Table, Layout]:
    """Read a file and find its layout; citizen ID numbers are masked (and hashed if the commune keeps them).

    Every sheet with the same columns as the first one with a header is read (or only `sheet`); the
    sheets read and left out are in `Layout.sheets_read` / `Layout.sheets_skipped`."""
    chosen, skipped = choose_sheets(read_sheets(data, filename), wanted=sheet)
    with_hash = CommuneSettings.for_commune(commune).store_citizen_ids
    for part, part_layout in chosen:
        protect_citizen_ids(
            part,
            id_columns={c.index for c in part_layout.columns if c.field == "citizen_id"},
            from_row=part_layout.data_start,
            with_hash=with_hash,
        )
    table, layout = combine_sheets(chosen)
    layout.sheets_read = [part.sheet for part, _ in chosen if part.sheet]
    layout.sheets_skipped = skipped
    return table, layout


def sheets_summary(layout: Layout) -> dict[str, Any]:
    return {"read": layout.sheets_read, "skipped": layout.sheets_skipped}


def parse_value_option(option: str, columns: list[dict[str, Any]]) -> tuple[int, str, str]:
    """ "COLUMN:x=poor" (column letter or header) -> (column index, folded value, meaning)."""
    column, _, rest = option.partition(":")
    value, _, meaning = rest.rpartition("=")
    wanted = header_key(column)
    match = next(
        (c for c in columns if c["letter"] == column.strip().upper() or header_key(c["header"]) == wanted),
        None,
    )
    known = {code for choices in VALUE_MEANINGS.values() for code in choices}
    if match is None or not value or meaning not in known:
        raise ValueError(
            f'--value “{option}”: cần CỘT:GIÁ_TRỊ=NGHĨA, ví dụ --value "J:x=poor"; nghĩa: {", ".join(sorted(known))}.'
        )
    return int(match["index"]), norm.folded(value), meaning


def value_meanings(batch: ImportBatch) -> dict[str, dict[str, str]]:
    """The officer's answers stored on the batch's columns: {column index: {folded value: meaning}}."""
    return {str(c["index"]): dict(c["values"]) for c in batch.columns if c.get("values")}


def answer_values(batch: ImportBatch, answers: dict[int, dict[str, str]]) -> None:
    """Store what each unclear value means (`VALUE_MEANINGS`) on the batch's columns."""
    columns = []
    for column in batch.columns:
        given = answers.get(int(column["index"]))
        if given:
            column = {**column, "values": {**column.get("values", {}), **given}}
        columns.append(column)
    batch.columns = columns
    batch.save(update_fields=["columns"])


def open_batch(
    *, data: bytes, filename: str, commune: Place, by: Any, create_villages: bool = False, sheet: str = ""
) -> ImportBatch:
    """Read an uploaded list into a new ImportBatch; raises UnreadableFile with a Vietnamese message."""
    table, layout = prepare(data, filename, commune=commune, sheet=sheet)
    mapping = layout.mapping()
    return ImportBatch.objects.create(
        commune=commune,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        filename=filename.replace("\x00", "")[:200],  # an uploaded name is the browser's; no NUL in text
        create_villages=create_villages,
        header_row=layout.header_row,
        data_start=layout.data_start,
        columns=[{"index": c.index, "letter": c.letter, "header": c.header} for c in layout.columns],
        mapping=mapping,
        table=_pack(table),
        status=ImportBatch.Status.CHECKING if "name" in mapping.values() else ImportBatch.Status.MAPPING,
        summary={"data_rows": _data_rows(table, layout), "sheets": sheets_summary(layout)},
    )


def _data_rows(table: Table, layout: Layout) -> int:
    segments = table.segments(header_row=layout.header_row, data_start=layout.data_start)
    return sum(max(end - first, 0) for _name, _start, _header, first, end in segments)


def _kept(batch: ImportBatch) -> dict[str, Any]:
    """What a new check keeps of the batch's summary: facts of the upload, not of the check."""
    return {key: batch.summary[key] for key in ("data_rows", "sheets") if key in batch.summary}


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
        segments=table.segments(header_row=batch.header_row, data_start=batch.data_start),
        meanings=value_meanings(batch),
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
        "data_rows": 0,
        **_kept(batch),
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
            "data_rows": 0,
            **_kept(batch),
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
        # The cell table is personal data: gone once written, except the rows left out with errors,
        # kept (until the batch is discarded) so that the error workbook can still be downloaded.
        batch.table = _pack(_error_rows_only(table, analysis)) if analysis.errors else None
        batch.save(update_fields=["summary", "status", "committed_at", "table"])
    return summary


def _error_rows_only(table: Table, analysis: Analysis) -> Table:
    """The table with only the header rows of each sheet and the rows that had errors; others emptied."""
    keep = {row - 1 for row in analysis.error_rows}
    for _name, start, _header, first, _end in analysis.segments:
        keep.update(range(start, first))
    rows = [row if index in keep else [] for index, row in enumerate(table.rows)]
    return Table(rows=rows, merged=table.merged, sheet=table.sheet, sheets=table.sheets)


def _job_batch(batch_id: str) -> ImportBatch:
    return ImportBatch.objects.select_related("commune", "created_by").get(pk=batch_id)


def _failed(batch: ImportBatch, exc: Exception) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.FAILED, summary={**batch.summary, "failure": str(exc)[:500]}
    )


def _batch_id(job: Job) -> str:
    return str((job.params or {}).get("batch_id", ""))


def _given_up(job: Job) -> None:
    """The job's workers died too often: the batch says it failed, with the job's message."""
    batch = ImportBatch.objects.filter(pk=_batch_id(job)).first() if _batch_id(job) else None
    if batch is not None and batch.status in (ImportBatch.Status.CHECKING, ImportBatch.Status.COMMITTING):
        _failed(batch, RuntimeError(job.message))


def _run_again(status: str) -> Callable[[Job], None]:
    def hook(job: Job) -> None:
        if _batch_id(job):
            ImportBatch.objects.filter(pk=_batch_id(job), status=ImportBatch.Status.FAILED).update(
                status=status
            )

    return hook


@job_function("registry.import_check", on_failure=_given_up, on_retry=_run_again(ImportBatch.Status.CHECKING))
def _check_job(job: Job, *, batch_id: str) -> dict[str, Any]:
    batch = _job_batch(batch_id)
    try:
        summary = check_batch(batch, job=job)
    except Exception as exc:
        _failed(batch, exc)
        raise
    return {"error_rows": summary["error_rows"], "valid_rows": summary["valid_rows"]}


@job_function(
    "registry.import_commit", on_failure=_given_up, on_retry=_run_again(ImportBatch.Status.COMMITTING)
)
def _commit_job(job: Job, *, batch_id: str, skip_invalid: bool) -> dict[str, Any]:
    batch = _job_batch(batch_id)
    if batch.status == ImportBatch.Status.COMMITTED:
        # A worker died between the commit and recording the job done: the rows are in, once.
        return {"committed": batch.summary.get("committed", 0)}
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
    """Drop the stored cells; a committed batch stays committed (only its kept error rows go)."""
    if batch.status != ImportBatch.Status.COMMITTED:
        batch.status = ImportBatch.Status.DISCARDED
    batch.table = None
    batch.save(update_fields=["status", "table"])


def column_choices() -> list[tuple[str, str]]:
    return [("", "— Chưa chọn (bỏ qua) —"), *FIELD_LABELS.items()]


__all__ += [
    "VALUE_MEANINGS", "answer_values", "column_choices", "column_letter", "discard_batch", "is_large",
    "parse_value_option", "value_meanings",
]  # fmt: skip
