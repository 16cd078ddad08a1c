"""When each report is due (SPEC §7, issue 11 point 5), per commune; which reports a commune and its teams
owe, in which state; who is late.

- Team quarterly: before the commune's report day (`CommuneSettings.report_day`, default the 15th; some
  communes use the 21st) of the quarter's last month; a `DueRule` may set another day.
- Commune summary (quarterly or yearly): `COMMUNE_SUMMARY_DAYS_AFTER_TEAMS` days after the teams' day, in
  the same month, unless a `DueRule` sets the day; a report "on request" (any other range) has no due date.
- Daily campaign report: the campaign day itself.
- Campaign result: `CAMPAIGN_RESULT_DAYS_DEFAULT` days after the campaign's last day, unless a `DueRule`
  sets the number of days.

`expected_reports` lists what is owed in the current and the previous quarter, each with the newest version
found and its state; it reads a fixed number of queries whatever the number of teams, campaigns and days
(`_expected_for` does the same for many communes at once, for the province's pages and the reminders).
A report counts as sent once a version of it is submitted or approved (a draft or a returned version is
not sent); the newest sent version's submission day decides "on time" or "late".
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from binhdan.accounts.audit import record_event
from binhdan.accounts.models import AuditEvent, User
from binhdan.fieldwork.models import Campaign, Team
from binhdan.places.models import Place
from binhdan.registry.models import REPORT_DAY_DEFAULT, REPORT_DAY_MAX, CommuneSettings
from binhdan.reports.models import COMMUNE_KINDS, TEAM_KINDS, DueRule, Report, ReportKind, ReportStatus
from binhdan.reports.periods import Period, quarter_of, span
from binhdan.reports.periods import day as one_day

COMMUNE_SUMMARY_DAYS_AFTER_TEAMS = 5  # the commune sums the teams' reports up before sending its own
CAMPAIGN_RESULT_DAYS_DEFAULT = 7  # "sau khi kết thúc chiến dịch": a week to report the result
GRACE_DAYS = 0  # days after the due day a report still counts as on time (none: the day is the day)
LOOKBACK_QUARTERS = 1  # besides the current quarter, how many earlier quarters are still owed
REMIND_DAYS_BEFORE_DEFAULT = 3  # = DueRule.remind_days_before's default
REMIND_DAYS_BEFORE_MAX = 14
DAYS_AFTER_MAX = 60  # a campaign result later than two months is no longer "after the campaign"
DAILY_REMIND_DAYS_BEFORE = 0  # a campaign day's report is reminded on the day itself
REMIND_OVERDUE_FOR_DAYS = 30  # an overdue report is reminded this many days, then only shown as late

SENT_STATUSES = frozenset({ReportStatus.SUBMITTED, ReportStatus.APPROVED})
# The kinds whose due day is a day of the quarter's last month; the kind whose due day is days after an end.
DAY_OF_MONTH_KINDS = (ReportKind.TEAM_QUARTERLY, ReportKind.COMMUNE_SUMMARY)
DAYS_AFTER_KINDS = (ReportKind.CAMPAIGN,)
RULE_KINDS = (*DAY_OF_MONTH_KINDS, *DAYS_AFTER_KINDS)
# The kind order on screens: the teams' reports first, then the commune's.
KIND_ORDER: dict[str, int] = {
    ReportKind.TEAM_QUARTERLY: 0,
    ReportKind.DAILY: 1,
    ReportKind.COMMUNE_SUMMARY: 2,
    ReportKind.CAMPAIGN: 3,
}

# States (Expected.state) and what they are called on screen.
ON_TIME, LATE, DUE, OVERDUE = "on_time", "late", "due", "overdue"
REPORT_FIELDS = (
    "id",
    "kind",
    "commune_id",
    "team_id",
    "campaign_id",
    "period_start",
    "period_end",
    "period_label",
    "status",
    "version",
    "lineage",
    "submitted_at",
    "created_at",
)  # never `content`: hundreds of reports' figures are not needed to tell who is late


# --- the rules of one commune ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """A commune's due rules: its report day and its own `DueRule` per kind (read once, used for many)."""

    report_day: int = REPORT_DAY_DEFAULT
    by_kind: dict[str, DueRule] = field(default_factory=dict)

    def team_day(self) -> int:
        rule = self.by_kind.get(ReportKind.TEAM_QUARTERLY)
        if rule is not None and rule.day_of_month:
            return min(rule.day_of_month, REPORT_DAY_MAX)
        return min(self.report_day, REPORT_DAY_MAX)

    def summary_day(self) -> int:
        rule = self.by_kind.get(ReportKind.COMMUNE_SUMMARY)
        day = (
            rule.day_of_month
            if rule is not None and rule.day_of_month
            else self.team_day() + COMMUNE_SUMMARY_DAYS_AFTER_TEAMS
        )
        return min(day, REPORT_DAY_MAX)

    def campaign_days_after(self) -> int:
        rule = self.by_kind.get(ReportKind.CAMPAIGN)
        if rule is not None and rule.days_after is not None:
            return rule.days_after
        return CAMPAIGN_RESULT_DAYS_DEFAULT

    def remind_days_before(self, kind: str) -> int:
        if kind == ReportKind.DAILY:
            return DAILY_REMIND_DAYS_BEFORE
        rule = self.by_kind.get(kind)
        return rule.remind_days_before if rule is not None else REMIND_DAYS_BEFORE_DEFAULT

    def due_on(self, kind: str, start: dt.date, end: dt.date) -> dt.date | None:
        if kind == ReportKind.DAILY:
            return end
        if kind == ReportKind.CAMPAIGN:
            return end + dt.timedelta(days=self.campaign_days_after())
        if not _is_quarter_or_year(start, end):
            return None
        if kind == ReportKind.TEAM_QUARTERLY:
            return _day_in_month(end.year, end.month, self.team_day())
        if kind == ReportKind.COMMUNE_SUMMARY:
            return _day_in_month(end.year, end.month, self.summary_day())
        return None


