"""The member's week on the phone: `/api/v1/me` gives this week's figures against the quotas and whom to call."""

import datetime as dt
import uuid
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from binhdan.accounts.tokens import create_api_token
from binhdan.fieldwork import rules
from binhdan.fieldwork.models import Visit, VisitPerson, WorkTime
from binhdan.fieldwork.services import assign_households
from binhdan.registry.models import Household
from binhdan.testing.personas import make_household

ME = "/api/v1/me"


def _visit(world, household, when, people=()):
    visit = Visit.objects.create(
        uuid=uuid.uuid4(),
        household=household,
        recorded_by=world.member_a,
        visited_at=when,
        minutes=20,
        channel="door",
    )
    for resident in people:
        VisitPerson.objects.create(visit=visit, resident=resident)
    return visit


def test_my_week_counts_this_weeks_work_against_the_quotas(world, django_assert_max_num_queries):
    world.leader_a.phone = "0912345678"
    world.leader_a.save()
    extra = [make_household(world.village_a, f"Hộ số {n}") for n in range(3)]
    assign_households(
        by=world.leader_a,
        team=world.team_a,
        member=world.member_a,
        household_ids=[world.household_a.pk] + [h.pk for h in extra],
    )
    today = timezone.localdate()
    monday, _ = rules.week_of(today)
    now = timezone.now()
    _visit(world, world.household_a, now, people=[world.resident_a])
    _visit(world, extra[0], now)
    _visit(world, extra[0], now - dt.timedelta(days=8))  # last week: not counted
    WorkTime.objects.create(uuid=uuid.uuid4(), user=world.member_a, day=monday, hours=Decimal("4.5"))
    WorkTime.objects.create(uuid=uuid.uuid4(), user=world.member_a, day=today, hours=Decimal("1.5"))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.member_a)}")
    with django_assert_max_num_queries(16):
        body = client.get(ME).json()
    week = body["week"]
    assert week["from"] == monday.isoformat()
    assert week["households"] == 4 and week["quotas"]["households"] == rules.MIN_HOUSEHOLDS_PER_MEMBER
    assert (week["visits"], week["households_visited"], week["people_guided"]) == (2, 2, 1)
    # 4.5 h on Monday and 1.5 h today: one full day (two rows of the same Monday make 6 h, still one day).
    assert week["hours"] == 6.0 and week["full_days"] == 1
    assert body["team"]["leader"] == {"name": world.leader_a.display_name, "phone": "0912345678"}
    assert body["team"]["village"] == world.village_a.name


def test_my_week_never_counts_another_members_work(world):
    other = Household.objects.get(pk=make_household(world.village_a, "Hộ của tổ trưởng").pk)
    Visit.objects.create(
        uuid=uuid.uuid4(),
        household=other,
        recorded_by=world.leader_a,
        visited_at=timezone.now(),
        minutes=5,
        channel="door",
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.member_a)}")
    assert client.get(ME).json()["week"]["visits"] == 0


def test_a_user_without_a_team_gets_no_week(world, client_for):
    response = client_for(world.officer).get(ME)
    assert response.status_code == 200
    assert response.json()["week"] is None and response.json()["team"] is None


def test_the_communes_own_working_hours_rule_is_the_quota(world, client_for):
    from binhdan.registry.models import CommuneSettings

    CommuneSettings.objects.update_or_create(
        commune=world.commune, defaults={"min_hours_per_day": 3, "min_days_per_week": 1}
    )
    WorkTime.objects.create(
        uuid=uuid.uuid4(), user=world.member_a, day=timezone.localdate(), hours=Decimal("3.5")
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.member_a)}")
    week = client.get(ME).json()["week"]
    assert week["quotas"]["hours_per_day"] == 3.0 and week["quotas"]["days_per_week"] == 1
    assert week["full_days"] == 1
    page = client_for(world.leader_a).get(f"/to/{world.team_a.pk}/").content.decode()
    assert "ít nhất 3 giờ/ngày, ít nhất 1 ngày/tuần" in page
