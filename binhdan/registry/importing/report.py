"""The list sent back with an error column added, so the officer fixes the rows in their own file."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from binhdan.registry.importing.columns import column_letter
from binhdan.registry.importing.reading import Table, is_id_token

ERROR_HEADER = "Lỗi cần sửa"
_RED = PatternFill("solid", fgColor="FDE2E1")
_BOLD = Font(bold=True)


def error_workbook(table: Table, *, header_row: int, errors: list[dict[str, Any]]) -> bytes:
    """Every row of the original sheet at its own row number, ID numbers masked, plus "Lỗi cần sửa"."""
    by_row: dict[int, list[str]] = defaultdict(list)
    for error in errors:
        by_row[int(error["row"])].append(f"{error['column']}: {error['message']}")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Danh sách")
    width = max((len(row) for row in table.rows), default=0)
    sheet.column_dimensions[column_letter(width)].width = 60
    for index, row in enumerate(table.rows):
        cells: list[Any] = []
        for value in row:
            if is_id_token(value):
                value = value[1]  # the mask only, never the number
            if isinstance(value, dt.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "DD/MM/YYYY"
                cells.append(cell)
            else:
                cells.append(value)
        cells += [""] * (width - len(row))
        messages = by_row.get(index + 1)
        if index == header_row:
            cell = WriteOnlyCell(sheet, value=ERROR_HEADER)
            cell.font = _BOLD
            cells.append(cell)
        elif messages:
            cell = WriteOnlyCell(sheet, value="; ".join(messages))
            cell.fill = _RED
            cell.alignment = Alignment(wrap_text=True)
            cells.append(cell)
        sheet.append(cells)
    listing = book.create_sheet("Các lỗi")
    listing.append([WriteOnlyCell(listing, value=v) for v in ("Dòng", "Cột", "Lỗi")])
    for error in sorted(errors, key=lambda e: int(e["row"])):
        listing.append([error["row"], error["column"], error["message"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
