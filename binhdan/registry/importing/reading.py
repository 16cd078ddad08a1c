"""Read .xlsx, .xls, .ods and .csv into a table of plain cells, and protect citizen ID numbers at once.

A table is a list of rows (index 0 = Excel row 1) of cells: "" for empty, str, int, float, bool,
datetime.date, or a citizen-ID token (see `protect_citizen_ids`). The raw file is never stored.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError

from binhdan.common import upload_scan
from binhdan.common.zipcheck import ArchiveTooLarge, check_zip_expansion
from binhdan.registry.citizen_id import hash_citizen_id, mask_citizen_id, normalise_citizen_id

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
SUFFIXES = WORKBOOK_SUFFIXES | {".csv"}
ID_TOKEN = "cccd"  # nosec B105  # a column-name word
_ID_SEPARATORS = re.compile(r"[\s.\-]")


class UnreadableFile(Exception):
    """The file could not be read at all; the message is Vietnamese and meant for the user."""


@dataclass
class Table:
    rows: list[list[Any]]
    # Merged ranges as (first_row, first_col, last_row, last_col), 0-based and inclusive.
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    sheet: str = ""
    # The sheets the rows come from, in order: [name, first row, header row, first data row, end]
    # (row indexes into `rows`, end exclusive). Empty: one sheet, all rows.
    sheets: list[list[Any]] = field(default_factory=list)

    def segments(self, *, header_row: int, data_start: int) -> list[list[Any]]:
        return self.sheets or [[self.sheet, 0, header_row, data_start, len(self.rows)]]

    def place_of(self, row: int, *, header_row: int = 0, data_start: int = 0) -> tuple[str, int]:
        """(sheet name, Excel row number in that sheet) of a 1-based row of the combined table."""
        for name, start, _header, _data, end in self.segments(header_row=header_row, data_start=data_start):
            if start < row <= end:
                return name, row - start
        return self.sheet, row


def read_table(data: bytes, filename: str) -> Table:
    """The first non-empty sheet of a workbook, or the rows of a CSV file."""
    return read_sheets(data, filename)[0]


def read_sheets(data: bytes, filename: str) -> list[Table]:
    """Every non-empty sheet of a workbook, or the rows of a CSV file (UTF-8 with or without BOM,
    UTF-16 with or without BOM, Windows-1258), text in NFC."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise UnreadableFile("Chỉ nhận tệp Excel (.xlsx, .xls) hoặc .csv.")
    if not data:
        raise UnreadableFile("Tệp rỗng.")
    try:
        upload_scan.scan(data)  # UPLOAD_SCAN_COMMAND, before any reader opens the file (ASVS 12.4.2)
    except upload_scan.UploadRefused as exc:
        raise UnreadableFile(str(exc)) from exc
    if suffix == ".csv":
        return [_read_csv(data)]
    try:
        check_zip_expansion(data)  # an .xlsx is a ZIP: refuse one that would fill the memory (zip bomb)
    except ArchiveTooLarge as exc:
        raise UnreadableFile(str(exc)) from exc
    return _read_workbook(data)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, (dt.time, dt.timedelta)):
        return str(value)
    return value


def _read_workbook(data: bytes) -> list[Table]:
    from python_calamine import CalamineWorkbook

    sheets: list[tuple[str, list[list[Any]], list[tuple[int, int, int, int]]]] = []
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            if any(any(cell not in ("", None) for cell in row) for row in rows):
                merged = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])]
                sheets.append((name, rows, merged))
    except Exception as exc:  # calamine raises several error types for broken files
        raise UnreadableFile(
            "Không đọc được tệp: tệp bị hỏng hoặc không phải bảng tính Excel. Hãy mở bằng Excel và lưu lại."
        ) from exc
    if not sheets:
        raise UnreadableFile("Bảng tính không có dữ liệu.")
    tables = []
    for name, rows, merged in sheets:
        width = max((len(row) for row in rows), default=0)
        for row in rows:  # in place: the sheet is held once, not twice
            for col, cell in enumerate(row):
                if type(cell) is not str:
                    row[col] = _plain(cell)
                elif "\x00" in cell:  # no PostgreSQL text column stores NUL; as a space it parts words
                    row[col] = cell.replace("\x00", " ")
            if len(row) < width:
                row += [""] * (width - len(row))
        tables.append(Table(rows=rows, merged=merged, sheet=name))
    return tables


