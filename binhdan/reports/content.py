"""A report's figures, built from the data as of its reference date (SPEC §7) — `Report.content`, schema 1
(see docs/reports.md). Everything here reads; the report is frozen by keeping this JSON on submission.

The indicators are exactly `indicators.values.values(place, as_of)` (what `manage.py indicator_values`
prints); activity counts cover the period up to the reference date. A fixed number of queries whatever
the number of villages, teams, members and classes. No resident is named: team members and mentors
are the movement's own people, classes and trainings are counted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from binhdan.fieldwork.models import (
    CommunityClass,
    Mentor,
    Mentorship,
    Team,
    TeamMembership,
    TeamRole,
    Training,
    VisitDay,
    WorkTime,
)
from binhdan.indicators import values as ivalues
from binhdan.indicators.models import Kind
from binhdan.places.models import Level, Place
from binhdan.registry.models import SkillLevel, SkillObservation, Source
from binhdan.reports.docx_render import number, percent
from binhdan.reports.models import COMMUNE_KINDS, Report, ReportKind, ReportStatus

SCHEMA = 1
VILLAGE_KINDS = (Kind.HOUSEHOLD, Kind.RESIDENT, Kind.AGGREGATE)  # what `side_by_side` counts per village
_PREFIX = re.compile(
    r"^(xã|phường|thị trấn|đặc khu|thôn|xóm|bản|ấp|tổ dân phố|khu dân cư|khu phố|làng|buôn|plây|sóc)\s+",
    re.IGNORECASE,
)
ACTIVITY_KEYS = (
    "members",
    "visits",
    "people_guided",
    "hours",
    "classes",
    "class_attendance",
    "mentors",
    "mentees",
    "trainings",
    "members_trained",
)


def short_name(place: Place) -> str:
    """ "Xã Sơn Đông" → "Sơn Đông" (the date line: "Sơn Đông, ngày …")."""
    return _PREFIX.sub("", place.name).strip() or place.name


def _place(place: Place) -> dict[str, Any]:
    return {
        "id": place.pk,
        "code": place.code,
        "name": place.name,
        "short_name": short_name(place),
        "level": Level(place.level).name.lower(),
    }


def _number(value: int | float) -> str:
    """1.975 and 1.975,5 (Vietnamese separators, as the documents write them)."""
    return number(value) if isinstance(value, int) else number(value, 1).removesuffix(",0")


def figures_place(report: Report) -> Place:
    """The place the figures are for: the team's village for team reports, else the commune."""
    if report.kind in COMMUNE_KINDS or report.team is None:
        return report.commune
    return report.team.village


def activity_end(report: Report) -> dt.date:
    """Activity is counted from the period's start to the reference date (or the period's end)."""
    return min(report.period_end, report.as_of)


# --- the parts ----------------------------------------------------------------------------------------------


def _indicators(place: Place, day: dt.date) -> list[dict[str, Any]]:
    out = []
    for v in ivalues.values(place, day, with_pace=True):
        out.append(
            {
                **v.as_dict(),
                "kind": v.indicator.kind,
                "unit": v.indicator.unit,
                "own_target": v.own_target,
                "own_indicator": v.indicator.commune_id is not None,
                "met": v.met,
                "pace": v.pace.label if v.pace is not None else "",
            }
        )
    return out


def _villages(commune: Place, day: dt.date, indicators: list[dict[str, Any]]) -> dict[str, Any]:
    villages = list(Place.objects.villages().filter(parent=commune).valid_on(day).vietnamese_order())
    codes = [i["code"] for i in indicators if i["kind"] in VILLAGE_KINDS]
    counts = ivalues.side_by_side([*villages, commune], day)
    by_code = {i["code"]: i for i in indicators}

    def row(values_: dict[str, tuple[int, int]]) -> dict[str, list[int]]:
        return {code: list(values_.get(code, (0, 0))) for code in codes}

    total = row(counts.get(commune.pk, {}))
    # The commune's own figures are the indicators' (identical by construction; kept from one source).
    for code in codes:
        total[code] = [by_code[code]["numerator"], by_code[code]["denominator"]]
    return {
        "codes": codes,
        "names": {code: by_code[code]["name"] for code in codes},
        "rows": [{"id": v.pk, "name": v.name, "values": row(counts.get(v.pk, {}))} for v in villages],
        "total": {"name": f"Toàn {commune.get_kind_display().lower()}", "values": total},
    }


def _teams(report: Report, day: dt.date) -> list[Team]:
    if report.kind not in COMMUNE_KINDS and report.team is not None:
        return [report.team]
    teams = (
        Team.objects.filter(village__parent=report.commune)
        .filter(Q(village__valid_to__isnull=True) | Q(village__valid_to__gt=day))
        .filter(Q(formed_on__isnull=True) | Q(formed_on__lte=day))
        .select_related("village")
        .order_by("village__sort_name", "village__code", "pk")
    )
    if report.campaign is not None:
        chosen = list(report.campaign.villages.values_list("pk", flat=True))
        if chosen:
            teams = teams.filter(village__in=chosen)
    return list(teams)


