"""Background jobs of the reports app (registered with `common.jobs`): making a report's PDF, which takes
LibreOffice a few seconds, so that the page shows progress instead of waiting (issue 11 point 3)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from binhdan.common.jobs import job_function, report_progress
from binhdan.common.models import Job
from binhdan.reports.models import Report

REPORT_FILE_JOB = "report_file"


@job_function(REPORT_FILE_JOB)
def make_report_file(job: Job, *, report_id: int, fmt: str) -> dict[str, Any]:
    """Render one format of one report version (cached in `ReportFile`); the result links to the download."""
    from binhdan.reports import documents

    report = Report.objects.select_related("commune", "team__village", "campaign").get(pk=report_id)
    report_progress(job, done=0, total=1, message="Đang tạo tệp…")
    stored = documents.file_for(report, fmt)
    report_progress(job, done=1, total=1, message="Đã tạo xong tệp.")
    return {
        "url": reverse("reports:download", args=[report.pk, fmt]),
        "label": f"Tải tệp {fmt.upper()}",
        "file_id": stored.pk,
    }
