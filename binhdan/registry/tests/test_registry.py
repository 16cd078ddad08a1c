import datetime as dt
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from binhdan.accounts.models import AuditEvent
from binhdan.common.models import AppendOnlyError
from binhdan.registry import services
from binhdan.registry.citizen_id import mask_citizen_id
from binhdan.registry.models import (
    CommuneSettings,
    Evidence,
    Household,
    Relation,
    Resident,
    Skill,
    SkillLevel,
    Source,
    StatusField,
    StatusObservation,
)
from binhdan.testing.personas import make_household


@pytest.fixture
def names(world):
    for head in ["Nguyễn Văn Hoàng", "Trần Thị Hòa", "Lê Đình Dũng", "Đỗ Thị Đào", "Phạm Văn An"]:
        make_household(world.village_a, head)
    return world


def test_search_without_accents_finds_accented_names(names):
    found = Household.objects.search("nguyen thi hoa").values_list("head_name", flat=True)
    assert list(found) == ["Nguyễn Thị Hoà"]


def test_search_treats_d_bar_and_d_alike_both_ways(names):
    assert set(Household.objects.search("do thi dao").values_list("head_name", flat=True)) == {"Đỗ Thị Đào"}
    assert set(Household.objects.search("Đũng").values_list("head_name", flat=True)) == {"Lê Đình Dũng"}


def test_search_with_either_tone_placement_matches(names):
    assert set(Household.objects.search("hoà").values_list("head_name", flat=True)) >= {
        "Trần Thị Hòa",
        "Nguyễn Thị Hoà",
    }
    decomposed = unicodedata.normalize("NFD", "Trần Thị Hòa")
    assert Household.objects.search(decomposed).count() == 1


def test_middle_words_match_whole_words_only(names):
    # "hoa" is the last word so it may be a prefix, but "thi" must be a whole word.
    assert Household.objects.search("van hoa").count() == 0 or all(
        " van " in h.search_text for h in Household.objects.search("van hoa")
    )
    assert "Nguyễn Văn Hoàng" in Household.objects.search("van hoa").values_list("head_name", flat=True)


def test_search_finds_a_household_by_any_member(world):
    services.add_resident(
        by=None,
        household=world.household_a,
        full_name="Nguyễn Minh Khôi",
        birth_year=2010,
        relation=Relation.GRANDCHILD,
    )
    assert list(Household.objects.search("minh khoi")) == [world.household_a]


def test_list_is_in_vietnamese_order_by_given_name(names, client_for):
    page = client_for(names.officer).get(reverse("registry:household_list")).content.decode()
    # d sorts before đ; equal given names fall back to the family and middle names.
    order = [
        "Phạm Văn An",
        "Lê Đình Dũng",
        "Đỗ Thị Đào",
        "Đặng Văn Đức",
        "Nguyễn Thị Hoà",
        "Trần Thị Hòa",
        "Nguyễn Văn Hoàng",
    ]
    positions = [page.index(name) for name in order]
    assert positions == sorted(positions)


def test_household_list_page_search_without_accents(names, client_for):
    page = (
        client_for(names.member_a)
        .get(reverse("registry:household_list"), {"q": "nguyen thi hoa"})
        .content.decode()
    )
    assert "Nguyễn Thị Hoà" in page and "Trần Thị Hòa" not in page
    assert "1 hộ khớp" in page


def test_household_list_query_count_does_not_grow_with_rows(names, client_for, django_assert_max_num_queries):
    client = client_for(names.officer)
    for i in range(30):
        make_household(names.village_b, f"Vũ Văn Tùng {i}")
    with django_assert_max_num_queries(14):
        assert client.get(reverse("registry:household_list")).status_code == 200


