"""The registry's write path for moving households between villages (a village merge)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from binhdan.places.models import Level, Place
from binhdan.registry import recording
from binhdan.registry.models import Household, HouseholdMove


@transaction.atomic
def move_households(*, by: Any, source: Place, target: Place, on: dt.date | None = None) -> int:
    """Move every household of `source` to `target` (same commune) from day `on`; returns how many moved.

    Visits, observations and consents stay with the household, so nothing of the past is rewritten;
    each household's village history gets the move, so indicators before `on` still count it in `source`.
    Assignments to members end: the member worked in the old village's team.
    """
    if source.level != Level.VILLAGE or target.level != Level.VILLAGE:
        raise ValidationError({"into": "Chỉ chuyển hộ giữa hai thôn, tổ dân phố."})
    if source.pk == target.pk or source.parent_id != target.parent_id:
        raise ValidationError({"into": "Chỉ chuyển hộ sang một thôn khác của cùng xã."})
    if target.valid_to is not None:
        raise ValidationError({"into": f"{target.name} đã thôi hoạt động."})
    on = on or timezone.localdate()
    ids = list(Household.objects.filter(village=source).values_list("pk", flat=True))
    HouseholdMove.objects.bulk_create(
        [HouseholdMove(household_id=pk, from_village=source, to_village=target, moved_on=on) for pk in ids]
    )
    # updated_at moves so that phones pick the households up in their new village on the next pull.
    moved = Household.objects.filter(pk__in=ids).update(
        village=target, assigned_member=None, updated_at=timezone.now()
    )
    recording.households_changed(ids)
    return moved
