"""Writes of Chắp cánh công nghệ: donors, donations and their follow-up visits.

A smartphone or tablet given to a household clears its "chưa có thiết bị số" flag through
`registry.services.update_household` and records the receiving resident's smartphone status through
`registry.services.record_status` (source: officer, evidence: seen, observed on the day it was given),
so the indicators (AD_SMARTPHONE) move in the same transaction. The caller has checked that the user may
change the commune; these functions check that every row named belongs to it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from binhdan.common.text import nfc
from binhdan.donations.models import MAX_QUANTITY, MAX_VALUE_VND, Donation, Donor, DonorKind, ItemKind
from binhdan.places.models import Place
from binhdan.registry import services as registry
from binhdan.registry.models import Evidence, Household, Resident, Source, StatusField

EARLIEST = dt.date(2020, 1, 1)
MAX_FOLLOW_UP_DAYS = 730


def _text(value: Any, field: str, label: str, max_length: int, *, required: bool = False) -> str:
    text = nfc(str(value or "")).strip()
    if required and not text:
        raise ValidationError({field: f"Vui lòng nhập {label}."})
    if len(text) > max_length:
        raise ValidationError({field: f"{label[:1].upper()}{label[1:]} dài quá {max_length} ký tự."})
    return text


@transaction.atomic
def save_donor(
    *, by: Any, commune: Place, name: str, kind: str, contact: str = "", donor: Donor | None = None
) -> Donor:
    if donor is not None and donor.commune_id != commune.pk:
        raise ValidationError("Nhà tài trợ không thuộc xã này.")
    if kind not in DonorKind.values:
        raise ValidationError({"kind": "Hãy chọn loại nhà tài trợ."})
    donor = donor or Donor(commune=commune)
    donor.name = _text(name, "name", "tên nhà tài trợ", 200, required=True)
    donor.kind = kind
    donor.contact = _text(contact, "contact", "liên hệ", 200)
    clash = Donor.objects.filter(commune=commune, name__iexact=donor.name).exclude(pk=donor.pk)
    if clash.exists():
        raise ValidationError({"name": "Xã đã có nhà tài trợ tên này."})
    try:
        with transaction.atomic():
            donor.save()
    except IntegrityError as exc:
        raise ValidationError({"name": "Xã đã có nhà tài trợ tên này."}) from exc
    return donor


def _check_day(day: dt.date, field: str, label: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: f"{label} không được ở tương lai."})
    if day < EARLIEST:
        raise ValidationError({field: f"{label} phải từ ngày {EARLIEST:%d/%m/%Y} trở đi."})


@transaction.atomic
def record_donation(
    *,
    by: Any,
    commune: Place,
    donor: Donor,
    item_kind: str,
    household: Household,
    given_on: dt.date,
    quantity: int = 1,
    value_vnd: int | None = None,
    recipient: Resident | None = None,
    description: str = "",
    follow_up_on: dt.date | None = None,
) -> Donation:
    """One gift to one household; a device also updates the household's flag and the recipient's status."""
    if donor.commune_id != commune.pk:
        raise ValidationError({"donor": "Nhà tài trợ không thuộc xã này."})
    household = Household.objects.select_related("village").select_for_update().get(pk=household.pk)
    if household.village.parent_id != commune.pk:
        raise ValidationError({"household": "Hộ không thuộc xã này."})
    if household.left_on is not None:
        raise ValidationError({"household": "Hộ đã rời sổ."})
    if item_kind not in ItemKind.values:
        raise ValidationError({"item_kind": "Hãy chọn loại quà tặng."})
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationError({"quantity": f"Số lượng phải từ 1 đến {MAX_QUANTITY:,}.".replace(",", ".")})
    if value_vnd is not None and (isinstance(value_vnd, bool) or not 0 <= value_vnd <= MAX_VALUE_VND):
        raise ValidationError({"value_vnd": "Trị giá phải từ 0 đến 100 tỷ đồng."})
    _check_day(given_on, "given_on", "Ngày trao")
    if recipient is not None:
        if recipient.household_id != household.pk:
            raise ValidationError({"recipient": "Người nhận phải là người của hộ nhận quà."})
        if recipient.erased_at is not None or recipient.left_on is not None:
            raise ValidationError({"recipient": "Người nhận không còn trong sổ."})
    if follow_up_on is not None and not given_on <= follow_up_on <= given_on + dt.timedelta(
        MAX_FOLLOW_UP_DAYS
    ):
        raise ValidationError({"follow_up_on": "Ngày hẹn thăm lại phải từ ngày trao đến tối đa 2 năm sau."})
    donation = Donation.objects.create(
        commune=commune,
        donor=donor,
        item_kind=item_kind,
        description=_text(description, "description", "mô tả", 200),
        quantity=quantity,
        value_vnd=value_vnd,
        given_on=given_on,
        household=household,
        recipient=recipient,
        follow_up_on=follow_up_on,
        recorded_by=by if getattr(by, "pk", None) else None,
    )
    if donation.gives_device:
        if household.no_smart_device:
            registry.update_household(by=by, household=household, no_smart_device=False)
        if recipient is not None:
            registry.record_status(
                by=by,
                resident=recipient,
                facts=[registry.StatusFact(StatusField.SMARTPHONE, 1, Evidence.SEEN)],
                observed_on=given_on,
                source=Source.OFFICER,
                source_ref=f"donation:{donation.pk}",
            )
    return donation


@transaction.atomic
def record_follow_up(*, by: Any, donation: Donation, followed_up_on: dt.date, note: str = "") -> Donation:
    """The follow-up visit happened: when, and what was found (the device in use, help needed, …)."""
    _check_day(followed_up_on, "followed_up_on", "Ngày thăm lại")
    if followed_up_on < donation.given_on:
        raise ValidationError({"followed_up_on": "Ngày thăm lại phải từ ngày trao trở đi."})
    donation.followed_up_on = followed_up_on
    donation.follow_up_note = _text(note, "follow_up_note", "ghi chú", 1000)
    donation.save(update_fields=["followed_up_on", "follow_up_note", "updated_at"])
    return donation
