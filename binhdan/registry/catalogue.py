"""The commune's skill catalogue and commune settings: reads and the only write path (SPEC §4).

The national seed (Skill rows without a commune) is read-only here: only system admins change it (in
the Django admin). A commune
- adds its own skills (Skill rows with `commune` set, so observations, classes and the phone's skill
  codes work for them exactly as for national skills — no second kind of skill anywhere);
- chooses its core set for "kỹ năng số cơ bản" and hides the skills it does not use, by dated,
  append-only CommuneSkillChoice rows: the state on any day is the latest choice effective by then, so
  an indicator computed as of a past date uses the core set of that date.
Without any choice a skill has its national default (Skill.is_core — the five seeded core skills).
Views audit every write (accounts.audit.record); these functions validate and write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from binhdan.common.text import fold, nfc
from binhdan.places.models import Level, Place
from binhdan.registry import recording
from binhdan.registry.models import (
    REPORT_DAY_MAX,
    CommuneSettings,
    CommuneSkillChoice,
    DashboardEvidence,
    Skill,
    SkillDomain,
)

if TYPE_CHECKING:
    from binhdan.accounts.models import User

MIN_CORE_SKILLS = 1  # a core set of none would make everyone "có kỹ năng số cơ bản"
MAX_EFFECTIVE_AHEAD_DAYS = 366  # a choice for more than a year ahead is a typing mistake
OWN_SKILL_POSITION = 1000  # a commune's own skills come after the national ones
OWN_CODE_PREFIX = "xa"


@dataclass(frozen=True)
class CatalogueEntry:
    """One skill as a commune sees it on a day."""

    skill: Skill
    in_core: bool
    hidden: bool
    since: dt.date | None  # the date of the commune's choice in force, None: national default
    by: User | None

    @property
    def own(self) -> bool:
        return self.skill.commune_id is not None


def _require_commune(commune: Place) -> None:
    if commune.level != Level.COMMUNE:
        raise ValidationError("Danh mục kỹ năng thuộc về một xã, phường.")


def catalogue(commune: Place, on: dt.date | None = None) -> list[CatalogueEntry]:
    """Every active skill of the commune (national and its own) with its state on `on` (today).

    Two queries whatever the size of the catalogue.
    """
    on = on or timezone.localdate()
    skills = list(Skill.objects.of_commune(commune).filter(active=True).order_by("position", "code"))
    latest: dict[int, CommuneSkillChoice] = {}
    choices = CommuneSkillChoice.objects.filter(commune=commune, effective_on__lte=on).select_related(
        "recorded_by"
    )
    for choice in choices.order_by("effective_on", "recorded_at", "pk"):
        latest[choice.skill_id] = choice
    entries = []
    for skill in skills:
        found = latest.get(skill.pk)
        if found is None:
            entries.append(CatalogueEntry(skill, skill.is_core, False, None, None))
        else:
            entries.append(
                CatalogueEntry(skill, found.in_core, found.hidden, found.effective_on, found.recorded_by)
            )
    return entries


def core_skills(commune: Place, on: dt.date | None = None) -> list[Skill]:
    """The commune's core set for "kỹ năng số cơ bản" on a day."""
    return [e.skill for e in catalogue(commune, on) if e.in_core]


def skills_in_use(commune: Place, on: dt.date | None = None) -> list[Skill]:
    """The skills the commune uses (not hidden) — what its forms and phones should offer."""
    return [e.skill for e in catalogue(commune, on) if not e.hidden]


def pending_choices(commune: Place) -> list[CommuneSkillChoice]:
    """Choices recorded for a later day, not yet in force."""
    return list(
        CommuneSkillChoice.objects.filter(commune=commune, effective_on__gt=timezone.localdate())
        .select_related("skill", "recorded_by")
        .order_by("effective_on", "recorded_at", "pk")
    )


def history(commune: Place, limit: int = 30) -> list[CommuneSkillChoice]:
    return list(
        CommuneSkillChoice.objects.filter(commune=commune)
        .select_related("skill", "recorded_by")
        .order_by("-recorded_at", "-pk")[:limit]
    )


def _check_effective_on(effective_on: dt.date) -> None:
    today = timezone.localdate()
    if effective_on < today:
        raise ValidationError(
            {"effective_on": "Ngày áp dụng không được trước hôm nay: số liệu đã qua giữ nguyên như cũ."}
        )
    if effective_on > today + dt.timedelta(days=MAX_EFFECTIVE_AHEAD_DAYS):
        raise ValidationError({"effective_on": "Ngày áp dụng xa quá một năm; hãy kiểm tra lại."})


