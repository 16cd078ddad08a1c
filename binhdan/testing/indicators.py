"""Factories for indicator tests: small registries with histories, written through the write paths.

Every helper writes the way the application does (registry services, `recording`, fieldwork services),
so that the rollups kept by the write path are what the tests read. Dates are explicit everywhere; they
must not be after today (the services refuse the future).
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from binhdan.accounts.models import User
from binhdan.fieldwork.models import Channel, CommunityClass, Visit
from binhdan.fieldwork.services import save_class, take_attendance
from binhdan.indicators.models import Indicator, RollupClock
from binhdan.indicators.rollup import commune_changed
from binhdan.indicators.seed import seed_indicators
from binhdan.places.models import Kind, Level, Place
from binhdan.places.services import add_village
from binhdan.registry import recording
from binhdan.registry import services as registry
from binhdan.registry.models import (
    CommuneSettings,
    CommuneSkillChoice,
    DashboardEvidence,
    Household,
    LeftReason,
    Relation,
    Resident,
    Skill,
    Source,
)
from binhdan.registry.skills_seed import seed_skills

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
VILLAGE_NAMES = ("Thôn Đông", "Thôn Tây", "Thôn Nam", "Thôn Bắc")
_serial = itertools.count(1)


@dataclass
class Places:
    province: Place
    communes: list[Place]
    villages: dict[int, list[Place]]  # commune id -> its villages

    @property
    def all_villages(self) -> list[Place]:
        return [v for c in self.communes for v in self.villages[c.pk]]

    @property
    def all(self) -> list[Place]:
        return [self.province, *self.communes, *self.all_villages]


def seed_catalogues() -> None:
    """The national skills and indicators (transactional tests flush the rows migrations seeded)."""
    seed_skills(Skill)
    seed_indicators(Indicator, RollupClock)


def make_places(villages_per_commune: Sequence[int] = (2, 1)) -> Places:
    """A province with one commune per entry of `villages_per_commune`, each with that many villages."""
    n = next(_serial)
    province = Place.objects.create(
        code=f"9{n:03d}", name=f"Tỉnh Thử {n}", kind=Kind.TINH, level=Level.PROVINCE
    )
    communes, villages = [], {}
    for i, count in enumerate(villages_per_commune):
        commune = Place.objects.create(
            code=f"9{n:03d}{i:02d}",
            name=f"Xã Thử {n}-{i}",
            kind=Kind.XA,
            level=Level.COMMUNE,
            parent=province,
        )
        communes.append(commune)
        villages[commune.pk] = [add_village(commune=commune, name=VILLAGE_NAMES[j]) for j in range(count)]
    return Places(province, communes, villages)


def make_user(name: str = "Nguyễn Văn Thử") -> User:
    return User.objects.create_user(
        username=f"thu.{next(_serial)}", password="Mật-khẩu-thử-2025", full_name=name
    )


def household(village: Place, registered_on: dt.date, *, by: User | None = None, **fields: Any) -> Household:
    return registry.create_household(
        by=by, village=village, head_name=f"Hộ Thử {next(_serial)}", registered_on=registered_on, **fields
    )


def resident(
    home: Household,
    registered_on: dt.date,
    *,
    birth_date: dt.date | None = None,
    birth_year: int | None = None,
    is_disabled: bool = False,
    by: User | None = None,
) -> Resident:
    """A resident; without any birth date or year the row is written directly (the form refuses it,
    an old import may not), then the write path's hook is called."""
    name = f"Người Thử {next(_serial)}"
    if birth_date is None and birth_year is None:
        person = Resident(
            household=home, full_name=name, registered_on=registered_on, is_disabled=is_disabled
        )
        person.save()
        recording.households_changed([home.pk])
        return person
    return registry.add_resident(
        by=by,
        household=home,
        full_name=name,
        birth_date=birth_date,
        birth_year=birth_year,
        registered_on=registered_on,
        is_disabled=is_disabled,
        relation=Relation.OTHER,
    )


def move(home: Household, village: Place, on: dt.date, *, by: User | None = None) -> Household:
    home.refresh_from_db()
    return registry.update_household(by=by, household=home, village=village, moved_on=on)


def household_left(home: Household, on: dt.date, *, by: User | None = None) -> Household:
    home.refresh_from_db()
    return registry.record_household_left(by=by, household=home, left_on=on, reason=LeftReason.MOVED)


def resident_left(person: Resident, on: dt.date, *, by: User | None = None) -> Resident:
    person.refresh_from_db()
    return registry.record_resident_left(by=by, resident=person, left_on=on, reason=LeftReason.MOVED)


def status(
    person: Resident,
    field: str,
    value: int,
    on: dt.date,
    *,
    evidence: str = "seen",
    recorded_at: dt.datetime | None = None,
    by: User | None = None,
) -> None:
    recording.record_observations(
        by=by,
        status=[(person.pk, field, value, evidence, on, Source.VISIT, "")],
        households=[person.household_id],
        recorded_at=recorded_at,
    )


