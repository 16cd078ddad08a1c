"""Rollups kept current by the registry's write path, and rebuilt from source on demand.

A household and its residents are one unit. For a unit, `compute_spans` reads the source rows
(lifecycle dates, village history, observations, visits, class attendance, the commune's core set and
evidence rule) and returns each entity's state over time as spans `[start, end)` with a bit mask
(`catalogue.py`). `refresh_households` replaces the units' stored spans and turns the difference into
deltas per place (village, commune, province), indicator and day. `Total` holds the sum of deltas up to
the clock's day (today), so that today's figures of a hundred communes are a hundred rows;
`advance_totals` moves the clock.

The write path does not wait for any of that. Its listener, `enqueue`, writes the touched household ids
to `QueuedHousehold` in the writer's transaction (one INSERT: a push stays cheap, and no two pushes of
a province wait on its shared totals). `catch_up` drains the queue in rounds — many households per
round, each household once however often it was written — under one lock, so that only one drainer
moves the shared totals at a time. It runs in the background (`jobs_worker`'s periodic steps, or
`manage.py rollups_catch_up --follow`), and every reader of the rollups (`values`, `side_by_side`,
`ids_behind`) calls it first: a figure is never read behind the rows it counts, whether or not a
drainer runs.

Future days are real too: a child's 14th and 18th birthdays and a 59-year-old's 60th are span
boundaries, so the counts on any later day are right without any write on that day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, Min, Q, QuerySet, Sum, Window
from django.db.models.functions import Lag, RowNumber
from django.utils import timezone

from binhdan.common.db import add_to_rows, fetch_together, insert_rows
from binhdan.common.lookups import as_ids
from binhdan.indicators import catalogue as cat
from binhdan.indicators.models import Delta, Indicator, QueuedHousehold, RollupClock, StateSpan, Total
from binhdan.places.models import Level, Place
from binhdan.registry.models import (
    TRUSTED_EVIDENCE,
    CommuneSettings,
    CommuneSkillChoice,
    DashboardEvidence,
    Household,
    HouseholdMove,
    Resident,
    Skill,
    SkillLevel,
    SkillObservation,
    StatusField,
    StatusObservation,
)

FAR_PAST = dt.date(1900, 1, 1)
CHUNK = 2000  # households per round of a rebuild, and at most per round of a catch-up
ROLLUP_LOCK = 0x62646E52  # PostgreSQL advisory lock key ("bdnR") held by whoever moves the rollups
REBUILD_WORK_MEM = "256MB"  # PostgreSQL memory per sort or grouping of a rebuild (the default is 4MB)


@dataclass(frozen=True, slots=True)
class Span:
    kind: str  # "h" / "r"
    entity_id: int
    household_id: int
    village_id: int
    commune_id: int
    start: dt.date
    end: dt.date | None
    mask: int


# --- what a commune decides ----------------------------------------------------------------------------


@dataclass
class CommuneRules:
    trusted_only: bool
    core: list[tuple[dt.date, frozenset[int]]]  # (from day, core skill ids), ascending from FAR_PAST

    def core_on(self, day: dt.date) -> frozenset[int]:
        current = self.core[0][1]
        for start, skills in self.core:
            if start > day:
                break
            current = skills
        return current

    @property
    def change_days(self) -> list[dt.date]:
        return [start for start, _ in self.core[1:]]

    @property
    def all_core(self) -> frozenset[int]:
        return frozenset().union(*(s for _, s in self.core))


def _rules_querysets(communes: Any) -> list[QuerySet[Any]]:
    """The rows `commune_rules` reads for these communes (ids, or a subquery of them)."""
    return [
        CommuneSettings.objects.filter(
            commune_id__in=communes, dashboard_evidence=DashboardEvidence.TRUSTED
        ).values_list("commune_id"),
        Skill.objects.filter(Q(commune__isnull=True) | Q(commune_id__in=communes), active=True).values_list(
            "pk", "commune_id", "is_core"
        ),
        CommuneSkillChoice.objects.filter(commune_id__in=communes)
        .order_by("effective_on", "recorded_at", "pk")
        .values_list("commune_id", "effective_on", "skill_id", "in_core"),
    ]


def commune_rules(commune_ids: Iterable[int]) -> dict[int, CommuneRules]:
    """Each commune's evidence rule and its core set over time (three queries, in one round trip)."""
    ids = sorted(set(commune_ids))
    return _commune_rules(ids, *fetch_together(_rules_querysets(ids)))


def _commune_rules(
    ids: Iterable[int], trusted_rows: list[tuple], skills: list[tuple], choice_rows: list[tuple]
) -> dict[int, CommuneRules]:
    trusted = {commune_id for (commune_id,) in trusted_rows}
    choices: dict[int, list[tuple[dt.date, int, bool]]] = defaultdict(list)
    for commune_id, day, skill_id, in_core in choice_rows:
        choices[commune_id].append((day, skill_id, in_core))
    rules = {}
    for commune_id in ids:
        state = {pk: core for pk, owner, core in skills if owner is None or owner == commune_id}
        timeline = [(FAR_PAST, frozenset(pk for pk, core in state.items() if core))]
        for day, skill_id, in_core in choices.get(commune_id, []):
            if skill_id not in state:
                continue
            state[skill_id] = in_core
            now = frozenset(pk for pk, core in state.items() if core)
            if timeline[-1][0] == day:
                timeline[-1] = (day, now)
            elif now != timeline[-1][1]:
                timeline.append((day, now))
        rules[commune_id] = CommuneRules(commune_id in trusted, timeline)
    return rules


