"""The only writes to a commune's targets (`Target`), monthly figures (`AggregateEntry`) and its own
indicators (`Indicator` rows with `commune` set) — SPEC §6, issue 10 point 4.

Every function is keyword-only, takes the user who writes (`by`), validates with Vietnamese messages
keyed by the form field they belong to (`common.forms.errors_to_form` puts them next to the field) and
returns what changed in words, for the view's audit row (`accounts.workspace.record_change`). The
national catalogue (commune empty) is never changed here: a commune sets its own target for it.

A commune's own indicator of a registry kind is counted by the rollups (`rollup.py`) from its
population and condition bits; after it is added or changed the commune's rollups are recomputed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from binhdan.common.text import fold, nfc
from binhdan.indicators import catalogue as cat
from binhdan.indicators import rollup
from binhdan.indicators.models import REGISTRY_KINDS, AggregateEntry, Indicator, Kind, Target
from binhdan.places.models import Level, Place

if TYPE_CHECKING:
    from binhdan.accounts.models import User

# --- business rules ---------------------------------------------------------------------------------------
TARGET_MIN, TARGET_MAX = Decimal(0), Decimal(100)  # percent
TARGET_STEP = Decimal("0.1")  # one decimal place
DEADLINE_EARLIEST = dt.date(2025, 1, 1)  # the movement's plans start in 2025
DEADLINE_LATEST = dt.date(2035, 12, 31)  # the plans end in 2030; later is a typing mistake
FIRST_MONTH = dt.date(2025, 1, 1)  # monthly figures are kept from the movement's first month
COUNT_MAX = 1_000_000  # more dossiers or products than this in one commune and month is a typing mistake
OWN_POSITION = 1000  # a commune's own indicators come after the national catalogue
OWN_CODE_PREFIX = "XA"
NAME_MAX, LABEL_MAX = 160, 200
OWN_KINDS = (Kind.HOUSEHOLD, Kind.RESIDENT, Kind.AGGREGATE)  # not "team": those are counted from code


@dataclass(frozen=True)
class Saved:
    """What a write did: the row, and the changes in words for the audit row (empty: nothing changed)."""

    obj: object
    lines: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.lines)


def _require_commune(commune: Place) -> None:
    if commune.level != Level.COMMUNE:
        raise ValidationError("Chỉ tiêu được đặt cho xã, phường, đặc khu.")


def _require_indicator_of(commune: Place, indicator: Indicator) -> None:
    if not indicator.active or indicator.commune_id not in (None, commune.pk):
        raise ValidationError({"indicator": "Chỉ tiêu này không có trong danh mục của xã."})


def _pct(value: Decimal) -> str:
    return f"{value:.1f}".replace(".", ",") + "%"


def _clean_target(target: Decimal, deadline: dt.date, *, field: str = "target") -> dict[str, str]:
    errors = {}
    if not target.is_finite() or not TARGET_MIN <= target <= TARGET_MAX:
        errors[field] = "Chỉ tiêu phải là một số từ 0 đến 100 (%)."
    elif target != target.quantize(TARGET_STEP):
        errors[field] = "Chỉ tiêu chỉ được có một chữ số sau dấu phẩy, ví dụ 72,5."
    if not DEADLINE_EARLIEST <= deadline <= DEADLINE_LATEST:
        errors["deadline"] = (
            f"Thời hạn phải trong khoảng {DEADLINE_EARLIEST:%d/%m/%Y} – {DEADLINE_LATEST:%d/%m/%Y}."
        )
    return errors


# --- targets ---------------------------------------------------------------------------------------------


@transaction.atomic
def set_target(
    *, by: User, commune: Place, indicator: Indicator, target: Decimal, deadline: dt.date
) -> Saved:
    """The commune's own target and deadline for an indicator of the national catalogue."""
    _require_commune(commune)
    _require_indicator_of(commune, indicator)
    if indicator.commune_id is not None:
        raise ValidationError({"indicator": "Chỉ tiêu riêng của xã được sửa ở trang của chỉ tiêu đó."})
    errors = _clean_target(target, deadline)
    if errors:
        raise ValidationError(errors)
    row = Target.objects.select_for_update().filter(commune=commune, indicator=indicator).first()
    before = (row.target, row.deadline) if row else (indicator.default_target, indicator.default_deadline)
    if row is not None and before == (target, deadline):
        return Saved(row, ())
    if row is None:
        row = Target(commune=commune, indicator=indicator)
    row.target, row.deadline, row.set_by, row.set_at = target, deadline, by, timezone.now()
    row.full_clean(validate_unique=False)
    row.save()
    line = (
        f"Chỉ tiêu {indicator.code}: {_pct(before[0])} đến {before[1]:%d/%m/%Y} → "
        f"{_pct(target)} đến {deadline:%d/%m/%Y}"
    )
    return Saved(row, (line,))