def test_status_is_read_as_of_any_date(world):
    resident = world.resident_a
    services.record_status(
        by=world.member_a, resident=resident, observed_on=dt.date(2025, 8, 1), source=Source.IMPORT,
        facts=[services.StatusFact(StatusField.VNEID_LEVEL, 1, Evidence.CONFIRMED)],
    )  # fmt: skip
    services.record_status(
        by=world.member_a, resident=resident, observed_on=dt.date(2025, 10, 10), source=Source.VISIT,
        facts=[services.StatusFact(StatusField.VNEID_LEVEL, 2, Evidence.SEEN)],
    )  # fmt: skip
    before = services.status_as_of([resident.pk], dt.date(2025, 7, 31))
    september = services.status_as_of([resident.pk], dt.date(2025, 9, 30))
    today = services.status_as_of([resident.pk], dt.date(2026, 1, 1))
    assert StatusField.VNEID_LEVEL not in before.get(resident.pk, {})
    assert september[resident.pk][StatusField.VNEID_LEVEL].value == 1
    assert today[resident.pk][StatusField.VNEID_LEVEL].value == 2
    assert today[resident.pk][StatusField.VNEID_LEVEL].trusted


def test_observations_are_append_only(world):
    services.record_status(
        by=None, resident=world.resident_a, observed_on=dt.date(2025, 8, 1), source=Source.IMPORT,
        facts=[services.StatusFact(StatusField.SMARTPHONE, 1, Evidence.TOLD)],
    )  # fmt: skip
    row = StatusObservation.objects.get(resident=world.resident_a, observed_on=dt.date(2025, 8, 1))
    row.value = 0
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()


def test_status_values_are_checked(world):
    with pytest.raises(ValidationError) as error:
        services.record_status(
            by=None, resident=world.resident_a, observed_on=dt.date(2025, 8, 1), source=Source.IMPORT,
            facts=[services.StatusFact(StatusField.VNEID_LEVEL, 3, Evidence.TOLD)],
        )  # fmt: skip
    assert "Mức tài khoản VNeID" in str(error.value)
    with pytest.raises(ValidationError):
        services.record_status(
            by=None, resident=world.resident_a, observed_on=dt.date(2099, 1, 1), source=Source.IMPORT,
            facts=[services.StatusFact(StatusField.SMARTPHONE, 1, Evidence.TOLD)],
        )  # fmt: skip


def test_skill_levels_as_of_a_date(world):
    skill = Skill.objects.get(code="vneid-kich-hoat")
    services.record_skill(by=None, resident=world.resident_a, skill=skill, level=SkillLevel.GUIDED,
                          observed_on=dt.date(2025, 10, 2), source=Source.VISIT)  # fmt: skip
    services.record_skill(by=None, resident=world.resident_a, skill=skill, level=SkillLevel.MASTERED,
                          observed_on=dt.date(2025, 11, 2), source=Source.VISIT)  # fmt: skip
    assert (
        services.skills_as_of([world.resident_a.pk], dt.date(2025, 10, 20))[world.resident_a.pk][
            skill.pk
        ].level
        == 1
    )
    assert (
        services.skills_as_of([world.resident_a.pk], dt.date(2025, 12, 1))[world.resident_a.pk][
            skill.pk
        ].level
        == 2
    )


def test_skill_catalogue_is_seeded_by_domain_with_five_core_skills(db):
    assert Skill.objects.count() >= 25
    assert Skill.objects.filter(is_core=True).count() == 5
    assert set(Skill.objects.values_list("domain", flat=True)) == {
        "thiet-bi", "chinh-quyen-so", "kinh-te-so", "xa-hoi-so", "an-toan-so", "tri-tue-nhan-tao",
    }  # fmt: skip


def test_resident_page_shows_history_and_status_as_of_date(world, client_for):
    services.record_status(
        by=world.member_a, resident=world.resident_a, observed_on=dt.date(2025, 8, 1), source=Source.IMPORT,
        facts=[services.StatusFact(StatusField.VNEID_LEVEL, 1, Evidence.CONFIRMED)],
    )  # fmt: skip
    services.record_status(
        by=world.member_a, resident=world.resident_a, observed_on=dt.date(2025, 10, 10), source=Source.VISIT,
        facts=[services.StatusFact(StatusField.VNEID_LEVEL, 2, Evidence.SEEN)],
    )  # fmt: skip
    client = client_for(world.member_a)
    url = reverse("registry:resident_detail", args=[world.resident_a.pk])
    page = client.get(url, {"ngay": "01/09/2025"}).content.decode()
    assert "Trạng thái số tại ngày 01/09/2025" in page
    assert "Mức 1" in page
    assert "10/10/2025" in page  # the history lists every observation
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW_RESIDENT, object_id=str(world.resident_a.pk)
    ).exists()


