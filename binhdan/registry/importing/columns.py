"""Find the header row of a commune list and map its columns to registry fields by their Vietnamese names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from binhdan.common.text import fold_words
from binhdan.registry.importing.reading import Table, UnreadableFile

# Field codes a column can be mapped to, with the label shown on the mapping screen.
FIELD_LABELS: dict[str, str] = {
    "name": "Họ và tên (người dân hoặc chủ hộ)",
    "birth": "Ngày sinh / năm sinh",
    "birth_male": "Năm sinh — cột Nam",
    "birth_female": "Năm sinh — cột Nữ",
    "gender": "Giới tính",
    "citizen_id": "Số định danh cá nhân (CCCD)",
    "registered_on": "Ngày vào sổ (ngày đăng ký thường trú, ngày nhập khẩu)",
    "relation": "Quan hệ với chủ hộ",
    "village": "Thôn, xóm, tổ dân phố",
    "address": "Địa chỉ",
    "number": "Số hộ / mã hộ",
    "household_id": "Mã hộ (hệ thống) — cột của tệp xuất từ phần mềm, để nhập lại",
    "declared_size": "Số nhân khẩu",
    "phone": "Số điện thoại",
    "poverty": "Hộ nghèo / cận nghèo (ghi “Nghèo” hoặc “Cận nghèo”)",
    "is_poor": "Hộ nghèo (đánh dấu x)",
    "is_near_poor": "Hộ cận nghèo (đánh dấu x)",
    "has_elderly": "Có người cao tuổi (đánh dấu x)",
    "disabled": "Người khuyết tật (đánh dấu x)",
    "no_smart_device": "Chưa có thiết bị số (đánh dấu x)",
    "ethnicity": "Dân tộc (Kinh, Tày, Mường …)",
    "ethnic_minority": "Dân tộc thiểu số (đánh dấu x)",
    "ignore": "Bỏ qua cột này",
}

_ALIASES: dict[str, tuple[str, ...]] = {
    "ignore": (
        "stt", "tt", "so tt", "so thu tu", "ghi chu", "ky nhan", "ky ten", "ky xac nhan", "so dinh danh da che",
        # Kept out on purpose: a "moved away" date without a reason and a check is not a registry exit;
        # who left is recorded on the household or resident page ("Ghi nhận rời sổ").
        "chuyen di ngay", "ngay chuyen di",
        # Not the registry's date: a date of registering an account (VNeID, DVC …).
        "ngay dang ky tai khoan", "ngay dang ky vneid", "ngay dang ky dinh danh", "ngay dang ky dvc",
    ),
    "registered_on": (
        "ngay vao so", "ngay vao so ho", "ngay vao so ho khau", "ngay dang ky", "ngay dang ki",
        "ngay dang ky thuong tru", "ngay dang ki thuong tru", "ngay dk thuong tru", "ngay dktt", "ngay dk",
        "ngay dang ky ho khau", "ngay dang ky cu tru", "ngay nhap khau", "ngay nhap ho khau", "ngay nk",
        "ngay chuyen den", "dang ky thuong tru ngay", "nhap khau ngay", "ngay thang nam nhap khau",
        "ngay thang nam dang ky thuong tru", "ngay dang ky nhap khau",
    ),
    "household_id": ("ma ho he thong", "ma ho trong he thong", "ma he thong", "id ho"),
    "name": (
        "ho va ten", "ho ten", "ho ten chu ho", "ho va ten chu ho", "ten chu ho", "chu ho",
        "ho ten nguoi dan", "ho va ten nhan khau", "ho ten nhan khau", "ten",
    ),
    "birth": (
        "ngay sinh", "nam sinh", "ngay thang nam sinh", "sinh ngay", "ngay thang sinh", "ns",
        "nam sinh chu ho", "ngay sinh chu ho", "sinh nam", "sinh ngay thang nam",
    ),
    "gender": ("gioi tinh", "gt", "nam nu", "gioi"),
    "citizen_id": (
        "so cccd", "cccd", "so can cuoc", "so can cuoc cong dan", "so dinh danh", "so dinh danh ca nhan",
        "ma dinh danh", "so cmnd cccd", "cccd cmnd", "so cccd cmnd", "so cmnd", "cmnd", "so ddcn",
        "so cccd dinh danh", "so dinh danh cccd",
    ),
    "relation": ("quan he voi chu ho", "quan he", "qh voi chu ho", "quan he chu ho", "qh voi ch", "qhch"),
    "village": (
        "thon", "xom", "thon xom", "ten thon", "to dan pho", "ap", "ban", "khu dan cu", "thon to dan pho",
        "dia ban", "thon ban", "thon ap", "khu pho", "to", "tdp",
    ),
    "address": (
        "dia chi", "noi o hien nay", "noi o hien tai", "noi thuong tru", "cho o hien nay", "dia chi thuong tru",
        "dia chi cu tru", "noi cu tru", "thuong tru",
    ),
    "number": ("so ho", "ma ho", "so so ho khau", "ma so ho", "so ho khau", "ma ho gia dinh", "so hgd"),
    "declared_size": ("so nhan khau", "so khau", "so nguoi", "so thanh vien", "nhan khau", "so nk", "tong so nhan khau"),
    "phone": ("sdt", "so dien thoai", "dien thoai", "so dt", "dt", "dt lien he", "so dien thoai lien he", "dien thoai lien he"),
    "poverty": ("ho ngheo can ngheo", "ho ngheo ho can ngheo", "phan loai ho", "ngheo can ngheo", "dien ho"),
    "is_poor": ("ho ngheo",),
    "is_near_poor": ("ho can ngheo", "can ngheo"),
    "has_elderly": ("co nguoi cao tuoi", "nguoi cao tuoi", "ho co nguoi cao tuoi"),
    "disabled": ("nguoi khuyet tat", "khuyet tat", "co nguoi khuyet tat", "nkt", "ho co nguoi khuyet tat"),
    "no_smart_device": (
        "chua co thiet bi so", "chua co dien thoai thong minh", "chua co smartphone", "khong co dien thoai thong minh",
    ),
    "ethnicity": ("dan toc",),
    "ethnic_minority": ("dan toc thieu so", "dtts"),
}  # fmt: skip
_BY_ALIAS = {alias: code for code, aliases in _ALIASES.items() for alias in aliases}
_NUMBERING = re.compile(r"^\(?\s*[0-9a-zA-Z]{1,2}\s*\)?$")
HEADER_SEARCH_ROWS = 40


def header_key(value: Any) -> str:
    """'Thôn/Xóm' -> 'thon xom'; 'SĐT' -> 'sdt'; '(1)' -> '1'."""
    return " ".join(fold_words(str(value))) if isinstance(value, str) else ""


def field_for_header(text: str) -> str | None:
    """The field a header names: an exact known name, else the longest known name it starts with."""
    key = header_key(text)
    if not key:
        return None
    if key in _BY_ALIAS:
        return _BY_ALIAS[key]
    best = None
    for alias, code in _BY_ALIAS.items():
        if len(alias) > 2 and key.startswith(alias + " ") and (best is None or len(alias) > len(best[0])):
            best = (alias, code)
    return best[1] if best else None


@dataclass
class Column:
    index: int
    header: str
    field: str | None  # None: not recognised

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class Layout:
    header_row: int  # 0-based index of the (first) header row
    data_start: int  # 0-based index of the first data row
    columns: list[Column]
    sheets_read: list[str] = dc_field(default_factory=list)
    sheets_skipped: list[dict[str, str]] = dc_field(default_factory=list)

    def mapping(self) -> dict[str, str]:
        return {str(c.index): c.field for c in self.columns if c.field}


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _filled_rows(table: Table, first: int, last: int) -> list[list[Any]]:
    """Rows first..last with every merged cell's value copied into the whole merged range."""
    rows = [list(table.rows[r]) for r in range(first, min(last, len(table.rows) - 1) + 1)]
    for r1, c1, r2, c2 in table.merged:
        if r2 < first or r1 > last or r1 >= len(table.rows):
            continue
        value = table.rows[r1][c1] if c1 < len(table.rows[r1]) else ""
        for r in range(max(r1, first), min(r2, last) + 1):
            for c in range(c1, c2 + 1):
                if r - first < len(rows) and c < len(rows[r - first]):
                    rows[r - first][c] = value
    return rows


