"""Writes of certificates: issue (one attendee or all at once), revoke with a reason, reissue.

The caller has checked that the user may change the class's commune (`accounts.workspace`); these
functions check the rest: only attendees of a class of that commune, one valid paper per class and person,
numbers per commune and year without gaps or repeats (the commune's row is locked while numbering).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from binhdan.certificates.models import Certificate, SignerCapacity, new_public_code
from binhdan.common.text import nfc
from binhdan.fieldwork.models import ClassAttendance, CommunityClass
from binhdan.fieldwork.services import class_commune
from binhdan.places.models import Place
from binhdan.registry.models import Resident

REASON_MAX = 200
REISSUE_REASON = "Cấp lại giấy mới"
ERASURE_REASON = "Thu hồi do người được cấp yêu cầu xoá dữ liệu cá nhân"
EARLIEST_YEAR = 2020


def attendees_without_certificate(community_class: CommunityClass) -> Any:
    """Residents present at the class, still in the registry, holding no valid certificate of it."""
    holders = Certificate.objects.valid().filter(community_class=community_class).values("resident_id")
    present = ClassAttendance.objects.filter(community_class=community_class).values("resident_id")
    return Resident.objects.active().filter(pk__in=present).exclude(pk__in=holders)


def _check_issued_on(issued_on: dt.date, community_class: CommunityClass) -> None:
    today = timezone.localdate()
    if issued_on > today:
        raise ValidationError({"issued_on": "Ngày cấp không được ở tương lai."})
    if issued_on < community_class.held_on:
        raise ValidationError(
            {"issued_on": f"Ngày cấp phải từ ngày học ({community_class.held_on:%d/%m/%Y}) trở đi."}
        )
    if issued_on.year < EARLIEST_YEAR:
        raise ValidationError({"issued_on": f"Ngày cấp phải từ năm {EARLIEST_YEAR} trở đi."})


def _next_serial(commune: Place, year: int) -> int:
    top = Certificate.objects.filter(commune=commune, year=year).aggregate(top=Max("serial"))["top"]
    return (top or 0) + 1


@transaction.atomic
def issue_certificates(
    *,
    by: Any,
    community_class: CommunityClass,
    residents: Iterable[Resident],
    issued_on: dt.date | None = None,
    signer_capacity: str = SignerCapacity.CHAIRMAN,
    signer_name: str = "",
    replaces: Certificate | None = None,
) -> list[Certificate]:
    """A certificate for each resident who attended the class and holds none of it yet (others skipped).

    Residents who did not attend, left the registry or were erased are refused with a message.
    """
    commune = class_commune(community_class)
    issued_on = issued_on or timezone.localdate()
    _check_issued_on(issued_on, community_class)
    if signer_capacity not in SignerCapacity.values:
        raise ValidationError({"signer_capacity": "Hãy chọn người ký."})
    signer_name = nfc(signer_name).strip()
    if len(signer_name) > 120:
        raise ValidationError({"signer_name": "Họ tên người ký dài quá 120 ký tự."})
    wanted = {r.pk for r in residents}
    if not wanted:
        raise ValidationError({"residents": "Hãy chọn ít nhất một người đã tham dự lớp."})
    attended = set(
        ClassAttendance.objects.filter(community_class=community_class, resident_id__in=wanted).values_list(
            "resident_id", flat=True
        )
    )
    if wanted - attended:
        raise ValidationError(
            {"residents": "Chỉ cấp giấy cho người có tên trong danh sách điểm danh của lớp."}
        )
    eligible = list(
        attendees_without_certificate(community_class).filter(pk__in=wanted).order_by("sort_name", "pk")
    )
    if not eligible:
        return []
    # Numbers per commune and year: lock the commune's row so two officers never take the same number.
    Place.objects.select_for_update().filter(pk=commune.pk).first()
    serial = _next_serial(commune, issued_on.year)
    made = []
    for offset, resident in enumerate(eligible):
        made.append(
            Certificate(
                commune=commune,
                community_class=community_class,
                resident=resident,
                year=issued_on.year,
                serial=serial + offset,
                issued_on=issued_on,
                issued_by=by if getattr(by, "pk", None) else None,
                signer_capacity=signer_capacity,
                signer_name=signer_name,
                code=new_public_code(),
                replaces=replaces,
            )
        )
    try:
        with transaction.atomic():
            Certificate.objects.bulk_create(made)
    except IntegrityError as exc:  # a code collision (2^-60) or a race on SQLite: ask to try again
        raise ValidationError("Chưa cấp được giấy, vui lòng thử lại.") from exc
    return list(Certificate.objects.filter(code__in=[c.code for c in made]).order_by("serial"))


def _reason(text: str) -> str:
    reason = nfc(text).strip()
    if not reason:
        raise ValidationError({"reason": "Vui lòng ghi lý do thu hồi."})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"Lý do dài quá {REASON_MAX} ký tự."})
    return reason


@transaction.atomic
def revoke_certificate(*, by: Any, certificate: Certificate, reason: str) -> Certificate:
    """Withdraw a certificate; the public page then says "đã thu hồi". Revoking twice changes nothing."""
    reason = _reason(reason)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise ValidationError({"reason": "Giấy này đã bị thu hồi từ trước."})
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = by if getattr(by, "pk", None) else None
    certificate.revoke_reason = reason
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    return certificate


@transaction.atomic
def reissue_certificate(
    *, by: Any, certificate: Certificate, reason: str = "", issued_on: dt.date | None = None
) -> Certificate:
    """A new paper (new number, new code) in place of `certificate`, which is revoked if it was not."""
    certificate = (
        Certificate.objects.select_for_update()
        .select_related("community_class", "resident")
        .get(pk=certificate.pk)
    )
    if certificate.holder_erased or certificate.resident.erased_at is not None:
        raise ValidationError("Người được cấp đã yêu cầu xoá dữ liệu cá nhân: không cấp lại giấy.")
    if certificate.replaced_by.exists():
        raise ValidationError("Giấy này đã được cấp lại rồi; hãy dùng giấy mới nhất.")
    if certificate.revoked_at is None:
        revoke_certificate(by=by, certificate=certificate, reason=nfc(reason).strip() or REISSUE_REASON)
    elif (
        Certificate.objects.valid()
        .filter(community_class=certificate.community_class, resident=certificate.resident)
        .exists()
    ):
        raise ValidationError("Người này đang có một giấy còn hiệu lực của lớp này.")
    made = issue_certificates(
        by=by,
        community_class=certificate.community_class,
        residents=[certificate.resident],
        issued_on=issued_on,
        signer_capacity=certificate.signer_capacity,
        signer_name=certificate.signer_name,
        replaces=certificate,
    )
    if not made:
        raise ValidationError("Người này không còn trong sổ hoặc không có tên trong danh sách điểm danh.")
    return made[0]
