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
  list again does not bring the person back.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from binhdan.accounts import audit
from binhdan.accounts.models import AuditEvent
from binhdan.common.text import fold
from binhdan.registry.models import Consent, Household, Resident, SkillObservation, StatusObservation

ERASED_NAME = "Đã xoá theo yêu cầu"
ERASED_HEAD = "(Chủ hộ đã xoá theo yêu cầu)"


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
            "chuyen_di_ngay": resident.moved_out_on.strftime("%d/%m/%Y") if resident.moved_out_on else "",
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


@transaction.atomic
def erase_resident(*, by: Any, resident: Resident, reason: str, ip: str | None = None) -> Resident:
    """Remove a resident's personal data on their request; counts stay, the action is audited."""
    resident = Resident.objects.select_for_update().select_related("household__village").get(pk=resident.pk)
    if resident.erased_at is not None:
        return resident
    household = resident.household
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
    if was_head_name:
        household.head_name = ERASED_HEAD
        if old_phone and household.phone == old_phone:
            household.phone = ""
        household.save()
    audit.record_event(
        user=by,
        action=AuditEvent.Action.ERASE,
        place=household.village,
        object_type="Resident",
        object_id=str(resident.pk),
        detail=f"Xoá dữ liệu cá nhân theo yêu cầu. Lý do: {reason}",
        ip=ip,
    )
    return resident