def rules_for(communes: Sequence[Place]) -> dict[int, Rules]:
    """{commune id: its Rules} for many communes in two queries; reads only (no settings row is created)."""
    ids = [c.pk for c in communes]
    days = dict(CommuneSettings.objects.filter(commune_id__in=ids).values_list("commune_id", "report_day"))
    own: dict[int, dict[str, DueRule]] = defaultdict(dict)
    for rule in DueRule.objects.filter(commune_id__in=ids):
        own[rule.commune_id][rule.kind] = rule
    return {pk: Rules(days.get(pk, REPORT_DAY_DEFAULT), dict(own.get(pk, {}))) for pk in ids}


def _day_in_month(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, max(1, min(day, calendar.monthrange(year, month)[1])))


def team_report_day(commune: Place) -> int:
    return rules_for([commune])[commune.pk].team_day()


def _is_quarter_or_year(start: dt.date, end: dt.date) -> bool:
    if start.day != 1 or start.month not in (1, 4, 7, 10):
        return False
    if start.month == 1 and end == dt.date(start.year, 12, 31):
        return True
    return end == _day_in_month(start.year, start.month + 2, 31)


def due_on(commune: Place, kind: str, start: dt.date, end: dt.date) -> dt.date | None:
    """The day a report of `kind` for the period [start, end] is due, or None (reports on request)."""
    return rules_for([commune])[commune.pk].due_on(kind, start, end)


# --- what is owed, and in which state ---------------------------------------------------------------------------


