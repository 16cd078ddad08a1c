"""A realistic report `content` (schema 1, see docs of `reports.content`) and Report rows carrying it, for the
document tests: Xã Sơn Đông of the personas' world, quý IV năm 2026, figures as of 01/12/2026."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from binhdan.fieldwork.models import Campaign
from binhdan.reports.models import Report, ReportKind, ReportStatus, SignerCapacity
from binhdan.testing.personas import World

AS_OF = dt.date(2026, 12, 1)
QUARTER = (dt.date(2026, 10, 1), dt.date(2026, 12, 31), "quý IV năm 2026")
CAMPAIGN_NAME = "Chiến dịch “Đi từng ngõ, gõ từng nhà”"
CAMPAIGN_DAYS = (dt.date(2026, 11, 2), dt.date(2026, 11, 30))


def _indicator(
    code: str, name: str, kind: str, num: int, den: int, target: float | None, **extra: Any
) -> dict:
    value = round(100 * num / den, 1) if den else None
    met = value is not None and target is not None and value >= target
    return {
        "code": code, "name": name, "kind": kind, "numerator": num, "denominator": den, "value": value,
        "target": target, "deadline": "2026-12-31" if target is not None else None, "own_target": False,
        "met": met, "pace": "" if met else "Dự kiến đạt ngày 01/03/2027", **extra,
    }  # fmt: skip


def sample_content(kind: str = "commune-summary", *, commune: str = "Xã Sơn Đông") -> dict[str, Any]:
    """A content dict of every key, with figures like a commune's mid-plan (thousands included)."""
    team_kind = kind in ("daily", "team-quarterly")
    short = commune.removeprefix("Xã ")
    start, end, label = QUARTER
    if kind == "daily":
        start = end = dt.date(2026, 11, 5)
        label = "ngày 05/11/2026"
    elif kind == "campaign":
        start, end = CAMPAIGN_DAYS
        label = f"từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"
    village_names = ["Thôn Đông", "Thôn Tây"]
    codes = ["HH_DIGITAL", "HH_REACHED", "AD_SMARTPHONE", "AD_BASIC", "CI_VNEID2"]
    names = {
        "HH_DIGITAL": "Gia đình số", "HH_REACHED": "Hộ được tiếp cận", "AD_SMARTPHONE": "Có điện thoại thông minh",
        "AD_BASIC": "Kỹ năng số cơ bản", "CI_VNEID2": "VNeID mức 2",
    }  # fmt: skip
    village_rows = [
        {"id": 7, "name": "Thôn Đông", "values": {"HH_DIGITAL": [412, 986], "HH_REACHED": [801, 986],
         "AD_SMARTPHONE": [1650, 2311], "AD_BASIC": [930, 2311], "CI_VNEID2": [1234, 2540]}},
        {"id": 8, "name": "Thôn Tây", "values": {"HH_DIGITAL": [120, 300], "HH_REACHED": [250, 300],
         "AD_SMARTPHONE": [500, 720], "AD_BASIC": [260, 720], "CI_VNEID2": [410, 790]}},
    ]  # fmt: skip
    total = {
        "name": "Toàn xã",
        "values": {c: [sum(r["values"][c][0] for r in village_rows), sum(r["values"][c][1] for r in village_rows)]
                   for c in codes},
    }  # fmt: skip
    activity_rows = [
        {"team": "Tổ công nghệ số cộng đồng Thôn Đông", "village": "Thôn Đông", "members": 9, "visits": 1240,
         "people_guided": 1875, "hours": 364.5, "classes": 6, "class_attendance": 131, "mentors": 2, "mentees": 11,
         "trainings": 2, "members_trained": 8},
        {"team": "Tổ công nghệ số cộng đồng Thôn Tây", "village": "Thôn Tây", "members": 7, "visits": 310,
         "people_guided": 402, "hours": 96.0, "classes": 2, "class_attendance": 40, "mentors": 1, "mentees": 4,
         "trainings": 1, "members_trained": 6},
    ]  # fmt: skip
    if team_kind:
        activity_rows = activity_rows[:1]
        village_rows, codes = [], []
    keys = [k for k in activity_rows[0] if k not in ("team", "village")]
    activity_total = {"team": "Tổng cộng", "village": ""} | {
        k: sum(r[k] for r in activity_rows) for k in keys
    }
    indicators = [
        _indicator("HH_DIGITAL", "Tỷ lệ hộ gia đình là gia đình số", "household", 532, 1286, 80.0),
        _indicator("HH_REACHED", "Tỷ lệ hộ được tiếp cận, hỗ trợ", "household", 1051, 1286, 70.0),
        _indicator("AD_SMARTPHONE", "Người trưởng thành có điện thoại thông minh", "resident", 2150, 3031, 85.0,
                   own_target=True),
        _indicator("CI_VNEID2", "Công dân từ 14 tuổi có tài khoản định danh điện tử mức 2", "resident", 1644,
                   3330, 40.0),
        _indicator("AG_MONTHLY", "Số buổi truyền thông trên loa truyền thanh", "aggregate", 14, 0, None),
    ]  # fmt: skip
    tasks_rows = [
        {"number": "1", "section": "I. Truyền thông, nâng cao nhận thức", "title": "Tuyên truyền phong trào trên loa",
         "lead_unit": "Văn phòng HĐND và UBND", "expected_result": "Mỗi tuần 2 buổi", "deadline": "2026-10-31",
         "deadline_text": "Tháng 10/2026", "status": "done", "status_label": "Đã hoàn thành", "overdue": False,
         "result_note": "Đã phát 24 buổi", "evidence": 2},
        {"number": "2", "section": "I. Truyền thông, nâng cao nhận thức", "title": "Treo băng rôn tại nhà văn hóa",
         "lead_unit": "Đoàn Thanh niên", "expected_result": "10 băng rôn", "deadline": "2026-11-15",
         "deadline_text": "", "status": "in_progress", "status_label": "Đang thực hiện", "overdue": True,
         "result_note": "", "evidence": 0},
        {"number": "3", "section": "II. Hỗ trợ người dân", "title": "Hướng dẫn kích hoạt VNeID mức 2 tại hộ",
         "lead_unit": "Công an xã", "expected_result": "100% hộ", "deadline": None, "deadline_text": "Quý IV/2026",
         "status": "not_started", "status_label": "Chưa thực hiện", "overdue": False, "result_note": "",
         "evidence": 0},
    ]  # fmt: skip
    return {
        "schema": 1,
        "kind": kind,
        "built_at": "2026-12-01T10:00:00+07:00",
        "place": {
            "id": 7,
            "code": "08866-01",
            "name": "Thôn Đông",
            "short_name": "Thôn Đông",
            "level": "village",
        }
        if team_kind
        else {"id": 5, "code": "08866", "name": commune, "short_name": short, "level": "commune"},
        "commune": {"id": 5, "code": "08866", "name": commune, "short_name": short},
        "province": {"id": 1, "name": "Phú Thọ", "full_name": "Tỉnh Phú Thọ"},
        "team": {
            "id": 3,
            "name": "Tổ công nghệ số cộng đồng Thôn Đông",
            "village": "Thôn Đông",
            "leader": "Trần Thị Bình",
            "members": [
                {"name": "Trần Thị Bình", "role": "Tổ trưởng", "affiliation": "Hội Liên hiệp Phụ nữ"},
                {"name": "Nguyễn Văn An", "role": "Tổ viên", "affiliation": "Đoàn Thanh niên"},
            ],
        }
        if team_kind
        else None,
        "campaign": {
            "id": 2,
            "name": CAMPAIGN_NAME,
            "starts_on": CAMPAIGN_DAYS[0].isoformat(),
            "ends_on": CAMPAIGN_DAYS[1].isoformat(),
            "villages": village_names,
        }
        if kind in ("daily", "campaign")
        else None,
        "period": {"start": start.isoformat(), "end": end.isoformat(), "label": label, "kind": "quarter"},
        "as_of": AS_OF.isoformat(),
        "indicators": indicators,
        "villages": {
            "codes": codes,
            "names": names,
            "rows": village_rows,
            "total": total if village_rows else None,
        },
        "activity": {"rows": activity_rows, "total": activity_total},
        "skills": [
            {"code": "vneid_level2", "name": "Sử dụng tài khoản định danh điện tử mức 2", "people": 1041},
            {"code": "qr_payment", "name": "Thanh toán bằng mã QR", "people": 388},
            {"code": "scam", "name": "Nhận biết lừa đảo trên mạng", "people": 230},
        ],
        "classes": [
            {
                "title": "Lớp “Điện thoại thông minh cho người cao tuổi”",
                "kind": "Lớp học",
                "held_on": "2026-10-12",
                "place": "Nhà văn hóa Thôn Đông",
                "attendees": 18,
            },
            {
                "title": "=1+1",
                "kind": "Buổi sinh hoạt",
                "held_on": "2026-11-03",
                "place": "Thôn Tây",
                "attendees": 1234,
            },
        ],
        "trainings": [
            {"title": "Tập huấn sử dụng ứng dụng hiện trường", "held_on": "2026-10-05", "attendees": 14}
        ],
        "days": [
            {"day": "2026-11-05", "visits": 12, "people": 20},
            {"day": "2026-11-06", "visits": 1200, "people": 1830},
        ]
        if kind in ("daily", "campaign")
        else [],
        "tasks": {
            "rows": tasks_rows if kind == "commune-summary" else [],
            "counts": {
                "total": 3,
                "done": 1,
                "in_progress": 1,
                "not_started": 1,
                "cancelled": 0,
                "overdue": 1,
            }
            if kind == "commune-summary"
            else {"total": 0, "done": 0, "in_progress": 0, "not_started": 0, "cancelled": 0, "overdue": 0},
        },
        "team_reports": [
            {
                "team": "Tổ công nghệ số cộng đồng Thôn Đông",
                "village": "Thôn Đông",
                "status": "submitted",
                "status_label": "Đã nộp",
                "due_on": "2026-12-15",
                "late": False,
            },
            {
                "team": "Tổ công nghệ số cộng đồng Thôn Tây",
                "village": "Thôn Tây",
                "status": "draft",
                "status_label": "Chưa nộp",
                "due_on": "2026-11-20",
                "late": True,
            },
        ]
        if kind in ("commune-summary", "campaign")
        else [],
        "facts": {"highlights": ["Thôn Đông dẫn đầu."], "difficulties": [], "proposals": []},
    }


