"""Writes to the registry. Views, imports and the sync API all go through these functions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from binhdan.places.models import Level, Place
from binhdan.registry import recording
from binhdan.registry.citizen_id import hash_citizen_id, mask_citizen_id, normalise_citizen_id
from binhdan.registry.models import (
    STATUS_VALUE_RANGE,
    CommuneSettings,
    Consent,
    Household,
    HouseholdMove,
    Relation,
    Resident,
    Skill,
    SkillObservation,
    StatusField,
    StatusObservation,
    lifecycle_error,
)

HOUSEHOLD_FIELDS = (
    "number", "address", "head_name", "phone", "declared_size", "is_poor", "is_near_poor",
    "has_elderly", "has_disabled", "no_smart_device", "ethnic_minority", "registered_on",
)  # fmt: skip
RESIDENT_FIELDS = (
    "full_name", "birth_date", "birth_year", "gender", "phone", "relation", "is_disabled",
    "is_trader", "is_worker", "is_pupil", "ethnic_minority", "registered_on",
)  # fmt: skip


def _validate(instance: Any, exclude: Iterable[str] = ()) -> None:
    instance.full_clean(exclude=list(exclude), validate_constraints=True)
    if isinstance(instance, Household | Resident):
        errors = lifecycle_error(instance.registered_on, instance.left_on, instance.left_reason)
        if errors:
            raise ValidationError(errors)


@transaction.atomic
def create_household(*, by: Any, village: Place, **fields: Any) -> Household:
    """Create a household in a village; the caller has already checked the user may change it."""
    if village.level != Level.VILLAGE:
        raise ValidationError({"village": "Hộ gia đình phải thuộc một thôn, tổ dân phố."})
    household = Household(village=village, **{k: v for k, v in fields.items() if k in HOUSEHOLD_FIELDS})
    if household.registered_on is None:
        household.registered_on = timezone.localdate()
    _validate(household, exclude=["search_text", "sort_name"])
    household.save()
    recording.households_changed([household.pk])
    return household


@transaction.atomic
def update_household(
    *, by: Any, household: Household, moved_on: dt.date | None = None, **fields: Any
) -> Household:
    """Change a household's details; a new village is a move on `moved_on` (default today), kept in
    its village history so that the past still counts it where it was."""
    old_village_id = Household.objects.filter(pk=household.pk).values_list("village_id", flat=True).first()
    for name, value in fields.items():
        if name in HOUSEHOLD_FIELDS or name == "village":
            setattr(household, name, value)
    _validate(household, exclude=["search_text", "sort_name"])
    if old_village_id is not None and old_village_id != household.village_id:
        old_commune = Place.objects.filter(pk=old_village_id).values_list("parent_id", flat=True).first()
        if household.village.parent_id != old_commune:
            # Each commune keeps its own registry: the household leaves this one (moved away) and the
            # other commune registers it; its past stays counted here.
            raise ValidationError(
                {
                    "village": "Hộ chuyển sang xã khác: hãy ghi nhận rời sổ (chuyển đi nơi khác); xã mới sẽ nhập hộ vào sổ của mình."
                }
            )
        on = moved_on or timezone.localdate()
        if on > timezone.localdate() or on < household.registered_on:
            raise ValidationError(
                {"moved_on": "Ngày chuyển thôn phải trong khoảng từ ngày vào sổ đến hôm nay."}
            )
        HouseholdMove.objects.create(
            household=household,
            from_village_id=old_village_id,
            to_village_id=household.village_id,
            moved_on=on,
        )
    household.save()
    recording.households_changed([household.pk])
    return household


@transaction.atomic
def record_household_left(*, by: Any, household: Household, left_on: dt.date, reason: str) -> Household:
    """The household leaves the registry on `left_on` (moved away, split, merged, duplicate); it and its
    residents stop counting from that day. Its rows stay: the past still counts it."""
    household.left_on, household.left_reason = left_on, reason
    _validate(household, exclude=["search_text", "sort_name"])
    household.save()
    recording.households_changed([household.pk])
    return household


@transaction.atomic
def record_resident_left(*, by: Any, resident: Resident, left_on: dt.date, reason: str) -> Resident:
    """The resident leaves the registry on `left_on` (moved away, died, household split or merged,
    duplicate removed); they stop counting from that day."""
    resident.left_on, resident.left_reason = left_on, reason
    _validate(resident, exclude=["search_name", "sort_name", "citizen_id_hash", "learner_code"])
    resident.save()
    recording.households_changed([resident.household_id])
    return resident


@transaction.atomic
def undo_left(*, by: Any, entry: Household | Resident) -> Household | Resident:
    """Bring back a household or resident recorded as left by mistake."""
    entry.left_on, entry.left_reason = None, ""
    entry.save()
    recording.households_changed([entry.pk if isinstance(entry, Household) else entry.household_id])
    return entry


def _apply_citizen_id(resident: Resident, citizen_id: str | None) -> None:
    if not citizen_id:
        return
    commune = resident.household.village.parent
    if not CommuneSettings.for_commune(commune).store_citizen_ids:
        raise ValidationError({"citizen_id": "Xã chưa chọn lưu số định danh cá nhân; hãy để trống ô này."})
    try:
        digits = normalise_citizen_id(citizen_id)
    except ValidationError as exc:
        raise ValidationError({"citizen_id": exc.messages}) from exc
    digest = hash_citizen_id(digits)
    clash = Resident.objects.filter(citizen_id_hash=digest).exclude(pk=resident.pk).exists()
    if clash:
        raise ValidationError({"citizen_id": "Số định danh này đã có trong sổ (trùng với một người khác)."})
    resident.citizen_id_hash = digest
    resident.citizen_id_masked = mask_citizen_id(digits)


def _check_birth(resident: Resident) -> None:
    today = timezone.localdate()
    if resident.birth_date and resident.birth_date > today:
        raise ValidationError({"birth_date": "Ngày sinh không được ở tương lai."})
    if resident.birth_year and resident.birth_year > today.year:
        raise ValidationError({"birth_year": "Năm sinh không được ở tương lai."})
    if resident.birth_date is None and resident.birth_year is None:
        raise ValidationError({"birth_year": "Vui lòng nhập ngày sinh hoặc ít nhất năm sinh."})


@transaction.atomic
def add_resident(*, by: Any, household: Household, citizen_id: str | None = None, **fields: Any) -> Resident:
    """Add a person to a household; a "chủ hộ" becomes the household's head name."""
    resident = Resident(household=household, **{k: v for k, v in fields.items() if k in RESIDENT_FIELDS})
    if resident.registered_on is None:
        resident.registered_on = timezone.localdate()
    _check_birth(resident)
    _apply_citizen_id(resident, citizen_id)
    _validate(resident, exclude=["search_name", "sort_name", "citizen_id_hash", "learner_code"])
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError as exc:
        raise ValidationError({"citizen_id": "Số định danh này đã có trong sổ."}) from exc
    if resident.relation == Relation.HEAD and household.head_name != resident.full_name:
        household.head_name = resident.full_name
        household.save()
    recording.households_changed([household.pk])
    return resident