# --- dates -----------------------------------------------------------------------------------------------


def birthday(birth_date: dt.date | None, birth_year: int | None, years: int) -> dt.date | None:
    """The day someone turns `years`: from the birth date, else 1 January of the birth year; 29 February
    counts from 1 March in other years (as `Resident.age_on` does)."""
    if birth_date is not None:
        try:
            return birth_date.replace(year=birth_date.year + years)
        except ValueError:
            return dt.date(birth_date.year + years, 3, 1)
    if birth_year:
        return dt.date(birth_year + years, 1, 1)
    return None


def _local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def _min_end(*ends: dt.date | None) -> dt.date | None:
    known = [e for e in ends if e is not None]
    return min(known) if known else None


# --- source rows of a set of households -------------------------------------------------------------------


@dataclass
class _Person:
    pk: int
    birth: dict[int, dt.date | None]
    disabled: bool
    start: dt.date
    end: dt.date | None
    # day, order among the same key's observations, key, value
    events: list[tuple[dt.date, int, str, int]] = field(default_factory=list)
    first_class: dt.date | None = None


@dataclass
class _Unit:
    pk: int
    start: dt.date
    end: dt.date | None
    poor: bool
    villages: list[tuple[dt.date, int]]  # (from day, village), ascending
    commune_id: int
    people: list[_Person] = field(default_factory=list)
    first_visit: dt.date | None = None
    first_home_visit: dt.date | None = None


def _village_history(
    current: int, start: dt.date, moves: list[tuple[dt.date, int, int]]
) -> list[tuple[dt.date, int]]:
    """[(from day, village)] from a household's moves: before the first move it was in that move's origin."""
    if not moves:
        return [(start, current)]
    history = [(start, moves[0][1])]
    for day, _, to_village in moves:
        day = max(day, start)
        if history[-1][0] == day:
            history[-1] = (day, to_village)
        else:
            history.append((day, to_village))
    return history


