"""Fuzzing the JSON API against its own OpenAPI document, in process (WSGI), as a member with a
personal API token (issue 14, item 2).

1. Schemathesis reads /api/v1/openapi.json and, for every operation, sends generated requests (its
   examples and coverage phases, then positive and negative generation, and methods the address does
   not take). Each answer must be no 5xx, have a status code the document declares for that operation,
   the declared content type and the declared schema; an error answer is JSON with a `detail`.
2. Schemathesis' bodies are random: a push's `data` is any object, its ids rarely exist. The hostile
   phase sends what a broken or malicious phone sends, with the world's real ids: NaN and Infinity
   (Python's JSON reads them), impossible dates and offsets, ids past 2^63, lists and objects where
   scalars go, 10,000-character strings, JSON nested past the parser's limit, bodies that are not
   UTF-8 or over the upload limit, forged and signed-but-hostile cursors, hostile questions to the
   assistant. The same checks apply to every answer, plus: an error's `detail` is Vietnamese.

Bounded (tests/fuzz/limits.py): a fixed number of derandomized examples per test.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from typing import Any

import pytest
import schemathesis
from django.core import signing
from django.utils import timezone
from hypothesis import event, given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client, TestResponse

from binhdan.accounts.tokens import create_api_token
from binhdan.fieldwork import sync
from binhdan.fieldwork.models import CommunityClass
from binhdan.testing.personas import World, build_world
from config.wsgi import application
from tests.fuzz.limits import fuzz_settings

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PUSH, PULL, ME, ASK = "/api/v1/sync/push", "/api/v1/sync/pull", "/api/v1/me", "/api/v1/assistant/ask"
# Vietnamese letters with diacritics (and đ): an error message without any is not Vietnamese.
VIETNAMESE = set("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ")


@pytest.fixture
def member(db: Any) -> tuple[World, str]:
    world = build_world()
    return world, create_api_token(user=world.member_a)


def _headers(token: str) -> dict[str, str]:
    # identity: neither transport here unzips, and the pull gzips when asked
    return {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}


def _assert_error_is_json(status: int, content_type: str, content: bytes) -> None:
    if status < 400:
        return
    assert content_type.startswith("application/json"), (status, content[:200])
    detail = json.loads(content)["detail"]
    assert isinstance(detail, str) and detail, (status, content[:200])
    assert unicodedata.is_normalized("NFC", detail)
    assert VIETNAMESE & set(detail.lower()), f"{status}: not Vietnamese: {detail!r}"


# --- 1. schemathesis ---------------------------------------------------------------------------------


@schema.parametrize()
@fuzz_settings(max_examples=50)
def test_schemathesis(case: Any, member: tuple[World, str]) -> None:
    headers = _headers(member[1])
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
    content_type = {k.lower(): v for k, v in response.headers.items()}.get("content-type", [""])[0]
    _assert_error_is_json(response.status_code, content_type, response.content)


# --- 2. hostile phase ----------------------------------------------------------------------------------


def _send(method: str, path: str, token: str | None, **kwargs: Any) -> TestResponse:
    headers = _headers(token) if token else {"Accept-Encoding": "identity"}
    headers.update(kwargs.pop("headers", {}))
    return Client(application).open(path, method=method, headers=headers, **kwargs)


def _check(method: str, path: str, response: TestResponse) -> Any:
    """The answer obeys the OpenAPI document (status declared, content type, schema); errors are JSON
    in Vietnamese. Returns the parsed body."""
    assert response.status_code < 500, response.get_data()[:300]
    operation = schema[path][method]
    declared = operation.definition.raw["responses"]
    assert str(response.status_code) in declared, (response.status_code, response.get_data()[:300])
    assert response.content_type.startswith("application/json"), response.content_type
    operation.validate_response(response)  # raises, naming the field, when the body breaks the schema
    _assert_error_is_json(response.status_code, response.content_type, response.get_data())
    return response.get_json()


huge_ids = st.sampled_from([0, -1, 2**31, 2**63 - 1, 2**63, 2**64 + 1, 10**30, -(2**63) - 1])
hostile_scalars = st.one_of(
    st.none(),
    st.booleans(),
    huge_ids,
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        [
            "2026-02-30",
            "2026-13-45",
            "2026-13-45T09:30:00+07:00",
            "2026-10-05T09:30:00+25:00",
            "2026-10-05T24:61:00Z",
            "0000-00-00",
            "9999-12-31T23:59:59+14:00",
            "-1",
            "1e309",
            "NaN",
            "Infinity",
            "door",
            "guided",
            "moved",
            "call",
            "vneid-kich-hoat",
            "x" * 10_000,
            "Nguye\u0302\u0303n\u200b\u202e\u0000",
            "😀" * 500,
        ]
    ),
)
hostile_values = st.recursive(
    hostile_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
RECORD_FIELDS = {
    "visit": ["household", "visited_at", "minutes", "channel", "people", "follow_up_on", "notes"],
    "class_attendance": ["class", "residents"],
    "work_time": ["date", "hours", "note"],
    "resident_left": ["resident", "left_on", "reason"],
    "scam_report": ["happened_on", "channel", "pretext", "amount_lost", "village", "description"],
}
PERSON_FIELDS = ["resident", "skills", "status"]


@st.composite
def hostile_records(draw: st.DrawFn, ids: dict[str, int]) -> dict[str, Any]:
    """A record of a real type whose fields are the world's ids or hostile values, some left out."""
    kind = draw(st.sampled_from(sorted(RECORD_FIELDS)))
    real = {
        "household": ids["household"],
        "resident": ids["resident"],
        "class": ids["class"],
        "village": ids["village"],
        "residents": [ids["resident"]],
        "people": [
            {
                draw(st.sampled_from(PERSON_FIELDS)): draw(hostile_values),
                "resident": draw(st.sampled_from([ids["resident"], ids["other_resident"]])),
            }
        ],
    }
    data: dict[str, Any] = {}
    for name in RECORD_FIELDS[kind]:
        choice = draw(st.integers(0, 3))
        if choice == 0:
            continue  # left out
        data[name] = real[name] if choice == 1 and name in real else draw(hostile_values)
    record_uuid = draw(st.one_of(st.uuids().map(str), hostile_scalars))
    return {"uuid": record_uuid, "type": draw(st.one_of(st.just(kind), hostile_scalars)), "data": data}


