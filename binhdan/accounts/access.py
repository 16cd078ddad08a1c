"""The one place that answers "which places, households and residents may this user see or change".

Every view, API and export asks this module; nothing else decides scope. Outside scope the answer is
the same as for a missing row (404), so nobody can probe which records exist.

Scope is geographic and inherited downwards (SPEC §3):

- member, team leader: their village — see and change households and residents;
- commune officer: the commune — see and change, manage villages, teams and registry;
- commune leader: the commune — read only;
- province officer: the province — places and aggregates, no resident-level data;
- admin: everything.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any, TypeVar

from django.core.exceptions import FieldError, ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from binhdan.accounts.models import RoleKind, User
from binhdan.common.security_log import OutOfScope
from binhdan.places.models import Level, Place, PlaceQuerySet

M = TypeVar("M", bound=Model)

PERSONAL_DATA_READERS = {
    RoleKind.MEMBER,
    RoleKind.TEAM_LEADER,
    RoleKind.COMMUNE_OFFICER,
    RoleKind.COMMUNE_LEADER,
}
PERSONAL_DATA_WRITERS = {RoleKind.MEMBER, RoleKind.TEAM_LEADER, RoleKind.COMMUNE_OFFICER}
PLACE_MANAGERS = {RoleKind.COMMUNE_OFFICER}
TEAM_MANAGERS = {RoleKind.TEAM_LEADER, RoleKind.COMMUNE_OFFICER}
BULK_EXPORTERS = {RoleKind.COMMUNE_OFFICER, RoleKind.COMMUNE_LEADER}

_NOTHING = Q(pk__in=[])


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def has_role(user: Any, *kinds: str) -> bool:
    """Whether a signed-in user currently holds one of these roles anywhere."""
    return _active(user) and bool(user.has_role(*kinds))


def is_admin(user: Any) -> bool:
    return _active(user) and (user.is_superuser or user.has_role(RoleKind.ADMIN))


def _scope_q(user: Any, kinds: AbstractSet[str], path: str) -> Q:
    """A Q over `path` (a lookup that leads to a Place) covering the places held with one of `kinds`."""
    if not _active(user):
        return _NOTHING
    if is_admin(user):
        return Q()
    prefix = f"{path}__" if path else ""
    condition = _NOTHING
    for role in user.current_roles():
        if role.kind not in kinds or role.place is None:
            continue
        place = role.place
        condition |= Q(**{f"{prefix}pk": place.pk})
        if place.level <= Level.COMMUNE:
            condition |= Q(**{f"{prefix}parent_id": place.pk})
        if place.level == Level.PROVINCE:
            condition |= Q(**{f"{prefix}parent__parent_id": place.pk})
    return condition


def role_scope(user: Any, kinds: AbstractSet[str], path: str = "") -> Q:
    """Q over `path` covering the places the user holds with one of `kinds` (and the places under them);
    everything for admins. For higher apps' own rules (e.g. who approves a report), built on the same roles."""
    return _scope_q(user, kinds, path)


COMMUNE_APPROVERS = {RoleKind.COMMUNE_LEADER}


def can_approve_for(user: Any, place: Place) -> bool:
    """Approve what the commune sends up (its reports): the commune's leaders, and admins."""
    return Place.objects.filter(pk=place.pk).filter(_scope_q(user, COMMUNE_APPROVERS, "")).exists()


def places_visible_to(user: Any) -> PlaceQuerySet:
    """Every place in any of the user's scopes (province officers included)."""
    return Place.objects.filter(_scope_q(user, set(RoleKind), ""))


def villages_with_personal_data(user: Any, *, for_change: bool = False) -> Q:
    """Q on Place: the villages whose households and residents the user may see (or change)."""
    return _scope_q(user, PERSONAL_DATA_WRITERS if for_change else PERSONAL_DATA_READERS, "") & Q(
        level=Level.VILLAGE
    )


def village_scope(user: Any, path: str, *, for_change: bool = False) -> Q:
    """Q over `path` (e.g. "village" or "household__village") limiting rows to villages in scope."""
    kinds = PERSONAL_DATA_WRITERS if for_change else PERSONAL_DATA_READERS
    return _scope_q(user, kinds, path)


def get_visible_or_404(queryset: QuerySet[M], **lookup: Any) -> M:
    """The object from an already scoped queryset, or 404 — the same answer for forbidden and missing.

    Behind the same answer, a row that exists outside the queryset raises `OutOfScope` (a Http404 that
    `common.security_log` writes down as a refused access, ASVS 7.2.2); a row that does not exist at
    all, or a malformed id, raises a plain Http404.
    """
    try:
        return queryset.get(**lookup)
    except ObjectDoesNotExist as exc:
        model = queryset.model
        try:  # a lookup on an annotation of the scoped queryset cannot be asked of the plain table
            elsewhere = model._default_manager.filter(**lookup).exists()
        except (FieldError, ValueError, TypeError):
            elsewhere = False
        if elsewhere:
            raise OutOfScope(model.__name__) from exc
        raise Http404 from exc
    except (ValueError, TypeError) as exc:
        raise Http404 from exc


def place_or_404(user: Any, pk: Any) -> Place:
    return get_visible_or_404(places_visible_to(user), pk=pk)


