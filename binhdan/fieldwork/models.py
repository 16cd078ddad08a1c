"""Community digital technology teams (Tổ CNSCĐ) and their composition over time."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from binhdan.common.models import TimeStampedModel
from binhdan.places.models import Place


class TeamQuerySet(models.QuerySet["Team"]):
    def visible_to(self, user: Any) -> TeamQuerySet:
        from binhdan.accounts.access import places_visible_to

        return self.filter(village__in=places_visible_to(user))


class Team(TimeStampedModel):
    """Tổ công nghệ số cộng đồng of one village."""

    village = models.OneToOneField(Place, on_delete=models.PROTECT, related_name="team", verbose_name="thôn")
    name = models.CharField("tên tổ", max_length=160)
    formed_on = models.DateField("ngày thành lập", null=True, blank=True)
    contact_phone = models.CharField("số điện thoại liên hệ", max_length=20, blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = "Tổ công nghệ số cộng đồng"
        verbose_name_plural = "Tổ công nghệ số cộng đồng"

    def __str__(self) -> str:
        return self.name

    def current_memberships(self) -> models.QuerySet[TeamMembership]:
        return self.memberships.filter(left_on__isnull=True).select_related("user")


class TeamRole(models.TextChoices):
    LEADER = "to_truong", "Tổ trưởng"
    DEPUTY = "to_pho", "Tổ phó"
    MEMBER = "to_vien", "Tổ viên"


class Affiliation(models.TextChoices):
    YOUTH_UNION = "doan_thanh_nien", "Đoàn Thanh niên"
    WOMEN_UNION = "hoi_phu_nu", "Hội Liên hiệp Phụ nữ"
    POLICE = "cong_an", "Công an"
    VILLAGE_CHIEF = "truong_thon", "Trưởng thôn"
    PARTY_CELL = "bi_thu_chi_bo", "Bí thư chi bộ"
    VETERANS = "hoi_cuu_chien_binh", "Hội Cựu chiến binh"
    FARMERS = "hoi_nong_dan", "Hội Nông dân"
    TEACHER = "giao_vien", "Giáo viên"
    OTHER = "khac", "Khác"


class TeamMembership(models.Model):
    """Who was in a team, in which role, from when to when; leaving closes the row, never deletes it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="team_memberships",
        verbose_name="thành viên",
    )
    role = models.CharField(
        "chức danh trong tổ", max_length=10, choices=TeamRole.choices, default=TeamRole.MEMBER
    )
    affiliation = models.CharField("đơn vị, đoàn thể", max_length=20, choices=Affiliation.choices, blank=True)
    joined_on = models.DateField("ngày vào tổ")
    left_on = models.DateField("ngày rời tổ", null=True, blank=True)

    class Meta:
        verbose_name = "thành viên tổ"
        verbose_name_plural = "thành viên tổ"
        ordering = ["team", "role", "joined_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"],
                condition=Q(left_on__isnull=True),
                name="one_open_membership_per_team",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"
