"""The demo commune's reports and plan tasks, mid-plan (`manage.py load_demo_reports`, after `load_demo`).

What a visitor should find on 1 December: last quarter's team reports (most on time and approved, one late,
one missing) and the commune's approved summary; the 2026 campaign's daily reports of a few days and its
result report still a draft (due a week after the campaign); this quarter's first team report submitted,
another drafted; the plan's tasks with some done, some running and some overdue. Built through the
services (so every figure is the data's as of its day); submission days are then set back to when a
commune would have sent them, which only the demo does. A second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from binhdan.accounts.models import User
from binhdan.fieldwork.demo import DEMO_COMMUNE_CODE
from binhdan.fieldwork.models import Campaign, Team
from binhdan.places.models import Place
from binhdan.reports import periods, services
from binhdan.reports.models import PlanTask, Report, ReportKind

OFFICER, LEADER = "canbo.sondong", "lanhdao.sondong"
DAILY_REPORT_DAYS = 3  # the last campaign days with daily reports from the first teams
DAILY_REPORT_TEAMS = 2


def _at(day: dt.date, hour: int = 16) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


def _backdate(report: Report, submitted: dt.date | None, decided: dt.date | None = None) -> None:
    fields: dict[str, Any] = {}
    if submitted is not None:
        fields["submitted_at"] = _at(submitted)
        fields["issued_on"] = submitted
    if decided is not None:
        fields["decided_at"] = _at(decided, 10)
    Report.objects.filter(pk=report.pk).update(**fields)


def _team_leader(team: Team) -> User:
    membership = team.memberships.filter(role="leader", left_on__isnull=True).select_related("user").first()
    return membership.user if membership else User.objects.get(username=OFFICER)


@transaction.atomic
def build_demo_reports(*, today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    commune = Place.objects.get(code=DEMO_COMMUNE_CODE)
    if Report.objects.filter(commune=commune).exists():
        return {"reports": Report.objects.filter(commune=commune).count()}
    officer, leader = User.objects.get(username=OFFICER), User.objects.get(username=LEADER)
    _build_tasks(commune, officer, today)  # first: the summary reports list the tasks' status
    teams = list(
        Team.objects.filter(village__parent=commune).select_related("village").order_by("village__code")
    )
    this_quarter = periods.quarter_of(today)
    last_quarter = periods.quarter_of(this_quarter.start - dt.timedelta(days=1))
    from binhdan.reports import deadlines

    team_due = deadlines.due_on(commune, ReportKind.TEAM_QUARTERLY, last_quarter.start, last_quarter.end)
    assert team_due is not None
    # Last quarter: every team but the last reported; the one before it was late.
    for index, team in enumerate(teams[:-1]):
        late = index == len(teams) - 2
        sent_on = team_due + dt.timedelta(days=3) if late else team_due - dt.timedelta(days=2 + index % 3)
        report = services.create_report(
            by=_team_leader(team), kind=ReportKind.TEAM_QUARTERLY, commune=commune,
            period=last_quarter, team=team, as_of=sent_on - dt.timedelta(days=1),
        )  # fmt: skip
        services.submit_report(by=_team_leader(team), report=report)
        services.approve_report(by=officer, report=report)
        _backdate(report, sent_on, sent_on + dt.timedelta(days=1))
    summary_due = deadlines.due_on(commune, ReportKind.COMMUNE_SUMMARY, last_quarter.start, last_quarter.end)
    assert summary_due is not None
    summary = services.create_report(
        by=officer, kind=ReportKind.COMMUNE_SUMMARY, commune=commune, period=last_quarter,
        as_of=summary_due - dt.timedelta(days=2),
    )  # fmt: skip
    services.submit_report(by=officer, report=summary)
    services.approve_report(by=leader, report=summary)
    _backdate(summary, summary_due - dt.timedelta(days=1), summary_due)
    # The 2026 campaign: daily reports of its last days from the first teams; the result is a draft.
    campaign = Campaign.objects.filter(commune=commune, ends_on__lte=today).order_by("-ends_on").first()
    if campaign is not None:
        for offset in range(DAILY_REPORT_DAYS):
            day = campaign.ends_on - dt.timedelta(days=offset)
            for team in teams[:DAILY_REPORT_TEAMS]:
                daily = services.create_report(
                    by=_team_leader(team), kind=ReportKind.DAILY, commune=commune, period=periods.day(day),
                    team=team, campaign=campaign,
                )  # fmt: skip
                services.submit_report(by=_team_leader(team), report=daily)
                _backdate(daily, day)
        services.create_report(by=officer, kind=ReportKind.CAMPAIGN, commune=commune, campaign=campaign)
    # This quarter: the first team has submitted early, the second has a draft.
    if teams:
        early = services.create_report(
            by=_team_leader(teams[0]), kind=ReportKind.TEAM_QUARTERLY, commune=commune,
            period=this_quarter, team=teams[0],
        )  # fmt: skip
        services.submit_report(by=_team_leader(teams[0]), report=early)
    if len(teams) > 1:
        services.create_report(
            by=_team_leader(teams[1]), kind=ReportKind.TEAM_QUARTERLY, commune=commune,
            period=this_quarter, team=teams[1],
        )  # fmt: skip
    return {"reports": Report.objects.filter(commune=commune).count()}


# The plan's annex (Phụ lục nhiệm vụ) of the demo commune, after the seed plans' annexes: (section, number,
# task, lead unit, coordinating units, expected result, deadline in the plan's words, status, done days ago).
DEMO_TASKS: tuple[tuple[str, str, str, str, str, str, str, str, int | None], ...] = (
    ("I. Truyền thông và tuyên truyền", "1", "Quán triệt, triển khai Kế hoạch thực hiện phong trào “Bình dân học vụ số” của UBND xã",
     "Phòng Văn hóa - Xã hội", "Các thôn; Đoàn Thanh niên", "100% cơ quan, đơn vị, thôn được quán triệt", "Tháng 10/2025", "done", 400),
    ("I. Truyền thông và tuyên truyền", "2", "Mở chuyên mục “Chuyển đổi số” trên trang thông tin điện tử của xã",
     "Trung tâm Phục vụ hành chính công", "Phòng Văn hóa - Xã hội", "Chuyên mục và ít nhất 01 fanpage", "Tháng 11/2025", "done", 370),
    ("I. Truyền thông và tuyên truyền", "3", "Tuyên truyền trên loa truyền thanh thôn về kỹ năng số, phòng chống lừa đảo trực tuyến",
     "Các thôn", "Công an xã", "Mỗi tuần ít nhất 01 tin, bài", "Thường xuyên", "in_progress", None),
    ("II. Phổ cập kỹ năng số cho người dân", "4", "Tổ chức chiến dịch “Đi từng ngõ, gõ từng nhà, hướng dẫn từng người dân kỹ năng số”",
     "Các Tổ công nghệ số cộng đồng", "Đoàn Thanh niên; Hội Phụ nữ", "80% hộ gia đình được tiếp cận", "Quý IV/2026", "in_progress", None),
    ("II. Phổ cập kỹ năng số cho người dân", "5", "Mở lớp hướng dẫn sử dụng VNeID, dịch vụ công trực tuyến cho người cao tuổi",
     "Phòng Văn hóa - Xã hội", "Hội Người cao tuổi; Công an xã", "Mỗi thôn ít nhất 01 lớp", "Trước 30/11/2026", "in_progress", None),
    ("II. Phổ cập kỹ năng số cho người dân", "6", "Tổ chức “Ngày hội toàn dân học tập số” hưởng ứng Ngày Chuyển đổi số quốc gia 10/10",
     "UBND xã", "Các ban, ngành, đoàn thể", "01 ngày hội tại nhà văn hóa trung tâm", "10/10/2026", "done", 52),
    ("II. Phổ cập kỹ năng số cho người dân", "7", "Hướng dẫn tiểu thương tại chợ xã thanh toán bằng mã QR (“Chợ số”)",
     "Hội Phụ nữ", "Ngân hàng trên địa bàn", "100% tiểu thương có mã QR thanh toán", "Tháng 9/2026", "not_started", None),
    ("III. Kiện toàn, bồi dưỡng Tổ công nghệ số cộng đồng", "8", "Kiện toàn Tổ công nghệ số cộng đồng các thôn (7–12 thành viên)",
     "Phòng Văn hóa - Xã hội", "Các thôn", "100% thôn có Tổ đủ thành viên", "Quý I/2026", "done", 260),
    ("III. Kiện toàn, bồi dưỡng Tổ công nghệ số cộng đồng", "9", "Tập huấn kỹ năng số cho thành viên các Tổ",
     "Phòng Văn hóa - Xã hội", "Sở Khoa học và Công nghệ", "100% tổ viên được tập huấn", "Năm 2026", "in_progress", None),
    ("IV. Kiểm tra, báo cáo", "10", "Tổng hợp, báo cáo kết quả thực hiện về Sở Khoa học và Công nghệ",
     "Phòng Văn hóa - Xã hội", "Các Tổ công nghệ số cộng đồng", "Báo cáo quý, năm đúng hạn", "Định kỳ hằng quý", "in_progress", None),
)  # fmt: skip


def _build_tasks(commune: Place, officer: User, today: dt.date) -> None:
    """The plan's annex, with some tasks done, some running and one overdue."""
    from binhdan.reports import services_tasks

    if PlanTask.objects.filter(commune=commune).exists():
        return
    for section, number, title, lead, coordinating, expected, deadline, status, done_ago in DEMO_TASKS:
        task = services_tasks.create_task(
            by=officer, commune=commune, section=section, number=number, title=title, lead_unit=lead,
            coordinating_units=coordinating, expected_result=expected, deadline_text=deadline,
        ).obj  # fmt: skip
        if status != "not_started":
            done_on = today - dt.timedelta(days=done_ago) if done_ago is not None else None
            services_tasks.set_status(
                by=officer, task=task, status=status, done_on=done_on,
                result_note="Đã hoàn thành theo kế hoạch." if status == "done" else "",
            )  # fmt: skip


def demo_step(today: dt.date) -> str:
    """`load_demo`'s reports part (registered from `ReportsConfig.ready()`)."""
    counts = build_demo_reports(today=today)
    return f"Báo cáo mẫu: {counts['reports']}."


__all__ = ["build_demo_reports", "demo_step"]
