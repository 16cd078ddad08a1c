"""The registry's one write path for what is learned about residents, and the hook that keeps rollups current.

Every status and skill observation reaches the registry through `record_observations` — the web forms
(`services.record_status` / `record_skill`), the sync push, quizzes, mobilisation drives — and every
write that changes what the indicators count (a visit or a class attendance touching a household, a
household or resident entering or leaving the registry, a move between villages, an erasure) ends with
`households_changed`. Higher apps (the indicators' rollups) register a listener from their
`AppConfig.ready()`; it runs inside the caller's transaction, so a rollup is never behind the rows it
counts and a failed write leaves both untouched.

Bulk callers pass plain tuples (`STATUS_COLUMNS`, `SKILL_COLUMNS` order); they go to the database with
`common.db.insert_rows` (COPY on PostgreSQL), the fast path the sync push and the import need.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from binhdan.common.db import insert_rows
from binhdan.registry.models import (
    STATUS_VALUE_RANGE,
    Evidence,
    Resident,
    SkillLevel,
    SkillObservation,
    Source,
    StatusField,
    StatusObservation,
)

if TYPE_CHECKING:
    from binhdan.accounts.models import User

# (resident_id, field, value, evidence, observed_on, source, source_ref)
STATUS_COLUMNS = ("resident_id", "field", "value", "evidence", "observed_on", "source", "source_ref")
# (resident_id, skill_id, level, observed_on, source, source_ref)
SKILL_COLUMNS = ("resident_id", "skill_id", "level", "observed_on", "source", "source_ref")

Listener = Callable[[set[int]], None]
_listeners: list[Listener] = []


def register_listener(listener: Listener) -> None:
    """Call `listener(household_ids)` inside the transaction of every write that changes what those
    households and their residents count for (from a higher app's `AppConfig.ready()`)."""
    if listener not in _listeners:
        _listeners.append(listener)


def households_changed(household_ids: Iterable[int | None]) -> None:
    """Tell the listeners that these households (or their residents, visits, classes) changed."""
    ids = {int(pk) for pk in household_ids if pk}
    if not ids:
        return
    for listener in _listeners:
        listener(ids)


def commune_changed(commune_id: int) -> None:
    """A rule of the commune changed (core set, which evidence counts): every household of it changed."""
    from binhdan.registry.models import Household

    households_changed(Household.objects.filter(village__parent_id=commune_id).values_list("pk", flat=True))


def residents_changed(resident_ids: Iterable[int]) -> None:
    ids = list({int(pk) for pk in resident_ids})
    if ids:
        households_changed(Resident.objects.filter(pk__in=ids).values_list("household_id", flat=True))


_STATUS_FIELDS = frozenset(StatusField.values)
_EVIDENCE = frozenset(Evidence.values)
_SOURCES = frozenset(Source.values)
_LEVELS = frozenset(SkillLevel.values)


def _check(rows: Sequence[tuple[Any, ...]], status: bool, today: dt.date) -> None:
    """The rules every observation obeys, whoever sends it; a message names the row (1-based)."""
    for number, row in enumerate(rows, start=1):
        if status:
            _, field, value, evidence, observed_on, source, _ = row
            if field not in _STATUS_FIELDS:
                raise ValidationError({"field": f"Dòng {number}: không có thông tin trạng thái “{field}”."})
            low, high = STATUS_VALUE_RANGE.get(StatusField(field), (0, 1))
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValidationError({"value": f"Dòng {number}: giá trị phải từ {low} đến {high}."})
            if evidence not in _EVIDENCE:
                raise ValidationError({"evidence": f"Dòng {number}: cách biết “{evidence}” không hợp lệ."})
        else:
            _, _, level, observed_on, source, _ = row
            if level not in _LEVELS:
                raise ValidationError({"level": f"Dòng {number}: mức kỹ năng “{level}” không hợp lệ."})
        if not isinstance(observed_on, dt.date) or observed_on > today:
            raise ValidationError({"observed_on": f"Dòng {number}: ngày ghi nhận không được ở tương lai."})
        if source not in _SOURCES:
            raise ValidationError({"source": f"Dòng {number}: nguồn “{source}” không hợp lệ."})


def record_observations(
    *,
    by: User | None,
    status: Sequence[tuple[Any, ...]] = (),
    skills: Sequence[tuple[Any, ...]] = (),
    households: Iterable[int] | None = None,
    recorded_at: dt.datetime | None = None,
) -> None:
    """Append status rows (`STATUS_COLUMNS`) and skill rows (`SKILL_COLUMNS`), then tell the listeners.

    `households`: the households touched, when the caller knows them — they must include every
    observed resident's household (a visit's household, which may have no observation at all); when
    None they are read from the residents. Rows are checked first; nothing is written when one is wrong.
    """
    today = timezone.localdate()
    _check(status, True, today)
    _check(skills, False, today)
    at = recorded_at or timezone.now()
    by_id = by.pk if by is not None else None
    # All or nothing, in the caller's transaction when there is one. The rows were checked above, so a
    # failure here is the database's, and the caller's transaction fails with it: no savepoint needed
    # (a savepoint and its release cost two round trips on every push).
    with transaction.atomic(savepoint=False):
        _write(by_id, at, status, skills, households)


def _write(
    by_id: int | None,
    at: dt.datetime,
    status: Sequence[tuple[Any, ...]],
    skills: Sequence[tuple[Any, ...]],
    households: Iterable[int] | None,
) -> None:
    if skills:
        insert_rows(
            SkillObservation,
            [*SKILL_COLUMNS, "recorded_by_id", "recorded_at"],
            [(*row, by_id, at) for row in skills],
        )
    if status:
        insert_rows(
            StatusObservation,
            [*STATUS_COLUMNS, "recorded_by_id", "recorded_at"],
            [(*row, by_id, at) for row in status],
        )
    if households is None:
        residents = {row[0] for row in status} | {row[0] for row in skills}
        households = Resident.objects.filter(pk__in=list(residents)).values_list("household_id", flat=True)
    households_changed(households)
