"""The only writes of a plan's tasks (`PlanTask`) and their evidence (`PlanTaskEvidence`), and the reading
helper the summary report uses (`tasks_status`) — issue 11 point 6.

Every write is keyword-only, takes the user who writes (`by`), validates with Vietnamese messages keyed by
the form field they belong to (`common.forms.errors_to_form` puts them next to the field), and leaves one
audit row (`accounts.audit.record_event`, with the client address the view passes as `ip`). Views check
scope first (`accounts.workspace.commune_for_change`); these functions trust the commune they are given.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from binhdan.accounts import audit
from binhdan.accounts.models import AuditEvent
from binhdan.common.text import fold, nfc
from binhdan.places.models import Level, Place
from binhdan.reports.models_tasks import OPEN_TASK_STATUSES, PlanTask, PlanTaskEvidence, TaskStatus
from binhdan.reports.tasks_import import LIMITS, Annex, parse_deadline, task_key

if TYPE_CHECKING:
    from binhdan.accounts.models import User

# --- business rules ---------------------------------------------------------------------------------------
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024  # one evidence file: minutes, photos, a printout
EVIDENCE_PER_TASK_MAX = 30
EVIDENCE_NAME_MAX = 120
EARLIEST_DAY = dt.date(2020, 1, 1)
# Suffix -> (what it is, in words; the content type served on download).
EVIDENCE_TYPES = {
    ".pdf": ("PDF", "application/pdf"),
    ".jpg": ("ảnh JPEG", "image/jpeg"),
    ".jpeg": ("ảnh JPEG", "image/jpeg"),
    ".png": ("ảnh PNG", "image/png"),
    ".webp": ("ảnh WebP", "image/webp"),
    ".docx": ("Word (.docx)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("Excel (.xlsx)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
EVIDENCE_ACCEPT = ",".join(EVIDENCE_TYPES)
TEXT_FIELDS = (
    "section",
    "number",
    "title",
    "lead_unit",
    "coordinating_units",
    "expected_result",
    "deadline_text",
)
FIELD_NAMES = {
    "section": "nhóm",
    "number": "STT",
    "title": "nội dung",
    "lead_unit": "cơ quan chủ trì",
    "coordinating_units": "cơ quan phối hợp",
    "expected_result": "kết quả cần đạt",
    "deadline": "hạn",
    "deadline_text": "thời gian thực hiện",
    "position": "thứ tự",
}


@dataclass(frozen=True)
class Saved:
    """What a write did: the row, and the changes in words (empty: nothing changed, no audit row)."""

    obj: Any
    lines: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.lines)


def _audit(by: User, commune: Place, obj: Any, lines: list[str] | tuple[str, ...], ip: str | None) -> None:
    audit.record_event(
        user=by,
        action=AuditEvent.Action.CHANGE,
        place=commune,
        object_type=type(obj).__name__,
        object_id=str(getattr(obj, "pk", "") or ""),
        detail="; ".join(lines),
        ip=ip,
    )


def _require_commune(commune: Place) -> None:
    if commune.level != Level.COMMUNE:
        raise ValidationError("Nhiệm vụ kế hoạch thuộc về một xã, phường, đặc khu.")


# --- tasks ------------------------------------------------------------------------------------------------


def _clean_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Trimmed NFC text within the limits, a deadline inside the plans' years; errors by field."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name not in values:
            continue
        raw = values[name] or ""
        text = "\n".join(nfc(line) for line in str(raw).splitlines() if line.strip())
        if name != "expected_result":
            text = nfc(text)
        if len(text) > LIMITS[name]:
            errors[name] = f"Dài quá {LIMITS[name]} ký tự."
        cleaned[name] = text
    if "title" in values and not cleaned.get("title"):
        errors["title"] = "Vui lòng ghi nội dung công việc."
    if "deadline" in values:
        deadline = values["deadline"]
        if deadline is not None and not EARLIEST_DAY <= deadline <= dt.date(2040, 12, 31):
            errors["deadline"] = "Hạn hoàn thành phải trong khoảng 01/01/2020 – 31/12/2040."
        cleaned["deadline"] = deadline
    if "deadline_text" in cleaned and "deadline" in values and cleaned["deadline"] is None:
        parsed = parse_deadline(cleaned["deadline_text"])
        if parsed.error:
            errors["deadline_text"] = parsed.error[0].upper() + parsed.error[1:] + "."
        cleaned["deadline"] = parsed.day
    if "position" in values:
        cleaned["position"] = int(values["position"] or 0)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _next_position(commune: Place) -> int:
    last = (
        PlanTask.objects.filter(commune=commune)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    return (last or 0) + 10


def create_task(*, by: User, commune: Place, ip: str | None = None, **values: Any) -> Saved:
    """Add a task by hand (section, number, title, lead unit … deadline). Without a date, a deadline written
    in words ("Quý IV/2025") gives its date."""
    _require_commune(commune)
    values.setdefault("deadline", None)
    cleaned = _clean_fields(values)
    with transaction.atomic():
        cleaned.setdefault("position", _next_position(commune))
        task = PlanTask.objects.create(commune=commune, **cleaned)
        lines = [f"Thêm nhiệm vụ kế hoạch: {task}"]
        _audit(by, commune, task, lines, ip)
    return Saved(task, tuple(lines))


def update_task(*, by: User, task: PlanTask, ip: str | None = None, **values: Any) -> Saved:
    """Change a task's words and deadline; its status, result and evidence stay."""
    cleaned = _clean_fields(values)
    lines = []
    for name, value in cleaned.items():
        if getattr(task, name) != value:
            lines.append(f"{FIELD_NAMES[name]} đã đổi")
            setattr(task, name, value)
    if not lines:
        return Saved(task, ())
    lines = [f"Sửa nhiệm vụ {task.number or task.pk}: " + ", ".join(lines)]
    with transaction.atomic():
        task.save()
        _audit(by, task.commune, task, lines, ip)
    return Saved(task, tuple(lines))


