"""`manage.py send_report_reminders`: who gets mail, one mail a person a day, the dry run."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from binhdan.accounts.models import Role, RoleKind
from binhdan.reports.models import DueRule, ReportKind
from binhdan.reports.periods import quarter
from binhdan.reports.tests.test_deadlines import make_report
from binhdan.testing.personas import grant, make_user

pytestmark = pytest.mark.django_db

Q3 = quarter(2026, 3)
DAY = dt.date(2026, 9, 13)  # team quarterly due 15/09 (in 2 days), the summary 20/09 (in 7)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("send_report_reminders", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def mails(world):
    for user, email in ((world.leader_a, "binh@example.vn"), (world.officer, "dung@example.vn"),
                        (world.member_a, "an@example.vn"), (world.leader, "em@example.vn"),
                        (world.other_officer, "hai@example.vn")):  # fmt: skip
        user.email = email
        user.save()
    return world


def test_team_leaders_get_their_teams_reports_and_officers_the_communes(mails, mailoutbox, settings):
    world = mails
    settings.DEFAULT_FROM_EMAIL = "binhdan@example.vn"
    # Team B's leader by role only (no membership as tổ trưởng), without an address first
    leader_b = make_user("totruong.b", "Lý Thị Mai")
    grant(leader_b, RoleKind.TEAM_LEADER, world.village_b)
    make_report(kind=ReportKind.TEAM_QUARTERLY, commune=world.commune, team=world.team_a, start=Q3.start,
                end=Q3.end, submitted_on=dt.date(2026, 9, 1))  # fmt: skip
    summary = run("--date", DAY.isoformat())
    # team A has sent; team B's leader has no address; the summary is due in 7 days (> 3 days before)
    assert mailoutbox == [] and "Đã gửi 0 thư" in summary
    DueRule.objects.create(commune=world.commune, kind=ReportKind.COMMUNE_SUMMARY, remind_days_before=7)
    leader_b.email = "mai@example.vn"
    leader_b.save()
    summary = run("--date", DAY.isoformat())
    assert sorted(m.to[0] for m in mailoutbox) == ["dung@example.vn", "mai@example.vn"]
    assert all(m.from_email == "binhdan@example.vn" for m in mailoutbox)
    by = {m.to[0]: m for m in mailoutbox}
    body = by["mai@example.vn"].body
    assert "Báo cáo quý của Tổ công nghệ số cộng đồng" in body and "Thôn Tây" in body
    assert "quý III năm 2026" in body and "15/09/2026" in body and "còn 2 ngày" in body
    assert "Báo cáo tổng hợp" in by["dung@example.vn"].body and "20/09/2026" in by["dung@example.vn"].body
    assert "Nhắc hạn nộp" in by["dung@example.vn"].subject and "Xã Sơn Đông" in by["dung@example.vn"].subject
    assert "Đã gửi 2 thư" in summary
    # members, commune leaders and the other commune's officer get nothing
    assert not {"an@example.vn", "em@example.vn"} & set(by)


def test_the_membership_leader_is_reminded_and_overdue_reports_too(mails, mailoutbox):
    world = mails
    Role.objects.filter(user=world.leader_a).delete()  # tổ trưởng by membership only
    run("--date", "2026-09-18")  # team A's report three days overdue
    to_binh = [m for m in mailoutbox if m.to == ["binh@example.vn"]]
    assert len(to_binh) == 1 and "đã quá hạn 3 ngày" in to_binh[0].body
    assert "quá hạn" in to_binh[0].subject


def test_nobody_is_mailed_twice_a_day_and_the_dry_run_sends_nothing(mails, mailoutbox):
    dry = run("--date", DAY.isoformat(), "--dry-run")
    assert mailoutbox == [] and "binh@example.vn" in dry and "Sẽ gửi 1 thư" in dry
    run("--date", DAY.isoformat())
    assert len(mailoutbox) == 1
    again = run("--date", DAY.isoformat())
    assert len(mailoutbox) == 1 and "1 người đã nhận thư hôm nay" in again
    run("--date", (DAY + dt.timedelta(days=1)).isoformat())  # the next day: a new reminder
    assert len(mailoutbox) == 2


@pytest.mark.parametrize("bad", ["2026-13-01", "NaN", "9" * 400, "3000-01-01"])
def test_a_bad_date_is_a_vietnamese_error(world, bad):
    with pytest.raises(CommandError) as error:
        run("--date", bad)
    assert "không hợp lệ" in str(error.value) or "nằm ngoài" in str(error.value)