def _check_skills(commune: Place, skills: Iterable[Skill], field: str) -> list[Skill]:
    skills = list(skills)
    allowed = set(Skill.objects.of_commune(commune).filter(active=True).values_list("pk", flat=True))
    for skill in skills:
        if skill.pk not in allowed:
            raise ValidationError({field: f"“{skill}” không thuộc danh mục kỹ năng của xã."})
    return skills


@transaction.atomic
def _apply(
    *,
    by: User,
    commune: Place,
    effective_on: dt.date,
    core: set[int] | None = None,
    hidden: set[int] | None = None,
) -> list[CommuneSkillChoice]:
    """Write one dated choice for every skill whose state on `effective_on` changes."""
    written = []
    for entry in catalogue(commune, effective_on):
        in_core = entry.in_core if core is None else entry.skill.pk in core
        is_hidden = entry.hidden if hidden is None else entry.skill.pk in hidden
        if (in_core, is_hidden) == (entry.in_core, entry.hidden):
            continue
        written.append(
            CommuneSkillChoice.objects.create(
                commune=commune,
                skill=entry.skill,
                in_core=in_core,
                hidden=is_hidden,
                effective_on=effective_on,
                recorded_by=by,
            )
        )
    if written:
        # The core set decides who has basic digital skills from that day: the rollups follow.
        recording.commune_changed(commune.pk)
    return written


def set_core_set(
    *, by: User, commune: Place, skills: Iterable[Skill], effective_on: dt.date
) -> list[CommuneSkillChoice]:
    """Make `skills` the commune's core set from `effective_on`; returns the choices written."""
    _require_commune(commune)
    chosen = _check_skills(commune, skills, "skills")
    _check_effective_on(effective_on)
    if len(chosen) < MIN_CORE_SKILLS:
        raise ValidationError({"skills": "Bộ kỹ năng số cơ bản cần ít nhất một kỹ năng."})
    state = {e.skill.pk: e for e in catalogue(commune, effective_on)}
    hidden = [s for s in chosen if state[s.pk].hidden]
    if hidden:
        names = ", ".join(str(s) for s in hidden)
        raise ValidationError(
            {"skills": f"Xã đang ẩn kỹ năng {names}; hãy hiện lại trước khi đưa vào bộ cơ bản."}
        )
    return _apply(by=by, commune=commune, effective_on=effective_on, core={s.pk for s in chosen})


def set_hidden_skills(
    *, by: User, commune: Place, skills: Iterable[Skill], effective_on: dt.date
) -> list[CommuneSkillChoice]:
    """Hide exactly `skills` (the ones the commune does not use) from `effective_on`."""
    _require_commune(commune)
    chosen = _check_skills(commune, skills, "skills")
    _check_effective_on(effective_on)
    state = {e.skill.pk: e for e in catalogue(commune, effective_on)}
    core = [s for s in chosen if state[s.pk].in_core]
    if core:
        names = ", ".join(str(s) for s in core)
        raise ValidationError(
            {"skills": f"{names} đang thuộc bộ kỹ năng số cơ bản; hãy bỏ khỏi bộ cơ bản trước khi ẩn."}
        )
    return _apply(by=by, commune=commune, effective_on=effective_on, hidden={s.pk for s in chosen})


def _clean_skill_text(
    commune: Place, name: str, description: str, domain: str, exclude: Skill | None
) -> None:
    if not name.strip():
        raise ValidationError({"name": "Vui lòng nhập tên kỹ năng."})
    if domain not in SkillDomain.values:
        raise ValidationError({"domain": "Lĩnh vực không hợp lệ."})
    same = Skill.objects.of_commune(commune).filter(active=True)
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    key = " ".join(name.casefold().split())
    if any(" ".join(other.casefold().split()) == key for other in same.values_list("name", flat=True)):
        raise ValidationError({"name": "Danh mục của xã đã có kỹ năng cùng tên."})


def _new_code(commune: Place, name: str) -> str:
    stem = f"{OWN_CODE_PREFIX}{commune.pk}-" + (slugify(fold(name)) or "ky-nang")
    stem = stem[:34].rstrip("-")
    code, n = stem, 1
    while Skill.objects.filter(code=code).exists():
        n += 1
        code = f"{stem}-{n}"
    return code