def _load(
    household_ids: Sequence[int], communes: dict[int, int], also: Sequence[QuerySet[Any]] = ()
) -> tuple[list[_Unit], dict[int, CommuneRules], list[list[tuple]]]:
    """The units of these households and their communes' rules, from the source rows, with the rows of the
    `also` querysets: two round trips (`common.db.fetch_together`), whatever the number of households."""
    from binhdan.fieldwork.models import Channel, ClassAttendance, Visit

    # `__among` (common.lookups): the ids as one array value; `__in` would prepare each of a round's
    # thousands of ids again for every queryset below.
    ids = as_ids(household_ids)
    homes = Household.objects.filter(pk__among=ids)
    # Round 1: the households with their communes, their moves, which of their communes count only
    # trusted evidence, and what the caller wants too.
    rows, move_rows, trusted_rows, *extra = fetch_together(
        [
            homes.values_list(
                "pk", "village_id", "registered_on", "left_on", "is_poor", "is_near_poor",
                "village__parent_id", "village__parent__parent_id",
            ),
            HouseholdMove.objects.filter(household_id__among=ids)
            .order_by("moved_on", "pk")
            .values_list(
                "household_id", "moved_on", "from_village_id", "to_village_id",
                "from_village__parent_id", "from_village__parent__parent_id",
            ),
            CommuneSettings.objects.filter(
                commune_id__in=homes.values("village__parent_id"), dashboard_evidence=DashboardEvidence.TRUSTED
            ).values_list("commune_id"),
            *also,
        ]
    )  # fmt: skip
    home_communes = sorted({r[6] for r in rows if r[6] is not None})
    trusted_communes = [c for (c,) in trusted_rows]
    # Every skill that is core somewhere in these communes at some time (a superset is harmless: a skill
    # outside the core sets changes no mask, and spans with the same mask merge).
    core_skills = Skill.objects.filter(
        Q(commune__isnull=True) | Q(commune_id__in=home_communes), active=True, is_core=True
    ).values("pk")
    chosen_core = CommuneSkillChoice.objects.filter(commune_id__in=home_communes, in_core=True).values(
        "skill_id"
    )
    # The observations of these households' residents, by resident id (read once into an array): the
    # rows then come in the order of the (resident, key, observed_on, recorded_at, id) index, which is
    # the order of `_changes`' window, so PostgreSQL sorts nothing. (A join to the residents came out
    # in no order, and a round of a thousand households sorted a hundred thousand rows on disk.)
    residents = Resident.objects.filter(household_id__among=ids)
    trusted_residents = residents.filter(household__village__parent_id__in=trusted_communes)
    mine = Q(resident_id__among=residents.values("pk"))
    # Round 2: the rules' rows, the residents and what was learned about them, the visits.
    _, skills_of_rules, choices_of_rules = _rules_querysets(home_communes)
    (
        skill_rows_of_rules,
        choice_rows,
        resident_rows,
        trusted_status,
        other_status,
        skill_changes,
        first_classes,
        first_visits,
    ) = fetch_together(
        [
            skills_of_rules,
            choices_of_rules,
            residents.values_list(
                "pk", "household_id", "birth_date", "birth_year", "is_disabled", "registered_on", "left_on"
            ),
            # The commune counts only seen/confirmed values where it says so.
            _changes(
                StatusObservation.objects.filter(
                    resident_id__among=trusted_residents.values("pk"), evidence__in=TRUSTED_EVIDENCE
                ),
                "field",
                "value",
            ),
            _changes(
                StatusObservation.objects.filter(
                    resident_id__among=residents.exclude(
                        household__village__parent_id__in=trusted_communes
                    ).values("pk")
                ),
                "field",
                "value",
            ),
            _changes(
                SkillObservation.objects.filter(mine).filter(
                    Q(skill_id__in=core_skills) | Q(skill_id__in=chosen_core)
                ),
                "skill_id",
                "level",
            ),
            ClassAttendance.objects.filter(mine)
            .values("resident_id")
            .annotate(first=Min("community_class__held_on"))
            .values_list("resident_id", "first"),
            Visit.objects.filter(household_id__among=ids)
            .values("household_id", "channel")
            .annotate(first=Min("visited_at"))
            .values_list("household_id", "channel", "first"),
        ]
    )
    moves: dict[int, list[tuple[dt.date, int, int]]] = defaultdict(list)
    for household_id, day, from_v, to_v, *_ in move_rows:
        moves[household_id].append((day, from_v, to_v))
    places = [(r[1], r[6], r[7]) for r in rows] + [(m[2], m[4], m[5]) for m in move_rows]
    for village, commune, province in places:  # village → commune, commune → province
        communes.setdefault(village, commune)
        if commune is not None and province is not None:
            communes.setdefault(commune, province)
    units: dict[int, _Unit] = {}
    for pk, village_id, registered_on, left_on, poor, near_poor, *_ in rows:
        units[pk] = _Unit(
            pk,
            registered_on,
            left_on,
            poor or near_poor,
            _village_history(village_id, registered_on, moves[pk]),
            communes[village_id],
        )
    rules = _commune_rules(
        sorted({u.commune_id for u in units.values()}), trusted_rows, skill_rows_of_rules, choice_rows
    )
    people: dict[int, _Person] = {}
    for pk, household_id, birth_date, birth_year, disabled, registered_on, left_on in resident_rows:
        unit = units[household_id]
        person = _Person(
            pk,
            {n: birthday(birth_date, birth_year, n) for n in (14, 18, 60)},
            disabled,
            max(registered_on, unit.start),
            _min_end(left_on, unit.end),
        )
        people[pk] = person
        unit.people.append(person)
    if people:
        for resident_id, f, value, day, rank in [*trusted_status, *other_status]:
            people[resident_id].events.append((day, rank, f, value))
        core_ids = frozenset().union(*(r.all_core for r in rules.values())) if rules else frozenset()
        for resident_id, skill_id, level, day, rank in skill_changes:
            if skill_id in core_ids:
                people[resident_id].events.append((day, rank, f"skill:{skill_id}", level))
        for resident_id, first in first_classes:
            people[resident_id].first_class = first
    for household_id, channel, first in first_visits:
        unit = units[household_id]
        day = _local_day(first)
        unit.first_visit = min(filter(None, [unit.first_visit, day]))
        if channel == Channel.DOOR_TO_DOOR:
            unit.first_home_visit = min(filter(None, [unit.first_home_visit, day]))
    return list(units.values()), rules, extra


def _changes(rows: QuerySet[Any], key: str, value: str) -> QuerySet[Any]:
    """(resident, key, value, day, order) of the observations that change a value: a row with the same
    value as the one before it (same resident and key, in observed_on, recorded_at, id order) changes
    nothing on any day, so the database leaves it out (a LAG window) and the histories that reach Python
    stay short however often a household is visited. `order` is the row's place in that order (a
    ROW_NUMBER over the same window): the tie-break of observations of one key on one day, without
    sending (and parsing) every `recorded_at`."""
    order = [F("observed_on").asc(), F("recorded_at").asc(), F("pk").asc()]
    partition = [F("resident_id"), F(key)]
    return (
        rows.annotate(
            before=Window(Lag(value), partition_by=partition, order_by=order),
            place=Window(RowNumber(), partition_by=partition, order_by=order),
        )
        .filter(Q(before__isnull=True) | ~Q(before=F(value)))
        .order_by()  # no sort needed: the sweep sorts each resident's events
        .values_list("resident_id", key, value, "observed_on", "place")
    )