# Text that a record may carry and the server must store as it is (NFC) or refuse by name.
stored_texts = st.one_of(
    st.text(max_size=50),
    st.sampled_from(
        ["Nguye\u0302\u0303n\u200b\u202e\u0000", "x" * 2001, "😀" * 500, "\u0000", "\r\n\t", "ﬁ İ ẞ"]
    ),
)


def _valid_record(kind: str, ids: dict[str, int], text: str) -> dict[str, Any]:
    """A record of each type that the server stores, carrying `text` where the type has free text."""
    now = timezone.localtime()
    at = (now - dt.timedelta(hours=1)).isoformat(timespec="seconds")
    today = now.date().isoformat()
    person = {"resident": ids["resident"], "skills": [{"skill": "vneid-kich-hoat", "outcome": "guided"}]}
    return {
        "visit": {"household": ids["household"], "visited_at": at, "minutes": 20, "channel": "door",
                  "people": [person], "notes": text},
        "class_attendance": {"class": ids["class"], "residents": [ids["resident"]]},
        "work_time": {"date": today, "hours": 0.5, "note": text},
        "resident_left": {"resident": ids["resident"], "left_on": today, "reason": "moved"},
        "scam_report": {"happened_on": today, "channel": "call", "pretext": "khac", "amount_lost": None,
                        "description": text},
    }[kind]  # fmt: skip


@st.composite
def nearly_valid_records(draw: st.DrawFn, ids: dict[str, int]) -> dict[str, Any]:
    """A record the server would store, with hostile text in its free text or one field replaced."""
    kind = draw(st.sampled_from(sorted(RECORD_FIELDS)))
    data = _valid_record(kind, ids, draw(stored_texts))
    if draw(st.booleans()):
        data[draw(st.sampled_from(sorted(data)))] = draw(hostile_values)
    return {"uuid": str(draw(st.uuids())), "type": kind, "data": data}


def _ids(world: World) -> dict[str, int]:
    klass, _ = CommunityClass.objects.get_or_create(
        title="Lớp VNeID cho người cao tuổi", place=world.commune, held_on=timezone.localdate()
    )
    return {
        "household": world.household_a.pk,
        "resident": world.resident_a.pk,
        "other_resident": world.resident_b.pk,  # another village: out of the member's scope
        "class": klass.pk,
        "village": world.village_a.pk,
    }


RAW_BODIES = [
    b"",
    b"NaN",
    b"[]",
    b"42",
    b'"records"',
    b'{"records": null}',
    b'{"records": {}}',
    b'{"records": [NaN, Infinity, -Infinity]}',
    b"\xff\xfe\x00{",
    b'{"records": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
    b'{"records": [{"uuid": "' + b"a" * 100_000 + b'"}]}',
    json.dumps({"records": [{}] * (sync.MAX_RECORDS_PER_PUSH + 1)}).encode(),
    b'{"records": [' + b'"' + b"x" * 3_000_000 + b'"]}',  # over Django's upload limit
]


