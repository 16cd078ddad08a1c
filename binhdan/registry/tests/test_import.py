"""Import of real-looking messy commune lists: exact counts, exact error rows, nothing written by mistake."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from binhdan.accounts.models import AuditEvent
from binhdan.places.models import Place
from binhdan.registry.importing import prepare
from binhdan.registry.importing.plan import analyse, commit
from binhdan.registry.importing.reading import UnreadableFile
from binhdan.registry.importing.report import ERROR_HEADER, error_workbook
from binhdan.registry.models import CommuneSettings, Gender, Household, Relation, Resident
from binhdan.registry.tests import workbooks as wb


@pytest.fixture
def ids_kept(world):
    CommuneSettings.objects.update_or_create(commune=world.commune, defaults={"store_citizen_ids": True})
    return world


def check(world, data, name, **options):
    table, layout = prepare(data, name, commune=world.commune)
    return analyse(
        rows=table.rows, data_start=layout.data_start, columns={c.index: c.header for c in layout.columns},
        mapping=layout.mapping(), commune=world.commune, **options,
    )  # fmt: skip


def errors_of(analysis):
    return [(e["row"], e["column"]) for e in analysis.summary()["errors"]]


def snapshot():
    return (
        list(
            Household.objects.order_by("pk").values_list("pk", "head_name", "address", "phone", "updated_at")
        ),
        list(Resident.objects.order_by("pk").values_list("pk", "full_name", "birth_year", "updated_at")),
        Place.objects.count(),
    )


def run_command(world, data, name, tmp_path, *args):
    path = tmp_path / name
    path.write_bytes(data)
    out = io.StringIO()
    call_command("import_registry", str(path), "--commune", world.commune.code, "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_household_list_finds_the_header_below_title_rows_and_maps_columns(ids_kept):
    _table, layout = prepare(wb.household_list_xlsx(), "ds.xlsx", commune=ids_kept.commune)
    assert (layout.header_row, layout.data_start) == (5, 7)  # header on Excel row 6, numbering row 7 skipped
    fields = {c.header: c.field for c in layout.columns}
    assert fields == {
        "STT": "ignore", "Họ tên chủ hộ": "name", "Năm sinh": "birth", "Giới tính": "gender",
        "Số CCCD": "citizen_id", "Thôn/Xóm": "village", "Địa chỉ": "address", "Số nhân khẩu": "declared_size",
        "SĐT": "phone", "Hộ nghèo/cận nghèo": "poverty", "Ghi chú": "ignore",
    }  # fmt: skip


def test_household_list_counts_and_error_rows_are_exact(ids_kept):
    analysis = check(ids_kept, wb.household_list_xlsx(), "ds.xlsx")
    s = analysis.summary()
    assert (s["kind"], s["valid_rows"], s["error_rows"], s["households"], s["residents"]) == (
        "household",
        3,
        4,
        3,
        3,
    )
    assert (s["skipped_blank"], s["skipped_total"], s["skipped_footer"]) == (2, 1, 3)
    assert errors_of(analysis) == [
        (10, "Số CCCD"), (12, "Thôn/Xóm"), (13, "Năm sinh"), (13, "SĐT"), (14, "Họ tên chủ hộ"),
    ]  # fmt: skip
    messages = {(e["row"], e["column"]): e["message"] for e in s["errors"]}
    assert messages[(10, "Số CCCD")] == "Số định danh cá nhân phải gồm đúng 12 chữ số."
    assert messages[(12, "Thôn/Xóm")].startswith("Thôn “Thôn Bắc” không có trong Xã Sơn Đông.")
    assert messages[(14, "Họ tên chủ hộ")] == "Trùng với hộ ở dòng 8."


def test_without_citizen_ids_the_column_is_ignored_once_not_per_row(world):
    analysis = check(world, wb.household_list_xlsx(), "ds.xlsx")
    s = analysis.summary()
    assert (s["valid_rows"], s["error_rows"], s["households"]) == (4, 3, 4)
    assert [row for row, _ in errors_of(analysis)] == [12, 13, 13, 14]
    assert s["notices"] == [
        "Xã chưa chọn lưu số định danh cá nhân nên cột “Số CCCD” được bỏ qua: không số nào được lưu."
    ]
    commit(analysis, by=world.officer, commune=world.commune, filename="ds.xlsx")
    assert not Resident.objects.exclude(citizen_id_hash="").exists()
    assert not Resident.objects.exclude(citizen_id_masked="").exists()


def test_dry_run_writes_nothing(ids_kept, tmp_path):
    before = snapshot()
    result = run_command(ids_kept, wb.household_list_xlsx(), "ds.xlsx", tmp_path, "--dry-run")
    assert (result["valid_rows"], result["error_rows"], result["committed"]) == (3, 4, False)
    assert snapshot() == before


def test_a_file_with_errors_is_not_written_at_all(ids_kept, tmp_path):
    before = snapshot()
    result = run_command(ids_kept, wb.household_list_xlsx(), "ds.xlsx", tmp_path)
    assert result["committed"] is False and result["error_rows"] == 4
    assert snapshot() == before
    assert [(e["row"], e["column"]) for e in result["errors"]][:2] == [(10, "Số CCCD"), (12, "Thôn/Xóm")]


def test_skip_invalid_writes_the_valid_rows_normalised(ids_kept, tmp_path):
    result = run_command(ids_kept, wb.household_list_xlsx(), "ds.xlsx", tmp_path, "--skip-invalid")
    assert result["committed"] is True and result["households_created"] == 3
    binh = Household.objects.get(head_name="Nguyễn Văn Bình")  # arrived decomposed (NFD)
    assert (binh.village, binh.address, binh.phone, binh.is_poor, binh.declared_size) == (
        ids_kept.village_a, "Xóm 1", "0912345678", True, 4,
    )  # fmt: skip
    cuc = Household.objects.get(head_name="Trần Thị Cúc")
    assert (cuc.village, cuc.phone, cuc.is_near_poor) == (ids_kept.village_a, "0987654321", True)
    head = cuc.residents.get()
    assert (head.birth_date, head.gender, head.relation) == (
        dt.date(1962, 3, 5),
        Gender.FEMALE,
        Relation.HEAD,
    )
    hanh = Resident.objects.get(full_name="Đỗ Thị Hạnh")
    assert hanh.household.village == ids_kept.village_b  # "Tây" without the kind word
    assert (hanh.birth_date, hanh.citizen_id_masked) == (dt.date(1990, 7, 15), "0011******45")
    assert len(hanh.citizen_id_hash) == 64
    event = AuditEvent.objects.get(action=AuditEvent.Action.CHANGE, object_type="ImportBatch")
    assert event.place == ids_kept.commune and "3 hộ mới" in event.detail


def test_importing_the_same_file_again_changes_nothing(ids_kept, tmp_path):
    run_command(ids_kept, wb.household_list_xlsx(), "ds.xlsx", tmp_path, "--skip-invalid")
    before = snapshot()
    again = run_command(ids_kept, wb.household_list_xlsx(), "ds.xlsx", tmp_path, "--skip-invalid")
    assert (again["households_created"], again["households_updated"], again["households_unchanged"]) == (
        0,
        0,
        3,
    )
    assert (again["residents_created"], again["residents_updated"], again["residents_unchanged"]) == (0, 0, 3)
    assert snapshot() == before


def test_a_changed_phone_updates_the_matched_household_only(ids_kept, tmp_path):
    run_command(ids_kept, wb.household_list_xlsx(), "ds.xlsx", tmp_path, "--skip-invalid")
    rows = wb.household_rows()
    rows[0][8] = "0911 222 333"
    result = run_command(ids_kept, wb.household_list_xlsx(rows), "ds2.xlsx", tmp_path, "--skip-invalid")
    assert (result["households_created"], result["households_updated"], result["households_unchanged"]) == (
        0,
        1,
        2,
    )
    assert Household.objects.get(head_name="Nguyễn Văn Bình").phone == "0911222333"


def test_resident_list_groups_people_under_their_head(ids_kept):
    analysis = check(ids_kept, wb.resident_list_xlsx(), "nk.xlsx")
    s = analysis.summary()
    assert (s["kind"], s["valid_rows"], s["error_rows"], s["households"], s["residents"]) == (
        "resident",
        5,
        4,
        2,
        5,
    )
    assert (s["skipped_section"], s["skipped_total"], s["skipped_footer"], s["skipped_blank"]) == (2, 1, 3, 1)
    assert errors_of(analysis) == [
        (10, "Số định danh cá nhân"), (15, "Họ và tên"), (17, "Địa chỉ"), (18, "Quan hệ với chủ hộ"),
    ]  # fmt: skip
    commit(analysis, by=ids_kept.officer, commune=ids_kept.commune, filename="nk.xlsx")
    an = Household.objects.get(head_name="Nguyễn Văn An")
    people = {r.full_name: r for r in an.residents.all()}
    assert set(people) == {"Nguyễn Văn An", "Lê Thị Bé", "Nguyễn Thị Dung"}
    assert (people["Nguyễn Văn An"].gender, people["Nguyễn Văn An"].birth_year) == (Gender.MALE, 1955)
    assert (people["Lê Thị Bé"].gender, people["Lê Thị Bé"].birth_date) == (
        Gender.FEMALE,
        dt.date(1958, 1, 2),
    )
    assert people["Lê Thị Bé"].relation == Relation.SPOUSE
    assert (people["Nguyễn Thị Dung"].relation, people["Nguyễn Thị Dung"].ethnic_minority) == (
        Relation.CHILD,
        True,
    )
    em = Household.objects.get(head_name="Trần Văn Em")
    assert em.village == ids_kept.village_a  # from the "I. Thôn Đông" section row
    assert em.residents.get(relation=Relation.HEAD).phone == "0987654321"
    assert em.residents.count() == 2


def test_unknown_villages_are_created_when_asked(ids_kept):
    analysis = check(ids_kept, wb.resident_list_xlsx(), "nk.xlsx", create_villages=True)
    assert analysis.summary()["new_villages"] == ["Thôn Nam"]
    assert [row for row, _ in errors_of(analysis)] == [10, 15]
    commit(analysis, by=ids_kept.officer, commune=ids_kept.commune, filename="nk.xlsx")
    village = Place.objects.get(parent=ids_kept.commune, name="Thôn Nam")
    assert Household.objects.get(head_name="Vũ Văn Hùng").village == village


def test_the_same_citizen_id_in_two_rows_is_an_error(ids_kept):
    rows = wb.resident_rows()
    rows[6][5] = "079055000111"  # row 13 reuses the number of row 8
    analysis = check(ids_kept, wb.resident_list_xlsx(rows), "nk.xlsx")
    assert (13, "Số định danh cá nhân") in errors_of(analysis)
    assert "Số định danh trùng với dòng 8." in [e.message for e in analysis.errors]


def test_a_member_listed_before_any_head_is_an_error(ids_kept):
    rows = [[1, "Mai Văn Sơn", 1980, "", "Con", "", "Thôn Đông", "", ""]]
    analysis = check(ids_kept, wb.resident_list_xlsx(rows), "nk.xlsx")
    assert [(e.row, e.message) for e in analysis.errors] == [
        (7, "Chưa có dòng “Chủ hộ” của hộ này ở phía trên.")
    ]


def test_csv_with_bom_and_semicolons(ids_kept, tmp_path):
    result = run_command(ids_kept, wb.resident_list_csv(), "nk.csv", tmp_path, "--skip-invalid")
    assert (result["valid_rows"], result["error_rows"], result["households"], result["residents"]) == (
        3,
        2,
        2,
        3,
    )
    assert [(e["row"], e["column"]) for e in result["errors"]] == [
        (4, "Ngày sinh"),
        (5, "Quan hệ với chủ hộ"),
    ]
    tam = Household.objects.get(number="TY-01")
    assert (tam.head_name, tam.village, tam.residents.count()) == ("Đặng Văn Tâm", ids_kept.village_b, 2)


def test_xls_made_by_an_old_excel(ids_kept, tmp_path):
    result = run_command(ids_kept, wb.household_list_xls(), "ds.xls", tmp_path, "--dry-run")
    assert (result["valid_rows"], result["error_rows"], result["households"]) == (1, 1, 1)
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(6, "Thôn")]


def test_a_file_that_cannot_be_read_exits_non_zero(world, tmp_path):
    path = tmp_path / "hong.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="Không đọc được tệp"):
        call_command("import_registry", str(path), "--commune", world.commune.code, stdout=io.StringIO())
    with pytest.raises(UnreadableFile, match="Chỉ nhận"):
        prepare(b"x", "ds.pdf", commune=world.commune)


def test_json_output_for_an_unreadable_file(world, tmp_path):
    path = tmp_path / "hong.xlsx"
    path.write_bytes(b"not a workbook")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_registry", str(path), "--commune", world.commune.code, "--json", stdout=out)
    assert exit_info.value.code == 2
    assert json.loads(out.getvalue())["committed"] is False


def test_error_workbook_keeps_excel_rows_adds_errors_and_masks_ids(ids_kept):
    table, layout = prepare(wb.household_list_xlsx(), "ds.xlsx", commune=ids_kept.commune)
    analysis = check(ids_kept, wb.household_list_xlsx(), "ds.xlsx")
    data = error_workbook(table, header_row=layout.header_row, errors=analysis.summary()["errors"])
    sheet = load_workbook(io.BytesIO(data))["Danh sách"]
    assert sheet["L6"].value == ERROR_HEADER
    assert sheet["B8"].value.startswith("Nguy") and sheet["L8"].value is None
    assert (
        sheet["L13"].value.startswith("Năm sinh: Ngày “31/02/1975” không có thật")
        and "SĐT:" in sheet["L13"].value
    )
    assert sheet["E8"].value == "0791******34"
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    assert "079158001234" not in text and "001190012345" not in text


def test_columns_given_by_hand_on_the_command_line(world, tmp_path):
    data = "Người dân;Năm;Làng\nHà Văn Tư;1966;Thôn Đông\n".encode()
    path = tmp_path / "tay.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="Họ và tên"):
        call_command("import_registry", str(path), "--commune", world.commune.code, stdout=io.StringIO())
    out = io.StringIO()
    call_command(
        "import_registry", str(path), "--commune", world.commune.code, "--json",
        "--column", "A=name", "--column", "B=birth", "--column", "C=village", stdout=out,
    )  # fmt: skip
    result = json.loads(out.getvalue())
    assert (result["committed"], result["households_created"]) == (True, 1)
    assert Household.objects.get(head_name="Hà Văn Tư").village == world.village_a


def test_the_command_prints_a_readable_summary(ids_kept, tmp_path, capsys):
    path = tmp_path / "ds.xlsx"
    path.write_bytes(wb.household_list_xlsx())
    out = io.StringIO()
    call_command("import_registry", str(path), "--commune", ids_kept.commune.code, "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Dòng hợp lệ: 3; dòng lỗi: 4" in text
    assert "Dòng 12, cột “Thôn/Xóm”" in text
    assert "chưa ghi gì" in text.lower()


def test_an_id_number_already_kept_for_another_household_is_an_error(ids_kept):
    commit(check(ids_kept, wb.resident_list_xlsx(), "nk.xlsx"), by=ids_kept.officer,
           commune=ids_kept.commune, filename="nk.xlsx")  # fmt: skip
    rows = [[1, "Hoàng Văn Minh", 1960, "", "Chủ hộ", "079055000111", "Thôn Đông", "", "Kinh"]]
    analysis = check(ids_kept, wb.resident_list_xlsx(rows), "nk2.xlsx")
    assert [(e.row, e.column, e.message) for e in analysis.errors] == [
        (7, "Số định danh cá nhân", "Số định danh này đã có trong sổ, ở một hộ khác.")
    ]
    assert analysis.counts()["households"] == 0


def test_imported_rows_are_stored_as_the_orm_would_store_them(ids_kept):
    """New rows are written as plain tuples (COPY on PostgreSQL, with keys taken from the sequence):
    derived columns, defaults and timestamps must be what saving each model would give, and the
    sequence must be past the imported keys."""
    before = (Household.objects.order_by("-pk").first().pk, Resident.objects.order_by("-pk").first().pk)
    commit(check(ids_kept, wb.resident_list_xlsx(), "nk.xlsx"), by=ids_kept.officer,
           commune=ids_kept.commune, filename="nk.xlsx")  # fmt: skip
    households = list(Household.objects.filter(pk__gt=before[0]).order_by("pk"))
    residents = list(Resident.objects.filter(pk__gt=before[1]).order_by("pk"))
    assert [h.head_name for h in households] == ["Nguyễn Văn An", "Trần Văn Em"]  # file order
    assert len(residents) == 5
    for obj in [*households, *residents]:
        stored = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
        obj.refresh_derived()
        assert {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields} == stored
        assert obj.created_at is not None and obj.updated_at is not None
    an = residents[0]
    assert (an.full_name, an.search_name, an.citizen_id_masked, an.learner_code, an.is_trader) == (
        "Nguyễn Văn An", " nguyen van an ", "0790******11", "", False,
    )  # fmt: skip
    assert an.citizen_id_hash and an.gender == Gender.MALE and an.relation == Relation.HEAD
    later = Household.objects.create(village=ids_kept.village_a, head_name="Đỗ Văn Mới")
    assert later.pk > households[-1].pk
    assert Resident.objects.create(household=later, full_name="Đỗ Văn Mới").pk > residents[-1].pk


def test_a_longer_list_is_written_in_bulk_with_the_same_values(ids_kept):
    """Enough rows for the bulk path (COPY on PostgreSQL): choices, dates and IDs stored as the ORM would."""
    rows: list[list[object]] = []
    for n in range(60):
        rows.append([2 * n + 1, f"Lò Văn Chủ {chr(65 + n // 26)}{chr(65 + n % 26)}",
                     1950 + n % 30, "", "Chủ hộ", f"0010{n % 10}00{n:05d}", "Thôn Đông", "", "Thái"])  # fmt: skip
        rows.append([2 * n + 2, f"Lò Thị Con {chr(65 + n % 26)}", "", dt.datetime(2000, 1 + n % 12, 3),
                     "Con gái", "", "", "", "Thái"])  # fmt: skip
    analysis = check(ids_kept, wb.resident_list_xlsx(rows), "nk.xlsx")
    assert analysis.errors == []
    assert analysis.counts()["residents_created"] == 120
    commit(analysis, by=ids_kept.officer, commune=ids_kept.commune, filename="nk.xlsx")
    heads = Resident.objects.filter(full_name__startswith="Lò Văn Chủ")
    children = Resident.objects.filter(full_name__startswith="Lò Thị Con")
    assert heads.count() == 60 and children.count() == 60
    assert set(heads.values_list("relation", "gender", "ethnic_minority", "birth_date")) == {
        (Relation.HEAD, Gender.MALE, True, None)
    }
    assert set(children.values_list("relation", "gender")) == {(Relation.CHILD, Gender.FEMALE)}
    assert children.filter(birth_date=dt.date(2000, 5, 3), birth_year=2000).count() == 5
    assert heads.exclude(citizen_id_hash="").count() == 60
    assert heads.filter(citizen_id_masked__regex=r"^0010\*{6}\d\d$").count() == 60
    assert (
        Household.objects.filter(head_name__startswith="Lò Văn Chủ", village=ids_kept.village_a).count() == 60
    )
    again = check(ids_kept, wb.resident_list_xlsx(rows), "nk.xlsx").counts()
    assert (again["residents_created"], again["residents_unchanged"]) == (0, 120)
