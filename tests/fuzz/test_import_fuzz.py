"""Hypothesis on the registry import (issue 14, item 2): random messy commune lists, the way communes
send them and worse, go through the import service as a page does it (`open_batch` → `check_batch` →
`commit_batch`, rows with errors left out).

The lists: .xlsx (openpyxl), .xls (xlwt) and .csv (UTF-8 with BOM, UTF-16, Windows-1258); title rows
merged across the header, a header on one or two rows with random spellings (with or without
diacritics, NFD, upper case, line breaks, notes in brackets), a numbering row, columns in any order and
unknown columns, blank rows, totals and signature rows, village section rows, merged data cells;
cells that are numbers as text, text as numbers, dates as Excel day numbers, strings and impossible
dates, NaN and ±inf, formulas, 40,000-character strings, unusual digits and marks, IDs with 11 digits;
several sheets in the wrong order, empty sheets and notes sheets.

What must hold: no exception escapes the import service: a file is refused with a Vietnamese
`UnreadableFile`, or checked; every row error and warning names an existing row and a column (a
header of the list, or a field) with a Vietnamese message in NFC; the commit stores exactly the
households the check counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from typing import Any

import pytest
import xlwt
from hypothesis import event, given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from binhdan.registry.importing import (
    FIELD_LABELS,
    UnreadableFile,
    check_batch,
    commit_batch,
    load_table,
    open_batch,
)
from binhdan.registry.models import CommuneSettings, Household, ImportBatch
from binhdan.testing.personas import World, build_world
from tests.fuzz.limits import fuzz_settings

VIETNAMESE = set("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ")

# How headers are written, by field (with diacritics; variants below drop them, decompose them …).
HEADERS: dict[str, list[str]] = {
    "name": ["Họ và tên", "Họ tên chủ hộ", "HỌ VÀ TÊN", "Họ tên", "Tên chủ hộ"],
    "birth": ["Năm sinh", "Ngày sinh", "Ngày, tháng, năm sinh", "NS"],
    "gender": ["Giới tính", "Nam/Nữ", "GT"],
    "citizen_id": ["Số CCCD", "Số định danh cá nhân", "CMND/CCCD", "Số ĐDCN"],
    "relation": ["Quan hệ với chủ hộ", "Quan hệ", "QH với CH"],
    "village": ["Thôn/Xóm", "Thôn", "Tổ dân phố", "Địa bàn"],
    "address": ["Địa chỉ", "Nơi ở hiện nay", "Nơi thường trú"],
    "number": ["Số hộ", "Mã hộ", "Số sổ hộ khẩu"],
    "declared_size": ["Số nhân khẩu", "Số khẩu", "Nhân khẩu"],
    "phone": ["SĐT", "Số điện thoại", "Điện thoại liên hệ"],
    "poverty": ["Hộ nghèo/cận nghèo", "Phân loại hộ", "Diện hộ"],
    "is_poor": ["Hộ nghèo"],
    "has_elderly": ["Người cao tuổi", "Có người cao tuổi"],
    "disabled": ["Người khuyết tật", "NKT"],
    "ethnicity": ["Dân tộc"],
    "registered_on": ["Ngày đăng ký thường trú", "Ngày nhập khẩu", "Ngày vào sổ"],
    "household_id": ["Mã hộ (hệ thống)"],
    "stt": ["STT", "TT", "Số TT"],
    "note": ["Ghi chú", "Ký nhận"],
    "junk": ["Cột 7", "Nghề nghiệp", "Trình độ", "", "Email"],
}
NUMBER_FIELDS = {"declared_size", "household_id", "stt"}


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


header_spellings = st.sampled_from(
    [
        lambda h: h,
        lambda h: h.upper(),
        lambda h: h.lower(),
        _strip_marks,
        lambda h: unicodedata.normalize("NFD", h),
        lambda h: h.replace(" ", "\n", 1),
        lambda h: f"  {h}  (*)",
        lambda h: h.replace(" ", "  "),
    ]
)

# Strings no list should hold but some do.
odd_text = st.sampled_from(
    [
        "",
        " ",
        "x" * 40_000,
        "Nguyễn " * 30,
        "Nguye\u0302\u0303n Va\u0306n A",  # NFD
        "Lê\x00Văn\x00Bình",  # NUL (kept by .csv and .xls)
        "Trần\u200bThị\u200d Bình",  # zero-width
        "\u202eنام\u202c",  # RTL override, Arabic
        "😀👨‍👩‍👧",
        "²³",  # digits for isdigit(), not for int()
        "١٩٥٨",  # Arabic-Indic digits
        "٣",
        "１９５８",  # full-width digits
        "NaN",
        "inf",
        "-0",
        "1e309",
        "=1/0",
        "=SUM(A1:A3)",
        "#DIV/0!",
        "#N/A",
        "Tổng cộng",
        "Cộng",
        "TM. ỦY BAN NHÂN DÂN",
        "Người lập biểu",
        "THÔN TÂY",
        "Thôn Đông",
        "thon dong",
        "x",
        "X",
        "có",
        "Nghèo",
        "Cận nghèo",
        "cn",
        "Nam",
        "Nữ",
        "nu",
        "Chủ hộ",
        "Vợ",
        "Con trai",
        "Kinh",
        "Tày",
        "0912 345 678",
        "+84 987 654 321",
        "079158001234",
        "001 190 012 345",
        "12345",
        "31/02/1975",
        "05/09/1970",
        "1990-07-15",
        "2026-13-45",
        "00/00/0000",
        "29/02/2023",
        "12/1958",
        "58",
        "1958",
        "9999",
        "01/01/0001",
        "(1)",
    ]
)
odd_numbers = st.one_of(
    st.sampled_from(
        [
            0,
            -1,
            1958,
            58,
            21915,  # an Excel day number (1960)
            79999,
            80001,
            2**31,
            2**53 + 1,
            10**20,
            912345678,
            79158001234,  # an ID that lost its leading zero
            123456789012,
            1958.0,
            1958.5,
            21915.75,
            1e308,
            -1e-300,
            float("nan"),
            float("inf"),
            float("-inf"),
        ]
    ),
    st.integers(min_value=-(10**16), max_value=10**16),
    st.floats(allow_nan=True, allow_infinity=True),
)
odd_dates = st.one_of(
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 12, 31)),
    st.sampled_from([dt.date(1958, 9, 5), dt.datetime(1962, 3, 5), dt.datetime(1975, 1, 1, 13, 30)]),
    st.sampled_from([dt.time(12, 30), dt.timedelta(days=3, hours=2)]),
)
# Digits that str.isdigit() accepts and int() may not, and numbers written the way people write them.
odd_digits = st.sampled_from(
    [
        "²",
        "³",
        "1²",
        "¹⁰",
        "٣",
        "١٩٥٨",
        "１２",
        "৩",
        "߃",
        "Ⅻ",
        "½",
        "⁵",
        "𝟙𝟡𝟝𝟠",
        "3,5",
        "1.958",
        "4 ",
        " 4",
        "04",
        "+3",
    ]
)
any_cell = st.one_of(
    odd_text, odd_digits, odd_numbers, odd_dates, st.booleans(), st.text(max_size=30), st.none()
)


def good_cell(field: str, row: int) -> st.SearchStrategy[Any]:
    """A value a real list would have in this column (so rows get past the first checks)."""
    samples: dict[str, list[Any]] = {
        "name": [
            "Nguyễn Văn Bình",
            "TRẦN THỊ CÚC",
            "Lê Văn Dũng",
            unicodedata.normalize("NFD", "Đỗ Thị Hạnh"),
        ],
        "birth": [1958, "05/09/1970", dt.datetime(1962, 3, 5), "1990-07-15", 21915, "58"],
        "gender": ["Nam", "Nữ", "nu", ""],
        "citizen_id": ["079158001234", 79158001234, "001190012345", ""],
        "relation": ["Chủ hộ", "Vợ", "Con", "Cháu nội", ""],
        "village": ["Thôn Đông", "thon dong", "Tây", "Thôn Tây"],
        "address": ["Xóm 1", "Xóm 2, Thôn Đông", ""],
        "number": [f"0100{row:02d}", row, ""],
        "declared_size": [4, "3", 1],
        "phone": ["0912 345 678", 912345678, "+84 987 654 321", ""],
        "poverty": ["Nghèo", "Cận nghèo", "", "x"],
        "is_poor": ["x", "", "X"],
        "has_elderly": ["x", ""],
        "disabled": ["x", ""],
        "ethnicity": ["Kinh", "Tày", ""],
        "registered_on": ["15/03/2010", dt.date(2012, 1, 2), 40000, ""],
        "household_id": [row, ""],
        "stt": [row],
        "note": ["", "trùng", "chuyển đi"],
        "junk": ["", "nông dân", "12/12"],
    }
    return st.sampled_from(samples[field])


@st.composite
def sheets(draw: st.DrawFn) -> dict[str, Any]:
    """One sheet: title rows, a header, maybe a numbering row, and data/blank/total/footer/section rows."""
    fields = draw(
        st.lists(st.sampled_from(sorted(HEADERS)), min_size=1, max_size=9, unique=True).map(
            lambda chosen: chosen if "name" in chosen or len(chosen) < 3 else ["name", *chosen]
        )
    )
    if draw(st.booleans()):
        fields = draw(st.permutations(fields))
    header = [draw(header_spellings)(draw(st.sampled_from(HEADERS[f]))) for f in fields]
    titles = draw(
        st.lists(
            st.sampled_from(
                ["ỦY BAN NHÂN DÂN XÃ SƠN ĐÔNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 "DANH SÁCH HỘ GIA ĐÌNH NĂM 2025", "", "Họ và tên người lập: Nguyễn Văn Xã"]
            ),
            max_size=5,
        )
    )  # fmt: skip
    rows: list[list[Any]] = [[title] for title in titles]
    merged: list[tuple[int, int, int, int]] = []  # 1-based (row, col, row, col) for openpyxl
    for r, title in enumerate(titles, start=1):
        if title and len(fields) > 1 and draw(st.booleans()):
            merged.append((r, 1, r, len(fields)))
    two_rows = len(fields) > 2 and draw(st.integers(0, 4)) == 0
    if two_rows:  # a group header above the first two columns, merged; the others merged down
        rows.append(["Thông tin chủ hộ", "", *header[2:]])
        here = len(rows)
        merged.append((here, 1, here, 2))
        merged += [(here, c, here + 1, c) for c in range(3, len(fields) + 1)]
        rows.append([header[0], header[1], *[""] * (len(fields) - 2)])
    else:
        rows.append(header)
    if draw(st.booleans()):
        rows.append([f"({c})" for c in range(1, len(fields) + 1)])
    for n in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["good", "good", "odd", "odd", "blank", "total", "footer", "section"]))
        if kind == "blank":
            rows.append([])
        elif kind == "total":
            rows.append(["Tổng cộng", *[draw(st.integers(0, 99)) for _ in fields[1:]]])
        elif kind == "footer":
            rows.append(["", "Người lập biểu", "TM. ỦY BAN NHÂN DÂN"][: len(fields) or 1])
        elif kind == "section":
            rows.append([draw(st.sampled_from(["THÔN TÂY", "Thôn Đông", "Xóm 9", "I. THÔN BẮC"]))])
            if len(fields) > 1 and draw(st.booleans()):
                merged.append((len(rows), 1, len(rows), len(fields)))
        else:
            odd = kind == "odd"
            rows.append(
                [draw(any_cell if odd and draw(st.integers(0, 2)) else good_cell(f, n + 1)) for f in fields]
            )
            if odd and len(fields) > 2 and draw(st.integers(0, 5)) == 0:
                merged.append((len(rows), 2, len(rows), 3))  # a merged pair of data cells
    return {"rows": rows, "merged": merged, "width": len(fields)}


@st.composite
def workbooks(draw: st.DrawFn) -> dict[str, Any]:
    parts = draw(st.lists(sheets(), min_size=1, max_size=3))
    names = draw(st.lists(st.sampled_from(["DS ho", "Thôn Đông", "Thôn Tây", "Sheet1", "Hướng dẫn", "Tổng hợp"]),
                          min_size=len(parts), max_size=len(parts), unique=True))  # fmt: skip
    extra = draw(st.sampled_from([None, None, "empty", "notes"]))
    if extra:  # a sheet before the list: empty, or notes without a header
        rows = (
            [] if extra == "empty" else [["Hướng dẫn điền"], ["Điền mỗi hộ một dòng"], ["Không sửa tiêu đề"]]
        )
        parts.insert(0, {"rows": rows, "merged": [], "width": 1})
        names.insert(0, "Ghi chú" if "Ghi chú" not in names else "Trang 0")
    fmt = draw(st.sampled_from(["xlsx", "xlsx", "xlsx", "xls", "csv"]))
    return {"sheets": list(zip(names, parts, strict=True)), "format": fmt,
            "encoding": draw(st.sampled_from(["utf-8-sig", "utf-16", "cp1258"]))}  # fmt: skip


# --- writing the files ------------------------------------------------------------------------------


def _for_xlsx(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)  # openpyxl refuses control characters
    if isinstance(value, dt.timedelta):
        return value  # openpyxl writes a duration
    return value


def _xlsx(spec: dict[str, Any]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, part in spec["sheets"]:
        sheet = book.create_sheet(name)
        for r, row in enumerate(part["rows"], start=1):
            for c, value in enumerate(row, start=1):
                if value not in ("", None):
                    cell = sheet.cell(row=r, column=c, value=_for_xlsx(value))
                    if isinstance(value, str) and value.startswith("#"):
                        cell.data_type = "e"  # an error cell, as Excel stores #DIV/0!
        for r1, c1, r2, c2 in part["merged"]:
            sheet.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


DATE_STYLE = xlwt.easyxf(num_format_str="DD/MM/YYYY")


def _xls(spec: dict[str, Any]) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    for name, part in spec["sheets"]:
        sheet = book.add_sheet(name[:31], cell_overwrite_ok=True)
        for r, row in enumerate(part["rows"]):
            for c, value in enumerate(row):
                if value in ("", None):
                    continue
                if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
                    value = float(value)
                elif isinstance(value, (dt.time, dt.timedelta)):
                    value = str(value)
                elif isinstance(value, str):
                    value = value[:32_767]  # a BIFF8 cell's limit
                if isinstance(value, (dt.date, dt.datetime)):
                    sheet.write(r, c, value, DATE_STYLE)
                else:
                    sheet.write(r, c, value)
        for r1, c1, r2, c2 in part["merged"]:
            sheet.merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(spec: dict[str, Any]) -> bytes:
    rows = [row for _name, part in spec["sheets"][-1:] for row in part["rows"]]  # one sheet
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue().encode(spec["encoding"], errors="replace")


WRITERS = {"xlsx": _xlsx, "xls": _xls, "csv": _csv}


# --- the property -------------------------------------------------------------------------------------


def _is_vietnamese(message: str) -> bool:
    return (
        bool(message)
        and unicodedata.is_normalized("NFC", message)
        and bool(VIETNAMESE & set(message.lower()))
    )


@pytest.fixture
def commune_world(db: Any) -> World:
    world = build_world()
    CommuneSettings.objects.update_or_create(commune=world.commune, defaults={"store_citizen_ids": True})
    return world


def _run(world: World, data: bytes, filename: str, *, create_villages: bool) -> str:
    """Import the file as the commune officer; returns what happened (for the statistics)."""
    try:
        batch = open_batch(
            data=data,
            filename=filename,
            commune=world.commune,
            by=world.officer,
            create_villages=create_villages,
        )
    except UnreadableFile as exc:
        assert _is_vietnamese(str(exc)), str(exc)
        return f"refused: {str(exc)[:40]}"
    if "name" not in batch.mapping.values():  # the officer maps a column to the name on the mapping screen
        assert batch.status == ImportBatch.Status.MAPPING
        batch.mapping = {**batch.mapping, str(batch.columns[0]["index"]): "name"}
        batch.save(update_fields=["mapping"])
    summary = check_batch(batch)
    headers = {c["header"] for c in batch.columns}
    last_row = len(load_table(batch).rows)
    for item in [*summary["errors"], *summary["warnings"]]:
        assert isinstance(item["row"], int) and 1 <= item["row"] <= last_row, item
        assert isinstance(item["column"], str) and item["column"].strip(), item
        assert item["column"] in headers or item["column"] in FIELD_LABELS.values(), item
        assert _is_vietnamese(item["message"]), item
        if "sheet" in item:
            assert item["sheet_row"] >= 1, item
    for notice in summary["notices"]:
        assert _is_vietnamese(notice), notice
    before = Household.objects.count()
    committed = commit_batch(batch, by=world.officer, skip_invalid=True)
    assert committed["committed"] is True
    assert Household.objects.count() - before == committed["households_created"]
    return f"checked: {summary['kind']}, errors: {min(len(summary['errors']), 3)}"


@fuzz_settings(max_examples=60)
@given(spec=workbooks(), create_villages=st.booleans())
def test_messy_lists_are_checked_or_refused_in_vietnamese(
    commune_world: World, spec: dict[str, Any], create_villages: bool
) -> None:
    data = WRITERS[spec["format"]](spec)
    event(_run(commune_world, data, f"danh-sach.{spec['format']}", create_villages=create_villages))


@fuzz_settings(max_examples=20)
@given(
    data=st.one_of(
        st.binary(max_size=200),
        st.sampled_from(
            [b"PK\x03\x04broken zip", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, b"\xff\xfe"]
        ),
    ),
    suffix=st.sampled_from(["xlsx", "xls", "csv", "ods", "xlsm", "pdf", ""]),
)
def test_files_that_are_not_lists_are_refused_in_vietnamese(
    commune_world: World, data: bytes, suffix: str
) -> None:
    event(_run(commune_world, data, f"danh-sach.{suffix}", create_villages=False))


# --- what the fuzzing found, kept as plain examples -------------------------------------------------------


def _list(header: list[str], *rows: list[Any]) -> dict[str, Any]:
    return {"sheets": [("DS", {"rows": [header, *rows], "merged": [], "width": len(header)})]}


def test_a_count_in_unusual_digits_is_a_row_error(commune_world: World) -> None:
    """ "²" passed str.isdigit() and int() refused it: a ValueError escaped the check."""
    spec = _list(
        ["Họ và tên", "Thôn", "Số nhân khẩu", "Mã hộ (hệ thống)"], ["Nguyễn Văn An", "Thôn Đông", "²", "³"]
    )
    assert _run(commune_world, _xlsx(spec), "ds.xlsx", create_villages=False).startswith("checked")
    spec = _list(["Họ và tên", "Thôn", "Số nhân khẩu"], ["Nguyễn Văn An", "Thôn Đông", "9" * 5000])
    assert _run(commune_world, _xlsx(spec), "ds.xlsx", create_villages=False).startswith("checked")


def test_nan_and_infinity_in_an_xls_id_column_are_row_errors(commune_world: World) -> None:
    """An .xls cell holds NaN or ±inf as a number; int(nan) escaped from the ID masking."""
    spec = _list(["Họ và tên", "Thôn", "Số CCCD"], ["Nguyễn Văn An", "Thôn Đông", float("nan")],
                 ["Trần Thị Bình", "Thôn Đông", float("inf")])  # fmt: skip
    assert _run(commune_world, _xls(spec), "ds.xls", create_villages=False) == "checked: household, errors: 2"


def test_an_id_in_full_width_digits_is_the_same_id(commune_world: World) -> None:
    from binhdan.registry.importing.reading import id_token

    assert id_token("０７９１５８００１２３４", with_hash=True) == id_token("079158001234", with_hash=True)


def test_a_near_poor_household_listed_as_poor_becomes_poor_only(commune_world: World) -> None:
    """The commit broke the household's poor-xor-near-poor constraint (IntegrityError)."""
    header = ["Họ và tên", "Thôn", "Số hộ"]
    near = _list([*header, "Phân loại hộ"], ["Nguyễn Văn An", "Thôn Đông", "010001", "Cận nghèo"])
    _run(commune_world, _xlsx(near), "ds.xlsx", create_villages=False)
    poor = _list([*header, "Hộ nghèo"], ["Nguyễn Văn An", "Thôn Đông", "010001", "x"])
    _run(commune_world, _xlsx(poor), "ds.xlsx", create_villages=False)
    household = Household.objects.get(number="010001")
    assert (household.is_poor, household.is_near_poor) == (True, False)


