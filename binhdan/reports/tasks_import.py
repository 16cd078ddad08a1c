"""Read a plan's annex of tasks (Phụ lục nhiệm vụ) from an XLSX, XLS or CSV table (issue 11 point 6).

An annex as communes write it: title rows ("PHỤ LỤC I: CÁC NHIỆM VỤ CỤ THỂ", "(Kèm theo Kế hoạch số …)"),
a header row (STT | Nội dung công việc | Cơ quan chủ trì | Cơ quan phối hợp | Kết quả thực hiện | Thời gian
thực hiện), sometimes on two rows with merged cells ("Cơ quan" over "Chủ trì" | "Phối hợp"), a numbering row
"(1) (2) (3) …", section rows ("I" | "Truyền thông và tuyên truyền"), tasks numbered within their section,
multi-line cells and cells merged down over several tasks (one lead unit for three tasks).

`read_annex(data, filename)` gives an `Annex`: the tasks as understood, with each row's errors (Vietnamese,
naming the row and the column) and warnings ("không đọc được thời hạn …"). Nothing is written here;
`services_tasks.import_tasks` writes an annex's good rows in one transaction. Re-importing the same file
finds the same tasks again by (section, number, title), so nothing is duplicated.

`parse_deadline(text)` turns the plan's words into a date: the last day of "Tháng 10/2025", of
"Quý IV/2025", of "Năm 2025" (of the last year of "Năm 2025-2026"), the date of "Trước 20/11/2025";
recurring or conditional words ("Thường xuyên", "Khi tỉnh tổ chức") keep their text and have no date.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import math
import os
import re
import secrets
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from binhdan.common.text import fold, fold_words
from binhdan.registry.importing.columns import column_letter, is_numbering_row
from binhdan.registry.importing.reading import Table, UnreadableFile, read_sheets

__all__ = [
    "IMPORT_MAX_BYTES",
    "Annex",
    "AnnexRow",
    "UnreadableFile",
    "parse_deadline",
    "read_annex",
    "task_key",
]

IMPORT_MAX_BYTES = 5 * 1024 * 1024  # an annex of tasks is a few dozen rows; 5 MB is far more than any
MAX_TASKS = 1000  # more rows than this is not a plan's annex
HEADER_SEARCH_ROWS = 40
# Lengths: the model's limits (CharField max_length), and for the text fields what a cell can sensibly hold.
LIMITS = {
    "section": 200,
    "number": 12,
    "title": 2000,
    "lead_unit": 300,
    "coordinating_units": 400,
    "expected_result": 4000,
    "deadline_text": 120,
}
YEAR_MIN, YEAR_MAX = 2020, 2040  # a plan of the movement runs 2025–2030; outside this is a typing mistake

FIELDS = ("number", "title", "lead_unit", "coordinating_units", "expected_result", "deadline")
FIELD_LABELS = {
    "number": "STT",
    "title": "Nội dung công việc",
    "lead_unit": "Cơ quan chủ trì",
    "coordinating_units": "Cơ quan phối hợp",
    "expected_result": "Kết quả thực hiện",
    "deadline": "Thời gian thực hiện",
    "section": "Nhóm nhiệm vụ",
}

_ROMAN = re.compile(r"^(?=[ivxlc]+\b)(c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_SECTION_HEAD = re.compile(r"^\s*([IVXLC]{1,6}|[A-H])\s*[.):\-–]?\s+(\S.*)$", re.S)
_NUMBER = re.compile(r"^\(?\s*(\d{1,3}(?:\.\d{1,3}){0,3}|[a-zđ])\s*[.)]?\s*$", re.I)
_RECURRING = (
    "thuong xuyen", "hang nam", "hang thang", "hang quy", "hang tuan", "hang ngay", "dinh ky",
    "lien tuc", "ca nam", "moi nam",
)  # fmt: skip


def _roman(text: str) -> int | None:
    key = text.strip().lower()
    if not key or not _ROMAN.match(key):
        return None
    total, previous = 0, 0
    for ch in reversed(key):
        value = _ROMAN_VALUES[ch]
        total = total - value if value < previous else total + value
        previous = max(previous, value)
    return total


# --- deadlines ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    day: dt.date | None
    text: str  # the plan's words, verbatim (whitespace joined)
    error: str = ""  # words that look like a date but are none ("31/02/2026")
    warning: str = ""  # words with no date that are not a known recurring phrase


def _last_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _year_ok(year: int) -> bool:
    return YEAR_MIN <= year <= YEAR_MAX


def _full_year(text: str) -> int:
    year = int(text)
    return 2000 + year if year < 100 else year


_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})(?!\d)")
_DATE_WORDS = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})")
_QUARTER = re.compile(
    r"quy\s*(?:[ivx]+|\d)\s*(?:[\-–,]|va|den)?\s*(?:quy\s*)?([ivx]+|\d)?\s*(?:/|nam)\s*(\d{4})"
)
_QUARTER_ONE = re.compile(r"quy\s*([ivx]+|\d)\s*(?:/|nam)\s*(\d{4})")
_MONTH = re.compile(
    r"(?:thang|t)\s*(\d{1,2})(?:\s*(?:[\-–,]|den|va)\s*(?:thang\s*)?(\d{1,2}))?\s*(?:/|nam)\s*(\d{4})"
)
_MONTH_BARE = re.compile(r"^(?:truoc|den|trong)?\s*(\d{1,2})\s*/\s*(\d{4})$")
_YEARS = re.compile(r"(?<!\d)(\d{4})(?:\s*[\-–]\s*(\d{4}))?(?!\d)")


def parse_deadline(value: Any) -> Deadline:
    """The deadline a cell gives: a date (the last day of the period it names) and the text kept verbatim."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if not _year_ok(value.year):
            return Deadline(
                None, f"{value:%d/%m/%Y}", error=f"năm {value.year} nằm ngoài {YEAR_MIN}–{YEAR_MAX}"
            )
        return Deadline(value, f"{value:%d/%m/%Y}")
    text = _one_line(value)
    if not text:
        return Deadline(None, "")
    key = re.sub(r"[^0-9a-z/\-–]+", " ", fold(text)).strip()
    key = re.sub(r"\s*([/\-–])\s*", r"\1", key)
    raw = fold(text)
    # A full date: "Trước 20/11/2025", "20/11/2025", "trước ngày 20 tháng 11 năm 2025".
    found = _DATE.search(raw)
    words = None if found else _DATE_WORDS.search(key)
    if found or words:
        if found:
            day, month, year = int(found.group(1)), int(found.group(3)), _full_year(found.group(4))
        else:
            assert words is not None
            day, month, year = int(words.group(1)), int(words.group(2)), int(words.group(3))
            found = words
        try:
            date = dt.date(year, month, day)
        except ValueError:
            return Deadline(None, text, error=f"ngày «{found.group(0)}» không có trong lịch")
        if not _year_ok(year):
            return Deadline(None, text, error=f"năm {year} nằm ngoài {YEAR_MIN}–{YEAR_MAX}")
        return Deadline(date, text)
    # A quarter: "Quý IV/2025", "Quý 4 năm 2025", "Quý III-IV/2025" (the last one).
    found = _QUARTER.search(key)
    if found:
        whole = _QUARTER_ONE.search(key)
        last = found.group(1) or (whole.group(1) if whole else "")
        quarter = int(last) if last.isdigit() else (_roman(last) or 0)
        year = int(found.group(2))
        if not 1 <= quarter <= 4:
            return Deadline(None, text, error=f"quý «{last.upper()}» không có (chỉ có quý I–IV)")
        if not _year_ok(year):
            return Deadline(None, text, error=f"năm {year} nằm ngoài {YEAR_MIN}–{YEAR_MAX}")
        return Deadline(_last_of_month(year, quarter * 3), text)
    # A month: "Tháng 10/2025", "tháng 10 năm 2025", "T10/2025", "Tháng 10-12/2025", "10/2025".
    found = _MONTH.search(key)
    bare = None if found else _MONTH_BARE.match(key)
    if found or bare:
        if found:
            month, year = int(found.group(2) or found.group(1)), int(found.group(3))
        else:
            assert bare is not None
            month, year = int(bare.group(1)), int(bare.group(2))
        if not 1 <= month <= 12:
            return Deadline(None, text, error=f"tháng {month} không có (chỉ có tháng 1–12)")
        if not _year_ok(year):
            return Deadline(None, text, error=f"năm {year} nằm ngoài {YEAR_MIN}–{YEAR_MAX}")
        return Deadline(_last_of_month(year, month), text)
    # A year or years: "Năm 2025", "2025", "Năm 2025-2026", "Giai đoạn 2025 - 2030" (the last year's end).
    found = _YEARS.search(key)
    if found and not any(word in key for word in ("hang nam", "moi nam")):
        year = int(found.group(2) or found.group(1))
        if not _year_ok(year):
            return Deadline(None, text, error=f"năm {year} nằm ngoài {YEAR_MIN}–{YEAR_MAX}")
        return Deadline(dt.date(year, 12, 31), text)
    if any(phrase in key for phrase in _RECURRING):
        return Deadline(None, text)
    return Deadline(
        None, text, warning=f"không đọc được thời hạn «{text[:80]}» — giữ nguyên chữ, không có ngày"
    )