def _fill_communes(communes: dict[int, int], village_ids: Iterable[int]) -> None:
    """Each place's parent (village → commune), and the parent's parent (commune → province) in the same
    query, since `_ancestors` asks for it next."""
    missing = [v for v in village_ids if v not in communes]
    if missing:
        for pk, parent, grandparent in Place.objects.filter(pk__in=missing).values_list(
            "pk", "parent_id", "parent__parent_id"
        ):
            communes[pk] = parent
            if parent is not None and grandparent is not None:
                communes.setdefault(parent, grandparent)


# --- states over time --------------------------------------------------------------------------------------

_STATUS_BIT = cat.STATUS_BITS


def _resident_spans(
    person: _Person, unit: _Unit, rules: CommuneRules
) -> list[tuple[dt.date, dt.date | None, int, int]]:
    """(start, end, village, mask) of one resident while present."""
    if person.end is not None and person.end <= person.start:
        return []
    events = sorted(person.events)  # by day, then the order within each key: the latest wins
    days = {person.start}
    days.update(e[0] for e in events if e[0] > person.start)
    days.update(d for d in person.birth.values() if d is not None and d > person.start)
    days.update(d for d, _ in unit.villages if d > person.start)
    days.update(d for d in rules.change_days if d > person.start)
    if person.first_class and person.first_class > person.start:
        days.add(person.first_class)
    ordered = sorted(d for d in days if person.end is None or d < person.end)
    base = cat.R_ALL | (cat.R_DISABLED if person.disabled else 0)
    status: dict[str, int] = {}
    skills: dict[int, int] = {}
    spans: list[tuple[dt.date, dt.date | None, int, int]] = []
    i = 0
    vi = 0
    for day in ordered:
        while i < len(events) and events[i][0] <= day:
            _, _, key, value = events[i]
            if key.startswith("skill:"):
                skills[int(key[6:])] = value
            else:
                status[key] = value
            i += 1
        while vi + 1 < len(unit.villages) and unit.villages[vi + 1][0] <= day:
            vi += 1
        mask = base
        for years, bit in ((14, cat.R_AGE14), (18, cat.R_ADULT), (60, cat.R_AGE60)):
            turned = person.birth[years]
            if turned is not None and turned <= day:
                mask |= bit
        for key, value in status.items():
            if key == StatusField.VNEID_LEVEL:
                if value >= 1:
                    mask |= cat.R_VNEID1
                if value >= 2:
                    mask |= cat.R_VNEID2
            elif value and key in _STATUS_BIT:
                mask |= _STATUS_BIT[key]
        core = rules.core_on(day)
        if core and all(skills.get(s) == SkillLevel.MASTERED for s in core):
            mask |= cat.R_BASIC
        if person.first_class is not None and person.first_class <= day:
            mask |= cat.R_CLASS
        village = unit.villages[vi][1]
        if spans and spans[-1][2] == village and spans[-1][3] == mask:
            continue
        if spans:
            spans[-1] = (spans[-1][0], day, spans[-1][2], spans[-1][3])
        spans.append((day, person.end, village, mask))
    return spans


def _household_spans(
    unit: _Unit, digital: list[tuple[dt.date, dt.date | None]]
) -> list[tuple[dt.date, dt.date | None, int, int]]:
    if unit.end is not None and unit.end <= unit.start:
        return []
    reached = _min_end(
        unit.first_visit, min((p.first_class for p in unit.people if p.first_class), default=None)
    )
    days = {unit.start}
    days.update(d for d, _ in unit.villages)
    days.update(d for d in (reached, unit.first_home_visit) if d)
    for start, end in digital:
        days.add(start)
        if end:
            days.add(end)
    ordered = sorted(d for d in days if d >= unit.start and (unit.end is None or d < unit.end))
    base = cat.H_ALL | (cat.H_POOR if unit.poor else 0)
    spans: list[tuple[dt.date, dt.date | None, int, int]] = []
    vi = 0
    for day in ordered:
        while vi + 1 < len(unit.villages) and unit.villages[vi + 1][0] <= day:
            vi += 1
        mask = base
        if reached and reached <= day:
            mask |= cat.H_REACHED
        if unit.first_home_visit and unit.first_home_visit <= day:
            mask |= cat.H_GUIDED
        if any(s <= day and (e is None or day < e) for s, e in digital):
            mask |= cat.H_DIGITAL
        village = unit.villages[vi][1]
        if spans and spans[-1][2] == village and spans[-1][3] == mask:
            continue
        if spans:
            spans[-1] = (spans[-1][0], day, spans[-1][2], spans[-1][3])
        spans.append((day, unit.end, village, mask))
    return spans


def compute_spans(household_ids: Sequence[int], communes: dict[int, int] | None = None) -> list[Span]:
    """Every state span of these households and their residents, from the source rows (two round trips)."""
    return _compute_spans(household_ids, {} if communes is None else communes)[0]


