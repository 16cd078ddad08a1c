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
import time
import uuid as uuid_lib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from binhdan.accounts import access
from binhdan.common.db import insert_rows
from binhdan.fieldwork.models import (
    Campaign,
    Channel,
    ClassAttendance,
    CommunityClass,
    SyncReceipt,
    Visit,
    VisitPerson,
    WorkTime,
)
from binhdan.registry.models import (
    HOUSEHOLD_FLAGS,
    RESIDENT_FLAGS,
    Evidence,
    Household,
    Resident,
    Skill,
    SkillLevel,
    SkillObservation,
    Source,
    StatusObservation,
)
from binhdan.registry.services import skills_as_of, status_as_of, status_value_error

MAX_RECORDS_PER_PUSH = 500
OUTCOMES = {"guided": SkillLevel.GUIDED, "mastered": SkillLevel.MASTERED}
CREATED, UNCHANGED, CONFLICT, REJECTED = "created", "unchanged", "conflict", "rejected"


# --- push --------------------------------------------------------------------------------------------


@dataclass
class Result:
    uuid: str | None
    status: str
    errors: list[dict[str, str]] = field(default_factory=list)
    id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"uuid": self.uuid, "status": self.status, "errors": self.errors}
        if self.id is not None:
            answer["id"] = self.id
        return answer


class Rejected(Exception):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def _error(field_name: str, message: str) -> dict[str, str]:
    return {"field": field_name, "message": message}


def payload_hash(kind: str, data: Any) -> str:
    canonical = json.dumps([kind, data], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class _Context:
    """Everything a batch needs, loaded in a handful of queries before any record is checked."""

    user: Any
    now: dt.datetime
    households: dict[int, int]  # household id -> village id, only households the user may change
    residents: dict[int, int]  # resident id -> household id (not erased)
    skills: dict[str, int]
    classes: dict[int, CommunityClass]
    campaigns: list[Campaign]
    village_parent: dict[int, int | None]


def _ints(values: Any) -> set[int]:
    found: set[int] = set()
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool):
            found.add(value)
    return found


def _load_context(user: Any, records: list[tuple[int, str, str, dict[str, Any]]]) -> _Context:
    household_ids: set[int] = set()
    resident_ids: set[int] = set()
    class_ids: set[int] = set()
    for _, _, kind, data in records:
        if kind == "visit":
            household_ids |= _ints([data.get("household")])
            people = data.get("people")
            if isinstance(people, list):
                resident_ids |= _ints(p.get("resident") for p in people if isinstance(p, dict))
        elif kind == "class_attendance":
            class_ids |= _ints([data.get("class")])
            if isinstance(data.get("residents"), list):
                resident_ids |= _ints(data["residents"])
    household_rows = list(
        Household.objects.changeable_by(user)
        .filter(pk__in=household_ids)
        .values_list("pk", "village_id", "village__parent_id")
    )
    households = {pk: village for pk, village, _ in household_rows}
    village_parent = {village: commune for _, village, commune in household_rows}
    residents = dict(
        Resident.objects.changeable_by(user)
        .filter(pk__in=resident_ids, erased_at__isnull=True)
        .values_list("pk", "household_id")
    )
    classes = {c.pk: c for c in CommunityClass.objects.visible_to(user).filter(pk__in=class_ids)}
    campaigns = list(
        Campaign.objects.filter(commune_id__in=set(village_parent.values())).prefetch_related("villages")
    )
    return _Context(
        user=user,
        now=timezone.now(),
        households=households,
        residents=residents,
        skills=_active_skills(),
        classes=classes,
        campaigns=campaigns,
        village_parent=village_parent,
    )


_SKILLS_CACHE: dict[str, Any] = {"at": 0.0, "map": {}}
SKILLS_CACHE_SECONDS = 30.0


def _active_skills() -> dict[str, int]:
    """code -> id of active skills, kept for a few seconds per process: every push needs it."""
    now = time.monotonic()
    if now - _SKILLS_CACHE["at"] > SKILLS_CACHE_SECONDS:
        _SKILLS_CACHE["map"] = dict(Skill.objects.filter(active=True).values_list("code", "pk"))
        _SKILLS_CACHE["at"] = now
    return _SKILLS_CACHE["map"]


def forget_skills_cache(**kwargs: Any) -> None:
    _SKILLS_CACHE["at"] = 0.0


