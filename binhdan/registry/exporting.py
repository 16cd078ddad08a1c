"""Bulk export of households and residents (XLSX) for commune officers and leaders; ID numbers masked only.

Every cell goes through `common.spreadsheet.write_cell`: text a member typed that starts with = + - @ or a
tab/CR (an address `=HYPERLINK(…)`) is stored as a text cell, never as a live formula.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font

from binhdan.common.spreadsheet import write_cell
from binhdan.places.models import Level, Place
from binhdan.registry.models import Household, Resident

_BOLD = Font(bold=True)
HOUSEHOLD_COLUMNS = [
    "Mã hộ (hệ thống)", "Thôn", "Số hộ", "Họ tên chủ hộ", "Địa chỉ", "SĐT", "Số nhân khẩu theo danh sách",
    "Hộ nghèo", "Hộ cận nghèo", "Có người cao tuổi", "Có người khuyết tật", "Chưa có thiết bị số",
    "Dân tộc thiểu số", "Ngày vào sổ", "Ngày rời sổ", "Lý do rời sổ",
]  # fmt: skip
RESIDENT_COLUMNS = [
    "Mã hộ (hệ thống)", "Thôn", "Số hộ", "Họ và tên", "Ngày sinh", "Năm sinh", "Giới tính", "Quan hệ với chủ hộ",
    "SĐT", "Số định danh (đã che)", "Người khuyết tật", "Dân tộc thiểu số", "Ngày vào sổ",
    "Ngày rời sổ", "Lý do rời sổ",
]  # fmt: skip


def _tick(value: bool) -> str:
    return "x" if value else ""


def _day(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _header(sheet: Any, titles: list[str]) -> list[WriteOnlyCell]:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = _BOLD
        cells.append(cell)
    return cells


def _row(sheet: Any, values: list[Any]) -> list[Cell]:
    """Cells for one row; formula-like text stays text (already-built cells pass through)."""
    return [v if isinstance(v, Cell) else write_cell(WriteOnlyCell(sheet), v) for v in values]


def _village_filter(place: Place, path: str) -> dict[str, Any]:
    return {f"{path}__parent": place} if place.level == Level.COMMUNE else {path: place}


def export_registry(place: Place) -> tuple[bytes, dict[str, int]]:
    """Two sheets, "Hộ gia đình" and "Nhân khẩu", for a commune or one village; erased residents left out."""
    book = Workbook(write_only=True)
    households = book.create_sheet("Hộ gia đình")
    households.append(_header(households, HOUSEHOLD_COLUMNS))
    household_count = 0
    rows = (
        Household.objects.filter(**_village_filter(place, "village"))
        .select_related("village")
        .order_by("village__sort_name", "sort_name", "pk")
    )
    for h in rows.iterator(chunk_size=2000):
        households.append(_row(households, [
            h.pk, h.village.name, h.number, h.head_name, h.address, h.phone, h.declared_size, _tick(h.is_poor),
            _tick(h.is_near_poor), _tick(h.has_elderly), _tick(h.has_disabled), _tick(h.no_smart_device),
            _tick(h.ethnic_minority), _day(h.registered_on), _day(h.left_on), h.get_left_reason_display(),
        ]))  # fmt: skip
        household_count += 1
    residents = book.create_sheet("Nhân khẩu")
    residents.append(_header(residents, RESIDENT_COLUMNS))
    resident_count = 0
    people = (
        Resident.objects.filter(erased_at__isnull=True, **_village_filter(place, "household__village"))
        .select_related("household__village")
        .order_by("household__village__sort_name", "household__sort_name", "household_id", "pk")
    )
    for r in people.iterator(chunk_size=2000):
        birth = WriteOnlyCell(residents, value=r.birth_date)
        birth.number_format = "DD/MM/YYYY"
        residents.append(_row(residents, [
            r.household_id, r.household.village.name, r.household.number, r.full_name, birth, r.birth_year,
            r.get_gender_display(), r.get_relation_display(), r.phone, r.citizen_id_masked, _tick(r.is_disabled),
            _tick(r.ethnic_minority), _day(r.registered_on), _day(r.left_on), r.get_left_reason_display(),
        ]))  # fmt: skip
        resident_count += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), {"households": household_count, "residents": resident_count}
