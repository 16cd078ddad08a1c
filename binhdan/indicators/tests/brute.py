"""A brute-force recomputation of the registry indicators, straight from the raw rows.

Written from the definitions in words (docs/notes "Definitions", issue 10), independently of the rollup
engine: it loads every household, resident, village move, observation, visit and attendance once, then
answers "which households / residents count in the numerator and denominator of each indicator at this
place on this day" with plain Python loops. The property tests compare the engine with it.

Definitions followed here, word for word:
- A household counts on D when registered_on <= D and (left_on empty or > D); a resident when its own and
  its household's dates say so. Erased residents still count.
- Village on D: the `from_village` of the household's first move with moved_on > D (ordered by moved_on,
  then id), else the household's village now. A move day belongs to the new village.
- Age on D from birth_date; with only birth_year, born 1 January of that year; none = no age group. A
  person born on 29 February reaches an age on 1 March in a year without that day.
- A status value on D: the latest observation with observed_on <= D (ties: later recorded_at, then higher
  id). A commune counting trusted evidence only ignores told observations entirely. The commune whose
  rules apply is the commune of the village the household is in on D.
- Basic skills on D: the latest level (same ordering) is MASTERED for every skill of
  `registry.catalogue.core_skills(commune, D)`; with an empty core set nobody has them.
- HH_REACHED: a visit of any channel whose local date (Asia/Ho_Chi_Minh) is <= D, or a resident of the
  household who attended a class held on or before D. HH_GUIDED: a "door" visit on or before D.
  HH_DIGITAL: an adult resident present on D with basic skills.
- Resident indicators: populations adults (18+), 14+, 60+, disabled (current flag), VNeID level 2; the
  conditions as the catalogue says (smartphone = 1; payment_account = 1 and cashless_regular = 1;
  vneid_level = 2; pcks_confirmed = 1; basic; health_book = 1; attended a class held on or before D).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from binhdan.fieldwork.models import ClassAttendance, Visit
from binhdan.places.models import Level, Place
from binhdan.registry.catalogue import core_skills
from binhdan.registry.models import (
    CommuneSettings,
    DashboardEvidence,
    Evidence,
    Household,
    HouseholdMove,
    Resident,
    SkillLevel,
    SkillObservation,
    StatusObservation,
)

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
DOOR = "door"

HOUSEHOLD_CODES = ("HH_DIGITAL", "HH_REACHED", "HH_GUIDED")
RESIDENT_CODES = (
    "AD_SMARTPHONE",
    "AD_BANK_EPAY",
    "CI_VNEID2",
    "AD_PCKS",
    "AD_BASIC",
    "VN_HEALTHBOOK",
    "ELDERLY_CLASS",
    "DISABLED_CLASS",
)
CODES = HOUSEHOLD_CODES + RESIDENT_CODES


@dataclass
class Counted:
    numerator: set[int] = field(default_factory=set)
    denominator: set[int] = field(default_factory=set)

    @property
    def pair(self) -> tuple[int, int]:
        return len(self.numerator), len(self.denominator)


def reaches_age(born: dt.date | None, years: int, day: dt.date) -> bool:
    """True when someone born on `born` is `years` old or more on `day` (29 Feb → 1 March)."""
    if born is None:
        return False
    year = born.year + years
    try:
        birthday = born.replace(year=year)
    except ValueError:  # 29 February in a year without it
        birthday = dt.date(year, 3, 1)
    return day >= birthday


def born_on(resident: Resident) -> dt.date | None:
    if resident.birth_date is not None:
        return resident.birth_date
    if resident.birth_year is not None:
        return dt.date(resident.birth_year, 1, 1)
    return None


def _present(registered_on: dt.date, left_on: dt.date | None, day: dt.date) -> bool:
    return registered_on <= day and (left_on is None or left_on > day)


class Brute:
    """Every raw row the indicators depend on, loaded once; `counted(place, day)` answers from memory."""

    def __init__(self) -> None:
        self.places = {p.pk: p for p in Place.objects.all()}
        self.households = {h.pk: h for h in Household.objects.all()}
        self.residents = {r.pk: r for r in Resident.objects.all()}
        self.moves: dict[int, list[HouseholdMove]] = defaultdict(list)
        for move in HouseholdMove.objects.all():
            self.moves[move.household_id].append(move)
        for moves in self.moves.values():
            moves.sort(key=lambda m: (m.moved_on, m.pk))
        self.status: dict[int, list[StatusObservation]] = defaultdict(list)
        for obs in StatusObservation.objects.all():
            self.status[obs.resident_id].append(obs)
        self.skills: dict[int, list[SkillObservation]] = defaultdict(list)
        for obs in SkillObservation.objects.all():
            self.skills[obs.resident_id].append(obs)
        self.visits: dict[int, list[Visit]] = defaultdict(list)
        for visit in Visit.objects.all():
            self.visits[visit.household_id].append(visit)
        self.classes_of: dict[int, list[dt.date]] = defaultdict(list)  # resident id -> days held
        for attendance in ClassAttendance.objects.select_related("community_class"):
            self.classes_of[attendance.resident_id].append(attendance.community_class.held_on)
        self.trusted_only = {
            s.commune_id
            for s in CommuneSettings.objects.all()
            if s.dashboard_evidence == DashboardEvidence.TRUSTED
        }
        self._core: dict[tuple[int, dt.date], set[int]] = {}

    # --- the pieces of the definitions ---------------------------------------------------------------

    def village_on(self, household: Household, day: dt.date) -> int:
        for move in self.moves.get(household.pk, []):
            if move.moved_on > day:
                return move.from_village_id
        return household.village_id

    def commune_of_village(self, village_id: int) -> int:
        parent = self.places[village_id].parent_id
        assert parent is not None
        return parent

    def core_on(self, commune_id: int, day: dt.date) -> set[int]:
        key = (commune_id, day)
        if key not in self._core:
            self._core[key] = {s.pk for s in core_skills(self.places[commune_id], day)}
        return self._core[key]

    def status_on(self, resident_id: int, field_name: str, day: dt.date, commune_id: int) -> int | None:
        latest = None
        for obs in self.status.get(resident_id, []):
            if obs.field != field_name or obs.observed_on > day:
                continue
            if commune_id in self.trusted_only and obs.evidence == Evidence.TOLD:
                continue
            key = (obs.observed_on, obs.recorded_at, obs.pk)
            if latest is None or key > latest[0]:
                latest = (key, obs.value)
        return None if latest is None else latest[1]

    def skill_on(self, resident_id: int, skill_id: int, day: dt.date) -> int | None:
        latest = None
        for obs in self.skills.get(resident_id, []):
            if obs.skill_id != skill_id or obs.observed_on > day:
                continue
            key = (obs.observed_on, obs.recorded_at, obs.pk)
            if latest is None or key > latest[0]:
                latest = (key, obs.level)
        return None if latest is None else latest[1]

    def has_basic(self, resident_id: int, day: dt.date, commune_id: int) -> bool:
        core = self.core_on(commune_id, day)
        return bool(core) and all(
            self.skill_on(resident_id, skill_id, day) == SkillLevel.MASTERED for skill_id in core
        )

    def attended_by(self, resident_id: int, day: dt.date) -> bool:
        return any(held_on <= day for held_on in self.classes_of.get(resident_id, []))

    def in_place(self, village_id: int, place: Place) -> bool:
        if place.level == Level.VILLAGE:
            return village_id == place.pk
        commune_id = self.commune_of_village(village_id)
        if place.level == Level.COMMUNE:
            return commune_id == place.pk
        return self.places[commune_id].parent_id == place.pk

    # --- the indicators ---------------------------------------------------------------------------------

    def counted(self, place: Place, day: dt.date) -> dict[str, Counted]:
        out = {code: Counted() for code in CODES}
        residents_of: dict[int, list[Resident]] = defaultdict(list)
        for resident in self.residents.values():
            residents_of[resident.household_id].append(resident)

        for household in self.households.values():
            if not _present(household.registered_on, household.left_on, day):
                continue
            village_id = self.village_on(household, day)
            if not self.in_place(village_id, place):
                continue
            commune_id = self.commune_of_village(village_id)

            reached = any(v.visited_at.astimezone(LOCAL).date() <= day for v in self.visits[household.pk])
            guided = any(
                v.channel == DOOR and v.visited_at.astimezone(LOCAL).date() <= day
                for v in self.visits[household.pk]
            )
            if any(self.attended_by(r.pk, day) for r in residents_of[household.pk]):
                reached = True
            digital = False

            for resident in residents_of[household.pk]:
                if not _present(resident.registered_on, resident.left_on, day):
                    continue
                rid = resident.pk
                born = born_on(resident)
                adult = reaches_age(born, 18, day)
                age14 = reaches_age(born, 14, day)
                age60 = reaches_age(born, 60, day)

                def value(name: str, rid: int = rid, commune_id: int = commune_id) -> int | None:
                    return self.status_on(rid, name, day, commune_id)

                basic = self.has_basic(rid, day, commune_id)
                attended = self.attended_by(rid, day)
                vneid2 = value("vneid_level") == 2
                if adult and basic:
                    digital = True
                if adult:
                    for code, condition in (
                        ("AD_SMARTPHONE", value("smartphone") == 1),
                        ("AD_BANK_EPAY", value("payment_account") == 1 and value("cashless_regular") == 1),
                        ("AD_PCKS", value("pcks_confirmed") == 1),
                        ("AD_BASIC", basic),
                    ):
                        out[code].denominator.add(rid)
                        if condition:
                            out[code].numerator.add(rid)
                if age14:
                    out["CI_VNEID2"].denominator.add(rid)
                    if vneid2:
                        out["CI_VNEID2"].numerator.add(rid)
                if vneid2:
                    out["VN_HEALTHBOOK"].denominator.add(rid)
                    if value("health_book") == 1:
                        out["VN_HEALTHBOOK"].numerator.add(rid)
                if age60:
                    out["ELDERLY_CLASS"].denominator.add(rid)
                    if attended:
                        out["ELDERLY_CLASS"].numerator.add(rid)
                if resident.is_disabled:
                    out["DISABLED_CLASS"].denominator.add(rid)
                    if attended:
                        out["DISABLED_CLASS"].numerator.add(rid)

            for code, condition in (("HH_DIGITAL", digital), ("HH_REACHED", reached), ("HH_GUIDED", guided)):
                out[code].denominator.add(household.pk)
                if condition:
                    out[code].numerator.add(household.pk)
        return out


# --- comparing the engine with the brute force ---------------------------------------------------------


def mismatches(
    places: list[Place],
    days: list[dt.date],
    *,
    values_for: list[tuple[Place, dt.date]] | None = None,
    ids_for: list[tuple[Place, dt.date]] | None = None,
) -> list[str]:
    """Every difference between the engine's reading API and the brute force, in words (empty: none).

    `side_by_side()` is compared for every place and day, `values()` for the (place, day) pairs of
    `values_for` and `ids_behind()` for those of `ids_for` (every pair when None).
    """
    from binhdan.indicators import values as api
    from binhdan.indicators.models import Indicator

    brute = Brute()
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=CODES, commune__isnull=True)}
    value_pairs = None if values_for is None else set(values_for)
    pairs = None if ids_for is None else set(ids_for)
    extra = {d for _, d in [*(values_for or []), *(ids_for or [])]}
    out: list[str] = []
    for day in sorted(set(days) | extra):
        side = api.side_by_side(places, day)
        for place in places:
            expected = brute.counted(place, day)
            got_side = side.get(place.pk, {})
            for code in CODES:
                want = expected[code].pair
                if got_side.get(code, (0, 0)) != want:
                    out.append(
                        f"side_by_side {place.name} {day} {code}: engine {got_side.get(code)} brute {want}"
                    )
            if value_pairs is None or (place, day) in value_pairs:
                got = {v.code: (v.numerator, v.denominator) for v in api.values(place, day, with_pace=False)}
                for code in CODES:
                    if got.get(code) != expected[code].pair:
                        out.append(
                            f"values {place.name} {day} {code}: engine {got.get(code)} brute {expected[code].pair}"
                        )
            if pairs is not None and (place, day) not in pairs:
                continue
            for code in CODES:
                for part in ("numerator", "denominator"):
                    ids = set(api.ids_behind(place, day, indicators[code], part))
                    want_ids = getattr(expected[code], part)
                    if ids != want_ids:
                        out.append(
                            f"ids_behind {place.name} {day} {code} {part}: engine-only "
                            f"{sorted(ids - want_ids)} brute-only {sorted(want_ids - ids)}"
                        )
    return out
