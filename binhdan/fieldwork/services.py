"""Writes about teams: joining and leaving keep history and keep access roles in step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from binhdan.accounts.models import Role, RoleKind
from binhdan.fieldwork.models import (
    Campaign,
    ClassAttendance,
    CommunityClass,
    Mentor,
    Mentorship,
    Team,
    TeamMembership,
    TeamRole,
    Training,
)
from binhdan.fieldwork.rules import MAX_TEAM_SIZE
from binhdan.fieldwork.rules import MIN_TEAM_SIZE as MIN_TEAM_SIZE  # re-exported for older callers
from binhdan.places.models import Level, Place
from binhdan.registry.recording import households_changed


def _access_kind(team_role: str) -> str:
    return RoleKind.TEAM_LEADER if team_role == TeamRole.LEADER else RoleKind.MEMBER


@transaction.atomic
def create_team(*, village: Place, name: str = "", formed_on: dt.date | None = None) -> Team:
    if village.level != Level.VILLAGE:
        raise ValidationError({"village": "Tổ công nghệ số cộng đồng được lập cho một thôn, tổ dân phố."})
    if Team.objects.filter(village=village).exists():
        raise ValidationError({"village": f"{village.name} đã có Tổ công nghệ số cộng đồng."})
    return Team.objects.create(
        village=village, name=name or f"Tổ công nghệ số cộng đồng {village.name}", formed_on=formed_on
    )


@transaction.atomic
def add_team_member(
    *,
    team: Team,
    user: Any,
    role: str = TeamRole.MEMBER,
    affiliation: str = "",
    joined_on: dt.date | None = None,
) -> TeamMembership:
    """Add a person to a team and grant the matching access role over the team's village."""
    joined_on = joined_on or timezone.localdate()
    if TeamMembership.objects.filter(team=team, user=user, left_on__isnull=True).exists():
        raise ValidationError({"user": f"{user} đã là thành viên của tổ."})
    if team.memberships.filter(left_on__isnull=True).count() >= MAX_TEAM_SIZE:
        raise ValidationError({"user": f"Tổ đã đủ {MAX_TEAM_SIZE} thành viên (quy định 7-12 người)."})
    if (
        role == TeamRole.LEADER
        and team.memberships.filter(left_on__isnull=True, role=TeamRole.LEADER).exists()
    ):
        raise ValidationError({"role": "Tổ đã có tổ trưởng; hãy cho tổ trưởng cũ rời vị trí trước."})
    membership = TeamMembership.objects.create(
        team=team, user=user, role=role, affiliation=affiliation, joined_on=joined_on
    )
    # Someone invited into the village already holds its role (accounts.people): joining keeps that one.
    holds = Role.objects.filter(
        user=user,
        kind=_access_kind(role),
        place=team.village,
        valid_from__lte=joined_on,
        valid_to__isnull=True,
    ).exists()
    if not holds:
        Role.objects.create(user=user, kind=_access_kind(role), place=team.village, valid_from=joined_on)
    return membership


@transaction.atomic
def remove_team_member(*, membership: TeamMembership, left_on: dt.date | None = None) -> TeamMembership:
    """Close a membership and the access role it granted; the history stays."""
    left_on = left_on or timezone.localdate()
    if membership.left_on is not None:
        raise ValidationError({"left_on": "Thành viên này đã rời tổ."})
    if left_on < membership.joined_on:
        raise ValidationError({"left_on": "Ngày rời tổ không được trước ngày vào tổ."})
    membership.left_on = left_on
    membership.save(update_fields=["left_on"])
    Role.objects.filter(
        user=membership.user,
        kind=_access_kind(membership.role),
        place=membership.team.village,
        valid_to__isnull=True,
    ).update(valid_to=left_on - dt.timedelta(days=1))  # access ends when they leave, not a day later
    membership.user.assigned_households.filter(village=membership.team.village).update(assigned_member=None)
    return membership


@transaction.atomic
def assign_households(*, by: Any, team: Team, member: Any | None, household_ids: list[int]) -> int:
    """Give households of the team's village to a current member (None clears); returns how many changed."""
    from binhdan.registry.models import Household

    if member is not None and not team.memberships.filter(user=member, left_on__isnull=True).exists():
        raise ValidationError({"member": "Người này không còn là thành viên của tổ."})
    households = Household.objects.filter(village=team.village, pk__in=household_ids)
    if households.count() != len(set(household_ids)):
        raise ValidationError({"households": "Có hộ không thuộc thôn của tổ."})
    # updated_at moves so that phones pick the new assignment up on their next pull.
    return households.update(assigned_member=member, updated_at=timezone.now())