def is_numbering_row(row: list[Any]) -> bool:
    """The "(1) (2) (3) …" or "A B 1 2 …" row printed under many official headers."""
    cells = [cell for cell in row if cell not in ("", None)]
    if len(cells) < 3:
        return False
    return all(
        (isinstance(cell, int) and 0 <= cell < 100)
        or (isinstance(cell, str) and _NUMBERING.match(cell.strip()))
        for cell in cells
    )


def _has_sub_header(table: Table, row: int) -> bool:
    """Whether the row under the header holds sub-headers of merged header cells (e.g. Năm sinh: Nam | Nữ)."""
    if row + 1 >= len(table.rows):
        return False
    spans = [m for m in table.merged if m[0] == row and (m[3] > m[1] or m[2] > m[0])]
    if not spans:
        return False
    below = table.rows[row + 1]
    if is_numbering_row(below):
        return False
    under_wide = any(_text(below[c]) for r1, c1, r2, c2 in spans if c2 > c1 for c in range(c1, c2 + 1))
    texts = [cell for cell in below if cell not in ("", None)]
    return under_wide and all(
        isinstance(cell, str) and not any(ch.isdigit() for ch in cell) for cell in texts
    )


def detect_layout(table: Table) -> Layout:
    """Find the header row below title rows ("ỦY BAN NHÂN DÂN XÃ …", "DANH SÁCH …") and map its columns."""
    best: tuple[int, int] | None = None  # (score, row)
    for index, row in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        fields = [field_for_header(cell) for cell in row if isinstance(cell, str)]
        score = sum(1 for f in fields if f) + (2 if "name" in fields else 0)
        if score >= 3 and (best is None or score > best[0]):
            best = (score, index)
    if best is None:
        for index, row in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
            if sum(1 for cell in row if _text(cell)) >= 3:
                best = (0, index)
                break
    if best is None:
        raise UnreadableFile("Không tìm thấy dòng tiêu đề cột (ví dụ “Họ và tên”, “Năm sinh”) trong tệp.")
    header_row = best[1]
    last = header_row + 1 if _has_sub_header(table, header_row) else header_row
    band = _filled_rows(table, header_row, last)
    width = len(table.rows[header_row])
    columns: list[Column] = []
    taken: set[str] = set()
    for c in range(width):
        parent = _text(band[0][c])
        child = _text(band[-1][c]) if len(band) > 1 else ""
        if child == parent:
            child = ""
        header = f"{parent} – {child}" if parent and child else parent or child
        field = None
        if child and header_key(child) in ("nam", "nu") and field_for_header(parent) == "birth":
            field = "birth_male" if header_key(child) == "nam" else "birth_female"
        elif child:
            field = field_for_header(child) or field_for_header(f"{parent} {child}")
        elif parent:
            field = field_for_header(parent)
        if field and field != "ignore" and field in taken:
            field = "ignore"  # the first column wins; a second "Địa chỉ" is not read twice
        if field:
            taken.add(field)
        if header:
            columns.append(Column(index=c, header=header, field=field))
    data_start = last + 1
    if data_start < len(table.rows) and is_numbering_row(table.rows[data_start]):
        data_start += 1
    return Layout(header_row=header_row, data_start=data_start, columns=columns)


