"""Scam reports and warnings: the one write path and the commune's patterns (SPEC §5, issue 12).

- `record_resident_report`: the public form (no login; the view rate-limits by address);
- `plan_member_report`: a phone's `scam_report` sync record, checked field by field (sync.py stores it);
- `publish_warning`, `withdraw_warning`: the commune officer's warnings to its villages;
- `patterns`: counts by ISO week, pretext, channel and village, and the money lost, in five queries;
- `warnings_for`: the warnings a member sees on the field app's home screen (through /api/v1/me).

The link to the learning assistant's guide is a URL path kept as data (`PRETEXT_GUIDES`): fieldwork sits
below the assistant and never imports it. The topic slugs come from shared/spec/assistant-topics.md, the
guide ids from content/guides/ (a test checks that each guide exists and declares its topic).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid as uuid_lib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.dateparse import parse_date

from binhdan.common.db import fetch_together, prepare
from binhdan.common.text import nfc
from binhdan.fieldwork.models_scams import (
    MAX_AMOUNT_LOST,
    MAX_DESCRIPTION,
    MAX_WARNING_TEXT,
    MAX_WARNING_TITLE,
    WARNING_DAYS,
    ScamChannel,
    ScamPretext,
    ScamReport,
    ScamSource,
    ScamWarning,
)
from binhdan.places.models import Level, Place

__all__ = ["WARNING_DAYS"]

REPORT_MAX_AGE_DAYS = 366  # older attempts are history, not a pattern to warn about
GUIDE_PATH = "/tro-ly/huong-dan/{slug}/"  # the assistant's guide page (assistant/urls.py, under /tro-ly/)
AFTER_LOSS_GUIDE = "da-bi-lua-chuyen-tien-lam-gi-ngay"  # "Vừa bị lừa chuyển tiền: làm gì ngay"


@dataclass(frozen=True)
class PretextGuide:
    topic: str  # a slug of assistant-topics.md
    guide: str  # the id of a guide in content/guides/ that declares that topic
    advice: str  # the first words of a warning about it (the officer edits them)


PRETEXT_GUIDES: dict[str, PretextGuide] = {
    ScamPretext.FAKE_POLICE: PretextGuide(
        "lua-dao-gia-danh",
        "lua-dao-gia-danh-cong-an-dieu-tra",
        "Có người gọi xưng công an, nói bà con liên quan vụ án và bảo chuyển tiền để “hợp tác điều tra”. "
        "Công an không bao giờ gọi điện bảo chuyển tiền, đọc mã OTP hay cài ứng dụng. Hãy tắt máy và báo "
        "công an xã.",
    ),
    ScamPretext.FAKE_VNEID: PretextGuide(
        "lua-dao-gia-danh",
        "lua-dao-gia-danh-cong-an-cap-nhat-vneid",
        "Có người gọi xưng công an, cán bộ xã, bảo cập nhật địa chỉ hay tích hợp giấy tờ trên VNeID qua "
        "đường link. Địa chỉ sau sáp nhập được cập nhật tự động; không bấm link, không cài ứng dụng lạ. "
        "Cần làm gì thì đến công an xã.",
    ),
    ScamPretext.FAKE_BANK: PretextGuide(
        "lua-dao-gia-danh",
        "lua-dao-gia-danh-dien-luc-ngan-hang",
        "Có tin nhắn, cuộc gọi xưng ngân hàng, điện lực, nhà mạng dọa khóa tài khoản, cắt điện. Ngân hàng "
        "không bao giờ hỏi mã OTP. Hãy gọi số tổng đài in trên thẻ hoặc hóa đơn để hỏi lại.",
    ),
    ScamPretext.INVESTMENT: PretextGuide(
        "lua-dao-dau-tu",
        "lua-dao-dau-tu-tien-ao-app-lai-cao",
        "Có người mời đầu tư qua ứng dụng, tiền ảo, hứa lãi cao; lúc đầu cho rút ít tiền, sau bảo nộp thêm "
        "mới rút được. Đó là lừa đảo: đừng nộp thêm.",
    ),
    ScamPretext.TASKS: PretextGuide(
        "lua-dao-dau-tu",
        "lua-dao-viec-nhe-luong-cao-lam-nhiem-vu",
        "Có người rủ “việc nhẹ lương cao”, làm nhiệm vụ thả tim, đánh giá để nhận tiền, rồi bảo nạp tiền "
        "để làm tiếp. Đó là lừa đảo.",
    ),
    ScamPretext.PRIZE: PretextGuide(
        "lua-dao-gia-danh",
        "lua-dao-nhan-qua-ho-tro",
        "Có tin nhắn, đường link “nhận quà”, “nhận tiền hỗ trợ của Nhà nước”. Tiền hỗ trợ chỉ trả qua UBND "
        "và ngân hàng; không bấm link, không đưa mã OTP hay mật khẩu.",
    ),
    ScamPretext.LOAN: PretextGuide(
        "lua-dao-nhan-biet",
        "nhan-biet-tin-nhan-cuoc-goi-lua-dao",
        "Có người mời vay nhanh không cần thế chấp rồi bảo nộp “phí giải ngân”, “phí bảo hiểm khoản vay” "
        "trước. Đó là lừa đảo: đừng chuyển tiền.",
    ),
    ScamPretext.DELIVERY: PretextGuide(
        "mua-sam-truc-tuyen",
        "nhan-hang-cod-shipper-gia",
        "Có người xưng shipper báo có hàng, bảo chuyển khoản trước hoặc bấm link để nhận. Chỉ trả tiền khi "
        "đã thấy hàng mình đặt.",
    ),
    ScamPretext.ACQUAINTANCE: PretextGuide(
        "lua-dao-gia-danh",
        "lua-dao-nick-zalo-nguoi-quen",
        "Nick Zalo, Facebook của người quen nhắn hỏi vay tiền hoặc mời đầu tư. Hãy gọi điện trực tiếp cho "
        "người đó để hỏi lại trước khi chuyển tiền.",
    ),
    ScamPretext.EMERGENCY: PretextGuide(
        "lua-dao-gia-danh",
        "lua-dao-bao-nguoi-than-cap-cuu",
        "Có người gọi báo con cháu bị tai nạn, đang cấp cứu, cần chuyển tiền gấp. Hãy bình tĩnh, gọi cho "
        "người thân hoặc nhà trường để hỏi lại.",
    ),
    ScamPretext.RECOVERY: PretextGuide(
        "lua-dao-xu-ly",
        "lua-dao-dich-vu-lay-lai-tien",
        "Có người xưng luật sư, “dịch vụ” hứa lấy lại tiền đã bị lừa nếu nộp phí. Đó là lừa đảo lần hai; "
        "hãy báo công an và ngân hàng.",
    ),
    ScamPretext.OTHER: PretextGuide(
        "lua-dao-nhan-biet",
        "nhan-biet-tin-nhan-cuoc-goi-lua-dao",
        "Có kẻ xấu đang tìm cách lừa tiền bà con trong xã. Không bấm link lạ, không đọc mã OTP cho ai, "
        "không chuyển tiền khi chưa hỏi lại người thân hoặc cán bộ.",
    ),
}


def guide_path(slug: str) -> str:
    return GUIDE_PATH.format(slug=slug)


def guide_url(slug: str) -> str:
    """The guide's full address on the public site (what a Zalo group can open)."""
    return settings.SITE_URL.rstrip("/") + guide_path(slug)