def _activity(report: Report, teams: list[Team], start: dt.date, end: dt.date) -> dict[str, Any]:
    day = report.as_of
    team_ids = [t.pk for t in teams]
    village_team = {t.village_id: t.pk for t in teams}
    rows: dict[int, dict[str, Any]] = {
        t.pk: {"team": t.name, "village": t.village.name, **dict.fromkeys(ACTIVITY_KEYS, 0)} for t in teams
    }
    for row in rows.values():
        row["hours"] = 0.0
    members: dict[int, set[int]] = defaultdict(set)
    for team_id, user_id in (
        TeamMembership.objects.filter(team_id__in=team_ids, joined_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
        .values_list("team_id", "user_id")
    ):
        members[team_id].add(user_id)
    user_teams: dict[int, list[int]] = defaultdict(list)
    for team_id, users in members.items():
        rows[team_id]["members"] = len(users)
        for user_id in users:
            user_teams[user_id].append(team_id)
    for village_id, visits, people in (
        VisitDay.objects.filter(village_id__in=list(village_team), day__gte=start, day__lte=end)
        .values("village_id")
        .annotate(v=Sum("visits"), p=Sum("people"))
        .values_list("village_id", "v", "p")
    ):
        rows[village_team[village_id]]["visits"] = visits or 0
        rows[village_team[village_id]]["people_guided"] = people or 0
    # Hours: each member's work time in the period, to each of their teams (a member of two teams counts in both).
    for user_id, hours in (
        WorkTime.objects.filter(user_id__in=list(user_teams), day__gte=start, day__lte=end)
        .values("user_id")
        .annotate(h=Sum("hours"))
        .values_list("user_id", "h")
    ):
        for team_id in user_teams[user_id]:
            rows[team_id]["hours"] += float(hours or 0)
    for village_id, classes, attendance in (
        CommunityClass.objects.filter(place_id__in=list(village_team), held_on__gte=start, held_on__lte=end)
        .values("place_id")
        .annotate(c=Count("pk", distinct=True), a=Count("attendance", distinct=True))
        .values_list("place_id", "c", "a")
    ):
        rows[village_team[village_id]]["classes"] = classes
        rows[village_team[village_id]]["class_attendance"] = attendance
    trainings: dict[int, set[int]] = defaultdict(set)
    trained: dict[int, set[int]] = defaultdict(set)
    for training_id, held_on, user_id in Training.objects.filter(
        commune=report.commune, held_on__lte=end, attendees__in=list(user_teams)
    ).values_list("pk", "held_on", "attendees"):
        for team_id in user_teams[user_id]:
            trained[team_id].add(user_id)
            if held_on >= start:
                trainings[team_id].add(training_id)
    for team_id in rows:
        rows[team_id]["trainings"] = len(trainings[team_id])
        rows[team_id]["members_trained"] = len(trained[team_id])
    for user_id, mentees in (
        Mentor.objects.filter(commune=report.commune, user_id__in=list(user_teams), started_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        .annotate(
            n=Count(
                "mentorships",
                filter=Q(mentorships__started_on__lte=day)
                & ~Q(mentorships__outcome=Mentorship.Outcome.STOPPED),
            )
        )
        .values_list("user_id", "n")
    ):
        for team_id in user_teams[user_id]:
            rows[team_id]["mentors"] += 1
            rows[team_id]["mentees"] += mentees
    ordered = [rows[t.pk] for t in teams]
    for row in ordered:
        row["hours"] = round(row["hours"], 1)
    total: dict[str, Any] = {"team": "Tổng cộng", "village": ""}
    for key in ACTIVITY_KEYS:
        total[key] = sum(r[key] for r in ordered)
    total["hours"] = round(total["hours"], 1)
    return {"rows": ordered, "total": total}


def _villages_q(place: Place, path: str) -> Q:
    if place.level == Level.VILLAGE:
        return Q(**{f"{path}_id": place.pk})
    return Q(**{f"{path}__parent_id": place.pk})


def _skills(place: Place, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Residents guided per skill in the period: one visit's guidance of one person in one skill counts once."""
    rows = (
        SkillObservation.objects.filter(
            _villages_q(place, "resident__household__village"),
            source=Source.VISIT,
            level__gte=SkillLevel.GUIDED,
            observed_on__gte=start,
            observed_on__lte=end,
        )
        .values("skill__code", "skill__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "skill__name")
    )
    return [{"code": r["skill__code"], "name": r["skill__name"], "people": r["n"]} for r in rows]


def _classes(place: Place, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    under = Q(place_id=place.pk) | (
        Q(place__parent_id=place.pk) if place.level == Level.COMMUNE else Q(pk__in=[])
    )
    return [
        {
            "title": c.title,
            "kind": c.get_kind_display(),
            "held_on": c.held_on.isoformat(),
            "place": c.place.name,
            "attendees": c.n,  # type: ignore[attr-defined]  # annotated below
        }
        for c in CommunityClass.objects.filter(under, held_on__gte=start, held_on__lte=end)
        .select_related("place")
        .annotate(n=Count("attendance"))
        .order_by("held_on", "pk")
    ]


def _trainings(commune: Place, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    return [
        {"title": t.title, "held_on": t.held_on.isoformat(), "attendees": t.n}
        for t in Training.objects.filter(commune=commune, held_on__gte=start, held_on__lte=end)
        .annotate(n=Count("attendees"))
        .order_by("held_on", "pk")
    ]


def _days(teams: list[Team], start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    return [
        {"day": d.isoformat(), "visits": v or 0, "people": p or 0}
        for d, v, p in VisitDay.objects.filter(
            village_id__in=[t.village_id for t in teams], day__gte=start, day__lte=end
        )
        .values("day")
        .annotate(v=Sum("visits"), p=Sum("people"))
        .order_by("day")
        .values_list("day", "v", "p")
    ]


def _team(team: Team, day: dt.date) -> dict[str, Any]:
    people = []
    leader = None
    ranks: dict[str, int] = {
        role: i for i, role in enumerate((TeamRole.LEADER, TeamRole.DEPUTY, TeamRole.MEMBER))
    }
    memberships = sorted(
        TeamMembership.objects.filter(team=team, joined_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
        .select_related("user"),
        key=lambda m: (ranks.get(m.role, len(ranks)), m.user.display_name),
    )
    for m in memberships:
        people.append(
            {
                "name": m.user.display_name,
                "role": m.get_role_display(),
                "affiliation": m.get_affiliation_display(),
            }
        )
        if m.role == TeamRole.LEADER and leader is None:
            leader = m.user.display_name
    return {
        "id": team.pk,
        "name": team.name,
        "village": team.village.name,
        "leader": leader,
        "members": people,
    }


def _tasks(commune: Place, day: dt.date) -> dict[str, Any]:
    from binhdan.reports import services_tasks

    return services_tasks.tasks_status(commune, day)


EMPTY_TASKS: dict[str, Any] = {
    "rows": [],
    "counts": {"total": 0, "done": 0, "in_progress": 0, "not_started": 0, "cancelled": 0, "overdue": 0},
}


def _team_reports(report: Report, teams: list[Team]) -> list[dict[str, Any]]:
    """The teams' own reports of the period (their newest versions): who reported, who is late."""
    from binhdan.reports import deadlines

    kind = ReportKind.DAILY if report.kind == ReportKind.CAMPAIGN else ReportKind.TEAM_QUARTERLY
    found: dict[int, Report] = {}
    for sent_report in (
        Report.objects.latest_versions()
        .filter(
            commune=report.commune,
            kind=kind,
            team_id__in=[t.pk for t in teams],
            period_end__gte=report.period_start,
            period_end__lte=report.period_end,
        )
        .order_by("period_end", "pk")
    ):
        found[sent_report.team_id] = sent_report  # type: ignore[index]  # the newest period last
    out = []
    due_on = deadlines.due_on(
        report.commune, ReportKind.TEAM_QUARTERLY, report.period_start, report.period_end
    )
    for team in teams:
        r: Report | None = found.get(team.pk)
        status = r.status if r else ""
        sent = r is not None and r.status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED)
        sent_on = timezone.localdate(r.submitted_at) if r is not None and r.submitted_at else None
        late = (
            kind == ReportKind.TEAM_QUARTERLY
            and due_on is not None
            and ((not sent and report.as_of > due_on) or (sent_on is not None and sent_on > due_on))
        )
        out.append(
            {
                "team": team.name,
                "village": team.village.name,
                "status": status,
                "status_label": ReportStatus(status).label if status else "Chưa lập",
                "submitted_on": sent_on.isoformat() if sent_on else None,
                "due_on": due_on.isoformat() if due_on and kind == ReportKind.TEAM_QUARTERLY else None,
                "late": bool(late),
            }
        )
    return out


# --- the narrative's prefill ----------------------------------------------------------------------------------


def _facts(content: dict[str, Any]) -> dict[str, list[str]]:
    """Sentences from the figures that the officer starts from and edits (never invented numbers)."""
    highlights: list[str] = []
    difficulties: list[str] = []
    proposals: list[str] = []
    total = content["activity"]["total"]
    if total["visits"] or total["people_guided"]:
        highlights.append(
            f"Trong kỳ, các Tổ công nghệ số cộng đồng đã thực hiện {_number(total['visits'])} lượt hỗ trợ tại hộ, "
            f"hướng dẫn {_number(total['people_guided'])} lượt người dân"
            + (f", với {_number(total['hours'])} giờ làm việc." if total["hours"] else ".")
        )
    if content["classes"]:
        attendees = sum(c["attendees"] for c in content["classes"])
        highlights.append(
            f"Tổ chức {len(content['classes'])} lớp, buổi sinh hoạt cộng đồng với {_number(attendees)} lượt người tham dự."
        )
    if content["skills"]:
        top = content["skills"][0]
        highlights.append(
            f"Kỹ năng được hướng dẫn nhiều nhất: «{top['name']}» ({_number(top['people'])} lượt)."
        )
    met = [i for i in content["indicators"] if i["met"] and i["denominator"]]
    for i in met[:3]:
        highlights.append(
            f"Chỉ tiêu «{i['name']}» đạt {percent(i['value'])} "
            f"({_number(i['numerator'])}/{_number(i['denominator'])}), vượt chỉ tiêu {percent(i['target'])}."
        )
    behind = [i for i in content["indicators"] if not i["met"] and i["denominator"]]
    behind.sort(key=lambda i: (i["value"] or 0) - i["target"])
    for i in behind[:3]:
        pace = f" ({i['pace'].lower()})" if i["pace"] else ""
        difficulties.append(
            f"Chỉ tiêu «{i['name']}» mới đạt {percent(i['value'])}, chỉ tiêu {percent(i['target'])}{pace}."
        )
    rows = content["villages"]["rows"]
    for i in behind[:2]:
        scored = [
            (r["values"][i["code"]][0] / r["values"][i["code"]][1], r["name"])
            for r in rows
            if i["code"] in r["values"] and r["values"][i["code"]][1]
        ]
        if len(scored) >= 2:
            lowest = min(scored)
            proposals.append(
                f"Tập trung hướng dẫn để nâng chỉ tiêu «{i['name']}» tại {lowest[1]} "
                f"(hiện {percent(Decimal(100) * Decimal(lowest[0]))})."
            )
    overdue = [t for t in content["tasks"]["rows"] if t["overdue"]]
    if overdue:
        difficulties.append(f"Còn {len(overdue)} nhiệm vụ quá hạn chưa hoàn thành theo Phụ lục nhiệm vụ.")
    late = [t for t in content["team_reports"] if t["late"]]
    if late:
        difficulties.append("Chưa nộp hoặc nộp muộn báo cáo: " + ", ".join(t["team"] for t in late) + ".")
    return {"highlights": highlights, "difficulties": difficulties, "proposals": proposals}


# --- the whole ----------------------------------------------------------------------------------------------


def build(report: Report) -> dict[str, Any]:
    """The report's figures as of `report.as_of`, for its kind, place and period (JSON-ready)."""
    place = figures_place(report)
    commune = report.commune
    province = commune.parent
    start, end = report.period_start, activity_end(report)
    teams = _teams(report, report.as_of)
    indicators = _indicators(place, report.as_of)
    commune_level = report.kind in COMMUNE_KINDS
    content: dict[str, Any] = {
        "schema": SCHEMA,
        "kind": report.kind,
        "built_at": timezone.localtime().isoformat(timespec="seconds"),
        "place": _place(place),
        "commune": _place(commune),
        "province": {
            "id": province.pk if province else None,
            "name": province.name if province else "",
            "full_name": f"{province.get_kind_display()} {province.name}" if province else "",
        },
        "team": _team(report.team, report.as_of) if report.team is not None else None,
        "campaign": None,
        "period": {
            "start": report.period_start.isoformat(),
            "end": report.period_end.isoformat(),
            "label": report.period_label,
        },
        "as_of": report.as_of.isoformat(),
        "indicators": indicators,
        "villages": _villages(commune, report.as_of, indicators)
        if commune_level
        else {"codes": [], "names": {}, "rows": [], "total": {"name": "", "values": {}}},
        "activity": _activity(report, teams, start, end),
        "skills": _skills(place, start, end),
        "classes": _classes(place, start, end),
        "trainings": _trainings(commune, start, end),
        "days": _days(teams, start, end) if report.campaign is not None else [],
        "tasks": _tasks(commune, report.as_of) if report.kind == ReportKind.COMMUNE_SUMMARY else EMPTY_TASKS,
        "team_reports": _team_reports(report, teams) if commune_level else [],
    }
    if report.campaign is not None:
        campaign = report.campaign
        content["campaign"] = {
            "id": campaign.pk,
            "name": campaign.name,
            "starts_on": campaign.starts_on.isoformat(),
            "ends_on": campaign.ends_on.isoformat(),
            "villages": [v.name for v in campaign.villages.all().order_by("sort_name")],
        }
    content["facts"] = _facts(content)
    return content
