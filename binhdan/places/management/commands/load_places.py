"""Load the 34 provinces and 3,321 communes (post-July-2025) from the vietnam-provinces package."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from vietnam_provinces import Province, VietNamDivisionType, Ward

from binhdan.common.text import nfc
from binhdan.places.models import Kind, Level, Place

REFORM_DATE = dt.date(2025, 7, 1)
_KINDS = {
    VietNamDivisionType.TINH: Kind.TINH,
    VietNamDivisionType.THANH_PHO_TRUNG_UONG: Kind.THANH_PHO,
    VietNamDivisionType.XA: Kind.XA,
    VietNamDivisionType.PHUONG: Kind.PHUONG,
    VietNamDivisionType.DAC_KHU: Kind.DAC_KHU,
}


def province_code(value: int) -> str:
    return f"{int(value):02d}"


def commune_code(value: int) -> str:
    return f"{int(value):05d}"


class Command(BaseCommand):
    help = "Nạp danh mục 34 tỉnh, thành phố và 3.321 xã, phường, đặc khu (chạy lại không thay đổi gì)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = updated = 0
        with transaction.atomic():
            existing = {p.code: p for p in Place.objects.filter(level__in=[Level.PROVINCE, Level.COMMUNE])}
            provinces: dict[str, Place] = {}
            for item in Province.iter_all():
                place, change = self._upsert(
                    existing, province_code(item.code), item.name, item.division_type, None
                )
                provinces[place.code] = place
                created += change == "created"
                updated += change == "updated"
            for ward in Ward.iter_all():
                parent = provinces[province_code(ward.province_code)]
                _, change = self._upsert(
                    existing, commune_code(ward.code), ward.name, ward.division_type, parent
                )
                created += change == "created"
                updated += change == "updated"
        self.stdout.write(
            f"Đã nạp địa bàn: {created} mới, {updated} cập nhật; "
            f"{Place.objects.provinces().count()} tỉnh/thành phố, {Place.objects.communes().count()} xã/phường/đặc khu."
        )

    def _upsert(
        self,
        existing: dict[str, Place],
        code: str,
        name: str,
        division: VietNamDivisionType,
        parent: Place | None,
    ) -> tuple[Place, str]:
        level = Level.PROVINCE if parent is None else Level.COMMUNE
        name = nfc(name)
        kind = _KINDS[division]
        place = existing.get(code)
        if place is None:
            place = Place.objects.create(
                code=code, name=name, kind=kind, level=level, parent=parent, valid_from=REFORM_DATE
            )
            return place, "created"
        if (place.name, place.kind, place.parent_id) != (name, kind, parent.pk if parent else None):
            place.name, place.kind, place.parent = name, kind, parent
            place.save()
            return place, "updated"
        return place, "unchanged"