@override_settings(CITIZEN_ID_KEY="khoa-thu")
def test_citizen_id_is_stored_only_as_keyed_hash_and_mask(world):
    CommuneSettings.objects.create(commune=world.commune, store_citizen_ids=True)
    resident = services.add_resident(
        by=None,
        household=world.household_a,
        full_name="Nguyễn Văn Bảo",
        birth_year=1990,
        citizen_id="079 190 012 323",
    )
    resident.refresh_from_db()
    assert resident.citizen_id_masked == "0791******23" == mask_citizen_id("079190012323")
    assert "079190012323" not in resident.citizen_id_hash and len(resident.citizen_id_hash) == 64
    stored = {f.name: getattr(resident, f.attname) for f in Resident._meta.concrete_fields}
    assert not any("079190012323" in str(value) for value in stored.values())
    with pytest.raises(ValidationError) as duplicate:
        services.add_resident(by=None, household=world.household_a, full_name="Người Khác", birth_year=1991,
                              citizen_id="079190012323")  # fmt: skip
    assert "đã có trong sổ" in str(duplicate.value)


def test_citizen_id_refused_when_the_commune_does_not_keep_them(world):
    with pytest.raises(ValidationError) as error:
        services.add_resident(by=None, household=world.household_a, full_name="Nguyễn Văn Bảo", birth_year=1990,
                              citizen_id="079190012323")  # fmt: skip
    assert "chưa chọn lưu số định danh" in str(error.value)


@pytest.mark.parametrize(("raw", "message"), [("12345", "đúng 12 chữ số"), ("999190012323", "mã tỉnh")])
def test_bad_citizen_ids_get_vietnamese_errors(world, raw, message):
    CommuneSettings.objects.create(commune=world.commune, store_citizen_ids=True)
    with pytest.raises(ValidationError) as error:
        services.add_resident(
            by=None, household=world.household_a, full_name="A B", birth_year=1990, citizen_id=raw
        )
    assert message in str(error.value)
    assert not Resident.objects.filter(full_name="A B").exists()


