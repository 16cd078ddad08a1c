"""Team and member quotas, emulation leaderboards (thi đua) and campaign mode, under /chi-tieu/.

Every page takes "?ngay=YYYY-MM-DD" (the day it is counted as of; a bad date gives a Vietnamese message
and today) and "?tai=xlsx" (every table of the page as a workbook, every cell through `write_cell`).
Scope: the place or campaign comes from `access` (out of scope = 404); names of households and residents
only for users who may see personal data there (province officers see counts and team members only).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from binhdan.accounts import access, audit
from binhdan.accounts.models import AuditEvent, User
from binhdan.common.spreadsheet import write_cell
from binhdan.common.text import fold
from binhdan.fieldwork import rules
from binhdan.fieldwork.models import Campaign, Visit
from binhdan.indicators import emulation
from binhdan.indicators.models import Indicator
from binhdan.indicators.teamwork import (
    MIN_GUIDANCE_PER_QUARTER,
    MentorRow,
    Teamwork,
    local_midnight,
    quota_for,
    teamwork,
)
from binhdan.indicators.values import ids_behind
from binhdan.places.models import Level, Place
from binhdan.registry.models import Household

EARLIEST_DAY = dt.date(2000, 1, 1)  # no commune kept records before this; also keeps date sums in range
DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
BAD_DAY = "Ngày xem không đúng (hãy viết dạng năm-tháng-ngày, ví dụ 2025-10-01); đang hiện số liệu hôm nay."
EARLY_DAY = "Ngày xem phải từ 01/01/2000 trở đi; đang hiện số liệu hôm nay."
FUTURE_DAY = "Ngày xem không được sau hôm nay; đang hiện số liệu hôm nay."
BAD_VILLAGE = "Thôn đã chọn không thuộc chiến dịch này; đang hiện mọi thôn."
MET, NOT_MET = "Đạt", "Chưa đạt"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BOLD = Font(bold=True)


def day_from(request: HttpRequest) -> tuple[dt.date, str]:
    """The day asked for in "?ngay=" and a Vietnamese message when it could not be used (then today)."""
    today = timezone.localdate()
    raw = request.GET.get("ngay", "").strip()
    if not raw:
        return today, ""
    for pattern in DAY_FORMATS:
        try:
            day = dt.datetime.strptime(raw[:20], pattern).date()
        except ValueError:
            continue
        if day < EARLIEST_DAY:
            return today, EARLY_DAY
        if day > today:
            return today, FUTURE_DAY
        return day, ""
    return today, BAD_DAY


def mark(ok: bool) -> str:
    return MET if ok else NOT_MET


# --- workbooks ---------------------------------------------------------------------------------------


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def workbook_response(name: str, day: dt.date, sheets: Iterable[Sheet]) -> HttpResponse:
    book = Workbook(write_only=True)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        header = []
        for title in sheet.headers:
            cell = write_cell(WriteOnlyCell(ws), title)
            cell.font = _BOLD
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            ws.append([write_cell(WriteOnlyCell(ws), value) for value in row])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    stem = slugify(fold(name)) or "bang"
    response["Content-Disposition"] = f'attachment; filename="{stem}-{day:%Y-%m-%d}.xlsx"'
    return response


def wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get("tai") == "xlsx"


# --- team and member quotas --------------------------------------------------------------------------


def mentor_name(mentor: MentorRow, personal: bool) -> str:
    """A resident mentor's name is personal data: without access, only that they are a resident."""
    return mentor.name if personal or not mentor.is_resident else "Người dân (tên ẩn)"


def rules_text(place: Place) -> dict[str, Any]:
    quota = quota_for(place)
    return {
        "min_team": rules.MIN_TEAM_SIZE,
        "max_team": rules.MAX_TEAM_SIZE,
        "min_households": rules.MIN_HOUSEHOLDS_PER_MEMBER,
        "min_guidance": MIN_GUIDANCE_PER_QUARTER,
        "min_mentees": rules.MIN_MENTEES,
        "hours_per_day": quota.hours_per_day,
        "days_per_week": quota.days_per_week,
    }


