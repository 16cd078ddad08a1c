"""The map of places: province → commune → village, with official codes and validity dates."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q

from binhdan.common.models import TimeStampedModel
from binhdan.common.text import nfc, search_text, sort_key


class Level(models.IntegerChoices):
    PROVINCE = 1, "Tỉnh / thành phố"
    COMMUNE = 2, "Xã / phường / đặc khu"
    VILLAGE = 3, "Thôn / xóm / tổ dân phố"


class Kind(models.TextChoices):
    TINH = "tinh", "Tỉnh"
    THANH_PHO = "thanh_pho", "Thành phố"
    XA = "xa", "Xã"
    PHUONG = "phuong", "Phường"
    DAC_KHU = "dac_khu", "Đặc khu"
    THON = "thon", "Thôn"
    XOM = "xom", "Xóm"
    BAN = "ban", "Bản"
    AP = "ap", "Ấp"
    TO_DAN_PHO = "to_dan_pho", "Tổ dân phố"
    KHU_DAN_CU = "khu_dan_cu", "Khu dân cư"
    KHU_PHO = "khu_pho", "Khu phố"
    LANG = "lang", "Làng"
    BUON = "buon", "Buôn"
    PLAY = "play", "Plây"
    SOC = "soc", "Sóc"


KINDS_BY_LEVEL = {
    Level.PROVINCE: [Kind.TINH, Kind.THANH_PHO],
    Level.COMMUNE: [Kind.XA, Kind.PHUONG, Kind.DAC_KHU],
    Level.VILLAGE: [
        Kind.THON, Kind.XOM, Kind.BAN, Kind.AP, Kind.TO_DAN_PHO, Kind.KHU_DAN_CU, Kind.KHU_PHO,
        Kind.LANG, Kind.BUON, Kind.PLAY, Kind.SOC,
    ],
}  # fmt: skip


class PlaceQuerySet(models.QuerySet["Place"]):
    def provinces(self) -> PlaceQuerySet:
        return self.filter(level=Level.PROVINCE)

    def communes(self) -> PlaceQuerySet:
        return self.filter(level=Level.COMMUNE)

    def villages(self) -> PlaceQuerySet:
        return self.filter(level=Level.VILLAGE)

    def valid_on(self, day: dt.date) -> PlaceQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def current(self) -> PlaceQuerySet:
        return self.filter(valid_to__isnull=True)

    def within(self, place: Place) -> PlaceQuerySet:
        """The place itself and every place below it."""
        if place.level == Level.PROVINCE:
            return self.filter(Q(pk=place.pk) | Q(parent=place) | Q(parent__parent=place))
        if place.level == Level.COMMUNE:
            return self.filter(Q(pk=place.pk) | Q(parent=place))
        return self.filter(pk=place.pk)

    def vietnamese_order(self) -> PlaceQuerySet:
        return self.order_by("sort_name", "code")


class Place(TimeStampedModel):
    """One administrative or residential unit. Codes are never reused; merged units get valid_to set."""

    code = models.CharField("mã", max_length=20, unique=True)
    name = models.CharField("tên", max_length=120)
    kind = models.CharField("loại", max_length=20, choices=Kind.choices)
    level = models.PositiveSmallIntegerField("cấp", choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name="thuộc", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hết hiệu lực", null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", verbose_name="sáp nhập vào", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    search_name = models.CharField(max_length=120, editable=False, db_index=True)
    sort_name = models.CharField(max_length=400, editable=False)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = "địa bàn"
        verbose_name_plural = "địa bàn"
        indexes = [models.Index(fields=["parent", "level"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(level=Level.PROVINCE, parent__isnull=True) | Q(level__gt=1, parent__isnull=False),
                name="place_parent_matches_level",
            ),
            models.UniqueConstraint(
                fields=["parent", "search_name"],
                condition=Q(valid_to__isnull=True, level=Level.VILLAGE),
                name="village_name_unique_in_commune",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.search_name = search_text(self.name)
        self.sort_name = sort_key(self.name)
        super().save(*args, **kwargs)

    @property
    def commune(self) -> Place | None:
        if self.level == Level.COMMUNE:
            return self
        if self.level == Level.VILLAGE:
            return self.parent
        return None

    @property
    def province(self) -> Place | None:
        if self.level == Level.PROVINCE:
            return self
        if self.level == Level.COMMUNE:
            return self.parent
        return self.parent.parent if self.parent else None

    def ancestors(self) -> list[Place]:
        chain: list[Place] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))
