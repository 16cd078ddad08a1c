"""Mobilisation drives ("Mỗi công dân - Một danh tính số", VNeID drives, classes) and who was invited.

A drive is made from a filtered list of residents (`filters.py`); the filter is kept as data so the
page can say how the list was drawn. What was done for each person who came is kept on the invitee
as data and written to the registry through its one write path (`services.record_results`).
Ids, dates and choices only: no free text about a resident.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from binhdan.common.models import TimeStampedModel
from binhdan.places.models import Place


class DriveKind(models.TextChoices):
    VNEID = "vneid", "Ra quân VNeID (Mỗi công dân - Một danh tính số)"
    CLASS = "class", "Lớp học Bình dân học vụ số"
    OTHER = "other", "Buổi hỗ trợ khác"


class DriveQuerySet(models.QuerySet["Drive"]):
    def visible_to(self, user: Any) -> DriveQuerySet:
        """Drives of a commune the user reads, or with a village whose residents the user may see."""
        from binhdan.accounts.access import village_scope

        return self.filter(
            Q(pk__in=Drive.villages.through.objects.filter(village_scope(user, "place")).values("drive_id"))
        )


class Drive(TimeStampedModel):
    """Một đợt vận động: a day, a place, what to bring, and the people invited."""

    commune = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name="xã")
    villages = models.ManyToManyField(Place, related_name="+", verbose_name="thôn")
    title = models.CharField("tên đợt vận động", max_length=200)
    kind = models.CharField("loại", max_length=10, choices=DriveKind.choices, default=DriveKind.VNEID)
    held_on = models.DateField("ngày")
    starts_at = models.TimeField("giờ bắt đầu")
    venue = models.CharField("địa điểm", max_length=200)
    what_to_bring = models.CharField("mang theo", max_length=300, blank=True)
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người liên hệ",
    )
    skills = models.ManyToManyField(
        "registry.Skill", blank=True, related_name="+", verbose_name="kỹ năng hướng dẫn"
    )
    # {"rule": filters code, "villages": [ids], "day": "YYYY-MM-DD", "programme": code}: how the list was drawn.
    filter = models.JSONField("danh sách lập từ", default=dict, blank=True)
    community_class = models.OneToOneField(
        "fieldwork.CommunityClass",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="drive",
        verbose_name="buổi học",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = DriveQuerySet.as_manager()

    class Meta:
        verbose_name = "đợt vận động"
        verbose_name_plural = "đợt vận động"
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%d/%m/%Y})"


class DriveInvitee(models.Model):
    """One resident invited to a drive: whom to call, whether they came, what was done (as data)."""

    drive = models.ForeignKey(Drive, on_delete=models.CASCADE, related_name="invitees")
    resident = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="tổ viên mời",
    )
    came = models.BooleanField("có mặt", default=False)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # {"vneid_level": 2, "skills": {"<skill code>": 2}}: what was written to the registry.
    results = models.JSONField("kết quả", default=dict, blank=True)

    class Meta:
        verbose_name = "người được mời"
        verbose_name_plural = "người được mời"
        ordering = ["drive", "resident__sort_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["drive", "resident"], name="invite_once_per_drive")]

    def __str__(self) -> str:
        return f"{self.resident_id} — {self.drive}"