def set_status(
    *,
    by: User,
    task: PlanTask,
    status: str,
    done_on: dt.date | None = None,
    result_note: str = "",
    ip: str | None = None,
) -> Saved:
    """Mark a task not started, in progress, done (on a day, not in the future) or cancelled, with a note."""
    errors: dict[str, str] = {}
    if status not in TaskStatus.values:
        errors["status"] = "Trạng thái không hợp lệ."
    note = "\n".join(nfc(line) for line in (result_note or "").splitlines() if line.strip())
    if len(note) > 4000:
        errors["result_note"] = "Dài quá 4000 ký tự."
    today = timezone.localdate()
    if status == TaskStatus.DONE:
        done_on = done_on or today
        if done_on > today:
            errors["done_on"] = "Ngày hoàn thành không được sau hôm nay."
        elif done_on < EARLIEST_DAY:
            errors["done_on"] = "Ngày hoàn thành phải từ 01/01/2020."
    else:
        done_on = None
    if errors:
        raise ValidationError(errors)
    changed = []
    if task.status != status:
        changed.append(f"trạng thái {TaskStatus(task.status).label} → {TaskStatus(status).label}")
    if task.done_on != done_on:
        changed.append(f"ngày hoàn thành {done_on:%d/%m/%Y}" if done_on else "bỏ ngày hoàn thành")
    if task.result_note != note:
        changed.append("kết quả thực hiện đã đổi")
    if not changed:
        return Saved(task, ())
    lines = [f"Nhiệm vụ {task.number or task.pk}: " + ", ".join(changed)]
    task.status, task.done_on, task.result_note = status, done_on, note
    with transaction.atomic():
        task.save(update_fields=["status", "done_on", "result_note", "updated_at"])
        _audit(by, task.commune, task, lines, ip)
    return Saved(task, tuple(lines))


def delete_task(*, by: User, task: PlanTask, with_evidence: bool = False, ip: str | None = None) -> Saved:
    """Delete a task; one with evidence only when `with_evidence` (its files are deleted too)."""
    files = list(task.evidence.values_list("file", flat=True))
    if files and not with_evidence:
        raise ValidationError(
            {
                "confirm": f"Nhiệm vụ có {len(files)} tệp minh chứng: đánh dấu ô xác nhận để xoá cả các tệp này."
            }
        )
    lines = [f"Xoá nhiệm vụ kế hoạch: {task}" + (f" (cùng {len(files)} tệp minh chứng)" if files else "")]
    commune, pk = task.commune, task.pk
    with transaction.atomic():
        _audit(by, commune, task, lines, ip)
        task.delete()
        transaction.on_commit(lambda: _remove_files(files))
    task.pk = pk
    return Saved(task, tuple(lines))


