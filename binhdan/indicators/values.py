"""Indicator values for a place and a day, their pace, their history, and the ids behind each number.

The reading side of the rollups (`rollup.py`): one place's values and weekly history come from its
deltas (one query), many places side by side from the totals (one query), the lists behind a number
from the state spans — the same rows the numbers are summed from. Aggregate indicators come from the
communes' monthly figures, team indicators from `teamwork.py`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import F, Q, QuerySet, Sum

from binhdan.indicators import catalogue as cat
from binhdan.indicators.models import AggregateEntry, Delta, Indicator, Kind, StateSpan, Target, Total
from binhdan.indicators.rollup import advance_totals, catch_up, clock_day
from binhdan.places.models import Level, Place

PACE_WEEKS = 4  # the pace is the average weekly gain over the last four weeks (SPEC §6)
NUMERATOR, DENOMINATOR = "numerator", "denominator"
PARTS = (NUMERATOR, DENOMINATOR)


def percent(numerator: int, denominator: int) -> Decimal | None:
    if denominator <= 0:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Pace:
    """Where the current weekly rate leads: the day the target is reached, or not in time."""

    status: str  # "reached" | "on_track" | "late" | "stalled" | "unknown"
    weekly_points: Decimal | None  # percentage points gained per week, last four weeks
    reach_on: dt.date | None
    required_points: Decimal | None  # points per week needed from now to meet the target by the deadline

    @property
    def label(self) -> str:
        if self.status == "reached":
            return "Đã đạt chỉ tiêu"
        if self.status == "on_track" and self.reach_on:
            return f"Dự kiến đạt ngày {self.reach_on:%d/%m/%Y}"
        if self.status in ("late", "stalled"):
            return "Chưa kịp"
        return "Chưa đủ số liệu để ước tính"


@dataclass(frozen=True)
class IndicatorValue:
    indicator: Indicator
    numerator: int
    denominator: int
    target: Decimal
    deadline: dt.date
    own_target: bool  # the commune set it (else the catalogue's default)
    pace: Pace | None = None

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def value(self) -> Decimal | None:
        return percent(self.numerator, self.denominator)

    @property
    def drillable(self) -> bool:
        """Households or residents can be listed behind the numbers (registry kinds)."""
        return self.indicator.kind in (Kind.HOUSEHOLD, Kind.RESIDENT)

    @property
    def met(self) -> bool:
        return self.value is not None and self.value >= self.target

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.indicator.name,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": float(self.value) if self.value is not None else None,
            "target": float(self.target),
            "deadline": self.deadline.isoformat(),
        }


def commune_of(place: Place) -> Place | None:
    if place.level == Level.COMMUNE:
        return place
    if place.level == Level.VILLAGE:
        return place.parent
    return None


def indicators_for(place: Place) -> list[Indicator]:
    """The national catalogue, plus the commune's own indicators for a commune or a village."""
    commune = commune_of(place)
    return list(Indicator.objects.for_commune(commune).order_by("position", "code"))


def targets_for(
    commune: Place | None, indicators: Sequence[Indicator]
) -> dict[int, tuple[Decimal, dt.date, bool]]:
    """{indicator id: (target, deadline, set by the commune)}; the catalogue's defaults otherwise."""
    own = {}
    if commune is not None:
        own = {
            t.indicator_id: (t.target, t.deadline)
            for t in Target.objects.filter(commune=commune, indicator__in=[i.pk for i in indicators])
        }
    out = {}
    for indicator in indicators:
        if indicator.pk in own:
            out[indicator.pk] = (*own[indicator.pk], True)
        else:
            out[indicator.pk] = (indicator.default_target, indicator.default_deadline, False)
    return out


# --- registry kinds from the deltas --------------------------------------------------------------------------


def _registry_history(place: Place, day: dt.date) -> dict[int, list[tuple[dt.date, int, int]]]:
    """{indicator id: [(day, cumulative num, cumulative den)]} for every day with a change up to `day`."""
    catch_up()
    history: dict[int, list[tuple[dt.date, int, int]]] = defaultdict(list)
    running: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    rows = (
        Delta.objects.filter(place_id=place.pk, day__lte=day)
        .order_by("indicator_id", "day")
        .values_list("indicator_id", "day", "num", "den")
    )
    for indicator_id, when, num, den in rows:
        cell = running[indicator_id]
        cell[0] += num
        cell[1] += den
        history[indicator_id].append((when, cell[0], cell[1]))
    return history


def _at(history: list[tuple[dt.date, int, int]], day: dt.date) -> tuple[int, int]:
    found = (0, 0)
    for when, num, den in history:
        if when > day:
            break
        found = (num, den)
    return found


