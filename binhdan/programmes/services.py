"""Writes of the programmes: a drive and its invitees, and the results of the day.

Results reach residents' status and skills only through the registry's one write path
(`registry.recording.record_observations`, source_ref = "drive:<id>"), and a class drive's attendance
through `fieldwork.services.take_attendance`, in one transaction, so the indicators' rollups move with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from binhdan.fieldwork import services as fieldwork_services
from binhdan.fieldwork.models import Audience, ClassKind, TeamMembership
from binhdan.places.models import Place
from binhdan.programmes.filters import Rule
from binhdan.programmes.models import Drive, DriveInvitee, DriveKind
from binhdan.registry import recording
from binhdan.registry.models import Evidence, Resident, SkillLevel, Source, StatusField

MAX_INVITEES = 500  # one drive's slips and tick-list; a longer list is several drives (fewer villages)
RULE_AUDIENCE = {
    Rule.ELDERLY_NO_CLASS: Audience.ELDERLY,
    Rule.DISABLED_NO_CLASS: Audience.DISABLED,
    Rule.TRADERS_4T: Audience.TRADERS,
    Rule.WORKERS_NO_BASIC: Audience.WORKERS,
}


def source_ref(drive: Drive) -> str:
    return f"drive:{drive.pk}"


def _contacts_by_household(residents: Sequence[Resident], default: Any) -> dict[int, Any]:
    """The member to call for each household: its assigned member while they are in a team of the
    household's village, else the drive's contact."""
    assigned = {r.household_id: r.household.assigned_member_id for r in residents}
    in_team = set(
        TeamMembership.objects.filter(
            left_on__isnull=True, user_id__in={u for u in assigned.values() if u}
        ).values_list("user_id", "team__village_id")
    )
    out = {}
    for r in residents:
        member = assigned[r.household_id]
        ok = member is not None and (member, r.household.village_id) in in_team
        out[r.household_id] = member if ok else default.pk
    return out


@transaction.atomic
def create_drive(
    *,
    by: Any,
    commune: Place,
    villages: Sequence[Place],
    residents: Sequence[Resident],
    data: dict[str, Any],
    filter_used: dict[str, Any],
) -> Drive:
    """A drive on a day with its invitees; a class drive also schedules its class (fieldwork), so that
    attendance counts for the classes' indicators."""
    if not villages:
        raise ValidationError({"villages": "Hãy chọn ít nhất một thôn."})
    if any(v.parent_id != commune.pk for v in villages):
        raise ValidationError({"villages": f"Chỉ chọn thôn của {commune.name}."})
    residents = list(residents)
    if not residents:
        raise ValidationError("Danh sách không có ai: không có người nào để mời.")
    if len(residents) > MAX_INVITEES:
        raise ValidationError(
            f"Danh sách có {len(residents)} người, quá {MAX_INVITEES} người cho một đợt. "
            "Hãy chọn ít thôn hơn và lập nhiều đợt."
        )
    village_ids = {v.pk for v in villages}
    if any(r.household.village_id not in village_ids for r in residents):
        raise ValidationError({"villages": "Có người không ở các thôn đã chọn."})
    drive = Drive(
        commune=commune,
        title=data["title"],
        kind=data["kind"],
        held_on=data["held_on"],
        starts_at=data["starts_at"],
        venue=data["venue"],
        what_to_bring=data.get("what_to_bring", ""),
        contact=data["contact"],
        filter=filter_used,
        created_by=by,
    )
    drive.full_clean(exclude=["created_by", "community_class"])
    drive.save()
    drive.villages.set(villages)
    drive.skills.set(data.get("skills", []))
    if drive.kind == DriveKind.CLASS:
        drive.community_class = fieldwork_services.save_class(
            by=by,
            commune=commune,
            data={
                "kind": ClassKind.CLASS,
                "title": drive.title,
                "held_on": drive.held_on,
                "village": villages[0] if len(villages) == 1 else None,
                "venue": drive.venue,
                "audience": RULE_AUDIENCE.get(filter_used.get("rule", ""), Audience.GENERAL),
                "skills": list(drive.skills.all()),
                "instructors": [drive.contact],
            },
        )
        drive.save(update_fields=["community_class", "updated_at"])
    contacts = _contacts_by_household(residents, drive.contact)
    DriveInvitee.objects.bulk_create(
        [DriveInvitee(drive=drive, resident=r, contact_id=contacts[r.household_id]) for r in residents]
    )
    return drive


