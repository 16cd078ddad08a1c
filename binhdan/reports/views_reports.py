"""The report pages (SPEC §7): a commune's reports, making one, reading it with its figures as the document
shows them, editing a draft, refreshing its figures, submitting (the figures freeze), approving or returning,
new versions, and the downloads (DOCX and XLSX at once, PDF through a background job unless already made).

Who may do what is asked only of `reports.permissions`; a report the user may not read does not exist for
them (404), as does a commune whose reports they do not see. Every write is a POST through `reports.services`
(which audits it); every download leaves an export row in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from binhdan.accounts import access, audit
from binhdan.accounts.fields import PK_MAX, workspace_form
from binhdan.accounts.models import AuditEvent, RoleKind, User
from binhdan.accounts.workspace import commune_for_change
from binhdan.common.forms import errors_to_form
from binhdan.common.jobs import start_job
from binhdan.places.models import Place
from binhdan.reports import columns, jobs, periods, permissions, services
from binhdan.reports.docx_render import day, fraction, indicator_cells, number, percent, share, subject
from binhdan.reports.forms_reports import (
    CreateReportForm,
    DecideForm,
    LayoutForm,
    RefreshForm,
    ReportTextForm,
    quarter_choices,
    year_choices,
)
from binhdan.reports.models import (
    TEAM_KINDS,
    Report,
    ReportFile,
    ReportKind,
    ReportStatus,
)

PAGE_SIZE = 50
FORMATS = ("docx", "xlsx", "pdf")
COMMUNE_ROLES = {RoleKind.COMMUNE_OFFICER, RoleKind.COMMUNE_LEADER}


# --- who sees which commune's reports -------------------------------------------------------------------


def sees_commune_reports(user: Any, commune: Place) -> bool:
    """Whether the user may open the commune's report list: its officers and leaders, its team leaders,
    the province's officers (submitted commune reports) and admins. From the request's roles, no query."""
    if access.is_admin(user):
        return True
    for role in user.current_roles():
        place = role.place
        if place is None:
            continue
        if role.kind in COMMUNE_ROLES and place.pk == commune.pk:
            return True
        if role.kind == RoleKind.TEAM_LEADER and place.parent_id == commune.pk:
            return True
        if role.kind == RoleKind.PROVINCE_OFFICER and place.pk == commune.parent_id:
            return True
    return False


def _real_pk(pk: int) -> int:
    if not 0 < pk <= PK_MAX:
        raise Http404
    return pk


def commune_for_reports(request: HttpRequest, pk: int) -> Place:
    # Not `places_visible_to`: a team leader's places are their village, yet they report to its commune.
    commune = access.get_visible_or_404(Place.objects.communes().select_related("parent"), pk=_real_pk(pk))
    if not sees_commune_reports(request.user, commune):
        raise Http404
    return commune


def report_or_404(request: HttpRequest, pk: int) -> Report:
    return access.get_visible_or_404(
        permissions.reports_visible_to(request.user).select_related(
            "commune__parent", "team__village", "campaign", "created_by", "submitted_by", "decided_by"
        ),
        pk=_real_pk(pk),
    )


def province_url(province: Place) -> str:
    """The province's overview of reports (another part of the app); its path until that URL exists."""
    try:
        return reverse("reports:province", args=[province.pk])
    except NoReverseMatch:
        return f"/bao-cao/tinh/{province.pk}/"