def test_a_list_of_names_and_villages_is_not_read_as_section_titles(commune_world: World) -> None:
    """Without a birth column, "Nguyễn Văn An | Thôn Đông" was taken for a section row and skipped."""
    spec = _list(["Họ và tên", "Thôn", "Số CCCD"], ["Nguyễn Văn An", "Thôn Đông", ""], ["", "Thôn Tây", ""],
                 ["Trần Thị Bình", "Thôn Tây", ""])  # fmt: skip
    batch = open_batch(
        data=_xlsx(spec), filename="ds.xlsx", commune=commune_world.commune, by=commune_world.officer
    )
    summary = check_batch(batch)
    assert (summary["households"], summary["skipped_section"]) == (2, 1)


def test_nul_characters_are_dropped_from_cells_and_file_names(commune_world: World) -> None:
    """PostgreSQL text cannot hold NUL: a .csv or .xls cell with one was a 500 at the commit there."""
    spec = _list(["Họ và tên", "Thôn", "Địa chỉ"], ["Nguyễn\x00Văn An", "Thôn Đông", "Xóm\x001"])
    for data, name in ((_csv({**spec, "encoding": "utf-8-sig"}), "ds\x00.csv"), (_xls(spec), "ds.xls")):
        assert _run(commune_world, data, name, create_villages=False) == "checked: household, errors: 0"
    assert Household.objects.filter(head_name="Nguyễn Văn An", address="Xóm 1").count() == 1
    assert "ds.csv" in ImportBatch.objects.values_list("filename", flat=True)  # (a query cannot hold NUL)