@transaction.atomic
def add_commune_skill(
    *,
    by: User,
    commune: Place,
    name: str,
    domain: str,
    description: str = "",
    effective_on: dt.date | None = None,
) -> Skill:
    """Add a skill of the commune's own; it is in use, not core, from `effective_on` (today)."""
    _require_commune(commune)
    name, description = nfc(name).strip(), nfc(description).strip()
    _clean_skill_text(commune, name, description, domain, None)
    skill = Skill(
        code=_new_code(commune, name),
        commune=commune,
        name=name,
        domain=domain,
        description=description,
        is_core=False,
        position=OWN_SKILL_POSITION,
    )
    skill.full_clean()
    skill.save()
    return skill


@transaction.atomic
def update_commune_skill(
    *, by: User, commune: Place, skill: Skill, name: str, domain: str, description: str = ""
) -> Skill:
    """Rename or re-describe one of the commune's own skills; the national seed is never changed here."""
    if skill.commune_id is None:
        raise ValidationError("Kỹ năng của danh mục quốc gia chỉ quản trị hệ thống được sửa.")
    if skill.commune_id != commune.pk:
        raise ValidationError("Kỹ năng này không thuộc xã.")
    name, description = nfc(name).strip(), nfc(description).strip()
    _clean_skill_text(commune, name, description, domain, skill)
    skill.name, skill.domain, skill.description = name, domain, description
    skill.full_clean()
    skill.save(update_fields=["name", "domain", "description"])
    return skill


# --- commune settings -----------------------------------------------------------------------------

SETTINGS_FIELDS = (
    "store_citizen_ids",
    "report_day",
    "min_hours_per_day",
    "min_days_per_week",
    "work_time_max_age_days",
    "dashboard_evidence",
)


@transaction.atomic
def update_commune_settings(
    *, by: User, commune: Place, **values: object
) -> tuple[CommuneSettings, list[str]]:
    """Change the commune's settings; returns them and a Vietnamese line per changed value."""
    _require_commune(commune)
    settings = CommuneSettings.objects.select_for_update().get_or_create(commune=commune)[0]
    changed = []
    for name in SETTINGS_FIELDS:
        if name not in values:
            continue
        old, new = getattr(settings, name), values[name]
        if old != new:
            setattr(settings, name, new)
            changed.append(name)
    if settings.dashboard_evidence not in DashboardEvidence.values:
        raise ValidationError({"dashboard_evidence": "Lựa chọn không hợp lệ."})
    if not 1 <= int(settings.report_day) <= REPORT_DAY_MAX:
        raise ValidationError({"report_day": f"Ngày nộp báo cáo phải từ 1 đến {REPORT_DAY_MAX}."})
    settings.full_clean()
    if changed:
        settings.save(update_fields=changed)
        if "dashboard_evidence" in changed:
            recording.commune_changed(commune.pk)  # which observations count changed for every resident
    lines = []
    for name in changed:
        label = str(getattr(CommuneSettings._meta.get_field(name), "verbose_name", name))
        value = getattr(settings, name)
        if name == "dashboard_evidence":
            value = settings.get_dashboard_evidence_display()
        elif isinstance(value, bool):
            value = "có" if value else "không"
        lines.append(f"{label}: {value}")
    return settings, lines


def communes_of(user: Any) -> list[Place]:
    """The communes in which the user holds a current commune or village role (not province roles)."""
    found: dict[int, Place] = {}
    for role in user.current_roles() if getattr(user, "is_authenticated", False) else []:
        place = role.place
        if place is None:
            continue
        if place.level == Level.COMMUNE:
            found[place.pk] = place
        elif place.level == Level.VILLAGE and place.parent is not None:
            found[place.parent.pk] = place.parent
    return list(found.values())


def entries_offered_to(user: Any) -> list[CatalogueEntry]:
    """The skills the user's communes use (national ones and their own, not hidden), once each.

    A user of several communes gets the union; a skill is core when it is core in one of them. A user of
    no commune (a province officer, an admin) gets the active national skills.
    """
    communes = communes_of(user)
    if not communes:
        return [
            CatalogueEntry(s, s.is_core, False, None, None)
            for s in Skill.objects.national().filter(active=True)
        ]
    merged: dict[int, CatalogueEntry] = {}
    for commune in communes:
        for entry in catalogue(commune):
            if entry.hidden:
                continue
            seen = merged.get(entry.skill.pk)
            if seen is None or (entry.in_core and not seen.in_core):
                merged[entry.skill.pk] = entry
    return sorted(merged.values(), key=lambda e: (e.skill.position, e.skill.code))
