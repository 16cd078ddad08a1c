"""What a push costs the database, counted: statements per push (one visit and 200), so that a change
which adds a round trip fails here. Speed itself is measured in benchmarks/bench_sync.py, not here."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from binhdan.accounts.access import village_scope
from binhdan.accounts.models import ApiToken, Role
from binhdan.accounts.tokens import _roles_queryset, _token_queryset, create_api_token
from binhdan.common.db import Prepared, fetch_together, prepare, query_together
from binhdan.fieldwork import sync
from binhdan.fieldwork.models import SyncReceipt, Visit, VisitPerson
from binhdan.registry.models import Household, SkillObservation

PUSH = "/api/v1/sync/push"


def visit_time() -> str:
    """Three days ago at 09:30 local time, worked out when the test runs (the day may turn during a run)."""
    return f"{(timezone.localdate() - dt.timedelta(days=3)).isoformat()}T09:30:00+07:00"


POSTGRES = connection.vendor == "postgresql"


def visit(world):
    return {
        "uuid": str(uuid.uuid4()),
        "type": "visit",
        "data": {
            "household": world.household_a.pk,
            "visited_at": visit_time(),
            "minutes": 20,
            "channel": "door",
            "people": [
                {
                    "resident": world.resident_a.pk,
                    "skills": [{"skill": "vneid-kich-hoat", "outcome": "guided"}],
                    "status": {"smartphone": True},
                }
            ],
        },
    }


@pytest.fixture
def phone(world):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.member_a)}")
    # The token's first use from an address is audited once; the pushes counted below come after it.
    assert client.post(PUSH, {"records": [visit(world)]}, content_type="application/json").status_code == 200
    return client


def counted_push(client, records):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(PUSH, {"records": records}, content_type="application/json")
    assert response.status_code == 200
    assert {r["status"] for r in response.json()["results"]} == {"created"}
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.skipif(not POSTGRES, reason="the round trips counted are PostgreSQL's")
def test_a_push_of_one_visit_takes_five_round_trips(world, phone):
    statements = counted_push(phone, [visit(world)])
    # 1. the token, its user and their roles; 2. households, residents, skills, the visit's id and
    # the receipts; 3. (BEGIN) SAVEPOINT in a test; 4. every write; 5. (COMMIT) RELEASE in a test.
    assert len(statements) == 5, statements
    assert statements[0].count("SELECT") >= 2 and "accounts_role" in statements[0]
    assert "nextval" in statements[1] and "fieldwork_syncreceipt" in statements[1]
    writes = statements[3]
    for table in ("registry_household", "fieldwork_visit ", "fieldwork_visitperson", "fieldwork_visitday",
                  "fieldwork_syncreceipt", "registry_skillobservation", "registry_statusobservation"):  # fmt: skip
        assert table in writes, table


@pytest.mark.skipif(not POSTGRES, reason="the round trips counted are PostgreSQL's")
def test_a_push_of_200_visits_takes_a_fixed_number_of_round_trips(world, phone):
    records = [visit(world) for _ in range(200)]
    statements = counted_push(phone, records)
    copies = [s for s in statements if s.startswith("COPY")]
    # Reads as for one visit (2), SAVEPOINT/RELEASE (2), COPY of the big tables (visits, people,
    # receipts, skill and status observations: 5), and the small writes waiting around them (2).
    assert len(copies) == 5, statements
    assert len(statements) == 11, statements
    assert Visit.objects.count() == 201 and VisitPerson.objects.count() == 201
    assert SyncReceipt.objects.filter(kind="visit").count() == 201
    assert SkillObservation.objects.filter(source="visit").count() == 201


def test_a_push_of_one_visit_needs_few_statements_on_any_database(world, phone):
    """SQLite sends one statement at a time; the count still must not grow."""
    statements = counted_push(phone, [visit(world)])
    assert len(statements) <= (5 if POSTGRES else 18), statements


def test_prepared_queries_send_the_same_sql_as_the_orm(world):
    """A prepared statement is the ORM's own SQL with the values in their places (common.db.prepare)."""
    ids = [world.household_a.pk, world.household_b.pk]

    def households(chosen):
        return Household.objects.changeable_by(world.member_a).filter(pk__in=chosen).values_list("pk")

    key = ("test.households", village_scope(world.member_a, "village", for_change=True))
    for _ in range(2):  # planned, then reused
        statement = prepare(key, households, ids)
        fresh_sql, fresh_params = households(ids).query.sql_with_params()
        if isinstance(statement, Prepared):
            assert statement.sql == fresh_sql and statement.params == list(fresh_params)
        assert fetch_together([statement]) == [list(households(ids))]