def can_see_personal_data(user: Any, place: Place) -> bool:
    return Place.objects.filter(pk=place.pk).filter(_scope_q(user, PERSONAL_DATA_READERS, "")).exists()


def can_change_personal_data(user: Any, place: Place) -> bool:
    return Place.objects.filter(pk=place.pk).filter(_scope_q(user, PERSONAL_DATA_WRITERS, "")).exists()


def can_manage_place(user: Any, place: Place) -> bool:
    """Add villages, edit teams and targets: commune officers over their commune, and admins."""
    return Place.objects.filter(pk=place.pk).filter(_scope_q(user, PLACE_MANAGERS, "")).exists()


def can_manage_team(user: Any, village: Place) -> bool:
    """Team members and household assignments: the village's team leader, commune officers, admins."""
    return Place.objects.filter(pk=village.pk).filter(_scope_q(user, TEAM_MANAGERS, "")).exists()


def can_bulk_export(user: Any, place: Place) -> bool:
    """Members and team leaders never bulk-export; officers do within their commune."""
    return Place.objects.filter(pk=place.pk).filter(_scope_q(user, BULK_EXPORTERS, "")).exists()


def home_places(user: User) -> list[Place]:
    """The places named by the user's roles, for their home page."""
    return [role.place for role in user.current_roles() if role.place is not None]


# --- accounts: who may hold API tokens, whose accounts an officer looks after -------------------------

# Personal API tokens are for the field (members and team leaders, scripts on their phones). Officers
# use the web with a session and two-factor; a token would be a password-only way around it.
API_TOKEN_ROLES = {RoleKind.MEMBER, RoleKind.TEAM_LEADER}
# Who hands over enrolment codes and looks after tokens for the users of their commune.
ACCOUNT_MANAGERS = {RoleKind.COMMUNE_OFFICER}


def may_hold_api_token(user: Any) -> bool:
    """A token may be created only for a member or team leader."""
    return has_role(user, *API_TOKEN_ROLES)


def may_use_api_token(user: Any) -> bool:
    """A token works only for a member or team leader, and — when their roles (another role they hold)
    require two-factor — only once they have a confirmed authenticator, as a session would need."""
    from django.conf import settings

    if not may_hold_api_token(user):
        return False
    if user.requires_two_factor and not settings.TWO_FACTOR_RELAXED:
        return bool(user.totpdevice_set.filter(confirmed=True).exists())
    return True


def users_managed_by(user: Any) -> Any:
    """Users whose tokens and enrolment codes `user` looks after: anyone holding a current role in the
    officer's commune (the commune or its villages); admins: everyone. Never the user themself."""
    from binhdan.accounts.models import Role

    if not _active(user):
        return User.objects.none()
    if is_admin(user):
        return User.objects.exclude(pk=user.pk)
    in_scope = Role.objects.current().filter(_scope_q(user, ACCOUNT_MANAGERS, "place")).values("user_id")
    if not has_role(user, *ACCOUNT_MANAGERS):
        return User.objects.none()
    return User.objects.filter(pk__in=in_scope).exclude(pk=user.pk)


def may_manage_accounts(user: Any) -> bool:
    return is_admin(user) or has_role(user, *ACCOUNT_MANAGERS)


# --- people and roles: what a commune officer may do to the accounts of their commune -----------------

# The only roles a commune officer hands out, ends or looks after: the field roles, bound to a village
# of their commune. Officers, leaders and province roles are given by a system admin only.
INVITABLE_ROLES = {RoleKind.MEMBER, RoleKind.TEAM_LEADER}


def _field_roles_q(user: Any) -> Q:
    """Q on Role: field roles (member, team leader) bound to a village the user manages accounts of."""
    return _scope_q(user, ACCOUNT_MANAGERS, "place") & Q(kind__in=INVITABLE_ROLES, place__level=Level.VILLAGE)


def roles_endable_by(user: Any) -> Any:
    """Current member and team-leader roles in the villages of the officer's commune (never their own)."""
    from binhdan.accounts.models import Role

    if not may_manage_accounts(user):
        return Role.objects.none()
    return Role.objects.current().filter(_field_roles_q(user)).exclude(user=user)


def passwords_resettable_by(user: Any) -> Any:
    """Users whose password the officer may replace with a temporary one: active, not staff, holding a
    current field role in the officer's commune and no other current role anywhere (an officer never
    takes over another officer's, a leader's or anyone's account outside the commune)."""
    from binhdan.accounts.models import Role

    if not may_manage_accounts(user):
        return User.objects.none()
    current = Role.objects.current()
    inside = current.filter(_field_roles_q(user)).values("user_id")
    elsewhere = current.exclude(_field_roles_q(user)).values("user_id")
    return (
        User.objects.filter(pk__in=inside, is_active=True, is_staff=False, is_superuser=False)
        .exclude(pk__in=elsewhere)
        .exclude(pk=user.pk)
    )


def may_read_people(user: Any, commune: Place) -> bool:
    """Who holds which role in a commune: its officers and leaders (leaders read only), admins."""
    return commune.level == Level.COMMUNE and can_see_personal_data(user, commune)
