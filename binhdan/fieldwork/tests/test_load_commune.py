"""The load benchmark's commune (binhdan.testing.load): with `history`, a commune already in use — visits
stored through the sync service by each village's own members, within the last HISTORY_DAYS days, and
the indicators' rollups caught up with them."""

import datetime as dt

import pytest
from django.utils import timezone

from binhdan.fieldwork.models import SyncReceipt, Visit, VisitPerson
from binhdan.indicators.models import QueuedHousehold
from binhdan.registry.models import SkillObservation
from binhdan.testing.load import HISTORY_DAYS, load_commune


@pytest.mark.django_db
def test_history_is_stored_through_the_sync_service_and_the_rollups_caught_up():
    world = load_commune(villages=2, households=3, people=2, members=2, history=4)

    assert Visit.objects.count() == 2 * 3 * 4
    for village in world["villages"]:
        for household, _residents in village["households"]:
            assert Visit.objects.filter(household_id=household).count() == 4
    # Every visit has its receipt (as from a phone), its people and their skills.
    assert SyncReceipt.objects.filter(kind="visit").count() == Visit.objects.count()
    assert VisitPerson.objects.count() >= Visit.objects.count()
    assert SkillObservation.objects.count() == 2 * VisitPerson.objects.count()
    # Each visit by a member of the household's own village, within the window, none in the future.
    for visit in Visit.objects.select_related("household__village", "recorded_by"):
        number = int(visit.household.village.name.split()[-1]) - 1  # "Thôn 1" is village 0
        assert visit.recorded_by.username.startswith(f"tovien{number}-")
        assert timezone.now() - dt.timedelta(days=HISTORY_DAYS) <= visit.visited_at <= timezone.now()
    assert not QueuedHousehold.objects.exists()


@pytest.mark.django_db
def test_no_history_by_default():
    load_commune(villages=1, households=2, people=1, members=1)
    assert not Visit.objects.exists()
