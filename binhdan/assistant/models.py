"""What a resident does with the assistant through their learner code: guides read, self-checks taken."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from binhdan.common.models import AppendOnlyModel
from binhdan.registry.models import Resident, Skill


class GuideRead(models.Model):
    """A guide a resident opened with their learner code; the first time counts."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="guides_read")
    guide_id = models.CharField("mã hướng dẫn", max_length=100)
    read_at = models.DateTimeField("đọc lúc", default=timezone.now)

    class Meta:
        verbose_name = "hướng dẫn đã đọc"
        verbose_name_plural = "hướng dẫn đã đọc"
        ordering = ["-read_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["resident", "guide_id"], name="guide_read_once")]

    def __str__(self) -> str:
        return f"{self.guide_id} ({self.read_at:%d/%m/%Y})"


class QuizAttempt(AppendOnlyModel):
    """One self-check on one skill: how many answers were right."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="quiz_attempts")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+", verbose_name="kỹ năng")
    correct = models.PositiveSmallIntegerField("số câu đúng")
    total = models.PositiveSmallIntegerField("số câu")
    passed = models.BooleanField("đạt", default=False)
    taken_at = models.DateTimeField("làm lúc", default=timezone.now)

    class Meta:
        verbose_name = "lượt tự kiểm tra"
        verbose_name_plural = "lượt tự kiểm tra"
        ordering = ["-taken_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(correct__lte=models.F("total")), name="quiz_correct_le_total"
            )
        ]

    def __str__(self) -> str:
        return f"{self.skill}: {self.correct}/{self.total}"
