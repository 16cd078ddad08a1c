from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    current = user.current_roles() if user is not None and user.is_authenticated else []
    from binhdan.accounts import access

    return {
        "current_roles": current,
        "two_factor_relaxed": settings.TWO_FACTOR_RELAXED,
        "manages_accounts": access.may_manage_accounts(user),
        "may_hold_api_token": access.may_hold_api_token(user),
    }
