"""Messy commune lists built the way communes really send them, for the import tests.

Row numbers in the comments are Excel row numbers; the tests assert errors on exactly those rows.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

from openpyxl import Workbook
from openpyxl.styles import Font

from binhdan.common.spreadsheet import write_cell


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HOUSEHOLD_HEADER = [
    "STT", "Họ tên chủ hộ", "Năm sinh", "Giới tính", "Số CCCD", "Thôn/Xóm", "Địa chỉ", "Số nhân khẩu", "SĐT",
    "Hộ nghèo/cận nghèo", "Ghi chú",
]  # fmt: skip


def household_rows() -> list[list[object]]:
    """Rows 8 onwards of the household list."""
    return [
        [1, nfd("Nguyễn Văn Bình"), 1958, "Nam", "079158001234", "Thôn Đông", "Xóm 1", 4, "0912 345 678", "Nghèo", ""],  # 8
        [2, "Trần Thị Cúc", dt.datetime(1962, 3, 5), "Nữ", "", "thon dong", "Xóm 2", 3, "+84 987 654 321", "Cận nghèo", ""],  # 9
        [3, "LÊ VĂN DŨNG", "05/09/1970", "Nam", "12345", "Thôn Tây", "Xóm 3", 5, 912345678, "", ""],  # 10: bad ID
        [],  # 11: blank
        [4, "Phạm Thị Em", "1980", "Nữ", "", "Thôn Bắc", "", 2, "", "", ""],  # 12: unknown village
        [5, "Hoàng Văn Gia", "31/02/1975", "Nam", "", "Thôn Tây", "", 1, "12345", "", ""],  # 13: bad date, bad phone
        [6, "Nguyễn Văn Bình", 1958, "Nam", "", "Thôn Đông", "Xóm 1", 4, "", "Nghèo", "trùng"],  # 14: duplicate of 8
        [7, "Đỗ Thị Hạnh", "1990-07-15", "Nữ", "001190012345", "Tây", "Xóm 4", 3, "", "", ""],  # 15
        ["Tổng cộng", "", "", "", "", "", "", 22, "", "", ""],  # 16: totals
        [],  # 17
        ["", "Người lập biểu", "", "", "", "", "TM. ỦY BAN NHÂN DÂN", "", "", "", ""],  # 18
        ["", "(Ký, ghi rõ họ tên)", "", "", "", "", "CHỦ TỊCH", "", "", "", ""],  # 19
        ["", "Nguyễn Văn Xã", "", "", "", "", "Lê Văn Chủ", "", "", "", ""],  # 20: signers, not households
    ]  # fmt: skip


def household_list_xlsx(rows: list[list[object]] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "DS ho"
    sheet["A1"] = "ỦY BAN NHÂN DÂN XÃ SƠN ĐÔNG"
    sheet.merge_cells("A1:D1")
    sheet["F1"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    sheet.merge_cells("F1:K1")
    sheet["F2"] = "Độc lập - Tự do - Hạnh phúc"
    sheet["A4"] = "DANH SÁCH HỘ GIA ĐÌNH TRÊN ĐỊA BÀN XÃ NĂM 2025"
    sheet.merge_cells("A4:K4")
    sheet["A4"].font = Font(bold=True)
    for col, title in enumerate(HOUSEHOLD_HEADER, start=1):
        sheet.cell(row=6, column=col, value=title)
    for col in range(1, len(HOUSEHOLD_HEADER) + 1):
        sheet.cell(row=7, column=col, value=f"({col})")
    for offset, row in enumerate(household_rows() if rows is None else rows):
        for col, value in enumerate(row, start=1):
            if value != "":
                cell = sheet.cell(row=8 + offset, column=col, value=value)
                if isinstance(value, dt.datetime):
                    cell.number_format = "DD/MM/YYYY"
    return _save(book)


def resident_rows() -> list[list[object]]:
    """Rows 7 onwards of the police-style resident list (header on rows 4-5, numbering on row 6)."""
    return [
        ["I. Thôn Đông", "", "", "", "", "", "", "", ""],  # 7: section
        [1, nfd("Nguyễn Văn An"), 1955, "", "Chủ hộ", "079055000111", "Xóm 1, Thôn Đông", "0912000111", "Kinh"],  # 8
        [2, nfd("Lê Thị Bé"), "", dt.datetime(1958, 1, 2), "Vợ", "", "", "", "Kinh"],  # 9
        [3, "Nguyễn Văn Cường", "12/10/1985", "", "Con trai", "07908500022", "", "", "Kinh"],  # 10: bad ID
        [4, "Nguyễn Thị Dung", "", "2010", "Con gái", "", "", "", "Tày"],  # 11
        [],  # 12
        [5, "Trần Văn Em", 1970, "", "Chủ hộ", "001070000333", "Xóm 2", "84 98 765 4321", "Kinh"],  # 13
        [6, "Phạm Thị Gấm", "", 1972, "Vợ", "", "", "", "Kinh"],  # 14
        [7, "Phạm Thị Gấm", "", 1972, "Vợ", "", "", "", "Kinh"],  # 15: duplicate of 14
        ["II. Thôn Nam", "", "", "", "", "", "", "", ""],  # 16: unknown village
        [8, "Vũ Văn Hùng", 1965, "", "Chủ hộ", "", "Xóm 5", "", "Kinh"],  # 17
        [9, "Vũ Thị Lan", "", 1990, "Con", "", "", "", "Kinh"],  # 18
        ["Cộng: 9 nhân khẩu", "", "", "", "", "", "", "", ""],  # 19
        ["", "", "", "", "", "", "Sơn Đông, ngày 10 tháng 3 năm 2025", "", ""],  # 20
        ["", "", "", "", "", "", "TRƯỞNG CÔNG AN XÃ", "", ""],  # 21
        ["", "Nguyễn Văn Xã", "", "", "", "", "", "", ""],  # 22
    ]  # fmt: skip


def resident_list_xlsx(rows: list[list[object]] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "CÔNG AN XÃ SƠN ĐÔNG"
    sheet.merge_cells("A1:C1")
    sheet["A2"] = "DANH SÁCH NHÂN KHẨU THƯỜNG TRÚ"
    sheet.merge_cells("A2:I2")
    for col, title in zip(
        "ABEFGHI",
        ["STT", "Họ và tên", "Quan hệ với chủ hộ", "Số định danh cá nhân", "Địa chỉ", "SĐT", "Dân tộc"],
        strict=True,
    ):
        sheet[f"{col}4"] = title
        sheet.merge_cells(f"{col}4:{col}5")
    sheet["C4"] = "Năm sinh"
    sheet.merge_cells("C4:D4")
    sheet["C5"], sheet["D5"] = "Nam", "Nữ"
    for col in range(1, 10):
        sheet.cell(row=6, column=col, value=f"({col})")
    for offset, row in enumerate(resident_rows() if rows is None else rows):
        for col, value in enumerate(row, start=1):
            if value != "":
                cell = sheet.cell(row=7 + offset, column=col, value=value)
                if isinstance(value, dt.datetime):
                    cell.number_format = "DD/MM/YYYY"
    return _save(book)


def resident_list_csv() -> bytes:
    """A plain export from another program: UTF-8 with BOM, semicolons, one header row."""
    lines = [
        "Họ và tên;Ngày sinh;Giới tính;Quan hệ với chủ hộ;Thôn;Số hộ;SĐT",
        f"{nfd('Đặng Văn Tâm')};01/01/1960;Nam;Chủ hộ;Thôn Tây;TY-01;0987111222",  # 2
        "Đặng Thị Thu;1985;Nữ;Con;;TY-01;",  # 3
        "Ngô Văn Út;15/13/1990;Nam;Chủ hộ;Thôn Tây;TY-02;",  # 4: month 13
        "Ngô Thị Vân;1992;Nữ;Vợ;;TY-02;",  # 5: head row failed
        "Lý Văn Xuân;1950;Nam;Chủ hộ;Thôn Tây;TY-03;",  # 6
    ]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def household_list_xls() -> bytes:
    """The same kind of list saved by an old Excel (.xls, BIFF8), made with xlwt."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("DS")
    sheet.write_merge(0, 0, 0, 4, "ỦY BAN NHÂN DÂN XÃ SƠN ĐÔNG")
    sheet.write_merge(1, 1, 0, 4, "DANH SÁCH HỘ GIA ĐÌNH")
    for col, title in enumerate(["STT", "Họ tên chủ hộ", "Ngày sinh", "Thôn", "Số điện thoại"]):
        sheet.write(3, col, title)
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    sheet.write(4, 0, 1)
    sheet.write(4, 1, "Bùi Văn Khoa")
    sheet.write(4, 2, dt.date(1971, 4, 30), date_style)
    sheet.write(4, 3, "Thôn Đông")
    sheet.write(4, 4, "0977 000 111")
    sheet.write(5, 0, 2)
    sheet.write(5, 1, "Bùi Thị Loan")
    sheet.write(5, 2, 1975)
    sheet.write(5, 3, "Thôn Không Có")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cp1258(text: str) -> bytes:
    """Text the way Windows-1258 stores Vietnamese: base letters (ă, ê, ơ …) and separate tone marks."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out += (base + "".join(c for c in parts if c in tones)).encode("cp1258")
    return out


def titled_sheet(sheet, header: list[str], rows: list[list[object]], *, footer: bool = True) -> None:
    """A commune sheet: two merged title rows, the header on row 4, data from row 5, then a date line
    and signatures under the table. Row 5 is the first data row."""
    width = len(header)
    sheet["A1"] = "ỦY BAN NHÂN DÂN XÃ SƠN ĐÔNG"
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width // 2, 1))
    sheet["A2"] = "DANH SÁCH HỘ GIA ĐÌNH"
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    for col, title in enumerate(header, start=1):
        sheet.cell(row=4, column=col, value=title)
    for offset, row in enumerate(rows):
        for col, value in enumerate(row, start=1):
            if value != "":  # text that looks like a formula is typed text, as in a real list
                write_cell(sheet.cell(row=5 + offset, column=col), value)
    if footer:
        last = 5 + len(rows) + 1
        sheet.cell(row=last, column=2, value="Sơn Đông")
        sheet.cell(row=last, column=3, value="ngày 30 tháng 11 năm 2026")
        sheet.cell(row=last + 1, column=width, value="TM. UBND")
        sheet.cell(row=last + 2, column=2, value="Người lập biểu")
        sheet.cell(row=last + 3, column=2, value="Nguyễn Văn Xã")


def workbook_of_sheets(sheets: dict[str, tuple[list[str], list[list[object]]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, (header, rows) in sheets.items():
        titled_sheet(book.create_sheet(name), header, rows)
    return _save(book)


def one_sheet(header: list[str], rows: list[list[object]], *, footer: bool = True) -> bytes:
    return workbook_of_sheets({"DS": (header, rows)}) if footer else _one_plain(header, rows)


def _one_plain(header: list[str], rows: list[list[object]]) -> bytes:
    book = Workbook()
    titled_sheet(book.active, header, rows, footer=False)
    return _save(book)


# ------------------------------------------------------------------------- registration dates (issue 10)

LIFECYCLE_RESIDENT_HEADER = [
    "STT",
    "Họ và tên",
    "Năm sinh",
    "",
    "Quan hệ với chủ hộ",
    "Ngày ĐK thường trú",
    "Địa chỉ",
]


def lifecycle_resident_list_xlsx(rows: list[list[object]]) -> bytes:
    """A police-style resident list with a registration-date column: title rows, a two-row header whose
    "Năm sinh" spans "Nam | Nữ" and whose other cells are merged down, a numbering row; data from row 7."""
    book = Workbook()
    sheet = book.active
    sheet.title = "NK thuong tru"
    sheet["A1"] = "CÔNG AN XÃ SƠN ĐÔNG"
    sheet.merge_cells("A1:C1")
    sheet["A2"] = nfd("DANH SÁCH NHÂN KHẨU THƯỜNG TRÚ (CÓ NGÀY ĐĂNG KÝ)")
    sheet.merge_cells("A2:G2")
    for col, title in zip("ABEFG", [LIFECYCLE_RESIDENT_HEADER[i] for i in (0, 1, 4, 5, 6)], strict=True):
        sheet[f"{col}4"] = title
        sheet.merge_cells(f"{col}4:{col}5")
    sheet["C4"] = "Năm sinh"
    sheet.merge_cells("C4:D4")
    sheet["C5"], sheet["D5"] = "Nam", "Nữ"
    for col in range(1, 8):
        sheet.cell(row=6, column=col, value=f"({col})")
    _rows_from(sheet, 7, rows)
    return _save(book)


LIFECYCLE_HOUSEHOLD_HEADER = [
    "STT",
    "Họ tên chủ hộ",
    "Năm sinh",
    "Thôn/Xóm",
    "Địa chỉ",
    "Ngày nhập khẩu",
    "Ghi chú",
]


def lifecycle_household_list_xlsx(rows: list[list[object]], *, header: list[str] | None = None) -> bytes:
    """A household list with a "Ngày nhập khẩu" column (or another header): merged title rows, the
    header on row 6, a numbering row 7, data from row 8, a signature block under the table."""
    header = header or LIFECYCLE_HOUSEHOLD_HEADER
    book = Workbook()
    sheet = book.active
    sheet.title = "DS ho"
    sheet["A1"] = "ỦY BAN NHÂN DÂN XÃ SƠN ĐÔNG"
    sheet.merge_cells("A1:C1")
    sheet["E1"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    sheet.merge_cells("E1:G1")
    sheet["A4"] = "DANH SÁCH HỘ GIA ĐÌNH VÀ NGÀY NHẬP KHẨU"
    sheet.merge_cells("A4:G4")
    sheet["A4"].font = Font(bold=True)
    for col, title in enumerate(header, start=1):
        sheet.cell(row=6, column=col, value=title)
        sheet.cell(row=7, column=col, value=f"({col})")
    _rows_from(sheet, 8, rows)
    last = 8 + len(rows) + 1
    sheet.cell(row=last, column=5, value="Sơn Đông, ngày 30 tháng 11 năm 2025")
    sheet.cell(row=last + 1, column=2, value="Người lập biểu")
    return _save(book)


def _rows_from(sheet, first: int, rows: list[list[object]]) -> None:
    for offset, row in enumerate(rows):
        for col, value in enumerate(row, start=1):
            if value != "":
                cell = write_cell(sheet.cell(row=first + offset, column=col), value)
                if isinstance(value, dt.datetime):
                    cell.number_format = "DD/MM/YYYY"
