"""Residents' data rights (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15): see everything held, erase on request.

Erasure keeps the row so that aggregate counts do not change (the resident still counts in their
household, their observations stay attached), but removes everything that identifies the person:

- full name → "Đã xoá theo yêu cầu"; phone, citizen ID hash and mask, learner code cleared;
- birth date → dropped, the **birth year is kept** because the indicators count adults (18+),
  residents 14+ and 60+ by year; gender, relation and priority flags are kept for the same reason;
- consent notes are cleared (the consent records themselves stay as proof of lawful processing);
- if the person was the head, the household's head name becomes "(Chủ hộ đã xoá theo yêu cầu)" and a
  household phone equal to theirs is cleared;
- `erased_key`, a keyed hash of household + name + birth year, stays so that importing the old commune
  list again does not bring the person back;
- every **trace elsewhere** is redacted (`registry.redaction`: name accent-insensitively in any Unicode
  form, phone in any spacing, ID by its hash, mask, learner code, birth date) by the erasure steps:
  free text of registry rows (addresses, consent notes, import file names, summaries and columns), the
  commune's staged import cell tables (purged, batch discarded), the audit log's detail text (search
  queries), the admin log, background jobs and task results, and stored sessions (messages). Higher
  apps add their own steps with `register_erasure_step` from `AppConfig.ready()` (fieldwork: visit notes),
  since registry never imports them. Every step runs in erasure's transaction: all or nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import models, transaction
from django.utils import timezone

from binhdan.accounts import audit
from binhdan.accounts.models import AuditEvent, User
from binhdan.common.models import Job
from binhdan.common.text import fold
from binhdan.places.models import Place
from binhdan.registry import recording
from binhdan.registry.models import (
    Consent,
    Household,
    ImportBatch,
    Resident,
    SkillObservation,
    StatusObservation,
)
from binhdan.registry.redaction import REDACTED, PersonTraces, json_fields, redact_rows, text_fields

ERASED_NAME = "Đã xoá theo yêu cầu"
ERASED_HEAD = "(Chủ hộ đã xoá theo yêu cầu)"
# Import batches in these states still hold their cell table and are not being written by a commit.
STAGED_IMPORT_STATES = (
    ImportBatch.Status.MAPPING,
    ImportBatch.Status.CHECKING,
    ImportBatch.Status.READY,
    ImportBatch.Status.FAILED,
)
# The background task queue's result rows (django-tasks database backend), when installed.
TASK_RESULT_MODELS = ("django_tasks_database.DBTaskResult",)
# Identity fields of *other* people: a namesake's name or a relative's shared phone is theirs, not a mention.
IDENTITY_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Resident: ("full_name", "phone"),
    Household: ("head_name", "phone"),
}


# --- the erasure extension point ----------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    """What an erasure step gets: the erased resident (already blanked), where they lived, their traces."""

    resident: Resident
    household: Household
    commune: Place | None
    traces: PersonTraces
    by: User | None


ErasureStep = Callable[[Erasure], None]
_STEPS: list[tuple[str, ErasureStep]] = []


def register_erasure_step(key: str, step: ErasureStep) -> None:
    """Run `step` in every erasure (after registry's own); registering a key again replaces it.

    Higher apps (fieldwork, assistant, …) call this from `AppConfig.ready()` for tables that may name a
    resident; the step must leave no trace of `erasure.traces` in them (use `redaction.redact_rows`).
    """
    _STEPS[:] = [(k, s) for k, s in _STEPS if k != key]
    _STEPS.append((key, step))


def erasure_steps() -> list[tuple[str, ErasureStep]]:
    """Registry's own steps first, then those of higher apps in registration order."""
    return list(_CORE_STEPS) + list(_STEPS)


def erasure_key(household_id: int, full_name: str, birth_year: int | None) -> str:
    message = f"erased|{household_id}|{fold(full_name)}|{birth_year or ''}"
    return hmac.new(settings.CITIZEN_ID_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def resident_data(resident: Resident) -> dict[str, Any]:
    """Everything the registry holds about one resident, as plain JSON-able data with Vietnamese labels."""
    household: Household = resident.household
    village = household.village
    status = StatusObservation.objects.filter(resident=resident).select_related("recorded_by")
    skills = SkillObservation.objects.filter(resident=resident).select_related("skill", "recorded_by")
    consents = Consent.objects.filter(resident=resident).select_related("recorded_by")
    events = AuditEvent.objects.filter(object_type="Resident", object_id=str(resident.pk)).select_related(
        "user"
    )
    household_events = AuditEvent.objects.filter(object_type="Household", object_id=str(household.pk))
    return {
        "nguoi_dan": {
            "ma": resident.pk,
            "ho_va_ten": resident.full_name,
            "ngay_sinh": resident.birth_date.strftime("%d/%m/%Y") if resident.birth_date else "",
            "nam_sinh": resident.birth_year,
            "gioi_tinh": resident.get_gender_display(),
            "quan_he_voi_chu_ho": resident.get_relation_display(),
            "so_dien_thoai": resident.phone,
            "so_dinh_danh_da_che": resident.citizen_id_masked,
            "ma_hoc_vien": resident.learner_code,
            "nguoi_khuyet_tat": resident.is_disabled,
            "tieu_thuong": resident.is_trader,
            "cong_nhan": resident.is_worker,
            "hoc_sinh": resident.is_pupil,
            "dan_toc_thieu_so": resident.ethnic_minority,
            "ngay_vao_so": resident.registered_on.strftime("%d/%m/%Y"),
            "ngay_roi_so": resident.left_on.strftime("%d/%m/%Y") if resident.left_on else "",
            "ly_do_roi_so": resident.get_left_reason_display(),
            "tao_luc": _when(resident.created_at),
            "cap_nhat_luc": _when(resident.updated_at),
        },
        "ho_gia_dinh": {
            "ma": household.pk,
            "thon": village.name,
            "xa": village.parent.name if village.parent else "",
            "so_ho": household.number,
            "dia_chi": household.address,
            "chu_ho": household.head_name,
            "so_dien_thoai_cua_ho": household.phone,
            "nhom_uu_tien": household.priority_labels,
        },
        "dong_y": [
            {
                "dong_y": c.given,
                "hinh_thuc": c.get_method_display(),
                "muc_dich": c.purpose,
                "ghi_nhan_luc": _when(c.recorded_at),
                "nguoi_ghi_nhan": c.recorded_by.display_name if c.recorded_by else "",
                "ghi_chu": c.note,
            }
            for c in consents
        ],
        "trang_thai_so": [
            {
                "thong_tin": o.get_field_display(),
                "gia_tri": o.value_label,
                "ngay": o.observed_on.strftime("%d/%m/%Y"),
                "nguon": o.get_source_display(),
                "cach_biet": o.get_evidence_display(),
                "nguoi_ghi": o.recorded_by.display_name if o.recorded_by else "",
            }
            for o in status
        ],
        "ky_nang_so": [
            {
                "ky_nang": o.skill.name,
                "muc": o.get_level_display(),
                "ngay": o.observed_on.strftime("%d/%m/%Y"),
                "nguon": o.get_source_display(),
                "nguoi_ghi": o.recorded_by.display_name if o.recorded_by else "",
            }
            for o in skills
        ],
        "nhat_ky_truy_cap": [
            {
                "luc": _when(e.at),
                "nguoi": e.user.display_name if e.user else "",
                "hanh_dong": e.get_action_display(),
                "doi_tuong": "Người dân" if e.object_type == "Resident" else "Hộ gia đình",
            }
            for e in (events | household_events).select_related("user").order_by("-at")
        ],
    }


def traces_of(resident: Resident) -> PersonTraces:
    """What identifies the resident in free text; take it before blanking the record."""
    return PersonTraces(
        names=(resident.full_name,),
        phones=(resident.phone,) if resident.phone else (),
        literals=tuple(v for v in (resident.citizen_id_masked, resident.learner_code) if v),
        citizen_id_hash=resident.citizen_id_hash,
        birth_date=resident.birth_date,
    )


@transaction.atomic
def erase_resident(*, by: Any, resident: Resident, reason: str, ip: str | None = None) -> Resident:
    """Remove a resident's personal data on their request; counts stay, the action is audited."""
    resident = Resident.objects.select_for_update().select_related("household__village").get(pk=resident.pk)
    if resident.erased_at is not None:
        return resident
    household = resident.household
    traces = traces_of(resident)
    resident.erased_key = erasure_key(household.pk, resident.full_name, resident.birth_year)
    was_head_name = fold(household.head_name) == fold(resident.full_name)
    old_phone = resident.phone
    resident.full_name = ERASED_NAME
    resident.birth_date = None  # refresh_derived keeps birth_year as it is
    resident.phone = ""
    resident.citizen_id_hash = ""
    resident.citizen_id_masked = ""
    resident.learner_code = ""
    resident.erased_at = timezone.now()
    resident.save()
    Consent.objects.filter(resident=resident).update(note="")
    recording.households_changed([household.pk])  # the birth date went: age now counts from the year
    if was_head_name:
        household.head_name = ERASED_HEAD
        if old_phone and household.phone == old_phone:
            household.phone = ""
        household.save()
    erasure = Erasure(
        resident=resident,
        household=household,
        commune=household.village.parent,
        traces=traces,
        by=by if getattr(by, "is_authenticated", False) else None,
    )
    for _key, step in erasure_steps():
        step(erasure)
    audit.record_event(
        user=by,
        action=AuditEvent.Action.ERASE,
        place=household.village,
        object_type="Resident",
        object_id=str(resident.pk),
        # The reason is typed by the officer and may well name the person.
        detail=f"Xoá dữ liệu cá nhân theo yêu cầu. Lý do: {traces.redact(reason)}",
        ip=ip,
    )
    return resident


# --- registry's own steps -----------------------------------------------------------------------------


def _redact_registry_text(erasure: Erasure) -> None:
    """Free text of registry rows: household addresses and numbers, consent notes, import batches, …

    Every registry model is swept (so a text field added later is covered) except the identity fields of
    other people. Households are saved one by one so that their folded search text follows.
    """
    traces = erasure.traces
    household_fields = {
        f.name: f.max_length for f in text_fields(Household) if f.name not in IDENTITY_FIELDS[Household]
    }
    candidates = Household.objects.filter(traces.text_filter(household_fields))
    for household in candidates.iterator(chunk_size=500):
        changed = False
        for name, max_length in household_fields.items():
            value = getattr(household, name)
            cleaned = traces.redact(value)[:max_length]
            if cleaned != value:
                setattr(household, name, cleaned)
                changed = True
        if changed:
            household.save()
    for model in apps.get_app_config("registry").get_models():
        if model is Household:
            continue
        skip = IDENTITY_FIELDS.get(model, ())
        fields = [f.name for f in _sweepable_fields(model) if f.name not in skip]
        if fields:
            redact_rows(model._base_manager.all(), traces, fields=fields)


def _sweepable_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return text_fields(model) + json_fields(model)


def _purge_import_staging(erasure: Erasure) -> None:
    """The commune's staged imports lose their cell table and are discarded; committed ones lose kept rows.

    A batch being committed right now keeps its table (its commit drops it and skips erased people).
    """
    if erasure.commune is None:
        return
    ImportBatch.objects.filter(commune=erasure.commune, status__in=STAGED_IMPORT_STATES).update(
        table=None, status=ImportBatch.Status.DISCARDED
    )
    # Committed batches keep the rows they left out (for the error workbook); those may name the person.
    ImportBatch.objects.filter(
        commune=erasure.commune, status__in=(ImportBatch.Status.DISCARDED, ImportBatch.Status.COMMITTED)
    ).exclude(table=None).update(table=None)


def _redact_audit_log(erasure: Erasure) -> None:
    """Audit rows keep who did what to which id; text naming the person (e.g. a search) is redacted."""
    redact_rows(AuditEvent.objects.all(), erasure.traces)


def _redact_admin_log(erasure: Erasure) -> None:
    log_entry = apps.get_model("admin", "LogEntry") if apps.is_installed("django.contrib.admin") else None
    if log_entry is None:
        return
    from django.contrib.contenttypes.models import ContentType

    own = log_entry.objects.filter(
        content_type=ContentType.objects.get_for_model(Resident), object_id=str(erasure.resident.pk)
    )
    own.update(object_repr=ERASED_NAME)
    redact_rows(log_entry.objects.all(), erasure.traces, escaped_text=["change_message"])


def _redact_jobs(erasure: Erasure) -> None:
    """Background job messages and results, and the task queue's arguments and return values."""
    redact_rows(Job.objects.all(), erasure.traces)
    for label in TASK_RESULT_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        redact_rows(model._base_manager.all(), erasure.traces)


def _redact_sessions(erasure: Erasure) -> None:
    """Stored sessions (flash messages such as "Đã thêm … vào hộ", remembered searches)."""
    if not apps.is_installed("django.contrib.sessions"):
        return
    from django.contrib.sessions.models import Session

    store = SessionStore()
    for session in Session.objects.iterator(chunk_size=500):
        try:
            data = store.decode(session.session_data)
        except Exception:  # nosec B112  # a corrupt session is simply left alone
            continue
        cleaned = erasure.traces.redact_value(data)
        if cleaned != data:
            Session.objects.filter(pk=session.pk).update(session_data=store.encode(cleaned))


_CORE_STEPS: tuple[tuple[str, ErasureStep], ...] = (
    ("registry-text", _redact_registry_text),
    ("registry-import-staging", _purge_import_staging),
    ("audit-log", _redact_audit_log),
    ("admin-log", _redact_admin_log),
    ("jobs", _redact_jobs),
    ("sessions", _redact_sessions),
)
__all__ = ["REDACTED", "Erasure", "erase_resident", "register_erasure_step", "resident_data"]
