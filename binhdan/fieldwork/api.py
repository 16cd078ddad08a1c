"""The sync API under /api/v1/: session (the field app) or personal token (Authorization: Bearer …)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.gzip import gzip_page
from ninja import Field, Router, Schema

from binhdan.accounts import audit
from binhdan.accounts.api_auth import AUTH
from binhdan.accounts.models import AuditEvent, User
from binhdan.common.api_schemas import CursorProblem, problems
from binhdan.common.db import fetch_together, prepare
from binhdan.common.net import client_ip
from binhdan.fieldwork import rules, scams, sync
from binhdan.fieldwork.models import Team, TeamMembership, TeamRole
from binhdan.fieldwork.progress import member_week_reads, member_week_rows

router = Router(tags=["đồng bộ"])

PUSH_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["records"],
                "properties": {
                    "records": {
                        "type": "array",
                        "maxItems": sync.MAX_RECORDS_PER_PUSH,
                        "items": {
                            "type": "object",
                            "required": ["uuid", "type", "data"],
                            "properties": {
                                "uuid": {"type": "string", "format": "uuid"},
                                "type": {"type": "string", "enum": list(sync.PLANNERS)},
                                "data": {"type": "object"},
                            },
                        },
                    }
                },
            },
            "example": {
                "records": [
                    {
                        "uuid": "7f8e1d2c-3b4a-4c5d-8e6f-7a8b9c0d1e2f",
                        "type": "visit",
                        "data": {
                            "household": 12,
                            "visited_at": "2025-10-05T09:30:00+07:00",
                            "minutes": 20,
                            "channel": "door",
                            "people": [
                                {
                                    "resident": 31,
                                    "skills": [{"skill": "vneid-kich-hoat", "outcome": "guided"}],
                                    "status": {"vneid_level": {"value": 2, "evidence": "seen"}},
                                }
                            ],
                            "follow_up_on": "2025-10-12",
                        },
                    },
                    {
                        "uuid": "2c4b6d8e-1f3a-4b5c-9d7e-8f9a0b1c2d3e",
                        "type": "resident_left",
                        "data": {"resident": 32, "left_on": "2025-10-04", "reason": "moved"},
                    },
                ]
            },
        }
    },
}


# --- the answers, as documented in /api/v1/openapi.json ---------------------------------------------
# The views build their JSON themselves (JsonResponse: nothing is validated or copied on the way out);
# these schemas only declare it, and tests/fuzz/test_api_fuzz.py checks every answer against them.


class RecordError(Schema):
    field: str
    message: str
    household: int | None = Field(None, description="Hộ trong phạm vi mà lỗi nói đến")
    resident: int | None = Field(None, description="Người dân trong phạm vi mà lỗi nói đến")


class RecordResult(Schema):
    uuid: str | None = Field(..., description="uuid của bản ghi; null khi bản ghi không có uuid hợp lệ")
    status: str = Field(..., pattern="^(created|unchanged|conflict|rejected)$")
    errors: list[RecordError]
    id: int | None = Field(None, description="Mã của bản ghi đã lưu (created, unchanged)")


class PushOut(Schema):
    results: list[RecordResult] = Field(..., description="Mỗi bản ghi một câu trả lời, cùng thứ tự")


class HouseholdRow(Schema):
    id: int
    village: int
    number: str
    head_name: str
    address: str
    phone: str
    flags: list[str]
    assigned_member: int | None
    assigned_to_me: bool
    last_visit: str | None
    follow_up_on: str | None
    updated_at: str


class ResidentRow(Schema):
    id: int
    household: int
    name: str
    birth_year: int | None
    gender: str
    relation: str
    flags: list[str]
    status: dict[str, int]
    skills: dict[str, int]
    updated_at: str


class Removed(Schema):
    households: list[int]
    residents: list[int]


class SkillRow(Schema):
    code: str
    name: str
    domain: str
    core: bool


class ClassRow(Schema):
    id: int
    title: str
    held_on: str
    kind: str
    audience: str
    place: int | None


class Limits(Schema):
    work_time_max_age_days: int
    work_time_max_daily_hours: int


class PullOut(Schema):
    households: list[HouseholdRow]
    residents: list[ResidentRow]
    removed: Removed
    skills: list[SkillRow]
    classes: list[ClassRow]
    limits: Limits | None = Field(None, description="Chỉ ở trang đầu của mỗi vòng")
    cursor: str
    more: bool
    reset: bool
    server_time: str


class RoleOut(Schema):
    kind: str
    label: str
    place: int | None
    place_name: str


class LeaderOut(Schema):
    name: str
    phone: str


class TeamOut(Schema):
    id: int
    name: str
    village: str
    phone: str
    leader: LeaderOut | None


class Quotas(Schema):
    households: int
    hours_per_day: float
    days_per_week: int


class WeekOut(Schema):
    from_: str = Field(..., alias="from")
    to: str
    households: int
    households_visited: int
    visits: int
    people_guided: int
    hours: float
    full_days: int
    follow_ups_due: int
    quotas: Quotas


class WarningOut(Schema):
    id: int
    title: str
    text: str
    pretext: str
    pretext_label: str
    published_on: str
    guide_url: str
    share_text: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    roles: list[RoleOut]
    team: TeamOut | None
    week: WeekOut | None
    warnings: list[WarningOut]


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


@router.post(
    "/sync/push",
    auth=AUTH,
    summary="Đẩy các bản ghi từ điện thoại lên (mỗi bản ghi một câu trả lời)",
    openapi_extra={"requestBody": PUSH_BODY},
    response={200: PushOut, **problems(400, 401, 403, 413)},
)
def push(request: HttpRequest) -> HttpResponse:
    try:
        raw = request.body
    except RequestDataTooBig:
        return _problem(
            f"Nội dung gửi lên quá lớn; mỗi lần gửi tối đa {sync.MAX_RECORDS_PER_PUSH} bản ghi.", 413
        )
    try:
        # Python's json reads NaN and Infinity as floats: each record's checks refuse non-finite
        # numbers one by one, so such a record is rejected and the others are kept.
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return _problem("Nội dung gửi lên không phải JSON hợp lệ.", 400)
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list):
        return _problem("Nội dung gửi lên phải là một đối tượng JSON có danh sách records.", 400)
    if len(records) > sync.MAX_RECORDS_PER_PUSH:
        return _problem(f"Mỗi lần gửi tối đa {sync.MAX_RECORDS_PER_PUSH} bản ghi; hãy chia nhỏ.", 413)
    if b"\\u0000" in raw or _SURROGATE_ESCAPE.search(raw):  # (JSON writes both only escaped: one scan)
        return JsonResponse({"results": _push_storable(_user(request), records)})
    return JsonResponse({"results": sync.push(user=_user(request), records=records)})


NUL_DETAIL = "Có ký tự NUL (\\u0000) trong nội dung, không lưu được; hãy xoá ký tự đó rồi gửi lại."
SURROGATE_DETAIL = (
    "Có ký tự Unicode không hợp lệ (nửa cặp \\uD800–\\uDFFF, không đứng thành cặp) trong nội dung, "
    "không lưu được; hãy xoá ký tự đó rồi gửi lại."
)
# Text no PostgreSQL column (nor UTF-8) can store: NUL, and the halves of a UTF-16 surrogate pair standing
# alone (`"\\ud800"` is valid JSON, and Python's parser gives it back as is).
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _unstorable(text: str) -> str | None:
    if "\x00" in text:
        return NUL_DETAIL
    return SURROGATE_DETAIL if _SURROGATE.search(text) else None


def _unstorable_field(data: Any) -> tuple[str, str] | None:
    """The first field (named like the push's errors: "notes", "people[0].note") whose text no column can
    store (`_unstorable`), with why; None when there is none."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:  # no recursion: the body may be nested as deep as the JSON parser allows
        path, value = stack.pop()
        if isinstance(value, str) and (why := _unstorable(value)):
            return path or "data", why
        if isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                if why := _unstorable(key):
                    return path or "data", why
                stack.append((f"{path}.{key}" if path else key, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in reversed(list(enumerate(value))))
    return None


def _push_storable(user: Any, records: list[Any]) -> list[dict[str, Any]]:
    """The push's answers, with every record holding text no column can store rejected on that field and
    the others pushed as usual (in the same order)."""
    refused: dict[int, dict[str, Any]] = {}
    for index, record in enumerate(records):
        found = _unstorable_field(record.get("data") if isinstance(record, dict) else None)
        if found is not None:
            raw_uuid = record.get("uuid")
            uuid = (
                raw_uuid
                if isinstance(raw_uuid, str) and len(raw_uuid) <= 36 and _unstorable(raw_uuid) is None
                else None
            )
            refused[index] = {
                "uuid": uuid,
                "status": "rejected",
                "errors": [{"field": found[0], "message": found[1]}],
            }
    others = iter(sync.push(user=user, records=[r for i, r in enumerate(records) if i not in refused]))
    return [refused[i] if i in refused else next(others) for i in range(len(records))]


def _problem(detail: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status)


def _audit_pull(request: HttpRequest, user: User, page: dict[str, Any]) -> None:
    """One audit row per pull page that carried personal data: who, through which token, how much."""
    households, residents = len(page["households"]), len(page["residents"])
    if not households and not residents:
        return
    token = getattr(request, "api_token", None)
    through = f"mã truy cập «{token.name or token.prefix}» (#{token.pk})" if token else "phiên đăng nhập"
    audit.record_event(
        user=user,
        action=AuditEvent.Action.EXPORT,
        object_type="ApiToken" if token else "",
        object_id=str(token.pk) if token else "",
        detail=f"Đồng bộ về điện thoại qua {through}: {households} hộ, {residents} người dân.",
        ip=client_ip(request),
    )


@router.get(
    "/sync/pull",
    auth=AUTH,
    summary="Lấy các thay đổi trong phạm vi của mình từ một mốc đồng bộ",
    response={200: PullOut, 400: CursorProblem, **problems(401)},
)
@gzip_page  # a village's first pull is ~200 KB of JSON, ~20 KB gzipped: it matters on a weak link
def pull(request: HttpRequest, since: str = "", limit: str = "") -> HttpResponse:
    try:
        size = sync.parse_limit(limit)
    except ValueError as exc:
        return _problem(str(exc), 400)
    user = _user(request)
    try:
        page = sync.pull(user=user, since=since or None, limit=size)
    except sync.CursorError as exc:
        return _problem(str(exc), 400, restart=True)
    _audit_pull(request, user, page)
    return JsonResponse(page)


@router.get(
    "/me",
    auth=AUTH,
    summary="Người dùng hiện tại, vai trò, tổ và cảnh báo lừa đảo của xã",
    response={200: MeOut, **problems(401)},
    by_alias=True,  # the week's "from"
)
def me(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    held = [r for r in user.current_roles() if r.kind in ("member", "team_leader") and r.place_id is not None]
    roles = [
        {
            "kind": r.kind,
            "label": r.get_kind_display(),
            "place": r.place_id,
            "place_name": r.place.name if r.place else "",
        }
        for r in user.current_roles()
    ]
    # The team (of the first by id of the user's villages that has one), its leader, the commune's quota,
    # the user's week and the warnings: one round trip (common.db.fetch_together), each statement
    # compiled once per process (common.db.prepare). A village has at most one team, so with one
    # village (nearly every member) all of it is read by the village; with several, the team first.
    communes = {r.place_id: r.place.parent_id for r in held}  # village -> its commune
    if len(communes) > 1:
        found = fetch_together([_team_read(sorted(communes))])[0]
        communes = {found[0][4]: found[0][5]} if found else {}
    today = timezone.localdate()
    reads: list[Any] = []
    if communes:
        [(village, commune)] = communes.items()
        reads = [
            _team_read([village]),
            _leader_read(village),
            rules.work_quota_read(commune),
            *member_week_reads(village, [user.pk], today),
        ]
    warnings, since = scams.warnings_read(user)
    *rows, warning_rows = fetch_together([*reads, warnings])
    team = rows[0][0] if rows and rows[0] else None
    contact = week = None
    if team is not None:
        quota = rules.work_quota_of(rows[2])
        contact = _team_contact(team, rows[1])
        week = _my_week(today, quota, member_week_rows([user.pk], quota, rows[3:])[user.pk])
    return JsonResponse(
        {
            "id": user.pk,
            "username": user.username,
            "name": user.display_name,
            "roles": roles,
            "team": contact,
            "week": week,
            # The commune's current scam warnings for the user's villages (the field app's home screen).
            "warnings": scams.warnings_of(warning_rows, since),
        }
    )


TEAM_COLUMNS = ("pk", "name", "village__name", "contact_phone", "village_id", "village__parent_id")


def _team_read(villages: list[int]) -> Any:
    """The team of the first of these villages that has one (by id, as `.first()` would take it)."""
    return prepare(
        ("fieldwork.api.me.team",),
        lambda villages: (
            Team.objects.filter(village_id__in=villages).order_by("pk").values_list(*TEAM_COLUMNS)[:1]
        ),
        villages,
    )


def _leader_read(village: int) -> Any:
    """The village team's current leader, the earliest to join: who a member calls when stuck."""
    return prepare(
        ("fieldwork.api.me.leader",),
        lambda village: (
            TeamMembership.objects.filter(team__village=village, left_on__isnull=True, role=TeamRole.LEADER)
            .order_by("joined_on")
            .values_list("user__full_name", "user__username", "user__phone")[:1]
        ),
        village,
    )


def _team_contact(team: tuple[Any, ...], leader_rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The team's phone and its leader's name and phone (`User.display_name`)."""
    pk, name, village, phone, *_ = team
    leader = leader_rows[0] if leader_rows else None
    return {
        "id": pk,
        "name": name,
        "village": village,
        "phone": phone,
        "leader": {"name": leader[0] or leader[1], "phone": leader[2]} if leader else None,
    }


def _my_week(today: dt.date, quota: rules.WorkQuota, row: dict[str, Any]) -> dict[str, Any]:
    """This week's households, people guided and hours against the quotas (the phone's "Tuần của tôi")."""
    monday, sunday = rules.week_of(today)
    return {
        "from": monday.isoformat(),
        "to": sunday.isoformat(),
        "households": row["households"],
        "households_visited": row["households_visited"],
        "visits": row["visits"],
        "people_guided": row["people_guided"],
        "hours": float(row["hours"]),
        "full_days": row["full_days"],
        "follow_ups_due": row["follow_ups_due"],
        "quotas": {
            "households": rules.MIN_HOUSEHOLDS_PER_MEMBER,
            "hours_per_day": float(quota.hours_per_day),
            "days_per_week": quota.days_per_week,
        },
    }