# --- cells ----------------------------------------------------------------------------------------------


def _lines(value: Any) -> list[str]:
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def _join(lines: list[str]) -> str:
    """Lines of a cell wrapped by hand joined into one: "Phòng VH-" + "XH" → "Phòng VH-XH"."""
    out = ""
    for line in lines:
        if not out:
            out = line
        elif out.endswith("-") and not out.endswith(" -"):
            out += line
        else:
            out += " " + line
    return out


def _one_line(value: Any) -> str:
    if value in ("", None):
        return ""
    return _join(_lines(value))


def _cell_text(value: Any, *, keep_lines: bool = False) -> str:
    if value in ("", None):
        return ""
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time(0) else value
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if keep_lines:
        return "\n".join(_lines(value))
    return _one_line(value)


def _bad_number(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def task_key(section: str, number: str, title: str) -> tuple[str, str, str]:
    """What makes two rows the same task: section, number and title, without case, accents or spacing."""
    return (fold(section), fold(number).rstrip("."), fold(title))


# --- header ---------------------------------------------------------------------------------------------


def field_for_header(text: str) -> str | None:
    key = " ".join(fold_words(text))
    if not key:
        return None
    if key in ("stt", "tt", "so tt", "so thu tu", "thu tu"):
        return "number"
    if "chu tri" in key:
        return "lead_unit"
    if "phoi hop" in key:
        return "coordinating_units"
    if any(word in key for word in ("thoi gian", "thoi han", "tien do", "han hoan thanh", "moc thoi")):
        return "deadline"
    if any(word in key for word in ("ket qua", "san pham")):
        return "expected_result"
    if any(word in key for word in ("noi dung", "nhiem vu", "cong viec", "ten nhiem vu")):
        return "title"
    return None


@dataclass
class Header:
    row: int  # 0-based index of the (first) header row
    data_start: int
    columns: dict[str, int]  # field -> column index
    headers: dict[str, str]  # field -> the header text as written


def _filled(table: Table, row: int) -> list[Any]:
    """A row with the value of every merged range over it copied into each of its cells."""
    cells = list(table.rows[row])
    for r1, c1, r2, c2 in table.merged:
        if r1 <= row <= r2 and r1 < len(table.rows):
            value = table.rows[r1][c1] if c1 < len(table.rows[r1]) else ""
            for c in range(c1, min(c2, len(cells) - 1) + 1):
                cells[c] = value
    return cells


def _header_band(table: Table, row: int, depth: int) -> list[str]:
    band = [_filled(table, r) for r in range(row, min(row + depth, len(table.rows)))]
    texts = []
    for c in range(len(band[0])):
        parts: list[str] = []
        for cells in band:
            text = _one_line(cells[c]) if isinstance(cells[c], str) else ""
            if text and text not in parts:
                parts.append(text)
        texts.append(" ".join(parts))
    return texts


def find_header(table: Table) -> Header:
    """The header row below the title rows, maybe on two rows (merged "Cơ quan" over "Chủ trì | Phối hợp")."""
    best: tuple[int, int, int, list[str]] | None = None  # score, row, depth, texts
    for row in range(min(HEADER_SEARCH_ROWS, len(table.rows))):
        for depth in (1, 2):
            if depth == 2 and (
                row + 1 >= len(table.rows)
                or is_numbering_row(table.rows[row + 1])
                or not any(r1 == row and (c2 > c1 or r2 > r1) for r1, c1, r2, c2 in table.merged)
            ):
                continue  # a header on two rows has merged cells over its second row
            texts = _header_band(table, row, depth)
            found = [f for f in (field_for_header(t) for t in texts) if f]
            score = len(set(found)) * 2 - (len(found) - len(set(found)))
            if "title" in found and len(set(found)) >= 3 and (best is None or score > best[0]):
                best = (score, row, depth, texts)
    if best is None:
        raise UnreadableFile(
            "Không tìm thấy dòng tiêu đề cột của bảng nhiệm vụ (cần ít nhất “Nội dung công việc” và hai cột "
            "trong “STT”, “Cơ quan chủ trì”, “Cơ quan phối hợp”, “Kết quả thực hiện”, “Thời gian thực hiện”)."
        )
    _, row, depth, texts = best
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, text in enumerate(texts):
        name = field_for_header(text)
        if name and name not in columns:  # the first column wins
            columns[name] = index
            headers[name] = text
    data_start = row + depth
    if data_start < len(table.rows) and is_numbering_row(table.rows[data_start]):
        data_start += 1
    return Header(row=row, data_start=data_start, columns=columns, headers=headers)


# --- rows -----------------------------------------------------------------------------------------------


@dataclass
class AnnexRow:
    """One task as read from the file (`row`: the Excel row number), with what is wrong with it."""

    row: int
    section: str
    number: str
    title: str
    lead_unit: str = ""
    coordinating_units: str = ""
    expected_result: str = ""
    deadline: dt.date | None = None
    deadline_text: str = ""
    position: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Filled by `services_tasks.match_annex`: "new", "update", "same"; and the task it matches.
    action: str = ""
    task_id: int | None = None
    changes: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return task_key(self.section, self.number, self.title)

    @property
    def ok(self) -> bool:
        return not self.errors

    def values(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "number": self.number,
            "title": self.title,
            "lead_unit": self.lead_unit,
            "coordinating_units": self.coordinating_units,
            "expected_result": self.expected_result,
            "deadline": self.deadline,
            "deadline_text": self.deadline_text,
            "position": self.position,
        }


@dataclass
class Annex:
    filename: str
    sheet: str
    header_row: int  # Excel row number
    headers: dict[str, str]  # field -> the header as written, for the columns found
    letters: dict[str, str]  # field -> column letter
    sections: list[str]
    rows: list[AnnexRow]
    notes: list[str] = field(default_factory=list)  # about the file as a whole (columns missing, sheets)
    missing: list[str] = field(default_factory=list)  # labels of the columns not found

    @property
    def good(self) -> list[AnnexRow]:
        return [r for r in self.rows if r.ok]

    @property
    def bad(self) -> list[AnnexRow]:
        return [r for r in self.rows if not r.ok]

    @property
    def warning_count(self) -> int:
        return sum(len(r.warnings) for r in self.rows)


def _where(row: int, letters: dict[str, str], name: str) -> str:
    letter = letters.get(name, "")
    label = FIELD_LABELS[name]
    return f"Dòng {row}, cột {letter} «{label}»" if letter else f"Dòng {row}, «{label}»"


def _vertical_fills(table: Table, start: int) -> set[tuple[int, int]]:
    """Copy each value merged down over several rows into every row of the range (one lead unit for three
    tasks); the cells so filled, to tell a continuation row from a task."""
    filled: set[tuple[int, int]] = set()
    for r1, c1, r2, c2 in table.merged:
        if r2 <= r1 or r2 < start or r1 >= len(table.rows):
            continue
        value = table.rows[r1][c1] if c1 < len(table.rows[r1]) else ""
        for r in range(max(r1 + 1, start), min(r2, len(table.rows) - 1) + 1):
            for c in range(c1, c2 + 1):
                if c < len(table.rows[r]):
                    table.rows[r][c] = value if c == c1 else table.rows[r][c]
                    filled.add((r, c))
    return filled


def _section_of(cells: dict[str, Any]) -> str | None:
    """ "I" | "Truyền thông …" (the other cells empty), or one cell "II. Xây dựng các quy định" → the section."""
    number_cell, title_cell = cells.get("number", ""), cells.get("title", "")
    number = _one_line(number_cell) if isinstance(number_cell, str) else ""
    title = _one_line(title_cell) if isinstance(title_cell, str) else ""
    if (number_cell not in ("", None) and not number) or (title_cell not in ("", None) and not title):
        return None  # a number or a date in the STT or title cell: a task
    others = [
        _cell_text(cells[n])
        for n in ("lead_unit", "coordinating_units", "expected_result", "deadline")
        if n in cells
    ]
    if any(text and text != title for text in others):
        return None
    mark = number.rstrip(".):")
    if number and title and mark.isupper() and (_roman(mark) or re.fullmatch(r"[A-H]", mark)):
        return f"{mark}. {title}"
    text = number if number and not title else title if title and not number else ""
    head = _SECTION_HEAD.match(text) if text else None
    if head and (_roman(head.group(1)) or len(head.group(1)) == 1):
        return f"{head.group(1)}. {head.group(2).strip()}"
    return None


def _number(value: Any) -> tuple[str, str]:
    """(STT as text, error) — 1, "1", "1.", "1.2", "a)" are numbers; anything else is kept with an error."""
    if value in ("", None):
        return "", ""
    if isinstance(value, bool) or _bad_number(value):
        return "", "không phải số thứ tự"
    if isinstance(value, int):
        return str(value), ""
    if isinstance(value, float):
        return (f"{value:g}", "") if 0 <= value < 10_000 else ("", "không phải số thứ tự")
    if isinstance(value, (dt.date, dt.datetime)):
        return "", "là một ngày, không phải số thứ tự (ô bị Excel đổi thành ngày?)"
    text = _one_line(value)
    found = _NUMBER.match(text)
    if found:
        return found.group(1), ""
    return text[: LIMITS["number"]], f"«{text[:20]}» không phải số thứ tự"


def read_annex(data: bytes, filename: str, *, max_tasks: int = MAX_TASKS) -> Annex:
    """The tasks of the first sheet with a task table; `UnreadableFile` (Vietnamese) when there is none."""
    tables = read_sheets(data, filename)
    header = None
    table = tables[0]
    for candidate in tables:
        try:
            header = find_header(candidate)
        except UnreadableFile:
            continue
        table = candidate
        break
    if header is None:
        find_header(tables[0])  # raises the message
        raise AssertionError  # pragma: no cover
    letters = {name: column_letter(index) for name, index in header.columns.items()}
    annex = Annex(
        filename=filename,
        sheet=table.sheet,
        header_row=header.row + 1,
        headers=header.headers,
        letters=letters,
        sections=[],
        rows=[],
    )
    annex.missing = [FIELD_LABELS[n] for n in FIELDS if n not in header.columns]
    if annex.missing:
        annex.notes.append("Không thấy cột: " + ", ".join(f"«{m}»" for m in annex.missing) + " — để trống.")
    if len(tables) > 1:
        annex.notes.append(f"Tệp có {len(tables)} trang tính; chỉ đọc trang «{table.sheet}».")
    filled = _vertical_fills(table, header.data_start)
    section = ""
    seen: dict[tuple[str, str, str], int] = {}
    numbers: dict[tuple[str, str], int] = {}
    previous: AnnexRow | None = None
    for index in range(header.data_start, len(table.rows)):
        raw = table.rows[index]
        excel_row = index + 1
        cells = {name: raw[col] if col < len(raw) else "" for name, col in header.columns.items()}
        if all(v in ("", None) or (isinstance(v, str) and not v.strip()) for v in raw):
            continue
        if is_numbering_row(raw):
            continue
        found_section = _section_of(cells)
        if found_section is not None:
            section = found_section[: LIMITS["section"]]
            if section not in annex.sections:
                annex.sections.append(section)
            previous = None
            continue
        title_col = header.columns["title"]
        number_col = header.columns.get("number")
        continuation = (index, title_col) in filled and (number_col is None or (index, number_col) in filled)
        number, number_error = _number(cells.get("number", ""))
        if continuation:
            continue  # the row is inside a task's merged cells
        has_own = any(
            cells.get(n) not in ("", None) and (index, header.columns[n]) not in filled
            for n in ("lead_unit", "deadline")
            if n in header.columns
        )
        if not number and not number_error and previous is not None and not has_own:
            # A task's text carried on to the next row (a page break, Enter pressed in the wrong place).
            _append(previous, cells, index, filled, header)
            previous.warnings.append(f"Dòng {excel_row} được ghép vào nhiệm vụ ở dòng {previous.row}.")
            continue
        if len(annex.rows) >= max_tasks:
            annex.notes.append(f"Bảng có hơn {max_tasks} nhiệm vụ; chỉ đọc {max_tasks} nhiệm vụ đầu.")
            break
        task = _task(excel_row, section, number, number_error, cells, letters)
        task.position = (len(annex.rows) + 1) * 10
        if task.ok:
            if task.key in seen:
                task.errors.append(
                    f"Dòng {excel_row}: trùng nhiệm vụ ở dòng {seen[task.key]} (cùng nhóm, STT và nội dung)."
                )
            else:
                seen[task.key] = excel_row
            if number and (section, number) in numbers:
                task.warnings.append(
                    f"Dòng {excel_row}: STT {number} lặp lại trong nhóm (đã có ở dòng {numbers[(section, number)]})."
                )
            numbers.setdefault((section, number), excel_row)
        annex.rows.append(task)
        previous = task
    if not annex.rows:
        raise UnreadableFile("Bảng không có dòng nhiệm vụ nào dưới dòng tiêu đề cột.")
    return annex


def _append(
    task: AnnexRow, cells: dict[str, Any], index: int, filled: set[tuple[int, int]], header: Header
) -> None:
    for name in ("title", "coordinating_units", "expected_result"):
        if name not in header.columns or (index, header.columns[name]) in filled:
            continue
        extra = _cell_text(cells.get(name, ""), keep_lines=name == "expected_result")
        if not extra:
            continue
        current = getattr(task, name)
        joined = (current + ("\n" if name == "expected_result" else " ") + extra).strip()
        if len(joined) > LIMITS[name]:
            task.errors.append(f"Dòng {task.row}, «{FIELD_LABELS[name]}»: dài quá {LIMITS[name]} ký tự.")
            joined = joined[: LIMITS[name]]
        setattr(task, name, joined)


def _task(
    row: int, section: str, number: str, number_error: str, cells: dict[str, Any], letters: dict[str, str]
) -> AnnexRow:
    task = AnnexRow(row=row, section=section, number=number, title="")
    if number_error:
        task.errors.append(f"{_where(row, letters, 'number')}: {number_error}.")
    elif len(number) > LIMITS["number"]:
        task.errors.append(f"{_where(row, letters, 'number')}: dài quá {LIMITS['number']} ký tự.")
    for name in ("title", "lead_unit", "coordinating_units", "expected_result"):
        value = cells.get(name, "")
        if _bad_number(value):
            task.errors.append(f"{_where(row, letters, name)}: ô chứa giá trị không hợp lệ (NaN).")
            continue
        text = _cell_text(value, keep_lines=name == "expected_result")
        if len(text) > LIMITS[name]:
            task.errors.append(
                f"{_where(row, letters, name)}: dài quá {LIMITS[name]} ký tự ({len(text)} ký tự)."
            )
            text = text[: LIMITS[name]]
        setattr(task, name, text)
    if not task.title:
        task.errors.append(f"{_where(row, letters, 'title')}: thiếu nội dung công việc.")
    if not number and not number_error:
        task.warnings.append(f"Dòng {row}: nhiệm vụ không có STT.")
    if not section:
        task.warnings.append(
            f"Dòng {row}: nhiệm vụ đứng trước nhóm nhiệm vụ đầu tiên (không thuộc nhóm nào)."
        )
    value = cells.get("deadline", "")
    if _bad_number(value):
        task.errors.append(f"{_where(row, letters, 'deadline')}: ô chứa giá trị không hợp lệ (NaN).")
        return task
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value)) if float(value).is_integer() else str(value)
    deadline = parse_deadline(value)
    if deadline.error:
        task.errors.append(f"{_where(row, letters, 'deadline')}: {deadline.error}.")
    if deadline.warning:
        task.warnings.append(f"{_where(row, letters, 'deadline')}: {deadline.warning}.")
    if len(deadline.text) > LIMITS["deadline_text"]:
        task.errors.append(f"{_where(row, letters, 'deadline')}: dài quá {LIMITS['deadline_text']} ký tự.")
    task.deadline, task.deadline_text = deadline.day, deadline.text[: LIMITS["deadline_text"]]
    return task


