"""The registry's write path for moving households between villages (a village merge)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from binhdan.places.models import Level, Place
from binhdan.registry.models import Household


@transaction.atomic
def move_households(*, by: Any, source: Place, target: Place) -> int:
    """Move every household of `source` to `target` (same commune); returns how many moved.

    Visits, observations and consents stay with the household, so nothing of the past is rewritten.
    Assignments to members end: the member worked in the old village's team.
    """
    if source.level != Level.VILLAGE or target.level != Level.VILLAGE:
        raise ValidationError({"into": "Chỉ chuyển hộ giữa hai thôn, tổ dân phố."})
    if source.pk == target.pk or source.parent_id != target.parent_id:
        raise ValidationError({"into": "Chỉ chuyển hộ sang một thôn khác của cùng xã."})
    if target.valid_to is not None:
        raise ValidationError({"into": f"{target.name} đã thôi hoạt động."})
    # updated_at moves so that phones pick the households up in their new village on the next pull.
    return Household.objects.filter(village=source).update(
        village=target, assigned_member=None, updated_at=timezone.now()
    )
