"""When each report is due (SPEC §7, issue 11 point 5), per commune.

- Team quarterly: before the commune's report day (`CommuneSettings.report_day`, default the 15th; some
  communes use the 21st) of the quarter's last month; a `DueRule` may set another day.
- Commune summary (quarterly or yearly): `COMMUNE_SUMMARY_DAYS_AFTER_TEAMS` days after the teams' day, in
  the same month, unless a `DueRule` sets the day; a report "on request" (any other range) has no due date.
- Daily campaign report: the campaign day itself.
- Campaign result: `CAMPAIGN_RESULT_DAYS_DEFAULT` days after the campaign's last day, unless a `DueRule`
  sets the number of days.
"""

from __future__ import annotations

import calendar
import datetime as dt

from binhdan.places.models import Place
from binhdan.registry.models import REPORT_DAY_MAX, CommuneSettings
from binhdan.reports.models import DueRule, ReportKind

COMMUNE_SUMMARY_DAYS_AFTER_TEAMS = 5  # the commune sums the teams' reports up before sending its own
CAMPAIGN_RESULT_DAYS_DEFAULT = 7  # "sau khi kết thúc chiến dịch": a week to report the result


def _rule(commune: Place, kind: str) -> DueRule | None:
    return DueRule.objects.filter(commune=commune, kind=kind).first()


def _day_in_month(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, max(1, min(day, calendar.monthrange(year, month)[1])))


def team_report_day(commune: Place) -> int:
    rule = _rule(commune, ReportKind.TEAM_QUARTERLY)
    if rule is not None and rule.day_of_month:
        return min(rule.day_of_month, REPORT_DAY_MAX)
    return CommuneSettings.for_commune(commune).report_day


def _is_quarter_or_year(start: dt.date, end: dt.date) -> bool:
    if start.day != 1 or start.month not in (1, 4, 7, 10):
        return False
    if start.month == 1 and end == dt.date(start.year, 12, 31):
        return True
    return end == _day_in_month(start.year, start.month + 2, 31)


def due_on(commune: Place, kind: str, start: dt.date, end: dt.date) -> dt.date | None:
    """The day a report of `kind` for the period [start, end] is due, or None (reports on request)."""
    if kind == ReportKind.DAILY:
        return end
    if kind == ReportKind.CAMPAIGN:
        rule = _rule(commune, kind)
        days = (
            rule.days_after
            if rule is not None and rule.days_after is not None
            else CAMPAIGN_RESULT_DAYS_DEFAULT
        )
        return end + dt.timedelta(days=days)
    if not _is_quarter_or_year(start, end):
        return None
    if kind == ReportKind.TEAM_QUARTERLY:
        return _day_in_month(end.year, end.month, team_report_day(commune))
    if kind == ReportKind.COMMUNE_SUMMARY:
        rule = _rule(commune, kind)
        if rule is not None and rule.day_of_month:
            day = rule.day_of_month
        else:
            day = team_report_day(commune) + COMMUNE_SUMMARY_DAYS_AFTER_TEAMS
        return _day_in_month(end.year, end.month, min(day, REPORT_DAY_MAX))
    return None
