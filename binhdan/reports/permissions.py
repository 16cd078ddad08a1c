"""Who may read, write, submit and decide on which report (SPEC §3, §7), built on `accounts.access` roles.

- Team reports (daily, team quarterly): written and submitted by the team's leader (a team-leader role over
  its village) or the commune's officer; read by them and the commune's leaders; approved or returned by the
  commune's officer or leader.
- Commune reports (campaign result, summary): written and submitted by the commune's officer; approved or
  returned by the commune's leader; read by both, and — once submitted or approved — by the province's
  officers, who never see drafts or team reports.
- Admins may do everything. Anyone else: the report does not exist for them (404).
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

from django.db.models import Q

from binhdan.accounts import access
from binhdan.accounts.models import RoleKind
from binhdan.fieldwork.models import Team
from binhdan.places.models import Place
from binhdan.reports.models import (
    COMMUNE_KINDS,
    TEAM_KINDS,
    Report,
    ReportKind,
    ReportQuerySet,
    ReportStatus,
)

COMMUNE_READERS: frozenset[str] = frozenset({RoleKind.COMMUNE_OFFICER, RoleKind.COMMUNE_LEADER})
TEAM_WRITERS: frozenset[str] = frozenset({RoleKind.TEAM_LEADER, RoleKind.COMMUNE_OFFICER})
TEAM_DECIDERS: frozenset[str] = frozenset({RoleKind.COMMUNE_OFFICER, RoleKind.COMMUNE_LEADER})
SEEN_BY_PROVINCE = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)
_TEAM_KINDS = [k.value for k in TEAM_KINDS]
_COMMUNE_KINDS = [k.value for k in COMMUNE_KINDS]


def reports_visible_to(user: Any) -> ReportQuerySet:
    """Every report the user may open (one query, whatever the roles)."""
    if access.is_admin(user):
        return Report.objects.all()  # role_scope is Q() for admins, which an OR would drop
    commune_staff = access.role_scope(user, COMMUNE_READERS, "commune")
    team_leaders = access.role_scope(user, {RoleKind.TEAM_LEADER}, "team__village") & Q(kind__in=_TEAM_KINDS)
    province = (
        access.role_scope(user, {RoleKind.PROVINCE_OFFICER}, "commune")
        & Q(kind__in=_COMMUNE_KINDS)
        & Q(status__in=[s.value for s in SEEN_BY_PROVINCE])
    )
    return Report.objects.filter(commune_staff | team_leaders | province)


def _holds(user: Any, kinds: AbstractSet[str], place: Place) -> bool:
    return Place.objects.filter(pk=place.pk).filter(access.role_scope(user, kinds, "")).exists()


def may_create(user: Any, kind: str, commune: Place, team: Team | None = None) -> bool:
    if kind in TEAM_KINDS:
        if team is None or team.village.parent_id != commune.pk:
            return False
        return _holds(user, TEAM_WRITERS, team.village)
    if kind in COMMUNE_KINDS:
        return access.can_manage_place(user, commune)
    return False


def may_edit(user: Any, report: Report) -> bool:
    """Change a draft's text and refresh its figures; make a new version of any report."""
    if report.kind in TEAM_KINDS and report.team is not None:
        return _holds(user, TEAM_WRITERS, report.team.village)
    return access.can_manage_place(user, report.commune)


def may_submit(user: Any, report: Report) -> bool:
    return report.status == ReportStatus.DRAFT and may_edit(user, report)


def may_decide(user: Any, report: Report) -> bool:
    """Approve or return a submitted report."""
    if report.status != ReportStatus.SUBMITTED:
        return False
    if report.kind in TEAM_KINDS:
        return _holds(user, TEAM_DECIDERS, report.commune)
    return access.can_approve_for(user, report.commune)


def kinds_creatable(user: Any, commune: Place) -> list[ReportKind]:
    """The kinds the user may start in this commune (team kinds when they lead a team there)."""
    kinds = []
    if access.can_manage_place(user, commune):
        kinds = list(ReportKind)
    elif (
        Place.objects.filter(parent=commune)
        .filter(access.role_scope(user, {RoleKind.TEAM_LEADER}, ""))
        .exists()
    ):
        kinds = [k for k in ReportKind if k in TEAM_KINDS]
    return kinds


def teams_writable_by(user: Any, commune: Place) -> Any:
    """The teams of the commune whose reports the user may write (a QuerySet, for scoped form fields)."""
    return Team.objects.filter(village__parent=commune).filter(
        access.role_scope(user, TEAM_WRITERS, "village")
    )