def aggregate_figure(
    months: Iterable[tuple[dt.date, int, int]], day: dt.date, *, stock: bool
) -> tuple[int, int, list[dt.date]]:
    """A commune's figure of an aggregate indicator on `day` from its monthly entries (month, num, den):
    the months of `day`'s year up to its month summed (flows such as dossiers), or the latest month up
    to it (stocks such as OCOP products). Returns (num, den, the months used)."""
    known = [m for m in months if m[0] <= day.replace(day=1)]
    if stock:
        if not known:
            return 0, 0, []
        latest = max(known, key=lambda m: m[0])
        return latest[1], latest[2], [latest[0]]
    year = [m for m in known if m[0].year == day.year]
    return sum(m[1] for m in year), sum(m[2] for m in year), [m[0] for m in year]


def _aggregates(
    places: Sequence[Place], day: dt.date, indicators: Sequence[Indicator]
) -> dict[tuple[int, int], tuple[int, int]]:
    """{(place id, indicator id): (num, den)} from monthly figures: the year's months up to `day` summed
    (flows such as dossiers), or the latest month up to `day` (stocks such as OCOP products)."""
    wanted = [i for i in indicators if i.kind == Kind.AGGREGATE]
    if not wanted:
        return {}
    communes: dict[int, list[int]] = {}
    for place in places:
        if place.level == Level.PROVINCE:
            communes[place.pk] = list(
                Place.objects.filter(parent=place, level=Level.COMMUNE).values_list("pk", flat=True)
            )
        elif place.level == Level.COMMUNE:
            communes[place.pk] = [place.pk]
        else:
            communes[place.pk] = []  # a village has no monthly figures of its own
    all_communes = {c for cs in communes.values() for c in cs}
    month = day.replace(day=1)
    entries = AggregateEntry.objects.filter(
        commune_id__in=all_communes, indicator__in=[i.pk for i in wanted], month__lte=month
    ).values_list("commune_id", "indicator_id", "month", "numerator", "denominator")
    months: dict[tuple[int, int], list[tuple[dt.date, int, int]]] = defaultdict(list)
    for commune_id, indicator_id, when, num, den in entries:
        months[(commune_id, indicator_id)].append((when, num, den))
    stock_ids = {i.pk for i in wanted if i.stock}
    figures = {
        key: aggregate_figure(rows, day, stock=key[1] in stock_ids)[:2] for key, rows in months.items()
    }
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for place_id, members in communes.items():
        for indicator in wanted:
            num = den = 0
            for commune_id in members:
                n, d = figures.get((commune_id, indicator.pk), (0, 0))
                num, den = num + n, den + d
            out[(place_id, indicator.pk)] = (num, den)
    return out


def pace_of(
    history: list[tuple[dt.date, int, int]], day: dt.date, target: Decimal, deadline: dt.date
) -> Pace:
    num, den = _at(history, day)
    now = percent(num, den)
    then = percent(*_at(history, day - dt.timedelta(weeks=PACE_WEEKS)))
    return pace_from(now, then, day, target, deadline)


def pace_from(
    now: Decimal | None, then: Decimal | None, day: dt.date, target: Decimal, deadline: dt.date
) -> Pace:
    if now is None:
        return Pace("unknown", None, None, None)
    weeks_left = Decimal((deadline - day).days) / 7
    required = ((target - now) / weeks_left).quantize(Decimal("0.01")) if weeks_left > 0 else None
    if now >= target:
        return Pace("reached", None, day, required)
    if then is None:
        return Pace("unknown", None, None, required)
    weekly = ((now - then) / PACE_WEEKS).quantize(Decimal("0.01"))
    if weekly <= 0:
        return Pace("stalled", weekly, None, required)
    reach_on = day + dt.timedelta(
        days=int(((target - now) / weekly * 7).to_integral_value(rounding="ROUND_CEILING"))
    )
    return Pace("on_track" if reach_on <= deadline else "late", weekly, reach_on, required)


# --- public reading API ------------------------------------------------------------------------------------


def values(place: Place, day: dt.date, *, with_pace: bool = True) -> list[IndicatorValue]:
    """Every indicator for `place` on `day`, with its target and (registry kinds) its pace."""
    from binhdan.indicators.teamwork import team_values

    indicators = indicators_for(place)
    targets = targets_for(commune_of(place), indicators)
    history = _registry_history(place, day)
    aggregates = _aggregates([place], day, indicators)
    teams = team_values(place, day) if any(i.kind == Kind.TEAM for i in indicators) else {}
    out = []
    for indicator in indicators:
        target, deadline, own = targets[indicator.pk]
        pace = None
        if indicator.kind in (Kind.HOUSEHOLD, Kind.RESIDENT):
            num, den = _at(history.get(indicator.pk, []), day)
            if with_pace:
                pace = pace_of(history.get(indicator.pk, []), day, target, deadline)
        elif indicator.kind == Kind.AGGREGATE:
            num, den = aggregates.get((place.pk, indicator.pk), (0, 0))
        else:
            num, den = teams.get(indicator.code, (0, 0))
        out.append(IndicatorValue(indicator, num, den, target, deadline, own, pace))
    return out


