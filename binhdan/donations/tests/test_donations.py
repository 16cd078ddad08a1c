"""Chắp cánh công nghệ: a device given writes through the registry's path and moves AD_SMARTPHONE; scope for
every persona; hostile input; the list's totals, filters and query counts; follow-ups; erasure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from binhdan.accounts.models import AuditEvent
from binhdan.donations import services
from binhdan.donations.forms import DonationForm
from binhdan.donations.models import Donation, Donor, ItemKind
from binhdan.indicators.values import values
from binhdan.registry import rights
from binhdan.registry.models import Evidence, Household, Source, StatusField, StatusObservation
from binhdan.testing.personas import make_household

TODAY = timezone.localdate  # called in each test: the day may turn during a run
PERSONAS = ["member_a", "leader_a", "member_b", "leader", "province_officer", "other_officer"]


def given_day() -> dt.date:
    return TODAY() - dt.timedelta(days=2)


def smartphones(place, day: dt.date | None = None) -> tuple[int, int]:
    found = next(v for v in values(place, day or TODAY(), with_pace=False) if v.code == "AD_SMARTPHONE")
    return found.numerator, found.denominator


@pytest.fixture
def donor(world):
    return services.save_donor(
        by=world.officer, commune=world.commune, name="Viettel Phú Thọ", kind="business"
    )


def _snapshot() -> dict[str, list]:
    tables = {}
    for label in ("donations", "registry"):
        for model in apps.get_app_config(label).get_models():
            tables[model._meta.db_table] = list(model.objects.order_by("pk").values_list())
    tables["changes"] = list(AuditEvent.objects.filter(action="change").values_list("pk"))
    return tables


def test_a_smartphone_clears_the_flag_records_the_status_and_moves_the_indicator(world, donor):
    home = world.household_a
    home.no_smart_device = True
    home.save()
    before = smartphones(world.commune)
    assert before[0] == 0 and before[1] >= 2
    donation = services.record_donation(
        by=world.officer, commune=world.commune, donor=donor, item_kind=ItemKind.SMARTPHONE,
        household=home, recipient=world.resident_a, given_on=given_day(), value_vnd=2_500_000,
        follow_up_on=TODAY(),
    )  # fmt: skip
    home.refresh_from_db()
    assert not home.no_smart_device
    observation = StatusObservation.objects.get(resident=world.resident_a, field=StatusField.SMARTPHONE)
    assert observation.value == 1 and observation.evidence == Evidence.SEEN
    assert observation.source == Source.OFFICER and observation.observed_on == given_day()
    assert observation.source_ref == f"donation:{donation.pk}" and observation.recorded_by == world.officer
    assert smartphones(world.commune) == (1, before[1])
    assert smartphones(world.village_a)[0] == 1 and smartphones(world.village_b)[0] == 0


def test_a_sim_or_data_package_changes_no_status(world, donor):
    home = world.household_a
    home.no_smart_device = True
    home.save()
    services.record_donation(
        by=world.officer, commune=world.commune, donor=donor, item_kind=ItemKind.SIM,
        household=home, recipient=world.resident_a, given_on=given_day(),
    )  # fmt: skip
    home.refresh_from_db()
    assert home.no_smart_device and not StatusObservation.objects.exists()


def test_the_service_refuses_what_does_not_belong_to_the_commune(world, donor):
    base = dict(
        by=world.officer, commune=world.commune, donor=donor, item_kind="smartphone", given_on=given_day()
    )
    with pytest.raises(ValidationError, match="Hộ không thuộc xã này"):
        services.record_donation(**base, household=world.household_c)
    with pytest.raises(ValidationError, match="người của hộ"):
        services.record_donation(**base, household=world.household_a, recipient=world.resident_b)
    other_donor = services.save_donor(
        by=world.other_officer, commune=world.other_commune, name="X", kind="person"
    )
    with pytest.raises(ValidationError, match="Nhà tài trợ"):
        services.record_donation(**{**base, "donor": other_donor}, household=world.household_a)
    with pytest.raises(ValidationError, match="tương lai"):
        services.record_donation(
            **{**base, "given_on": TODAY() + dt.timedelta(1)}, household=world.household_a
        )
    with pytest.raises(ValidationError, match="Số lượng"):
        services.record_donation(**base, household=world.household_a, quantity=10**12)
    assert not Donation.objects.exists() and not StatusObservation.objects.exists()


def _payload(world, giver, **extra):
    return {
        "donor": giver.pk, "item_kind": "smartphone", "quantity": "1", "value_vnd": "2.500.000",
        "given_on": given_day().strftime("%d/%m/%Y"), "household": world.household_a.pk,
        "recipient": world.resident_a.pk, "description": "Samsung Galaxy A05", **extra,
    }  # fmt: skip


def test_officer_records_a_donation_with_one_audit_row(world, donor, client_for):
    client = client_for(world.officer)
    page = client.get(reverse("donations:donation_create", args=[world.commune.pk])).content.decode()
    assert "hộ nghèo" in page and "Thôn Thượng" not in page and "Bùi Thị Lan" not in page
    before = AuditEvent.objects.filter(action="change").count()
    response = client.post(
        reverse("donations:donation_create", args=[world.commune.pk]), _payload(world, donor)
    )
    assert response.status_code == 302
    donation = Donation.objects.get()
    assert donation.value_vnd == 2_500_000 and donation.recorded_by == world.officer
    assert AuditEvent.objects.filter(action="change").count() == before + 1


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("quantity", "99999999999999999999999", "nhiều nhất"),
        ("quantity", "NaN", "số nguyên"),
        ("quantity", "-3", "ít nhất"),
        ("value_vnd", "1e309", "số đồng"),
        ("value_vnd", "999999999999999", "quá lớn"),
        ("value_vnd", "NaN", "số đồng"),
        ("given_on", "31/02/2026", "Ngày không đúng"),
        ("given_on", "01/01/0001", "từ ngày 01/01/2020"),
        ("follow_up_on", "29/02/2025", "Ngày không đúng"),
        ("household", "99999999999999999999", "nằm ngoài địa bàn"),
        ("household", "abc", "nằm ngoài địa bàn"),
        ("donor", "-1", "nằm ngoài địa bàn"),
    ],
)
def test_hostile_input_is_a_message_next_to_the_field(world, donor, client_for, field, value, message):
    client = client_for(world.officer)
    response = client.post(
        reverse("donations:donation_create", args=[world.commune.pk]),
        {**_payload(world, donor), field: value},
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not Donation.objects.exists() and not StatusObservation.objects.exists()


def test_a_household_or_recipient_of_another_commune_is_refused(world, donor, client_for):
    client = client_for(world.officer)
    outsider = world.household_c
    for payload in (
        _payload(world, donor, household=outsider.pk, recipient=""),
        _payload(world, donor, recipient=outsider.residents.get().pk),
        _payload(world, donor, recipient=world.resident_b.pk),  # our commune, another household
    ):
        before = _snapshot()
        response = client.post(reverse("donations:donation_create", args=[world.commune.pk]), payload)
        assert response.status_code == 200
        assert _snapshot() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_persona_but_the_officer_writes_and_only_the_leader_reads(world, donor, client_for, persona):
    donation = services.record_donation(
        by=world.officer, commune=world.commune, donor=donor, item_kind="sim", household=world.household_a,
        given_on=given_day(), follow_up_on=TODAY(),
    )  # fmt: skip
    client = client_for(world.personas()[persona])
    targets = {
        "donation_create": (world.commune.pk, _payload(world, donor)),
        "donor_create": (world.commune.pk, {"name": "Mới", "kind": "person"}),
        "donor_edit": (donor.pk, {"name": "Đổi tên", "kind": "person"}),
        "follow_up_record": (donation.pk, {"followed_up_on": TODAY().strftime("%d/%m/%Y")}),
    }
    for name, (pk, payload) in targets.items():
        before = _snapshot()
        url = reverse(f"donations:{name}", args=[pk])
        assert client.get(url).status_code == 404, (persona, name)
        assert client.post(url, payload).status_code == 404, (persona, name)
        assert _snapshot() == before, (persona, name)
    reading = 200 if persona == "leader" else 404
    for name in ("list", "donors", "follow_ups"):
        assert client.get(reverse(f"donations:{name}", args=[world.commune.pk])).status_code == reading


def test_the_forms_offer_only_the_communes_own(world, donor):
    services.save_donor(
        by=world.other_officer, commune=world.other_commune, name="Nhà tài trợ Tam Sơn", kind="person"
    )
    form = DonationForm(user=world.officer, commune=world.commune)
    assert set(form.fields["donor"].queryset) == {donor}
    assert set(form.fields["household"].queryset) == {world.household_a, world.household_b}
    assert world.household_c.residents.get() not in set(form.fields["recipient"].queryset)
    leader_form = DonationForm(user=world.leader, commune=world.commune)  # reads only
    assert not leader_form.fields["household"].queryset.exists()
    # Priority households first, with the hint.
    labels = [label for _, label in form.fields["household"].choices][1:]
    assert "hộ nghèo" in labels[0]


def test_list_totals_by_kind_and_donor_filters_and_a_fixed_number_of_queries(world, donor, client_for):
    other = services.save_donor(
        by=world.officer, commune=world.commune, name="Hội Phụ nữ xã", kind="organisation"
    )
    client = client_for(world.officer)
    url = reverse("donations:list", args=[world.commune.pk])

    def record(**kw):
        base = dict(
            by=world.officer,
            commune=world.commune,
            donor=donor,
            item_kind="sim",
            household=world.household_b,
            given_on=given_day(),
        )
        return services.record_donation(**{**base, **kw})

    record(item_kind="smartphone", value_vnd=2_000_000, household=world.household_a)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(15):
        home = make_household(world.village_b, f"Hộ Thử {n}", by=world.officer, no_smart_device=True)
        record(donor=other if n % 2 else donor, quantity=2, value_vnd=100_000, household=home)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)
    page = response.content.decode()
    assert "<strong>16</strong> lượt trao" in page and "<strong>31</strong> món" in page
    assert "3.500.000 đ" in page  # 2.000.000 + 15 × 100.000
    filtered = client.get(url, {"loai": "smartphone"}).content.decode()
    assert "<strong>1</strong> lượt trao" in filtered
    by_donor = client.get(url, {"nha_tai_tro": other.pk}).content.decode()
    assert "<strong>7</strong> lượt trao" in by_donor
    by_village = client.get(url, {"thon": world.village_a.pk}).content.decode()
    assert "<strong>1</strong> lượt trao" in by_village
    # Hostile filters: no 5xx, the list stays the whole commune's.
    for junk in (
        {"thon": world.village_c.pk},
        {"nha_tai_tro": "9" * 30},
        {"tu_ngay": "31/02/2026"},
        {"loai": "x"},
    ):
        assert client.get(url, junk).status_code == 200
    assert AuditEvent.objects.filter(action="view_list", place=world.commune).exists()


def test_follow_ups_due_are_listed_and_recorded(world, donor, client_for, django_assert_max_num_queries):
    due = services.record_donation(
        by=world.officer, commune=world.commune, donor=donor, item_kind="tablet", household=world.household_a,
        given_on=given_day(), follow_up_on=given_day(),
    )  # fmt: skip
    services.record_donation(
        by=world.officer, commune=world.commune, donor=donor, item_kind="sim", household=world.household_b,
        given_on=given_day(), follow_up_on=TODAY() + dt.timedelta(days=60),
    )  # fmt: skip
    client = client_for(world.officer)
    url = reverse("donations:follow_ups", args=[world.commune.pk])
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert (
        "Đến hạn hoặc quá hạn (1)" in page and "Hộ Nguyễn Thị Hoà" in page and "Hộ Đặng Văn Đức" not in page
    )
    response = client.post(
        reverse("donations:follow_up_record", args=[due.pk]),
        {"followed_up_on": TODAY().strftime("%d/%m/%Y"), "note": "Đã dùng được Zalo và VNeID"},
    )
    assert response.status_code == 302
    due.refresh_from_db()
    assert due.followed_up_on == TODAY()
    assert "Đến hạn hoặc quá hạn (0)" in client.get(url).content.decode()
    bad = client.post(reverse("donations:follow_up_record", args=[due.pk]), {"followed_up_on": "01/01/2019"})
    assert bad.status_code == 200 and "2020" in bad.content.decode()


def test_donor_names_are_unique_per_commune(world, donor, client_for):
    client = client_for(world.officer)
    response = client.post(
        reverse("donations:donor_create", args=[world.commune.pk]),
        {"name": "viettel phú thọ", "kind": "business"},
    )
    assert response.status_code == 200 and "đã có nhà tài trợ tên này" in response.content.decode()
    assert Donor.objects.count() == 1


def test_erasure_redacts_donation_text_and_keeps_the_gift(world, donor):
    donation = services.record_donation(
        by=world.officer, commune=world.commune, donor=donor, item_kind="smartphone",
        household=world.household_a, recipient=world.resident_a, given_on=given_day(),
        description="Điện thoại cho bà Nguyễn Thị Hoà",
    )  # fmt: skip
    services.record_follow_up(
        by=world.officer, donation=donation, followed_up_on=TODAY(), note="Nguyen Thi Hoa đã dùng VNeID"
    )
    rights.erase_resident(by=world.officer, resident=world.resident_a, reason="Yêu cầu")
    donation.refresh_from_db()
    assert "Hoà" not in donation.description and "Hoa" not in donation.follow_up_note
    assert Donation.objects.filter(household=Household.objects.get(pk=world.household_a.pk)).count() == 1