SUMMARY_LABELS = (
    ("TM_SIZE", "Tổ có {min_team}-{max_team} thành viên"),
    ("TM_50Q", "Tổ có ít nhất {min_guidance} lượt hướng dẫn người dân trong quý"),
    ("MB_10HH", "Thành viên phụ trách ít nhất {min_households} hộ"),
    ("MB_HOURS", "Thành viên hoạt động ít nhất {hours_per_day} giờ/ngày, {days_per_week} ngày mỗi tuần"),
    ("MB_TRAINED", "Thành viên đã được tập huấn"),
    ("MT_5", "Đại sứ số kèm cặp ít nhất {min_mentees} người"),
)


def summary_rows(work: Teamwork, text: dict[str, Any]) -> list[dict[str, Any]]:
    values = work.values()
    out = []
    for code, label in SUMMARY_LABELS:
        met, total = values[code]
        out.append({"code": code, "label": label.format(**text), "met": met, "total": total})
    return out


def _hours_label(text: dict[str, Any]) -> str:
    return f"Tuần đủ {text['days_per_week']} ngày × {text['hours_per_day']} giờ"


def team_sheets(work: Teamwork, text: dict[str, Any], personal: bool) -> list[Sheet]:
    summary = Sheet("Tổng hợp", ["Chỉ tiêu", "Số đạt", "Tổng số"])
    for row in summary_rows(work, text):
        summary.rows.append([row["label"], row["met"], row["total"]])
    teams = Sheet(
        "Tổ",
        ["Thôn", "Tổ", "Số thành viên", f"Đủ {text['min_team']}-{text['max_team']} người",
         "Lượt hướng dẫn người dân trong quý", f"Đủ {text['min_guidance']} lượt", "Lượt hỗ trợ trong quý"],
    )  # fmt: skip
    members = Sheet(
        "Thành viên",
        ["Thôn", "Tổ", "Họ và tên", "Chức danh", "Hộ phụ trách", f"Đủ {text['min_households']} hộ",
         _hours_label(text), "Số tuần tính", "Đủ giờ mọi tuần", "Đã tập huấn"],
    )  # fmt: skip
    for t in work.teams:
        teams.rows.append(
            [t.village_name, t.name, t.size, mark(t.right_size), t.guided, mark(t.enough_guidance), t.visits]
        )
        for m in t.members:
            members.rows.append([
                t.village_name, t.name, m.name, m.role_label, m.households, mark(m.enough_households),
                m.weeks_met, m.weeks, mark(m.enough_hours), "Có" if m.trained else "Chưa",
            ])  # fmt: skip
    mentors = Sheet(
        "Đại sứ số",
        ["Đại sứ số", "Người đang kèm cặp", f"Đủ {text['min_mentees']} người", "Đã tự sử dụng được"],
    )
    for mentor in work.mentors:
        mentors.rows.append(
            [mentor_name(mentor, personal), mentor.mentees, mark(mentor.enough_mentees), mentor.independent]
        )
    return [summary, teams, members, mentors]


def _teams_page(request: HttpRequest, place: Place) -> HttpResponse:
    day, problem = day_from(request)
    personal = access.can_see_personal_data(request.user, place)
    work = teamwork(place, day)
    text = rules_text(place)
    if wants_xlsx(request):
        audit.record(
            request, AuditEvent.Action.EXPORT, place=place, detail="Chỉ tiêu tổ và thành viên (XLSX)"
        )
        return workbook_response(f"chi-tieu-to-{place.name}", day, team_sheets(work, text, personal))
    commune = place if place.level == Level.COMMUNE else place.parent
    return render(
        request,
        "indicators/teams.html",
        {
            "place": place,
            "is_village": place.level == Level.VILLAGE,
            "commune": commune,
            "day": day,
            "today": timezone.localdate(),
            "problem": problem,
            "work": work,
            "rules": text,
            "hours_label": _hours_label(text),
            "summary": summary_rows(work, text),
            "mentors": [(m, mentor_name(m, personal)) for m in work.mentors],
            "can_see_commune": commune is not None
            and access.places_visible_to(request.user).filter(pk=commune.pk).exists(),
        },
    )


@require_GET
@login_required
def teams(request: HttpRequest, pk: int) -> HttpResponse:
    """The teams of a commune, each with its members' quotas, and the commune's mentors."""
    commune = access.get_visible_or_404(access.places_visible_to(request.user).communes(), pk=pk)
    return _teams_page(request, commune)


