from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from binhdan.accounts.models import RoleKind


def roles(request: HttpRequest) -> dict[str, Any]:
    """What the shared menu (base.html) may show; every rule asks `access`, the template decides nothing."""
    user = getattr(request, "user", None)
    current = user.current_roles() if user is not None and user.is_authenticated else []
    from binhdan.accounts import access

    officer_communes = [
        r.place for r in current if r.kind == RoleKind.COMMUNE_OFFICER and r.place is not None
    ]
    return {
        "current_roles": current,
        "two_factor_relaxed": settings.TWO_FACTOR_RELAXED,
        # The scripts read the CSRF cookie by this name (__Host-csrftoken with secure cookies).
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        "manages_accounts": access.may_manage_accounts(user),
        "may_hold_api_token": access.may_hold_api_token(user),
        # Households: only for roles that read personal data (not province officers), and admins.
        "may_see_households": access.is_admin(user) or access.has_role(user, *access.PERSONAL_DATA_READERS),
        # The Django admin: system admins only (is_staff alone opens nothing, see AdminClosedMiddleware).
        "is_system_admin": access.is_admin(user),
        # People and roles of the officer's (first) commune.
        "people_commune": officer_communes[0] if officer_communes else None,
    }