@dataclass
class Expected:
    """One report a commune or one of its teams owes, and where it stands on `day`."""

    commune: Place
    kind: str
    team: Team | None
    campaign: Campaign | None
    period: Period
    due_on: dt.date
    day: dt.date
    report: Report | None = None  # the newest version, whatever its status
    sent: Report | None = None  # the newest submitted or approved version
    remind_days_before: int = REMIND_DAYS_BEFORE_DEFAULT

    @property
    def sent_on(self) -> dt.date | None:
        if self.sent is None or self.sent.submitted_at is None:
            return None
        return timezone.localdate(self.sent.submitted_at)

    @property
    def state(self) -> str:
        last_on_time = self.due_on + dt.timedelta(days=GRACE_DAYS)
        if self.sent is not None:
            sent_on = self.sent_on
            return LATE if sent_on is not None and sent_on > last_on_time else ON_TIME
        return OVERDUE if self.day > last_on_time else DUE

    @property
    def days(self) -> int:
        """Days left (due), days overdue (overdue), days late (sent late); 0 for on time."""
        state = self.state
        if state == DUE:
            return (self.due_on - self.day).days
        if state == OVERDUE:
            return (self.day - self.due_on).days
        if state == LATE and self.sent_on is not None:
            return (self.sent_on - self.due_on).days
        return 0

    @property
    def state_text(self) -> str:
        state, days = self.state, self.days
        if state == ON_TIME:
            return "nộp đúng hạn"
        if state == LATE:
            return "nộp muộn"
        if state == DUE:
            return "chưa nộp — hạn hôm nay" if days == 0 else f"chưa nộp — còn {days} ngày"
        return f"quá hạn {days} ngày"

    @property
    def overdue(self) -> bool:
        return self.state == OVERDUE

    @property
    def is_sent(self) -> bool:
        return self.sent is not None

    @property
    def kind_label(self) -> str:
        return ReportKind(self.kind).label

    @property
    def owner(self) -> str:
        """Who owes it: the team, or the commune."""
        return self.team.name if self.team is not None else self.commune.name

    @property
    def title(self) -> str:
        """What the report is, in one line: "Báo cáo quý … — quý III năm 2026"."""
        what = self.kind_label
        if self.campaign is not None:
            what = f"{what} “{self.campaign.name}”"
        return f"{what} — {self.period.label}"

    @property
    def needs_reminder(self) -> bool:
        """Not sent, and due within the reminder days or overdue (for a while)."""
        if self.is_sent:
            return False
        left = (self.due_on - self.day).days
        return -REMIND_OVERDUE_FOR_DAYS <= left <= self.remind_days_before

    def sort_key(self) -> tuple[Any, ...]:
        return (self.due_on, KIND_ORDER[self.kind], self.owner, self.period.start)


def window(day: dt.date) -> tuple[dt.date, dt.date]:
    """From the first day of the earliest quarter still owed to `day`."""
    first = quarter_of(day).start
    for _ in range(LOOKBACK_QUARTERS):
        first = quarter_of(first - dt.timedelta(days=1)).start
    return first, day


def _village_valid(village: Place, start: dt.date, end: dt.date) -> bool:
    return (village.valid_from is None or village.valid_from <= end) and (
        village.valid_to is None or village.valid_to >= start
    )


def _team_owes(team: Team, start: dt.date, end: dt.date) -> bool:
    """A team owes a period's report when its village existed then and the team was formed by its end."""
    return _village_valid(team.village, start, end) and (team.formed_on is None or team.formed_on <= end)


def _quarters(first: dt.date, last: dt.date) -> list[Period]:
    found, on = [], first
    while on <= last:
        period = quarter_of(on)
        found.append(period)
        on = period.end + dt.timedelta(days=1)
    return found


ReportKey = tuple[int, str, int | None, int | None, dt.date | None, dt.date | None]


def _key(
    commune_id: int, kind: str, team_id: int | None, campaign_id: int | None, start: dt.date, end: dt.date
) -> ReportKey:
    if kind == ReportKind.CAMPAIGN:  # the campaign's days may have been edited since
        return (commune_id, kind, None, campaign_id, None, None)
    return (commune_id, kind, team_id, campaign_id, start, end)


def _index(reports: Iterable[Report]) -> dict[ReportKey, tuple[Report, Report | None]]:
    """{key: (newest version, newest sent version)} — one pass over every version found."""
    newest: dict[ReportKey, Report] = {}
    newest_sent: dict[ReportKey, Report] = {}

    def rank(r: Report) -> tuple[Any, ...]:
        return (r.version, r.created_at, r.pk)

    for r in reports:
        key = _key(r.commune_id, r.kind, r.team_id, r.campaign_id, r.period_start, r.period_end)
        if key not in newest or rank(r) > rank(newest[key]):
            newest[key] = r
        if r.status in SENT_STATUSES and (key not in newest_sent or rank(r) > rank(newest_sent[key])):
            newest_sent[key] = r
    return {key: (r, newest_sent.get(key)) for key, r in newest.items()}


