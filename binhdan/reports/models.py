"""Official reports (SPEC §7), their versions and files, each commune's report layout and due rules, and the
plan's tasks (Phụ lục nhiệm vụ) with their evidence.

A report's figures live in `Report.content` (JSON built by `reports.content`); while the report is a draft
they are rebuilt on request, from submission on they never change (`Report.frozen`). A new version is a new
row of the same `lineage`; old versions are kept as they were.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from binhdan.common.models import TimeStampedModel
from binhdan.places.models import Place


class ReportKind(models.TextChoices):
    DAILY = "daily", "Báo cáo ngày của chiến dịch"
    TEAM_QUARTERLY = "team-quarterly", "Báo cáo quý của Tổ công nghệ số cộng đồng"
    CAMPAIGN = "campaign", "Báo cáo kết quả chiến dịch"
    COMMUNE_SUMMARY = "commune-summary", "Báo cáo tổng hợp của UBND xã"


# Who sends each kind to whom (SPEC §7): a team to the commune, or the commune to the province.
TEAM_KINDS = frozenset({ReportKind.DAILY, ReportKind.TEAM_QUARTERLY})
COMMUNE_KINDS = frozenset({ReportKind.CAMPAIGN, ReportKind.COMMUNE_SUMMARY})
CAMPAIGN_KINDS = frozenset({ReportKind.DAILY, ReportKind.CAMPAIGN})


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Bản nháp"
    SUBMITTED = "submitted", "Đã nộp"
    APPROVED = "approved", "Đã duyệt"
    RETURNED = "returned", "Bị trả lại"


FROZEN_STATUSES = frozenset({ReportStatus.SUBMITTED, ReportStatus.APPROVED, ReportStatus.RETURNED})


class SignerCapacity(models.TextChoices):
    """The signature block (Nghị định 30, Điều 13): who signs for the People's Committee, or the team."""

    CHAIRMAN = "chairman", "TM. Ủy ban nhân dân — Chủ tịch"
    VICE_CHAIRMAN = "vice_chairman", "TM. Ủy ban nhân dân — KT. Chủ tịch, Phó Chủ tịch"
    TEAM_LEADER = "team_leader", "Tổ trưởng Tổ công nghệ số cộng đồng"


class ReportQuerySet(models.QuerySet["Report"]):
    def latest_versions(self) -> ReportQuerySet:
        """Only the newest version of each lineage."""
        newer = Report.objects.filter(
            lineage=models.OuterRef("lineage"), version__gt=models.OuterRef("version")
        )
        return self.exclude(models.Exists(newer))


