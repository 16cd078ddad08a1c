"""The pull's watermark follows commit order: nothing committed late is lost, nothing comes twice, and
what left the member's villages is announced as removed. Real commits (transaction=True): on
PostgreSQL a row's version is the id of the transaction that wrote it."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from binhdan.accounts.tokens import create_api_token
from binhdan.registry import services as registry
from binhdan.registry.models import Household, Resident, Skill, SkillLevel, Source
from binhdan.registry.rights import erase_resident
from binhdan.testing.personas import grant, make_household

PULL = "/api/v1/sync/pull"
pytestmark = pytest.mark.django_db(transaction=True)


class Phone:
    """A phone's copy of its scope, kept the way the field app keeps it."""

    def __init__(self, client: Client) -> None:
        self.client, self.cursor = client, ""
        self.households: dict[int, dict] = {}
        self.residents: dict[int, dict] = {}
        self.delivered: list[int] = []  # every household row received, in order

    def round(self, limit: int = 20) -> list[dict]:
        pages = []
        while True:
            response = self.client.get(PULL, {"since": self.cursor, "limit": limit})
            assert response.status_code == 200, response.content
            page = response.json()
            if page["reset"]:
                self.households.clear()
                self.residents.clear()
            for row in page["households"]:
                self.households[row["id"]] = row
                self.delivered.append(row["id"])
            for row in page["residents"]:
                self.residents[row["id"]] = row
            for pk in page["removed"]["households"]:
                self.households.pop(pk, None)
            for pk in page["removed"]["residents"]:
                self.residents.pop(pk, None)
            pages.append(page)
            self.cursor = page["cursor"]
            if not page["more"]:
                return pages


@pytest.fixture
def phone(world):
    return Phone(Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.member_a)}"))


def in_scope(world) -> tuple[set[int], set[int]]:
    households = set(Household.objects.filter(village=world.village_a).values_list("pk", flat=True))
    residents = set(
        Resident.objects.active().filter(household__village=world.village_a).values_list("pk", flat=True)
    )
    return households, residents


def test_bulk_updates_and_observations_reach_the_phone_although_they_skip_save(world, phone):
    phone.round()
    Household.objects.filter(pk=world.household_a.pk).update(phone="0912345678")  # no auto_now here
    registry.record_skill(by=world.officer, resident=world.resident_a, skill=Skill.objects.get(code="thanh-toan-qr"),
                          level=SkillLevel.MASTERED, observed_on=dt.date.today(), source=Source.OFFICER)  # fmt: skip
    (page,) = phone.round()
    assert [h["phone"] for h in page["households"]] == ["0912345678"]
    assert [r["skills"] for r in page["residents"]] == [{"thanh-toan-qr": 2}]
    (empty,) = phone.round()
    assert empty["households"] == empty["residents"] == [] and empty["reset"] is False


def test_a_pushed_visit_s_skills_and_a_later_observation_both_reach_the_phone(world, phone):
    # The push stamps its people itself and spares the observation triggers for its transaction
    # (registry.changes.RESIDENTS_STAMPED); an observation recorded after it, on the same connection,
    # is stamped by the triggers again.
    phone.round()
    visit = {"uuid": "5f0e8a52-3c1b-4a55-9d0e-7b1c2d3e4f50", "type": "visit",
             "data": {"household": world.household_a.pk, "visited_at": f"{dt.date.today() - dt.timedelta(days=1)}T08:00:00+07:00",
                      "minutes": 10, "channel": "door",
                      "people": [{"resident": world.resident_a.pk,
                                  "skills": [{"skill": "vneid-muc-2", "outcome": "guided"}]}]}}  # fmt: skip
    answer = phone.client.post("/api/v1/sync/push", {"records": [visit]}, content_type="application/json")
    assert answer.json()["results"][0]["status"] == "created", answer.content
    (page,) = phone.round()
    assert [r["skills"] for r in page["residents"]] == [{"vneid-muc-2": 1}]
    registry.record_skill(by=world.officer, resident=world.resident_a, skill=Skill.objects.get(code="thanh-toan-qr"),
                          level=SkillLevel.MASTERED, observed_on=dt.date.today(), source=Source.OFFICER)  # fmt: skip
    (page,) = phone.round()
    assert [r["skills"] for r in page["residents"]] == [{"vneid-muc-2": 1, "thanh-toan-qr": 2}]


def test_a_household_moved_out_of_scope_and_erased_residents_disappear_from_the_phone(world, phone):
    stays = make_household(world.village_a, "Trần Văn Ở")
    moves = make_household(world.village_a, "Lê Thị Đi")
    phone.round()
    assert set(phone.households) == in_scope(world)[0] and set(phone.residents) == in_scope(world)[1]
    mover_residents = set(moves.residents.values_list("pk", flat=True))
    registry.update_household(by=world.officer, household=moves, village=world.village_b)
    erase_resident(by=world.officer, resident=stays.residents.get(), reason="Yêu cầu của người dân")
    pages = phone.round()
    assert pages[-1]["removed"]["households"] == [moves.pk]
    assert mover_residents <= set(pages[-1]["removed"]["residents"])
    assert set(phone.households) == in_scope(world)[0] and set(phone.residents) == in_scope(world)[1]
    assert moves.pk not in phone.households and not mover_residents & set(phone.residents)
    # It comes back when it moves back; a bulk move leaves its trace too.
    Household.objects.filter(pk=moves.pk).update(village=world.village_a)
    phone.round()
    assert moves.pk in phone.households and mover_residents <= set(phone.residents)
    Household.objects.filter(pk=moves.pk).update(village=world.village_b)
    phone.round()
    assert set(phone.households) == in_scope(world)[0] and set(phone.residents) == in_scope(world)[1]


