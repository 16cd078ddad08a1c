"""Every write of reports: create a draft with its figures, edit its text, refresh its figures, submit (the
figures freeze), approve or return, make a new version; and a commune's own columns. Keyword-only, `by: User`,
each write audited (`accounts.audit.record_event`, ids and field names only). Rule breaks raise a
`ValidationError` in Vietnamese naming the field; who may do what is asked first by the views and the
command (`reports.permissions`).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from binhdan.accounts.audit import record_event
from binhdan.accounts.models import AuditEvent, RoleKind, User
from binhdan.fieldwork.models import Campaign, Team
from binhdan.places.models import Level, Place
from binhdan.reports import columns, content
from binhdan.reports.models import (
    CAMPAIGN_KINDS,
    COMMUNE_KINDS,
    TEAM_KINDS,
    Report,
    ReportKind,
    ReportLayout,
    ReportStatus,
    SignerCapacity,
)
from binhdan.reports.periods import Period, span

EDITABLE_FIELDS = (
    "number",
    "issued_on",
    "highlights",
    "difficulties",
    "proposals",
    "recipients",
    "signer_capacity",
    "signer_name",
)
NARRATIVE_FIELDS = ("highlights", "difficulties", "proposals")
TEXT_MAX = 20_000  # a narrative section longer than this is a paste gone wrong, not a report
NUMBER_MAX = 20
SIGNER_MAX = 120  # Report.signer_name's length
COMMENT_MAX = 2_000


def _audit(by: User, report: Report, what: str) -> None:
    record_event(
        user=by,
        action=AuditEvent.Action.CHANGE,
        place=report.commune,
        object_type="Report",
        object_id=str(report.pk),
        detail=f"Báo cáo #{report.pk} (v{report.version}): {what}",
    )


def _forget_files(report: Report) -> None:
    from binhdan.reports import documents

    documents.forget(report)


def default_recipients(kind: str, commune: Place, team: Team | None) -> str:
    if kind in TEAM_KINDS:
        return "\n".join([f"- UBND {commune.name} (qua Phòng Văn hóa - Xã hội);", "- Lưu: Tổ."])
    province = commune.parent
    province_name = f"{province.get_kind_display().lower()} {province.name}" if province else ""
    return "\n".join(
        [
            f"- Sở Khoa học và Công nghệ {province_name};".replace("  ", " "),
            f"- Thường trực Đảng ủy, HĐND {commune.get_kind_display().lower()};",
            "- Chủ tịch, các Phó Chủ tịch UBND;",
            "- Lưu: VT, VH-XH.",
        ]
    )


def _default_signer(kind: str, commune: Place, team: Team | None, as_of: dt.date) -> tuple[str, str]:
    if kind in TEAM_KINDS and team is not None:
        leader = content._team(team, as_of)["leader"]
        return SignerCapacity.TEAM_LEADER, leader or ""
    leader_user = (
        User.objects.filter(roles__kind=RoleKind.COMMUNE_LEADER, roles__place=commune, is_active=True)
        .order_by("pk")
        .first()
    )
    return SignerCapacity.VICE_CHAIRMAN, leader_user.display_name if leader_user else ""


def _narrative(facts: dict[str, list[str]]) -> dict[str, str]:
    return {name: "\n".join(f"- {line}" for line in facts.get(name, [])) for name in NARRATIVE_FIELDS}


def _check_period(
    kind: str, commune: Place, period: Period, team: Team | None, campaign: Campaign | None
) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in ReportKind.values:
        raise ValidationError({"kind": [f"Không có loại báo cáo “{kind}”."]})
    if commune.level != Level.COMMUNE:
        errors["commune"] = ["Báo cáo được lập cho một xã, phường."]
    if kind in TEAM_KINDS:
        if team is None:
            errors["team"] = ["Hãy chọn tổ lập báo cáo."]
        elif team.village.parent_id != commune.pk:
            errors["team"] = ["Tổ này không thuộc xã."]
    if kind in CAMPAIGN_KINDS:
        if campaign is None:
            errors["campaign"] = ["Hãy chọn chiến dịch."]
        elif campaign.commune_id != commune.pk:
            errors["campaign"] = ["Chiến dịch này không thuộc xã."]
    if kind == ReportKind.TEAM_QUARTERLY and period.kind != "quarter":
        errors["period"] = ["Báo cáo quý của Tổ cần kỳ là một quý (YYYY-Qn)."]
    if kind == ReportKind.DAILY:
        if period.kind != "day":
            errors["period"] = ["Báo cáo ngày cần kỳ là một ngày (YYYY-MM-DD)."]
        elif campaign is not None and not campaign.starts_on <= period.start <= campaign.ends_on:
            errors["period"] = [
                f"Ngày {period.start:%d/%m/%Y} không thuộc chiến dịch "
                f"({campaign.starts_on:%d/%m/%Y} – {campaign.ends_on:%d/%m/%Y})."
            ]
    if errors:
        raise ValidationError(errors)


def campaign_period(campaign: Campaign) -> Period:
    return span(campaign.starts_on, campaign.ends_on)


def _as_of(period: Period, as_of: dt.date | None) -> dt.date:
    today = timezone.localdate()
    day = as_of or period.default_as_of(today)
    if day > today:
        raise ValidationError(
            {"as_of": [f"Ngày tính số liệu {day:%d/%m/%Y} chưa đến (hôm nay {today:%d/%m/%Y})."]}
        )
    if day < period.start:
        raise ValidationError(
            {
                "as_of": [
                    f"Ngày tính số liệu {day:%d/%m/%Y} trước khi kỳ báo cáo bắt đầu ({period.start:%d/%m/%Y})."
                ]
            }
        )
    return day


def existing(
    kind: str, commune: Place, period: Period, team: Team | None, campaign: Campaign | None
) -> Report | None:
    """The newest version of the same report (kind, place, team, campaign, period), if any."""
    return (
        Report.objects.latest_versions()
        .filter(
            kind=kind,
            commune=commune,
            team=team,
            campaign=campaign,
            period_start=period.start,
            period_end=period.end,
        )
        .first()
    )


def prepare_report(
    *,
    kind: str,
    commune: Place,
    period: Period | None = None,
    as_of: dt.date | None = None,
    team: Team | None = None,
    campaign: Campaign | None = None,
    by: User | None = None,
) -> Report:
    """An unsaved report with its figures as of `as_of` (default: the period's end, or today while it runs)
    and its narrative, recipients and signer prefilled — what `create_report` saves and what
    `manage.py make_report` prints without saving. Rule breaks raise ValidationError."""
    if kind == ReportKind.CAMPAIGN and campaign is not None:
        period = campaign_period(campaign)  # the campaign result covers the campaign's days
    if period is None:
        raise ValidationError({"period": ["Hãy chọn kỳ báo cáo."]})
    if kind in COMMUNE_KINDS:
        team = None  # the commune's own reports are not a team's
    _check_period(kind, commune, period, team, campaign)
    day = _as_of(period, as_of)
    capacity, signer = _default_signer(kind, commune, team, day)
    report = Report(
        kind=kind,
        commune=commune,
        team=team,
        campaign=campaign,
        period_start=period.start,
        period_end=period.end,
        period_label=period.label,
        as_of=day,
        recipients=default_recipients(kind, commune, team),
        signer_capacity=capacity,
        signer_name=signer,
        created_by=by,
    )
    report.content = content.build(report)
    report.built_at = timezone.now()
    for name, text in _narrative(report.content["facts"]).items():
        setattr(report, name, text)
    return report


@transaction.atomic
def create_report(
    *,
    by: User,
    kind: str,
    commune: Place,
    period: Period | None = None,
    as_of: dt.date | None = None,
    team: Team | None = None,
    campaign: Campaign | None = None,
) -> Report:
    """A draft with its figures as of `as_of` and its narrative prefilled from them. One report per kind,
    place and period: another try is refused (open it, or make a new version)."""
    report = prepare_report(
        kind=kind, commune=commune, period=period, as_of=as_of, team=team, campaign=campaign, by=by
    )
    period = Period(report.period_start, report.period_end, report.period_label, "range")
    found = existing(kind, commune, period, report.team, campaign)
    if found is not None:
        raise ValidationError(
            {
                "period": [
                    f"Đã có {found.get_kind_display().lower()} {found.period_label} "
                    f"(phiên bản {found.version}, {found.get_status_display().lower()}): hãy mở báo cáo đó "
                    "hoặc lập phiên bản mới."
                ]
            },
            code="exists",
        )
    report.save()
    _audit(by, report, "lập bản nháp")
    return report


def _draft_only(report: Report) -> None:
    if report.frozen:
        raise ValidationError(
            f"Báo cáo đã {report.get_status_display().lower()}: số liệu và nội dung không sửa được nữa; "
            "hãy lập phiên bản mới.",
            code="frozen",
        )


def _clean_text(name: str, value: Any) -> Any:
    if name == "issued_on":
        if value is not None and not isinstance(value, dt.date):
            raise ValidationError({name: ["Ngày ban hành không hợp lệ."]})
        return value
    if name == "signer_capacity":
        if value not in SignerCapacity.values:
            raise ValidationError({name: ["Thẩm quyền ký không hợp lệ."]})
        return value
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\x00", "")
    limit = NUMBER_MAX if name == "number" else SIGNER_MAX if name == "signer_name" else TEXT_MAX
    if len(text) > limit:
        raise ValidationError({name: [f"Tối đa {limit:,} ký tự.".replace(",", ".")]})
    return unicodedata.normalize("NFC", text.strip() if name in ("number", "signer_name") else text)


@transaction.atomic
def update_report(*, by: User, report: Report, **fields: Any) -> list[str]:
    """Change a draft's number, date, narrative, recipients or signer; returns the fields changed."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    _draft_only(report)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Không sửa được: {', '.join(sorted(unknown))}.")
    changed = []
    for name, value in fields.items():
        value = _clean_text(name, value)
        if getattr(report, name) != value:
            setattr(report, name, value)
            changed.append(name)
    if changed:
        report.save(update_fields=[*changed, "updated_at"])
        _forget_files(report)
        _audit(by, report, "sửa " + ", ".join(changed))
    return changed


@transaction.atomic
def refresh_report(*, by: User, report: Report, as_of: dt.date | None = None) -> Report:
    """Rebuild a draft's figures (as of its day, or a new one); narrative sections the officer has not
    edited follow the new figures, edited ones are kept."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    _draft_only(report)
    period = Period(report.period_start, report.period_end, report.period_label, "range")
    if as_of is not None:
        report.as_of = _as_of(period, as_of)
    old = _narrative(report.content.get("facts", {}) if isinstance(report.content, dict) else {})
    report.content = content.build(report)
    report.built_at = timezone.now()
    new = _narrative(report.content["facts"])
    for name in NARRATIVE_FIELDS:
        if getattr(report, name) == old[name]:
            setattr(report, name, new[name])
    report.save()
    _forget_files(report)
    _audit(by, report, f"cập nhật số liệu đến ngày {report.as_of:%d/%m/%Y}")
    return report


@transaction.atomic
def submit_report(*, by: User, report: Report) -> Report:
    """Submit a draft: from now on its figures and text are frozen (what was shown is what is sent)."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.DRAFT:
        raise ValidationError(f"Báo cáo đã {report.get_status_display().lower()}, không nộp lại được.")
    newer = Report.objects.filter(lineage=report.lineage, version__gt=report.version).exists()
    if newer:
        raise ValidationError("Đã có phiên bản mới hơn của báo cáo này; hãy nộp phiên bản mới nhất.")
    report.status = ReportStatus.SUBMITTED
    report.submitted_by = by
    report.submitted_at = timezone.now()
    report.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    _forget_files(report)  # the draft's files said "DỰ THẢO"
    _audit(by, report, "nộp")
    return report


def _decide(by: User, report: Report, status: str, comment: str) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(
            f"Chỉ duyệt hoặc trả lại báo cáo đã nộp (báo cáo này: {report.get_status_display().lower()})."
        )
    report.status = status
    report.decided_by = by
    report.decided_at = timezone.now()
    report.decision_comment = comment
    report.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    return report


@transaction.atomic
def approve_report(*, by: User, report: Report, comment: str = "") -> Report:
    comment = _clean_comment(comment, required=False)
    report = _decide(by, report, ReportStatus.APPROVED, comment)
    _audit(by, report, "duyệt")
    return report


def _clean_comment(comment: Any, *, required: bool) -> str:
    text = unicodedata.normalize("NFC", str(comment or "").replace("\x00", "").strip())
    if required and not text:
        raise ValidationError({"comment": ["Hãy ghi lý do trả lại để người lập biết cần sửa gì."]})
    if len(text) > COMMENT_MAX:
        raise ValidationError({"comment": [f"Tối đa {COMMENT_MAX:,} ký tự.".replace(",", ".")]})
    return text


@transaction.atomic
def return_report(*, by: User, report: Report, comment: str) -> Report:
    """Send a submitted report back with a comment; it stays as it was, the writer makes a new version."""
    comment = _clean_comment(comment, required=True)
    report = _decide(by, report, ReportStatus.RETURNED, comment)
    _audit(by, report, "trả lại")
    return report


@transaction.atomic
def new_version(*, by: User, report: Report, as_of: dt.date | None = None) -> Report:
    """A new draft of the same report, with today's figures (as of the same day unless told) and the text
    of the version it follows; every older version is kept as it was."""
    latest = Report.objects.select_for_update().filter(lineage=report.lineage).order_by("-version").first()
    assert latest is not None
    if latest.status == ReportStatus.DRAFT:
        raise ValidationError("Phiên bản mới nhất vẫn là bản nháp: hãy sửa bản nháp đó.", code="draft_exists")
    source = report
    period = Period(source.period_start, source.period_end, source.period_label, "range")
    draft = Report(
        kind=source.kind,
        commune=source.commune,
        team=source.team,
        campaign=source.campaign,
        period_start=source.period_start,
        period_end=source.period_end,
        period_label=source.period_label,
        as_of=_as_of(period, as_of) if as_of else source.as_of,
        lineage=source.lineage,
        version=latest.version + 1,
        created_by=by,
        **{name: getattr(source, name) for name in EDITABLE_FIELDS},
    )
    draft.content = content.build(draft)
    draft.built_at = timezone.now()
    draft.save()
    _audit(by, draft, f"lập phiên bản {draft.version} (từ phiên bản {source.version})")
    return draft


@transaction.atomic
def set_layout(*, by: User, commune: Place, kind: str, layout: Any) -> list[dict[str, object]]:
    """The commune's own activity columns for a report kind (shown, order, headings)."""
    if kind not in ReportKind.values:
        raise ValidationError({"kind": [f"Không có loại báo cáo “{kind}”."]})
    cleaned = columns.normalise(layout)
    if not any(c["shown"] for c in cleaned):
        raise ValidationError({"columns": ["Hãy giữ ít nhất một cột."]})
    ReportLayout.objects.update_or_create(
        commune=commune, kind=kind, defaults={"columns": cleaned, "updated_by": by}
    )
    record_event(
        user=by,
        action=AuditEvent.Action.CHANGE,
        place=commune,
        object_type="ReportLayout",
        detail=f"Cột báo cáo của xã ({kind})",
    )
    return cleaned
