"""Property-based: on random registries with histories, every registry indicator read from the rollups
(`values`, `side_by_side`, `ids_behind`) equals a brute-force recomputation from the raw rows, both as the
write path keeps them and after `rollup.rebuild()`.

Each example builds a province with two communes of 1-3 villages through the application's write paths
(registry services, `recording`, fieldwork services): households registered and leaving on random days,
moving village, residents with birth dates (29 February, turning 14/18/60 inside the window), birth years
or neither, disabled or not, leaving, erased; status observations of every field with every evidence and
same-day ties; core and other skills; visits of every channel at awkward local times; classes with
attendance; a commune counting trusted evidence only; a dated change of a commune's core set. It then
probes random places on days chosen around the histories. Bounded so that `make test` stays quick.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from binhdan.fieldwork.models import Channel
from binhdan.indicators import rollup
from binhdan.indicators.tests.brute import mismatches
from binhdan.registry.models import Evidence, Household, Skill, StatusField
from binhdan.registry.rights import erase_resident
from binhdan.testing import indicators as f

pytestmark = pytest.mark.django_db

# The window every history falls in: before today (the services refuse the future), wide enough to hold
# two 1 March days, so that 29 February birthdays and 14/18/60th birthdays fall inside.
# Worked out at import for the strategies below; a day turning during the run only leaves the window
# further in the past, still before today.
END = min(dt.date(2026, 10, 31), timezone.localdate() - dt.timedelta(days=1))
START = END - dt.timedelta(days=640)
SPAN = (END - START).days
LEAP_BIRTHDAYS = (dt.date(2008, 2, 29), dt.date(2012, 2, 29), dt.date(1964, 2, 29), dt.date(1968, 2, 29))
AGES = (14, 18, 60)
# Local wall-clock times of visits: 00:30 local is 17:30 UTC the day before, 23:30 local is 16:30 UTC.
VISIT_TIMES = ((0, 30), (6, 59), (7, 0), (12, 0), (16, 59), (17, 0), (23, 30), (23, 59))
# A few recording instants, so that same-day observations often tie on recorded_at too (then: id).
RECORDED_AT = tuple(
    dt.datetime(END.year, END.month, END.day, 9, minute, tzinfo=f.LOCAL) for minute in (0, 0, 1, 2)
)
STATUS_VALUES = {StatusField.VNEID_LEVEL: (0, 1, 2)}
# A household moving to another commune's village keeps the new commune's evidence rule and core set for
# its whole past in the engine (test_definitions: the xfail cross-commune tests); off until that is settled.
CROSS_COMMUNE_MOVES = (
    False  # refused by registry.services.update_household: a household leaves one commune's registry
)
# Days compared side by side per example: up to 12 birthday days, then change days up to 24 in all,
# then observation days up to 30.
TIER_CAPS = (12, 24, 30)
NON_CORE = ("cai-dat-ung-dung", "mat-khau-manh")

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

offsets = st.integers(min_value=0, max_value=SPAN)
# Observation days: often one of a few shared days, so that same-day ties happen.
observed = st.one_of(offsets, st.sampled_from((SPAN // 3, SPAN // 3 + 1, 2 * SPAN // 3)))


def day(offset: int) -> dt.date:
    return START + dt.timedelta(days=min(max(offset, 0), SPAN))


def _first_day_of_age(born: dt.date | None, years: int) -> dt.date | None:
    if born is None:
        return None
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February
        return dt.date(born.year + years, 3, 1)


def _anniversary(anchor: dt.date, years: int) -> dt.date:
    try:
        return anchor.replace(year=anchor.year - years)
    except ValueError:
        return dt.date(anchor.year - years, 2, 28)


@st.composite
def births(draw: Any) -> tuple[str, Any]:
    kind = draw(st.sampled_from(["turning", "turning", "leap", "year", "year_turning", "random", "none"]))
    if kind == "turning":  # a birthday that makes the person 14, 18 or 60 inside the window, ± a day
        anchor = day(draw(offsets)) + dt.timedelta(days=draw(st.integers(-1, 1)))
        return "date", _anniversary(anchor, draw(st.sampled_from(AGES)))
    if kind == "leap":
        return "date", draw(st.sampled_from(LEAP_BIRTHDAYS))
    if kind == "year_turning":
        return "year", draw(st.sampled_from([START.year, END.year])) - draw(st.sampled_from(AGES))
    if kind == "year":
        return "year", draw(st.integers(1930, END.year))
    if kind == "random":
        return "date", dt.date(draw(st.integers(1930, END.year - 1)), draw(st.integers(1, 12)), 1) + (
            dt.timedelta(days=draw(st.integers(0, 27)))
        )
    return "none", None


# Every field, the ones the indicators read more often.
COUNTED_FIELDS = (
    "smartphone",
    "payment_account",
    "cashless_regular",
    "vneid_level",
    "pcks_confirmed",
    "health_book",
)
status_obs = st.tuples(
    st.sampled_from([*StatusField.values, *COUNTED_FIELDS, *COUNTED_FIELDS]),
    st.integers(0, 2),
    st.sampled_from(Evidence.values),
    observed,
    st.integers(-1, len(RECORDED_AT) - 1),  # -1: now
)
skill_obs = st.tuples(st.integers(0, 6), st.integers(0, 2), observed, st.integers(-1, len(RECORDED_AT) - 1))

residents = st.fixed_dictionaries(
    {
        "birth": births(),
        "registered": offsets,
        "left": st.none() | offsets,
        "disabled": st.booleans(),
        "erase": st.integers(0, 9).map(lambda n: n == 0),
        "status": st.lists(status_obs, min_size=1, max_size=6),
        "skills": st.lists(skill_obs, max_size=4),
        # every core skill mastered that day; a core skill back to "guided" (day, recorded at)
        "master": st.none() | st.tuples(observed, st.integers(-1, len(RECORDED_AT) - 1)),
        "unlearn": st.none() | st.tuples(st.integers(0, 4), observed, st.integers(-1, len(RECORDED_AT) - 1)),
    }
)
households = st.fixed_dictionaries(
    {
        "village": st.integers(0, 5),
        "registered": offsets,
        "left": st.none() | offsets,
        "moves": st.lists(st.tuples(st.integers(0, 5), offsets), max_size=2),
        "residents": st.lists(residents, min_size=1, max_size=4),
        "visits": st.lists(
            st.tuples(offsets, st.sampled_from(VISIT_TIMES), st.sampled_from(Channel.values)), max_size=3
        ),
    }
)
plans = st.fixed_dictionaries(
    {
        "villages": st.tuples(st.integers(1, 3), st.integers(1, 3)),
        "households": st.lists(households, min_size=2, max_size=7),
        "classes": st.lists(
            st.tuples(st.integers(0, 1), st.booleans(), offsets, st.lists(st.integers(0, 40), max_size=4)),
            min_size=1,
            max_size=3,
        ),
        # (commune, set before the rows are written) or none
        "trusted": st.sampled_from([None, (0, True), (0, False), (1, True), (1, False)]),
        "core": st.none() | st.tuples(st.integers(0, 1), st.booleans(), st.integers(0, 4), offsets),
    }
)


def build(plan: dict[str, Any]) -> tuple[f.Places, list[set[dt.date]]]:
    """Write the plan through the write paths; returns the places and the days worth probing, in tiers:
    birthdays (14/18/60, 29 Feb) and the days before them, other days something changes and the days
    before them, then days observations were made."""
    places = f.make_places(plan["villages"])
    villages = places.all_villages
    by = f.make_user()
    core = f.national_core()
    skills = [*core, *Skill.objects.filter(code__in=NON_CORE).order_by("code")]
    days: set[dt.date] = {START - dt.timedelta(days=1), START, END}
    # First days of a change and the days before them, probed first (birthdays before anything).
    birthdays: set[dt.date] = set()
    edges: set[dt.date] = set()

    if plan["trusted"] and plan["trusted"][1]:
        f.trusted_only(places.communes[plan["trusted"][0]])

    people = []
    for h in plan["households"]:
        registered = day(h["registered"])
        home = f.household(villages[h["village"] % len(villages)], registered)
        edges |= {registered, registered - dt.timedelta(days=1)}
        for target, offset in sorted(h["moves"], key=lambda m: m[1]):
            on = max(day(offset), registered)
            home.refresh_from_db()
            if CROSS_COMMUNE_MOVES:
                village = villages[target % len(villages)]
            else:
                siblings = [v for v in villages if v.parent_id == home.village.parent_id]
                village = siblings[target % len(siblings)]
            if village.pk != home.village_id:
                f.move(home, village, on)
                edges |= {on, on - dt.timedelta(days=1)}
        for r in h["residents"]:
            kind, value = r["birth"]
            person = f.resident(
                home,
                day(r["registered"]),
                birth_date=value if kind == "date" else None,
                birth_year=value if kind == "year" else None,
                is_disabled=r["disabled"],
            )
            days.add(day(r["registered"]))
            born = value if kind == "date" else dt.date(value, 1, 1) if kind == "year" else None
            for years in AGES:
                first = _first_day_of_age(born, years)
                if first is not None and START <= first <= END:
                    birthdays |= {first, first - dt.timedelta(days=1)}
            # One write per recording instant: rows of one write tie on recorded_at (then: id).
            by_instant: dict[int, list[tuple[str, int, str, dt.date]]] = {}
            for field, value_, evidence, offset, at in r["status"]:
                high = 2 if field == StatusField.VNEID_LEVEL else 1
                by_instant.setdefault(at, []).append((field, min(value_, high), evidence, day(offset)))
                days.add(day(offset))
            for at, rows in by_instant.items():
                f.statuses(person, rows, recorded_at=RECORDED_AT[at] if at >= 0 else None)
            if r["master"] is not None:
                on, at = r["master"]
                f.master_skills(person, core, day(on), recorded_at=RECORDED_AT[at] if at >= 0 else None)
                days.add(day(on))
            for which, level, offset, at in r["skills"]:
                f.skill(
                    person,
                    skills[which],
                    level,
                    day(offset),
                    recorded_at=RECORDED_AT[at] if at >= 0 else None,
                )
                days.add(day(offset))
            if r["unlearn"] is not None:
                which, on, at = r["unlearn"]
                f.skill(person, core[which], 1, day(on), recorded_at=RECORDED_AT[at] if at >= 0 else None)
                days.add(day(on))
            if r["left"] is not None:
                left = max(day(r["left"]), person.registered_on)
                f.resident_left(person, left)
                edges |= {left, left - dt.timedelta(days=1)}
            people.append((person, r["erase"]))
        for offset, (hour, minute), channel in h["visits"]:
            f.visit(home, f.local(day(offset), hour, minute), by=by, channel=channel)
            edges |= {day(offset), day(offset) - dt.timedelta(days=1)}
        if h["left"] is not None:
            left = max(day(h["left"]), registered)
            f.household_left(home, left)
            edges |= {left, left - dt.timedelta(days=1)}

    commune_now = dict(
        Household.objects.filter(pk__in={p.household_id for p, _ in people}).values_list(
            "pk", "village__parent_id"
        )
    )
    for commune_index, in_village, offset, picks in plan["classes"]:
        commune = places.communes[commune_index]
        village = places.villages[commune.pk][0] if in_village else None
        held = f.community_class(commune, day(offset), by=by, village=village)
        days.add(day(offset))
        # Only the commune's residents can be ticked (by their household's village now).
        local_people = [p for p, _ in people if commune_now[p.household_id] == commune.pk]
        if local_people and picks:
            f.attend(held, list({local_people[i % len(local_people)] for i in picks}), by=by)

    if plan["core"]:
        commune_index, add, which, offset = plan["core"]
        commune = places.communes[commune_index]
        effective = day(offset)
        if add:  # a non-core skill joins the core set
            f.core_choice(commune, skills[5 + which % 2], True, effective)
        else:  # a core skill leaves it
            f.core_choice(commune, core[which], False, effective)
        edges |= {effective, effective - dt.timedelta(days=1)}

    for person, erase in people:
        if erase:
            erase_resident(by=by, resident=person, reason="Người dân yêu cầu xoá")

    if plan["trusted"] and not plan["trusted"][1]:
        f.trusted_only(places.communes[plan["trusted"][0]])
    return places, [birthdays, edges - birthdays, days - edges - birthdays]


@SETTINGS
@given(plan=plans, data=st.data())
def test_rollups_equal_brute_force(plan: dict[str, Any], data: st.DataObject) -> None:
    f.seed_catalogues()
    with transaction.atomic():
        places, tiers = build(plan)
        days: list[dt.date] = []
        for number, (tier, cap) in enumerate(zip(tiers, TIER_CAPS, strict=True)):
            pool = sorted(tier - set(days))
            days += data.draw(st.permutations(pool), label=f"tier {number}")[: max(cap - len(days), 0)]
        days.sort()
        pairs = st.tuples(st.sampled_from(places.all), st.sampled_from(days))
        values_for = data.draw(st.lists(pairs, min_size=1, max_size=3), label="values_for")
        ids_for = data.draw(st.lists(pairs, min_size=1, max_size=3), label="ids_for")
        found = mismatches(places.all, days, values_for=values_for, ids_for=ids_for)
        assert found == [], "from the write path:\n" + "\n".join(found[:30])
        rollup.rebuild()
        found = mismatches(places.all, days, values_for=values_for, ids_for=ids_for)
        assert found == [], "after rebuild():\n" + "\n".join(found[:30])
        transaction.set_rollback(True)