def skill(
    person: Resident,
    which: Skill,
    level: int,
    on: dt.date,
    *,
    recorded_at: dt.datetime | None = None,
    by: User | None = None,
) -> None:
    recording.record_observations(
        by=by,
        skills=[(person.pk, which.pk, level, on, Source.VISIT, "")],
        households=[person.household_id],
        recorded_at=recorded_at,
    )


def national_core() -> list[Skill]:
    return list(Skill.objects.filter(commune__isnull=True, is_core=True).order_by("position"))


def statuses(
    person: Resident,
    rows: Iterable[tuple[str, int, str, dt.date]],
    *,
    recorded_at: dt.datetime | None = None,
    by: User | None = None,
) -> None:
    """Several (field, value, evidence, observed_on) of one resident in one write (one recorded_at)."""
    recording.record_observations(
        by=by,
        status=[
            (person.pk, field, value, evidence, on, Source.VISIT, "") for field, value, evidence, on in rows
        ],
        households=[person.household_id],
        recorded_at=recorded_at,
    )


def master_skills(
    person: Resident,
    skills: Iterable[Skill],
    on: dt.date,
    *,
    recorded_at: dt.datetime | None = None,
    by: User | None = None,
) -> None:
    """Every skill of `skills` at "tự làm được" on `on`, in one write."""
    recording.record_observations(
        by=by,
        skills=[(person.pk, s.pk, 2, on, Source.VISIT, "") for s in skills],
        households=[person.household_id],
        recorded_at=recorded_at,
    )


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An aware datetime at a local (Asia/Ho_Chi_Minh) wall-clock time."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL)


def visit(home: Household, at: dt.datetime, *, by: User, channel: str = Channel.DOOR_TO_DOOR) -> Visit:
    """A visit row, then the write path's hook (what the sync push does after its COPY)."""
    row = Visit.objects.create(
        uuid=uuid.uuid4(), household=home, recorded_by=by, visited_at=at, minutes=15, channel=channel
    )
    recording.households_changed([home.pk])
    return row


def community_class(
    commune: Place, held_on: dt.date, *, by: User, village: Place | None = None
) -> CommunityClass:
    return save_class(
        by=by,
        commune=commune,
        data={
            "kind": "class",
            "title": f"Lớp thử {next(_serial)}",
            "held_on": held_on,
            "audience": "general",
            "village": village,
        },
    )


def attend(held: CommunityClass, people: Sequence[Resident], *, by: User) -> None:
    fresh = list(Resident.objects.filter(pk__in=[p.pk for p in people]).select_related("household__village"))
    take_attendance(by=by, community_class=held, present=fresh, absent=[])


def trusted_only(commune: Place, *, trusted: bool = True) -> None:
    """Set the commune's dashboards to count seen/confirmed evidence only, then recompute it."""
    settings = CommuneSettings.for_commune(commune)
    settings.dashboard_evidence = DashboardEvidence.TRUSTED if trusted else DashboardEvidence.ALL
    settings.save()
    commune_changed(commune.pk)


def core_choice(commune: Place, which: Skill, in_core: bool, effective_on: dt.date) -> CommuneSkillChoice:
    """A dated core-set choice written directly (the catalogue refuses past dates), then recomputed."""
    choice = CommuneSkillChoice.objects.create(
        commune=commune,
        skill=which,
        in_core=in_core,
        hidden=False,
        effective_on=effective_on,
        recorded_at=timezone.now(),
    )
    commune_changed(commune.pk)
    return choice


def visit_record(
    household: Household,
    resident: Resident,
    *,
    channel: str = Channel.DOOR_TO_DOOR,
    status: dict[str, Any] | None = None,
    when: dt.datetime | None = None,
) -> dict[str, Any]:
    """A sync push's visit record for one resident, at nine this morning (or a minute ago, before nine:
    a visit in the future is refused)."""
    if when is None:
        now = timezone.localtime()
        when = min(now.replace(hour=9, minute=0, second=0, microsecond=0), now - dt.timedelta(minutes=1))
    return {
        "uuid": str(uuid.uuid4()),
        "type": "visit",
        "data": {
            "household": household.pk,
            "visited_at": when.isoformat(),
            "minutes": 20,
            "channel": channel,
            "people": [{"resident": resident.pk, "skills": [], "status": status or {}}],
        },
    }


def rollup_rows() -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Every non-zero delta and total and every stored span, sorted: what two ways of keeping the rollups
    must agree on."""
    from binhdan.indicators.models import Delta, StateSpan, Total

    return (
        sorted(
            r
            for r in Delta.objects.values_list("place_id", "indicator_id", "day", "num", "den")
            if r[3] or r[4]
        ),
        sorted(
            r for r in Total.objects.values_list("place_id", "indicator_id", "num", "den") if r[2] or r[3]
        ),
        sorted(
            StateSpan.objects.values_list("kind", "entity_id", "village_id", "starts_on", "ends_on", "mask")
        ),
    )