def test_resident_form_errors_sit_next_to_fields_and_nothing_is_saved(world, client_for):
    client = client_for(world.member_a)
    url = reverse("registry:resident_create", args=[world.household_a.pk])
    before = Resident.objects.count()
    page = client.post(
        url, {"full_name": "", "birth_date": "31/02/1990", "phone": "12345", "relation": "con"}
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Vui lòng nhập họ và tên." in html
    assert "Ngày không đúng" in html
    assert "Số điện thoại phải có 10 chữ số" in html
    assert 'id="id_full_name_error"' in html
    assert Resident.objects.count() == before


def test_resident_needs_a_birth_date_or_year(world, client_for):
    client = client_for(world.member_a)
    page = client.post(reverse("registry:resident_create", args=[world.household_a.pk]),
                       {"full_name": "Nguyễn Văn Tí", "relation": "con"})  # fmt: skip
    assert "Vui lòng nhập ngày sinh hoặc ít nhất năm sinh." in page.content.decode()


def test_adding_a_resident_with_dd_mm_yyyy_date_and_nfd_name(world, client_for):
    client = client_for(world.member_a)
    name = unicodedata.normalize("NFD", "Nguyễn Thị Ngọc Ánh")
    response = client.post(
        reverse("registry:resident_create", args=[world.household_a.pk]),
        {
            "full_name": name,
            "birth_date": "05/09/1998",
            "relation": "con",
            "gender": "nu",
            "phone": "+84 912 345 678",
        },
    )
    assert response.status_code == 302
    resident = Resident.objects.get(search_name__contains="ngoc anh")
    assert resident.full_name == "Nguyễn Thị Ngọc Ánh" and unicodedata.is_normalized(
        "NFC", resident.full_name
    )
    assert resident.birth_date == dt.date(1998, 9, 5) and resident.birth_year == 1998
    assert resident.phone == "0912345678"


def test_household_form_refuses_poor_and_near_poor_together(world, client_for):
    client = client_for(world.member_a)
    count = Household.objects.count()
    page = client.post(reverse("registry:household_create"),
                       {"village": world.village_a.pk, "head_name": "Hà Văn Mạnh", "is_poor": "on", "is_near_poor": "on"})  # fmt: skip
    assert "vừa là hộ nghèo vừa là hộ cận nghèo" in page.content.decode()
    assert Household.objects.count() == count


def test_member_cannot_create_a_household_in_another_village(world, client_for):
    client = client_for(world.member_a)
    page = client.post(
        reverse("registry:household_create"), {"village": world.village_b.pk, "head_name": "Hà Văn Mạnh"}
    )
    assert page.status_code == 200
    assert "Thôn này không thuộc phạm vi của bạn." in page.content.decode()
    assert not Household.objects.filter(head_name="Hà Văn Mạnh").exists()


def test_observation_form_records_a_fact(world, client_for):
    client = client_for(world.member_a)
    url = reverse("registry:resident_observe", args=[world.resident_a.pk])
    ok = client.post(
        url, {"field": "smartphone", "value": "1", "evidence": "seen", "observed_on": "02/10/2025"}
    )
    assert ok.status_code == 302
    bad = client.post(
        url, {"field": "smartphone", "value": "2", "evidence": "seen", "observed_on": "02/10/2025"}
    )
    assert bad.status_code == 400 and "chỉ dùng cho tài khoản VNeID" in bad.content.decode()
    assert world.resident_a.status_observations.count() == 1


def test_consent_is_recorded_with_who_when_and_how(world, client_for):
    client = client_for(world.member_a)
    client.post(
        reverse("registry:resident_consent", args=[world.resident_a.pk]), {"given": "1", "method": "verbal"}
    )
    consent = world.resident_a.consents.get()
    assert consent.given and consent.method == "verbal" and consent.recorded_by == world.member_a
    assert consent.recorded_at is not None


def test_outsider_cannot_record_observations_or_consent(world, client_for):
    client = client_for(world.member_b)
    assert client.post(reverse("registry:resident_observe", args=[world.resident_a.pk]),
                       {"field": "smartphone", "value": "1", "evidence": "seen", "observed_on": "02/10/2025"}).status_code == 404  # fmt: skip
    assert client.post(reverse("registry:resident_consent", args=[world.resident_a.pk]),
                       {"given": "1", "method": "verbal"}).status_code == 404  # fmt: skip
    assert not world.resident_a.status_observations.exists()


def test_commune_leader_reads_but_cannot_write(world, client_for):
    client = client_for(world.leader)
    assert client.get(reverse("registry:resident_detail", args=[world.resident_a.pk])).status_code == 200
    assert client.post(reverse("registry:resident_observe", args=[world.resident_a.pk]),
                       {"field": "smartphone", "value": "1", "evidence": "seen", "observed_on": "02/10/2025"}).status_code == 404  # fmt: skip


def test_age_counts_year_only_births_the_commune_way(world):
    resident = Resident(full_name="A", birth_year=1966)
    assert resident.age_on(dt.date(2026, 1, 1)) == 60
    Resident.objects.filter(pk=world.resident_a.pk).update(birth_year=1966, birth_date=None)
    assert Resident.objects.aged_at_least(60, dt.date(2026, 1, 1)).filter(pk=world.resident_a.pk).exists()
    assert (
        not Resident.objects.aged_at_least(60, dt.date(2025, 12, 31)).filter(pk=world.resident_a.pk).exists()
    )


def test_registry_pages_render_the_panels_higher_apps_register(world, client_for):
    """Registry pages show visits (fieldwork) and learning progress (assistant) through registry.panels."""
    from binhdan.registry.panels import panels_for

    assert [p.key for p in panels_for("household")] == ["fieldwork-visits"]
    assert [p.key for p in panels_for("resident")] == ["assistant-progress"]
    client = client_for(world.member_a)
    household_page = client.get(reverse("registry:household_detail", args=[world.household_a.pk]))
    resident_page = client.get(reverse("registry:resident_detail", args=[world.resident_a.pk]))
    assert "Lượt hỗ trợ" in household_page.content.decode()
    assert "Học với trợ lý ảo" in resident_page.content.decode()
