"""Import of real commune lists as an officer sent them (issue 8, points 13-20): birth dates, namesakes,
villages inside addresses, marks in two-category columns, the product's own export, several sheets,
footers, CSV encodings, and the error workbook."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from binhdan.accounts.models import AuditEvent
from binhdan.places.models import Kind, Level, Place
from binhdan.registry import importing
from binhdan.registry.exporting import export_registry
from binhdan.registry.forms import MAX_AGE_YEARS, ResidentForm, StatusObservationForm
from binhdan.registry.importing import prepare
from binhdan.registry.importing.plan import analyse, commit
from binhdan.registry.importing.report import error_workbook
from binhdan.registry.models import (
    CommuneSettings,
    Evidence,
    Gender,
    Household,
    ImportBatch,
    Relation,
    Resident,
    StatusField,
)
from binhdan.registry.tests import workbooks as wb

HEADER = ["STT", "Họ tên chủ hộ", "Năm sinh", "Thôn", "Địa chỉ", "SĐT", "Số CCCD"]


@pytest.fixture
def ids_kept(world):
    CommuneSettings.objects.update_or_create(commune=world.commune, defaults={"store_citizen_ids": True})
    return world


def check(commune, data, name="ds.xlsx", **options):
    table, layout = prepare(data, name, commune=commune, sheet=options.pop("sheet", ""))
    return analyse(
        rows=table.rows, data_start=layout.data_start, columns={c.index: c.header for c in layout.columns},
        mapping=layout.mapping(), commune=commune,
        segments=table.segments(header_row=layout.header_row, data_start=layout.data_start), **options,
    )  # fmt: skip


def errors_of(analysis):
    return [(e.row, e.column, e.message) for e in sorted(analysis.errors, key=lambda e: e.row)]


def run_command(commune, data, name, tmp_path, *args):
    path = tmp_path / name
    path.write_bytes(data)
    out = io.StringIO()
    call_command("import_registry", str(path), "--commune", commune.code, "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def upload(client, data, name="ds.xlsx", **extra):
    return client.post(reverse("registry:import_start"), {"file": SimpleUploadedFile(name, data), **extra})


# --- 15: birth dates ---------------------------------------------------------------------------------


def test_a_birth_year_in_the_future_is_refused_not_stored_as_1905(world):
    year = timezone.localdate().year
    rows = [
        [1, "Nguyễn Văn Một", year + 30, "Thôn Đông"],  # 5: was read as an Excel day number: 1905, "121 tuổi"
        [2, "Trần Văn Hai", str(year + 73), "Thôn Đông"],  # 6
        [3, "Lê Văn Ba", dt.datetime(year + 4, 1, 1), "Thôn Đông"],  # 7
        [4, "Phạm Văn Bốn", year - MAX_AGE_YEARS - 1, "Thôn Đông"],  # 8: too old to be alive
        [5, "Hồ Văn Năm", "05/09/58", "Thôn Đông"],  # 9: two-digit year
        [6, "Vũ Văn Sáu", 58, "Thôn Đông"],  # 10
        [7, "Đỗ Văn Bảy", "12/03/05", "Thôn Đông"],  # 11: 2005, not 1905
    ]
    analysis = check(world.commune, wb.one_sheet(HEADER, rows))
    assert errors_of(analysis) == [
        (5, "Năm sinh", f"Năm sinh {year + 30} ở tương lai."),
        (6, "Năm sinh", f"Năm sinh {year + 73} ở tương lai."),
        (7, "Năm sinh", f"Ngày sinh 01/01/{year + 4} ở tương lai."),
        (8, "Năm sinh", f"Năm sinh {year - MAX_AGE_YEARS - 1} cách đây hơn {MAX_AGE_YEARS} năm; "
                        f"năm sinh phải từ {year - MAX_AGE_YEARS} đến {year}."),
    ]  # fmt: skip
    commit(analysis, by=world.officer, commune=world.commune, filename="ds.xlsx")
    born = dict(
        Resident.objects.filter(household__village=world.village_a).values_list("full_name", "birth_date")
    )
    assert born["Hồ Văn Năm"] == dt.date(1958, 9, 5) and born["Đỗ Văn Bảy"] == dt.date(2005, 3, 12)
    assert Resident.objects.get(full_name="Vũ Văn Sáu").birth_year == 1958
    assert not Resident.objects.filter(birth_year__lt=year - MAX_AGE_YEARS).exists()


def test_the_web_resident_form_applies_the_same_birth_rule(db):
    year = timezone.localdate().year
    base = {"full_name": "Nguyễn Văn Một", "gender": Gender.MALE, "relation": Relation.HEAD}
    future = ResidentForm({**base, "birth_year": year + 30})
    assert not future.is_valid() and future.errors["birth_year"] == [f"Năm sinh {year + 30} ở tương lai."]
    old = ResidentForm({**base, "birth_year": year - MAX_AGE_YEARS - 1})
    assert not old.is_valid() and "cách đây hơn 120 năm" in old.errors["birth_year"][0]
    day = ResidentForm({**base, "birth_date": f"01/01/{year + 1}"})
    assert not day.is_valid() and day.errors["birth_date"] == [f"Ngày sinh 01/01/{year + 1} ở tương lai."]
    assert ResidentForm({**base, "birth_year": 1958}).is_valid()


def test_an_observation_dated_before_the_persons_birth_is_refused(db):
    born = Resident(full_name="Lò Thị Em", birth_date=dt.date(2010, 5, 1), birth_year=2010)
    data = {"field": StatusField.SMARTPHONE, "value": 1, "evidence": Evidence.SEEN}
    early = StatusObservationForm({**data, "observed_on": "01/01/2009"}, resident=born)
    assert not early.is_valid()
    assert early.errors["observed_on"] == [
        "Ngày ghi nhận 01/01/2009 trước ngày sinh của người này (01/05/2010)."
    ]
    assert StatusObservationForm({**data, "observed_on": "02/05/2010"}, resident=born).is_valid()
    year_only = Resident(full_name="Lò Văn Út", birth_year=2012)
    assert not StatusObservationForm({**data, "observed_on": "31/12/2011"}, resident=year_only).is_valid()


# --- 16: namesakes -----------------------------------------------------------------------------------


def test_namesakes_are_kept_and_a_likely_duplicate_is_a_warning(ids_kept):
    rows = [
        [1, "Nguyễn Văn An", 1950, "Thôn Đông", "", "0912000001", ""],  # 5
        [2, "Nguyễn Văn An", 1985, "Thôn Đông", "", "0912000002", ""],  # 6: another man of the same name
        [3, "Nguyễn Văn An", "", "Thôn Đông", "", "", ""],  # 7: nothing to tell: kept, with a warning
        [4, "Nguyễn Văn An", 1950, "Thôn Đông", "", "", ""],  # 8: the same head as row 5
        [5, "Trần Văn Bình", 1960, "Thôn Đông", "", "", "001060000001"],  # 9
        [6, "Trần Văn Bình", 1960, "Thôn Đông", "", "", "001060000002"],  # 10: same year, another ID
        [7, "Nguyễn Văn An", 1950, "Thôn Tây", "", "", ""],  # 11: another village
    ]
    analysis = check(ids_kept.commune, wb.one_sheet(HEADER, rows))
    assert errors_of(analysis) == [(8, "Họ tên chủ hộ", "Trùng với hộ ở dòng 5.")]
    warnings = analysis.summary()["warnings"]
    assert [(w["row"], w["column"]) for w in warnings] == [(7, "Họ tên chủ hộ")]
    assert warnings[0]["message"].startswith("Có thể trùng với hộ ở dòng 5")
    assert analysis.counts()["households"] == 6


def test_twenty_thousand_rows_with_namesakes_lose_nothing(ids_kept):
    """272 rows of a 20,000-row list were refused as duplicates although birth year, phone or ID differed."""
    families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
    given = ["An", "Bình", "Cường", "Dũng", "Hùng", "Long", "Nam", "Sơn", "Tâm", "Vinh"]
    names = [f"{f} Văn {g}" for f in families for g in given]  # 100 names for 20,000 heads
    rows: list[list[object]] = []
    for i in range(20000):
        # (name, village, year) repeats every 1,200 rows: those namesakes differ by ID and phone
        year = 1940 + (i // 200) % 6
        rows.append([i + 1, names[i % 100], year, ("Thôn Đông", "Thôn Tây")[(i // 100) % 2], "",
                     f"09{i:08d}", f"0010{i:08d}"])  # fmt: skip
    analysis = check(ids_kept.commune, wb.one_sheet(HEADER, rows, footer=False))
    assert analysis.errors == []
    assert analysis.counts()["households"] == 20000
    before = Household.objects.count()
    commit(analysis, by=ids_kept.officer, commune=ids_kept.commune, filename="ds.xlsx")
    assert Household.objects.count() == before + 20000
    again = check(ids_kept.commune, wb.one_sheet(HEADER, rows, footer=False)).counts()
    assert (again["households_created"], again["households_unchanged"]) == (0, 20000)


def test_a_namesake_in_the_registry_is_not_overwritten(world, tmp_path):
    first = [[1, "Nguyễn Văn Bình", 1958, "Thôn Đông", "Xóm 1", "0912000001", ""]]
    run_command(world.commune, wb.one_sheet(HEADER, first), "a.xlsx", tmp_path)
    other = [[1, "Nguyễn Văn Bình", 1990, "Thôn Đông", "Xóm 1", "0912999999", ""]]
    result = run_command(world.commune, wb.one_sheet(HEADER, other), "b.xlsx", tmp_path)
    assert (result["households_created"], result["households_updated"]) == (1, 0)
    phones = set(Household.objects.filter(head_name="Nguyễn Văn Bình").values_list("phone", flat=True))
    assert phones == {"0912000001", "0912999999"}


# --- 17: villages inside the address -----------------------------------------------------------------


@pytest.fixture
def nghia_hanh(world):
    province = Place.objects.create(code="51", name="Quảng Ngãi", kind=Kind.TINH, level=Level.PROVINCE)
    return Place.objects.create(
        code="21550", name="Xã Nghĩa Hành", kind=Kind.XA, level=Level.COMMUNE, parent=province
    )


POLICE_HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Quan hệ với chủ hộ", "Nơi thường trú"]
POLICE_ROWS: list[list[object]] = [
    [1, "Trương Văn Lực", "02/03/1961", "Nam", "Chủ hộ", "Xóm 3, xã Nghĩa Hành, tỉnh Quảng Ngãi"],  # 5
    [2, "Trương Thị Mơ", "1990", "Nữ", "Con", "Xóm 3, xã Nghĩa Hành, tỉnh Quảng Ngãi"],  # 6
    [3, "Đinh Văn Nở", 1970, "Nam", "Chủ hộ", "thôn An Hoà, xa nghia hanh, Quảng Ngãi"],  # 7: no accents
    [
        4,
        "Lâm Văn Ổi",
        1980,
        "Nam",
        "Chủ hộ",
        "Tổ dân phố 2, xã Hành Thiện, tỉnh Quảng Ngãi",
    ],  # 8: other commune
    [5, "Mai Văn Phúc", 1982, "Nam", "Chủ hộ", "tỉnh Quảng Ngãi"],  # 9: no village at all
]


def test_the_village_is_taken_from_the_address_and_created_when_asked(nghia_hanh):
    analysis = check(nghia_hanh, wb.one_sheet(POLICE_HEADER, POLICE_ROWS), create_villages=True)
    s = analysis.summary()
    assert s["new_villages"] == ["Thôn An Hoà", "Tổ dân phố 2", "Xóm 3"]
    assert [(e.row, e.column) for e in analysis.errors] == [(9, "Nơi thường trú")]
    assert analysis.errors[0].message.startswith("Địa chỉ “tỉnh Quảng Ngãi” không ghi thôn, xóm, tổ dân phố")
    assert [(w["row"], w["message"]) for w in s["warnings"]] == [
        (8, "Địa chỉ ghi “xã Hành Thiện”, không phải Xã Nghĩa Hành: hãy kiểm tra hộ này có thuộc xã không.")
    ]
    commit(analysis, by=None, commune=nghia_hanh, filename="ca.xlsx")
    xom = Place.objects.get(parent=nghia_hanh, name="Xóm 3")
    assert xom.kind == Kind.XOM
    assert Household.objects.get(head_name="Trương Văn Lực").village == xom
    assert Resident.objects.get(full_name="Trương Thị Mơ").household.village == xom
    assert Place.objects.get(parent=nghia_hanh, name="Tổ dân phố 2").kind == Kind.TO_DAN_PHO


def test_without_creating_villages_the_message_names_the_village_found(nghia_hanh):
    analysis = check(nghia_hanh, wb.one_sheet(POLICE_HEADER, POLICE_ROWS[:1]))
    assert errors_of(analysis) == [
        (5, "Nơi thường trú", "Thôn “Xóm 3” (trong địa chỉ) chưa có trong Xã Nghĩa Hành. Hãy thêm thôn trước, "
                              "hoặc chọn “Tạo thôn mới khi chưa có”."),
    ]  # fmt: skip
    assert "hãy ghi tên thôn" not in analysis.errors[0].message


# --- 18: marks in a column that names two categories -------------------------------------------------

POVERTY_HEADER = ["STT", "Họ tên chủ hộ", "Năm sinh", "Thôn", "Hộ nghèo/cận nghèo"]
POVERTY_ROWS: list[list[object]] = [
    [1, "Hà Văn Một", 1950, "Thôn Đông", "x"],  # 5
    [2, "Hà Văn Hai", 1951, "Thôn Đông", "X"],  # 6
    [3, "Hà Văn Ba", 1952, "Thôn Đông", ""],  # 7
    [4, "Hà Văn Bốn", 1953, "Thôn Đông", "Cận nghèo"],  # 8
]


def test_a_mark_in_a_two_category_column_is_asked_once_then_applied(world):
    analysis = check(world.commune, wb.one_sheet(POVERTY_HEADER, POVERTY_ROWS))
    questions = analysis.summary()["questions"]
    assert [(q["index"], q["header"], [(v["shown"], v["rows"]) for v in q["values"]]) for q in questions] == [
        (4, "Hộ nghèo/cận nghèo", [("x", 2)])
    ]
    assert [code for code, _ in questions[0]["choices"]] == ["poor", "near_poor", "none"]
    answered = check(world.commune, wb.one_sheet(POVERTY_HEADER, POVERTY_ROWS), meanings={"4": {"x": "poor"}})
    assert answered.errors == [] and answered.summary()["questions"] == []
    commit(answered, by=world.officer, commune=world.commune, filename="ds.xlsx")
    flags = dict(Household.objects.filter(head_name__startswith="Hà Văn").values_list("head_name", "is_poor"))
    assert flags == {"Hà Văn Một": True, "Hà Văn Hai": True, "Hà Văn Ba": False, "Hà Văn Bốn": False}
    assert Household.objects.get(head_name="Hà Văn Bốn").is_near_poor


def test_the_preview_asks_what_a_mark_means_and_keeps_the_answer(world, client_for):
    client = client_for(world.officer)
    upload(client, wb.one_sheet(POVERTY_HEADER, POVERTY_ROWS), commune=world.commune.pk)
    batch = ImportBatch.objects.get()
    page = client.get(reverse("registry:import_batch", args=[batch.pk])).content.decode()
    assert "Giá trị cần làm rõ" in page and 'name="gt_4_0"' in page and "“x” (2 dòng) nghĩa là" in page
    assert batch.summary["error_rows"] == 2
    client.post(reverse("registry:import_values", args=[batch.pk]), {"gt_4_0": "near_poor"})
    batch.refresh_from_db()
    assert batch.columns[4]["values"] == {"x": "near_poor"}
    assert (batch.summary["error_rows"], batch.summary["questions"]) == (0, [])
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert (
        Household.objects.filter(head_name__in=["Hà Văn Một", "Hà Văn Hai"], is_near_poor=True).count() == 2
    )
    assert (
        "Giá trị cần làm rõ"
        not in client.get(reverse("registry:import_batch", args=[batch.pk])).content.decode()
    )


def test_an_answer_outside_the_choices_changes_nothing(world, client_for):
    client = client_for(world.officer)
    upload(client, wb.one_sheet(POVERTY_HEADER, POVERTY_ROWS), commune=world.commune.pk)
    batch = ImportBatch.objects.get()
    response = client.post(reverse("registry:import_values", args=[batch.pk]), {"gt_4_0": "'; DROP TABLE"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert "values" not in batch.columns[4] and batch.summary["error_rows"] == 2
    other = client_for(world.other_officer)
    assert (
        other.post(reverse("registry:import_values", args=[batch.pk]), {"gt_4_0": "poor"}).status_code == 404
    )


def test_the_command_takes_value_meanings(world, tmp_path):
    data = wb.one_sheet(POVERTY_HEADER, POVERTY_ROWS)
    refused = run_command(world.commune, data, "ds.xlsx", tmp_path, "--dry-run")
    assert refused["error_rows"] == 2 and refused["questions"][0]["values"][0]["shown"] == "x"
    result = run_command(world.commune, data, "ds.xlsx", tmp_path, "--value", "E:x=poor")
    assert result["committed"] is True and result["error_rows"] == 0
    assert Household.objects.filter(head_name="Hà Văn Một", is_poor=True).exists()
    by_header = run_command(
        world.commune, data, "ds.xlsx", tmp_path, "--dry-run", "--value", "ho ngheo/can ngheo:X=none"
    )
    assert by_header["error_rows"] == 0
    with pytest.raises(CommandError, match="--value"):
        run_command(world.commune, data, "ds.xlsx", tmp_path, "--value", "E:x=rich")


# --- 19: the product's own export --------------------------------------------------------------------


def test_reimporting_the_export_matches_households_by_system_id(world, tmp_path):
    Household.objects.filter(pk=world.household_a.pk).update(number="ĐÔNG-07")
    Household.objects.filter(pk=world.household_b.pk).update(number="TÂY-01")
    data, _counts = export_registry(world.commune)
    result = run_command(world.commune, data, "so-ho.xlsx", tmp_path)
    assert result["errors"] == [] and result["committed"] is True
    assert (result["households_created"], result["households_updated"]) == (0, 0)
    assert result["sheets"]["read"] == ["Hộ gia đình"]
    assert result["sheets"]["skipped"] == [
        {"sheet": "Nhân khẩu", "reason": "các cột khác với trang đầu tiên được đọc"}
    ]
    numbers = dict(Household.objects.values_list("pk", "number"))
    assert numbers[world.household_a.pk] == "ĐÔNG-07" and numbers[world.household_b.pk] == "TÂY-01"


def test_a_system_id_of_another_commune_is_a_row_error(world, tmp_path):
    data, _counts = export_registry(world.commune)
    book = load_workbook(io.BytesIO(data))
    sheet = book["Hộ gia đình"]
    sheet["A2"] = world.household_c.pk  # a household of Xã Tam Sơn
    sheet["D2"] = "Người Lạ"
    out = io.BytesIO()
    book.save(out)
    result = run_command(world.commune, out.getvalue(), "so-ho.xlsx", tmp_path, "--dry-run")
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(2, "Mã hộ (hệ thống)")]
    assert "không có trong sổ hộ của Xã Sơn Đông" in result["errors"][0]["message"]
    assert Household.objects.get(pk=world.household_c.pk).head_name == "Bùi Thị Lan"


# --- 20: sheets, footers, headers, encodings, the error workbook after a commit ---------------------

VILLAGE_HEADER = ["STT", "Họ tên chủ hộ", "Sinh năm", "SĐT"]


def test_every_sheet_with_the_same_columns_is_read_and_named(world):
    data = wb.workbook_of_sheets({
        "Thôn Đông": (VILLAGE_HEADER, [[1, "Cao Văn A", 1960, ""], [2, "Cao Văn B", 1961, ""]]),
        "Thôn Tây": (VILLAGE_HEADER, [[1, "Cao Văn C", 1962, ""], [2, "Cao Văn D", "31/02/1963", ""]]),
        "Thôn Mới": (VILLAGE_HEADER, [[1, "Cao Văn E", 1964, ""]]),
        "Ghi chú": (["Nội dung"], [["Danh sách do thôn gửi"]]),
    })  # fmt: skip
    _table, layout = prepare(data, "ds.xlsx", commune=world.commune)
    assert layout.sheets_read == ["Thôn Đông", "Thôn Tây", "Thôn Mới"]
    assert [s["sheet"] for s in layout.sheets_skipped] == ["Ghi chú"]
    analysis = check(world.commune, data, create_villages=True)
    s = analysis.summary()
    assert (s["households"], s["error_rows"], s["skipped_footer"]) == (4, 1, 12)
    assert [(e["sheet"], e["sheet_row"], e["column"]) for e in s["errors"]] == [("Thôn Tây", 6, "Sinh năm")]
    assert s["new_villages"] == ["Thôn Mới"]
    commit(analysis, by=world.officer, commune=world.commune, filename="ds.xlsx")
    assert Household.objects.get(head_name="Cao Văn C").village == world.village_b
    assert Household.objects.get(head_name="Cao Văn E").village.name == "Thôn Mới"
    assert not Household.objects.filter(
        head_name__in=["Sơn Đông", "Nguyễn Văn Xã", "Người lập biểu"]
    ).exists()


def test_a_sheet_can_be_chosen_and_an_unknown_one_is_named(world):
    data = wb.workbook_of_sheets({
        "Thôn Đông": (VILLAGE_HEADER, [[1, "Cao Văn A", 1960, ""]]),
        "Thôn Tây": (VILLAGE_HEADER, [[1, "Cao Văn C", 1962, ""]]),
    })  # fmt: skip
    _table, layout = prepare(data, "ds.xlsx", commune=world.commune, sheet="thon tay")
    assert layout.sheets_read == ["Thôn Tây"]
    with pytest.raises(importing.UnreadableFile, match="Tệp không có trang “Thôn Nam”"):
        prepare(data, "ds.xlsx", commune=world.commune, sheet="Thôn Nam")


def test_the_date_line_and_signatures_under_the_table_are_a_footer(world):
    """Under the table: "Sơn Đông" | "ngày 30 tháng 11 năm 2026" (the place in the name column), then
    "TM. UBND" alone, "Người lập biểu" and a signer's name: none of them is a household."""
    rows = [[1, "Cao Văn A", 1960, "Thôn Đông"], [2, "Cao Văn B", 1961, "Thôn Đông"]]
    data = wb.one_sheet(["STT", "Họ và tên", "Sinh năm", "Thôn"], rows)
    _table, layout = prepare(data, "ds.xlsx", commune=world.commune)
    assert {c.header: c.field for c in layout.columns}["Sinh năm"] == "birth"
    analysis = check(world.commune, data)
    assert (analysis.errors, analysis.counts()["households"], analysis.counts()["skipped_footer"]) == (
        [],
        2,
        4,
    )
    assert [h.fields["head_name"] for h in analysis.households] == ["Cao Văn A", "Cao Văn B"]


