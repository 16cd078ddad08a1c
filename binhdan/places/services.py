"""Writes to the map of places."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from binhdan.common.text import fold, nfc
from binhdan.places.models import KINDS_BY_LEVEL, Kind, Level, Place

_VILLAGE_PREFIXES = {
    "tổ dân phố": Kind.TO_DAN_PHO,
    "khu dân cư": Kind.KHU_DAN_CU,
    "khu phố": Kind.KHU_PHO,
    "thôn": Kind.THON,
    "xóm": Kind.XOM,
    "bản": Kind.BAN,
    "ấp": Kind.AP,
    "làng": Kind.LANG,
    "buôn": Kind.BUON,
    "plây": Kind.PLAY,
    "sóc": Kind.SOC,
}


def village_kind_from_name(name: str) -> str | None:
    """Guess the kind of a village from the word its name starts with ("Thôn Đông" -> thôn)."""
    folded = fold(name)
    for prefix, kind in _VILLAGE_PREFIXES.items():
        if folded.startswith(fold(prefix) + " "):
            return kind
    return None


def find_village(*, commune: Place, name: str) -> Place | None:
    """A current village of the commune by name, ignoring accents and the kind word."""
    wanted = fold(name)
    candidates = list(Place.objects.villages().current().filter(parent=commune))
    for village in candidates:
        if village.search_name == wanted:
            return village
    for village in candidates:
        bare = village.search_name.split(" ", 1)[-1] if village_kind_from_name(village.name) else None
        if bare and (bare == wanted or (wanted.endswith(" " + bare) and village_kind_from_name(name))):
            return village
    return None


def _next_village_code(commune: Place) -> str:
    taken = set(Place.objects.filter(parent=commune).values_list("code", flat=True))
    number = len(taken) + 1
    while f"{commune.code}.{number:03d}" in taken:
        number += 1
    return f"{commune.code}.{number:03d}"


@transaction.atomic
def add_village(
    *, commune: Place, name: str, kind: str | None = None, valid_from: dt.date | None = None
) -> Place:
    """Create a village under a commune; the same name twice (ignoring accents) is refused."""
    if commune.level != Level.COMMUNE:
        raise ValidationError({"commune": "Thôn, tổ dân phố chỉ được thêm vào một xã, phường hoặc đặc khu."})
    name = nfc(name)
    if not name:
        raise ValidationError({"name": "Vui lòng nhập tên thôn, tổ dân phố."})
    kind = kind or village_kind_from_name(name) or Kind.THON
    if kind not in KINDS_BY_LEVEL[Level.VILLAGE]:
        raise ValidationError({"kind": "Loại địa bàn không hợp lệ cho thôn, tổ dân phố."})
    if find_village(commune=commune, name=name) is not None:
        raise ValidationError({"name": f"{commune.name} đã có “{name}”."})
    # Lock the commune row so two officers adding villages at once do not take the same code.
    Place.objects.select_for_update().get(pk=commune.pk)
    return Place.objects.create(
        code=_next_village_code(commune),
        name=name,
        kind=kind,
        level=Level.VILLAGE,
        parent=commune,
        valid_from=valid_from,
    )


@transaction.atomic
def rename_village(*, village: Place, name: str) -> Place:
    """Give a current village a new name; the same name as another village of the commune is refused."""
    if village.level != Level.VILLAGE or village.valid_to is not None:
        raise ValidationError({"name": "Chỉ đổi tên được thôn, tổ dân phố đang hoạt động."})
    name = nfc(name)
    if not name:
        raise ValidationError({"name": "Vui lòng nhập tên mới."})
    assert village.parent is not None  # a village always has its commune
    same = find_village(commune=village.parent, name=name)
    if same is not None and same.pk != village.pk:
        raise ValidationError({"name": f"{village.parent.name} đã có “{same.name}”."})
    village.name = name
    village.kind = village_kind_from_name(name) or village.kind
    village.save(update_fields=["name", "kind", "search_name", "sort_name", "updated_at"])
    return village


@transaction.atomic
def close_village(*, village: Place, on: dt.date, replaced_by: Place | None = None) -> Place:
    """End a village: `on` is its last valid day. The row stays, so every past record still points to it."""
    if village.level != Level.VILLAGE:
        raise ValidationError({"village": "Chỉ thôn, tổ dân phố mới thôi hoạt động ở đây."})
    if village.valid_to is not None:
        raise ValidationError(
            {"village": f"{village.name} đã thôi hoạt động từ {village.valid_to:%d/%m/%Y}."}
        )
    if village.valid_from is not None and on < village.valid_from:
        raise ValidationError(
            {"closed_on": f"Ngày thôi hoạt động trước ngày thôn có hiệu lực ({village.valid_from:%d/%m/%Y})."}
        )
    if replaced_by is not None and (
        replaced_by.pk == village.pk or replaced_by.parent_id != village.parent_id
    ):
        raise ValidationError({"into": "Chỉ sáp nhập vào một thôn khác của cùng xã."})
    village.valid_to = on
    village.replaced_by = replaced_by
    village.save(update_fields=["valid_to", "replaced_by", "updated_at"])
    return village