@require_GET
@login_required
def village_teams(request: HttpRequest, pk: int) -> HttpResponse:
    """One village's team (what a member or team leader sees of their own village)."""
    village = access.get_visible_or_404(
        access.places_visible_to(request.user).villages().select_related("parent"), pk=pk
    )
    return _teams_page(request, village)


# --- emulation leaderboards ----------------------------------------------------------------------------


def digital_families(commune: Place, day: dt.date, user: User) -> list[emulation.FamilyRow]:
    """The Gia đình số households of the commune on the day that the user may see, with their adults who
    have basic digital skills, the best first (`emulation.HOUSEHOLD_BOARD_SIZE` of them, in two queries)."""
    found = {
        i.code: i for i in Indicator.objects.filter(commune__isnull=True, code__in=("HH_DIGITAL", "AD_BASIC"))
    }
    if len(found) < 2:
        return []
    digital = ids_behind(commune, day, found["HH_DIGITAL"], "numerator")
    adults = ids_behind(commune, day, found["AD_BASIC"], "numerator")
    households = (
        Household.objects.visible_to(user)
        .filter(pk__in=digital)
        .annotate(n=Count("residents", filter=Q(residents__pk__in=adults)))
        .select_related("village")
        .order_by("-n", "sort_name", "pk")[: emulation.HOUSEHOLD_BOARD_SIZE]
    )
    return [
        emulation.FamilyRow(h.pk, h.head_name, h.village.name, h.sort_name, cast(Any, h).n)
        for h in households
    ]


@require_GET
@login_required
def leaderboard(request: HttpRequest, pk: int) -> HttpResponse:
    """Thi đua: Tổ CNSCĐ tiêu biểu, Đại sứ số tiêu biểu and (for those who may see households) Gia đình số
    tiêu biểu, ranked by the rules in `emulation`."""
    commune = access.get_visible_or_404(access.places_visible_to(request.user).communes(), pk=pk)
    day, problem = day_from(request)
    user = cast(User, request.user)
    personal = access.can_see_personal_data(user, commune)
    work = teamwork(commune, day)
    teams_ranked = emulation.rank_teams(work.teams)
    mentors_ranked = emulation.rank_mentors(work.mentors)[: emulation.MENTOR_BOARD_SIZE]
    families = emulation.rank_households(digital_families(commune, day, user)) if personal else []
    if personal and families:
        audit.record(request, AuditEvent.Action.VIEW_LIST, place=commune, detail="Gia đình số tiêu biểu")
    text = rules_text(commune)
    if wants_xlsx(request):
        team_sheet = Sheet("Tổ CNSCĐ tiêu biểu", ["Hạng", "Thôn", "Tổ", "Điểm thi đua (%)",
                           "Lượt hướng dẫn người dân trong quý", "Số thành viên"])  # fmt: skip
        for r in teams_ranked:
            team_sheet.rows.append(
                [r.rank, r.item.village_name, r.item.name, r.key[0], r.item.guided, r.item.size]
            )
        mentor_sheet = Sheet(
            "Đại sứ số tiêu biểu", ["Hạng", "Đại sứ số", "Đã tự sử dụng được", "Người đang kèm cặp"]
        )
        for m in mentors_ranked:
            mentor_sheet.rows.append(
                [m.rank, mentor_name(m.item, personal), m.item.independent, m.item.mentees]
            )
        sheets = [team_sheet, mentor_sheet]
        if personal:
            family_sheet = Sheet(
                "Gia đình số tiêu biểu", ["Hạng", "Chủ hộ", "Thôn", "Người trưởng thành có kỹ năng số cơ bản"]
            )
            for f in families:
                family_sheet.rows.append([f.rank, f.item.head_name, f.item.village_name, f.item.adults_basic])
            sheets.append(family_sheet)
        audit.record(request, AuditEvent.Action.EXPORT, place=commune, detail="Bảng thi đua (XLSX)")
        return workbook_response(f"thi-dua-{commune.name}", day, sheets)
    return render(
        request,
        "indicators/leaderboard.html",
        {
            "commune": commune,
            "day": day,
            "today": timezone.localdate(),
            "problem": problem,
            "quarter": work.quarter,
            "rules": text,
            "teams": [
                (r, [(label, part(r.item) * 100) for _code, label, part in emulation.TEAM_SCORE_PARTS])
                for r in teams_ranked
            ],
            "mentors": [(r, mentor_name(r.item, personal)) for r in mentors_ranked],
            "families": families,
            "personal": personal,
            "score_parts": [label for _code, label, _part in emulation.TEAM_SCORE_PARTS],
            "team_order": emulation.TEAM_ORDER,
            "mentor_order": emulation.MENTOR_ORDER,
            "household_order": emulation.HOUSEHOLD_ORDER,
            "household_board_size": emulation.HOUSEHOLD_BOARD_SIZE,
            "mentor_board_size": emulation.MENTOR_BOARD_SIZE,
        },
    )