def choose_sheets(
    tables: list[Table], *, wanted: str = ""
) -> tuple[list[tuple[Table, Layout]], list[dict[str, str]]]:
    """The sheets to read, each with its layout, and the sheets left out with the reason.

    The first sheet whose header names a "Họ và tên" column (or the sheet asked for by name) sets the
    columns; every other sheet with the same columns is read too (a workbook with one sheet per
    village); a sheet with other columns or no header is left out and named in the preview."""
    layouts: list[tuple[Table, Layout | None]] = []
    for table in tables:
        try:
            layouts.append((table, detect_layout(table)))
        except UnreadableFile:
            layouts.append((table, None))
    if wanted:
        key = header_key(wanted)
        chosen = [(t, lay) for t, lay in layouts if header_key(t.sheet) == key]
        if not chosen:
            names = ", ".join(f"“{t.sheet}”" for t in tables)
            raise UnreadableFile(f"Tệp không có trang “{wanted}”; các trang của tệp: {names}.")
        table, layout = chosen[0]
        if layout is None:
            raise UnreadableFile(f"Không tìm thấy dòng tiêu đề cột trong trang “{table.sheet}”.")
        others = [{"sheet": t.sheet, "reason": "không chọn trang này"} for t, _ in layouts if t is not table]
        return [(table, layout)], others
    with_header = [(t, lay) for t, lay in layouts if lay is not None]
    if not with_header:
        raise UnreadableFile("Không tìm thấy dòng tiêu đề cột (ví dụ “Họ và tên”, “Năm sinh”) trong tệp.")
    primary = next(((t, lay) for t, lay in with_header if "name" in lay.mapping().values()), with_header[0])
    fields = primary[1].mapping()
    read: list[tuple[Table, Layout]] = []
    skipped: list[dict[str, str]] = []
    for table, layout in layouts:
        if layout is None:
            skipped.append({"sheet": table.sheet, "reason": "không có dòng tiêu đề cột"})
        elif table is primary[0] or layout.mapping() == fields:
            read.append((table, layout))
        else:
            skipped.append({"sheet": table.sheet, "reason": "các cột khác với trang đầu tiên được đọc"})
    while read[0][0] is not primary[0]:  # the primary sheet's header is the batch's header
        skipped.append({"sheet": read[0][0].sheet, "reason": "đứng trước trang đầu tiên có cột “Họ và tên”"})
        read.pop(0)
    return read, skipped


def combine_sheets(chosen: list[tuple[Table, Layout]]) -> tuple[Table, Layout]:
    """One table of the chosen sheets, one after another, with the sheets' places (`Table.sheets`)."""
    first_table, first_layout = chosen[0]
    if len(chosen) == 1:
        return first_table, first_layout
    rows: list[list[Any]] = []
    merged: list[tuple[int, int, int, int]] = []
    sheets: list[list[Any]] = []
    width = max(len(t.rows[0]) if t.rows else 0 for t, _ in chosen)
    for table, layout in chosen:
        start = len(rows)
        for row in table.rows:
            if len(row) < width:
                row += [""] * (width - len(row))
            rows.append(row)
        merged += [(r1 + start, c1, r2 + start, c2) for r1, c1, r2, c2 in table.merged]
        sheets.append([table.sheet, start, start + layout.header_row, start + layout.data_start, len(rows)])
    combined = Table(rows=rows, merged=merged, sheet=first_table.sheet, sheets=sheets)
    return combined, first_layout
