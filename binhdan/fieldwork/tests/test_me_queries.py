"""What `/api/v1/me` costs the database, counted: the phones ask it at every sign-in and on the home
screen. On PostgreSQL the token (with its roles) is one round trip and everything /me shows — team,
leader, quota, the week, the warnings — one more, whatever the number of visits and warnings; elsewhere
one statement after another, still a fixed number. Speed itself is measured in benchmarks/bench_me.py."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from binhdan.accounts.models import RoleKind
from binhdan.accounts.tokens import create_api_token
from binhdan.fieldwork import scams
from binhdan.fieldwork.models import ScamWarning, Visit, VisitPerson, WorkTime
from binhdan.fieldwork.services import assign_households
from binhdan.testing.personas import grant, make_household, make_user

ME = "/api/v1/me"
POSTGRES = connection.vendor == "postgresql"
# The token and its roles, then /me's reads: team, leader, quota, four of the week, the warnings.
ONE_VILLAGE = 2 if POSTGRES else 10


def phone_of(user):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=user)}")
    assert client.get(ME).status_code == 200  # the token's first use from an address is written once
    return client


def busy_week(world, n):
    homes = [make_household(world.village_a, f"Hộ bận {n}-{i}") for i in range(3)]
    assign_households(
        by=world.leader_a, team=world.team_a, member=world.member_a, household_ids=[h.pk for h in homes]
    )
    for home in homes:
        visit = Visit.objects.create(
            uuid=uuid.uuid4(),
            household=home,
            recorded_by=world.member_a,
            visited_at=timezone.now(),
            minutes=10,
            channel="door",
        )
        VisitPerson.objects.create(visit=visit, resident=home.residents.get())
    WorkTime.objects.create(
        uuid=uuid.uuid4(), user=world.member_a, day=timezone.localdate(), hours=Decimal(2)
    )
    for i in range(4):
        scams.publish_warning(
            by=world.officer, commune=world.commune, title=f"C{n}-{i}", text="T", pretext="khac"
        )


def test_a_members_me_is_two_round_trips_whatever_the_week_and_the_warnings(
    world, django_assert_num_queries, django_assert_max_num_queries
):
    phone = phone_of(world.member_a)
    busy_week(world, 1)
    count = django_assert_num_queries if POSTGRES else django_assert_max_num_queries
    with count(ONE_VILLAGE):
        first = phone.get(ME).json()
    busy_week(world, 2)
    busy_week(world, 3)
    with count(ONE_VILLAGE):
        body = phone.get(ME).json()
    assert (first["week"]["visits"], body["week"]["visits"]) == (3, 9)
    assert body["week"]["people_guided"] == 9 and body["week"]["hours"] == 6.0
    assert len(body["warnings"]) == 10 and body["team"]["leader"]["name"] == world.leader_a.display_name


def test_a_user_of_several_villages_gets_the_first_team_in_one_round_trip_more(
    world, django_assert_num_queries, django_assert_max_num_queries
):
    both = make_user("hai.thon", "Người Hai Thôn")
    grant(both, RoleKind.MEMBER, world.village_b)
    grant(both, RoleKind.TEAM_LEADER, world.village_a)
    phone = phone_of(both)
    count = django_assert_num_queries if POSTGRES else django_assert_max_num_queries
    with count(ONE_VILLAGE + 1):
        body = phone.get(ME).json()
    first = min(world.team_a, world.team_b, key=lambda team: team.pk)
    assert body["team"]["id"] == first.pk and body["week"]["visits"] == 0


def test_a_member_of_a_village_without_a_team_reads_only_the_warnings(world, django_assert_max_num_queries):
    lone = make_user("khong.to", "Không Tổ")
    grant(lone, RoleKind.MEMBER, world.village_c)
    warning = scams.publish_warning(
        by=world.other_officer, commune=world.other_commune, title="Tam Sơn", text="T", pretext="khac"
    )
    phone = phone_of(lone)
    with django_assert_max_num_queries(ONE_VILLAGE):
        body = phone.get(ME).json()
    assert body["team"] is None and body["week"] is None
    assert [w["id"] for w in body["warnings"]] == [warning.pk]


def test_an_outsider_gets_their_own_team_and_warnings_only(world):
    busy_week(world, 1)
    only_a = scams.publish_warning(
        by=world.officer,
        commune=world.commune,
        title="Chỉ Thôn Đông",
        text="T",
        pretext="khac",
        villages=[world.village_a],
    )
    body = phone_of(world.member_b).get(ME).json()
    assert body["team"]["id"] == world.team_b.pk and body["week"]["visits"] == 0
    ids = [w["id"] for w in body["warnings"]]
    assert only_a.pk not in ids and len(ids) == 4


@pytest.mark.parametrize(("recent", "old"), [(12, 3), (3, 12), (0, 2)])
def test_the_ten_newest_current_warnings_whatever_the_expired_ones(world, recent, old):
    now = timezone.now()
    made = {}
    for n in range(recent + old):
        warning = scams.publish_warning(
            by=world.officer, commune=world.commune, title=f"Cảnh báo {n}", text="T", pretext="khac"
        )
        days = n if n < recent else scams.WARNING_DAYS + n
        made[warning.pk] = now - dt.timedelta(days=days, minutes=1)
        ScamWarning.objects.filter(pk=warning.pk).update(published_at=made[warning.pk])
    withdrawn = scams.publish_warning(
        by=world.officer, commune=world.commune, title="Rút", text="T", pretext="khac"
    )
    scams.withdraw_warning(by=world.officer, warning=withdrawn)
    expected = sorted((pk for pk, at in made.items() if at >= now - dt.timedelta(days=scams.WARNING_DAYS)),
                      key=lambda pk: made[pk], reverse=True)[:10]  # fmt: skip
    assert [w["id"] for w in phone_of(world.member_a).get(ME).json()["warnings"]] == expected
    assert [w["id"] for w in scams.warnings_for(world.member_a)] == expected