def _aware_datetime(value: Any, name: str, now: dt.datetime) -> dt.datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise Rejected([_error(name, "Thời điểm phải theo dạng ISO 8601, ví dụ 2025-10-05T09:30:00+07:00.")])
    if parsed.tzinfo is None:
        raise Rejected([_error(name, "Thời điểm phải kèm múi giờ, ví dụ +07:00.")])
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
    parsed = parse_date(value) if isinstance(value, str) else None
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
    visit: Visit
    people: list[int]
    skills: list[tuple[int, int, int]]  # resident, skill, level
    status: list[tuple[int, str, int, str]]  # resident, field, value, evidence


def _plan_visit(ctx: _Context, client_uuid: uuid_lib.UUID, data: dict[str, Any]) -> _VisitPlan:
    errors: list[dict[str, str]] = []
    household_id = data.get("household")
    if not isinstance(household_id, int) or household_id not in ctx.households:
        raise Rejected([_error("household", "Không tìm thấy hộ này trong phạm vi của bạn.")])
    visited_at = _aware_datetime(data.get("visited_at"), "visited_at", ctx.now)
    minutes: Any = data.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 600:
        errors.append(_error("minutes", "Số phút phải là số nguyên từ 1 đến 600."))
    channel: Any = data.get("channel")
    if channel not in Channel.values:
        errors.append(_error("channel", "Hình thức hỗ trợ không hợp lệ."))
    try:
        follow_up = _date(data.get("follow_up_on"), "follow_up_on")
    except Rejected as exc:
        errors += exc.errors
        follow_up = None
    local_day = timezone.localtime(visited_at).date()
    if follow_up and follow_up < local_day:
        errors.append(_error("follow_up_on", "Ngày hẹn quay lại phải sau ngày hỗ trợ."))
    notes = data.get("notes") or ""
    if not isinstance(notes, str) or len(notes) > 2000:
        errors.append(_error("notes", "Ghi chú tối đa 2.000 ký tự."))
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
        if not isinstance(resident_id, int) or ctx.residents.get(resident_id) != household_id:
            errors.append(_error(f"{where}.resident", "Người này không thuộc hộ được hỗ trợ."))
            continue
        if resident_id in plan_people:
            errors.append(_error(f"{where}.resident", "Một người được ghi hai lần trong cùng lượt hỗ trợ."))
            continue
        plan_people.append(resident_id)
        skills = person.get("skills") or []
        if not isinstance(skills, list):
            errors.append(_error(f"{where}.skills", "Danh sách kỹ năng không hợp lệ."))
            skills = []
        for s_index, item in enumerate(skills):
            code = item.get("skill") if isinstance(item, dict) else None
            outcome = item.get("outcome") if isinstance(item, dict) else None
            if code not in ctx.skills:
                errors.append(_error(f"{where}.skills[{s_index}].skill", f"Không có kỹ năng mã “{code}”."))
            elif outcome not in OUTCOMES:
                errors.append(
                    _error(f"{where}.skills[{s_index}].outcome", "Kết quả phải là “guided” hoặc “mastered”.")
                )
            else:
                plan_skills.append((resident_id, ctx.skills[code], OUTCOMES[outcome]))
        status = person.get("status") or {}
        if not isinstance(status, dict):
            errors.append(_error(f"{where}.status", "Trạng thái số không hợp lệ."))
            status = {}
        for field_name, raw in status.items():
            value: Any
            evidence: Any
            value, evidence = (
                (raw.get("value"), raw.get("evidence", Evidence.TOLD))
                if isinstance(raw, dict)
                else (raw, Evidence.TOLD)
            )
            problem = status_value_error(field_name, value)
            if problem:
                errors.append(_error(f"{where}.status.{field_name}", problem))
            elif evidence not in Evidence.values:
                errors.append(
                    _error(
                        f"{where}.status.{field_name}.evidence",
                        "Cách biết phải là told, seen hoặc confirmed.",
                    )
                )
            else:
                plan_status.append((resident_id, field_name, int(value), evidence))
    if errors:
        raise Rejected(errors)
    visit = Visit(
        uuid=client_uuid,
        household_id=household_id,
        recorded_by=ctx.user,
        visited_at=visited_at,
        minutes=minutes,
        channel=channel,
        follow_up_on=follow_up,
        notes=notes,
        campaign=_campaign_for(ctx, ctx.households[household_id], local_day),
    )
    return _VisitPlan(visit, plan_people, plan_skills, plan_status)


