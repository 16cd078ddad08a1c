"""The indicator catalogue, communes' targets and monthly figures, and the rollups kept by the write path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from binhdan.indicators.catalogue import AGGREGATE, HOUSEHOLD, RESIDENT, TEAM
from binhdan.places.models import Place


class Kind(models.TextChoices):
    HOUSEHOLD = HOUSEHOLD, "Tính trên hộ gia đình"
    RESIDENT = RESIDENT, "Tính trên người dân"
    AGGREGATE = AGGREGATE, "Số liệu tổng hợp nhập hằng tháng"
    TEAM = TEAM, "Tính trên hoạt động của các tổ"


REGISTRY_KINDS = (Kind.HOUSEHOLD, Kind.RESIDENT)


class IndicatorQuerySet(models.QuerySet["Indicator"]):
    def for_commune(self, commune: Place | None) -> IndicatorQuerySet:
        """The national catalogue and, for a commune, its own indicators."""
        if commune is None:
            return self.filter(commune__isnull=True, active=True)
        return self.filter(Q(commune__isnull=True) | Q(commune=commune), active=True)


class Indicator(models.Model):
    """One indicator: the national catalogue (commune empty, SPEC §6) or a commune's own of the same kinds."""

    code = models.SlugField("mã", max_length=40, unique=True)
    commune = models.ForeignKey(
        Place, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="xã tự thêm"
    )
    name = models.CharField("tên chỉ tiêu", max_length=160)
    kind = models.CharField("cách tính", max_length=10, choices=Kind.choices)
    numerator_label = models.CharField("tử số", max_length=200)
    denominator_label = models.CharField("mẫu số", max_length=200)
    population = models.CharField("mẫu số (nhóm)", max_length=30, blank=True)
    condition = models.CharField("tử số (điều kiện)", max_length=30, blank=True)
    stock = models.BooleanField("lấy số tháng gần nhất", default=False)
    unit = models.CharField("đơn vị", max_length=10, default="%")
    default_target = models.DecimalField(
        "chỉ tiêu mặc định (%)",
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    default_deadline = models.DateField("thời hạn mặc định")
    source = models.CharField("căn cứ", max_length=200, blank=True)
    position = models.PositiveSmallIntegerField("thứ tự", default=0)
    active = models.BooleanField("đang dùng", default=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = "chỉ tiêu"
        verbose_name_plural = "danh mục chỉ tiêu"
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class Target(models.Model):
    """A commune's own target and deadline for an indicator (its plan says 70%, another's 80%)."""

    commune = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+", verbose_name="xã")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    target = models.DecimalField(
        "chỉ tiêu (%)",
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    deadline = models.DateField("thời hạn")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "chỉ tiêu của xã"
        verbose_name_plural = "chỉ tiêu của xã"
        constraints = [
            models.UniqueConstraint(fields=["commune", "indicator"], name="target_once_per_commune")
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.target}% đến {self.deadline:%d/%m/%Y}"


class AggregateEntry(models.Model):
    """A commune's monthly figures for an aggregate indicator (dossiers filed online, OCOP products)."""

    commune = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+", verbose_name="xã")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="entries")
    month = models.DateField("tháng", help_text="Ngày đầu tháng.")
    numerator = models.PositiveIntegerField("tử số")
    denominator = models.PositiveIntegerField("mẫu số")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "số liệu tháng"
        verbose_name_plural = "số liệu tháng"
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "indicator", "month"], name="aggregate_once_a_month"),
            models.CheckConstraint(
                condition=Q(numerator__lte=models.F("denominator")), name="aggregate_num_le_den"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.month:%m/%Y}: {self.numerator}/{self.denominator}"


# --- rollups (written only by indicators.rollup) ---------------------------------------------------------


class StateSpan(models.Model):
    """A household's or resident's state (bit mask, `catalogue.py`) in one village over [starts_on, ends_on).

    The rollups are the sum of these; the lists behind a number are read from them, so a list and its
    count agree by construction. Ids and bits only, no personal data.
    """

    kind = models.CharField(max_length=1)  # "h" household, "r" resident
    entity_id = models.BigIntegerField()
    household_id = models.BigIntegerField(db_index=True)
    village_id = models.BigIntegerField()
    commune_id = models.BigIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField(null=True)
    mask = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["village_id", "kind", "starts_on"]),
            models.Index(fields=["commune_id", "kind", "starts_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}#{self.entity_id} {self.starts_on}–{self.ends_on or ''}: {self.mask}"


class Delta(models.Model):
    """How much an indicator's numerator and denominator change in a place on a day (village, commune,
    province); the value on day D is the sum of the deltas up to D."""

    place_id = models.BigIntegerField()
    indicator_id = models.IntegerField()
    day = models.DateField()
    num = models.IntegerField(default=0)
    den = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["place_id", "indicator_id", "day"], name="delta_key")]

    def __str__(self) -> str:
        return f"{self.place_id}/{self.indicator_id} {self.day}: {self.num:+}/{self.den:+}"


class Total(models.Model):
    """The sum of a place's deltas up to `RollupClock.as_of` (today, usually), so that today's figures of
    many places are one row each."""

    place_id = models.BigIntegerField()
    indicator_id = models.IntegerField()
    num = models.IntegerField(default=0)
    den = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["place_id", "indicator_id"], name="total_key")]

    def __str__(self) -> str:
        return f"{self.place_id}/{self.indicator_id}: {self.num}/{self.den}"


class RollupClock(models.Model):
    """One row: the day the totals are summed up to (advanced by `rollup.advance_totals`)."""

    as_of = models.DateField(default=dt.date(2000, 1, 1))

    def __str__(self) -> str:
        return f"{self.as_of:%d/%m/%Y}"


class QueuedHousehold(models.Model):
    """A household whose spans and rollups are behind its rows: written by the registry's write path in
    the writer's transaction (`rollup.enqueue`, one INSERT), taken by `rollup.catch_up` — a background
    drainer, or the first reader, so that a figure is never read behind the rows it counts. An id only:
    no personal data."""

    id = models.BigAutoField(primary_key=True)
    household_id = models.BigIntegerField()

    def __str__(self) -> str:
        return f"hộ #{self.household_id}"