def _expected_for(
    communes: Sequence[Place],
    day: dt.date,
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    kinds: Iterable[str] = tuple(KIND_ORDER),
    reports: QuerySet[Report] | None = None,
) -> dict[int, list[Expected]]:
    """{commune id: its expected reports} for the quarters from `first` to `last` (default: the window of
    `day`), states as on `day`. Seven queries at most, whatever the number of communes, teams and days.
    `reports` narrows what may be found (e.g. what a province officer may read)."""
    kinds = set(kinds)
    if first is None or last is None:
        first, last = window(day)
    by_pk = {c.pk: c for c in communes}
    out: dict[int, list[Expected]] = {pk: [] for pk in by_pk}
    if not by_pk:
        return out
    rules = rules_for(communes)
    ids = list(by_pk)
    teams_by_commune: dict[int, list[Team]] = defaultdict(list)
    if kinds & TEAM_KINDS:
        teams = (
            Team.objects.filter(village__parent_id__in=ids)
            .filter(Q(village__valid_from__isnull=True) | Q(village__valid_from__lte=last))
            .filter(Q(village__valid_to__isnull=True) | Q(village__valid_to__gte=first))
            .select_related("village")
            .order_by("village__sort_name", "pk")
        )
        for team in teams:
            teams_by_commune[team.village.parent_id].append(team)  # type: ignore[index]
    campaigns: list[Campaign] = []
    if kinds & {ReportKind.DAILY, ReportKind.CAMPAIGN}:
        found = Campaign.objects.filter(commune_id__in=ids, starts_on__lte=min(day, last), ends_on__gte=first)
        if ReportKind.DAILY in kinds:
            found = found.prefetch_related("villages")
        campaigns = list(found.order_by("starts_on", "pk"))
    base = reports if reports is not None else Report.objects.all()
    index = _index(
        base.filter(commune_id__in=ids, kind__in=list(kinds), period_end__gte=first)
        .filter(period_start__lte=last)
        .only(*REPORT_FIELDS)
    )

    def add(commune_id: int, kind: str, period: Period, team: Team | None, campaign: Campaign | None) -> None:
        rule = rules[commune_id]
        due = rule.due_on(kind, period.start, period.end)
        if due is None:
            return
        team_id = team.pk if team is not None else None
        campaign_id = campaign.pk if campaign is not None else None
        newest, sent = index.get(
            _key(commune_id, kind, team_id, campaign_id, period.start, period.end), (None, None)
        )
        out[commune_id].append(
            Expected(
                commune=by_pk[commune_id],
                kind=kind,
                team=team,
                campaign=campaign,
                period=period,
                due_on=due,
                day=day,
                report=newest,
                sent=sent,
                remind_days_before=rule.remind_days_before(kind),
            )
        )

    quarters = _quarters(first, last)
    for commune_id in ids:
        for period in quarters:
            if ReportKind.TEAM_QUARTERLY in kinds:
                for team in teams_by_commune[commune_id]:
                    if _team_owes(team, period.start, period.end):
                        add(commune_id, ReportKind.TEAM_QUARTERLY, period, team, None)
            if ReportKind.COMMUNE_SUMMARY in kinds:
                add(commune_id, ReportKind.COMMUNE_SUMMARY, period, None, None)
    for campaign in campaigns:
        commune_id = campaign.commune_id
        if ReportKind.DAILY in kinds and campaign.daily_reporting:
            village_ids = {v.pk for v in campaign.villages.all()}
            owing = [
                t for t in teams_by_commune[commune_id] if not village_ids or t.village_id in village_ids
            ]
            on = max(campaign.starts_on, first)
            while on <= min(campaign.ends_on, day, last):
                for team in owing:
                    if _team_owes(team, on, on):
                        add(commune_id, ReportKind.DAILY, one_day(on), team, campaign)
                on += dt.timedelta(days=1)
        if ReportKind.CAMPAIGN in kinds and campaign.ends_on < day and first <= campaign.ends_on <= last:
            add(commune_id, ReportKind.CAMPAIGN, span(campaign.starts_on, campaign.ends_on), None, campaign)
    for found_list in out.values():
        found_list.sort(key=Expected.sort_key)
    return out


def expected_reports(commune: Place, day: dt.date) -> list[Expected]:
    """What the commune and its teams owe in the current and the previous quarter (daily reports up to
    `day`, campaign results once the campaign is over), with the newest version found and the state on
    `day`. A fixed number of queries whatever the number of teams and days."""
    return _expected_for([commune], day)[commune.pk]


# --- who is late ----------------------------------------------------------------------------------------------


@dataclass
class LateTeam:
    team: Team
    overdue: list[Expected]

    @property
    def worst(self) -> int:
        return max(e.days for e in self.overdue)


@dataclass
class LateCommune:
    commune: Place
    overdue: list[Expected]  # the commune's own reports (summary, campaign result) overdue
    late_teams: list[LateTeam]

    @property
    def worst(self) -> int:
        days = [e.days for e in self.overdue] + [t.worst for t in self.late_teams]
        return max(days, default=0)