@transaction.atomic
def reset_target(*, by: User, commune: Place, indicator: Indicator) -> Saved:
    """Back to the catalogue's default target and deadline (the commune's own row is removed)."""
    _require_commune(commune)
    _require_indicator_of(commune, indicator)
    row = Target.objects.filter(commune=commune, indicator=indicator).first()
    if row is None:
        return Saved(indicator, ())
    line = (
        f"Chỉ tiêu {indicator.code}: {_pct(row.target)} đến {row.deadline:%d/%m/%Y} → mặc định "
        f"{_pct(indicator.default_target)} đến {indicator.default_deadline:%d/%m/%Y}"
    )
    row.delete()
    return Saved(indicator, (line,))


# --- monthly figures -------------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def months_open(today: dt.date | None = None) -> list[dt.date]:
    """The months figures may be entered for, newest first: the current month back to FIRST_MONTH."""
    month = month_start(today or timezone.localdate())
    out = []
    while month >= FIRST_MONTH:
        out.append(month)
        month = month_start(month - dt.timedelta(days=1))
    return out


@transaction.atomic
def record_month(
    *,
    by: User,
    commune: Place,
    indicator: Indicator,
    month: dt.date,
    numerator: int,
    denominator: int,
) -> Saved:
    """A commune's figures of one month for an aggregate indicator; a past month may be corrected."""
    _require_commune(commune)
    _require_indicator_of(commune, indicator)
    if indicator.kind != Kind.AGGREGATE:
        raise ValidationError({"indicator": "Chỉ tiêu này được tính từ sổ hộ, không nhập số liệu tháng."})
    errors = {}
    this_month = month_start(timezone.localdate())
    if month != month_start(month):
        errors["month"] = "Tháng không hợp lệ."
    elif month > this_month:
        errors["month"] = "Không nhập số liệu cho tháng chưa tới."
    elif month < FIRST_MONTH:
        errors["month"] = f"Số liệu tháng được nhập từ tháng {FIRST_MONTH:%m/%Y}."
    for field, value in (("numerator", numerator), ("denominator", denominator)):
        if not 0 <= value <= COUNT_MAX:
            errors[field] = f"Phải là số nguyên từ 0 đến {COUNT_MAX:,}.".replace(",", ".")
    if "numerator" not in errors and "denominator" not in errors and numerator > denominator:
        errors["numerator"] = (
            f"{indicator.numerator_label} ({numerator}) không được lớn hơn "
            f"{indicator.denominator_label.lower()} ({denominator})."
        )
    if errors:
        raise ValidationError(errors)
    row = (
        AggregateEntry.objects.select_for_update()
        .filter(commune=commune, indicator=indicator, month=month)
        .first()
    )
    if row is not None and (row.numerator, row.denominator) == (numerator, denominator):
        return Saved(row, ())
    if row is None:
        line = f"Số liệu {indicator.code} tháng {month:%m/%Y}: {numerator}/{denominator}"
        row = AggregateEntry(commune=commune, indicator=indicator, month=month)
    else:
        line = (
            f"Sửa số liệu {indicator.code} tháng {month:%m/%Y}: {row.numerator}/{row.denominator} → "
            f"{numerator}/{denominator}"
        )
    row.numerator, row.denominator = numerator, denominator
    row.entered_by, row.entered_at = by, timezone.now()
    row.save()
    return Saved(row, (line,))