def _compute_spans(
    household_ids: Sequence[int], communes: dict[int, int], also: Sequence[QuerySet[Any]] = ()
) -> tuple[list[Span], list[list[tuple]]]:
    """`compute_spans`, with the rows of the `also` querysets read in the same round trip."""
    units, rules, extra = _load(household_ids, communes, also)
    out: list[Span] = []
    adult_basic = cat.R_ADULT | cat.R_BASIC
    for unit in units:
        rule = rules[unit.commune_id]
        digital: list[tuple[dt.date, dt.date | None]] = []
        for person in unit.people:
            for start, end, village, mask in _resident_spans(person, unit, rule):
                out.append(Span("r", person.pk, unit.pk, village, communes[village], start, end, mask))
                if mask & adult_basic == adult_basic:
                    digital.append((start, end))
        for start, end, village, mask in _household_spans(unit, digital):
            out.append(Span("h", unit.pk, unit.pk, village, communes[village], start, end, mask))
    return out, extra


# --- indicators over spans ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A registry indicator as bits: who is in the denominator, who of them in the numerator."""

    indicator_id: int
    code: str
    kind: str  # "h" / "r"
    commune_id: int | None  # a commune's own indicator counts only there
    den: int
    num: int


def _registry_rules_queryset() -> QuerySet[Any]:
    return Indicator.objects.filter(kind__in=[cat.HOUSEHOLD, cat.RESIDENT], active=True).values_list(
        "pk", "code", "kind", "population", "condition", "commune_id"
    )


def registry_rules(rows: Iterable[tuple] | None = None) -> list[Rule]:
    """The active registry indicators as bit rules (`rows`: those of `_registry_rules_queryset`, if read)."""
    rules = []
    for pk, code, kind, population, condition, commune_id in (
        _registry_rules_queryset() if rows is None else rows
    ):
        pop, cond = cat.POPULATIONS.get(population), cat.CONDITIONS.get(condition)
        if pop is None or cond is None or pop.kind != kind or cond.kind != kind:
            continue
        rules.append(
            Rule(pk, code, "h" if kind == cat.HOUSEHOLD else "r", commune_id, pop.bits, pop.bits | cond.bits)
        )
    return rules


def _ancestors(communes: dict[int, int], village_id: int, commune_id: int) -> tuple[int, int, int]:
    if commune_id not in communes:
        _fill_communes(communes, [commune_id])
    return village_id, commune_id, communes[commune_id]


