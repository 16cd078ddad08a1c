"""Writes about teams: joining and leaving keep history and keep access roles in step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from binhdan.accounts.models import Role, RoleKind
from binhdan.fieldwork.models import Team, TeamMembership, TeamRole
from binhdan.places.models import Level, Place

MIN_TEAM_SIZE, MAX_TEAM_SIZE = 7, 12


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