def decode_csv(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (BOM or not), UTF-16 (BOM, or guessed from the zero bytes of
    mostly-ASCII text), else Windows-1258 (Vietnamese with separate tone marks), always in NFC."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    elif (guessed := _utf16_without_bom(data)) is not None:
        encodings = [guessed]
    else:
        encodings = ["utf-8-sig", "cp1258"]
    for encoding in encodings:
        try:
            return unicodedata.normalize("NFC", data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        "Không đọc được mã chữ của tệp CSV. Trong Excel hãy chọn Lưu thành “CSV UTF-8 (Comma delimited)”."
    )


UTF16_ZERO_SHARE = 0.3  # share of zero bytes on one side that marks UTF-16 text without a BOM


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    half = len(sample) // 2
    if half < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= half * UTF16_ZERO_SHARE and even == 0:
        return "utf-16-le"
    if even >= half * UTF16_ZERO_SHARE and odd == 0:
        return "utf-16-be"
    return None


def _read_csv(data: bytes) -> Table:
    text = decode_csv(data).replace("\x00", " ")  # NUL: see _read_workbook
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    if not any(any(cell.strip() for cell in row) for row in rows):
        raise UnreadableFile("Tệp CSV không có dữ liệu.")
    width = max(len(row) for row in rows)
    return Table(rows=[row + [""] * (width - len(row)) for row in rows])


def _rough_mask(digits: str) -> str:
    if len(digits) >= 8:
        return f"{digits[:4]}{'*' * (len(digits) - 6)}{digits[-2:]}"
    return "*" * max(len(digits), 3)


def id_token(value: Any, *, with_hash: bool) -> list[str] | Any:
    """A citizen ID cell as ["cccd", mask, keyed hash or "", Vietnamese error or ""]; blank stays blank."""
    if value in ("", None):
        return ""
    if isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
        digits = str(value)  # not digits: refused below (an .xls cell can hold NaN or ±inf)
    elif isinstance(value, (int, float)):
        digits = str(int(value))
        if len(digits) == 11:  # Excel dropped the leading zero of a number typed as a number
            digits = "0" + digits
    else:
        digits = _ID_SEPARATORS.sub("", str(value))
    # isdecimal, not isdigit ("²" is a digit, not a decimal one); decimal digits of other scripts
    # (full-width "０７９…") are the same number in ASCII, so the same person gets the same hash.
    if not digits.isdecimal():
        return [ID_TOKEN, "***", "", "Số định danh cá nhân chỉ gồm chữ số."]
    digits = "".join(str(unicodedata.decimal(ch)) for ch in digits)
    try:
        digits = normalise_citizen_id(digits)
    except ValidationError as exc:
        return [ID_TOKEN, _rough_mask(digits), "", exc.messages[0]]
    return [ID_TOKEN, mask_citizen_id(digits), hash_citizen_id(digits) if with_hash else "", ""]


def is_id_token(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 4 and value[0] == ID_TOKEN


def _looks_like_id(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return len(str(value)) in (11, 12) and not str(value).startswith("84")
    if not isinstance(value, str):
        return False
    # Quick refusals (most cells are names and words): fewer than 12 characters cannot leave 12
    # digits, and a first character that is neither a digit nor a separator stays first.
    if len(value) < 12 or not (value[0].isdigit() or value[0].isspace() or value[0] in ".-"):
        return False
    digits = _ID_SEPARATORS.sub("", value)
    return len(digits) == 12 and digits.isdecimal()


def protect_citizen_ids(table: Table, *, id_columns: set[int], from_row: int, with_hash: bool) -> None:
    """Replace every citizen ID number in place by its mask (and keyed hash when the commune keeps them).

    Cells of the ID columns are all replaced; elsewhere any 12-digit number is, so that a number in an
    unrecognised column is not kept either.
    """
    for index, row in enumerate(table.rows):
        in_data = index >= from_row
        for col, value in enumerate(row):
            if (in_data and col in id_columns) or (
                (len(value) >= 12 if type(value) is str else value != "") and _looks_like_id(value)
            ):
                row[col] = id_token(value, with_hash=with_hash)