def contributions(
    spans: Iterable[tuple], rules: Sequence[Rule], communes: dict[int, int], sign: int = 1
) -> dict[tuple[int, int, dt.date], list[int]]:
    """{(place, indicator, day): [num, den]} that these spans add (sign 1) or take away (sign -1)."""
    out: dict[tuple[int, int, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    by_kind: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        by_kind[rule.kind].append(rule)
    for span in spans:
        kind, _, _, village_id, commune_id, start, end, mask = span
        places = _ancestors(communes, village_id, commune_id)
        for rule in by_kind[kind]:
            if mask & rule.den != rule.den or (rule.commune_id is not None and rule.commune_id != commune_id):
                continue
            is_num = mask & rule.num == rule.num
            for place in places:
                cell = out[(place, rule.indicator_id, start)]
                cell[1] += sign
                if is_num:
                    cell[0] += sign
                if end is not None:
                    cell = out[(place, rule.indicator_id, end)]
                    cell[1] -= sign
                    if is_num:
                        cell[0] -= sign
    return out


# --- writing rollups ------------------------------------------------------------------------------------------


def clock_day(*, lock: bool = False) -> dt.date:
    """The day the totals are summed up to. With `lock`, held (shared) until the transaction ends so that
    `advance_totals` cannot move it under a writer."""
    suffix = " FOR SHARE" if lock and connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT as_of FROM {RollupClock._meta.db_table} WHERE id = 1{suffix}")  # nosec B608  # a table name
        row = cursor.fetchone()
    if row is None:
        RollupClock.objects.get_or_create(pk=1, defaults={"as_of": timezone.localdate()})
        return clock_day(lock=lock)
    value = row[0]
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def apply(changes: dict[tuple[int, int, dt.date], list[int]]) -> None:
    """Add deltas (and today's part to the totals), in key order so concurrent writers never deadlock."""
    rows = sorted((k, v) for k, v in changes.items() if v[0] or v[1])
    if not rows:
        return
    as_of = clock_day(lock=True)
    totals: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for (place, indicator, day), (num, den) in rows:
        if day <= as_of:
            cell = totals[(place, indicator)]
            cell[0] += num
            cell[1] += den
    add_to_rows(
        Delta._meta.db_table,
        ("place_id", "indicator_id", "day"),
        ("num", "den"),
        [(p, i, d, n, dd) for (p, i, d), (n, dd) in rows],
    )
    add_to_rows(
        Total._meta.db_table,
        ("place_id", "indicator_id"),
        ("num", "den"),
        [(p, i, n, d) for (p, i), (n, d) in sorted(totals.items()) if n or d],
    )


_SPAN_COLUMNS = [
    "kind",
    "entity_id",
    "household_id",
    "village_id",
    "commune_id",
    "starts_on",
    "ends_on",
    "mask",
]


def _row(span: Span) -> tuple:
    return (span.kind, span.entity_id, span.household_id, span.village_id, span.commune_id, span.start,
            span.end, span.mask)  # fmt: skip


def refresh_households(household_ids: set[int]) -> None:
    """Recompute these units now, store their spans and move the rollups, in the caller's transaction
    (`catch_up` calls it for what the write path queued; rules that change a whole commune call it too)."""
    ordered = sorted(household_ids)
    with transaction.atomic(savepoint=False):
        _take_lock()
        for start in range(0, len(ordered), CHUNK):
            _refresh(ordered[start : start + CHUNK])


def _refresh(ids: list[int]) -> None:
    communes: dict[int, int] = {}
    # In the caller's transaction, without a savepoint of its own: an error here fails the whole round,
    # whose queued rows then stay queued.
    with transaction.atomic(savepoint=False):
        # The stored spans and the indicators come in the same round trip as the source rows.
        spans, (stored, indicator_rows) = _compute_spans(
            ids,
            communes,
            [
                StateSpan.objects.filter(household_id__among=ids).values_list(*_SPAN_COLUMNS),
                _registry_rules_queryset(),
            ],
        )
        old: dict[int, set[tuple]] = defaultdict(set)
        for row in stored:
            old[row[2]].add(row)
        new: dict[int, set[tuple]] = defaultdict(set)
        for span in spans:
            new[span.household_id].add(_row(span))
        changed = [pk for pk in ids if old.get(pk, set()) != new.get(pk, set())]
        if not changed:
            return
        gone = [row for pk in changed for row in old.get(pk, set()) - new.get(pk, set())]
        came = [row for pk in changed for row in new.get(pk, set()) - old.get(pk, set())]
        rules = registry_rules(indicator_rows)
        changes = contributions(came, rules, communes)
        for key, (num, den) in contributions(gone, rules, communes, sign=-1).items():
            cell = changes.setdefault(key, [0, 0])
            cell[0] += num
            cell[1] += den
        StateSpan.objects.filter(household_id__among=changed).delete()
        insert_rows(StateSpan, _SPAN_COLUMNS, sorted(row for pk in changed for row in new.get(pk, set())))
        apply(changes)


def commune_changed(commune_id: int) -> None:
    """The commune changed a rule (core set, evidence): every unit of it is recomputed."""
    refresh_households(
        set(Household.objects.filter(village__parent_id=commune_id).values_list("pk", flat=True))
    )


# --- the queue between the write path and the rollups -------------------------------------------------------


def enqueue(household_ids: set[int]) -> None:
    """The registry write path's listener: these households' rollups are behind (one INSERT, in the
    writer's transaction, so that the note commits or rolls back with the rows it is about)."""
    insert_rows(QueuedHousehold, ["household_id"], [(pk,) for pk in sorted(household_ids)])


def pending() -> bool:
    """Whether any household waits for its rollups (one indexed read of a small table)."""
    return QueuedHousehold.objects.exists()


def _take_lock() -> None:
    """Be the only one moving the rollups until the transaction ends. PostgreSQL: an advisory lock
    (transaction-scoped, so it works behind pgbouncer's transaction pooling). SQLite has one writer at a
    time already: the DELETE that follows waits for it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK])


def _newest_queued() -> int | None:
    """The id of the newest queued row this statement sees (committed), or None when the queue is empty."""
    return QueuedHousehold.objects.aggregate(newest=Max("pk"))["newest"]


def _take_round(limit: int, upto: int) -> tuple[set[int], int]:
    """Remove up to `limit` queued rows with ids up to `upto`, oldest first; return their households and how
    many rows were removed. Only rows committed before this statement are seen; later ones wait.

    The rows go by a bound: every id up to the `limit`-th queued one (or up to `upto` when fewer are
    queued), found once by a subquery that depends on nothing outside it. (`id IN (SELECT … LIMIT n)`
    let PostgreSQL, which takes a small queue for one row, join the two as a nested loop that ran the
    subquery once for every row it deleted: 7 ms for 200 rows, and about n²/2 comparisons for n.)"""
    if limit < 1:
        raise ValueError("a round takes at least one queued row")
    table = QueuedHousehold._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id <= COALESCE("  # nosec B608  # a table name; the bounds are parameters
            f"(SELECT id FROM {table} WHERE id <= %s ORDER BY id LIMIT 1 OFFSET %s), %s) "
            "RETURNING household_id",
            [upto, limit - 1, upto],
        )
        rows = cursor.fetchall()
    return {row[0] for row in rows}, len(rows)


def catch_up(*, rounds: int | None = None, limit: int = CHUNK) -> int:
    """Bring the rollups up to every write committed before this call: drain what the queue holds now, in
    rounds of up to `limit` queued rows (each round one transaction, so the lock and the shared totals are
    held briefly), until that is done or `rounds` rounds are. Returns the number of households recomputed.

    What is queued while it runs waits for the next call: under a steady stream of pushes a drainer then
    recomputes a second's worth of households in one round, instead of chasing the stream in rounds of one
    or two households, each paying the round's fixed cost (two round trips of a dozen queries).

    The drainers take one lock, so a reader that finds a background drainer at work waits for it and
    then takes what is left. A failure rolls its round back: its rows stay queued for the next call."""
    upto = _newest_queued()
    done = taken = 0
    while upto is not None and (rounds is None or taken < rounds):
        with transaction.atomic():
            _take_lock()
            households, removed = _take_round(limit, upto)
            if households:
                refresh_households(households)
        done += len(households)
        taken += 1
        if removed < limit:  # nothing older than `upto` is left
            break
    return done


def _deltas_in_sql(rules: Sequence[Rule], as_of: dt.date, *, indicator_id: int | None = None) -> int:
    """Deltas and totals of `rules` summed from the stored spans by the database (rebuilds): +1 on a span's
    first day and -1 on its end, for its village, its commune and its province. Returns delta rows.

    One row per place, kind and day carries a num and a den column per rule: the span ends are grouped once
    per village (a few hundred thousand groups at a province of a million residents, where joining the
    rules first made millions), the commune and province rows are sums of those, and only then is each row
    spread into one row per rule, the zero ones (a span ending where the next begins) dropped."""
    if not rules:
        return 0
    span, delta, total, place = (
        StateSpan._meta.db_table,
        Delta._meta.db_table,
        Total._meta.db_table,
        Place._meta.db_table,
    )
    # The rules' numbers are ints of our own catalogue (int() below): written into the statement, they
    # keep it one plan whatever the number of rules.
    positions = ", ".join(
        f"({i}, {int(r.indicator_id)}, '{'h' if r.kind == 'h' else 'r'}')" for i, r in enumerate(rules)
    )

    def matches(rule: Rule, bits: int) -> str:
        own = f" AND commune_id = {int(rule.commune_id)}" if rule.commune_id is not None else ""
        return f"kind = '{'h' if rule.kind == 'h' else 'r'}' AND (mask & {int(bits)}) = {int(bits)}{own}"

    sums = ", ".join(
        f"CAST(SUM(CASE WHEN {matches(r, r.num)} THEN n ELSE 0 END) AS integer) AS n{i}, "
        f"CAST(SUM(CASE WHEN {matches(r, r.den)} THEN n ELSE 0 END) AS integer) AS d{i}"
        for i, r in enumerate(rules)
    )
    columns = ", ".join(f"n{i}, d{i}" for i in range(len(rules)))
    resum = ", ".join(
        f"CAST(SUM(n{i}) AS integer) AS n{i}, CAST(SUM(d{i}) AS integer) AS d{i}" for i in range(len(rules))
    )
    pick = "CASE r.pos " + " ".join(f"WHEN {i} THEN l.{{0}}{i}" for i in range(len(rules))) + " END"
    computed = f"""
        WITH rules (pos, indicator_id, kind) AS (VALUES {positions}),
        events AS (
            SELECT kind, village_id, commune_id, starts_on AS day, mask, 1 AS n FROM {span}
            UNION ALL
            SELECT kind, village_id, commune_id, ends_on AS day, mask, -1 AS n FROM {span}
            WHERE ends_on IS NOT NULL),
        village AS (
            SELECT kind, village_id, commune_id, day, {sums} FROM events
            GROUP BY kind, village_id, commune_id, day),
        commune AS (
            SELECT kind, commune_id, day, {resum} FROM village GROUP BY kind, commune_id, day),
        levels AS (
            SELECT kind, village_id AS place_id, day, {columns} FROM village
            UNION ALL
            SELECT kind, commune_id AS place_id, day, {columns} FROM commune
            UNION ALL
            SELECT c.kind, p.parent_id AS place_id, c.day, {resum}
            FROM commune c JOIN {place} p ON p.id = c.commune_id GROUP BY c.kind, p.parent_id, c.day),
        spread AS (
            SELECT l.place_id, r.indicator_id, l.day, {pick.format("n")} AS num, {pick.format("d")} AS den
            FROM levels l JOIN rules r ON r.kind = l.kind)
        SELECT place_id, indicator_id, day, num, den FROM spread WHERE num <> 0 OR den <> 0"""  # nosec B608  # identifiers and ints; no outside text
    ids = ", ".join(str(int(r.indicator_id)) for r in rules)
    key = "d.place_id = n.place_id AND d.indicator_id = n.indicator_id AND d.day = n.day"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only what differs from the stored rows is written: a rebuild of an unchanged province writes
            # next to nothing, where deleting and inserting a million rows cost most of its time, each
            # insert checking the unique key against the dead row it replaces (and bloated the table).
            cursor.execute(
                f"WITH new AS MATERIALIZED ({computed}), "  # nosec B608  # identifiers and ints
                f"gone AS (DELETE FROM {delta} d WHERE d.indicator_id IN ({ids}) "
                f"AND NOT EXISTS (SELECT 1 FROM new n WHERE {key})), "
                f"changed AS (UPDATE {delta} d SET num = n.num, den = n.den FROM new n "
                f"WHERE {key} AND (d.num <> n.num OR d.den <> n.den)), "
                f"added AS (INSERT INTO {delta} (place_id, indicator_id, day, num, den) "
                f"SELECT place_id, indicator_id, day, num, den FROM new n "
                f"WHERE NOT EXISTS (SELECT 1 FROM {delta} d WHERE {key}) ORDER BY place_id, indicator_id, day) "
                f"SELECT COUNT(*) FROM new"
            )
            written = cursor.fetchone()[0]
        else:
            cursor.execute(f"DELETE FROM {delta} WHERE indicator_id IN ({ids})")  # nosec B608  # ints
            cursor.execute(
                f"INSERT INTO {delta} (place_id, indicator_id, day, num, den) {computed}"  # nosec B608  # identifiers and ints
            )
            written = cursor.rowcount
        cursor.execute(f"DELETE FROM {total} WHERE indicator_id IN ({ids})")  # nosec B608  # ints
        only = " AND indicator_id = %s" if indicator_id is not None else ""
        cursor.execute(
            f"INSERT INTO {total} (place_id, indicator_id, num, den) "  # nosec B608  # identifiers; values are parameters
            f"SELECT place_id, indicator_id, SUM(num), SUM(den) FROM {delta} WHERE day <= %s{only} "
            f"GROUP BY place_id, indicator_id HAVING SUM(num) <> 0 OR SUM(den) <> 0",
            [as_of, *([indicator_id] if indicator_id is not None else [])],
        )
    return written


@transaction.atomic
def rebuild_indicator(indicator: Indicator) -> int:
    """Recompute one indicator's deltas and totals from the stored spans (a commune added or changed its
    own indicator; the spans themselves do not change). Returns the number of delta rows."""
    RollupClock.objects.select_for_update().get_or_create(pk=1, defaults={"as_of": timezone.localdate()})
    _take_lock()
    Delta.objects.filter(indicator_id=indicator.pk).delete()
    Total.objects.filter(indicator_id=indicator.pk).delete()
    rules = [r for r in registry_rules() if r.indicator_id == indicator.pk]
    if not rules:
        return 0
    return _deltas_in_sql(rules, clock_day(), indicator_id=indicator.pk)


# --- rebuild and the clock --------------------------------------------------------------------------------------


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


@transaction.atomic
def rebuild(*, progress=None) -> dict[str, int]:
    """Recompute every span and rollup from the source rows (`manage.py rebuild_indicators`)."""
    from binhdan.fieldwork import visit_days

    RollupClock.objects.select_for_update().get_or_create(pk=1, defaults={"as_of": timezone.localdate()})
    _take_lock()
    QueuedHousehold.objects.all().delete()  # recomputed below; rows committed after this stay queued
    today = timezone.localdate()
    if connection.vendor == "postgresql":
        # The groupings below (and the visit days') are done in memory instead of on disk; for this
        # transaction only.
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{REBUILD_WORK_MEM}'")
    visit_days.rebuild()  # the team quotas' daily counts come from the same visits
    rules = registry_rules()
    StateSpan.objects.all().delete()
    # The active indicators' deltas are replaced by `_deltas_in_sql` (only what differs is written).
    Delta.objects.exclude(indicator_id__in=[r.indicator_id for r in rules]).delete()
    communes: dict[int, int] = dict(
        Place.objects.filter(level__in=[Level.VILLAGE, Level.COMMUNE]).values_list("pk", "parent_id")
    )
    ids = list(Household.objects.order_by("pk").values_list("pk", flat=True))
    spans = 0
    for done, chunk in enumerate(_chunks(ids, CHUNK)):
        new = compute_spans(chunk, communes)
        rows = [_row(s) for s in new]
        insert_rows(StateSpan, _SPAN_COLUMNS, rows)
        spans += len(rows)
        if progress:
            progress(min(len(ids), (done + 1) * CHUNK), len(ids))
    # The deltas and totals are summed from the stored spans by the database, in one statement each.
    deltas = _deltas_in_sql(rules, today)
    Total.objects.exclude(indicator_id__in=[r.indicator_id for r in rules]).delete()
    RollupClock.objects.filter(pk=1).update(as_of=today)
    return {"households": len(ids), "spans": spans, "deltas": deltas}


def advance_totals(day: dt.date | None = None) -> dt.date:
    """Move the totals' clock to `day` (today): add the deltas of the days in between. Cheap when there
    is nothing to do; called before reading today's totals."""
    day = day or timezone.localdate()
    if clock_day() >= day:
        return clock_day()
    with transaction.atomic():
        clock, _ = RollupClock.objects.select_for_update().get_or_create(pk=1, defaults={"as_of": day})
        if clock.as_of >= day:
            return clock.as_of
        moved = list(
            Delta.objects.filter(day__gt=clock.as_of, day__lte=day)
            .values("place_id", "indicator_id")
            .annotate(n=Sum("num"), d=Sum("den"))
            .values_list("place_id", "indicator_id", "n", "d")
        )
        add_to_rows(
            Total._meta.db_table,
            ("place_id", "indicator_id"),
            ("num", "den"),
            [r for r in sorted(moved) if r[2] or r[3]],
        )
        clock.as_of = day
        clock.save(update_fields=["as_of"])
        return day