def _plan_attendance(
    ctx: _Context, client_uuid: uuid_lib.UUID, data: dict[str, Any]
) -> tuple[CommunityClass, list[int]]:
    class_id = data.get("class")
    if not isinstance(class_id, int) or class_id not in ctx.classes:
        raise Rejected([_error("class", "Không tìm thấy buổi học này trong phạm vi của bạn.")])
    residents = data.get("residents")
    if not isinstance(residents, list) or not residents:
        raise Rejected([_error("residents", "Hãy chọn ít nhất một người tham dự.")])
    errors = [
        _error(f"residents[{i}]", "Người này không thuộc phạm vi của bạn.")
        for i, rid in enumerate(residents)
        if not isinstance(rid, int) or rid not in ctx.residents
    ]
    if errors:
        raise Rejected(errors)
    return ctx.classes[class_id], sorted(set(residents))


def _plan_work_time(ctx: _Context, client_uuid: uuid_lib.UUID, data: dict[str, Any]) -> WorkTime:
    day = _date(data.get("date"), "date")
    if day is None:
        raise Rejected([_error("date", "Hãy nhập ngày làm việc.")])
    if day > timezone.localdate() + dt.timedelta(days=1):
        raise Rejected([_error("date", "Ngày làm việc không được ở tương lai.")])
    try:
        hours = Decimal(str(data.get("hours")))
    except (InvalidOperation, ValueError):
        raise Rejected([_error("hours", "Số giờ phải là một số, ví dụ 4 hoặc 4.5.")]) from None
    if not Decimal("0.25") <= hours <= Decimal("16"):
        raise Rejected([_error("hours", "Số giờ trong một ngày phải từ 0,25 đến 16.")])
    note = data.get("note") or ""
    if not isinstance(note, str) or len(note) > 200:
        raise Rejected([_error("note", "Ghi chú tối đa 200 ký tự.")])
    return WorkTime(
        uuid=client_uuid, user=ctx.user, day=day, hours=hours.quantize(Decimal("0.01")), note=note
    )