def empty_content(kind: str = "commune-summary") -> dict[str, Any]:
    """The same report with every table empty (a period with no activity)."""
    content = copy.deepcopy(sample_content(kind))
    content.update(indicators=[], skills=[], classes=[], trainings=[], days=[], team_reports=[])
    content["villages"] = {"codes": [], "names": {}, "rows": [], "total": None}
    content["activity"] = {"rows": [], "total": None}
    content["tasks"] = {"rows": [], "counts": {}}
    return content


def sample_report(
    world: World, kind: str = "commune-summary", *, status: str = ReportStatus.DRAFT, **fields: Any
) -> Report:
    """A Report row of `kind` in the world's commune carrying `sample_content(kind)` (or `content=`)."""
    team = world.team_a if kind in ("daily", "team-quarterly") else None
    campaign = None
    start, end, label = QUARTER
    if kind in ("daily", "campaign"):
        campaign = Campaign.objects.filter(commune=world.commune, name=CAMPAIGN_NAME).first()
        if campaign is None:
            campaign = Campaign.objects.create(
                name=CAMPAIGN_NAME,
                commune=world.commune,
                starts_on=CAMPAIGN_DAYS[0],
                ends_on=CAMPAIGN_DAYS[1],
            )
        if kind == "daily":
            start = end = dt.date(2026, 11, 5)
            label = "ngày 05/11/2026"
        else:
            start, end = CAMPAIGN_DAYS
            label = f"từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"
    team_kind = kind in ("daily", "team-quarterly")
    defaults: dict[str, Any] = {
        "kind": kind, "commune": world.commune, "team": team, "campaign": campaign, "period_start": start,
        "period_end": end, "period_label": label, "as_of": min(AS_OF, end) if kind != "daily" else end,
        "status": status, "number": "" if team_kind else "125", "issued_on": dt.date(2026, 12, 5),
        "highlights": "Tỷ lệ hộ được tiếp cận đạt 81,7%.\n\nThôn Đông dẫn đầu về số lượt hỗ trợ.",
        "difficulties": "Một số hộ người cao tuổi chưa có điện thoại thông minh.",
        "proposals": "Đề nghị Sở Khoa học và Công nghệ hỗ trợ tài liệu hướng dẫn.",
        "recipients": "- Thường trực UBND xã;\n- Văn phòng HĐND và UBND xã;" if team_kind
        else "- Sở Khoa học và Công nghệ tỉnh Phú Thọ;\n- Thường trực Đảng ủy xã;\n- Chủ tịch, các PCT UBND xã;",
        "signer_capacity": SignerCapacity.TEAM_LEADER if team_kind else SignerCapacity.VICE_CHAIRMAN,
        "signer_name": "Trần Thị Bình" if team_kind else "Hoàng Văn Em",
        "content": sample_content(kind),
    }  # fmt: skip
    defaults.update(fields)
    return Report.objects.create(**defaults)


ALL_KINDS = [k.value for k in ReportKind]
