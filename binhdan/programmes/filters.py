"""Who a drive or a programme is for: named rules over the registry as of a day (docs/programmes.md).

Every rule is computed by the database in one query (correlated subqueries for "the latest value on
day D"), so a list, its count and its pages cost the same whatever the number of residents:

- a resident counts on D when present in the registry then (registered, not left — nor their
  household) and not erased; the village is the household's village now (the drive invites people
  where they live);
- ages are counted on D (`Resident.aged_at_least`: with a birth year only, year minus birth year);
- a status value on D is the latest observation with `observed_on ≤ D` (ties: later `recorded_at`,
  then higher id) among the evidence the commune's dashboards count (`CommuneSettings.counted_evidence`),
  so a list and the indicator it serves agree;
- a skill level on D is the latest skill observation on or before D; "basic digital skills" is "tự làm
  được" every skill of the commune's core set on D (`registry.catalogue.core_skills`).

`matching(...)` is unscoped inside the commune (counts, for any reader of the commune's figures);
`for_user(...)` adds the user's scope — `for_change=True` (villages whose residents the user may change)
is what a drive is drawn from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import models
from django.db.models import Case, Exists, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact

from binhdan.accounts.access import village_scope
from binhdan.fieldwork.models import ClassAttendance
from binhdan.places.models import Place
from binhdan.registry.catalogue import core_skills
from binhdan.registry.models import (
    CommuneSettings,
    Household,
    HouseholdQuerySet,
    Resident,
    ResidentQuerySet,
    Skill,
    SkillLevel,
    SkillObservation,
    StatusField,
    StatusObservation,
)

# The rules' numbers (SPEC §6; the plans' "Mỗi công dân - Một danh tính số" counts citizens 14+).
VNEID_MIN_AGE = 14
VNEID_TARGET_LEVEL = 2
ADULT_AGE = 18
ELDERLY_AGE = 60
SKILLS_SHORT = 1  # "one core skill short": masters every core skill but this many


class Rule(models.TextChoices):
    VNEID = "vneid", "Từ 14 tuổi, chưa có VNeID mức 2"
    ONE_SKILL_SHORT = "one_short", "Người trưởng thành còn thiếu đúng một kỹ năng số cơ bản"
    FAMILY_ONE_SHORT = "family", "Người trưởng thành thiếu một kỹ năng, ở hộ chưa là Gia đình số"
    ELDERLY_NO_CLASS = "elderly", "Từ 60 tuổi, chưa tham gia lớp học cộng đồng"
    DISABLED_NO_CLASS = "disabled", "Người khuyết tật chưa tham gia lớp học cộng đồng"
    TRADERS_4T = "traders", "Tiểu thương chưa thanh toán không dùng tiền mặt hoặc chưa bán hàng trực tuyến"
    WORKERS_NO_BASIC = "workers", "Công nhân chưa có kỹ năng số cơ bản"


def _latest_status(field: str, day: dt.date, evidence: Sequence[str]) -> Subquery:
    return Subquery(
        StatusObservation.objects.filter(
            resident_id=OuterRef("pk"), field=field, observed_on__lte=day, evidence__in=list(evidence)
        )
        .order_by("-observed_on", "-recorded_at", "-pk")
        .values("value")[:1],
        output_field=IntegerField(),
    )


def _latest_level(skill: Skill, day: dt.date) -> Subquery:
    return Subquery(
        SkillObservation.objects.filter(resident_id=OuterRef("pk"), skill_id=skill.pk, observed_on__lte=day)
        .order_by("-observed_on", "-recorded_at", "-pk")
        .values("level")[:1],
        output_field=IntegerField(),
    )


def with_mastered(queryset: ResidentQuerySet, core: Sequence[Skill], day: dt.date) -> ResidentQuerySet:
    """Annotate `mastered`: how many skills of `core` the resident can do alone on `day`."""
    if not core:
        return queryset.annotate(mastered=Value(0, output_field=IntegerField()))
    total: Any = None
    for skill in core:
        one = Case(
            When(Exact(_latest_level(skill, day), SkillLevel.MASTERED.value), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        total = one if total is None else total + one
    return queryset.annotate(mastered=total)


def with_status(
    queryset: ResidentQuerySet, commune: Place, day: dt.date, evidence: Sequence[str] | None = None
) -> ResidentQuerySet:
    """Annotate the status values the programmes show: `vneid_level`, `cashless`, `payment`, `online`."""
    if evidence is None:
        evidence = CommuneSettings.for_commune(commune).counted_evidence
    return queryset.annotate(
        vneid_level=Coalesce(_latest_status(StatusField.VNEID_LEVEL, day, evidence), Value(0)),
        payment=Coalesce(_latest_status(StatusField.PAYMENT_ACCOUNT, day, evidence), Value(0)),
        cashless=Coalesce(_latest_status(StatusField.CASHLESS_REGULAR, day, evidence), Value(0)),
        online=Coalesce(_latest_status(StatusField.SELLS_ONLINE, day, evidence), Value(0)),
    )


def present(commune: Place, day: dt.date, villages: Sequence[Place] | None = None) -> ResidentQuerySet:
    """Residents of the commune counted on `day` (registered, not left, not erased), in `villages`."""
    queryset = Resident.objects.present_on(day).filter(
        erased_at__isnull=True, household__village__parent=commune
    )
    if villages is not None:
        queryset = queryset.filter(household__village__in=[v.pk for v in villages])
    return queryset


def _attended_by(day: dt.date) -> Exists:
    return Exists(
        ClassAttendance.objects.filter(resident_id=OuterRef("pk"), community_class__held_on__lte=day)
    )


def _basic_adult_households(commune: Place, day: dt.date, core: Sequence[Skill]) -> Any:
    """Household ids with an adult present on `day` who has basic digital skills (Gia đình số)."""
    adults: Any = with_mastered(present(commune, day).aged_at_least(ADULT_AGE, day), core, day)
    return adults.filter(mastered=len(core)).values("household_id")


def matching(
    rule: str,
    *,
    commune: Place,
    day: dt.date,
    villages: Sequence[Place] | None = None,
    core: Sequence[Skill] | None = None,
    evidence: Sequence[str] | None = None,
) -> ResidentQuerySet:
    """The residents `rule` selects on `day` in the commune (or its `villages`), annotated for the lists:
    `vneid_level`, `payment`, `cashless`, `online`, `mastered`. Unscoped: callers scope or count.
    `core` and `evidence` (the commune's core set on `day`, its counted evidence) may be passed when
    already read, so that several lists cost one query each."""
    core = core_skills(commune, day) if core is None else core
    # Annotated (vneid_level, mastered, …): typed Any, the stubs cannot see annotations.
    base: Any = with_mastered(with_status(present(commune, day, villages), commune, day, evidence), core, day)
    if rule == Rule.VNEID:
        return base.aged_at_least(VNEID_MIN_AGE, day).exclude(vneid_level__gte=VNEID_TARGET_LEVEL)
    if rule == Rule.ONE_SKILL_SHORT:
        if not core:
            return base.none()
        return base.aged_at_least(ADULT_AGE, day).filter(mastered=len(core) - SKILLS_SHORT)
    if rule == Rule.FAMILY_ONE_SHORT:
        if not core:
            return base.none()
        return (
            base.aged_at_least(ADULT_AGE, day)
            .filter(mastered=len(core) - SKILLS_SHORT)
            .exclude(household_id__in=_basic_adult_households(commune, day, core))
        )
    if rule == Rule.ELDERLY_NO_CLASS:
        return base.aged_at_least(ELDERLY_AGE, day).exclude(_attended_by(day))
    if rule == Rule.DISABLED_NO_CLASS:
        return base.filter(is_disabled=True).exclude(_attended_by(day))
    if rule == Rule.TRADERS_4T:
        return base.filter(is_trader=True).exclude(cashless=1, online=1)
    if rule == Rule.WORKERS_NO_BASIC:
        workers: Any = base.filter(is_worker=True)
        return workers.exclude(mastered=len(core)) if core else workers
    return base.none()


def households_one_adult_away(
    *, commune: Place, day: dt.date, villages: Sequence[Place] | None = None
) -> HouseholdQuerySet:
    """Households present on `day`, not yet Gia đình số, with an adult one core skill short: one adult
    learning one more skill makes the household count for HH_DIGITAL."""
    people = matching(Rule.FAMILY_ONE_SHORT, commune=commune, day=day, villages=villages)
    return Household.objects.filter(pk__in=people.values("household_id"))


def scoped(queryset: Any, user: Any, *, path: str, for_change: bool) -> Any:
    """Only rows in villages the user may see (or change, for a drive)."""
    return queryset.filter(village_scope(user, path, for_change=for_change))


def for_user(
    rule: str,
    *,
    user: Any,
    commune: Place,
    day: dt.date,
    villages: Sequence[Place] | None = None,
    for_change: bool = True,
) -> ResidentQuerySet:
    """`matching` limited to the residents the user may change (a drive) or see (a list)."""
    found = matching(rule, commune=commune, day=day, villages=villages)
    return scoped(found, user, path="household__village", for_change=for_change)