# --- the commune workspace ------------------------------------------------------------------------------
# Views have already asked `access` whether `by` may change the commune; every chosen object came
# through a scoped form field. These functions keep the rules that hold whoever calls them.


def _check_in_commune(commune: Place, villages: Any, field: str) -> None:
    if any(v.parent_id != commune.pk or v.level != Level.VILLAGE for v in villages):
        raise ValidationError({field: f"Chỉ chọn được thôn của {commune.name}."})


@dataclass
class MergeResult:
    households: int
    members: int


@transaction.atomic
def merge_villages(*, by: Any, village: Place, into: Place, merged_on: dt.date) -> MergeResult:
    """Merge `village` into `into` from `merged_on`: households and the team's members move, the old
    village ends the day before with replaced_by set; its past rows keep pointing at it."""
    from binhdan.places.services import close_village
    from binhdan.registry.moves import move_households

    if village.parent_id != into.parent_id or village.pk == into.pk:
        raise ValidationError({"into": "Chỉ sáp nhập vào một thôn khác của cùng xã."})
    if into.valid_to is not None or village.valid_to is not None:
        raise ValidationError({"into": "Cả hai thôn phải đang hoạt động."})
    old_team = Team.objects.filter(village=village).first()
    moving = list(old_team.current_memberships()) if old_team else []
    members = 0
    if moving:
        new_team = Team.objects.filter(village=into).first() or create_team(village=into, formed_on=merged_on)
        already = set(new_team.memberships.filter(left_on__isnull=True).values_list("user_id", flat=True))
        joining = [m for m in moving if m.user_id not in already]
        size = len(already)
        if size + len(joining) > MAX_TEAM_SIZE:
            raise ValidationError(
                {
                    "into": f"Tổ của {into.name} sẽ có {size + len(joining)} người, quá {MAX_TEAM_SIZE}. "
                    f"Hãy cho bớt người rời tổ trước khi sáp nhập."
                }
            )
        has_leader = new_team.memberships.filter(left_on__isnull=True, role=TeamRole.LEADER).exists()
        for membership in moving:
            role = membership.role
            if role == TeamRole.LEADER and has_leader:
                role = TeamRole.DEPUTY  # one leader per team; the incoming leader becomes a deputy
            remove_team_member(membership=membership, left_on=merged_on)
            if membership.user_id in already:
                continue  # already in the new village's team: only the old membership closes
            add_team_member(
                team=new_team,
                user=membership.user,
                role=role,
                affiliation=membership.affiliation,
                joined_on=merged_on,
            )
            members += 1
    households = move_households(by=by, source=village, target=into, on=merged_on)
    close_village(village=village, on=merged_on - dt.timedelta(days=1), replaced_by=into)
    return MergeResult(households=households, members=members)


def close_empty_village(*, by: Any, village: Place, closed_on: dt.date) -> Place:
    """End a village with no households and no team members; otherwise ask for a merge instead."""
    from binhdan.places.services import close_village
    from binhdan.registry.models import Household

    count = Household.objects.filter(village=village).count()
    if count:
        raise ValidationError(
            {"closed_on": f"{village.name} còn {count} hộ. Hãy sáp nhập vào thôn khác để chuyển các hộ đi."}
        )
    if TeamMembership.objects.filter(team__village=village, left_on__isnull=True).exists():
        raise ValidationError(
            {"closed_on": f"Tổ của {village.name} còn thành viên. Hãy cho họ rời tổ trước."}
        )
    return close_village(village=village, on=closed_on)


@transaction.atomic
def save_class(
    *, by: Any, commune: Place, instance: CommunityClass | None = None, data: dict[str, Any]
) -> CommunityClass:
    """Create or edit a class or community day of the commune (a village, or the whole commune)."""
    village = data.get("village")
    if village is not None:
        _check_in_commune(commune, [village], "village")
    community_class = instance or CommunityClass(created_by=by)
    for field in ("kind", "title", "held_on", "venue", "audience"):
        setattr(community_class, field, data.get(field, "") if field == "venue" else data[field])
    community_class.place = village or commune
    moved_day = (
        instance is not None
        and instance.pk
        and CommunityClass.objects.filter(pk=instance.pk).exclude(held_on=community_class.held_on).exists()
    )
    community_class.save()
    if moved_day:  # attendance now counts from another day
        households_changed(
            ClassAttendance.objects.filter(community_class=community_class).values_list(
                "resident__household_id", flat=True
            )
        )
    community_class.skills.set(data.get("skills", []))
    community_class.instructors.set(data.get("instructors", []))
    return community_class


def class_commune(community_class: CommunityClass) -> Place:
    place = community_class.place
    return place if place.level == Level.COMMUNE else place.parent  # type: ignore[return-value]