# --- a commune's own indicators --------------------------------------------------------------------------


def populations_of(kind: str) -> list[cat.Population]:
    return [p for p in cat.POPULATIONS.values() if p.kind == kind]


def conditions_of(kind: str) -> list[cat.Condition]:
    return [c for c in cat.CONDITIONS.values() if c.kind == kind]


def _clean_own(
    *,
    commune: Place,
    indicator: Indicator | None,
    name: str,
    kind: str,
    population: str,
    condition: str,
    numerator_label: str,
    denominator_label: str,
    target: Decimal,
    deadline: dt.date,
) -> tuple[str, str, str, str, str]:
    """(name, population, condition, numerator label, denominator label), cleaned; or ValidationError."""
    errors: dict[str, str] = {}
    name = " ".join(nfc(name).split())
    numerator_label = " ".join(nfc(numerator_label).split())
    denominator_label = " ".join(nfc(denominator_label).split())
    if not name:
        errors["name"] = "Vui lòng nhập tên chỉ tiêu."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Tên chỉ tiêu dài quá {NAME_MAX} ký tự."
    else:
        taken = Indicator.objects.for_commune(commune)
        if indicator is not None:
            taken = taken.exclude(pk=indicator.pk)
        if any(fold(other) == fold(name) for other in taken.values_list("name", flat=True)):
            errors["name"] = "Xã đã có chỉ tiêu mang tên này."
    if kind not in OWN_KINDS:
        errors["kind"] = "Cách tính không hợp lệ."
    elif kind in REGISTRY_KINDS:
        pop, cond = cat.POPULATIONS.get(population), cat.CONDITIONS.get(condition)
        if pop is None or pop.kind != kind:
            errors["population"] = (
                "Vui lòng chọn nhóm hộ gia đình."
                if kind == Kind.HOUSEHOLD
                else "Vui lòng chọn nhóm người dân."
            )
        if cond is None or cond.kind != kind:
            errors["condition"] = (
                "Vui lòng chọn điều kiện tính trên hộ gia đình."
                if kind == Kind.HOUSEHOLD
                else "Vui lòng chọn điều kiện tính trên người dân."
            )
        if pop is not None and cond is not None and not errors:
            numerator_label = numerator_label or f"{pop.label} {cond.label}"
            denominator_label = denominator_label or pop.label
    else:
        population = condition = ""
        if not numerator_label:
            errors["numerator_label"] = "Vui lòng ghi tử số, ví dụ “Hồ sơ tiếp nhận trực tuyến”."
        if not denominator_label:
            errors["denominator_label"] = "Vui lòng ghi mẫu số, ví dụ “Tổng số hồ sơ tiếp nhận”."
    for field, label in (("numerator_label", numerator_label), ("denominator_label", denominator_label)):
        if len(label) > LABEL_MAX:
            errors[field] = f"Dài quá {LABEL_MAX} ký tự."
    errors.update(_clean_target(target, deadline))
    if errors:
        raise ValidationError(errors)
    return name, population, condition, numerator_label, denominator_label


def _new_code(commune: Place) -> str:
    taken = set(
        Indicator.objects.filter(code__startswith=f"{OWN_CODE_PREFIX}{commune.pk}_").values_list(
            "code", flat=True
        )
    )
    n = len(taken) + 1
    while f"{OWN_CODE_PREFIX}{commune.pk}_{n}" in taken:
        n += 1
    return f"{OWN_CODE_PREFIX}{commune.pk}_{n}"