def share_text(warning: ScamWarning) -> str:
    """What a member posts to the village's Zalo group: the warning, ending with the guide's link."""
    return f"⚠️ {warning.title}\n{warning.text}\nXem hướng dẫn: {guide_url(warning.guide_slug)}"


# --- checks shared by the public form and the phones ---------------------------------------------------


def date_problem(day: dt.date | None, today: dt.date) -> str:
    if day is None:
        return "Hãy nhập ngày xảy ra."
    if day > today:
        return "Ngày xảy ra không được ở tương lai."
    if day < today - dt.timedelta(days=REPORT_MAX_AGE_DAYS):
        return "Chỉ nhận tin báo về việc xảy ra trong một năm gần đây."
    return ""


AMOUNT_PROBLEM = f"Số tiền bị mất phải là số nguyên từ 0 đến {MAX_AMOUNT_LOST:,} đồng.".replace(",", ".")
DESCRIPTION_PROBLEM = f"Mô tả tối đa {MAX_DESCRIPTION:,} ký tự.".replace(",", ".")


def parse_amount_text(text: str) -> int | None:
    """A typed amount: "1.500.000", "1 500 000", "1500000đ" → 1500000; empty → None. ValueError if not."""
    cleaned = nfc(text).strip().lower().removesuffix("đồng").removesuffix("đ").removesuffix("vnd").strip()
    cleaned = cleaned.replace(".", "").replace(",", "").replace(" ", "").replace("\u00a0", "")
    if not cleaned:
        return None
    if len(cleaned) > 15 or not cleaned.isdigit():
        raise ValueError(AMOUNT_PROBLEM)
    value = int(cleaned)
    if value > MAX_AMOUNT_LOST:
        raise ValueError(AMOUNT_PROBLEM)
    return value