PLANNERS: dict[str, Callable[..., Any]] = {
    "visit": _plan_visit,
    "class_attendance": _plan_attendance,
    "work_time": _plan_work_time,
}
KIND_LABELS = {
    "visit": "lượt hỗ trợ",
    "class_attendance": "điểm danh buổi học",
    "work_time": "thời gian hoạt động",
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


def _push_once(user: Any, records: list[Any]) -> list[dict[str, Any]]:
    results: list[Result] = []
    candidates: list[tuple[int, str, str, dict[str, Any]]] = []  # index, uuid, kind, data
    for index, record in enumerate(records):
        raw_uuid = record.get("uuid") if isinstance(record, dict) else None
        try:
            parsed = uuid_lib.UUID(str(raw_uuid))
        except ValueError:
            results.append(Result(raw_uuid if isinstance(raw_uuid, str) else None, REJECTED,
                                  [_error("uuid", "Thiếu mã uuid của bản ghi, hoặc mã không hợp lệ.")]))  # fmt: skip
            continue
        kind, data = record.get("type"), record.get("data")
        if kind not in PLANNERS:
            results.append(
                Result(str(parsed), REJECTED, [_error("type", f"Loại bản ghi “{kind}” không được hỗ trợ.")])
            )
            continue
        if not isinstance(data, dict):
            results.append(Result(str(parsed), REJECTED, [_error("data", "Thiếu nội dung bản ghi (data).")]))
            continue
        results.append(Result(str(parsed), ""))
        candidates.append((index, str(parsed), kind, data))

    receipts = {
        str(r.uuid): r
        for r in SyncReceipt.objects.filter(uuid__in=[c[1] for c in candidates]).only(
            "uuid", "payload_hash", "object_id", "kind"
        )
    }
    ctx = _load_context(user, candidates)
    seen_in_batch: dict[str, str] = {}
    to_create: list[tuple[int, str, str, str, Any]] = []
    for index, client_uuid, kind, data in candidates:
        digest = payload_hash(kind, data)
        known = receipts.get(client_uuid)
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
            plan = PLANNERS[kind](ctx, uuid_lib.UUID(client_uuid), data)
        except Rejected as exc:
            results[index].status, results[index].errors = REJECTED, exc.errors
            continue
        seen_in_batch[client_uuid] = digest
        to_create.append((index, client_uuid, kind, digest, plan))

    if to_create:
        _store(user, to_create, results)
    return [r.as_dict() for r in results]


@transaction.atomic
def _store(user: Any, to_create: list[tuple[int, str, str, str, Any]], results: list[Result]) -> None:
    visit_plans = [(i, p) for i, _, kind, _, p in to_create if kind == "visit"]
    visits = Visit.objects.bulk_create([p.visit for _, p in visit_plans])
    object_ids: dict[int, int] = {i: v.pk for (i, _), v in zip(visit_plans, visits, strict=True)}

    # Rows of the child tables go straight to the database as tuples: building thousands of model
    # instances per batch cost more than the database work itself (see benchmarks/bench_sync.py).
    people: list[tuple[Any, ...]] = []
    skills: list[tuple[Any, ...]] = []
    status: list[tuple[Any, ...]] = []
    touched_residents: set[int] = set()
    now = timezone.now()
    for _, plan in visit_plans:
        visit = plan.visit
        day = timezone.localtime(visit.visited_at).date()
        ref = str(visit.uuid)
        people += [(visit.pk, r) for r in plan.people]
        touched_residents.update(plan.people)
        skills += [(r, s, level, day, Source.VISIT.value, user.pk, now, ref) for r, s, level in plan.skills]
        status += [(r, f, v, e, day, Source.VISIT.value, user.pk, now, ref) for r, f, v, e in plan.status]
    insert_rows(VisitPerson, ["visit_id", "resident_id"], people)
    insert_rows(
        SkillObservation,
        [
            "resident_id",
            "skill_id",
            "level",
            "observed_on",
            "source",
            "recorded_by_id",
            "recorded_at",
            "source_ref",
        ],
        skills,
    )
    insert_rows(
        StatusObservation,
        [
            "resident_id",
            "field",
            "value",
            "evidence",
            "observed_on",
            "source",
            "recorded_by_id",
            "recorded_at",
            "source_ref",
        ],
        status,
    )

    attendance = []
    for index, _, kind, _, plan in to_create:
        if kind == "class_attendance":
            community_class, resident_ids = plan
            attendance += [
                ClassAttendance(community_class=community_class, resident_id=r, recorded_by=user)
                for r in resident_ids
            ]
            touched_residents.update(resident_ids)
            object_ids[index] = community_class.pk
    ClassAttendance.objects.bulk_create(attendance, ignore_conflicts=True)

    work = [(i, p) for i, _, kind, _, p in to_create if kind == "work_time"]
    for (index, _), row in zip(work, WorkTime.objects.bulk_create([p for _, p in work]), strict=True):
        object_ids[index] = row.pk

    # The receipts' primary keys are the client UUIDs: a concurrent duplicate fails here and the
    # whole batch is retried by push(), which then answers "unchanged" for it.
    insert_rows(
        SyncReceipt,
        ["uuid", "kind", "user_id", "payload_hash", "object_id", "received_at"],
        [(u, kind, user.pk, digest, object_ids.get(i), now) for i, u, kind, digest, _ in to_create],
    )
    if visit_plans:
        Household.objects.filter(pk__in={p.visit.household_id for _, p in visit_plans}).update(updated_at=now)
    if touched_residents:
        Resident.objects.filter(pk__in=touched_residents).update(updated_at=now)
    for index, *_ in to_create:
        results[index].status = CREATED
        results[index].id = object_ids.get(index)


# --- pull --------------------------------------------------------------------------------------------

PULL_LAG = dt.timedelta(seconds=2)
PHASES = ("households", "residents")


def _encode(cursor: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(raw: str | None) -> dict[str, Any] | None:
    """Parse a cursor from the phone; raises ValueError with a Vietnamese message when it is damaged."""
    if not raw:
        return None
    try:
        padded = raw + "=" * (-len(raw) % 4)
        cursor = json.loads(base64.urlsafe_b64decode(padded))
        dt.datetime.fromisoformat(cursor["since"])
        dt.datetime.fromisoformat(cursor["until"])
        if cursor["phase"] not in PHASES:
            raise ValueError
        return dict(cursor)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError("Mã đồng bộ (since) không hợp lệ; hãy đồng bộ lại từ đầu.") from exc


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
    live = [r.pk for r in rows if r.erased_at is None and r.moved_out_on is None]
    statuses = status_as_of(live, today)
    skills = skills_as_of(live, today)
    answer = []
    for r in rows:
        if r.erased_at is not None or r.moved_out_on is not None:
            answer.append(
                {
                    "id": r.pk,
                    "household": r.household_id,
                    "deleted": True,
                    "updated_at": r.updated_at.isoformat(),
                }
            )
            continue
        answer.append(
            {
                "id": r.pk,
                "household": r.household_id,
                "name": r.full_name,
                "birth_year": r.birth_year,
                "gender": r.gender,
                "relation": r.relation,
                "flags": [f for f in RESIDENT_FLAGS if getattr(r, f)],
                "status": {f: o.value for f, o in statuses.get(r.pk, {}).items()},
                "skills": {
                    skill_codes[s]: o.level for s, o in skills.get(r.pk, {}).items() if s in skill_codes
                },
                "updated_at": r.updated_at.isoformat(),
            }
        )
    return answer


def pull(*, user: Any, since: str | None, limit: int = 300) -> dict[str, Any]:
    """One page of changes in the user's scope; follow `cursor` while `more` is true."""
    limit = max(20, min(limit, 1000))
    cursor = decode_cursor(since)
    now = timezone.now()
    first_page = cursor is None or bool(cursor.get("done"))
    if cursor is None or cursor.get("done"):
        start = cursor["until"] if cursor else dt.datetime(2000, 1, 1, tzinfo=dt.UTC).isoformat()
        cursor = {
            "since": start,
            "until": (now - PULL_LAG).isoformat(),
            "phase": PHASES[0],
            "after_t": None,
            "after_id": None,
        }
    since_t = dt.datetime.fromisoformat(cursor["since"])
    until_t = dt.datetime.fromisoformat(cursor["until"])
    page: dict[str, Any] = {"households": [], "residents": [], "skills": [], "classes": []}
    if first_page:
        skill_rows = Skill.objects.filter(active=True).order_by("position", "code")
        page["skills"] = [
            {"code": s.code, "name": s.name, "domain": s.domain, "core": s.is_core} for s in skill_rows
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
    skill_codes = dict(Skill.objects.values_list("pk", "code"))
    remaining = limit
    while remaining > 0 and cursor["phase"] in PHASES:
        phase = cursor["phase"]
        if phase == "households":
            queryset: Any = Household.objects.filter(access.village_scope(user, "village", for_change=True))
            last = Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_at")
            queryset = queryset.annotate(
                last_visit=Max("visits__visited_at"), follow_up=Subquery(last.values("follow_up_on")[:1])
            )
        else:
            queryset = Resident.objects.filter(
                access.village_scope(user, "household__village", for_change=True)
            )
        window_q = Q(updated_at__gt=since_t, updated_at__lte=until_t)
        if cursor["after_t"] is not None:
            after_t = dt.datetime.fromisoformat(cursor["after_t"])
            window_q &= Q(updated_at__gt=after_t) | Q(updated_at=after_t, pk__gt=cursor["after_id"])
        wanted = remaining
        rows = list(queryset.filter(window_q).order_by("updated_at", "pk")[:wanted])
        if rows:
            page[phase] += (
                _household_rows(user, rows) if phase == "households" else _resident_rows(rows, skill_codes)
            )
            cursor["after_t"], cursor["after_id"] = rows[-1].updated_at.isoformat(), rows[-1].pk
            remaining -= len(rows)
        if len(rows) == wanted:
            break  # the page is full; the next pull resumes inside this phase
        next_index = PHASES.index(phase) + 1
        cursor["phase"] = PHASES[next_index] if next_index < len(PHASES) else "done"
        cursor["after_t"] = cursor["after_id"] = None
    more = cursor["phase"] != "done"
    if not more:
        cursor = {
            "since": cursor["since"],
            "until": cursor["until"],
            "phase": PHASES[0],
            "after_t": None,
            "after_id": None,
            "done": True,
        }
    page["cursor"] = _encode(cursor)
    page["more"] = more
    page["server_time"] = now.isoformat()
    return page
