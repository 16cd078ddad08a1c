"""Offline sync: phones push batches of records and pull what changed in their scope (SPEC §8).

push(): every record gets its own answer, in order — created, unchanged (same uuid, same content),
conflict (same uuid, other content; nothing overwritten) or rejected (with Vietnamese reasons). One
bad record never blocks the others. A client UUID is stored once, enforced by SyncReceipt's primary key.

pull(): households, residents, the skills catalogue and classes in the user's scope that changed since
a cursor, in pages small enough for a cheap phone on a weak link.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import uuid as uuid_lib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeGuard

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Max, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from binhdan.accounts import access
from binhdan.common.db import execute_together, fetch_together, insert_rows, prepare, writes_together
from binhdan.common.text import nfc
from binhdan.fieldwork import scams, visit_days
from binhdan.fieldwork.models import (
    Campaign,
    Channel,
    ClassAttendance,
    CommunityClass,
    ScamReport,
    SyncReceipt,
    Visit,
    VisitPerson,
    WorkTime,
)
from binhdan.places.models import Level, Place
from binhdan.registry import catalogue, changes
from binhdan.registry.changes import changed_in_round, current_watermark, valid_watermark
from binhdan.registry.models import (
    HOUSEHOLD_FLAGS,
    RESIDENT_FLAGS,
    WORK_TIME_MAX_AGE_DAYS,
    CommuneSettings,
    Evidence,
    Household,
    LeftReason,
    Resident,
    ScopeExit,
    Skill,
    SkillLevel,
    Source,
    StatusField,
)
from binhdan.registry.recording import record_observations
from binhdan.registry.services import (
    record_resident_left,
    skills_as_of,
    status_as_of,
    status_value_error,
)

MAX_RECORDS_PER_PUSH = 500
MAX_RECORD_DEPTH = 12  # a visit is 5 levels deep (data → people → person → skills → item)
MAX_ID = 2**63 - 1  # a bigint primary key; larger ids must not reach a query (PostgreSQL overflows)
MAX_ECHO = 40  # characters of a phone's value repeated in a message
WORK_TIME_MAX_DAILY_HOURS = Decimal("16")
WORK_TIME_MIN_HOURS = Decimal("0.25")
OUTCOMES = {"guided": SkillLevel.GUIDED, "mastered": SkillLevel.MASTERED}
CREATED, UNCHANGED, CONFLICT, REJECTED = "created", "unchanged", "conflict", "rejected"
BAD_UUID = "Thiếu mã uuid của bản ghi, hoặc mã không hợp lệ."
ERASED = "Người dân này đã được xoá khỏi sổ theo yêu cầu."
MOVED_OUT = "Người dân này đã chuyển đi, không còn trong sổ hộ."
OUT_OF_SCOPE = "Người này không thuộc phạm vi của bạn."
RESIDENT_LEFT_MAX_AGE_DAYS = 366  # a departure older than this is recorded by the commune officer
# The choices' values, once (`Choices.values` builds a new list at every read; a push reads them per record).
CHANNELS = frozenset(Channel.values)
STATUS_FIELDS = frozenset(StatusField.values)
EVIDENCE = frozenset(Evidence.values)


# --- push --------------------------------------------------------------------------------------------


@dataclass
class Result:
    uuid: str | None
    status: str
    errors: list[dict[str, Any]] = field(default_factory=list)
    id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"uuid": self.uuid, "status": self.status, "errors": self.errors}
        if self.id is not None:
            answer["id"] = self.id
        return answer


class Rejected(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


def _error(field_name: str, message: str, **about: int) -> dict[str, Any]:
    """One error; `about` names the household/resident it concerns, so the phone can say who."""
    return {"field": field_name, "message": message, **about}


def _echo(value: Any) -> str:
    """A phone's value, short enough to repeat in a message."""
    try:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)[:200]
    except (RecursionError, ValueError):
        text = "…"
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