# --- /bao-cao/ -------------------------------------------------------------------------------------------


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Send the user to their commune's reports (a province officer: the province's overview)."""
    user = cast(User, request.user)
    roles = [r for r in user.current_roles() if r.place is not None]
    for kinds in (COMMUNE_ROLES, {RoleKind.PROVINCE_OFFICER}, {RoleKind.TEAM_LEADER}):
        for role in roles:
            if role.kind not in kinds:
                continue
            place = cast(Place, role.place)
            if role.kind == RoleKind.PROVINCE_OFFICER:
                return redirect(province_url(place))
            commune = place if role.kind in COMMUNE_ROLES else place.parent
            if commune is not None:
                return redirect("reports:commune", pk=commune.pk)
    return render(request, "reports/report_none.html", {"is_admin": access.is_admin(user)})


# --- a commune's reports -------------------------------------------------------------------------------


def _period_filter_choices() -> list[tuple[str, str]]:
    return quarter_choices() + year_choices()


@require_GET
@login_required
def commune_reports(request: HttpRequest, pk: int) -> HttpResponse:
    """The newest version of each report of the commune, newest period first, with filters."""
    commune = commune_for_reports(request, pk)
    reports = (
        permissions.reports_visible_to(request.user)
        .filter(commune=commune)
        .latest_versions()
        .select_related("team__village", "campaign")
    )
    kind, status, period_code = (str(request.GET.get(k, ""))[:20] for k in ("loai", "trang-thai", "ky"))
    if kind in ReportKind.values:
        reports = reports.filter(kind=kind)
    else:
        kind = ""
    if status in ReportStatus.values:
        reports = reports.filter(status=status)
    else:
        status = ""
    period_options = _period_filter_choices()
    if period_code in {code for code, _ in period_options}:
        period = periods.parse_period(period_code)
        reports = reports.filter(period_end__gte=period.start, period_start__lte=period.end)
    else:
        period_code = ""
    page = Paginator(
        reports.order_by("-period_end", "kind", "team__village__sort_name", "pk"), PAGE_SIZE
    ).get_page(request.GET.get("trang"))
    query = "&".join(
        f"{k}={v}" for k, v in (("loai", kind), ("trang-thai", status), ("ky", period_code)) if v
    )
    user = cast(User, request.user)
    return render(
        request,
        "reports/report_list.html",
        {
            "commune": commune,
            "page": page,
            "querystring": query,
            "kinds": ReportKind.choices,
            "statuses": ReportStatus.choices,
            "period_options": period_options,
            "chosen": {"kind": kind, "status": status, "period": period_code},
            "filtered": bool(kind or status or period_code),
            "may_create": bool(permissions.kinds_creatable(user, commune)),
            "may_set_columns": access.can_manage_place(user, commune),
            "province_url": province_url(commune.parent)
            if commune.parent is not None and user.has_role(RoleKind.PROVINCE_OFFICER)
            else None,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", CreateReportForm)
def report_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a draft: kind, team or campaign, period, reference day; a report already made is linked."""
    commune = commune_for_reports(request, pk)
    user = cast(User, request.user)
    if not permissions.kinds_creatable(user, commune):
        raise Http404
    form = CreateReportForm(request.POST or None, user=user, commune=commune)
    found: Report | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind, period = data["kind"], data.get("period_obj")
        team = data.get("team") if kind in TEAM_KINDS else None
        campaign = data.get("campaign") if kind in (ReportKind.DAILY, ReportKind.CAMPAIGN) else None
        if not permissions.may_create(user, kind, commune, team):
            form.add_error("team" if kind in TEAM_KINDS else "kind", "Bạn không lập được báo cáo này.")
        elif period is not None:
            try:
                report = services.create_report(
                    by=user,
                    kind=kind,
                    commune=commune,
                    period=period,
                    as_of=data.get("as_of"),
                    team=team,
                    campaign=campaign,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
                found = services.existing(kind, commune, period, team, campaign)
            else:
                messages.success(
                    request, f"Đã lập bản nháp: {report.get_kind_display()} {report.period_label}."
                )
                return redirect("reports:report", pk=report.pk)
    today = timezone.localdate()
    return render(
        request,
        "reports/report_create.html",
        {
            "commune": commune,
            "form": form,
            "found": found,
            "default_as_of": periods.quarter_of(today).default_as_of(today),
        },
    )


# --- the report's figures as the document shows them ---------------------------------------------------


@dataclass
class Row:
    cells: list[str]
    total: bool = False
    group: bool = False  # one cell across the table (a section of the plan's tasks)
    flags: dict[str, bool] = field(default_factory=dict)


@dataclass
class Table:
    heads: list[str]
    rows: list[Row]
    numeric: frozenset[int] = frozenset()
    note: str = ""
    caption: str = ""


@dataclass
class Block:
    kind: str  # "h3" | "p" | "table" | "note"
    text: str = ""
    table: Table | None = None


@dataclass
class Section:
    title: str
    anchor: str
    blocks: list[Block] = field(default_factory=list)


ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


class Body:
    """The report's body in the order and words of the DOCX (`docx_render.Writer.body`)."""

    def __init__(self, report: Report, shown: list[columns.ShownColumn]) -> None:
        self.report = report
        self.content: dict[str, Any] = report.content if isinstance(report.content, dict) else {}
        self.shown = shown
        self.sections: list[Section] = []
        self._sub = 0

    def section(self, title: str) -> None:
        numeral = (
            ROMAN[len(self.sections)] if len(self.sections) < len(ROMAN) else str(len(self.sections) + 1)
        )
        self.sections.append(Section(f"{numeral}. {title}", f"phan-{len(self.sections) + 1}"))
        self._sub = 0

    def subsection(self, title: str) -> None:
        self._sub += 1
        self.sections[-1].blocks.append(Block("h3", f"{self._sub}. {title}"))

    def sentence(self, text: str) -> None:
        self.sections[-1].blocks.append(Block("p", text))

    def table(self, table: Table) -> None:
        self.sections[-1].blocks.append(Block("table", table=table))

    def indicators(self) -> None:
        items = self.content.get("indicators") or []
        if not items:
            return self.sentence("Trong kỳ chưa có số liệu chỉ tiêu.")
        rows = []
        for index, item in enumerate(items, 1):
            value, target = item.get("value"), item.get("target")
            rows.append(
                Row(
                    [str(index), *indicator_cells(item)],
                    flags={"met": bool(item.get("met")) and value is not None, "behind": target is not None
                           and value is not None and not item.get("met")},
                )
            )  # fmt: skip
        heads = [
            "TT",
            "Chỉ tiêu",
            "Kết quả (tử số/ mẫu số)",
            "Tỷ lệ %",
            "Chỉ tiêu kế hoạch %",
            "Hạn",
            "Đánh giá",
        ]
        self.table(Table(heads, rows, frozenset({2, 3, 4})))

    def villages(self) -> None:
        villages = self.content.get("villages") or {}
        codes = list(villages.get("codes") or [])
        rows = list(villages.get("rows") or [])
        if not rows or not codes:
            return self.sentence("Trong kỳ chưa có số liệu theo thôn.")
        names = villages.get("names") or {}
        out = [
            Row([str(i), str(r.get("name") or "")] + [_pair(r.get("values", {}).get(c)) for c in codes])
            for i, r in enumerate(rows, 1)
        ]
        total = villages.get("total")
        if total:
            values = total.get("values") or {}
            out.append(
                Row(["", str(total.get("name") or "Toàn xã")] + [_pair(values.get(c)) for c in codes], True)
            )
        heads = ["TT", "Thôn"] + [str(names.get(c) or c) for c in codes]
        self.table(Table(heads, out, frozenset(range(2, 2 + len(codes))), "Mỗi ô: số đạt/tổng số (tỷ lệ %)."))

    def activity(self) -> None:
        activity = self.content.get("activity") or {}
        rows = list(activity.get("rows") or [])
        if not rows:
            return self.sentence("Trong kỳ chưa có hoạt động của Tổ công nghệ số cộng đồng được ghi nhận.")
        if not self.shown:
            return self.sentence("Xã chưa chọn cột nào cho bảng hoạt động của Tổ công nghệ số cộng đồng.")
        out = [
            Row([str(i), str(r.get("village") or r.get("team") or ""), *_figures(r, self.shown)])
            for i, r in enumerate(rows, 1)
        ]
        total = activity.get("total") or {}
        if total and len(rows) > 1:
            out.append(Row(["", str(total.get("team") or "Tổng cộng"), *_figures(total, self.shown)], True))
        heads = ["TT", "Tổ (thôn)"] + [c.label for c in self.shown]
        self.table(Table(heads, out, frozenset(range(2, 2 + len(self.shown))), columns.OWN_COLUMNS_NOTE))

    def skills(self) -> None:
        items = self.content.get("skills") or []
        if not items:
            return self.sentence("Trong kỳ chưa có lượt hướng dẫn kỹ năng số nào được ghi nhận.")
        out = [
            Row([str(i), str(r.get("name") or ""), number(r.get("people"))]) for i, r in enumerate(items, 1)
        ]
        self.table(Table(["TT", "Kỹ năng", "Số người được hướng dẫn"], out, frozenset({2})))

    def classes(self) -> None:
        items = self.content.get("classes") or []
        if not items:
            return self.sentence("Trong kỳ chưa có lớp học, buổi sinh hoạt cộng đồng nào.")
        out = [
            Row([str(i), str(r.get("title") or ""), str(r.get("kind") or ""), day(r.get("held_on")),
                 str(r.get("place") or ""), number(r.get("attendees"))])
            for i, r in enumerate(items, 1)
        ]  # fmt: skip
        out.append(
            Row(["", "Tổng số", "", "", "", number(sum(_int(r.get("attendees")) for r in items))], True)
        )
        heads = ["TT", "Tên lớp, buổi sinh hoạt", "Hình thức", "Ngày", "Địa điểm", "Số người dự"]
        self.table(Table(heads, out, frozenset({5})))

    def trainings(self) -> None:
        items = self.content.get("trainings") or []
        if not items:
            return self.sentence("Trong kỳ chưa có buổi tập huấn tổ viên nào.")
        out = [
            Row([str(i), str(r.get("title") or ""), day(r.get("held_on")), number(r.get("attendees"))])
            for i, r in enumerate(items, 1)
        ]
        self.table(Table(["TT", "Nội dung tập huấn", "Ngày", "Số tổ viên dự"], out, frozenset({3})))

    def days(self) -> None:
        items = self.content.get("days") or []
        if not items:
            return self.sentence("Trong kỳ chưa có ngày nào có hoạt động được ghi nhận.")
        out = [
            Row([str(i), day(r.get("day")), number(r.get("visits")), number(r.get("people"))])
            for i, r in enumerate(items, 1)
        ]
        if len(items) > 1:
            out.append(
                Row(["", "Tổng cộng", number(sum(_int(r.get("visits")) for r in items)),
                     number(sum(_int(r.get("people")) for r in items))], True)
            )  # fmt: skip
        heads = ["TT", "Ngày", "Lượt hỗ trợ tại hộ", "Số người được hướng dẫn"]
        self.table(Table(heads, out, frozenset({2, 3})))

    def tasks(self) -> None:
        tasks = self.content.get("tasks") or {}
        items = list(tasks.get("rows") or [])
        counts = tasks.get("counts") or {}
        if not items:
            return self.sentence("Trong kỳ chưa có nhiệm vụ kế hoạch nào.")
        self.sentence(
            f"Kế hoạch có {number(counts.get('total', len(items)))} nhiệm vụ: đã hoàn thành "
            f"{number(counts.get('done', 0))}, đang thực hiện {number(counts.get('in_progress', 0))}, "
            f"chưa thực hiện {number(counts.get('not_started', 0))}, đã hủy {number(counts.get('cancelled', 0))}; "
            f"quá hạn {number(counts.get('overdue', 0))} nhiệm vụ."
        )
        out: list[Row] = []
        section = None
        for row in items:
            if row.get("section") and row.get("section") != section:
                section = row.get("section")
                out.append(Row([str(section)], group=True))
            status = str(row.get("status_label") or "")
            if row.get("overdue"):
                status = f"{status}\nQuá hạn" if status else "Quá hạn"
            result = str(row.get("result_note") or "")
            if row.get("evidence"):
                result = (result + "\n" if result else "") + f"{number(row.get('evidence'))} minh chứng"
            deadline = str(row.get("deadline_text") or "") or day(row.get("deadline")) or "—"
            out.append(
                Row([str(row.get("number") or ""), str(row.get("title") or ""), str(row.get("lead_unit") or ""),
                     deadline, status, result], flags={"overdue": bool(row.get("overdue"))})
            )  # fmt: skip
        heads = ["TT", "Nhiệm vụ", "Đơn vị chủ trì", "Thời hạn", "Tình trạng", "Kết quả"]
        self.table(Table(heads, out))

    def team_reports(self) -> None:
        items = self.content.get("team_reports") or []
        if not items:
            return self.sentence("Trong kỳ chưa có báo cáo nào của các Tổ công nghệ số cộng đồng.")
        out = []
        for i, r in enumerate(items, 1):
            status = str(r.get("status_label") or r.get("status") or "")
            if r.get("late"):
                status += " (muộn)"
            out.append(
                Row([str(i), str(r.get("team") or ""), str(r.get("village") or ""), day(r.get("due_on")) or "—",
                     status], flags={"late": bool(r.get("late"))})
            )  # fmt: skip
        self.table(Table(["TT", "Tổ", "Thôn", "Hạn nộp", "Tình trạng"], out))

    def members(self) -> None:
        people = (self.content.get("team") or {}).get("members") or []
        if not people:
            return self.sentence("Tổ chưa có danh sách thành viên.")
        self.sentence(f"Tổ có {number(len(people))} thành viên:")
        out = [
            Row([str(i), str(m.get("name") or ""), str(m.get("role") or ""), str(m.get("affiliation") or "")])
            for i, m in enumerate(people, 1)
        ]
        self.table(Table(["TT", "Họ và tên", "Vai trò", "Đơn vị, đoàn thể"], out))

    def narrative(self, title: str, text: str) -> None:
        self.section(title)
        lines = [line.strip() for line in (text or "").replace("\r", "").split("\n") if line.strip()]
        for line in lines or ["Không có."]:
            self.sentence(line)

    def build(self) -> list[Section]:
        kind = self.report.kind
        if kind in (ReportKind.COMMUNE_SUMMARY, ReportKind.CAMPAIGN):
            self.section("Kết quả thực hiện các chỉ tiêu")
            self.subsection("Kết quả theo chỉ tiêu của kế hoạch")
            self.indicators()
            self.subsection("Kết quả theo thôn")
            self.villages()
            self.section("Hoạt động của Tổ công nghệ số cộng đồng")
            self.subsection("Hoạt động của các Tổ")
            self.activity()
            if kind == ReportKind.CAMPAIGN:
                self.subsection("Kết quả theo ngày")
                self.days()
            self.subsection("Hướng dẫn kỹ năng số cho người dân")
            self.skills()
            self.subsection("Lớp học, buổi sinh hoạt cộng đồng")
            self.classes()
            self.subsection("Tập huấn cho tổ viên")
            self.trainings()
            if kind == ReportKind.COMMUNE_SUMMARY:
                self.section("Tình hình thực hiện nhiệm vụ của kế hoạch")
                self.tasks()
            self.section("Báo cáo của các Tổ công nghệ số cộng đồng")
            self.team_reports()
        else:
            if kind == ReportKind.DAILY:
                self.section("Kết quả trong ngày")
                self.subsection("Lượt hỗ trợ và người được hướng dẫn")
                self.days()
            else:
                self.section("Tình hình tổ chức của Tổ")
                self.members()
                self.section("Kết quả hoạt động của Tổ")
            self.subsection("Hoạt động của Tổ")
            self.activity()
            self.subsection("Hướng dẫn kỹ năng số cho người dân")
            self.skills()
            self.subsection("Lớp học, buổi sinh hoạt cộng đồng")
            self.classes()
            if kind == ReportKind.TEAM_QUARTERLY:
                self.subsection("Tập huấn cho tổ viên")
                self.trainings()
            self.section("Kết quả thực hiện các chỉ tiêu của thôn")
            self.indicators()
        self.narrative("Kết quả nổi bật", self.report.highlights)
        self.narrative("Khó khăn, vướng mắc", self.report.difficulties)
        self.narrative("Đề xuất, kiến nghị", self.report.proposals)
        return self.sections


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _pair(pair: Any) -> str:
    figure = share(pair)
    return fraction(pair) + ("" if figure is None else f"\n({percent(figure)})")


def _figures(row: dict[str, Any], shown: list[columns.ShownColumn]) -> list[str]:
    return [number(row.get(c.key), c.decimals) for c in shown]


# --- the report page ---------------------------------------------------------------------------------------


def _text_initial(report: Report) -> dict[str, Any]:
    return {name: getattr(report, name) for name in services.EDITABLE_FIELDS}


def _pdf_ready(report: Report) -> bool:
    made = ReportFile.objects.filter(report=report, format="pdf").values_list("made_at", flat=True).first()
    return made is not None and (report.frozen or made >= report.updated_at)


def _render_report(
    request: HttpRequest,
    report: Report,
    *,
    text_form: ReportTextForm | None = None,
    refresh_form: RefreshForm | None = None,
    decide_form: DecideForm | None = None,
) -> HttpResponse:
    user = request.user
    can_edit = permissions.may_edit(user, report)
    draft = report.status == ReportStatus.DRAFT
    versions = list(
        permissions.reports_visible_to(user)
        .filter(lineage=report.lineage)
        .order_by("-version")
        .only("pk", "version", "status", "as_of", "submitted_at", "created_at", "lineage")
    )
    latest = versions[0] if versions else report
    shown = columns.shown_columns(columns.layout_for(report.commune, report.kind))
    editable = draft and can_edit
    context = {
        "report": report,
        "commune": report.commune,
        "subject": subject(report),
        "sections": Body(report, shown).build(),
        "versions": versions,
        "is_latest": latest.pk == report.pk,
        "latest": latest,
        "can_edit": can_edit,
        "editable": editable,
        "may_submit": editable and permissions.may_submit(user, report) and latest.pk == report.pk,
        "may_decide": permissions.may_decide(user, report),
        "may_new_version": can_edit and report.frozen and latest.status != ReportStatus.DRAFT,
        "draft_elsewhere": latest if latest.status == ReportStatus.DRAFT and latest.pk != report.pk else None,
        "pdf_ready": _pdf_ready(report),
        "text_form": text_form or (ReportTextForm(initial=_text_initial(report)) if editable else None),
        "refresh_form": refresh_form or (RefreshForm() if editable else None),
        "decide_form": decide_form or DecideForm(),
        "sees_commune": sees_commune_reports(user, report.commune),
    }
    status = 200
    return render(request, "reports/report_detail.html", context, status=status)


@require_GET
@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_report(request, report_or_404(request, pk))


def _editable_or_404(request: HttpRequest, pk: int) -> Report:
    report = report_or_404(request, pk)
    if not permissions.may_edit(request.user, report):
        raise Http404
    return report


@require_POST
@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a draft's number, date, narrative, recipients and signer."""
    report = _editable_or_404(request, pk)
    form = ReportTextForm(request.POST)
    if report.frozen:
        messages.error(request, "Báo cáo đã nộp: nội dung không sửa được nữa; hãy lập phiên bản mới.")
        return redirect("reports:report", pk=report.pk)
    if form.is_valid():
        try:
            changed = services.update_report(by=cast(User, request.user), report=report, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if changed:
                messages.success(request, "Đã lưu nội dung báo cáo.")
            else:
                messages.info(request, "Không có thay đổi nào.")
            return redirect(reverse("reports:report", args=[report.pk]) + "#noi-dung-viet")
    return _render_report(request, report, text_form=form)


@require_POST
@login_required
def report_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """Rebuild a draft's figures (as of its day, or a new one)."""
    report = _editable_or_404(request, pk)
    form = RefreshForm(request.POST)
    if report.frozen:
        messages.error(request, "Báo cáo đã nộp: số liệu đã cố định; hãy lập phiên bản mới.")
        return redirect("reports:report", pk=report.pk)
    if form.is_valid():
        try:
            report = services.refresh_report(
                by=cast(User, request.user), report=report, as_of=form.cleaned_data.get("as_of")
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Đã cập nhật số liệu đến ngày {report.as_of:%d/%m/%Y}.")
            return redirect("reports:report", pk=report.pk)
    return _render_report(request, report, refresh_form=form)


@require_http_methods(["GET", "POST"])
@login_required
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then submit: from then on the figures and text are frozen."""
    report = report_or_404(request, pk)
    if not permissions.may_edit(request.user, report):
        raise Http404
    if not permissions.may_submit(request.user, report):
        messages.error(request, f"Báo cáo đã {report.get_status_display().lower()}, không nộp lại được.")
        return redirect("reports:report", pk=report.pk)
    error = ""
    if request.method == "POST":
        try:
            services.submit_report(by=cast(User, request.user), report=report)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, "Đã nộp báo cáo. Số liệu và nội dung đã được cố định.")
            return redirect("reports:report", pk=report.pk)
    return render(
        request,
        "reports/report_submit.html",
        {"report": report, "commune": report.commune, "subject": subject(report), "error": error},
    )


@require_POST
@login_required
def report_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve, or return with a comment (the commune's leader; team reports: the commune's officer too)."""
    report = report_or_404(request, pk)
    if not permissions.may_decide(request.user, report):
        if report.status != ReportStatus.SUBMITTED and _may_ever_decide(request.user, report):
            messages.error(request, "Báo cáo này không còn chờ duyệt.")
            return redirect("reports:report", pk=report.pk)
        raise Http404
    form = DecideForm(request.POST)
    if form.is_valid():
        by = cast(User, request.user)
        try:
            if form.cleaned_data["decision"] == DecideForm.APPROVE:
                services.approve_report(by=by, report=report, comment=form.cleaned_data.get("comment", ""))
                done = "Đã duyệt báo cáo."
            else:
                services.return_report(by=by, report=report, comment=form.cleaned_data["comment"])
                done = "Đã trả lại báo cáo, kèm ý kiến."
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, done)
            return redirect("reports:report", pk=report.pk)
    return _render_report(request, report, decide_form=form)


def _may_ever_decide(user: Any, report: Report) -> bool:
    """Whether the user decides on this report's kind in its commune (to tell "no longer waiting" from 404)."""
    probe = Report(kind=report.kind, commune=report.commune, team=report.team, status=ReportStatus.SUBMITTED)
    return permissions.may_decide(user, probe)


@require_POST
@login_required
def report_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    """A new draft of the same report with today's figures; the old versions stay as they were."""
    report = _editable_or_404(request, pk)
    try:
        draft = services.new_version(by=cast(User, request.user), report=report)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        latest = Report.objects.filter(lineage=report.lineage).order_by("-version").first()
        return redirect("reports:report", pk=(latest or report).pk)
    messages.success(request, f"Đã lập phiên bản {draft.version} (bản nháp).")
    return redirect("reports:report", pk=draft.pk)


# --- downloads -------------------------------------------------------------------------------------------


def _serve(request: HttpRequest, report: Report, fmt: str) -> HttpResponse:
    from binhdan.reports import documents

    try:
        stored = documents.file_for(report, fmt)
    except (documents.DocumentError, ImportError, OSError) as exc:
        message = (
            str(exc) if isinstance(exc, documents.DocumentError) else "Chưa tạo được tệp, hãy thử lại sau."
        )
        messages.error(request, message)
        return redirect("reports:report", pk=report.pk)
    audit.record(
        request,
        AuditEvent.Action.EXPORT,
        place=report.commune,
        obj=report,
        detail=f"Tải báo cáo #{report.pk} (v{report.version}) dạng {fmt.upper()}",
    )
    response = HttpResponse(bytes(stored.data), content_type=documents.MEDIA_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{documents.file_name(report, fmt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """DOCX and XLSX at once; PDF at once when already made, else (POST) through a job with a progress page."""
    report = report_or_404(request, pk)
    if fmt not in FORMATS:
        raise Http404
    if fmt != "pdf" or _pdf_ready(report):
        return _serve(request, report, fmt)
    if request.method == "POST":
        job = start_job(
            kind=jobs.REPORT_FILE_JOB,
            title=f"Tạo tệp PDF: {report.get_kind_display()} {report.period_label} (phiên bản {report.version})",
            by=request.user,
            report_id=report.pk,
            fmt="pdf",
        )
        return redirect("common:job", job_id=job.pk)
    return render(request, "reports/report_pdf.html", {"report": report, "commune": report.commune})


# --- the commune's own columns -----------------------------------------------------------------------------


@dataclass
class ColumnRow:
    key: str
    default: str
    label: str
    shown: bool
    order: int
    errors: list[str] = field(default_factory=list)


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", LayoutForm)
def report_columns(request: HttpRequest, pk: int) -> HttpResponse:
    """Which activity columns each report kind shows, in which order, under which heading (commune officer)."""
    commune = commune_for_change(request, _real_pk(pk))
    kind = str(request.POST.get("kind") or request.GET.get("loai") or ReportKind.TEAM_QUARTERLY)[:20]
    if kind not in ReportKind.values:
        kind = ReportKind.TEAM_QUARTERLY
    form = None
    if request.method == "POST":
        form = LayoutForm(request.POST)
        if form.is_valid():
            try:
                services.set_layout(
                    by=cast(User, request.user),
                    commune=commune,
                    kind=form.cleaned_data["kind"],
                    layout=form.layout(),
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, f"Đã lưu các cột của {ReportKind(kind).label.lower()}.")
                return redirect(reverse("reports:columns", args=[commune.pk]) + f"?loai={kind}")
    layout = columns.layout_for(commune, kind)
    defaults = {c.key: c.label for c in columns.ACTIVITY_COLUMNS}
    rows = [
        ColumnRow(str(c["key"]), defaults[str(c["key"])], str(c["label"]), bool(c["shown"]), i)
        for i, c in enumerate(layout, 1)
    ]
    if form is not None:  # came back with errors: show what was posted
        for row in rows:
            row.label = str(form.data.get(f"{row.key}-label", ""))[: columns.LABEL_MAX * 2]
            row.shown = bool(form.data.get(f"{row.key}-shown"))
            posted = str(form.data.get(f"{row.key}-order", ""))[:6]
            row.order = int(posted) if posted.isdigit() else row.order
            row.errors = [
                str(e) for name in ("label", "order") for e in form.errors.get(f"{row.key}-{name}", [])
            ]
    return render(
        request,
        "reports/report_columns.html",
        {
            "commune": commune,
            "kind": kind,
            "kinds": ReportKind.choices,
            "rows": rows,
            "form": form,
            "note": columns.OWN_COLUMNS_NOTE,
            "count": len(rows),
        },
    )
