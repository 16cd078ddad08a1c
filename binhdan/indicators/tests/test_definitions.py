"""Each definition of docs/indicators.md on its edge cases, with the numbers spelled out.

Every test also checks the whole reading API (values, side_by_side, ids_behind) against the brute force
on the days it probes, from the write path and after `rollup.rebuild()`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from binhdan.fieldwork.models import Channel
from binhdan.indicators import rollup
from binhdan.indicators import values as api
from binhdan.indicators.tests.brute import mismatches
from binhdan.registry import catalogue
from binhdan.registry.models import Skill
from binhdan.registry.rights import erase_resident
from binhdan.testing import indicators as f

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 10)  # a probe day well inside the past
BEFORE = D - dt.timedelta(days=1)
LONG_AGO = dt.date(2025, 1, 1)


@pytest.fixture
def places() -> f.Places:
    f.seed_catalogues()
    return f.make_places((2, 1))


@pytest.fixture
def by() -> object:
    return f.make_user()


def pairs(place, day) -> dict[str, tuple[int, int]]:
    return {v.code: (v.numerator, v.denominator) for v in api.values(place, day, with_pace=False)}


def ids(place, day, code: str, part: str = "numerator") -> set[int]:
    from binhdan.indicators.models import Indicator

    return set(api.ids_behind(place, day, Indicator.objects.get(code=code, commune__isnull=True), part))


def agrees(places: f.Places, *days: dt.date) -> None:
    """The engine equals the brute force on these days, from the write path and after a rebuild."""
    assert mismatches(places.all, list(days)) == []
    rollup.rebuild()
    assert mismatches(places.all, list(days)) == []


def adult_home(places: f.Places, **person):
    village = places.all_villages[0]
    home = f.household(village, LONG_AGO)
    return village, home, f.resident(home, LONG_AGO, **person)


# --- who counts on D -------------------------------------------------------------------------------------


def test_birthday_on_the_probe_day_counts(places):
    village, _, person = adult_home(places, birth_date=dt.date(2008, 3, 10))
    assert pairs(village, BEFORE)["AD_SMARTPHONE"] == (0, 0)
    assert pairs(village, D)["AD_SMARTPHONE"] == (0, 1)
    assert ids(village, D, "AD_SMARTPHONE", "denominator") == {person.pk}
    agrees(places, BEFORE, D)


def test_born_on_29_february_turns_a_year_older_on_1_march(places):
    village = places.all_villages[0]
    home = f.household(village, LONG_AGO)
    adult = f.resident(home, LONG_AGO, birth_date=dt.date(2008, 2, 29))  # 18 in 2026
    teen = f.resident(home, LONG_AGO, birth_date=dt.date(2012, 2, 29))  # 14 in 2026
    feb28, mar1 = dt.date(2026, 2, 28), dt.date(2026, 3, 1)
    assert pairs(village, feb28)["AD_SMARTPHONE"] == (0, 0)
    assert pairs(village, feb28)["CI_VNEID2"] == (0, 1)  # the adult-to-be is 17, so 14+ already
    assert pairs(village, mar1)["AD_SMARTPHONE"] == (0, 1)
    assert ids(village, mar1, "CI_VNEID2", "denominator") == {adult.pk, teen.pk}
    agrees(places, feb28, mar1, dt.date(2024, 2, 29))


def test_birth_year_only_counts_from_1_january(places):
    village, _, _person = adult_home(places, birth_year=2008)
    assert pairs(village, dt.date(2025, 12, 31))["AD_BASIC"] == (0, 0)
    assert pairs(village, dt.date(2026, 1, 1))["AD_BASIC"] == (0, 1)
    agrees(places, dt.date(2025, 12, 31), dt.date(2026, 1, 1))


def test_no_birth_date_nor_year_is_in_no_age_group_but_counts_as_a_resident(places):
    village, _, person = adult_home(places, is_disabled=True)
    f.status(person, "vneid_level", 2, LONG_AGO)
    got = pairs(village, D)
    assert got["AD_SMARTPHONE"] == (0, 0) and got["CI_VNEID2"] == (0, 0) and got["ELDERLY_CLASS"] == (0, 0)
    assert got["VN_HEALTHBOOK"] == (0, 1)  # every level-2 holder, whatever the age
    assert got["DISABLED_CLASS"] == (0, 1)
    agrees(places, D)


def test_registered_on_day_counts_and_left_on_day_no_longer_does(places):
    village = places.all_villages[0]
    home = f.household(village, D)
    person = f.resident(home, D, birth_year=1980)
    stays = f.household(village, D)
    f.resident(stays, D, birth_year=1980)
    leaves_on = D + dt.timedelta(days=20)
    f.household_left(home, leaves_on)
    other = f.resident(stays, D, birth_year=1990)
    f.resident_left(other, leaves_on)
    assert pairs(village, BEFORE)["HH_REACHED"] == (0, 0)
    assert pairs(village, D)["HH_REACHED"] == (0, 2)
    assert pairs(village, D)["AD_SMARTPHONE"] == (0, 3)
    last = leaves_on - dt.timedelta(days=1)
    assert pairs(village, last)["HH_REACHED"] == (0, 2)
    assert pairs(village, leaves_on)["HH_REACHED"] == (0, 1)
    assert pairs(village, leaves_on)["AD_SMARTPHONE"] == (0, 1)  # the household took `person` with it
    assert person.pk not in ids(village, leaves_on, "AD_SMARTPHONE", "denominator")
    agrees(places, BEFORE, D, last, leaves_on)


def test_resident_registered_before_the_household_counts_from_the_household_day(places):
    village = places.all_villages[0]
    home = f.household(village, D)
    f.resident(home, LONG_AGO, birth_year=1980)
    assert pairs(village, BEFORE)["AD_SMARTPHONE"] == (0, 0)
    assert pairs(village, D)["AD_SMARTPHONE"] == (0, 1)
    agrees(places, BEFORE, D)


def test_a_move_keeps_the_past_in_the_old_village(places):
    east, west = places.all_villages[0], places.all_villages[1]
    home = f.household(east, LONG_AGO)
    f.resident(home, LONG_AGO, birth_year=1980)
    f.move(home, west, D)
    assert pairs(east, BEFORE)["HH_REACHED"] == (0, 1)
    assert pairs(west, BEFORE)["HH_REACHED"] == (0, 0)
    assert pairs(east, D)["HH_REACHED"] == (0, 0)  # the move day belongs to the new village
    assert pairs(west, D)["AD_SMARTPHONE"] == (0, 1)
    assert pairs(places.communes[0], BEFORE)["HH_REACHED"] == pairs(places.communes[0], D)["HH_REACHED"]
    agrees(places, BEFORE, D)


def test_a_move_to_another_commune_is_refused_it_is_leaving_one_registry_and_joining_another(places):
    east, far = places.all_villages[0], places.villages[places.communes[1].pk][0]
    home = f.household(east, LONG_AGO)
    f.resident(home, LONG_AGO, birth_year=1980)
    with pytest.raises(ValidationError) as caught:
        f.move(home, far, D)
    assert "rời sổ" in str(caught.value)
    assert pairs(places.communes[0], D)["AD_SMARTPHONE"] == (0, 1)
    assert pairs(places.communes[1], D)["AD_SMARTPHONE"] == (0, 0)
    agrees(places, BEFORE, D)


def test_erased_resident_still_counts_with_the_age_of_the_birth_year(places, by):
    village, _, person = adult_home(places, birth_date=dt.date(2008, 6, 1))
    f.status(person, "smartphone", 1, LONG_AGO)
    assert pairs(village, dt.date(2026, 1, 1))["AD_SMARTPHONE"] == (0, 0)
    erase_resident(by=by, resident=person, reason="Người dân yêu cầu xoá")
    # The birth date went with the erasure: the person is now taken as born on 1 January 2008.
    assert pairs(village, dt.date(2026, 1, 1))["AD_SMARTPHONE"] == (1, 1)
    assert ids(village, dt.date(2026, 1, 1), "AD_SMARTPHONE") == {person.pk}
    agrees(places, dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 6, 1))


# --- status values ----------------------------------------------------------------------------------------


def test_latest_observation_by_day_then_recorded_at_then_id(places):
    village, _, person = adult_home(places, birth_year=1980)
    early = f.local(D, 8)
    late = f.local(D, 9)
    # Same day: the later recorded_at wins, whatever the order the rows were written in.
    f.status(person, "smartphone", 1, D, recorded_at=late)
    f.status(person, "smartphone", 0, D, recorded_at=early)
    assert pairs(village, D)["AD_SMARTPHONE"] == (1, 1)
    # Same day and same recorded_at: the higher id wins.
    f.status(person, "pcks_confirmed", 0, D, recorded_at=late)
    f.status(person, "pcks_confirmed", 1, D, recorded_at=late)
    assert pairs(village, D)["AD_PCKS"] == (1, 1)
    f.statuses(person, [("vneid_level", 2, "seen", D), ("vneid_level", 1, "seen", D)], recorded_at=late)
    assert pairs(village, D)["CI_VNEID2"] == (0, 1)  # one write: the second row has the higher id
    # An earlier day never beats a later one, even recorded later.
    f.status(person, "smartphone", 0, BEFORE, recorded_at=f.local(D, 23))
    assert pairs(village, D)["AD_SMARTPHONE"] == (1, 1)
    assert pairs(village, BEFORE)["AD_SMARTPHONE"] == (0, 1)
    agrees(places, BEFORE, D)


def test_bank_epay_needs_both_facts(places):
    village, _, person = adult_home(places, birth_year=1980)
    f.status(person, "payment_account", 1, BEFORE)
    assert pairs(village, D)["AD_BANK_EPAY"] == (0, 1)
    f.status(person, "cashless_regular", 1, D)
    assert pairs(village, BEFORE)["AD_BANK_EPAY"] == (0, 1)
    assert pairs(village, D)["AD_BANK_EPAY"] == (1, 1)
    agrees(places, BEFORE, D)


def test_healthbook_counts_level_2_holders_only(places):
    village, _, person = adult_home(places, birth_year=1980)
    f.status(person, "health_book", 1, LONG_AGO)
    f.status(person, "vneid_level", 1, LONG_AGO)
    assert pairs(village, BEFORE)["VN_HEALTHBOOK"] == (0, 0)
    f.status(person, "vneid_level", 2, D)
    assert pairs(village, D)["VN_HEALTHBOOK"] == (1, 1)
    agrees(places, BEFORE, D)


def test_trusted_only_ignores_told_observations_entirely(places):
    commune = places.communes[0]
    village, _, person = adult_home(places, birth_year=1980)
    f.status(person, "smartphone", 1, BEFORE, evidence="seen")
    f.status(person, "smartphone", 0, D, evidence="told")  # the latest, but only told
    f.status(person, "pcks_confirmed", 1, D, evidence="told")
    assert pairs(village, D)["AD_SMARTPHONE"] == (0, 1)
    assert pairs(village, D)["AD_PCKS"] == (1, 1)
    f.trusted_only(commune)
    assert pairs(village, D)["AD_SMARTPHONE"] == (1, 1)  # the latest trusted value
    assert pairs(village, D)["AD_PCKS"] == (0, 1)
    agrees(places, BEFORE, D)
    # Rows written after the switch follow it too (the write path reads the commune's rule).
    f.status(person, "pcks_confirmed", 1, D, evidence="confirmed")
    assert pairs(village, D)["AD_PCKS"] == (1, 1)
    f.trusted_only(commune, trusted=False)
    assert pairs(village, D)["AD_SMARTPHONE"] == (0, 1)
    agrees(places, BEFORE, D)


# --- skills and the core set ------------------------------------------------------------------------------


def test_basic_skills_need_every_core_skill_mastered_and_make_a_digital_family(places):
    village, _, person = adult_home(places, birth_year=1980)
    core = f.national_core()
    f.master_skills(person, core[:-1], BEFORE)
    assert pairs(village, D)["AD_BASIC"] == (0, 1)
    f.skill(person, core[-1], 2, D)
    assert pairs(village, D)["AD_BASIC"] == (1, 1)
    assert pairs(village, D)["HH_DIGITAL"] == (1, 1)
    later = D + dt.timedelta(days=5)
    f.skill(person, core[0], 1, later)  # back to "guided"
    assert pairs(village, later)["HH_DIGITAL"] == (0, 1)
    agrees(places, BEFORE, D, later)


def test_skill_ties_go_to_the_later_recorded_at_then_the_higher_id(places):
    village, _, person = adult_home(places, birth_year=1980)
    core = f.national_core()
    f.master_skills(person, core, D, recorded_at=f.local(D, 9))
    f.skill(person, core[0], 1, D, recorded_at=f.local(D, 8))  # written later, recorded earlier
    assert pairs(village, D)["AD_BASIC"] == (1, 1)
    f.skill(person, core[1], 1, D, recorded_at=f.local(D, 9))  # same instant: the higher id wins
    assert pairs(village, D)["AD_BASIC"] == (0, 1)
    agrees(places, D)


def test_a_minor_with_basic_skills_does_not_make_a_digital_family(places):
    village = places.all_villages[0]
    home = f.household(village, LONG_AGO)
    teen = f.resident(home, LONG_AGO, birth_date=dt.date(2008, 12, 1))
    f.master_skills(teen, f.national_core(), LONG_AGO)
    assert pairs(village, D)["HH_DIGITAL"] == (0, 1)
    assert pairs(village, dt.date(2026, 12, 1) - dt.timedelta(days=1))["HH_DIGITAL"] == (0, 1)
    agrees(places, D, dt.date(2026, 11, 30))


def test_core_set_change_counts_from_its_effective_day(places):
    commune = places.communes[0]
    village, _, person = adult_home(places, birth_year=1980)
    f.master_skills(person, f.national_core(), LONG_AGO)
    extra = Skill.objects.get(code="mat-khau-manh")
    f.core_choice(commune, extra, True, D)
    assert pairs(village, BEFORE)["AD_BASIC"] == (1, 1)
    assert pairs(village, D)["AD_BASIC"] == (0, 1)
    later = D + dt.timedelta(days=3)
    f.skill(person, extra, 2, later)
    assert pairs(village, later)["AD_BASIC"] == (1, 1)
    # The other commune keeps the national core set.
    far = f.household(places.villages[places.communes[1].pk][0], LONG_AGO)
    other = f.resident(far, LONG_AGO, birth_year=1980)
    f.master_skills(other, f.national_core(), LONG_AGO)
    assert pairs(places.communes[1], D)["AD_BASIC"] == (1, 1)
    agrees(places, BEFORE, D, later)


def test_an_empty_core_set_gives_nobody_basic_skills(places):
    commune = places.communes[0]
    village, _, person = adult_home(places, birth_year=1980)
    f.master_skills(person, f.national_core(), LONG_AGO)
    for which in f.national_core():
        f.core_choice(commune, which, False, D)
    assert pairs(village, BEFORE)["AD_BASIC"] == (1, 1)
    assert pairs(village, D)["AD_BASIC"] == (0, 1)
    agrees(places, BEFORE, D)


def test_core_set_change_through_the_catalogue_reaches_the_rollups(places, by):
    commune = places.communes[0]
    village, _, person = adult_home(places, birth_year=1980)
    f.master_skills(person, f.national_core(), LONG_AGO)
    today = timezone.localdate()
    catalogue.set_core_set(
        by=by, commune=commune, skills=[Skill.objects.get(code="mat-khau-manh")], effective_on=today
    )
    assert pairs(village, today - dt.timedelta(days=1))["AD_BASIC"] == (1, 1)
    assert pairs(village, today)["AD_BASIC"] == (0, 1)
    agrees(places, today - dt.timedelta(days=1), today)


def test_evidence_setting_through_the_catalogue_reaches_the_rollups(places, by):
    commune = places.communes[0]
    village, _, person = adult_home(places, birth_year=1980)
    f.status(person, "smartphone", 1, LONG_AGO, evidence="told")
    assert pairs(village, D)["AD_SMARTPHONE"] == (1, 1)
    catalogue.update_commune_settings(by=by, commune=commune, dashboard_evidence="trusted")
    assert pairs(village, D)["AD_SMARTPHONE"] == (0, 1)
    agrees(places, D)


# --- visits and classes -------------------------------------------------------------------------------------


def test_visit_dates_are_local_dates(places, by):
    village = places.all_villages[0]
    late = f.household(village, LONG_AGO)
    early = f.household(village, LONG_AGO)
    f.visit(late, f.local(D, 23, 30), by=by)  # 16:30 UTC on D
    f.visit(early, f.local(D, 0, 30), by=by)  # 17:30 UTC on D-1
    assert pairs(village, BEFORE)["HH_GUIDED"] == (0, 2)
    assert pairs(village, D)["HH_GUIDED"] == (2, 2)
    assert ids(village, D, "HH_REACHED") == {late.pk, early.pk}
    agrees(places, BEFORE, D)


def test_only_door_to_door_visits_guide(places, by):
    village = places.all_villages[0]
    homes = [f.household(village, LONG_AGO) for _ in Channel.values]
    for home, channel in zip(homes, Channel.values, strict=True):
        f.visit(home, f.local(D, 10), by=by, channel=channel)
    assert pairs(village, D)["HH_REACHED"] == (len(homes), len(homes))
    assert pairs(village, D)["HH_GUIDED"] == (1, len(homes))
    assert ids(village, D, "HH_GUIDED") == {homes[Channel.values.index("door")].pk}
    agrees(places, BEFORE, D)


def test_class_attendance_counts_from_the_day_held(places, by):
    commune = places.communes[0]
    village = places.all_villages[0]
    home = f.household(village, LONG_AGO)
    elder = f.resident(home, LONG_AGO, birth_year=1950, is_disabled=True)
    f.resident(home, LONG_AGO, birth_year=1955)
    held = f.community_class(commune, D, by=by)
    f.attend(held, [elder], by=by)
    assert pairs(village, BEFORE)["ELDERLY_CLASS"] == (0, 2)
    assert pairs(village, BEFORE)["HH_REACHED"] == (0, 1)
    got = pairs(village, D)
    assert got["ELDERLY_CLASS"] == (1, 2) and got["DISABLED_CLASS"] == (1, 1) and got["HH_REACHED"] == (1, 1)
    assert got["HH_GUIDED"] == (0, 1)
    agrees(places, BEFORE, D)


def test_disabled_flag_is_the_current_flag(places, by):
    from binhdan.registry import services

    village, _, person = adult_home(places, birth_year=1980)
    assert pairs(village, BEFORE)["DISABLED_CLASS"] == (0, 0)
    services.update_resident(by=by, resident=person, is_disabled=True)
    assert pairs(village, LONG_AGO)["DISABLED_CLASS"] == (0, 1)  # no history: the flag as it is now
    agrees(places, LONG_AGO, D)
