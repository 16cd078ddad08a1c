"""Each rule of programmes/filters.py, on the drive's day: ages around 14/18/60, VNeID as of the day and
as the commune counts evidence, one core skill short with the core set of the day, presence, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from binhdan.programmes import filters
from binhdan.programmes.filters import Rule
from binhdan.registry.models import StatusField
from binhdan.testing import indicators as f

TODAY = timezone.localdate  # called in each test: the day may turn during a run
LONG_AGO = dt.date(2020, 1, 1)


def drive_day() -> dt.date:
    return TODAY() - dt.timedelta(days=30)  # in the past so that later observations exist


def years_before(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year - years)


def ids(rule: str, world, day: dt.date | None = None, villages=None) -> set[int]:
    found = filters.matching(rule, commune=world.commune, day=day or drive_day(), villages=villages)
    return set(found.values_list("pk", flat=True))


@pytest.fixture
def home(world):
    return f.household(world.village_a, LONG_AGO)


def test_vneid_counts_ages_on_the_drive_day_around_14(world, home):
    turns_14_on_d = f.resident(home, LONG_AGO, birth_date=years_before(drive_day(), 14))
    turns_14_next_day = f.resident(
        home, LONG_AGO, birth_date=years_before(drive_day(), 14) + dt.timedelta(days=1)
    )
    year_only = f.resident(home, LONG_AGO, birth_year=drive_day().year - 14)
    too_young_by_year = f.resident(home, LONG_AGO, birth_year=drive_day().year - 13)
    found = ids(Rule.VNEID, world)
    assert turns_14_on_d.pk in found and year_only.pk in found
    assert turns_14_next_day.pk not in found and too_young_by_year.pk not in found
    # A day later the younger one is 14 too.
    assert turns_14_next_day.pk in ids(Rule.VNEID, world, drive_day() + dt.timedelta(days=1))


def test_vneid_level_is_read_as_of_the_day(world, home):
    person = f.resident(home, LONG_AGO, birth_year=1990)
    level1 = f.resident(home, LONG_AGO, birth_year=1990)
    done_before = f.resident(home, LONG_AGO, birth_year=1990)
    f.status(person, StatusField.VNEID_LEVEL, 2, drive_day() + dt.timedelta(days=3))  # after the drive day
    f.status(level1, StatusField.VNEID_LEVEL, 1, drive_day() - dt.timedelta(days=3))
    f.status(done_before, StatusField.VNEID_LEVEL, 2, drive_day() - dt.timedelta(days=3))
    f.status(
        done_before, StatusField.VNEID_LEVEL, 1, drive_day() - dt.timedelta(days=1)
    )  # latest wins: level 1
    found = ids(Rule.VNEID, world)
    assert {person.pk, level1.pk, done_before.pk} <= found
    assert person.pk not in ids(Rule.VNEID, world, TODAY())


def test_vneid_ignores_told_values_when_the_commune_counts_only_trusted_ones(world, home):
    person = f.resident(home, LONG_AGO, birth_year=1990)
    f.status(person, StatusField.VNEID_LEVEL, 2, drive_day() - dt.timedelta(days=3), evidence="told")
    assert person.pk not in ids(Rule.VNEID, world)
    f.trusted_only(world.commune)
    assert person.pk in ids(Rule.VNEID, world)


def test_one_core_skill_short_uses_the_core_set_and_levels_of_the_day(world, home):
    core = f.national_core()
    assert len(core) == 5
    four = f.resident(home, LONG_AGO, birth_year=1980)
    five = f.resident(home, LONG_AGO, birth_year=1980)
    three = f.resident(home, LONG_AGO, birth_year=1980)
    fifth_later = f.resident(home, LONG_AGO, birth_year=1980)
    teen = f.resident(home, LONG_AGO, birth_date=years_before(drive_day(), 18) + dt.timedelta(days=1))
    f.master_skills(four, core[:4], drive_day() - dt.timedelta(days=5))
    f.skill(four, core[4], 1, drive_day() - dt.timedelta(days=5))  # guided is not "tự làm được"
    f.master_skills(five, core, drive_day() - dt.timedelta(days=5))
    f.master_skills(three, core[:3], drive_day() - dt.timedelta(days=5))
    f.master_skills(fifth_later, core[:4], drive_day() - dt.timedelta(days=5))
    f.skill(fifth_later, core[4], 2, drive_day() + dt.timedelta(days=2))
    f.master_skills(teen, core[:4], drive_day() - dt.timedelta(days=5))
    found = ids(Rule.ONE_SKILL_SHORT, world)
    assert four.pk in found and fifth_later.pk in found
    assert five.pk not in found and three.pk not in found and teen.pk not in found
    assert fifth_later.pk not in ids(Rule.ONE_SKILL_SHORT, world, TODAY())
    # A skill lost later (a newer observation at "not yet") counts from its day.
    f.skill(five, core[0], 0, drive_day() - dt.timedelta(days=1))
    assert five.pk in ids(Rule.ONE_SKILL_SHORT, world)
    # The commune drops a skill from its core set before the drive day: four now has every core skill.
    f.core_choice(world.commune, core[4], False, drive_day() - dt.timedelta(days=10))
    assert four.pk not in ids(Rule.ONE_SKILL_SHORT, world)


def test_gia_dinh_so_targets_households_without_a_basic_adult(world):
    core = f.national_core()
    away = f.household(world.village_a, LONG_AGO)
    already = f.household(world.village_a, LONG_AGO)
    short_here = f.resident(away, LONG_AGO, birth_year=1980)
    short_there = f.resident(already, LONG_AGO, birth_year=1980)
    basic_there = f.resident(already, LONG_AGO, birth_year=1975)
    f.master_skills(short_here, core[:4], drive_day() - dt.timedelta(days=5))
    f.master_skills(short_there, core[:4], drive_day() - dt.timedelta(days=5))
    f.master_skills(basic_there, core, drive_day() - dt.timedelta(days=5))
    assert ids(Rule.FAMILY_ONE_SHORT, world) == {short_here.pk}
    households = filters.households_one_adult_away(commune=world.commune, day=drive_day())
    assert set(households.values_list("pk", flat=True)) == {away.pk}
    # Before the basic adult learned, both households were one adult away.
    before = filters.households_one_adult_away(commune=world.commune, day=drive_day() - dt.timedelta(days=6))
    assert set(before.values_list("pk", flat=True)) == set()  # nobody had 4 skills yet either


def test_elderly_and_disabled_not_yet_in_a_class_on_the_day(world, home):
    sixty_on_d = f.resident(home, LONG_AGO, birth_date=years_before(drive_day(), 60))
    sixty_tomorrow = f.resident(
        home, LONG_AGO, birth_date=years_before(drive_day(), 60) + dt.timedelta(days=1)
    )
    attended = f.resident(home, LONG_AGO, birth_year=1940)
    attends_later = f.resident(home, LONG_AGO, birth_year=1940)
    disabled = f.resident(home, LONG_AGO, birth_year=1990, is_disabled=True)
    f.attend(
        f.community_class(world.commune, drive_day() - dt.timedelta(days=2), by=world.officer),
        [attended],
        by=world.officer,
    )
    f.attend(
        f.community_class(world.commune, drive_day() + dt.timedelta(days=2), by=world.officer),
        [attends_later],
        by=world.officer,
    )
    elderly = ids(Rule.ELDERLY_NO_CLASS, world)
    assert {sixty_on_d.pk, attends_later.pk} <= elderly
    assert sixty_tomorrow.pk not in elderly and attended.pk not in elderly and disabled.pk not in elderly
    assert ids(Rule.DISABLED_NO_CLASS, world) == {disabled.pk}


def test_traders_and_workers(world, home):
    core = f.national_core()
    trader_done = f.resident(home, LONG_AGO, birth_year=1980)
    trader_half = f.resident(home, LONG_AGO, birth_year=1980)
    worker = f.resident(home, LONG_AGO, birth_year=1995)
    worker_basic = f.resident(home, LONG_AGO, birth_year=1995)
    for person in (trader_done, trader_half):
        person.is_trader = True
        person.save()
    for person in (worker, worker_basic):
        person.is_worker = True
        person.save()
    f.status(trader_done, StatusField.CASHLESS_REGULAR, 1, drive_day() - dt.timedelta(days=1))
    f.status(trader_done, StatusField.SELLS_ONLINE, 1, drive_day() - dt.timedelta(days=1))
    f.status(trader_half, StatusField.CASHLESS_REGULAR, 1, drive_day() - dt.timedelta(days=1))
    f.master_skills(worker_basic, core, drive_day() - dt.timedelta(days=1))
    assert ids(Rule.TRADERS_4T, world) == {trader_half.pk}
    assert ids(Rule.WORKERS_NO_BASIC, world) == {worker.pk}


def test_only_residents_present_on_the_day(world):
    home = f.household(world.village_a, LONG_AGO)
    later = f.household(world.village_a, TODAY())
    stays = f.resident(home, LONG_AGO, birth_year=1990)
    left = f.resident(home, LONG_AGO, birth_year=1990)
    arrives = f.resident(home, drive_day() + dt.timedelta(days=1), birth_year=1990)
    in_later_household = f.resident(later, TODAY(), birth_year=1990)
    f.resident_left(left, drive_day() - dt.timedelta(days=1))
    found = ids(Rule.VNEID, world)
    assert stays.pk in found
    assert left.pk not in found and arrives.pk not in found and in_later_household.pk not in found
    # Another commune's residents never appear.
    assert world.household_c.residents.get().pk not in ids(Rule.VNEID, world, TODAY())


def test_village_choice_and_user_scope(world):
    everyone = ids(Rule.VNEID, world, TODAY())
    assert {world.resident_a.pk, world.resident_b.pk} <= everyone
    assert ids(Rule.VNEID, world, TODAY(), villages=[world.village_b]) == {world.resident_b.pk}

    def scoped(user, for_change=True):
        found = filters.for_user(
            Rule.VNEID, user=user, commune=world.commune, day=TODAY(), for_change=for_change
        )
        return set(found.values_list("pk", flat=True))

    assert scoped(world.officer) == everyone
    assert scoped(world.leader_a) == {world.resident_a.pk}
    assert scoped(world.member_b) == {world.resident_b.pk}
    assert scoped(world.leader) == set()  # the commune leader reads, changes nothing
    assert scoped(world.leader, for_change=False) == everyone
    assert scoped(world.province_officer, for_change=False) == set()
    assert scoped(world.other_officer) == set()
