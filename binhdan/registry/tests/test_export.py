"""Bulk export: officers and leaders within their commune, audited, ID numbers masked only."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from binhdan.accounts.models import AuditEvent
from binhdan.registry import rights, services
from binhdan.registry.models import CommuneSettings, Relation, Resident


def sheet_rows(response, name):
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in book[name].iter_rows(values_only=True)]


@pytest.mark.parametrize("persona", ["officer", "leader"])
def test_commune_staff_export_their_commune_and_it_is_audited(world, client_for, persona):
    CommuneSettings.objects.update_or_create(commune=world.commune, defaults={"store_citizen_ids": True})
    services.add_resident(
        by=None, household=world.household_a, full_name="Nguyễn Văn Khải", birth_year=1990,
        relation=Relation.CHILD, citizen_id="079090001234",
    )  # fmt: skip
    client = client_for(getattr(world, persona))
    assert "Xã Sơn Đông" in client.get(reverse("registry:export")).content.decode()
    response = client.get(reverse("registry:export"), {"noi": world.commune.pk})
    assert response.status_code == 200
    households = sheet_rows(response, "Hộ gia đình")
    residents = sheet_rows(response, "Nhân khẩu")
    assert [row[3] for row in households[1:]] == [
        "Nguyễn Thị Hoà",
        "Đặng Văn Đức",
    ]  # Thôn Đông, then Thôn Tây
    assert len(residents) == 1 + 3
    text = " ".join(str(v) for row in residents for v in row if v is not None)
    assert "0790******34" in text and "079090001234" not in text
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.user, event.place) == (getattr(world, persona), world.commune)
    assert "2 hộ, 3 người" in event.detail


def test_erased_residents_are_not_exported(world, client_for):
    rights.erase_resident(by=world.officer, resident=world.resident_b, reason="Đơn ngày 05/01/2026")
    response = client_for(world.officer).get(reverse("registry:export"), {"noi": world.village_b.pk})
    assert sheet_rows(response, "Nhân khẩu")[1:] == []
    assert len(sheet_rows(response, "Hộ gia đình")) == 2  # the household itself stays, its count too


@pytest.mark.parametrize("persona", ["member_a", "leader_a", "member_b", "province_officer"])
def test_members_leaders_and_province_get_404(world, client_for, persona):
    client = client_for(getattr(world, persona))
    assert client.get(reverse("registry:export")).status_code == 404
    assert client.get(reverse("registry:export"), {"noi": world.commune.pk}).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_another_communes_officer_cannot_export_this_commune(world, client_for):
    client = client_for(world.other_officer)
    assert client.get(reverse("registry:export"), {"noi": world.commune.pk}).status_code == 404
    assert client.get(reverse("registry:export"), {"noi": world.village_a.pk}).status_code == 404
    assert client.get(reverse("registry:export"), {"noi": world.other_commune.pk}).status_code == 200


FORMULAS = {
    "address": '=HYPERLINK("http://x","bấm")',
    "number": "+84-1",
    "head_name": "@SUM(A1:A9)",
}


def test_formula_like_text_is_exported_as_text_never_as_a_formula(world, client_for):
    """Excel formula injection: typed text starting with = + - @ tab CR stays text in every cell."""
    import zipfile

    services.update_household(by=world.officer, household=world.household_a, **FORMULAS)
    services.add_resident(
        by=world.member_a, household=world.household_a, full_name="-Nguyễn Văn Khải", birth_year=1990,
        relation=Relation.CHILD,
    )  # fmt: skip
    tabbed = services.add_resident(
        by=world.member_a, household=world.household_a, full_name="Trần Văn Tư", birth_year=1991,
        relation=Relation.CHILD,
    )  # fmt: skip
    Resident.objects.filter(pk=tabbed.pk).update(
        full_name="\t=1+1", phone="\r=2+2"
    )  # as an old import left it
    response = client_for(world.officer).get(reverse("registry:export"), {"noi": world.village_a.pk})
    book = load_workbook(io.BytesIO(response.content))
    households = {c.value: c for c in book["Hộ gia đình"][2]}
    for value in FORMULAS.values():
        assert households[value].data_type == "s", value
    people = [c for row in book["Nhân khẩu"].iter_rows(min_row=2) for c in row]
    # XML turns a raw CR into LF on reading; either way the cell is text.
    for values in (("-Nguyễn Văn Khải",), ("\t=1+1",), ("\r=2+2", "\n=2+2")):
        cells = [c for c in people if c.value in values]
        assert len(cells) == 1 and cells[0].data_type == "s", values
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) == 2
        for name in sheets:
            xml = archive.read(name).decode()
            assert "<f>" not in xml and "<f " not in xml, name