def late_teams_of(expected: Iterable[Expected]) -> list[LateTeam]:
    """The teams with an overdue report among `expected`, most overdue first."""
    by_team: dict[int, LateTeam] = {}
    for e in expected:
        if e.team is not None and e.overdue:
            by_team.setdefault(e.team.pk, LateTeam(e.team, [])).overdue.append(e)
    return sorted(by_team.values(), key=lambda t: (-t.worst, t.team.village.sort_name, t.team.pk))


def late_teams(commune: Place, day: dt.date) -> list[LateTeam]:
    """The commune's teams with a report overdue on `day` (most overdue first)."""
    return late_teams_of(expected_reports(commune, day))


def late_communes(province: Place, day: dt.date) -> list[LateCommune]:
    """The province's communes (valid on `day`) whose summary or campaign result is overdue, or which have
    late teams; most overdue first. A fixed number of queries whatever the number of communes."""
    communes = list(Place.objects.communes().filter(parent=province).valid_on(day).vietnamese_order())
    found = []
    for expected in _expected_for(communes, day).values():
        own = [e for e in expected if e.team is None and e.kind in COMMUNE_KINDS and e.overdue]
        teams = late_teams_of(expected)
        if own or teams:
            found.append(LateCommune(expected[0].commune, own, teams))
    return sorted(found, key=lambda c: (-c.worst, c.commune.sort_name, c.commune.pk))


# --- a commune's own rules (the due rules screen) -------------------------------------------------------------


@dataclass(frozen=True)
class RuleValues:
    """What the due rules form sets for one kind (None = the default)."""

    day_of_month: int | None = None
    days_after: int | None = None
    remind_days_before: int = REMIND_DAYS_BEFORE_DEFAULT


def _check(kind: str, values: RuleValues) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in RULE_KINDS:
        errors["kind"] = [f"Loại báo cáo “{kind}” không có hạn nộp riêng."]
        return errors
    if values.day_of_month is not None and (
        kind not in DAY_OF_MONTH_KINDS or not 1 <= values.day_of_month <= REPORT_DAY_MAX
    ):
        errors["day_of_month"] = [f"Ngày nộp phải từ 1 đến {REPORT_DAY_MAX}."]
    if values.days_after is not None and (
        kind not in DAYS_AFTER_KINDS or not 0 <= values.days_after <= DAYS_AFTER_MAX
    ):
        errors["days_after"] = [f"Số ngày sau khi kết thúc phải từ 0 đến {DAYS_AFTER_MAX}."]
    if not 0 <= values.remind_days_before <= REMIND_DAYS_BEFORE_MAX:
        errors["remind_days_before"] = [f"Số ngày nhắc trước phải từ 0 đến {REMIND_DAYS_BEFORE_MAX}."]
    return errors


@transaction.atomic
def set_due_rules(
    *, by: User, commune: Place, values: dict[str, RuleValues], ip: str | None = None
) -> list[str]:
    """Save the commune's own due rules per kind; returns the kinds changed (one audit row when any)."""
    errors: dict[str, list[str]] = {}
    for kind, value in values.items():
        for name, messages in _check(kind, value).items():
            errors.setdefault(name, []).extend(f"{ReportKind(kind).label}: {m}" for m in messages)
    if errors:
        raise ValidationError(errors)
    current = {r.kind: r for r in DueRule.objects.select_for_update().filter(commune=commune)}
    changed = []
    for kind, value in values.items():
        rule = current.get(kind) or DueRule(commune=commune, kind=kind)
        new = (value.day_of_month, value.days_after, value.remind_days_before)
        if rule.pk is not None and (rule.day_of_month, rule.days_after, rule.remind_days_before) == new:
            continue
        if rule.pk is None and new == (None, None, REMIND_DAYS_BEFORE_DEFAULT):
            continue  # the defaults need no row
        rule.day_of_month, rule.days_after, rule.remind_days_before = new
        rule.save()
        changed.append(kind)
    if changed:
        record_event(
            user=by,
            action=AuditEvent.Action.CHANGE,
            place=commune,
            object_type="DueRule",
            object_id=str(commune.pk),
            detail="Hạn nộp báo cáo của xã: " + ", ".join(changed),
            ip=ip,
        )
    return changed
