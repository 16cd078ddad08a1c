"""A resident's erasure reaches the reports: a name typed into a narrative, a return comment or a plan task is
redacted, and the rendered files (compressed, unsearchable) are dropped, to be made again from the redacted
text."""

from __future__ import annotations

import pytest
from django.utils import timezone

from binhdan.registry import rights
from binhdan.registry.redaction import REDACTED
from binhdan.reports import documents, services
from binhdan.reports.models import PlanTask, Report, ReportFile, ReportKind
from binhdan.reports.periods import quarter_of

pytestmark = pytest.mark.django_db


def test_erasure_redacts_report_text_and_drops_rendered_files(world):
    name = world.resident_a.full_name  # "Nguyễn Thị Hoà"
    report = services.create_report(
        by=world.officer,
        kind=ReportKind.COMMUNE_SUMMARY,
        commune=world.commune,
        period=quarter_of(timezone.localdate()),
    )
    services.update_report(
        by=world.officer, report=report, difficulties=f"Bà {name} ở Thôn Đông chưa có điện thoại thông minh."
    )
    services.submit_report(by=world.officer, report=report)
    services.return_report(by=world.leader, report=report, comment=f"Bỏ tên bà {name.upper()} khỏi báo cáo")
    documents.file_for(Report.objects.get(pk=report.pk), "xlsx")
    task = PlanTask.objects.create(
        commune=world.commune, title="Hướng dẫn người cao tuổi", result_note=f"Đã kèm {name} học VNeID"
    )
    assert ReportFile.objects.count() == 1

    rights.erase_resident(by=world.officer, resident=world.resident_a, reason="Đơn yêu cầu")

    report.refresh_from_db()
    task.refresh_from_db()
    assert report.difficulties == f"Bà {REDACTED} ở Thôn Đông chưa có điện thoại thông minh."
    assert name.upper() not in report.decision_comment and REDACTED in report.decision_comment
    assert task.result_note == f"Đã kèm {REDACTED} học VNeID"
    assert not ReportFile.objects.exists()
    # The frozen figures are kept; the document is made again from the redacted text.
    again = documents.render(report, "docx")
    assert again[:2] == b"PK"