@transaction.atomic
def take_attendance(
    *, by: Any, community_class: CommunityClass, present: list[Any], absent: list[Any]
) -> tuple[int, int]:
    """Tick residents present and untick others; ticking twice stores one row. Returns (added, removed)."""
    commune = class_commune(community_class)
    if any(r.household.village.parent_id != commune.pk for r in [*present, *absent]):
        raise ValidationError({"present": f"Chỉ điểm danh người dân của {commune.name}."})
    have = set(
        ClassAttendance.objects.filter(community_class=community_class).values_list("resident_id", flat=True)
    )
    new = [r for r in present if r.pk not in have]
    ClassAttendance.objects.bulk_create(
        [ClassAttendance(community_class=community_class, resident=r, recorded_by=by) for r in new],
        ignore_conflicts=True,  # two officers ticking the same person at once still store one row
    )
    removed, _ = ClassAttendance.objects.filter(
        community_class=community_class, resident__in=[r.pk for r in absent]
    ).delete()
    # Attendance counts for households reached and classes attended: the registry's write path tells
    # the indicators' rollups, in this transaction.
    households_changed(r.household_id for r in [*new, *absent])
    return len(new), removed


@transaction.atomic
def save_training(
    *, by: Any, commune: Place, instance: Training | None = None, data: dict[str, Any]
) -> Training:
    training = instance or Training(commune=commune)
    training.title, training.held_on = data["title"], data["held_on"]
    training.save()
    training.attendees.set(data.get("attendees", []))
    return training


@transaction.atomic
def create_mentor(
    *, by: Any, commune: Place, user: Any = None, resident: Any = None, started_on: dt.date
) -> Mentor:
    """Name a member or a resident of the commune as a đại sứ số; the same person twice is refused."""
    if (user is None) == (resident is None):
        raise ValidationError({"user": "Chọn một thành viên hoặc một người dân (chỉ một trong hai)."})
    if resident is not None and resident.household.village.parent_id != commune.pk:
        raise ValidationError({"resident": f"Chỉ chọn người dân của {commune.name}."})
    existing = Mentor.objects.filter(commune=commune, ended_on__isnull=True)
    if existing.filter(user=user, resident=resident).exists():
        raise ValidationError({"user": "Người này đã là đại sứ số của xã."})
    return Mentor.objects.create(commune=commune, user=user, resident=resident, started_on=started_on)


@transaction.atomic
def add_mentee(*, by: Any, mentor: Mentor, mentee: Any, started_on: dt.date) -> Mentorship:
    if mentee.household.village.parent_id != mentor.commune_id:
        raise ValidationError({"mentee": "Chỉ kèm cặp người dân trong xã."})
    if mentor.resident_id == mentee.pk:
        raise ValidationError({"mentee": "Đại sứ số không tự kèm cặp chính mình."})
    if mentor.mentorships.filter(mentee=mentee, ended_on__isnull=True).exists():
        raise ValidationError({"mentee": f"{mentee.full_name} đang được đại sứ số này kèm cặp."})
    if started_on < mentor.started_on:
        raise ValidationError({"started_on": f"Đại sứ số bắt đầu từ {mentor.started_on:%d/%m/%Y}."})
    return Mentorship.objects.create(mentor=mentor, mentee=mentee, started_on=started_on)


@transaction.atomic
def record_mentorship_outcome(
    *, by: Any, mentorship: Mentorship, outcome: str, ended_on: dt.date | None, note: str = ""
) -> Mentorship:
    if ended_on is not None and ended_on < mentorship.started_on:
        raise ValidationError(
            {"ended_on": f"Ngày kết thúc trước ngày bắt đầu ({mentorship.started_on:%d/%m/%Y})."}
        )
    mentorship.outcome, mentorship.ended_on, mentorship.note = outcome, ended_on, note
    mentorship.save(update_fields=["outcome", "ended_on", "note"])
    return mentorship


@transaction.atomic
def save_campaign(
    *, by: Any, commune: Place, instance: Campaign | None = None, data: dict[str, Any]
) -> Campaign:
    """Create or edit a campaign of the commune; its villages must be the commune's."""
    villages = list(data.get("villages", []))
    _check_in_commune(commune, villages, "villages")
    campaign = instance or Campaign(commune=commune)
    for field in ("name", "starts_on", "ends_on"):
        setattr(campaign, field, data[field])
    campaign.daily_reporting = bool(data.get("daily_reporting"))
    campaign.save()
    campaign.villages.set(villages)
    campaign.focus_skills.set(data.get("focus_skills", []))
    return campaign
