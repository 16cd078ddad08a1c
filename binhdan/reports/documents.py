"""A report's documents (SPEC §7): the DOCX to edit and sign, the same document as PDF (fonts embedded) and
the XLSX annex tables, laid out after Nghị định 30/2020/NĐ-CP, Phụ lục I.

    render(report, "docx" | "pdf" | "xlsx") -> bytes     # always fresh
    file_for(report, fmt) -> ReportFile                   # cached per report version and format, with sha256
    forget(report)                                        # a draft changed: drop its cached files
    file_name(report, fmt) -> "bao-cao-tong-hop-quy-IV-2026-v1.docx"   (ASCII only)

A frozen report's files are made once and served byte for byte ever after; a draft's files are dropped by
the services whenever its figures or text change (and, should one forget, are remade when the report row
is newer than the file).
"""

from __future__ import annotations

import hashlib
import re

from django.db import IntegrityError, transaction

from binhdan.common.text import fold
from binhdan.reports.models import Report, ReportFile

FORMATS = ("docx", "pdf", "xlsx")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
KIND_SLUGS = {
    "commune-summary": "bao-cao-tong-hop",
    "team-quarterly": "bao-cao-quy",
    "daily": "bao-cao-ngay",
    "campaign": "bao-cao-ket-qua-chien-dich",
}
_NOT_SLUG = re.compile(r"[^A-Za-z0-9]+")


class DocumentError(Exception):
    """A document could not be made; the message is Vietnamese and may be shown to the user."""


def render(report: Report, fmt: str) -> bytes:
    """The report as a DOCX, PDF or XLSX file (bytes), built from its stored figures and text."""
    if fmt == "docx":
        from binhdan.reports.docx_render import render_docx

        return render_docx(report)
    if fmt == "pdf":
        from binhdan.reports.pdf import docx_to_pdf

        return docx_to_pdf(render(report, "docx"))
    if fmt == "xlsx":
        from binhdan.reports.annex import render_xlsx

        return render_xlsx(report)
    raise DocumentError(f"Định dạng “{fmt}” không có: chọn docx, pdf hoặc xlsx.")


def file_for(report: Report, fmt: str) -> ReportFile:
    """The cached file of this report version in `fmt`, made (and stored with its sha256) when missing."""
    if fmt not in FORMATS:
        raise DocumentError(f"Định dạng “{fmt}” không có: chọn docx, pdf hoặc xlsx.")
    cached = ReportFile.objects.filter(report=report, format=fmt).first()
    if cached is not None:
        stale = not report.frozen and report.updated_at and cached.made_at < report.updated_at
        if not stale:
            return cached
        cached.delete()
    data = render(report, fmt)
    try:
        # Two requests may make the same file at once: the unique (report, format) keeps one.
        with transaction.atomic():
            return ReportFile.objects.create(
                report=report, format=fmt, data=data, sha256=hashlib.sha256(data).hexdigest()
            )
    except IntegrityError:
        return ReportFile.objects.get(report=report, format=fmt)


def forget(report: Report) -> int:
    """Drop a draft's cached files (its figures or text changed); a frozen report keeps its files."""
    if report.frozen:
        return 0
    deleted, _ = ReportFile.objects.filter(report=report).delete()
    return deleted


def _slug(text: str) -> str:
    words = fold(text).replace("/", " ").split()
    # "quý IV năm 2026" -> "quy-IV-2026": Roman quarter numerals keep their capitals, "năm" before a year goes.
    out = []
    for index, word in enumerate(words):
        if word == "nam" and index > 0:
            continue
        if word.upper() in {"I", "II", "III", "IV"}:
            word = word.upper()
        out.append(word)
    return _NOT_SLUG.sub("-", "-".join(out)).strip("-")


def file_name(report: Report, fmt: str) -> str:
    """An ASCII file name for downloads: kind, team's village for team reports, period, version."""
    parts = [KIND_SLUGS.get(report.kind, "bao-cao")]
    if report.from_team:
        village = (report.content or {}).get("team", {}) or {}
        parts.append(_slug(str(village.get("village") or "")) or "to")
    parts.append(_slug(report.period_label) or f"{report.period_start:%Y-%m-%d}")
    parts.append(f"v{report.version}")
    return "-".join(p for p in parts if p) + f".{fmt}"


__all__ = ["FORMATS", "MEDIA_TYPES", "DocumentError", "file_for", "file_name", "forget", "render"]
