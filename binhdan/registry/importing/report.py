"""The list sent back with an error column added, so the officer fixes the rows in their own file."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from binhdan.common.spreadsheet import write_cell
from binhdan.registry.importing.columns import column_letter
from binhdan.registry.importing.reading import Table, is_id_token

ERROR_HEADER = "Lỗi cần sửa"
ERRORS_SHEET = "Danh sách"
_RED = PatternFill("solid", fgColor="FDE2E1")
_BOLD = Font(bold=True)
_SHEET_TITLE_MAX = 31  # Excel's limit
_SHEET_TITLE_BAD = str.maketrans({ch: " " for ch in "[]:*?/\\"})


def _cell(sheet: Any, value: Any) -> WriteOnlyCell:
    """One cell written as data: text that looks like a formula ("=…", "+…", "-…", "@…") stays text."""
    cell = WriteOnlyCell(sheet)
    if is_id_token(value):
        value = value[1]  # the mask only, never the number
    write_cell(cell, value)
    if isinstance(value, dt.date):
        cell.number_format = "DD/MM/YYYY"
    return cell


def _title(name: str, taken: set[str]) -> str:
    title = (name.translate(_SHEET_TITLE_BAD).strip() or ERRORS_SHEET)[:_SHEET_TITLE_MAX]
    base, number = title, 2
    while title.lower() in taken or title.lower() == "các lỗi":
        suffix = f" ({number})"
        title, number = base[: _SHEET_TITLE_MAX - len(suffix)] + suffix, number + 1
    taken.add(title.lower())
    return title


def error_workbook(
    table: Table, *, header_row: int, errors: list[dict[str, Any]], data_start: int | None = None
) -> bytes:
    """Every row of the original sheet(s) at its own row number, ID numbers masked, plus "Lỗi cần sửa".

    One sheet per sheet read ("Danh sách" when there was one), then "Các lỗi" listing every error.
    Every cell goes through `common.spreadsheet.write_cell`: nothing a list held becomes a formula."""
    by_row: dict[int, list[str]] = defaultdict(list)
    for error in errors:
        by_row[int(error["row"])].append(f"{error['column']}: {error['message']}")
    book = Workbook(write_only=True)
    width = max((len(row) for row in table.rows), default=0)
    segments = table.sheets or [[ERRORS_SHEET, 0, header_row, data_start or header_row + 1, len(table.rows)]]
    taken: set[str] = set()
    for name, start, header, _first, end in segments:
        sheet = book.create_sheet(_title(name if table.sheets else ERRORS_SHEET, taken))
        sheet.column_dimensions[column_letter(width)].width = 60
        for index in range(start, min(end, len(table.rows))):
            row = table.rows[index]
            cells: list[Any] = [_cell(sheet, value) for value in row]
            cells += [None] * (width - len(row))
            messages = by_row.get(index + 1)
            if index == header:
                cell = _cell(sheet, ERROR_HEADER)
                cell.font = _BOLD
                cells.append(cell)
            elif messages:
                cell = _cell(sheet, "; ".join(messages))
                cell.fill = _RED
                cell.alignment = Alignment(wrap_text=True)
                cells.append(cell)
            sheet.append(cells)
    listing = book.create_sheet("Các lỗi")
    several = len(segments) > 1
    titles = ("Trang", "Dòng", "Cột", "Lỗi") if several else ("Dòng", "Cột", "Lỗi")
    listing.append([_cell(listing, v) for v in titles])
    for error in sorted(errors, key=lambda e: int(e["row"])):
        values = (
            (error.get("sheet", ""), error.get("sheet_row", error["row"]), error["column"], error["message"])
            if several
            else (error["row"], error["column"], error["message"])
        )
        listing.append([_cell(listing, v) for v in values])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