def test_a_prepared_token_query_reads_the_clock_at_every_run(world):
    token = create_api_token(user=world.member_a)
    digest = ApiToken.objects.get(user=world.member_a).key_hash
    statement = prepare(("test.token",), _token_queryset, digest)
    if isinstance(statement, Prepared):
        assert any(isinstance(p, dt.datetime) for p in statement.params)
        later = prepare(("test.token",), _token_queryset, digest)
        assert later.params != statement.params  # now() again, not the time it was planned
    (found,), roles = query_together([statement, prepare(("test.roles",), _roles_queryset, digest)])
    assert found.user == world.member_a and token.startswith("bd_")
    assert sorted(r.pk for r in roles) == sorted(
        r.pk for r in Role.objects.current().filter(user=world.member_a)
    )
    # An expired token is not found, though its query was prepared while it was valid.
    ApiToken.objects.filter(key_hash=digest).update(expires_at=timezone.now())
    (nothing, _) = query_together(
        [prepare(("test.token",), _token_queryset, digest), _roles_queryset(digest)]
    )
    assert nothing == []


def test_a_push_reads_the_skills_afresh(world, phone):
    from binhdan.registry.models import Skill

    Skill.objects.filter(code="vneid-kich-hoat").update(active=False)  # no signal: nothing is told
    record = visit(world)
    response = phone.post(PUSH, {"records": [record]}, content_type="application/json")
    (answer,) = response.json()["results"]
    assert answer["status"] == "rejected" and "vneid-kich-hoat" in answer["errors"][0]["message"]
    assert sync.MAX_RECORDS_PER_PUSH == 500


@pytest.mark.skipif(not POSTGRES, reason="the round trips counted are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_outside_a_test_transaction_the_writes_are_the_whole_transaction(world):
    """Really committed: the writes go as one query, which PostgreSQL runs as one transaction."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.member_a)}")
    assert client.post(PUSH, {"records": [visit(world)]}, content_type="application/json").status_code == 200
    record = visit(world)
    statements = counted_push(client, [record])
    # Django logs BEGIN and COMMIT around the atomic block; neither goes to the server on its own.
    assert [s for s in statements if s in ("BEGIN", "COMMIT")] == ["BEGIN", "COMMIT"], statements
    assert len(statements) == 5, statements
    assert Visit.objects.filter(uuid=record["uuid"]).exists()
    assert not connection.in_atomic_block and connection.connection.autocommit


@pytest.mark.skipif(not POSTGRES, reason="a failed write inside the one query is PostgreSQL's case")
@pytest.mark.django_db(transaction=True)
def test_a_write_that_fails_in_the_one_query_leaves_nothing_behind(world, monkeypatch):
    from django.db import IntegrityError

    client = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.member_a)}")
    record = visit(world)
    # Another push stores this uuid's receipt between our read and our write, twice (so the retry
    # fails too): the batch must leave no visit, no observation, nothing queued.
    real = sync._load_context

    def racing(user, candidates, also):
        ctx, _ = real(user, candidates, also)
        SyncReceipt.objects.get_or_create(
            uuid=record["uuid"],
            defaults={
                "kind": "visit",
                "user": world.member_a,
                "payload_hash": "x",
                "received_at": timezone.now(),
            },
        )
        return ctx, [[]]  # the receipt "was not there" when read

    monkeypatch.setattr(sync, "_load_context", racing)
    with pytest.raises(IntegrityError):
        client.post(PUSH, {"records": [record]}, content_type="application/json")
    assert not Visit.objects.filter(uuid=record["uuid"]).exists()
    assert not SkillObservation.objects.filter(source_ref=record["uuid"]).exists()
    assert not connection.in_atomic_block and connection.connection.autocommit
    monkeypatch.undo()
    (answer,) = client.post(PUSH, {"records": [record]}, content_type="application/json").json()["results"]
    assert answer["status"] == "conflict"  # the stored receipt's content differs; nothing overwritten