class Report(TimeStampedModel):
    kind = models.CharField("loại báo cáo", max_length=20, choices=ReportKind.choices)
    commune = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="reports", verbose_name="xã")
    team = models.ForeignKey(
        "fieldwork.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="reports",
        verbose_name="tổ",
    )  # fmt: skip
    campaign = models.ForeignKey(
        "fieldwork.Campaign", on_delete=models.PROTECT, null=True, blank=True, related_name="reports",
        verbose_name="chiến dịch",
    )  # fmt: skip
    period_start = models.DateField("từ ngày")
    period_end = models.DateField("đến ngày")
    period_label = models.CharField("kỳ báo cáo", max_length=80)
    as_of = models.DateField("số liệu tính đến ngày")
    lineage = models.UUIDField("mã chuỗi phiên bản", default=uuid.uuid4, db_index=True, editable=False)
    version = models.PositiveSmallIntegerField("phiên bản", default=1)
    status = models.CharField(
        "trạng thái", max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    number = models.CharField("số văn bản", max_length=20, blank=True)
    issued_on = models.DateField("ngày ban hành", null=True, blank=True)
    highlights = models.TextField("kết quả nổi bật", blank=True)
    difficulties = models.TextField("khó khăn, vướng mắc", blank=True)
    proposals = models.TextField("đề xuất, kiến nghị", blank=True)
    recipients = models.TextField("nơi nhận (mỗi dòng một nơi)", blank=True)
    signer_capacity = models.CharField(
        "thẩm quyền ký", max_length=20, choices=SignerCapacity.choices, default=SignerCapacity.VICE_CHAIRMAN
    )
    signer_name = models.CharField("họ tên người ký", max_length=120, blank=True)
    content = models.JSONField("số liệu", default=dict, blank=True)
    built_at = models.DateTimeField("số liệu lập lúc", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField("nộp lúc", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("duyệt hoặc trả lại lúc", null=True, blank=True)
    decision_comment = models.TextField("ý kiến khi trả lại", blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "báo cáo"
        verbose_name_plural = "báo cáo"
        ordering = ["-period_end", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="report_version_once"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="report_period"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=sorted(k.value for k in TEAM_KINDS)) | Q(team__isnull=False),
                name="report_team_kinds_have_a_team",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=sorted(k.value for k in CAMPAIGN_KINDS)) | Q(campaign__isnull=False),
                name="report_campaign_kinds_have_a_campaign",
            ),
        ]
        indexes = [models.Index(fields=["commune", "kind", "period_end"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.period_label} (v{self.version})"

    @property
    def frozen(self) -> bool:
        """Submitted, approved or returned: its figures and text never change again."""
        return self.status in FROZEN_STATUSES

    @property
    def from_team(self) -> bool:
        return self.kind in TEAM_KINDS


class ReportFile(models.Model):
    """A rendered output of one report version (DOCX, PDF, XLSX), kept so that a frozen report is served
    byte for byte as it was and a slow PDF is made once; a draft's files are dropped when it changes."""

    class Format(models.TextChoices):
        DOCX = "docx", "Word (DOCX)"
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "Excel (XLSX) — bảng phụ lục"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=4, choices=Format.choices)
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "tệp báo cáo"
        verbose_name_plural = "tệp báo cáo"
        constraints = [models.UniqueConstraint(fields=["report", "format"], name="report_file_once")]

    def __str__(self) -> str:
        return f"{self.report} ({self.format})"


class ReportLayout(models.Model):
    """A commune's own columns for a report kind (no national template fixes them, SPEC §7): which of the
    optional columns of `reports.columns` are shown, in which order, under which heading."""

    commune = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="report_layouts")
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    columns = models.JSONField(default=list)  # [{"key": str, "label": str, "shown": bool}] in order
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "cột báo cáo của xã"
        verbose_name_plural = "cột báo cáo của xã"
        constraints = [models.UniqueConstraint(fields=["commune", "kind"], name="report_layout_once")]

    def __str__(self) -> str:
        return f"{self.commune} — {self.kind}"


class DueRule(models.Model):
    """A commune's own due day for a report kind; without one, `reports.deadlines` uses the defaults
    (team quarterly: the commune's `CommuneSettings.report_day`)."""

    commune = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="report_due_rules")
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    day_of_month = models.PositiveSmallIntegerField("ngày trong tháng cuối quý", null=True, blank=True)
    days_after = models.PositiveSmallIntegerField("số ngày sau khi kết thúc", null=True, blank=True)
    remind_days_before = models.PositiveSmallIntegerField("nhắc trước (ngày)", default=3)

    class Meta:
        verbose_name = "hạn nộp báo cáo"
        verbose_name_plural = "hạn nộp báo cáo"
        constraints = [models.UniqueConstraint(fields=["commune", "kind"], name="report_due_rule_once")]

    def __str__(self) -> str:
        return f"{self.commune} — {self.kind}"


from binhdan.reports.models_tasks import (  # noqa: E402  (the plan's tasks, in their own module)
    OPEN_TASK_STATUSES,
    PlanTask,
    PlanTaskEvidence,
    TaskStatus,
)

__all__ = [
    "OPEN_TASK_STATUSES",
    "DueRule",
    "PlanTask",
    "PlanTaskEvidence",
    "Report",
    "ReportFile",
    "ReportKind",
    "ReportLayout",
    "ReportStatus",
    "TaskStatus",
]
