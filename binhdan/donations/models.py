"""Chắp cánh công nghệ: donors and the devices, SIMs and data packages they give to households.

Giving a smartphone or tablet changes what the registry says: the household's "chưa có thiết bị số" flag
clears and the receiving resident has a smartphone, seen by the officer on the day it was given
(`services.record_donation`, through the registry's write path). Each donation can carry a follow-up
visit (a date, then the day it happened and a note).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from binhdan.common.models import TimeStampedModel
from binhdan.common.text import nfc
from binhdan.places.models import Place

MAX_QUANTITY = 10_000
MAX_VALUE_VND = 100_000_000_000  # 100 tỷ đồng: anything larger is a typing mistake


class DonorKind(models.TextChoices):
    BUSINESS = "business", "Doanh nghiệp"
    PERSON = "person", "Cá nhân"
    ORGANISATION = "organisation", "Tổ chức, đoàn thể"


class ItemKind(models.TextChoices):
    SMARTPHONE = "smartphone", "Điện thoại thông minh"
    TABLET = "tablet", "Máy tính bảng"
    SIM = "sim", "SIM 4G"
    DATA = "data", "Gói cước dữ liệu (data)"
    OTHER = "other", "Khác"


# Items that give the household a smart device (and the receiving resident a smartphone).
DEVICE_KINDS = frozenset({ItemKind.SMARTPHONE, ItemKind.TABLET})


class Donor(TimeStampedModel):
    commune = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name="xã")
    name = models.CharField("tên nhà tài trợ", max_length=200)
    kind = models.CharField("loại", max_length=14, choices=DonorKind.choices, default=DonorKind.BUSINESS)
    contact = models.CharField("liên hệ", max_length=200, blank=True)

    class Meta:
        verbose_name = "nhà tài trợ"
        verbose_name_plural = "nhà tài trợ"
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="donor_name_once_per_commune")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name, self.contact = nfc(self.name).strip(), nfc(self.contact).strip()
        super().save(*args, **kwargs)


class Donation(TimeStampedModel):
    commune = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name="xã")
    donor = models.ForeignKey(
        Donor, on_delete=models.PROTECT, related_name="donations", verbose_name="nhà tài trợ"
    )
    item_kind = models.CharField("loại quà tặng", max_length=12, choices=ItemKind.choices)
    description = models.CharField("mô tả", max_length=200, blank=True)
    quantity = models.PositiveIntegerField(
        "số lượng", default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)]
    )
    value_vnd = models.PositiveBigIntegerField(
        "trị giá (đồng)", null=True, blank=True, validators=[MaxValueValidator(MAX_VALUE_VND)]
    )
    given_on = models.DateField("ngày trao", db_index=True)
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="donations", verbose_name="hộ nhận"
    )
    recipient = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations_received",
        verbose_name="người nhận",
    )
    follow_up_on = models.DateField("hẹn thăm lại", null=True, blank=True, db_index=True)
    followed_up_on = models.DateField("đã thăm lại ngày", null=True, blank=True)
    follow_up_note = models.TextField("ghi chú thăm lại", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "lượt trao tặng"
        verbose_name_plural = "lượt trao tặng"
        ordering = ["-given_on", "-pk"]
        indexes = [models.Index(fields=["commune", "given_on"])]

    def __str__(self) -> str:
        return f"{self.get_item_kind_display()} × {self.quantity} ({self.given_on:%d/%m/%Y})"

    @property
    def gives_device(self) -> bool:
        return self.item_kind in DEVICE_KINDS
