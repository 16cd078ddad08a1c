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


class Conversation(models.Model):
    """A chat in progress, so a follow-up ("còn bước 3 thì sao?") uses the guide in hand.

    No personal data: an unguessable key, the guide, the last question scrubbed (questions.scrub), the
    commune the chat belongs to (for logging and feedback) and the guide already rated. Rows older than
    `conversation.KEEP` are deleted whenever a conversation is written.
    """

    key = models.CharField(max_length=40, unique=True)
    guide_id = models.CharField("hướng dẫn đang xem", max_length=100, blank=True)
    last_question = models.CharField("câu hỏi trước (đã xoá thông tin cá nhân)", max_length=300, blank=True)
    commune = models.ForeignKey(
        "places.Place", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    rated_guide_id = models.CharField("hướng dẫn đã góp ý", max_length=100, blank=True)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "cuộc hỏi đáp"
        verbose_name_plural = "cuộc hỏi đáp"

    def __str__(self) -> str:
        return self.guide_id or "—"


class AssistantSettings(models.Model):
    """A commune's choice to log its residents' questions anonymously (off unless switched on)."""

    commune = models.OneToOneField(
        "places.Place", on_delete=models.CASCADE, related_name="assistant_settings", verbose_name="xã"
    )
    log_questions = models.BooleanField("ghi lại câu hỏi (ẩn danh)", default=False)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "cài đặt trợ lý ảo"
        verbose_name_plural = "cài đặt trợ lý ảo"

    def __str__(self) -> str:
        return f"{self.commune_id}: {'bật' if self.log_questions else 'tắt'}"


class AskedQuestion(models.Model):
    """One question asked in a commune that logs questions: scrubbed text, top guide, confident, day only."""

    commune = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="+")
    asked_on = models.DateField("ngày hỏi", db_index=True)
    text = models.CharField("câu hỏi (đã xoá thông tin cá nhân)", max_length=300)
    guide_id = models.CharField("hướng dẫn đứng đầu", max_length=100, blank=True)
    confident = models.BooleanField("trợ lý chắc chắn", default=False)

    class Meta:
        verbose_name = "câu hỏi đã ghi"
        verbose_name_plural = "câu hỏi đã ghi"
        indexes = [models.Index(fields=["commune", "confident", "asked_on"], name="asked_commune_conf_day")]

    def __str__(self) -> str:
        return self.text


class GuideFeedback(models.Model):
    """ "Hướng dẫn này có giúp được bác không?": the answers counted per commune, guide and day."""

    commune = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="+")
    guide_id = models.CharField("mã hướng dẫn", max_length=100)
    day = models.DateField("ngày", db_index=True)
    helped = models.PositiveIntegerField("có", default=0)
    not_helped = models.PositiveIntegerField("không", default=0)

    class Meta:
        verbose_name = "góp ý hướng dẫn"
        verbose_name_plural = "góp ý hướng dẫn"
        constraints = [
            models.UniqueConstraint(fields=["commune", "guide_id", "day"], name="guide_feedback_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.guide_id}: {self.helped}/{self.not_helped}"