# --- campaign mode -------------------------------------------------------------------------------------


@dataclass
class CampaignState:
    campaign: Campaign
    day: dt.date
    villages: list[Place]
    households: dict[int, int]  # village id -> households present on the day
    visited: dict[int, int]  # village id -> of them visited in the period
    days: list[dict[str, Any]]
    visited_ids: Any  # a queryset of the visited households' ids

    @property
    def period_end(self) -> dt.date:
        return min(self.day, self.campaign.ends_on)

    @property
    def started(self) -> bool:
        return self.day >= self.campaign.starts_on

    @property
    def days_left(self) -> int:
        return max((self.campaign.ends_on - self.day).days, 0)

    @property
    def total(self) -> int:
        return sum(self.households.values())

    @property
    def total_visited(self) -> int:
        return sum(self.visited.values())

    @property
    def total_left(self) -> int:
        return self.total - self.total_visited


def percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def campaign_villages(campaign: Campaign) -> list[Place]:
    """The campaign's villages; none chosen = every village of the commune in place during the campaign."""
    chosen = list(campaign.villages.all().order_by("sort_name", "code"))
    return chosen or list(
        Place.objects.villages()
        .filter(parent=campaign.commune)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=campaign.starts_on))
        .order_by("sort_name", "code")
    )


def campaign_state(campaign: Campaign, day: dt.date) -> CampaignState:
    """Households of the campaign's villages on `day` and those visited (any channel) between the
    campaign's first day and `day` (or its last day), per village and per day, in five queries."""
    villages = campaign_villages(campaign)
    ids = [v.pk for v in villages]
    present = Household.objects.filter(village_id__in=ids).present_on(day)
    households = dict(present.values_list("village_id").annotate(n=Count("pk")).order_by())
    end = min(day, campaign.ends_on)
    visits = Visit.objects.filter(
        household__in=present,
        visited_at__gte=local_midnight(campaign.starts_on),
        visited_at__lt=local_midnight(end + dt.timedelta(days=1)),
    )
    if day < campaign.starts_on:
        visits = visits.none()
    visited: dict[int, int] = defaultdict(int)
    first_day: dict[dt.date, int] = defaultdict(int)
    for village_id, first in (
        visits.values("household_id", "household__village_id")
        .annotate(first=Min("visited_at"))
        .values_list("household__village_id", "first")
    ):
        visited[village_id] += 1
        first_day[timezone.localtime(first).date()] += 1
    per_day = dict(
        visits.annotate(on=TruncDate("visited_at"))
        .values("on")
        .annotate(n=Count("pk"))
        .values_list("on", "n")
    )
    total = sum(households.values())
    days, running = [], 0
    when = campaign.starts_on
    while when <= end:
        running += first_day.get(when, 0)
        days.append(
            {
                "day": when,
                "visits": per_day.get(when, 0),
                "new": first_day.get(when, 0),
                "cumulative": running,
                "percent": percent(running, total),
            }
        )
        when += dt.timedelta(days=1)
    return CampaignState(
        campaign, day, villages, households, dict(visited), days, visits.values("household_id")
    )


def unvisited(state: CampaignState, user: User, village: Place | None) -> Any:
    """The campaign's households the user may see that no visit reached in the period yet."""
    ids = [village.pk] if village else [v.pk for v in state.villages]
    return (
        Household.objects.visible_to(user)
        .filter(village_id__in=ids)
        .present_on(state.day)
        .exclude(pk__in=state.visited_ids)
        .select_related("village", "assigned_member")
        .order_by("village__sort_name", "village__code", "sort_name", "pk")
    )


def _village_choice(request: HttpRequest, villages: Sequence[Place]) -> tuple[Place | None, str]:
    raw = request.GET.get("thon", "").strip()
    if not raw:
        return None, ""
    for village in villages:
        if raw == str(village.pk):
            return village, ""
    return None, BAD_VILLAGE


