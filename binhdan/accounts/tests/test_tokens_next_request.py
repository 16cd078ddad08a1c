"""A token request reads the token, its user and their roles afresh every time: the instances are the ORM's
own (built without working out how again), and every change that takes the token away refuses the very
next request, however warm the process is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import Value
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from binhdan.accounts import tokens
from binhdan.accounts.models import ApiToken, Role, RoleKind
from binhdan.accounts.people import end_role, reset_password
from binhdan.accounts.tokens import authenticate_token, create_api_token
from binhdan.common.db import Prepared, prepare, query_together
from binhdan.fieldwork.models import TeamMembership
from binhdan.fieldwork.services import remove_team_member
from binhdan.testing.personas import grant

ME = "/api/v1/me"


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR="203.0.113.5")


def fields(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_the_token_its_user_and_roles_are_the_orms_own_objects(world, django_assert_num_queries):
    token = create_api_token(user=world.member_a)
    grant(world.member_a, RoleKind.TEAM_LEADER, world.village_b)  # two roles, two villages
    expected_roles = sorted(
        Role.objects.current().filter(user=world.member_a).select_related("place", "place__parent"),
        key=lambda r: r.pk,
    )
    for ip in ["203.0.113.5", "203.0.113.5", "198.51.100.7"]:  # planned, then built as worked out once
        row = authenticate_token(token, ip=ip)
        expected_token = ApiToken.objects.select_related("user").get(user=world.member_a)
        assert row is not None and type(row) is ApiToken and type(row.user) is type(world.member_a)
        assert fields(row) == fields(expected_token)  # (with the last use just written)
        assert isinstance(row.known_ips, list)  # the JSON column through its field's converter
        assert fields(row.user) == fields(expected_token.user)
        assert not row._state.adding and row._state.db == "default"
        with django_assert_num_queries(0):
            roles = sorted(row.user.current_roles(), key=lambda r: r.pk)
            assert [fields(r) for r in roles] == [fields(r) for r in expected_roles]
            for role, expected in zip(roles, expected_roles, strict=True):
                assert role.place is not None and expected.place is not None
                assert fields(role.place) == fields(expected.place)
                assert fields(role.place.parent) == fields(expected.place.parent)


def test_prepared_statements_build_the_instances_the_orm_builds(world):
    create_api_token(user=world.member_a)
    grant(world.member_a, RoleKind.TEAM_LEADER, world.village_b)
    digest = ApiToken.objects.get().key_hash
    for _ in range(2):  # the first run works out how to build them, the second reuses it
        statements = [
            prepare(("test.tokens.token",), tokens._token_queryset, digest),
            prepare(("test.tokens.roles",), tokens._roles_queryset, digest),
        ]
        prepared = [s for s in statements if isinstance(s, Prepared)]
        if connection.vendor == "postgresql":  # (SQLite takes the clock as text: built every time)
            assert len(prepared) == 2
        assert all(s.instances() is not None for s in prepared)
        ours = query_together(statements)
        orms: list[list[Any]] = [list(tokens._token_queryset(digest)), list(tokens._roles_queryset(digest))]
        assert [[fields(o) for o in got] for got in ours] == [[fields(o) for o in got] for got in orms]
        assert [fields(r.place.parent) for r in ours[1]] == [fields(r.place.parent) for r in orms[1]]
    # A queryset the builder does not cover (annotations) is built by Django's own iterable.
    annotated = prepare(
        ("test.tokens.annotated",),
        lambda d: ApiToken.objects.annotate(one=Value(1)).filter(key_hash=d),
        digest,
    )
    if isinstance(annotated, Prepared):
        assert annotated.instances() is None
    ((found,),) = query_together([annotated])
    assert found.one == 1
    ((again,),) = query_together([tokens._token_queryset(digest)])  # not prepared: the ORM's way
    assert fields(again) == fields(found)


def _revoke(world: Any) -> None:
    ApiToken.objects.update(revoked_at=timezone.now())


def _expire(world: Any) -> None:
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))


def _deactivate(world: Any) -> None:
    world.member_a.is_active = False
    world.member_a.save(update_fields=["is_active"])


def _leave_the_team(world: Any) -> None:
    remove_team_member(membership=TeamMembership.objects.get(user=world.member_a))


def _role_ended_yesterday(world: Any) -> None:
    for role in Role.objects.filter(user=world.member_a):
        end_role(by=world.officer, role=role, valid_to=timezone.localdate() - dt.timedelta(days=1))


def _role_deleted(world: Any) -> None:
    Role.objects.filter(user=world.member_a).delete()


def _officer_role_without_two_factor(world: Any) -> None:
    grant(world.member_a, RoleKind.COMMUNE_OFFICER, world.commune)


def _password_reset(world: Any) -> None:
    reset_password(by=world.officer, user=world.member_a)


@pytest.mark.parametrize(
    "change",
    [
        _revoke,
        _expire,
        _deactivate,
        _leave_the_team,
        _role_ended_yesterday,
        _role_deleted,
        _officer_role_without_two_factor,
        _password_reset,
    ],
)
def test_a_change_that_takes_the_token_away_refuses_the_very_next_request(
    world, change: Callable[[Any], None]
):
    client = bearer(create_api_token(user=world.member_a))
    for _ in range(2):  # the process has planned and built both reads already
        assert client.get(ME).status_code == 200
    change(world)
    refused = client.get(ME)
    assert refused.status_code == 401, change.__name__
    assert refused.json() == {"detail": "Cần đăng nhập hoặc mã truy cập hợp lệ."}


def test_a_role_ending_today_still_holds_today(world):
    client = bearer(create_api_token(user=world.member_a))
    assert client.get(ME).status_code == 200
    for role in Role.objects.filter(user=world.member_a):
        end_role(by=world.officer, role=role, valid_to=timezone.localdate())
    assert client.get(ME).status_code == 200


def _token_updates(queries: CaptureQueriesContext) -> int:
    return sum(
        1
        for q in queries.captured_queries
        if 'UPDATE "accounts_apitoken"' in q["sql"] and "last_used_at" in q["sql"]
    )


def test_last_use_is_written_at_most_once_a_minute(world):
    client = bearer(create_api_token(user=world.member_a))
    assert client.get(ME).status_code == 200  # a new address: written, and audited
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME).status_code == 200
    assert _token_updates(queries) == 0 and ApiToken.objects.get().last_used_at == first
    earlier = timezone.now() - dt.timedelta(seconds=tokens.TOUCH_EVERY_SECONDS + 1)
    ApiToken.objects.update(last_used_at=earlier)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME).status_code == 200
    later = ApiToken.objects.get().last_used_at
    assert _token_updates(queries) == 1 and later is not None and later > earlier