def _csv_lines() -> list[str]:
    return [
        "Họ và tên,Sinh năm,Thôn",
        "Nguyễn Thị Hường,1975,Thôn Đông",
        "Đặng Văn Ước,1980,Thôn Tây",
        '"Sơn Đông, ngày 30 tháng 11 năm 2026",,',
    ]


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"), id="utf-16-bom"),
        pytest.param(lambda text: text.encode("utf-16-le"), id="utf-16-le-no-bom"),
        pytest.param(lambda text: text.encode("utf-16-be"), id="utf-16-be-no-bom"),
        pytest.param(wb.cp1258, id="windows-1258"),
    ],
)
def test_csv_in_utf16_and_windows_1258(world, encode):
    analysis = check(world.commune, encode("\r\n".join(_csv_lines()) + "\r\n"), "ds.csv")
    assert analysis.errors == [] and analysis.counts()["households"] == 2
    commit(analysis, by=world.officer, commune=world.commune, filename="ds.csv")
    huong = Household.objects.get(head_name="Nguyễn Thị Hường")  # NFC, as typed
    assert huong.village == world.village_a
    assert Household.objects.get(head_name="Đặng Văn Ước").village == world.village_b


def test_the_error_workbook_is_still_downloadable_after_a_partial_commit(world, client_for):
    client = client_for(world.officer)
    upload(client, wb.household_list_xlsx(), commune=world.commune.pk)
    batch = ImportBatch.objects.get()
    client.post(reverse("registry:import_confirm", args=[batch.pk]), {"bo_qua_dong_loi": "1"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    page = client.get(reverse("registry:import_batch", args=[batch.pk])).content.decode()
    assert "Tải tệp có cột “Lỗi cần sửa”" in page
    response = client.get(reverse("registry:import_errors", args=[batch.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["Danh sách"]
    assert sheet["B12"].value == "Phạm Thị Em" and sheet["L12"].value.startswith("Thôn/Xóm: Thôn “Thôn Bắc”")
    assert sheet["B9"].value is None  # written to the registry: no longer kept
    client.post(reverse("registry:import_discard", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED and batch.table is None
    assert client.get(reverse("registry:import_errors", args=[batch.pk])).status_code == 404


# --- 14: the download is audited ---------------------------------------------------------------------


def test_downloading_the_error_workbook_is_audited(world, client_for):
    client = client_for(world.officer)
    upload(client, wb.resident_list_xlsx(), commune=world.commune.pk)
    batch = ImportBatch.objects.get()
    client.get(reverse("registry:import_errors", args=[batch.pk]))
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, object_type="ImportBatch")
    assert (event.user, event.place, event.object_id) == (world.officer, world.commune, str(batch.pk))
    assert "Tải tệp lỗi" in event.detail and "3 dòng lỗi" in event.detail


# --- 13: nothing in the error workbook is a formula --------------------------------------------------


def test_the_error_workbook_writes_formula_like_cells_as_text(world):
    hostile = ['=HYPERLINK("http://x.invalid","bấm")', "+84 912 345 678", "-1+2", "@SUM(A1)", "\t=1", "\r=2"]
    rows = [[n + 1, f"Võ Văn {chr(65 + n)}", "31/02/1960", "Thôn Đông", value, "", ""]
            for n, value in enumerate(hostile)]  # fmt: skip
    data = wb.one_sheet(HEADER, rows)
    table, layout = prepare(data, "ds.xlsx", commune=world.commune)
    analysis = check(world.commune, data)
    out = error_workbook(table, header_row=layout.header_row, errors=analysis.summary()["errors"])
    sheet = load_workbook(io.BytesIO(out))["Danh sách"]
    written = [
        (sheet.cell(row=5 + n, column=5).value, sheet.cell(row=5 + n, column=5).data_type) for n in range(6)
    ]
    assert written == [(table.rows[4 + n][4], "s") for n in range(6)]
    assert written[0][0] == hostile[0] and written[3][0] == "@SUM(A1)"
    with zipfile.ZipFile(io.BytesIO(out)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in archive.read(name).decode() and "<f " not in archive.read(name).decode()


# --- 5: no inline script on the import page ----------------------------------------------------------


def test_the_running_import_page_loads_its_script_from_a_file(world, client_for, settings, monkeypatch):
    monkeypatch.setattr(importing, "LARGE_FILE_ROWS", 1)
    client = client_for(world.officer)
    upload(client, wb.household_list_xlsx(), commune=world.commune.pk)
    batch = ImportBatch.objects.get()
    assert batch.job is not None
    page = client.get(reverse("registry:import_batch", args=[batch.pk])).content.decode()
    assert '<script src="/static/registry/import_batch.js" defer></script>' in page
    assert "<script>" not in page and " onclick=" not in page and " onload=" not in page