def _campaign_or_404(request: HttpRequest, pk: int) -> Campaign:
    return access.get_visible_or_404(
        Campaign.objects.visible_to(request.user).select_related("commune"), pk=pk
    )


def _household_rows(households: Iterable[Household]) -> list[list[Any]]:
    return [
        [h.village.name, h.number, h.head_name, h.address,
         h.assigned_member.display_name if h.assigned_member else "Chưa phân công"]
        for h in households
    ]  # fmt: skip


HOUSEHOLD_HEADERS = ["Thôn", "Số hộ", "Chủ hộ", "Địa chỉ", "Tổ viên phụ trách"]


@require_GET
@login_required
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    """Campaign mode: days left, households visited in the period against all of its villages', progress by
    day and village, and (for users who may see households) the households not visited yet."""
    found = _campaign_or_404(request, pk)
    user = cast(User, request.user)
    day, problem = day_from(request)
    state = campaign_state(found, day)
    village, village_problem = _village_choice(request, state.villages)
    personal = access.can_see_personal_data(user, found.commune)
    rows: list[dict[str, Any]] = [
        {
            "village": v,
            "households": state.households.get(v.pk, 0),
            "visited": state.visited.get(v.pk, 0),
            "left": state.households.get(v.pk, 0) - state.visited.get(v.pk, 0),
            "percent": percent(state.visited.get(v.pk, 0), state.households.get(v.pk, 0)),
        }
        for v in state.villages
    ]
    households = list(unvisited(state, user, village)) if personal else []
    if wants_xlsx(request):
        by_day = Sheet(
            "Theo ngày", ["Ngày", "Lượt hỗ trợ", "Hộ được đến lần đầu", "Cộng dồn số hộ", "Tỉ lệ hộ (%)"]
        )
        for d in state.days:
            by_day.rows.append(
                [d["day"].strftime("%d/%m/%Y"), d["visits"], d["new"], d["cumulative"], d["percent"]]
            )
        by_village = Sheet("Theo thôn", ["Thôn", "Số hộ", "Đã đến", "Chưa đến", "Tỉ lệ (%)"])
        for v in rows:
            by_village.rows.append(
                [v["village"].name, v["households"], v["visited"], v["left"], v["percent"]]
            )
        sheets = [by_day, by_village]
        if personal and access.can_bulk_export(user, found.commune):
            sheets.append(Sheet("Hộ chưa đến", HOUSEHOLD_HEADERS, _household_rows(households)))
        audit.record(request, AuditEvent.Action.EXPORT, place=found.commune, obj=found,
                     detail=f"Chế độ chiến dịch (XLSX): {found.name}")  # fmt: skip
        return workbook_response(f"chien-dich-{found.name}", day, sheets)
    if personal:
        audit.record(request, AuditEvent.Action.VIEW_LIST, place=found.commune, obj=found,
                     detail=f"Hộ chưa đến trong chiến dịch: {found.name}")  # fmt: skip
    return render(
        request,
        "indicators/campaign.html",
        {
            "campaign": found,
            "state": state,
            "rows": rows,
            "day": day,
            "today": timezone.localdate(),
            "problem": problem,
            "village_problem": village_problem,
            "village": village,
            "personal": personal,
            "households": households,
            "may_export_households": personal and access.can_bulk_export(user, found.commune),
            "total_percent": percent(state.total_visited, state.total),
            "can_see_commune": access.places_visible_to(user).filter(pk=found.commune_id).exists(),
        },
    )


@require_GET
@login_required
def campaign_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable list of households not yet visited (404 for users who may not see households)."""
    found = _campaign_or_404(request, pk)
    user = cast(User, request.user)
    if not access.can_see_personal_data(user, found.commune):
        raise Http404
    day, problem = day_from(request)
    state = campaign_state(found, day)
    village, village_problem = _village_choice(request, state.villages)
    households = list(unvisited(state, user, village))
    audit.record(request, AuditEvent.Action.VIEW_LIST, place=found.commune, obj=found,
                 detail=f"Bản in hộ chưa đến: {found.name}")  # fmt: skip
    return render(
        request,
        "indicators/campaign_print.html",
        {
            "campaign": found,
            "state": state,
            "day": day,
            "problem": problem,
            "village_problem": village_problem,
            "village": village,
            "households": households,
        },
    )