@fuzz_settings(max_examples=40)
@given(data=st.data())
def test_hostile_push(member: tuple[World, str], data: st.DataObject) -> None:
    world, token = member
    ids = _ids(world)
    choice = data.draw(st.integers(0, 4))
    if choice == 0:
        body = data.draw(st.sampled_from(RAW_BODIES))
    else:
        records = data.draw(
            st.lists(hostile_records(ids) | nearly_valid_records(ids), min_size=1, max_size=4)
        )
        # allow_nan: NaN and Infinity go out as Python's JSON writes them (and reads them back)
        body = json.dumps({"records": records}, allow_nan=True).encode()
    answer = _check("POST", PUSH, _send("POST", PUSH, token, data=body, content_type="application/json"))
    if choice and isinstance(answer, dict) and "results" in answer:
        assert len(answer["results"]) == len(json.loads(body)["records"])
        for result in answer["results"]:
            event(f"push: {result['status']}")
            assert result["status"] in {"created", "unchanged", "conflict", "rejected"}
            for error in result["errors"]:
                assert VIETNAMESE & set(error["message"].lower()), error


def _signed(data: Any) -> str:
    return signing.dumps(data, salt=sync.CURSOR_SALT, compress=True)


cursors = st.one_of(
    st.text(max_size=50),
    st.sampled_from(["x" * 5000, "eyJ2IjoxfQ", "bnVsbA==", "W10=", "%00", "..", "\u202e"]),
    # Signed with the right key and salt, hostile inside: a leaked key must not turn into a 5xx.
    hostile_values.map(_signed),
    st.fixed_dictionaries(
        {"v": st.sampled_from([2, 1, "2"]), "w": hostile_values, "p": hostile_values, "ph": hostile_values,
         "a": hostile_values, "s": hostile_values}
    ).map(_signed),
)  # fmt: skip
limits = st.one_of(
    st.just(""),
    st.integers().map(str),
    huge_ids.map(str),
    st.sampled_from(["NaN", "1e9", "20.5", "-0", " 50"]),
)


@fuzz_settings(max_examples=40)
@given(since=cursors, limit=limits)
def test_hostile_pull(member: tuple[World, str], since: str, limit: str) -> None:
    _check("GET", PULL, _send("GET", PULL, member[1], query_string={"since": since, "limit": limit}))


@fuzz_settings(max_examples=15)
@given(
    authorization=st.one_of(
        # a header cannot carry a line break or a lone surrogate on the wire
        st.text(st.characters(exclude_characters="\r\n", exclude_categories=["Cs"]), max_size=40).map(
            lambda t: f"Bearer {t}"
        ),
        st.sampled_from(
            ["Bearer bd_" + "a" * 5000, "Bearer", "Basic Zm9vOmJhcg==", "bd_x", "Bearer bd_\u00e9"]
        ),
    )
)
def test_hostile_credentials(member: tuple[World, str], authorization: str) -> None:
    """Without a valid token every operation that needs one answers 401 JSON in Vietnamese."""
    for method, path in (("GET", ME), ("GET", PULL), ("POST", PUSH)):
        header = authorization.encode("utf-8").decode("latin-1")  # what reaches WSGI from the wire
        response = _send(method, path, None, headers={"Authorization": header})
        assert response.status_code == 401, response.get_data()[:200]
        _check(method, path, response)


questions = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "",
            "   ",
            "x" * 10_000,
            "a" * 20_001,
            "cai vneid the nao",
            "Ca\u0300i VNeID the\u0302\u0301 na\u0300o?\u200b\u200d\u202e",
            "\u0000\u0001\u001f\u007f",
            "😀🇻🇳" * 300,
            "còn bước 3 thì sao?",
            "số 0912345678, CCCD 001203004567",
        ]
    ),
)


@fuzz_settings(max_examples=40)
@given(
    question=st.one_of(questions, hostile_values),
    extra=st.dictionaries(
        st.sampled_from(["learner_code", "conversation", "commune", "question"]),
        st.one_of(hostile_values, st.text(max_size=120)),
        max_size=3,
    ),
    raw=st.one_of(st.none(), st.sampled_from(RAW_BODIES)),
)
def test_hostile_ask(
    member: tuple[World, str], question: Any, extra: dict[str, Any], raw: bytes | None
) -> None:
    body = raw if raw is not None else json.dumps({"question": question, **extra}, allow_nan=True).encode()
    answer = _check("POST", ASK, _send("POST", ASK, None, data=body, content_type="application/json"))
    if isinstance(answer, dict) and "answer" in answer:
        assert unicodedata.is_normalized("NFC", answer["answer"])