def village_of_commune(commune: Place, village_id: Any) -> Place | None:
    """A current village of the commune, or None when the id is none of them."""
    if not isinstance(village_id, int) or isinstance(village_id, bool) or not 0 < village_id < 2**63:
        return None
    return Place.objects.filter(
        pk=village_id, parent=commune, level=Level.VILLAGE, valid_to__isnull=True
    ).first()


@transaction.atomic
def record_resident_report(
    *,
    commune: Place,
    village: Place | None,
    channel: str,
    pretext: str,
    amount_lost: int | None,
    happened_on: dt.date,
    description: str = "",
) -> ScamReport:
    """A resident's report from the public form: no account, no name, no phone. ValidationError if wrong."""
    errors: dict[str, str] = {}
    if commune.level != Level.COMMUNE or commune.valid_to is not None:
        errors["commune"] = "Xã, phường này không còn nhận tin báo."
    if village is not None and (village.parent_id != commune.pk or village.valid_to is not None):
        errors["village"] = "Thôn này không thuộc xã đã chọn."
    if channel not in ScamChannel.values:
        errors["channel"] = "Hãy chọn kẻ gian liên lạc qua đâu."
    if pretext not in ScamPretext.values:
        errors["pretext"] = "Hãy chọn thủ đoạn."
    if amount_lost is not None and not 0 <= amount_lost <= MAX_AMOUNT_LOST:
        errors["amount_lost"] = AMOUNT_PROBLEM
    if problem := date_problem(happened_on, timezone.localdate()):
        errors["happened_on"] = problem
    description = nfc(description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = DESCRIPTION_PROBLEM
    if errors:
        raise ValidationError(errors)
    return ScamReport.objects.create(
        commune=commune,
        village=village,
        channel=channel,
        pretext=pretext,
        amount_lost=amount_lost,
        happened_on=happened_on,
        description=description,
        source=ScamSource.RESIDENT,
    )


def plan_member_report(
    *, user: Any, client_uuid: uuid_lib.UUID, data: dict[str, Any], villages: dict[int, int], today: dt.date
) -> tuple[ScamReport | None, list[tuple[str, str]]]:
    """A phone's `scam_report` record, unsaved, or its problems as (field, Vietnamese message) pairs.

    `villages` maps the villages the user works in (their change scope) to their commune; the phone's
    `village` is believed only inside it, and without one the report goes to the member's only commune."""
    problems: list[tuple[str, str]] = []
    village_id: Any = data.get("village")
    commune_id: int | None = None
    if village_id in (None, ""):
        village_id = None
        communes = set(villages.values())
        if len(villages) == 1:
            village_id = next(iter(villages))
            commune_id = villages[village_id]
        elif len(communes) == 1:
            commune_id = next(iter(communes))
        else:
            problems.append(("village", "Hãy chọn thôn nơi người dân gặp lừa đảo."))
    elif not isinstance(village_id, int) or isinstance(village_id, bool) or village_id not in villages:
        problems.append(("village", "Thôn này không thuộc phạm vi của bạn."))
    else:
        commune_id = villages[village_id]
    channel = data.get("channel")
    if not isinstance(channel, str) or channel not in ScamChannel.values:
        problems.append(
            ("channel", "Hãy chọn kẻ gian liên lạc qua đâu (cuộc gọi, SMS, Zalo, Facebook, link…).")
        )
    pretext = data.get("pretext")
    if not isinstance(pretext, str) or pretext not in ScamPretext.values:
        problems.append(("pretext", "Hãy chọn thủ đoạn trong danh sách (hoặc “Khác”)."))
    raw_day = data.get("happened_on")
    day: dt.date | None = None
    try:
        day = parse_date(raw_day) if isinstance(raw_day, str) and len(raw_day) <= 20 else None
        if day is None and raw_day not in (None, ""):
            problems.append(("happened_on", "Ngày phải theo dạng năm-tháng-ngày, ví dụ 2025-10-20."))
        elif problem := date_problem(day, today):
            problems.append(("happened_on", problem))
    except ValueError:  # well formed but impossible: 2026-02-30
        problems.append(("happened_on", "Ngày xảy ra không có thật trên lịch."))
    amount: Any = data.get("amount_lost")
    if amount is not None and not (
        isinstance(amount, int) and not isinstance(amount, bool) and 0 <= amount <= MAX_AMOUNT_LOST
    ):
        if isinstance(amount, float) and math.isfinite(amount) and amount.is_integer():
            amount = int(amount)
            if not 0 <= amount <= MAX_AMOUNT_LOST:
                problems.append(("amount_lost", AMOUNT_PROBLEM))
        else:
            problems.append(("amount_lost", AMOUNT_PROBLEM))
    description = data.get("description") or ""
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        problems.append(
            ("description", f"Mô tả phải là chữ, tối đa {MAX_DESCRIPTION:,} ký tự.".replace(",", "."))
        )
        description = ""
    if problems:
        return None, problems
    assert (
        commune_id is not None and day is not None and isinstance(channel, str) and isinstance(pretext, str)
    )
    report = ScamReport(
        commune_id=commune_id,
        village_id=village_id,
        channel=channel,
        pretext=pretext,
        amount_lost=amount,
        happened_on=day,
        description=nfc(description).strip(),
        source=ScamSource.MEMBER,
        reported_by=user,
        uuid=client_uuid,
    )
    return report, []


def member_villages(user: Any) -> dict[int, int]:
    """village id -> commune id for the villages whose records the user may change (the sync scope)."""
    from binhdan.accounts import access

    return dict(
        Place.objects.filter(access.villages_with_personal_data(user, for_change=True))
        .filter(valid_to__isnull=True)
        .values_list("pk", "parent_id")
    )


# --- warnings ----------------------------------------------------------------------------------------


@transaction.atomic
def publish_warning(
    *, by: Any, commune: Place, title: str, text: str, pretext: str, villages: list[Place] | Any = ()
) -> ScamWarning:
    errors: dict[str, str] = {}
    title, text = nfc(title).strip(), nfc(text).strip()
    if not title or len(title) > MAX_WARNING_TITLE:
        errors["title"] = f"Tiêu đề từ 1 đến {MAX_WARNING_TITLE} ký tự."
    if not text or len(text) > MAX_WARNING_TEXT:
        errors["text"] = f"Nội dung từ 1 đến {MAX_WARNING_TEXT:,} ký tự.".replace(",", ".")
    if pretext not in PRETEXT_GUIDES:
        errors["pretext"] = "Hãy chọn thủ đoạn."
    chosen = list(villages)
    if any(v.parent_id != commune.pk or v.level != Level.VILLAGE for v in chosen):
        errors["villages"] = "Chỉ chọn được thôn của xã này."
    if errors:
        raise ValidationError(errors)
    warning = ScamWarning.objects.create(
        commune=commune,
        title=title,
        text=text,
        pretext=pretext,
        guide_slug=PRETEXT_GUIDES[pretext].guide,
        published_by=by,
        published_at=timezone.now(),
    )
    if chosen:
        warning.villages.set(chosen)
    return warning


def withdraw_warning(*, by: Any, warning: ScamWarning) -> ScamWarning:
    """Takes a warning off the members' screens; the row stays (who published what, and when)."""
    if warning.withdrawn_at is None:
        warning.withdrawn_at = timezone.now()
        warning.save(update_fields=["withdrawn_at"])
    return warning


def warnings_for(user: Any, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The current warnings of the communes the user works in, for the whole commune or their villages.

    One query whatever the number of warnings; what the field app keeps for offline use."""
    read, since = warnings_read(user, now)
    return warnings_of(fetch_together([read])[0], since)


def warnings_read(user: Any, now: dt.datetime | None = None) -> tuple[Any, dt.datetime]:
    """`warnings_for`'s statement, for `common.db.fetch_together` with other reads, and the time its
    rows must be published since (`warnings_of` keeps those).

    The statement is compiled once per process and scope (`common.db.prepare`), which takes the clock
    but not a time computed from it: so it asks for `ScamWarning.objects.published()` (`current()` without
    its WARNING_DAYS bound) — the latest ten not withdrawn and already published — and the older ones are
    dropped from its rows. Newest first, they come after every recent one: the recent ones left are
    the ten the whole condition would give."""
    from binhdan.accounts import access

    scope = access.villages_with_personal_data(user, for_change=True)

    def build() -> Any:
        villages = Place.objects.filter(scope)
        return (
            ScamWarning.objects.published(now)
            .filter(commune__in=villages.values("parent_id"))
            .filter(Q(villages__isnull=True) | Q(villages__in=villages))
            .distinct()
            .order_by("-published_at", "-pk")
            .values_list(*WARNING_COLUMNS)[:10]
        )

    read = prepare(("fieldwork.scams.warnings", scope, now), build)
    return read, (now or timezone.now()) - dt.timedelta(days=WARNING_DAYS)


WARNING_COLUMNS = ("pk", "title", "text", "pretext", "guide_slug", "published_at")


def warnings_of(rows: list[tuple[Any, ...]], since: dt.datetime) -> list[dict[str, Any]]:
    """The warnings for the field app, from `warnings_read`'s rows: those published since `since`."""
    out = []
    for row in rows:
        w = ScamWarning(**dict(zip(WARNING_COLUMNS, row, strict=True)))
        if w.published_at < since:
            continue
        out.append(
            {
                "id": w.pk,
                "title": w.title,
                "text": w.text,
                "pretext": w.pretext,
                "pretext_label": w.get_pretext_display(),
                "published_on": timezone.localtime(w.published_at).date().isoformat(),
                "guide_url": guide_url(w.guide_slug),
                "share_text": share_text(w),
            }
        )
    return out


# --- patterns ----------------------------------------------------------------------------------------


@dataclass
class Patterns:
    total: int
    lost_reports: int  # reports with money lost (> 0)
    amount_lost: int
    weeks: list[dict[str, Any]]
    pretexts: list[dict[str, Any]]
    channels: list[dict[str, Any]]
    villages: list[dict[str, Any]]
    top_pretext: str | None


def _rows(queryset: Any, key: str, labels: dict[Any, str]) -> list[dict[str, Any]]:
    rows = [
        {"key": r[key], "label": labels.get(r[key], "Không rõ thôn"), "n": r["n"], "lost": r["lost"] or 0}
        for r in queryset.values(key).annotate(n=Count("pk"), lost=Sum("amount_lost")).order_by()
    ]
    return sorted(rows, key=lambda r: (-r["n"], r["label"]))


def patterns(commune: Place, start: dt.date, end: dt.date) -> Patterns:
    """The commune's reports between two days (inclusive): five queries, whatever the number of rows."""
    reports = ScamReport.objects.filter(commune=commune, happened_on__range=(start, end))
    totals = reports.aggregate(
        n=Count("pk"), lost=Sum("amount_lost"), lost_reports=Count("pk", filter=Q(amount_lost__gt=0))
    )
    by_week = {
        (r["week"].date() if isinstance(r["week"], dt.datetime) else r["week"]): r
        for r in reports.annotate(week=TruncWeek("happened_on"))
        .values("week")
        .annotate(n=Count("pk"), lost=Sum("amount_lost"))
        .order_by()
    }
    weeks = []
    monday = start - dt.timedelta(days=start.weekday())
    while monday <= end:
        row = by_week.get(monday, {})
        year, number, _ = monday.isocalendar()
        weeks.append(
            {
                "monday": monday,
                "sunday": monday + dt.timedelta(days=6),
                "label": f"Tuần {number}/{year}",
                "n": row.get("n", 0),
                "lost": row.get("lost") or 0,
            }
        )
        monday += dt.timedelta(days=7)
    pretexts = _rows(reports, "pretext", dict(ScamPretext.choices))
    channels = _rows(reports, "channel", dict(ScamChannel.choices))
    names = dict(Place.objects.filter(parent=commune, level=Level.VILLAGE).values_list("pk", "name"))
    villages = _rows(reports, "village", names)
    biggest = max((w["n"] for w in weeks), default=0)
    for week in weeks:
        week["share"] = round(100 * week["n"] / biggest) if biggest else 0
    return Patterns(
        total=totals["n"] or 0,
        lost_reports=totals["lost_reports"] or 0,
        amount_lost=totals["lost"] or 0,
        weeks=weeks,
        pretexts=pretexts,
        channels=channels,
        villages=villages,
        top_pretext=pretexts[0]["key"] if pretexts else None,
    )
