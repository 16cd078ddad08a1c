"""The rollups follow every write path in its own transaction: sync pushes, attendance, merges, erasure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from binhdan.fieldwork import services as fieldwork
from binhdan.fieldwork.models import Audience, ClassKind
from binhdan.fieldwork.sync import push
from binhdan.indicators import values
from binhdan.indicators.models import Indicator
from binhdan.registry import services as registry
from binhdan.registry.models import HouseholdMove, Resident
from binhdan.registry.rights import erase_resident
from binhdan.testing.indicators import visit_record as _visit

pytestmark = pytest.mark.django_db


def _pairs(place, day=None):
    return {v.code: (v.numerator, v.denominator) for v in values.values(place, day or timezone.localdate())}


def test_a_sync_push_moves_the_rollups_and_a_rejected_record_moves_nothing(world):
    before = _pairs(world.village_a)
    assert before["HH_GUIDED"] == (0, 1) and before["CI_VNEID2"] == (0, 1)
    answers = push(
        user=world.member_a,
        records=[
            _visit(
                world.household_a, world.resident_a, status={"vneid_level": {"value": 2, "evidence": "seen"}}
            ),
            _visit(world.household_a, world.resident_b),  # someone of another household: rejected
        ],
    )
    assert [a["status"] for a in answers] == ["created", "rejected"]
    after = _pairs(world.village_a)
    assert after["HH_GUIDED"] == (1, 1) and after["HH_REACHED"] == (1, 1) and after["CI_VNEID2"] == (1, 1)
    assert _pairs(world.commune)["HH_GUIDED"] == (1, 2)
    assert _pairs(world.province)["HH_GUIDED"] == (1, 3)
    assert _pairs(world.village_b)["HH_GUIDED"] == (0, 1)


def test_a_visit_by_zalo_reaches_but_does_not_guide_at_home(world):
    push(user=world.member_a, records=[_visit(world.household_a, world.resident_a, channel="online")])
    after = _pairs(world.village_a)
    assert after["HH_REACHED"] == (1, 1) and after["HH_GUIDED"] == (0, 1)


def test_class_attendance_counts_for_the_elderly_and_moves_with_the_class_day(world):
    today = timezone.localdate()
    community_class = fieldwork.save_class(
        by=world.officer, commune=world.commune,
        data={"kind": ClassKind.CLASS, "title": "Lớp VNeID cho người cao tuổi", "held_on": today,
              "audience": Audience.ELDERLY, "village": world.village_a},
    )  # fmt: skip
    fieldwork.take_attendance(
        by=world.officer, community_class=community_class, present=[world.resident_a], absent=[]
    )
    assert _pairs(world.village_a)["ELDERLY_CLASS"] == (1, 1)
    assert _pairs(world.village_a)["HH_REACHED"] == (1, 1)
    fieldwork.save_class(
        by=world.officer, commune=world.commune, instance=community_class,
        data={"kind": ClassKind.CLASS, "title": "Lớp VNeID cho người cao tuổi",
              "held_on": today - dt.timedelta(days=10), "audience": Audience.ELDERLY, "village": world.village_a},
    )  # fmt: skip
    # The class now happened ten days ago: it counts from then (the resident registered today, though).
    world.resident_a.refresh_from_db()
    fieldwork.take_attendance(
        by=world.officer, community_class=community_class, present=[], absent=[world.resident_a]
    )
    assert _pairs(world.village_a)["ELDERLY_CLASS"] == (0, 1)


def test_a_merge_keeps_the_past_in_the_old_village(world):
    today = timezone.localdate()
    for obj in (world.household_b, world.resident_b):
        type(obj).objects.filter(pk=obj.pk).update(registered_on=today - dt.timedelta(days=30))
        obj.refresh_from_db()
    registry.update_household(
        by=world.officer, household=world.household_b, head_name=world.household_b.head_name
    )
    result = fieldwork.merge_villages(
        by=world.officer, village=world.village_b, into=world.village_a, merged_on=today
    )
    assert result.households == 1
    assert HouseholdMove.objects.filter(household=world.household_b, moved_on=today).exists()
    yesterday = today - dt.timedelta(days=1)
    assert _pairs(world.village_b, yesterday)["AD_SMARTPHONE"][1] == 1
    assert _pairs(world.village_b, today)["AD_SMARTPHONE"][1] == 0
    assert _pairs(world.village_a, today)["AD_SMARTPHONE"][1] == 2
    # The commune counts the moved household on both sides of the merge (resident_a only came today).
    assert _pairs(world.commune, yesterday)["AD_SMARTPHONE"][1] == 1
    assert _pairs(world.commune, today)["AD_SMARTPHONE"][1] == 2


def test_leaving_and_erasure(world):
    today = timezone.localdate()
    registry.record_resident_left(by=world.officer, resident=world.resident_b, left_on=today, reason="moved")
    assert _pairs(world.village_b)["AD_SMARTPHONE"] == (0, 0)
    registry.undo_left(by=world.officer, entry=Resident.objects.get(pk=world.resident_b.pk))
    assert _pairs(world.village_b)["AD_SMARTPHONE"] == (0, 1)
    erase_resident(by=world.officer, resident=world.resident_b, reason="Yêu cầu của người dân")
    # Erased people still count (birth year kept): the adult denominator stays.
    assert _pairs(world.village_b)["AD_SMARTPHONE"] == (0, 1)
    indicator = Indicator.objects.get(code="AD_SMARTPHONE")
    assert list(values.ids_behind(world.village_b, today, indicator, "denominator")) == [world.resident_b.pk]