def test_the_fuzzed_operations_are_all_the_api() -> None:
    """A new operation is fuzzed by the schemathesis test without a change here; the hostile phase
    names these four: a fifth one should get its hostile bodies too."""
    paths = schema.raw_schema["paths"]
    operations = {(method.upper(), path.removeprefix("/api/v1")) for path in paths for method in paths[path]}
    assert operations == {
        ("POST", "/sync/push"),
        ("GET", "/sync/pull"),
        ("GET", "/me"),
        ("POST", "/assistant/ask"),
    }, operations


def test_answers_are_checked_against_the_document(member: tuple[World, str]) -> None:
    """The checks bite: a pull answer without its cursor does not pass the document's PullOut."""
    response = _send("GET", PULL, member[1])
    page = _check("GET", PULL, response)
    del page["cursor"]
    response.set_data(json.dumps(page))
    with pytest.raises(AssertionError):
        schema[PULL]["GET"].validate_response(response)


def test_a_nul_character_is_a_rejection_naming_the_field(member: tuple[World, str]) -> None:
    """PostgreSQL text cannot hold NUL: a note with one was a 500 there (found by the hostile phase)."""
    world, token = member
    ids = _ids(world)
    records = [
        {"uuid": str(uuid), "type": kind, "data": _valid_record(kind, ids, "Ghi chú\u0000")}
        for uuid, kind in zip(
            ["3f0c2b1e-0000-4000-8000-000000000001", "3f0c2b1e-0000-4000-8000-000000000002",
             "3f0c2b1e-0000-4000-8000-000000000003", "3f0c2b1e-0000-4000-8000-000000000004"],
            ["visit", "work_time", "scam_report", "class_attendance"],
            strict=True,
        )
    ]  # fmt: skip
    answer = _push_checked(token, json.dumps({"records": records}).encode())
    assert _statuses_and_fields(answer) == [
        ("rejected", ["notes"]),
        ("rejected", ["note"]),
        ("rejected", ["description"]),
        ("created", []),
    ]


def _push_checked(token: str, body: bytes) -> dict[str, Any]:
    """The push's answer to `body`, checked against the OpenAPI document."""
    return _check("POST", PUSH, _send("POST", PUSH, token, data=body, content_type="application/json"))


def _statuses_and_fields(answer: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(r["status"], [e["field"] for e in r["errors"]]) for r in answer["results"]]


def test_half_a_surrogate_pair_is_a_rejection_naming_the_field(member: tuple[World, str]) -> None:
    """`"\\ud800"` is valid JSON, and Python's parser keeps it as is; no UTF-8 text holds it, and hashing
    the record failed: the whole push was a 500. A pair (an emoji) is a character like any other."""
    world, token = member
    ids = _ids(world)
    notes = ["Ghi chú \ud800", "Ghi chú \udfff", "Ghi chú \ud83d", "Ghi chú \U0001f600"]
    records = [
        {
            "uuid": f"3f0c2b1e-0000-4000-8000-00000000010{n}",
            "type": kind,
            "data": _valid_record(kind, ids, note),
        }
        for n, (kind, note) in enumerate(
            zip(["visit", "work_time", "scam_report", "visit"], notes, strict=True)
        )
    ]
    body = json.dumps({"records": records}).encode()  # (ensure_ascii: the halves go as \\udxxx escapes)
    assert b"\\ud800" in body and b"\\ud83d\\ude00" in body
    answer = _push_checked(token, body)
    assert _statuses_and_fields(answer) == [
        ("rejected", ["notes"]),
        ("rejected", ["note"]),
        ("rejected", ["description"]),
        ("created", []),
    ]
    assert "\\uD800" in answer["results"][0]["errors"][0]["message"]


def test_a_question_with_half_a_surrogate_pair_is_refused(member: tuple[World, str]) -> None:
    body = json.dumps({"question": "Cài VNeID \ud800 thế nào?"}).encode()
    response = _send("POST", ASK, None, data=body, content_type="application/json")
    assert 400 <= response.status_code < 500
    _check("POST", ASK, response)


def test_a_question_with_a_nul_character_is_refused_by_name(member: tuple[World, str]) -> None:
    """It was a 500 on PostgreSQL (the conversation keeps the question; found by the hostile phase)."""
    body = json.dumps({"question": "Cài VNeID\u0000 thế nào?"}).encode()
    response = _send("POST", ASK, None, data=body, content_type="application/json")
    assert response.status_code == 422
    assert _check("POST", ASK, response)["errors"] == [
        {"field": "question", "message": "có ký tự không được phép"}
    ]