def series(place: Place, day: dt.date, *, weeks: int = 26) -> dict[str, list[tuple[dt.date, Decimal | None]]]:
    """{code: [(week's last day, percent)]} for the registry indicators, the last `weeks` weeks to `day`."""
    indicators = {i.pk: i for i in indicators_for(place) if i.kind in (Kind.HOUSEHOLD, Kind.RESIDENT)}
    history = _registry_history(place, day)
    ends = [day - dt.timedelta(weeks=w) for w in range(weeks - 1, -1, -1)]
    return {
        indicator.code: [(end, percent(*_at(history.get(pk, []), end))) for end in ends]
        for pk, indicator in indicators.items()
    }


def side_by_side(places: Sequence[Place], day: dt.date) -> dict[int, dict[str, tuple[int, int]]]:
    """{place id: {code: (num, den)}} for many places on `day` (registry and aggregate kinds), in a few
    queries whatever the number of places: today's totals, corrected by the deltas between."""
    if not places:
        return {}
    indicators = Indicator.objects.filter(active=True).filter(
        Q(commune__isnull=True) | Q(commune__in=[p.pk for p in places if p.level == Level.COMMUNE])
    )
    by_id = {i.pk: i for i in indicators}
    registry_ids = [pk for pk, i in by_id.items() if i.kind in (Kind.HOUSEHOLD, Kind.RESIDENT)]
    ids = [p.pk for p in places]
    catch_up()
    as_of = advance_totals()
    values_: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for place_id, indicator_id, num, den in Total.objects.filter(
        place_id__in=ids, indicator_id__in=registry_ids
    ).values_list("place_id", "indicator_id", "num", "den"):
        values_[place_id][indicator_id] = [num, den]
    if day != as_of:
        low, high, sign = (day, as_of, -1) if day < as_of else (as_of, day, 1)
        for place_id, indicator_id, num, den in (
            Delta.objects.filter(place_id__in=ids, indicator_id__in=registry_ids, day__gt=low, day__lte=high)
            .values("place_id", "indicator_id")
            .annotate(n=Sum("num"), d=Sum("den"))
            .values_list("place_id", "indicator_id", "n", "d")
        ):
            cell = values_[place_id][indicator_id]
            cell[0] += sign * num
            cell[1] += sign * den
    for (place_id, indicator_id), pair in _aggregates(places, day, list(by_id.values())).items():
        values_[place_id][indicator_id] = list(pair)
    return {
        place.pk: {by_id[i].code: (v[0], v[1]) for i, v in values_[place.pk].items() if i in by_id}
        for place in places
    }


def _villages_under(place: Place) -> Q:
    if place.level == Level.VILLAGE:
        return Q(village_id=place.pk)
    if place.level == Level.COMMUNE:
        return Q(commune_id=place.pk)
    return Q(commune_id__in=Place.objects.filter(parent=place).values("pk"))


def ids_behind(place: Place, day: dt.date, indicator: Indicator, part: str) -> QuerySet[Any, int]:
    """The household or resident ids counted in the numerator or denominator of `indicator` at `place` on
    `day` — the same spans the number is summed from. Callers scope the ids they show (`visible_to`)."""
    pop, cond = cat.POPULATIONS.get(indicator.population), cat.CONDITIONS.get(indicator.condition)
    if (
        indicator.kind not in (Kind.HOUSEHOLD, Kind.RESIDENT)
        or pop is None
        or cond is None
        or part not in PARTS
    ):
        return StateSpan.objects.none().values_list("entity_id", flat=True)
    catch_up()
    bits = pop.bits | (cond.bits if part == NUMERATOR else 0)
    spans = (
        StateSpan.objects.filter(
            _villages_under(place), kind="h" if indicator.kind == Kind.HOUSEHOLD else "r"
        )
        .filter(Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gt=day)))
        .annotate(hit=F("mask").bitand(bits))
        .filter(hit=bits)
    )
    if indicator.commune_id is not None:
        spans = spans.filter(commune_id=indicator.commune_id)
    return spans.values_list("entity_id", flat=True).order_by("entity_id")


def values_as_json(place: Place, day: dt.date, core_skills: Iterable[str]) -> dict[str, object]:
    """What `manage.py indicator_values --json` prints."""
    return {
        "place": place.code,
        "date": day.isoformat(),
        "core_skills": sorted(core_skills),
        "indicators": [v.as_dict() for v in values(place, day, with_pace=False)],
    }


__all__ = [
    "IndicatorValue",
    "Pace",
    "clock_day",
    "ids_behind",
    "indicators_for",
    "series",
    "side_by_side",
    "values",
]