@dataclass
class Result:
    """What the page says about one invitee."""

    invitee: DriveInvitee
    came: bool
    vneid_level: int | None = None
    skills: dict[int, int] = field(default_factory=dict)  # skill id -> level


@transaction.atomic
def record_results(
    *, by: Any, drive: Drive, results: Sequence[Result], evidence: str = Evidence.SEEN
) -> tuple[int, int]:
    """Who came and what was done; writes only what changed since the last save (observations are
    append-only). Returns (people marked present, observations written)."""
    today = timezone.localdate()
    if drive.held_on > today:
        raise ValidationError(
            f"Đợt vận động diễn ra ngày {drive.held_on:%d/%m/%Y}: chỉ ghi kết quả từ ngày đó trở đi."
        )
    if evidence not in Evidence.values:
        raise ValidationError({"evidence": "Cách biết không hợp lệ."})
    skills = {s.pk: s for s in drive.skills.all()}
    source = Source.CLASS if drive.kind == DriveKind.CLASS else Source.OFFICER
    ref = source_ref(drive)
    status_rows: list[tuple[Any, ...]] = []
    skill_rows: list[tuple[Any, ...]] = []
    present, absent, changed = [], [], []
    now = timezone.now()
    for number, result in enumerate(results, start=1):
        invitee = result.invitee
        if invitee.drive_id != drive.pk:
            raise ValidationError(f"Dòng {number}: người này không thuộc đợt vận động.")
        name = invitee.resident.full_name
        if not result.came and (result.vneid_level is not None or result.skills):
            raise ValidationError(f"{name}: chưa đánh dấu có mặt mà đã ghi kết quả.")
        stored = dict(invitee.results or {})
        stored_skills = dict(stored.get("skills", {}))
        if result.came and result.vneid_level is not None and stored.get("vneid_level") != result.vneid_level:
            if result.vneid_level not in (0, 1, 2):
                raise ValidationError(f"{name}: mức VNeID phải là 1 hoặc 2.")
            status_rows.append(
                (invitee.resident_id, StatusField.VNEID_LEVEL.value, result.vneid_level, evidence,
                 drive.held_on, source, ref)
            )  # fmt: skip
            stored["vneid_level"] = result.vneid_level
        for skill_id, level in result.skills.items():
            skill = skills.get(skill_id)
            if skill is None or level not in (SkillLevel.GUIDED, SkillLevel.MASTERED):
                raise ValidationError(f"{name}: kỹ năng hoặc mức kỹ năng không hợp lệ.")
            if stored_skills.get(skill.code) != level:
                skill_rows.append((invitee.resident_id, skill.pk, level, drive.held_on, source, ref))
                stored_skills[skill.code] = level
        if stored_skills:
            stored["skills"] = stored_skills
        if result.came:
            present.append(invitee.resident)
        elif invitee.came:  # ticked before, unticked now
            absent.append(invitee.resident)
        if result.came != invitee.came or stored != (invitee.results or {}):
            invitee.came, invitee.results = result.came, stored
            invitee.recorded_at, invitee.recorded_by = now, by
            changed.append(invitee)
    DriveInvitee.objects.bulk_update(changed, ["came", "results", "recorded_at", "recorded_by"])
    households = [r.household_id for r in [*present, *absent]]
    if status_rows or skill_rows:
        recording.record_observations(
            by=by, status=status_rows, skills=skill_rows, households=households, recorded_at=now
        )
    if drive.community_class is not None:
        fieldwork_services.take_attendance(
            by=by, community_class=drive.community_class, present=present, absent=absent
        )
    return sum(1 for r in results if r.came), len(status_rows) + len(skill_rows)


def vneid_level_label(level: int | None) -> str:
    return {None: "", 0: "Chưa có", 1: "Mức 1", 2: "Mức 2"}.get(level, "")