def _is_id(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of parsed JSON, counted level by level without recursion; stops once past `limit`."""
    depth, containers = 0, [value] if isinstance(value, dict | list) else []
    while containers:
        depth += 1
        if depth > limit:
            return depth
        children: list[Any] = []
        for item in containers:
            children += item.values() if isinstance(item, dict) else item
        containers = [child for child in children if isinstance(child, dict | list)]
    return depth


def payload_hash(kind: str, data: Any) -> str:
    canonical = json.dumps([kind, data], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class _Receipt:
    payload_hash: str
    object_id: int | None
    user_id: int


@dataclass
class _Context:
    """Everything a batch needs, loaded in a handful of queries before any record is checked."""

    user: Any
    now: dt.datetime
    today: dt.date
    zone: dt.tzinfo  # the current time zone, read once per batch (the local day of each record)
    households: dict[int, int]  # household id -> village id, only households the user may change
    residents: dict[int, int]  # resident id -> household id (in scope, not erased, not moved out)
    gone: dict[int, str]  # resident id -> why they are no longer in the book (in scope only)
    skills: dict[str, int]
    classes: dict[int, CommunityClass]
    campaigns: list[Campaign]
    village_parent: dict[int, int | None]
    skill_owners: dict[str, int] = field(default_factory=dict)  # a commune's own skill -> that commune
    visit_ids: list[int] = field(default_factory=list)  # ids taken for this batch's visits (PostgreSQL)
    work_max_age_days: int = WORK_TIME_MAX_AGE_DAYS
    work_hours: dict[dt.date, Decimal] = field(default_factory=dict)  # stored + accepted in this batch
    # resident id -> (household id, registered_on) for "resident_left" records: in scope, not erased
    # (those already recorded as left too: their earlier record is kept).
    leaving: dict[int, tuple[int, dt.date]] = field(default_factory=dict)
    # village id -> commune id, for "scam_report" records: the villages the user works in.
    scam_villages: dict[int, int] = field(default_factory=dict)


def _ints(values: Any) -> set[int]:
    return {value for value in values if _is_id(value)}


def _work_day(data: dict[str, Any]) -> dt.date | None:
    try:
        return _date(data.get("date"), "date")
    except Rejected:
        return None


def work_time_max_age_days(user: Any) -> int:
    """How far back `user` may record work time: the strictest of the communes they work in."""
    communes: set[int] = set()
    for role in user.current_roles():
        place = role.place
        if place is None:
            continue
        communes.add(place.pk if place.level <= Level.COMMUNE else place.parent_id)
    chosen = dict(
        CommuneSettings.objects.filter(commune_id__in=communes).values_list(
            "commune_id", "work_time_max_age_days"
        )
    )
    return min((chosen.get(c, WORK_TIME_MAX_AGE_DAYS) for c in communes), default=WORK_TIME_MAX_AGE_DAYS)


def _load_context(
    user: Any, records: list[tuple[str, dict[str, Any]]], also: list[QuerySet[Any]]
) -> tuple[_Context, list[list[tuple[Any, ...]]]]:
    """What the batch of (kind, data) records needs, and the rows of the `also` querysets read in the same
    round trip."""
    household_ids: set[int] = set()
    resident_ids: set[int] = set()
    class_ids: set[int] = set()
    work_days: set[dt.date] = set()
    leaving_ids: set[int] = set()
    for kind, data in records:
        if kind == "visit":
            household_ids |= _ints([data.get("household")])
            people = data.get("people")
            if isinstance(people, list):
                resident_ids |= _ints(p.get("resident") for p in people if isinstance(p, dict))
        elif kind == "class_attendance":
            class_ids |= _ints([data.get("class")])
            if isinstance(data.get("residents"), list):
                resident_ids |= _ints(data["residents"])
        elif kind == "work_time":
            day = _work_day(data)
            if day is not None:
                work_days.add(day)
        elif kind == "resident_left":
            leaving_ids |= _ints([data.get("resident")])
    # On PostgreSQL the visits' ids come from their sequence in the same round trip, so that every row
    # of the batch can then be written in one (an id taken and not used is a gap, as after a rollback).
    visits = sum(1 for kind, _ in records if kind == "visit")
    take_ids = [_take_visit_ids(visits)] if visits and connection.vendor == "postgresql" else []
    # The households, the residents, the active skills, the visits' ids and what the caller wants too
    # (the receipts) in one round trip.
    # Each compiled once per process for the same scope and number of ids (common.db.prepare): the
    # key is the scope `changeable_by` filters on, as a Q (equal Qs, equal SQL), and the queries are
    # the ORM's own.
    household_rows, resident_rows, skill_rows, *extra = fetch_together(
        [
            prepare(
                ("fieldwork.sync.households", access.village_scope(user, "village", for_change=True)),
                lambda ids: (
                    Household.objects.changeable_by(user)
                    .filter(pk__in=ids)
                    .values_list("pk", "village_id", "village__parent_id", _any_campaign())
                ),
                sorted(household_ids),
            ),
            prepare(
                (
                    "fieldwork.sync.residents",
                    access.village_scope(user, "household__village", for_change=True),
                ),
                lambda ids: (
                    Resident.objects.changeable_by(user)
                    .filter(pk__in=ids)
                    .values_list("pk", "household_id", "erased_at", "left_on")
                ),
                sorted(resident_ids),
            ),
            prepare(("fieldwork.sync.skills",), _active_skills_queryset),
            *take_ids,
            *also,
        ]
    )
    visit_ids = [row[0] for row in extra.pop(0)] if take_ids else []
    households = {pk: village for pk, village, _, _ in household_rows}
    village_parent = {village: commune for _, village, commune, _ in household_rows}
    with_campaigns = {commune for _, _, commune, has in household_rows if has}
    residents: dict[int, int] = {}
    gone: dict[int, str] = {}
    for pk, household_id, erased_at, left_on in resident_rows:
        if erased_at is not None:
            gone[pk] = ERASED
        elif left_on is not None:
            gone[pk] = MOVED_OUT
        else:
            residents[pk] = household_id
    classes = (
        {c.pk: c for c in CommunityClass.objects.visible_to(user).filter(pk__in=class_ids)}
        if class_ids
        else {}
    )
    campaigns = (
        list(Campaign.objects.filter(commune_id__in=with_campaigns).prefetch_related("villages"))
        if with_campaigns
        else []
    )
    ctx = _Context(
        user=user,
        now=timezone.now(),
        today=timezone.localdate(),
        zone=timezone.get_current_timezone(),
        households=households,
        residents=residents,
        gone=gone,
        skills={code: pk for code, pk, _ in skill_rows},
        classes=classes,
        campaigns=campaigns,
        village_parent=village_parent,
        # A commune's own skills are recorded only for households of that commune.
        skill_owners={code: commune for code, _, commune in skill_rows if commune is not None},
        visit_ids=visit_ids,
    )
    if any(kind == "work_time" for kind, _ in records):
        ctx.work_max_age_days = work_time_max_age_days(user)
        stored = (
            WorkTime.objects.filter(user=user, day__in=work_days)
            .values("day")
            .annotate(total=Sum("hours"))
            .values_list("day", "total")
        )
        ctx.work_hours = {day: total or Decimal(0) for day, total in stored}
    if leaving_ids:
        for pk, household_id, registered_on, erased_at in (
            Resident.objects.changeable_by(user)
            .filter(pk__in=leaving_ids)
            .values_list("pk", "household_id", "registered_on", "erased_at")
        ):
            if erased_at is not None:
                ctx.gone[pk] = ERASED
            else:
                ctx.leaving[pk] = (household_id, registered_on)
    if any(kind == "scam_report" for kind, _ in records):
        ctx.scam_villages = scams.member_villages(user)
    return ctx, extra


def _any_campaign() -> Exists:
    """Whether the household's commune has any campaign: read with the households, so that most pushes
    need no campaign query at all."""
    return Exists(Campaign.objects.filter(commune_id=OuterRef("village__parent_id")))


def _active_skills_queryset() -> QuerySet[Skill, tuple[str, int, int | None]]:
    return Skill.objects.filter(active=True).values_list("code", "pk", "commune_id")


def _take_visit_ids(count: int) -> tuple[str, list[Any]]:
    """`count` new ids from the visits' sequence (PostgreSQL), as a read for `fetch_together`."""
    table = Visit._meta.db_table
    if count == 1:  # a single visit: no parameter, so its plan is made once per connection, not per push
        return (f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))", [])  # nosec B608  # a table name from model metadata
    return (
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",  # nosec B608  # a table name from model metadata
        [count],
    )


# The push reads the active skills with its households, in the same round trip, so a skill changed
# by another worker counts at once without any memo. `_SKILLS_CACHE` stays for the Skill signals
# (fieldwork/apps.py), which clear it.
_SKILLS_CACHE: dict[str, Any] = {"at": 0.0, "map": {}, "owners": {}, "version": None}


def _skill_fits(ctx: _Context, code: str, household_id: int) -> bool:
    """A national skill fits every household; a commune's own skill only that commune's households."""
    owner = ctx.skill_owners.get(code)
    return owner is None or owner == ctx.village_parent.get(ctx.households[household_id])


def forget_skills_cache(**kwargs: Any) -> None:
    """A skill was saved or deleted. The push reads skills afresh every time; nothing more to do than
    to drop what the memo holds."""
    _SKILLS_CACHE.update(at=0.0, map={}, owners={}, version=None)