def _recount(indicator: Indicator) -> None:
    """A commune's own registry-kind indicator was added or changed: bring its rollups up to date.

    The state spans do not depend on which indicators exist, so recounting the one indicator from the
    stored spans (`rollup.rebuild_indicator`) is enough; the commune's spans are not recomputed."""
    if indicator.kind not in REGISTRY_KINDS or indicator.commune_id is None:
        return
    rollup.rebuild_indicator(indicator)


@transaction.atomic
def add_own_indicator(
    *,
    by: User,
    commune: Place,
    name: str,
    kind: str,
    population: str = "",
    condition: str = "",
    numerator_label: str = "",
    denominator_label: str = "",
    stock: bool = False,
    target: Decimal,
    deadline: dt.date,
) -> Saved:
    """A commune's own indicator of the same kinds as the catalogue (a population and a condition from
    `catalogue.POPULATIONS` / `CONDITIONS`, or monthly figures). Counted for this commune only."""
    _require_commune(commune)
    name, population, condition, numerator_label, denominator_label = _clean_own(
        commune=commune, indicator=None, name=name, kind=kind, population=population, condition=condition,
        numerator_label=numerator_label, denominator_label=denominator_label, target=target,
        deadline=deadline,
    )  # fmt: skip
    position = OWN_POSITION + Indicator.objects.filter(commune=commune).count()
    indicator = Indicator(
        code=_new_code(commune),
        commune=commune,
        name=name,
        kind=kind,
        numerator_label=numerator_label,
        denominator_label=denominator_label,
        population=population,
        condition=condition,
        stock=bool(stock) and kind == Kind.AGGREGATE,
        default_target=target,
        default_deadline=deadline,
        source=f"Xã tự thêm ({by.display_name})"[:200] if getattr(by, "pk", None) else "Xã tự thêm",
        position=position,
    )
    indicator.full_clean()
    indicator.save()
    _recount(indicator)
    return Saved(indicator, (f"Thêm chỉ tiêu riêng {indicator.code}: {indicator.name}",))


@transaction.atomic
def update_own_indicator(
    *,
    by: User,
    commune: Place,
    indicator: Indicator,
    name: str,
    population: str = "",
    condition: str = "",
    numerator_label: str = "",
    denominator_label: str = "",
    stock: bool = False,
    target: Decimal,
    deadline: dt.date,
    active: bool = True,
) -> Saved:
    """Change or deactivate a commune's own indicator (its kind stays; the national catalogue is not
    changed here). A deactivated indicator leaves the commune's pages; its figures are kept."""
    _require_commune(commune)
    if indicator.commune_id != commune.pk:
        raise ValidationError("Chỉ tiêu này không phải chỉ tiêu riêng của xã.")
    name, population, condition, numerator_label, denominator_label = _clean_own(
        commune=commune, indicator=indicator, name=name, kind=indicator.kind, population=population,
        condition=condition, numerator_label=numerator_label, denominator_label=denominator_label,
        target=target, deadline=deadline,
    )  # fmt: skip
    new = {
        "name": name,
        "population": population,
        "condition": condition,
        "numerator_label": numerator_label,
        "denominator_label": denominator_label,
        "stock": bool(stock) and indicator.kind == Kind.AGGREGATE,
        "default_target": target,
        "default_deadline": deadline,
        "active": bool(active),
    }
    changed = [field for field, value in new.items() if getattr(indicator, field) != value]
    if not changed:
        return Saved(indicator, ())
    counted = {"population", "condition", "active"} & set(changed)
    for field in changed:
        setattr(indicator, field, new[field])
    indicator.full_clean()
    indicator.save(update_fields=changed)
    if counted:
        _recount(indicator)
    what = "Ngừng dùng" if "active" in changed and not indicator.active else "Sửa"
    return Saved(indicator, (f"{what} chỉ tiêu riêng {indicator.code}: " + ", ".join(changed),))
