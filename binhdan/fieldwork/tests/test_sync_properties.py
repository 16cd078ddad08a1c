"""Property-based: generated hostile records, bodies and cursors never get a 5xx, and every record of a
push gets its own answer. Bounded (100 examples each) so that `make test` stays quick."""

import base64
import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from binhdan.accounts.tokens import create_api_token
from binhdan.fieldwork import sync

PUSH, PULL = "/api/v1/sync/push", "/api/v1/sync/pull"
STATUSES = {"created", "unchanged", "conflict", "rejected"}
FIELDS = ["household", "visited_at", "minutes", "channel", "people", "follow_up_on", "notes", "class",
          "residents", "date", "hours", "note", "resident", "skills", "skill", "outcome", "status", "value",
          "evidence", "vneid_level", "smartphone"]  # fmt: skip
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, 2, 2**31, 2**63 - 1, 2**63, 10**30, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "2026-13-45T09:30:00+07:00",
            "2026-10-05T09:30:00+25:00",
            "2026-02-30",
            "NaN",
            "sNaN",
            "1,5",
            "door",
            "guided",
            "vneid-kich-hoat",
            "seen",
            "2026-11-20",
            "2026-11-20T09:30:00+07:00",
            "x" * 5000,
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(FIELDS), children, max_size=4)
    ),
    max_leaves=12,
)
data_dicts = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), values, max_size=8)
records = st.one_of(
    st.fixed_dictionaries(
        {
            "uuid": st.one_of(st.uuids().map(str), values),
            "type": st.one_of(st.sampled_from(["visit", "class_attendance", "work_time"]), values),
            "data": st.one_of(data_dicts, values),
        }
    ),
    values,
)


@pytest.fixture
def token_client(world):
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.member_a)}")


def _json_answer(response):
    assert response.status_code < 500, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    return response.json()


@SETTINGS
@given(batch=st.lists(records, max_size=6))
def test_generated_records_get_one_answer_each_and_never_a_5xx(world, token_client, batch):
    body = json.dumps({"records": batch}, allow_nan=True)
    answer = _json_answer(token_client.generic("POST", PUSH, body, content_type="application/json"))
    results = answer["results"]
    assert len(results) == len(batch)
    for result in results:
        assert result["status"] in STATUSES
        if result["status"] == "rejected":
            assert result["errors"] and all(
                isinstance(e["field"], str) and isinstance(e["message"], str) for e in result["errors"]
            )


@SETTINGS
@given(
    body=st.one_of(
        values.map(lambda v: json.dumps(v, allow_nan=True)), st.text(max_size=200), st.binary(max_size=200)
    )
)
def test_generated_bodies_never_get_a_5xx(world, token_client, body):
    response = token_client.generic("POST", PUSH, body, content_type="application/json")
    answer = _json_answer(response)
    assert ("results" in answer) == (response.status_code == 200)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


cursors = st.one_of(
    st.text(max_size=300),
    values.map(lambda v: _b64(json.dumps(v, allow_nan=True).encode())),
    st.fixed_dictionaries(
        {"v": values, "w": values, "p": values, "ph": values, "a": values, "s": values}
    ).map(lambda v: _b64(json.dumps(v, allow_nan=True).encode())),
    st.binary(max_size=100).map(_b64),
    st.tuples(st.text(max_size=40), st.text(max_size=10), st.text(max_size=40)).map(":".join),
)


@SETTINGS
@given(since=cursors, limit=st.one_of(st.text(max_size=12), st.integers().map(str)))
def test_generated_cursors_and_limits_never_get_a_5xx(world, token_client, since, limit):
    response = token_client.get(PULL, {"since": since, "limit": limit})
    answer = _json_answer(response)
    if response.status_code == 200:
        assert {"households", "residents", "removed", "cursor", "more"} <= set(answer)
        assert sync.decode_cursor(answer["cursor"]) is not None
    else:
        assert response.status_code == 400 and answer["detail"]