def _aware_datetime(value: Any, name: str, now: dt.datetime) -> dt.datetime:
    try:
        parsed = parse_datetime(value) if isinstance(value, str) and len(value) <= 40 else None
    except (ValueError, OverflowError):  # well formed but impossible: month 13, offset +25:00
        raise Rejected(
            [_error(name, "Thời điểm không có thật (tháng, ngày, giờ hoặc múi giờ sai).")]
        ) from None
    if parsed is None:
        raise Rejected([_error(name, "Thời điểm phải theo dạng ISO 8601, ví dụ 2025-10-05T09:30:00+07:00.")])
    if parsed.tzinfo is None:
        raise Rejected([_error(name, "Thời điểm phải kèm múi giờ, ví dụ +07:00.")])
    try:
        parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise Rejected(
            [_error(name, "Thời điểm không có thật (tháng, ngày, giờ hoặc múi giờ sai).")]
        ) from None
    if parsed > now + dt.timedelta(minutes=10):
        raise Rejected(
            [_error(name, "Thời điểm không được ở tương lai. Hãy kiểm tra ngày giờ trên điện thoại.")]
        )
    if parsed < now - dt.timedelta(days=366):
        raise Rejected([_error(name, "Thời điểm đã quá một năm; hãy nhờ cán bộ xã nhập trực tiếp.")])
    return parsed


