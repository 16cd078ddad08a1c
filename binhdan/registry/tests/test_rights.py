"""Residents' data rights: see everything held, erase on request, the audit log for the commune officer."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from binhdan.accounts.models import AuditEvent
from binhdan.registry import rights, services
from binhdan.registry.models import (
    CommuneSettings,
    Consent,
    Evidence,
    Household,
    Relation,
    Resident,
    Skill,
    SkillLevel,
    Source,
    StatusField,
)
from binhdan.registry.tests import workbooks as wb


@pytest.fixture
def held(world):
    CommuneSettings.objects.update_or_create(commune=world.commune, defaults={"store_citizen_ids": True})
    resident = services.add_resident(
        by=world.member_a, household=world.household_a, full_name="Nguyễn Văn Khải", birth_date=dt.date(1990, 4, 2),
        relation=Relation.CHILD, phone="0912000999", citizen_id="079090001234",
    )  # fmt: skip
    resident.learner_code = "ABC234"
    resident.save()
    services.record_consent(
        by=world.member_a,
        resident=resident,
        given=True,
        method=Consent.Method.VERBAL,
        note="Có mẹ chứng kiến",
    )
    services.record_status(
        by=world.member_a, resident=resident, observed_on=dt.date(2025, 10, 1), source=Source.VISIT,
        facts=[services.StatusFact(StatusField.VNEID_LEVEL, 2, Evidence.SEEN)],
    )  # fmt: skip
    services.record_skill(
        by=world.member_a, resident=resident, skill=Skill.objects.first(), level=SkillLevel.MASTERED,
        observed_on=dt.date(2025, 10, 1), source=Source.VISIT,
    )  # fmt: skip
    return resident


def test_the_officer_sees_and_downloads_everything_held(world, client_for, held):
    client = client_for(world.member_a)
    client.get(reverse("registry:resident_detail", args=[held.pk]))
    officer = client_for(world.officer)
    page = officer.get(reverse("registry:resident_data", args=[held.pk])).content.decode()
    assert "Nguyễn Văn Khải" in page and "0790******34" in page and "Mức 2" in page
    response = officer.get(reverse("registry:resident_data", args=[held.pk]), {"dinh_dang": "json"})
    data = json.loads(response.content)
    assert data["nguoi_dan"]["ho_va_ten"] == "Nguyễn Văn Khải"
    assert data["nguoi_dan"]["ngay_sinh"] == "02/04/1990"
    assert data["nguoi_dan"]["so_dinh_danh_da_che"] == "0790******34"
    assert (
        "079090001234" not in response.content.decode()
        and held.citizen_id_hash not in response.content.decode()
    )
    assert data["dong_y"][0]["hinh_thuc"] == Consent.Method.VERBAL.label
    assert data["trang_thai_so"][0]["gia_tri"] == "Mức 2"
    assert data["ky_nang_so"][0]["muc"] == SkillLevel.MASTERED.label
    viewers = {(e["nguoi"], e["hanh_dong"]) for e in data["nhat_ky_truy_cap"]}
    assert ("Nguyễn Văn An", "Xem thông tin người dân") in viewers
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, object_id=str(held.pk))
    assert exports.count() == 2


def test_erasure_removes_personal_fields_and_keeps_counts(world, client_for, held):
    status_before = held.status_observations.count()
    client = client_for(world.officer)
    url = reverse("registry:resident_erase", args=[held.pk])
    refused = client.post(url, {"reason": "Đơn ngày 05/01/2026"})
    assert refused.status_code == 200 and "Hãy đánh dấu ô xác nhận." in refused.content.decode()
    response = client.post(url, {"reason": "Đơn ngày 05/01/2026", "confirm": "on"})
    assert response.status_code == 302
    held.refresh_from_db()
    assert (held.full_name, held.birth_date, held.birth_year) == (rights.ERASED_NAME, None, 1990)
    assert (held.phone, held.citizen_id_hash, held.citizen_id_masked, held.learner_code) == ("", "", "", "")
    assert held.erased_at is not None and held.erased_key
    assert held.status_observations.count() == status_before
    assert Consent.objects.get(resident=held).note == ""
    assert world.household_a.residents.count() == 2  # the row stays for the counts
    event = AuditEvent.objects.get(action=AuditEvent.Action.ERASE)
    assert (event.user, event.object_id, event.place) == (world.officer, str(held.pk), world.village_a)
    # Gone from pages and search.
    assert Household.objects.search("nguyen van khai").count() == 0
    assert client.get(reverse("registry:resident_detail", args=[held.pk])).status_code == 404
    assert (
        "Nguyễn Văn Khải"
        not in client.get(reverse("registry:household_detail", args=[world.household_a.pk])).content.decode()
    )


def test_erasing_the_head_removes_the_head_name_from_the_household(world):
    rights.erase_resident(by=world.officer, resident=world.resident_a, reason="Đơn")
    world.household_a.refresh_from_db()
    assert world.household_a.head_name == rights.ERASED_HEAD
    assert Household.objects.search("nguyen thi hoa").count() == 0


def test_reimporting_the_old_list_does_not_bring_an_erased_person_back(world, tmp_path):
    path = tmp_path / "nk.xlsx"
    path.write_bytes(wb.resident_list_xlsx())
    call_command(
        "import_registry",
        str(path),
        "--commune",
        world.commune.code,
        "--skip-invalid",
        "--json",
        stdout=io.StringIO(),
    )
    be = Resident.objects.get(full_name="Lê Thị Bé")
    rights.erase_resident(by=world.officer, resident=be, reason="Đơn")
    out = io.StringIO()
    call_command(
        "import_registry", str(path), "--commune", world.commune.code, "--skip-invalid", "--json", stdout=out
    )
    result = json.loads(out.getvalue())
    assert (result["residents_created"], result["residents_erased_skipped"]) == (0, 1)
    assert "1 người đã được xoá theo yêu cầu trước đây nên không được nhập lại." in result["notices"]
    assert not Resident.objects.filter(full_name="Lê Thị Bé").exists()


@pytest.mark.parametrize(
    "persona", ["member_a", "leader_a", "member_b", "leader", "province_officer", "other_officer"]
)
def test_rights_pages_are_404_outside_the_officers_commune(world, client_for, held, persona):
    client = client_for(getattr(world, persona))
    assert client.get(reverse("registry:resident_data", args=[held.pk])).status_code == 404
    assert (
        client.get(reverse("registry:resident_data", args=[held.pk]), {"dinh_dang": "json"}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("registry:resident_erase", args=[held.pk]), {"reason": "x", "confirm": "on"}
        ).status_code
        == 404
    )
    held.refresh_from_db()
    assert held.erased_at is None


def test_the_audit_log_shows_the_communes_events_filtered_by_action(world, client_for, held):
    client_for(world.member_a).get(reverse("registry:household_list"))
    client_for(world.member_a).get(reverse("registry:resident_detail", args=[held.pk]))
    client_for(world.other_officer).get(reverse("registry:household_list"))  # another commune: not shown
    client = client_for(world.officer)
    page = client.get(reverse("registry:audit_log")).content.decode()
    assert "Nguyễn Văn An" in page and "Xem thông tin người dân" in page and "Xem danh sách" in page
    assert "Đỗ Văn Hải" not in page
    filtered = client.get(reverse("registry:audit_log"), {"hanh_dong": "view_resident"}).content.decode()
    assert "1 sự kiện." in filtered


@pytest.mark.parametrize("persona", ["member_a", "leader_a", "leader", "province_officer"])
def test_the_audit_log_is_404_for_everyone_but_officers(world, client_for, persona):
    assert client_for(getattr(world, persona)).get(reverse("registry:audit_log")).status_code == 404


def test_the_other_communes_officer_sees_only_their_own_log(world, client_for):
    client_for(world.member_a).get(reverse("registry:household_list"))
    page = client_for(world.other_officer).get(reverse("registry:audit_log")).content.decode()
    assert "Nguyễn Văn An" not in page and "Xã Tam Sơn" in page