def _remove_files(names: list[str]) -> None:
    storage = PlanTaskEvidence._meta.get_field("file").storage
    for name in names:
        if name:
            storage.delete(name)


# --- evidence ---------------------------------------------------------------------------------------------


def clean_file_name(name: str) -> str:
    """A file name safe to show and to send back: the last part of any path, no control characters,
    only letters, digits and a few marks, at most EVIDENCE_NAME_MAX characters, the suffix kept."""
    base = PurePath(str(name).replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = re.sub(r"[^\w\s.,()\-+]", "_", base)
    base = re.sub(r"\s+", " ", base).strip(" ._")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = suffix.lower()[:10]
    stem = stem.strip(" .")[: EVIDENCE_NAME_MAX - len(suffix) - 1] or "minh-chung"
    return f"{stem}.{suffix}" if suffix else stem


def _looks_like(suffix: str, data: bytes) -> bool:
    if suffix == ".pdf":
        return data.startswith(b"%PDF-")
    if suffix in (".jpg", ".jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if suffix == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if suffix == ".webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if suffix in (".docx", ".xlsx"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return False
        part = "word/document.xml" if suffix == ".docx" else "xl/workbook.xml"
        return "[Content_Types].xml" in names and part in names
    return False


def check_evidence(name: str, data: bytes) -> str:
    """The cleaned name of an acceptable evidence file, or ValidationError on "file" (Vietnamese)."""
    cleaned = clean_file_name(name)
    suffix = PurePath(cleaned).suffix.lower()
    if not data:
        raise ValidationError({"file": "Tệp rỗng."})
    if len(data) > EVIDENCE_MAX_BYTES:
        raise ValidationError({"file": f"Tệp lớn quá {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB."})
    if suffix not in EVIDENCE_TYPES:
        raise ValidationError(
            {"file": "Chỉ nhận tệp PDF, ảnh (JPG, PNG, WebP), Word (.docx) hoặc Excel (.xlsx)."}
        )
    if not _looks_like(suffix, data):
        kind = EVIDENCE_TYPES[suffix][0]
        raise ValidationError({"file": f"Tệp «{cleaned}» không phải {kind} như đuôi tên tệp ghi."})
    return cleaned


def _stored_name(cleaned: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", fold(PurePath(cleaned).stem)).strip("-")[:60] or "minh-chung"
    return stem + PurePath(cleaned).suffix.lower()


def add_evidence(*, by: User, task: PlanTask, name: str, data: bytes, ip: str | None = None) -> Saved:
    """Keep a file that shows the task was done (under MEDIA_ROOT, served only through the scoped view)."""
    cleaned = check_evidence(name, data)
    stored = ""
    try:
        with transaction.atomic():
            locked = PlanTask.objects.select_for_update().get(pk=task.pk)
            if locked.evidence.count() >= EVIDENCE_PER_TASK_MAX:
                raise ValidationError(
                    {"file": f"Mỗi nhiệm vụ có tối đa {EVIDENCE_PER_TASK_MAX} tệp minh chứng."}
                )
            evidence = PlanTaskEvidence(task=task, name=cleaned, size=len(data), uploaded_by=by)
            evidence.file.save(_stored_name(cleaned), ContentFile(data), save=False)
            stored = evidence.file.name or ""
            evidence.save()
            lines = [f"Thêm minh chứng «{cleaned}» cho nhiệm vụ {task.number or task.pk}"]
            _audit(by, task.commune, evidence, lines, ip)
    except BaseException:
        _remove_files([stored])  # the file must not outlive a row that was never written
        raise
    return Saved(evidence, tuple(lines))


def delete_evidence(*, by: User, evidence: PlanTaskEvidence, ip: str | None = None) -> Saved:
    task = evidence.task
    lines = [f"Xoá minh chứng «{evidence.name}» của nhiệm vụ {task.number or task.pk}"]
    stored = evidence.file.name
    with transaction.atomic():
        _audit(by, task.commune, evidence, lines, ip)
        evidence.delete()
        transaction.on_commit(lambda: _remove_files([stored]))
    return Saved(evidence, tuple(lines))


# --- import -----------------------------------------------------------------------------------------------

IMPORTED_FIELDS = (
    "section",
    "number",
    "title",
    "lead_unit",
    "coordinating_units",
    "expected_result",
    "deadline",
    "deadline_text",
    "position",
)


def match_annex(annex: Annex, commune: Place) -> dict[str, int]:
    """Mark each good row of the annex new, update (with what changes) or same, against the commune's tasks
    (the same task: same section, number and title). One query. Returns the counts, and "kept": the
    commune's tasks the file does not name (left as they are)."""
    existing = {task_key(t.section, t.number, t.title): t for t in PlanTask.objects.filter(commune=commune)}
    counts = {"new": 0, "update": 0, "same": 0, "bad": 0}
    named = set()
    for row in annex.rows:
        if not row.ok:
            counts["bad"] += 1
            row.action = "bad"
            continue
        task = existing.get(row.key)
        if task is None:
            row.action, row.task_id, row.changes = "new", None, []
        else:
            named.add(task.pk)
            values = row.values()
            row.changes = [
                FIELD_NAMES[n] for n in IMPORTED_FIELDS if n != "position" and getattr(task, n) != values[n]
            ]
            row.action = "update" if row.changes or task.position != row.position else "same"
            row.task_id = task.pk
        counts[row.action] += 1
    counts["kept"] = len([t for t in existing.values() if t.pk not in named])
    return counts


def import_tasks(*, by: User, commune: Place, annex: Annex, ip: str | None = None) -> Saved:
    """Write the annex's good rows in one transaction: new tasks added, the tasks it names again updated
    (their words, deadline and order; status, result and evidence stay). Rows with errors are left out."""
    _require_commune(commune)
    with transaction.atomic():
        Place.objects.select_for_update().filter(pk=commune.pk).first()  # two imports of one file: one wins
        counts = match_annex(annex, commune)
        existing = {t.pk: t for t in PlanTask.objects.filter(commune=commune)}
        new = [PlanTask(commune=commune, **r.values()) for r in annex.rows if r.action == "new"]
        changed = []
        for row in annex.rows:
            if row.action == "update" and row.task_id in existing:
                task = existing[row.task_id]
                for name, value in row.values().items():
                    setattr(task, name, value)
                changed.append(task)
        PlanTask.objects.bulk_create(new)
        if changed:
            PlanTask.objects.bulk_update(changed, list(IMPORTED_FIELDS), batch_size=200)
        lines = [
            f"Nhập phụ lục nhiệm vụ «{clean_file_name(annex.filename)}»: {counts['new']} mới, "
            f"{counts['update']} cập nhật, {counts['same']} không đổi, {counts['bad']} dòng lỗi bỏ qua"
        ]
        _audit(by, commune, commune, lines, ip)
    return Saved(counts, tuple(lines))


# --- reading ----------------------------------------------------------------------------------------------

COUNT_KEYS = ("total", "done", "in_progress", "not_started", "cancelled", "overdue")


def tasks_status(commune: Place, day: dt.date) -> dict[str, Any]:
    """The commune's tasks for the summary report (`content["tasks"]` in docs: reports-api.md): each task
    with its status in words, overdue as of `day` and its evidence count, and the counts. One query."""
    rows = []
    counts = dict.fromkeys(COUNT_KEYS, 0)
    tasks = (
        PlanTask.objects.filter(commune=commune)
        .annotate(n_evidence=Count("evidence"))
        .order_by("position", "pk")
    )
    for task in tasks:
        overdue = task.overdue_on(day)
        rows.append(
            {
                "number": task.number,
                "section": task.section,
                "title": task.title,
                "lead_unit": task.lead_unit,
                "expected_result": task.expected_result,
                "deadline": task.deadline.isoformat() if task.deadline else None,
                "deadline_text": task.deadline_text,
                "status": task.status,
                "status_label": TaskStatus(task.status).label,
                "overdue": overdue,
                "result_note": task.result_note,
                "evidence": task.n_evidence,  # type: ignore[attr-defined]
            }
        )
        counts["total"] += 1
        counts[task.status] = counts.get(task.status, 0) + 1
        counts["overdue"] += int(overdue)
    return {"rows": rows, "counts": counts}


def is_open(status: str) -> bool:
    return status in OPEN_TASK_STATUSES