@transaction.atomic
def update_resident(*, by: Any, resident: Resident, citizen_id: str | None = None, **fields: Any) -> Resident:
    for name, value in fields.items():
        if name in RESIDENT_FIELDS:
            setattr(resident, name, value)
    _check_birth(resident)
    _apply_citizen_id(resident, citizen_id)
    _validate(resident, exclude=["search_name", "sort_name", "citizen_id_hash", "learner_code"])
    resident.save()
    recording.households_changed([resident.household_id])
    return resident


def record_consent(*, by: Any, resident: Resident, given: bool, method: str, note: str = "") -> Consent:
    """Append a consent (or its withdrawal) for a resident."""
    consent = Consent(resident=resident, given=given, method=method, note=note, recorded_by=by)
    _validate(consent, exclude=["recorded_by"])
    consent.save()
    return consent


@dataclass(frozen=True)
class StatusFact:
    field: str
    value: int
    evidence: str


def status_value_error(field: str, value: object) -> str | None:
    """A Vietnamese message when `value` is not allowed for the status `field`, else None."""
    if field not in StatusField.values:
        return f"Không có thông tin trạng thái “{field}”."
    low, high = STATUS_VALUE_RANGE.get(StatusField(field), (0, 1))
    if isinstance(value, bool):
        value = int(value)
    if not isinstance(value, int) or not low <= value <= high:
        return f"Giá trị của “{StatusField(field).label}” phải từ {low} đến {high}."
    return None


def record_status(
    *,
    by: Any,
    resident: Resident,
    facts: Iterable[StatusFact],
    observed_on: dt.date,
    source: str,
    source_ref: str = "",
) -> None:
    """Append status observations for one resident (through `recording`, the one write path)."""
    if observed_on > timezone.localdate():
        raise ValidationError({"observed_on": "Ngày ghi nhận không được ở tương lai."})
    rows = []
    for fact in facts:
        problem = status_value_error(fact.field, fact.value)
        if problem:
            raise ValidationError({"value" if fact.field in StatusField.values else "field": problem})
        rows.append(
            (resident.pk, fact.field, int(fact.value), fact.evidence, observed_on, source, source_ref)
        )
    recording.record_observations(
        by=by if getattr(by, "pk", None) else None, status=rows, households=[resident.household_id]
    )


def record_skill(
    *,
    by: Any,
    resident: Resident,
    skill: Skill,
    level: int,
    observed_on: dt.date,
    source: str,
    source_ref: str = "",
) -> None:
    """Append one skill level for one resident (through `recording`)."""
    recording.record_observations(
        by=by if getattr(by, "pk", None) else None,
        skills=[(resident.pk, skill.pk, level, observed_on, source, source_ref)],
        households=[resident.household_id],
    )


def _latest(queryset: QuerySet[Any], key: str, day: dt.date) -> QuerySet[Any]:
    """The latest row per (resident, `key`) observed on or before `day`, chosen by the database: a
    ROW_NUMBER() window (PostgreSQL and SQLite alike), ties by later recorded_at, then higher id."""
    return (
        queryset.filter(observed_on__lte=day)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("resident_id"), F(key)],
                order_by=[F("observed_on").desc(), F("recorded_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank=1)
    )


def status_as_of(resident_ids: Iterable[int], day: dt.date) -> dict[int, dict[str, StatusObservation]]:
    """The latest observation of every status field for each resident on `day`, in one query."""
    latest: dict[int, dict[str, StatusObservation]] = defaultdict(dict)
    rows = _latest(StatusObservation.objects.filter(resident_id__in=list(resident_ids)), "field", day)
    for row in rows:
        latest[row.resident_id][row.field] = row
    return latest


def skills_as_of(resident_ids: Iterable[int], day: dt.date) -> dict[int, dict[int, SkillObservation]]:
    """The latest level of every skill for each resident on `day`, keyed by skill id, in one query."""
    latest: dict[int, dict[int, SkillObservation]] = defaultdict(dict)
    rows = _latest(SkillObservation.objects.filter(resident_id__in=list(resident_ids)), "skill_id", day)
    for row in rows.select_related("skill"):
        latest[row.resident_id][row.skill_id] = row
    return latest