def _date(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        parsed = parse_date(value) if isinstance(value, str) and len(value) <= 20 else None
    except ValueError:  # well formed but impossible: 2026-02-30
        raise Rejected([_error(name, f"Ngày “{_echo(value)}” không có thật trên lịch.")]) from None
    if parsed is None:
        raise Rejected([_error(name, "Ngày phải theo dạng năm-tháng-ngày, ví dụ 2025-10-20.")])
    return parsed


def _campaign_for(ctx: _Context, village_id: int, day: dt.date) -> Campaign | None:
    commune_id = ctx.village_parent.get(village_id)
    for campaign in ctx.campaigns:
        if campaign.commune_id != commune_id or not campaign.starts_on <= day <= campaign.ends_on:
            continue
        chosen = [v.pk for v in campaign.villages.all()]
        if not chosen or village_id in chosen:
            return campaign
    return None


@dataclass
class _VisitPlan:
    uuid: uuid_lib.UUID
    household_id: int
    visited_at: dt.datetime
    day: dt.date  # the local day of the visit
    minutes: int
    channel: str
    follow_up_on: dt.date | None
    notes: str
    campaign_id: int | None
    people: list[int]
    skills: list[tuple[int, int, int]]  # resident, skill, level
    status: list[tuple[int, str, int, str]]  # resident, field, value, evidence


def _resident_error(ctx: _Context, where: str, resident_id: Any, household_id: int | None) -> dict[str, Any]:
    """Why a resident id does not fit; names the resident only when they are in the user's scope."""
    if not _is_id(resident_id):
        return _error(where, "Mã người dân không hợp lệ.")
    if resident_id in ctx.gone:
        return _error(where, ctx.gone[resident_id], resident=resident_id)
    if resident_id in ctx.residents:  # in scope, but in another household
        return _error(where, "Người này không thuộc hộ được hỗ trợ.", resident=resident_id)
    return _error(where, "Người này không thuộc hộ được hỗ trợ.")


def _plan_visit(ctx: _Context, client_uuid: uuid_lib.UUID, data: dict[str, Any]) -> _VisitPlan:
    errors: list[dict[str, Any]] = []
    household_id = data.get("household")
    if not _is_id(household_id) or household_id not in ctx.households:
        about: dict[str, int] = {"household": household_id} if _is_id(household_id) else {}
        raise Rejected([_error("household", "Không tìm thấy hộ này trong phạm vi của bạn.", **about)])
    visited_at = _aware_datetime(data.get("visited_at"), "visited_at", ctx.now)
    minutes: Any = data.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 600:
        errors.append(_error("minutes", "Số phút phải là số nguyên từ 1 đến 600."))
    channel: Any = data.get("channel")
    if not isinstance(channel, str) or channel not in CHANNELS:
        errors.append(_error("channel", "Hình thức hỗ trợ không hợp lệ."))
    try:
        follow_up = _date(data.get("follow_up_on"), "follow_up_on")
    except Rejected as exc:
        errors += exc.errors
        follow_up = None
    local_day = visited_at.astimezone(ctx.zone).date()
    if follow_up and follow_up < local_day:
        errors.append(_error("follow_up_on", "Ngày hẹn quay lại phải sau ngày hỗ trợ."))
    notes = data.get("notes") or ""
    if not isinstance(notes, str) or len(notes) > 2000:
        errors.append(_error("notes", "Ghi chú phải là chữ, tối đa 2.000 ký tự."))
        notes = ""
    people = data.get("people")
    plan_people: list[int] = []
    plan_skills: list[tuple[int, int, int]] = []
    plan_status: list[tuple[int, str, int, str]] = []
    if not isinstance(people, list) or not people:
        errors.append(_error("people", "Hãy chọn ít nhất một người được hỗ trợ."))
        people = []
    for index, person in enumerate(people):
        where = f"people[{index}]"
        resident_id = person.get("resident") if isinstance(person, dict) else None
        if not _is_id(resident_id) or ctx.residents.get(resident_id) != household_id:
            errors.append(_resident_error(ctx, f"{where}.resident", resident_id, household_id))
            continue
        if resident_id in plan_people:
            errors.append(
                _error(
                    f"{where}.resident",
                    "Một người được ghi hai lần trong cùng lượt hỗ trợ.",
                    resident=resident_id,
                )
            )
            continue
        plan_people.append(resident_id)
        skills = person.get("skills") or []
        if not isinstance(skills, list):
            errors.append(_error(f"{where}.skills", "Danh sách kỹ năng không hợp lệ.", resident=resident_id))
            skills = []
        for s_index, item in enumerate(skills):
            code = item.get("skill") if isinstance(item, dict) else None
            outcome = item.get("outcome") if isinstance(item, dict) else None
            fits = isinstance(code, str) and code in ctx.skills and _skill_fits(ctx, code, household_id)
            level = OUTCOMES.get(outcome) if isinstance(outcome, str) else None
            if fits and level is not None and isinstance(code, str):
                plan_skills.append((resident_id, ctx.skills[code], level))  # (the usual case: no names built)
                continue
            at = f"{where}.skills[{s_index}]"
            if not fits:
                message = f"Không có kỹ năng mã “{_echo(code)}”." if code is not None else "Thiếu mã kỹ năng."
                errors.append(_error(f"{at}.skill", message, resident=resident_id))
            else:
                errors.append(
                    _error(f"{at}.outcome", "Kết quả phải là “guided” hoặc “mastered”.", resident=resident_id)
                )
        status = person.get("status") or {}
        if not isinstance(status, dict):
            errors.append(_error(f"{where}.status", "Trạng thái số không hợp lệ.", resident=resident_id))
            status = {}
        for field_name, raw in status.items():
            value: Any
            evidence: Any
            value, evidence = (
                (raw.get("value"), raw.get("evidence", Evidence.TOLD))
                if isinstance(raw, dict)
                else (raw, Evidence.TOLD)
            )
            at = f"{where}.status.{_echo(field_name)}"
            problem = (
                status_value_error(field_name, value)
                if field_name in STATUS_FIELDS
                else f"Không có thông tin trạng thái “{_echo(field_name)}”."
            )
            if problem:
                errors.append(_error(at, problem, resident=resident_id))
            elif not isinstance(evidence, str) or evidence not in EVIDENCE:
                errors.append(
                    _error(
                        f"{at}.evidence", "Cách biết phải là told, seen hoặc confirmed.", resident=resident_id
                    )
                )
            else:
                plan_status.append((resident_id, field_name, int(value), evidence))
    if errors:
        raise Rejected(errors)
    campaign = _campaign_for(ctx, ctx.households[household_id], local_day)
    return _VisitPlan(
        uuid=client_uuid,
        household_id=household_id,
        visited_at=visited_at,
        day=local_day,
        minutes=minutes,
        channel=channel,
        follow_up_on=follow_up,
        notes=nfc(notes),
        campaign_id=campaign.pk if campaign else None,
        people=plan_people,
        skills=plan_skills,
        status=plan_status,
    )


def _plan_attendance(
    ctx: _Context, client_uuid: uuid_lib.UUID, data: dict[str, Any]
) -> tuple[CommunityClass, list[int]]:
    class_id = data.get("class")
    if not _is_id(class_id) or class_id not in ctx.classes:
        raise Rejected([_error("class", "Không tìm thấy buổi học này trong phạm vi của bạn.")])
    residents = data.get("residents")
    if not isinstance(residents, list) or not residents:
        raise Rejected([_error("residents", "Hãy chọn ít nhất một người tham dự.")])
    errors = []
    for i, rid in enumerate(residents):
        if not _is_id(rid) or rid not in ctx.residents:
            error = _resident_error(ctx, f"residents[{i}]", rid, None)
            if error["message"] == "Người này không thuộc hộ được hỗ trợ.":
                error["message"] = OUT_OF_SCOPE
            errors.append(error)
    if errors:
        raise Rejected(errors)
    return ctx.classes[class_id], sorted(set(residents))


def _hours_text(hours: Decimal) -> str:
    return f"{hours.normalize():f}".replace(".", ",")


def _plan_work_time(ctx: _Context, client_uuid: uuid_lib.UUID, data: dict[str, Any]) -> WorkTime:
    errors: list[dict[str, Any]] = []
    day: dt.date | None = None
    try:
        day = _date(data.get("date"), "date")
        if day is None:
            errors.append(_error("date", "Hãy nhập ngày làm việc."))
        elif day > ctx.today:
            errors.append(_error("date", "Ngày làm việc không được ở tương lai."))
        elif day < ctx.today - dt.timedelta(days=ctx.work_max_age_days):
            errors.append(
                _error(
                    "date", f"Chỉ ghi được thời gian hoạt động trong {ctx.work_max_age_days} ngày gần đây."
                )
            )
    except Rejected as exc:
        errors += exc.errors
    raw_hours = data.get("hours")
    hours: Decimal | None = None
    if isinstance(raw_hours, int | float) and not isinstance(raw_hours, bool) and math.isfinite(raw_hours):
        hours = Decimal(str(raw_hours))
        if not WORK_TIME_MIN_HOURS <= hours <= WORK_TIME_MAX_DAILY_HOURS:
            errors.append(_error("hours", "Số giờ trong một ngày phải từ 0,25 đến 16."))
            hours = None
    else:
        errors.append(_error("hours", "Số giờ phải là một số, ví dụ 4 hoặc 4,5."))
    note = data.get("note") or ""
    if not isinstance(note, str) or len(note) > 200:
        errors.append(_error("note", "Ghi chú phải là chữ, tối đa 200 ký tự."))
    if not errors and day is not None and hours is not None:
        hours = hours.quantize(Decimal("0.01"))
        total = ctx.work_hours.get(day, Decimal(0)) + hours
        if total > WORK_TIME_MAX_DAILY_HOURS:
            already = _hours_text(total - hours)
            errors.append(
                _error(
                    "hours",
                    f"Ngày {day:%d/%m/%Y} đã có {already} giờ; thêm {_hours_text(hours)} giờ sẽ quá "
                    f"{_hours_text(WORK_TIME_MAX_DAILY_HOURS)} giờ một ngày.",
                )
            )
        else:
            ctx.work_hours[day] = total
    if errors:
        raise Rejected(errors)
    assert day is not None and hours is not None
    return WorkTime(uuid=client_uuid, user=ctx.user, day=day, hours=hours, note=nfc(note))


@dataclass
class _LeftPlan:
    resident: int
    household: int
    left_on: dt.date
    reason: str


def _plan_resident_left(ctx: _Context, client_uuid: uuid_lib.UUID, data: dict[str, Any]) -> _LeftPlan:
    """A resident moved away, died, or left with a split, merge or duplicate (SPEC §4 lifecycle)."""
    errors: list[dict[str, Any]] = []
    resident_id = data.get("resident")
    about: dict[str, int] = {}
    registered_on: dt.date | None = None
    if not _is_id(resident_id):
        errors.append(_error("resident", "Mã người dân không hợp lệ."))
    elif resident_id in ctx.gone and resident_id not in ctx.leaving:  # erased on request
        errors.append(_error("resident", ctx.gone[resident_id], resident=resident_id))
    elif resident_id not in ctx.leaving:  # the same answer as a missing row: nothing about other villages
        errors.append(_error("resident", OUT_OF_SCOPE))
    else:
        about = {"resident": resident_id}
        registered_on = ctx.leaving[resident_id][1]
    left_on: dt.date | None = None
    try:
        left_on = _date(data.get("left_on"), "left_on")
    except Rejected as exc:
        errors += [{**e, **about} for e in exc.errors]
    else:
        problem = ""
        if left_on is None:
            problem = "Hãy nhập ngày rời sổ."
        elif left_on > ctx.today:
            problem = "Ngày rời sổ không được ở tương lai."
        elif left_on < ctx.today - dt.timedelta(days=RESIDENT_LEFT_MAX_AGE_DAYS):
            problem = "Ngày rời sổ đã quá một năm; hãy nhờ cán bộ xã ghi trực tiếp."
        elif registered_on is not None and left_on < registered_on:
            problem = f"Ngày rời sổ phải từ ngày vào sổ ({registered_on:%d/%m/%Y}) trở đi."
        if problem:
            errors.append(_error("left_on", problem, **about))
    reason = data.get("reason")
    if reason in (None, ""):
        errors.append(_error("reason", "Hãy chọn lý do rời sổ.", **about))
    elif not isinstance(reason, str) or reason not in LeftReason.values:
        errors.append(
            _error("reason", f"Không có lý do rời sổ “{_echo(reason)}”; hãy chọn một lý do trong danh sách.",
                   **about)
        )  # fmt: skip
    if errors:
        raise Rejected(errors)
    assert _is_id(resident_id) and left_on is not None and isinstance(reason, str)
    return _LeftPlan(resident_id, ctx.leaving[resident_id][0], left_on, reason)


def _plan_scam_report(ctx: _Context, client_uuid: uuid_lib.UUID, data: dict[str, Any]) -> ScamReport:
    """A scam attempt a member heard of (tin báo lừa đảo): checked field by field in scams.py."""
    report, problems = scams.plan_member_report(
        user=ctx.user, client_uuid=client_uuid, data=data, villages=ctx.scam_villages, today=ctx.today
    )
    if report is None:
        raise Rejected([_error(name, message) for name, message in problems])
    return report


PLANNERS: dict[str, Callable[..., Any]] = {
    "visit": _plan_visit,
    "class_attendance": _plan_attendance,
    "work_time": _plan_work_time,
    "resident_left": _plan_resident_left,
    "scam_report": _plan_scam_report,
}
KIND_LABELS = {
    "visit": "lượt hỗ trợ",
    "class_attendance": "điểm danh buổi học",
    "work_time": "thời gian hoạt động",
    "resident_left": "báo rời sổ",
    "scam_report": "tin báo lừa đảo",
}


def push(*, user: Any, records: Any) -> list[dict[str, Any]]:
    """Store a batch of phone records; returns one answer per record, in the same order."""
    if not isinstance(records, list):
        return []
    try:
        return _push_once(user, records)
    except IntegrityError:
        # Another push stored one of these UUIDs between our read and our write; now we see it.
        return _push_once(user, records)


def _receipts_queryset(
    uuids: list[uuid_lib.UUID],
) -> QuerySet[SyncReceipt, tuple[uuid_lib.UUID, str, int | None, int]]:
    return SyncReceipt.objects.filter(uuid__in=uuids).values_list(
        "uuid", "payload_hash", "object_id", "user_id"
    )


def _push_once(user: Any, records: list[Any]) -> list[dict[str, Any]]:
    results: list[Result] = []
    # index, uuid as given back, uuid parsed once, kind, data
    candidates: list[tuple[int, str, uuid_lib.UUID, str, dict[str, Any]]] = []
    for index, record in enumerate(records):
        raw_uuid = record.get("uuid") if isinstance(record, dict) else None
        try:
            if not isinstance(raw_uuid, str) or len(raw_uuid) > 36:
                raise ValueError
            parsed = uuid_lib.UUID(raw_uuid)
        except ValueError:
            results.append(Result(raw_uuid if isinstance(raw_uuid, str) and len(raw_uuid) <= 36 else None,
                                  REJECTED, [_error("uuid", BAD_UUID)]))  # fmt: skip
            continue
        assert isinstance(record, dict)
        kind, data = record.get("type"), record.get("data")
        if not isinstance(kind, str) or kind not in PLANNERS:
            results.append(
                Result(
                    str(parsed),
                    REJECTED,
                    [_error("type", f"Loại bản ghi “{_echo(kind)}” không được hỗ trợ.")],
                )
            )
            continue
        if not isinstance(data, dict):
            results.append(Result(str(parsed), REJECTED, [_error("data", "Thiếu nội dung bản ghi (data).")]))
            continue
        if _depth(data, MAX_RECORD_DEPTH) > MAX_RECORD_DEPTH:
            results.append(
                Result(
                    str(parsed),
                    REJECTED,
                    [_error("data", "Nội dung bản ghi lồng nhau quá sâu, không đọc được.")],
                )
            )
            continue
        results.append(Result(str(parsed), ""))
        candidates.append((index, str(parsed), parsed, kind, data))

    ctx, (receipt_rows,) = _load_context(
        user,
        [(kind, data) for *_, kind, data in candidates],
        [prepare(("fieldwork.sync.receipts",), _receipts_queryset, [c[2] for c in candidates])],
    )
    receipts = {str(row[0]): _Receipt(*row[1:]) for row in receipt_rows}
    seen_in_batch: dict[str, str] = {}
    to_create: list[tuple[int, uuid_lib.UUID, str, str, Any]] = []  # index, uuid, kind, hash, plan
    for index, client_uuid, parsed_uuid, kind, data in candidates:
        digest = payload_hash(kind, data)
        known = receipts.get(client_uuid)
        if known is not None and known.user_id != user.pk:
            # Someone else's record: the same answer as any bad uuid, revealing nothing about it.
            results[index].status, results[index].errors = REJECTED, [_error("uuid", BAD_UUID)]
            continue
        earlier = seen_in_batch.get(client_uuid)
        if known is not None or earlier is not None:
            same = (known.payload_hash if known else earlier) == digest
            results[index].status = UNCHANGED if same else CONFLICT
            results[index].id = known.object_id if known and same else None
            if not same:
                results[index].errors = [
                    _error("uuid", "Mã này đã được dùng cho một bản ghi khác; bản ghi cũ được giữ nguyên.")
                ]
            continue
        try:
            plan = PLANNERS[kind](ctx, parsed_uuid, data)
        except Rejected as exc:
            results[index].status, results[index].errors = REJECTED, exc.errors
            continue
        seen_in_batch[client_uuid] = digest
        to_create.append((index, parsed_uuid, kind, digest, plan))

    if to_create:
        _store(user, to_create, results, ctx)
    return [r.as_dict() for r in results]


LEFT_FIELDS = {"left_on": "left_on", "left_reason": "reason"}  # the registry's field -> the record's


def _store_residents_left(
    user: Any, plans: list[tuple[int, _LeftPlan]], results: list[Result], object_ids: dict[int, int]
) -> set[int]:
    """Residents who left, through the registry's one write path (which moves the indicators' rollups in
    this transaction). The first record of a departure stands: a resident already recorded as left
    keeps that date and reason, and the phone's record is accepted ("created") without changing it.
    Returns the indexes the registry refused (rejected here, so they get no receipt)."""
    failed: set[int] = set()
    if not plans:
        return failed
    rows = {
        r.pk: r
        for r in Resident.objects.select_for_update()
        .filter(pk__in={p.resident for _, p in plans})
        .order_by("pk")
    }
    for index, plan in plans:
        resident = rows.get(plan.resident)
        problem: list[dict[str, Any]] = []
        if resident is None:  # deleted since the batch was checked
            problem = [_error("resident", OUT_OF_SCOPE)]
        elif resident.erased_at is not None:
            problem = [_error("resident", ERASED, resident=plan.resident)]
        elif resident.left_on is None:
            try:
                record_resident_left(by=user, resident=resident, left_on=plan.left_on, reason=plan.reason)
            except ValidationError as exc:
                resident.left_on, resident.left_reason = None, ""
                messages = getattr(exc, "error_dict", {"resident": exc.error_list})
                problem = [
                    _error(LEFT_FIELDS.get(name, "resident"), str(message), resident=plan.resident)
                    for name, errors in messages.items()
                    for error in errors
                    for message in error
                ]
        if problem:
            failed.add(index)
            results[index].status, results[index].errors = REJECTED, problem
        else:
            object_ids[index] = plan.resident
    return failed


def _touch(model: Any, ids: set[int], now: dt.datetime) -> tuple[str, list[Any]]:
    """UPDATE … SET updated_at (what `queryset.update(updated_at=now)` sends), or nothing without ids."""
    if not ids:
        return "", []
    value = model._meta.get_field("updated_at").get_db_prep_save(now, connection)
    marks = ", ".join(["%s"] * len(ids))
    sql = f"UPDATE {model._meta.db_table} SET updated_at = %s WHERE id IN ({marks})"  # nosec B608  # a table name and placeholders; values are parameters
    return sql, [value, *sorted(ids)]


VISIT_COLUMNS = ["uuid", "household_id", "recorded_by_id", "visited_at", "minutes", "channel", "follow_up_on",
                 "notes", "campaign_id", "created_at"]  # fmt: skip


def _store(
    user: Any, to_create: list[tuple[int, uuid_lib.UUID, str, str, Any]], results: list[Result], ctx: _Context
) -> None:
    # The writes that answer nothing wait and go together (common.db.writes_together): on PostgreSQL
    # a push of a few visits is one round trip, one transaction, with no BEGIN or COMMIT of its own.
    with transaction.atomic(), writes_together(commit=True):
        _store_rows(user, to_create, results, ctx)


def _store_rows(
    user: Any, to_create: list[tuple[int, uuid_lib.UUID, str, str, Any]], results: list[Result], ctx: _Context
) -> None:
    visit_plans: list[tuple[int, _VisitPlan]] = [(i, p) for i, _, kind, _, p in to_create if kind == "visit"]
    now = timezone.now()
    # Touch the households and residents first, one UPDATE each, so that every push locks them in
    # the same order (no deadlock between concurrent pushes) and phones pull the change; the
    # observation triggers then skip their work (they would find these residents stamped already).
    households = {p.household_id for _, p in visit_plans}
    residents = {r for _, p in visit_plans for r in p.people}
    residents |= {r for _, _, kind, _, p in to_create if kind == "class_attendance" for r in p[1]}
    left_plans: list[tuple[int, _LeftPlan]] = [
        (i, p) for i, _, kind, _, p in to_create if kind == "resident_left"
    ]
    households |= {p.household for _, p in left_plans}
    residents |= {p.resident for _, p in left_plans}
    # Every observation this transaction writes is of one of these residents (a visit's people), so the
    # observation triggers are told they are stamped already (registry.changes.RESIDENTS_STAMPED).
    stamped = changes.residents_stamped_statement() if residents else ("", [])
    execute_together(
        [_touch(Household, households, now), _touch(Resident, residents, now), stamped]
    )  # one round trip

    # Rows go straight to the database as tuples: building model instances per batch cost more than
    # the database work itself (see benchmarks/bench_sync.py).
    object_ids: dict[int, int] = {}
    if visit_plans:
        rows = [
            (p.uuid, p.household_id, user.pk, p.visited_at, p.minutes, p.channel, p.follow_up_on, p.notes,
             p.campaign_id, now)
            for _, p in visit_plans
        ]  # fmt: skip
        if ctx.visit_ids:  # PostgreSQL: the ids were taken with the batch's reads
            ids = ctx.visit_ids[: len(rows)]  # one per visit record; rejected ones leave theirs unused
            insert_rows(
                Visit, ["id", *VISIT_COLUMNS], [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
            )
            object_ids = {i: pk for (i, _), pk in zip(visit_plans, ids, strict=True)}
        else:  # SQLite: the database numbers them; read back by uuid
            insert_rows(Visit, VISIT_COLUMNS, rows)
            by_uuid = dict(
                Visit.objects.filter(uuid__in=[p.uuid for _, p in visit_plans]).values_list("uuid", "pk")
            )
            object_ids = {i: by_uuid[p.uuid] for i, p in visit_plans}

    people: list[tuple[Any, ...]] = []
    skills: list[tuple[Any, ...]] = []
    status: list[tuple[Any, ...]] = []
    for index, plan in visit_plans:
        visit_id, day, ref = object_ids[index], plan.day, str(plan.uuid)
        people += [(visit_id, r) for r in plan.people]
        skills += [(r, s, level, day, Source.VISIT.value, ref) for r, s, level in plan.skills]
        status += [(r, f, v, e, day, Source.VISIT.value, ref) for r, f, v, e in plan.status]
    insert_rows(VisitPerson, ["visit_id", "resident_id"], people)
    attendance = []
    for index, _, kind, _, plan in to_create:
        if kind == "class_attendance":
            community_class, resident_ids = plan
            attendance += [
                ClassAttendance(community_class=community_class, resident_id=r, recorded_by=user)
                for r in resident_ids
            ]
            object_ids[index] = community_class.pk
    ClassAttendance.objects.bulk_create(attendance, ignore_conflicts=True)
    work = [(i, p) for i, _, kind, _, p in to_create if kind == "work_time"]
    for (index, _), row in zip(work, WorkTime.objects.bulk_create([p for _, p in work]), strict=True):
        object_ids[index] = row.pk

    reports = [(i, p) for i, _, kind, _, p in to_create if kind == "scam_report"]
    stored = ScamReport.objects.bulk_create([p for _, p in reports])
    for (index, _), report in zip(reports, stored, strict=True):
        object_ids[index] = report.pk

    failed = _store_residents_left(user, left_plans, results, object_ids)
    to_create = [entry for entry in to_create if entry[0] not in failed]

    # The receipts' primary keys are the client UUIDs: a concurrent duplicate fails here and the
    # whole batch is retried by push(), which then answers "unchanged" for it.
    insert_rows(
        SyncReceipt,
        ["uuid", "kind", "user_id", "payload_hash", "object_id", "received_at"],
        [(u, kind, user.pk, digest, object_ids.get(i), now) for i, u, kind, digest, _ in to_create],
    )

    # The registry's one write path: observations (COPY) and the households a visit or a class touched,
    # so that the indicators' rollups move in this transaction. Last, so that the rollups' shared rows
    # (a commune's and a province's totals, which every push of the province adds to) stay locked only
    # until the commit right after.
    touched = {p.household_id for _, p in visit_plans}
    if attendance:
        touched |= set(
            Resident.objects.filter(pk__in={a.resident_id for a in attendance}).values_list(
                "household_id", flat=True
            )
        )
    record_observations(by=user, status=status, skills=skills, households=touched, recorded_at=now)
    if visit_plans:  # the daily counts team quotas read (fieldwork.visit_days); villages from the context
        # Last, with the listeners' writes: these rows are shared by a member's pushes of the day.
        visit_days.add(
            (ctx.households[p.household_id], user.pk, p.day, len(p.people)) for _, p in visit_plans
        )
    for index, *_ in to_create:
        results[index].status = CREATED
        results[index].id = object_ids.get(index)


# --- pull --------------------------------------------------------------------------------------------

# A round runs through these phases, each in primary-key order; "exits" delivers households and
# residents that left the user's villages (registry.ScopeExit) as `removed` ids.
PHASES = ("households", "residents", "exits")
DONE = "done"
CURSOR_VERSION = 2
CURSOR_SALT = "binhdan.fieldwork.sync.cursor"
MAX_CURSOR_LENGTH = 4096
PULL_LIMIT_DEFAULT, PULL_LIMIT_MIN, PULL_LIMIT_MAX = 300, 20, 1000
BAD_CURSOR = "Mã đồng bộ (since) không hợp lệ; hãy đồng bộ lại từ đầu."


class CursorError(ValueError):
    """A cursor that is neither ours nor an old format we can restart from; the API answers 400."""


@dataclass
class Cursor:
    watermark: str  # what this round delivers up to (registry.changes)
    previous: str | None  # what the previous round delivered up to; None = from scratch
    phase: str
    after: int  # last primary key delivered in this phase
    scope: str  # fingerprint of the villages in scope when the round started

    def encode(self) -> str:
        data = {"v": CURSOR_VERSION, "w": self.watermark, "p": self.previous, "ph": self.phase,
                "a": self.after, "s": self.scope}  # fmt: skip
        return signing.dumps(data, salt=CURSOR_SALT, compress=True)


def _legacy_cursor(raw: str) -> bool:
    """A cursor of the time-lag protocol (before version 2): base64 JSON with since/until."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, TypeError, RecursionError):
        return False
    return isinstance(decoded, dict) and "since" in decoded and "until" in decoded


def decode_cursor(raw: str | None) -> Cursor | None:
    """The phone's cursor; None to start from scratch (none given, or an old format: the phone gets
    everything again and `reset`). Raises CursorError with a Vietnamese message when it is damaged."""
    if not raw:
        return None
    if not isinstance(raw, str) or len(raw) > MAX_CURSOR_LENGTH:
        raise CursorError(BAD_CURSOR)
    try:
        data = signing.loads(raw, salt=CURSOR_SALT)
    except (signing.BadSignature, ValueError, TypeError, RecursionError, OverflowError) as exc:
        if _legacy_cursor(raw):
            return None
        raise CursorError(BAD_CURSOR) from exc
    if not isinstance(data, dict) or data.get("v") != CURSOR_VERSION:
        return None  # signed by us, but an older or newer layout: start again
    watermark, previous, phase, after, scope = (data.get(k) for k in ("w", "p", "ph", "a", "s"))
    if (
        not valid_watermark(watermark)
        or not (previous is None or valid_watermark(previous))
        or phase not in (*PHASES, DONE)
        or not (isinstance(after, int) and not isinstance(after, bool) and 0 <= after <= MAX_ID)
        or not isinstance(scope, str)
    ):
        raise CursorError(BAD_CURSOR)
    return Cursor(str(watermark), previous, str(phase), after, scope)


def parse_limit(raw: Any) -> int:
    """The page size asked for; clamped to 20-1000. Raises ValueError (Vietnamese) when not a number."""
    if raw in (None, ""):
        return PULL_LIMIT_DEFAULT
    text = str(raw).strip()
    if len(text) > 12 or not text.lstrip("-+").isdigit():
        raise ValueError(f"Tham số limit phải là một số nguyên từ {PULL_LIMIT_MIN} đến {PULL_LIMIT_MAX}.")
    return max(PULL_LIMIT_MIN, min(int(text), PULL_LIMIT_MAX))


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _household_rows(user: Any, rows: list[Household]) -> list[dict[str, Any]]:
    return [
        {
            "id": h.pk,
            "village": h.village_id,
            "number": h.number,
            "head_name": h.head_name,
            "address": h.address,
            "phone": h.phone,
            "flags": [f for f in HOUSEHOLD_FLAGS if getattr(h, f)],
            "assigned_member": h.assigned_member_id,
            "assigned_to_me": h.assigned_member_id == user.pk,
            "last_visit": _iso(getattr(h, "last_visit", None)),
            "follow_up_on": _iso(getattr(h, "follow_up", None)),
            "updated_at": h.updated_at.isoformat(),
        }
        for h in rows
    ]


def _resident_rows(rows: list[Resident], skill_codes: dict[int, str]) -> list[dict[str, Any]]:
    today = timezone.localdate()
    ids = [r.pk for r in rows]
    statuses = status_as_of(ids, today)
    skills = skills_as_of(ids, today)
    return [
        {
            "id": r.pk,
            "household": r.household_id,
            "name": r.full_name,
            "birth_year": r.birth_year,
            "gender": r.gender,
            "relation": r.relation,
            "flags": [f for f in RESIDENT_FLAGS if getattr(r, f)],
            "status": {f: o.value for f, o in statuses.get(r.pk, {}).items()},
            "skills": {skill_codes[s]: o.level for s, o in skills.get(r.pk, {}).items() if s in skill_codes},
            "updated_at": r.updated_at.isoformat(),
        }
        for r in rows
    ]


def _scope_villages(user: Any) -> list[int]:
    return sorted(
        Place.objects.filter(access.villages_with_personal_data(user, for_change=True)).values_list(
            "pk", flat=True
        )
    )


def _fingerprint(villages: list[int]) -> str:
    return hashlib.sha256(",".join(map(str, villages)).encode()).hexdigest()[:16]


def _first_page_extras(user: Any, page: dict[str, Any]) -> None:
    """The skills catalogue, the classes around today and the work-time limits, once per round."""
    # The commune's catalogue: its core set and own skills, without what it hides or other communes own.
    page["skills"] = [
        {"code": e.skill.code, "name": e.skill.name, "domain": e.skill.domain, "core": e.in_core}
        for e in catalogue.entries_offered_to(user)
    ]
    window = (timezone.localdate() - dt.timedelta(days=30), timezone.localdate() + dt.timedelta(days=60))
    page["classes"] = [
        {
            "id": c.pk,
            "title": c.title,
            "held_on": c.held_on.isoformat(),
            "kind": c.kind,
            "audience": c.audience,
            "place": c.place_id,
        }
        for c in CommunityClass.objects.visible_to(user).filter(held_on__range=window).order_by("held_on")
    ]
    page["limits"] = {
        "work_time_max_age_days": work_time_max_age_days(user),
        "work_time_max_daily_hours": int(WORK_TIME_MAX_DAILY_HOURS),
    }


def _pull_households(user: Any, cursor: Cursor, wanted: int) -> list[Household]:
    queryset = Household.objects.filter(access.village_scope(user, "village", for_change=True))
    if cursor.previous is None:  # from scratch: households that left the registry are not sent at all
        queryset = queryset.filter(left_on__isnull=True)
    last = Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_at")
    queryset = changed_in_round(queryset, current=cursor.watermark, previous=cursor.previous).annotate(
        last_visit=Max("visits__visited_at"), follow_up=Subquery(last.values("follow_up_on")[:1])
    )
    return list(queryset.filter(pk__gt=cursor.after).order_by("pk")[:wanted])


def _pull_residents(user: Any, cursor: Cursor, wanted: int) -> list[Resident]:
    queryset: QuerySet[Resident] = Resident.objects.filter(
        access.village_scope(user, "household__village", for_change=True)
    )
    if cursor.previous is None:  # from scratch: the phone holds nobody, so nobody to remove
        queryset = queryset.filter(
            erased_at__isnull=True, left_on__isnull=True, household__left_on__isnull=True
        )
    queryset = changed_in_round(queryset, current=cursor.watermark, previous=cursor.previous)
    return list(queryset.filter(pk__gt=cursor.after).order_by("pk")[:wanted])


def _pull_exits(
    user: Any, cursor: Cursor, villages: list[int], wanted: int
) -> tuple[int, int | None, set[int], set[int]]:
    """Households and residents that left the user's villages in this round and are not back: (exits
    read, the last one's id or None, household ids, resident ids — with the residents of those households)."""
    if cursor.previous is None:  # from scratch: the phone holds nothing that could have left
        return 0, None, set(), set()
    exits = list(
        changed_in_round(ScopeExit.objects.filter(village_id__in=villages), current=cursor.watermark,
                         previous=cursor.previous)
        .filter(pk__gt=cursor.after).order_by("pk").values_list("pk", "kind", "object_id")[:wanted]
    )  # fmt: skip
    if not exits:
        return 0, None, set(), set()
    households = {o for _, kind, o in exits if kind == ScopeExit.Kind.HOUSEHOLD and _is_id(o)}
    residents = {o for _, kind, o in exits if kind == ScopeExit.Kind.RESIDENT and _is_id(o)}
    households -= set(
        Household.objects.changeable_by(user).filter(pk__in=households).values_list("pk", flat=True)
    )
    residents -= set(
        Resident.objects.changeable_by(user).active().filter(pk__in=residents).values_list("pk", flat=True)
    )
    if households:
        residents |= set(Resident.objects.filter(household_id__in=households).values_list("pk", flat=True))
    return len(exits), exits[-1][0], households, residents


def pull(*, user: Any, since: str | None, limit: int = PULL_LIMIT_DEFAULT) -> dict[str, Any]:
    """One page of changes in the user's scope; follow `cursor` while `more` is true.

    Raises CursorError for a damaged cursor."""
    limit = max(PULL_LIMIT_MIN, min(limit, PULL_LIMIT_MAX))
    given = decode_cursor(since)
    villages = _scope_villages(user)
    scope = _fingerprint(villages)
    reset = given is None or given.scope != scope
    if given is None or reset:  # from scratch: the phone replaces its copy with what this round brings
        cursor = Cursor(current_watermark(), None, PHASES[0], 0, scope)
    elif given.phase == DONE:  # a new round: everything committed since the last round's watermark
        cursor = Cursor(current_watermark(), given.watermark, PHASES[0], 0, scope)
    else:
        cursor = given
    first_page = cursor.phase == PHASES[0] and cursor.after == 0
    page: dict[str, Any] = {
        "households": [],
        "residents": [],
        "removed": {"households": [], "residents": []},
        "skills": [],
        "classes": [],
    }
    if first_page:
        _first_page_extras(user, page)
    skill_codes = dict(Skill.objects.values_list("pk", "code"))
    removed_households: set[int] = set()
    removed_residents: set[int] = set()
    remaining = limit
    while remaining > 0 and cursor.phase != DONE:
        wanted = remaining
        if cursor.phase == "households":
            households = _pull_households(user, cursor, wanted)
            # A household that left the registry (moved away, merged, duplicate) leaves the phone too,
            # with its residents.
            gone = {h.pk for h in households if h.left_on is not None}
            removed_households |= gone
            if gone:
                removed_residents |= set(
                    Resident.objects.filter(household_id__in=gone).values_list("pk", flat=True)
                )
            page["households"] += _household_rows(user, [h for h in households if h.left_on is None])
            got, last = len(households), households[-1].pk if households else None
        elif cursor.phase == "residents":
            residents = _pull_residents(user, cursor, wanted)
            live = [r for r in residents if r.erased_at is None and r.left_on is None]
            removed_residents |= {r.pk for r in residents if r.erased_at is not None or r.left_on is not None}
            page["residents"] += _resident_rows(live, skill_codes)
            got, last = len(residents), residents[-1].pk if residents else None
        else:
            got, last, gone_households, gone_residents = _pull_exits(user, cursor, villages, wanted)
            removed_households |= gone_households
            removed_residents |= gone_residents
        if last is not None:
            cursor.after = last
            remaining -= got
        if got == wanted:
            break  # the page is full; the next pull resumes inside this phase
        next_index = PHASES.index(cursor.phase) + 1
        cursor.phase = PHASES[next_index] if next_index < len(PHASES) else DONE
        cursor.after = 0
    page["removed"] = {"households": sorted(removed_households), "residents": sorted(removed_residents)}
    more = cursor.phase != DONE
    page["cursor"] = cursor.encode()
    page["more"] = more
    page["reset"] = reset
    page["server_time"] = timezone.now().isoformat()
    return page