def test_a_resident_moved_to_a_household_in_another_village_disappears(world, phone):
    person = registry.add_resident(by=world.officer, household=world.household_a, full_name="Phạm Văn Chuyển",
                                  birth_year=1990)  # fmt: skip
    phone.round()
    assert person.pk in phone.residents
    Resident.objects.filter(pk=person.pk).update(household=world.household_b)
    phone.round()
    assert person.pk not in phone.residents and set(phone.residents) == in_scope(world)[1]


def test_when_the_members_scope_changes_the_next_pull_starts_again(world, phone):
    phone.round()
    grant(world.member_a, "member", world.village_b)
    (page, *_) = phone.round()
    assert page["reset"] is True
    assert world.household_b.pk in phone.households and world.household_a.pk in phone.households


def test_every_change_reaches_the_phone_exactly_once_with_a_long_writer(world, phone):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer; the race needs PostgreSQL")
    for i in range(30):
        make_household(world.village_a, f"Nguyễn Văn Sẵn {i}")
    phone.round()
    before = len(phone.delivered)
    started, written = threading.Event(), []

    def long_writer():
        try:
            with transaction.atomic():
                for i in range(10):
                    written.append(make_household(world.village_a, f"Đỗ Văn Chậm {i}").pk)
                started.set()
                time.sleep(3)  # committed long after its rows were written
        finally:
            connection.close()

    def short_writer(n: int):
        try:
            for i in range(5):
                written.append(make_household(world.village_a, f"Vũ Thị Nhanh {n}-{i}").pk)
                time.sleep(0.2)
        finally:
            connection.close()

    threads = [threading.Thread(target=long_writer)]
    threads[0].start()
    started.wait(10)
    threads += [threading.Thread(target=short_writer, args=(n,)) for n in range(2)]
    for thread in threads[1:]:
        thread.start()
    while any(t.is_alive() for t in threads):
        phone.round(limit=20)
        time.sleep(0.3)
    for thread in threads:
        thread.join()
    phone.round(limit=20)
    phone.round(limit=20)
    new = phone.delivered[before:]
    assert len(written) == 20
    assert sorted(new) == sorted(written), "every new household delivered exactly once"
    assert set(phone.households) == in_scope(world)[0]


def test_rows_changed_in_the_middle_of_a_round_come_in_the_next_round(world, phone):
    for i in range(45):
        make_household(world.village_a, f"Hoàng Văn Giữa {i}")
    first = phone.client.get(PULL, {"limit": 20}).json()
    last_id = max(h["id"] for h in first["households"])
    early = Household.objects.filter(village=world.village_a, pk__lte=last_id).order_by("pk").first()
    late = Household.objects.filter(village=world.village_a, pk__gt=last_id).order_by("-pk").first()
    Household.objects.filter(pk__in=[early.pk, late.pk]).update(address="Đã đổi")
    phone.cursor = first["cursor"]
    for row in first["households"]:
        phone.households[row["id"]] = row
        phone.delivered.append(row["id"])
    phone.round()
    assert phone.delivered.count(late.pk) == 0  # changed mid-round: not in this round …
    phone.round()
    assert phone.households[early.pk]["address"] == phone.households[late.pk]["address"] == "Đã đổi"
    assert phone.delivered.count(late.pk) == 1 and phone.delivered.count(early.pk) == 2


def test_a_round_from_scratch_carries_no_removals(world, phone):
    moved = make_household(world.village_a, "Lê Văn Cũ")
    registry.update_household(by=world.officer, household=moved, village=world.village_b)
    erase_resident(by=world.officer, resident=world.resident_a, reason="Yêu cầu của người dân")
    (page,) = phone.round()
    assert page["reset"] is True and page["removed"] == {"households": [], "residents": []}
    assert world.resident_a.pk not in phone.residents and moved.pk not in phone.households


def test_a_household_or_resident_that_left_the_registry_leaves_the_phone(world, phone):
    leaving = make_household(world.village_a, "Phan Văn Chuyển")
    person = leaving.residents.get()
    other = make_household(world.village_a, "Mai Thị Mất")
    died = other.residents.get()
    phone.round()
    assert leaving.pk in phone.households and person.pk in phone.residents and died.pk in phone.residents
    today = dt.date.today()
    registry.record_household_left(by=world.officer, household=leaving, left_on=today, reason="moved")
    registry.record_resident_left(by=world.officer, resident=died, left_on=today, reason="died")
    pages = phone.round()
    assert leaving.pk in pages[-1]["removed"]["households"]
    assert {person.pk, died.pk} <= set(pages[-1]["removed"]["residents"])
    assert leaving.pk not in phone.households and person.pk not in phone.residents
    assert other.pk in phone.households and died.pk not in phone.residents
    # A phone starting from scratch never receives them.
    fresh = Phone(Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.member_a)}"))
    fresh.round()
    assert leaving.pk not in fresh.households and person.pk not in fresh.residents
    assert died.pk not in fresh.residents and other.pk in fresh.households