# --- the file kept for the preview ----------------------------------------------------------------------
# The uploaded annex is kept in a private temporary folder (never under MEDIA_ROOT) between the preview and
# the confirmation, named by a random token held in the officer's session; it is deleted on confirm or
# cancel, and files older than PENDING_MAX_AGE are swept on every upload.

PENDING_MAX_AGE = 2 * 60 * 60  # seconds
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def pending_dir() -> Path:
    from django.conf import settings

    folder = (
        Path(getattr(settings, "FILE_UPLOAD_TEMP_DIR", None) or tempfile.gettempdir()) / "binhdan-nhiem-vu"
    )
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def stash(data: bytes) -> str:
    """Keep the upload for the preview; the token to find it again."""
    folder = pending_dir()
    now = time.time()
    for old in folder.glob("*.bin"):
        with contextlib.suppress(OSError):
            if now - old.stat().st_mtime > PENDING_MAX_AGE:
                old.unlink()
    token = secrets.token_hex(16)
    path = folder / f"{token}.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return token


def unstash(token: Any) -> bytes | None:
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    path = pending_dir() / f"{token}.bin"
    try:
        if time.time() - path.stat().st_mtime > PENDING_MAX_AGE:
            path.unlink()
            return None
        return path.read_bytes()
    except OSError:
        return None


def drop(token: Any) -> None:
    if isinstance(token, str) and _TOKEN.match(token):
        with contextlib.suppress(OSError):
            (pending_dir() / f"{token}.bin").unlink()
