"""The plan's tasks (Phụ lục nhiệm vụ of a commune's plan) and the files that show they were done."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models

from binhdan.common.models import TimeStampedModel
from binhdan.places.models import Place


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Chưa thực hiện"
    IN_PROGRESS = "in_progress", "Đang thực hiện"
    DONE = "done", "Đã hoàn thành"
    CANCELLED = "cancelled", "Không thực hiện"


OPEN_TASK_STATUSES = frozenset({TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS})


class PlanTaskQuerySet(models.QuerySet["PlanTask"]):
    def overdue_on(self, day: Any) -> PlanTaskQuerySet:
        return self.filter(deadline__lt=day, status__in=[s.value for s in OPEN_TASK_STATUSES])


class PlanTask(TimeStampedModel):
    """One row of the plan's annex of tasks (Phụ lục nhiệm vụ): what, who leads, with whom, the expected
    result, when. `deadline` is a date when the plan gives one ("Tháng 10/2025" → its last day);
    `deadline_text` keeps the plan's words ("Thường xuyên", "Khi tỉnh tổ chức")."""

    commune = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="plan_tasks", verbose_name="xã")
    section = models.CharField("nhóm nhiệm vụ", max_length=200, blank=True)
    number = models.CharField("STT", max_length=12, blank=True)
    position = models.PositiveIntegerField("thứ tự", default=0)
    title = models.TextField("nội dung công việc")
    lead_unit = models.CharField("cơ quan chủ trì", max_length=300, blank=True)
    coordinating_units = models.CharField("cơ quan phối hợp", max_length=400, blank=True)
    expected_result = models.TextField("kết quả cần đạt", blank=True)
    deadline = models.DateField("hạn hoàn thành", null=True, blank=True)
    deadline_text = models.CharField("thời gian thực hiện (theo kế hoạch)", max_length=120, blank=True)
    status = models.CharField(
        "trạng thái", max_length=12, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED
    )
    done_on = models.DateField("ngày hoàn thành", null=True, blank=True)
    result_note = models.TextField("kết quả thực hiện", blank=True)

    objects = PlanTaskQuerySet.as_manager()

    class Meta:
        verbose_name = "nhiệm vụ kế hoạch"
        verbose_name_plural = "nhiệm vụ kế hoạch"
        ordering = ["commune", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.title[:60]}".strip()

    def overdue_on(self, day: Any) -> bool:
        return self.deadline is not None and self.deadline < day and self.status in OPEN_TASK_STATUSES


def evidence_path(instance: PlanTaskEvidence, filename: str) -> str:
    return f"plan-tasks/{instance.task.commune_id}/{uuid.uuid4().hex}/{filename}"


class PlanTaskEvidence(models.Model):
    """A file that shows a task was done (minutes, photos, a published page's printout)."""

    task = models.ForeignKey(PlanTask, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField("tệp minh chứng", upload_to=evidence_path, max_length=300)
    name = models.CharField("tên tệp", max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "minh chứng"
        verbose_name_plural = "minh chứng"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name
