"""Registration dates from commune lists (issue 10, point 2): a "Ngày vào sổ / Ngày đăng ký thường trú /
Ngày nhập khẩu" column in its many spellings, read like birth dates, with row and column errors for dates
that are not possible; residents take their household's date; a re-import never makes a household newer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from binhdan.registry.importing import normalise as norm
from binhdan.registry.importing import prepare
from binhdan.registry.importing.columns import field_for_header
from binhdan.registry.importing.plan import analyse, commit
from binhdan.registry.models import Household, Resident
from binhdan.registry.tests import workbooks as wb


def check(commune, data, name="ds.xlsx"):
    table, layout = prepare(data, name, commune=commune, sheet="")
    return analyse(
        rows=table.rows, data_start=layout.data_start, columns={c.index: c.header for c in layout.columns},
        mapping=layout.mapping(), commune=commune,
        segments=table.segments(header_row=layout.header_row, data_start=layout.data_start),
    )  # fmt: skip


def errors_of(analysis):
    return [(e.row, e.column, e.message) for e in sorted(analysis.errors, key=lambda e: e.row)]


def future() -> str:
    return (timezone.localdate() + dt.timedelta(days=2)).strftime("%d/%m/%Y")


@pytest.mark.parametrize(
    "header",
    [
        "Ngày vào sổ", "NGÀY VÀO SỔ", "Ngay vao so", "Ngày đăng ký", "Ngày đăng kí", "Ngày nhập khẩu",
        "Ngay nhap khau", "Ngày đăng ký thường trú", "Ngày ĐK thường trú", "Ngày ĐKTT", "Ngày ĐK", "Ngày NK",
        "Ngày, tháng, năm nhập khẩu", "Ngày đăng ký thường trú (dd/mm/yyyy)", "Ngày nhập hộ khẩu",
        wb.nfd("Ngày đăng ký thường trú"),
    ],
)  # fmt: skip
def test_registration_date_headers(header):
    assert field_for_header(header) == "registered_on"


@pytest.mark.parametrize(
    "header", ["Ngày sinh", "Chuyển đi ngày", "Ngày đăng ký tài khoản VNeID", "Ngày đăng ký VNeID mức 2"]
)
def test_other_dates_are_not_the_registration_date(header):
    assert field_for_header(header) != "registered_on"


def test_registration_dates_are_read_like_birth_dates():
    today = dt.date(2026, 6, 1)
    read = lambda value: norm.registration_date(value, today=today)  # noqa: E731
    assert read(dt.datetime(2001, 5, 2)) == dt.date(2001, 5, 2)
    assert (
        read("02/05/2001")
        == read("2-5-2001")
        == read("02.05.01")
        == read("2001-05-02")
        == dt.date(2001, 5, 2)
    )
    assert read(40000) == read(40000.0) == dt.date(2009, 7, 6)  # an Excel day number
    for value, message in [
        ("30/02/2025", "Ngày vào sổ “30/02/2025” không có thật."),
        ("2025-02-30", "Ngày vào sổ “2025-02-30” không có thật."),
        ("01/01/99999", "Không đọc được ngày vào sổ “01/01/99999”."),
        (99999, "Ngày vào sổ “99999” không hợp lệ."),
        (2005, "Ngày vào sổ “2005” chỉ có năm"),
        ("2005", "Ngày vào sổ “2005” thiếu ngày hoặc tháng"),
        ("03/2005", "Ngày vào sổ “03/2005” thiếu ngày hoặc tháng"),
        ("02/06/2026", "Ngày vào sổ 02/06/2026 ở tương lai."),
        ("01/01/1900", "cách đây hơn 120 năm"),
        ("chưa rõ", "Không đọc được ngày vào sổ “chưa rõ”."),
        (True, "Không đọc được ngày vào sổ “True”."),
    ]:
        with pytest.raises(norm.CellError) as caught:
            read(value)
        assert message in str(caught.value), (value, str(caught.value))


def resident_rows() -> list[list[object]]:
    """Rows 7 onwards of the resident list (columns: STT, name, born male, born female, relation, date, address)."""
    return [
        ["I. Thôn Đông", "", "", "", "", "", ""],  # 7: section
        [1, wb.nfd("Nguyễn Văn An"), 1955, "", "Chủ hộ", dt.datetime(1990, 3, 15), "Xóm 1, Thôn Đông"],  # 8
        [2, "Lê Thị Bé", "", 1958, "Vợ", "20/08/1980", ""],  # 9: earlier than the head: the household's date
        [3, "Nguyễn Văn Cường", "12/10/1985", "", "Con trai", "", ""],  # 10: inherits, not before birth
        [4, "Nguyễn Thị Dung", "", 2010, "Con gái", "31/02/2011", ""],  # 11: impossible date
        [5, "Trần Văn Em", 1970, "", "Chủ hộ", "", "Xóm 2"],  # 12: no date at all: the import day
        [6, "Phạm Thị Gấm", "", 1972, "Vợ", "FUTURE", ""],  # 13: in the future
        [7, "Vũ Văn Hùng", 1995, "", "Chủ hộ", "01/01/1990", "Xóm 3"],  # 14: before birth
        [8, "Đỗ Văn Khải", 1980, "", "Chủ hộ", 2005, "Xóm 4"],  # 15: a year alone
        [9, "Hà Thị Lệ", "", 1985, "Chủ hộ", 40000, "Xóm 5"],  # 16: an Excel day number: 06/07/2009
        [10, "Hà Văn Mạnh", "05/05/2012", "", "Con", "", ""],  # 17: inherits 06/07/2009 → born 05/05/2012
        ["Cộng: 10 nhân khẩu", "", "", "", "", "", ""],  # 18
        ["", "", "", "", "", "Sơn Đông, ngày 10 tháng 3 năm 2025", ""],  # 19
        ["", "Người lập biểu", "", "", "", "TRƯỞNG CÔNG AN XÃ", ""],  # 20
    ]  # fmt: skip


def test_resident_list_with_registration_dates(world):
    rows = resident_rows()
    rows[6][5] = future()
    analysis = check(world.commune, wb.lifecycle_resident_list_xlsx(rows))
    column = "Ngày ĐK thường trú"
    assert errors_of(analysis) == [
        (11, column, "Ngày vào sổ “31/02/2011” không có thật. Hãy viết ngày/tháng/năm, ví dụ 15/03/2010."),
        (13, column, f"Ngày vào sổ {future()} ở tương lai."),
        (14, column, "Ngày vào sổ 01/01/1990 trước năm sinh (1995)."),
        (15, column, "Ngày vào sổ “2005” chỉ có năm. Hãy viết ngày/tháng/năm, ví dụ 15/03/2010."),
    ]
    commit(analysis, by=world.officer, commune=world.commune, filename="nk.xlsx")
    today = timezone.localdate()
    an = Household.objects.get(head_name="Nguyễn Văn An")
    assert an.registered_on == dt.date(1980, 8, 20)  # the earliest date of its people
    dates = dict(an.residents.values_list("full_name", "registered_on"))
    assert dates == {
        "Nguyễn Văn An": dt.date(1990, 3, 15),
        "Lê Thị Bé": dt.date(1980, 8, 20),
        "Nguyễn Văn Cường": dt.date(1985, 10, 12),  # the household's date, but not before his birth
    }
    em = Household.objects.get(head_name="Trần Văn Em")
    assert em.registered_on == today and em.residents.get().registered_on == today
    le = Household.objects.get(head_name="Hà Thị Lệ")
    assert le.registered_on == dt.date(2009, 7, 6)
    assert dict(le.residents.values_list("full_name", "registered_on")) == {
        "Hà Thị Lệ": dt.date(2009, 7, 6), "Hà Văn Mạnh": dt.date(2012, 5, 5),
    }  # fmt: skip
    assert not Household.objects.filter(head_name__in=["Vũ Văn Hùng", "Đỗ Văn Khải"]).exists()


def household_rows() -> list[list[object]]:
    """Rows 8 onwards of the household list (STT, head, born, village, address, date, note)."""
    return [
        [1, "Nguyễn Văn Bình", 1958, "Thôn Đông", "Xóm 1", dt.datetime(2001, 5, 2), ""],  # 8
        [2, "TRẦN THỊ CÚC", 2003, "thon dong", "Xóm 2", "15/03/99", ""],  # 9: dd/mm/yy
        [3, "Lê Văn Dũng", 1970, "Thôn Tây", "Xóm 3", "", "chưa rõ ngày"],  # 10: none: the import day
        [4, "Phạm Thị Em", 1980, "Thôn Tây", "Xóm 4", "2025-02-30", ""],  # 11: impossible
        [5, "Hoàng Văn Gia", 1975, "Thôn Tây", "Xóm 5", "01/01/99999", ""],  # 12: year 99999
        [6, "Đinh Văn Hải", 1960, "Thôn Tây", "Xóm 6", "FUTURE", ""],  # 13: future
    ]  # fmt: skip


def test_household_list_with_registration_dates_and_reimport(world):
    rows = household_rows()
    rows[5][5] = future()
    analysis = check(world.commune, wb.lifecycle_household_list_xlsx(rows))
    assert [(row, column) for row, column, _ in errors_of(analysis)] == [
        (11, "Ngày nhập khẩu"), (12, "Ngày nhập khẩu"), (13, "Ngày nhập khẩu"),
    ]  # fmt: skip
    assert "“2025-02-30” không có thật" in errors_of(analysis)[0][2]
    assert "“01/01/99999”" in errors_of(analysis)[1][2]
    commit(analysis, by=world.officer, commune=world.commune, filename="ho.xlsx")
    today = timezone.localdate()
    binh = Household.objects.get(head_name="Nguyễn Văn Bình")
    cuc = Household.objects.get(head_name="Trần Thị Cúc")
    dung = Household.objects.get(head_name="Lê Văn Dũng")
    assert (binh.registered_on, cuc.registered_on, dung.registered_on) == (
        dt.date(2001, 5, 2),
        dt.date(1999, 3, 15),
        today,
    )
    # The head takes the household's date, but a head born after it is registered from 1 January of the birth year.
    assert binh.residents.get().registered_on == dt.date(2001, 5, 2)
    assert cuc.residents.get().registered_on == dt.date(2003, 1, 1)

    # Next year's list: a later date never makes a household newer; an earlier one corrects it.
    again = [row[:] for row in household_rows()[:3]]
    again[0][5] = "01/01/2010"
    again[1][5] = "15/03/1990"
    again[2][5] = "01/01/2000"
    analysis = check(world.commune, wb.lifecycle_household_list_xlsx(again))
    assert errors_of(analysis) == []
    counts = commit(analysis, by=world.officer, commune=world.commune, filename="ho-2026.xlsx")
    assert counts["households_created"] == 0 and counts["households_updated"] == 2
    binh.refresh_from_db(), cuc.refresh_from_db(), dung.refresh_from_db()
    assert (binh.registered_on, cuc.registered_on, dung.registered_on) == (
        dt.date(2001, 5, 2), dt.date(1990, 3, 15), dt.date(2000, 1, 1),
    )  # fmt: skip
    assert binh.residents.get().registered_on == dt.date(2001, 5, 2)
    assert dung.residents.get().registered_on == dt.date(2000, 1, 1)
    assert Household.objects.filter(village__parent=world.commune).count() == 3 + 2  # the world's two


def test_without_a_date_column_registration_is_the_import_day(world):
    rows = [row[:5] for row in household_rows()[:2]]
    header = wb.LIFECYCLE_HOUSEHOLD_HEADER[:5]
    analysis = check(world.commune, wb.lifecycle_household_list_xlsx(rows, header=header))
    assert errors_of(analysis) == []
    commit(analysis, by=world.officer, commune=world.commune, filename="ho.xlsx")
    today = timezone.localdate()
    assert set(
        Household.objects.filter(head_name__in=["Nguyễn Văn Bình", "Trần Thị Cúc"]).values_list(
            "registered_on", flat=True
        )
    ) == {today}
    assert set(
        Resident.objects.filter(full_name="Nguyễn Văn Bình").values_list("registered_on", flat=True)
    ) == {today}


def test_a_moved_away_column_is_left_out(world):
    header = [*wb.LIFECYCLE_HOUSEHOLD_HEADER[:5], "Chuyển đi ngày"]
    rows = [[1, "Nguyễn Văn Bình", 1958, "Thôn Đông", "Xóm 1", "01/01/2020"]]
    _table, layout = prepare(
        wb.lifecycle_household_list_xlsx(rows, header=header), "ho.xlsx", commune=world.commune
    )
    assert layout.mapping()["5"] == "ignore"
    analysis = check(world.commune, wb.lifecycle_household_list_xlsx(rows, header=header))
    commit(analysis, by=world.officer, commune=world.commune, filename="ho.xlsx")
    household = Household.objects.get(head_name="Nguyễn Văn Bình")
    assert household.left_on is None and household.registered_on == timezone.localdate()
