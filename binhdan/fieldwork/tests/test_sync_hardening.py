"""Hostile and wrong input to the sync API: one bad record never sinks the batch, a bad body or cursor
gets a 4xx JSON answer in Vietnamese, receipts never leak, work time follows the server's rules."""

import base64
import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from binhdan.accounts.models import AuditEvent
from binhdan.accounts.tokens import create_api_token
from binhdan.fieldwork import sync
from binhdan.fieldwork.models import Visit, WorkTime
from binhdan.registry.models import CommuneSettings, Skill
from binhdan.registry.rights import erase_resident

PUSH, PULL = "/api/v1/sync/push", "/api/v1/sync/pull"
TODAY = timezone.localdate  # called in each test: the day may turn during a run


def visit_day() -> dt.date:
    return TODAY() - dt.timedelta(days=3)


def visit(world, **overrides):
    data = {
        "household": world.household_a.pk,
        "visited_at": f"{visit_day().isoformat()}T09:30:00+07:00",
        "minutes": 20,
        "channel": "door",
        "people": [
            {"resident": world.resident_a.pk, "skills": [{"skill": "vneid-kich-hoat", "outcome": "guided"}]}
        ],
    }
    data.update(overrides)
    return {"uuid": str(uuid.uuid4()), "type": "visit", "data": data}


def work(day: dt.date | None = None, hours=4, **extra):
    day = day or visit_day()
    return {
        "uuid": str(uuid.uuid4()),
        "type": "work_time",
        "data": {"date": str(day), "hours": hours, **extra},
    }


@pytest.fixture
def token_client(world):
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.member_a)}")


def post_raw(client, body: bytes | str):
    response = client.generic("POST", PUSH, body, content_type="application/json")
    assert response.status_code < 500 and response["Content-Type"].startswith("application/json")
    return response


def push(client, records):
    response = post_raw(client, json.dumps({"records": records}))
    assert response.status_code == 200, response.content
    return response.json()["results"]


def person(**fields):
    return {"resident": 0, **fields}


HOSTILE_VISITS = {
    "visited_at": [{"visited_at": "2026-13-45T09:30:00+07:00"}, {"visited_at": "2026-10-05T09:30:00+25:00"},
                   {"visited_at": ["2026-10-05"]}, {"visited_at": "9" * 100_000}],
    "follow_up_on": [{"follow_up_on": "2026-02-30"}, {"follow_up_on": {"y": 2026}}, {"follow_up_on": 20261010}],
    "household": [{"household": 10**30}, {"household": 2**63}, {"household": -1}, {"household": "12"},
                  {"household": [1]}, {"household": {"id": 1}}, {"household": float("nan")}, {"household": True}],
    "minutes": [{"minutes": float("nan")}, {"minutes": "20"}, {"minutes": 10**30}, {"minutes": [20]}],
    "channel": [{"channel": ["door"]}, {"channel": {"door": 1}}, {"channel": 7}],
    "notes": [{"notes": "x" * 100_000}, {"notes": ["a"]}],
    "people": [{"people": {"resident": 1}}, {"people": "all"}],
}  # fmt: skip


def test_each_malformed_field_is_rejected_by_name_and_the_good_records_beside_it_are_stored(
    world, token_client
):
    records, expected = [], []
    for field_name, variants in HOSTILE_VISITS.items():
        for overrides in variants:
            records += [visit(world), visit(world, **overrides)]
            expected.append(field_name)
    answers = push(token_client, records)
    assert [a["status"] for a in answers[0::2]] == ["created"] * len(expected)
    for answer, field_name in zip(answers[1::2], expected, strict=True):
        assert answer["status"] == "rejected", answer
        assert any(e["field"] == field_name for e in answer["errors"]), (field_name, answer)
        assert all(len(e["message"]) < 300 for e in answer["errors"])
    assert Visit.objects.count() == len(expected)


def test_hostile_people_skills_and_status_are_rejected_per_record(world, token_client):
    rid = world.resident_a.pk
    bad_people = [
        [{"resident": 10**30}],
        [{"resident": 2**63}],
        [{"resident": [rid]}],
        [{"resident": rid, "skills": [{"skill": ["vneid-kich-hoat"], "outcome": "guided"}]}],
        [{"resident": rid, "skills": [{"skill": {"code": "x"}, "outcome": "guided"}]}],
        [{"resident": rid, "skills": [{"skill": "vneid-kich-hoat", "outcome": ["guided"]}]}],
        [{"resident": rid, "skills": {"vneid-kich-hoat": "guided"}}],
        [{"resident": rid, "status": {"vneid_level": {"value": float("nan")}}}],
        [{"resident": rid, "status": {"vneid_level": {"value": 2, "evidence": ["seen"]}}}],
        [{"resident": rid, "status": {"k" * 10_000: 1}}],
        [{"resident": rid, "status": ["smartphone"]}],
        ["not a person"],
    ]
    records = [visit(world, people=people) for people in bad_people]
    answers = push(token_client, [visit(world), *records, visit(world)])
    assert answers[0]["status"] == answers[-1]["status"] == "created"
    for answer in answers[1:-1]:
        assert answer["status"] == "rejected" and answer["errors"][0]["field"].startswith("people[0]")
        assert all(len(e["field"]) < 120 and len(e["message"]) < 300 for e in answer["errors"])


def test_nan_infinity_and_strings_in_work_hours_are_rejected_one_by_one(world, token_client):
    day = visit_day()
    body = (
        '{"records": ['
        f'{{"uuid": "{uuid.uuid4()}", "type": "work_time", "data": {{"date": "{day}", "hours": NaN}}}},'
        f'{{"uuid": "{uuid.uuid4()}", "type": "work_time", "data": {{"date": "{day}", "hours": Infinity}}}},'
        f'{{"uuid": "{uuid.uuid4()}", "type": "work_time", "data": {{"date": "{day}", "hours": -Infinity}}}},'
        f'{{"uuid": "{uuid.uuid4()}", "type": "work_time", "data": {{"date": "{day}", "hours": "sNaN"}}}},'
        f'{{"uuid": "{uuid.uuid4()}", "type": "work_time", "data": {{"date": "{day}", "hours": "4.5"}}}},'
        f'{{"uuid": "{uuid.uuid4()}", "type": "work_time", "data": {{"date": "{day}", "hours": 1e999}}}},'
        f'{{"uuid": "{uuid.uuid4()}", "type": "work_time", "data": {{"date": "2026-02-30", "hours": 4}}}},'
        f'{{"uuid": "{uuid.uuid4()}", "type": "work_time", "data": {{"date": "{day}", "hours": 4.5}}}}'
        "]}"
    )
    answers = post_raw(token_client, body).json()["results"]
    assert [a["status"] for a in answers] == ["rejected"] * 7 + ["created"]
    assert [a["errors"][0]["field"] for a in answers[:7]] == ["hours"] * 6 + ["date"]
    assert "không có thật" in answers[6]["errors"][0]["message"]
    assert WorkTime.objects.get().hours == Decimal("4.5")


@pytest.mark.parametrize(
    "body",
    [
        "[" * 5000 + "]" * 5000,
        '{"records": ' + "[" * 6000 + "]" * 6000 + "}",
        '{"records": [{"uuid": "' + str(uuid.uuid4()) + '", "type": "visit", "data": ' + '{"a":' * 3000 + "1"
        + "}" * 3000 + "}]}",
        "[1, 2, 3]",
        '"records"',
        "null",
        "42",
        "{not json",
        b"\xff\xfe\x00garbage",
        '{"records": {"uuid": 1}}',
        '{"records": "all"}',
        "",
    ],
)  # fmt: skip
def test_a_malformed_body_gets_a_4xx_json_answer_in_vietnamese(world, token_client, body):
    response = post_raw(token_client, body)
    assert 400 <= response.status_code < 500
    detail = response.json()["detail"]
    assert any(word in detail for word in ("JSON", "records", "đối tượng"))


def test_deep_records_inside_a_good_body_are_rejected_alone(world, token_client):
    deep: object = 1
    for _ in range(200):
        deep = {"a": deep}
    records = [
        visit(world),
        visit(world, notes=deep),
        {"uuid": str(uuid.uuid4()), "type": "work_time", "data": deep},
    ]
    answers = push(token_client, records)
    assert [a["status"] for a in answers] == ["created", "rejected", "rejected"]
    assert "quá sâu" in answers[1]["errors"][0]["message"]


def test_hostile_record_shells_are_rejected_per_record(world, token_client):
    shells = [
        {"uuid": 123456789012345678901234567890123, "type": "visit", "data": {}},
        {"uuid": ["x"], "type": "visit", "data": {}},
        {"uuid": "u" * 100_000, "type": "visit", "data": {}},
        {"uuid": str(uuid.uuid4()), "type": ["visit"], "data": {}},
        {"uuid": str(uuid.uuid4()), "type": {"visit": 1}, "data": {}},
        {"uuid": str(uuid.uuid4()), "type": "t" * 100_000, "data": {}},
        {"uuid": str(uuid.uuid4()), "type": json.loads("[" * 300 + "]" * 300), "data": {}},
        {"uuid": str(uuid.uuid4()), "type": "visit", "data": []},
        [],
        None,
        "visit",
    ]
    answers = push(token_client, [*shells, visit(world)])
    assert [a["status"] for a in answers] == ["rejected"] * len(shells) + ["created"]
    assert all(len(json.dumps(a)) < 400 for a in answers)


@pytest.mark.parametrize(
    "since",
    [
        "xyz",
        "!!!!",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(b"[1,2]").decode(),
        base64.urlsafe_b64encode(
            json.dumps({"v": 2, "w": "1:1:", "ph": "households", "a": 10**30}).encode()
        ).decode(),
        "a" * 10_000,
        "eyJ2IjoyfQ:1abc:forged-signature",
    ],
)
def test_a_damaged_or_forged_cursor_is_refused_in_vietnamese(world, token_client, since):
    response = token_client.get(PULL, {"since": since})
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert "đồng bộ lại từ đầu" in response.json()["detail"] and response.json()["restart"] is True


def test_an_old_time_lag_cursor_restarts_from_scratch(world, token_client):
    old = {"since": "2000-01-01T00:00:00+00:00", "until": "2026-11-30T00:00:00+00:00", "phase": "households",
           "after_t": None, "after_id": None, "done": True}  # fmt: skip
    raw = base64.urlsafe_b64encode(json.dumps(old).encode()).decode().rstrip("=")
    page = token_client.get(PULL, {"since": raw}).json()
    assert page["reset"] is True and {h["id"] for h in page["households"]} == {world.household_a.pk}


def test_signed_cursors_with_impossible_content_are_refused(world):
    from django.core import signing

    for data in (
        {"v": 2, "w": "1:1:", "p": None, "ph": "households", "a": 10**30, "s": ""},
        {"v": 2, "w": "9:3:", "p": None, "ph": "households", "a": 0, "s": ""},
        {"v": 2, "w": "5", "p": ["x"], "ph": "households", "a": 0, "s": ""},
        {"v": 2, "w": "5", "p": None, "ph": "everything", "a": 0, "s": ""},
        {"v": 2, "w": "5", "p": None, "ph": "households", "a": True, "s": 3},
    ):
        raw = signing.dumps(data, salt=sync.CURSOR_SALT, compress=True)
        with pytest.raises(sync.CursorError):
            sync.decode_cursor(raw)


@pytest.mark.parametrize("limit", ["abc", "1e9", "10" * 20, "4.5", "[]"])
def test_a_bad_limit_is_refused_in_vietnamese(world, token_client, limit):
    response = token_client.get(PULL, {"limit": limit})
    assert response.status_code == 400 and "limit" in response.json()["detail"]


def test_out_of_range_limits_are_clamped(world, token_client):
    for limit in ("-5", "0", "999999999"):
        assert token_client.get(PULL, {"limit": limit}).status_code == 200


def test_a_uuid_stored_by_someone_else_is_rejected_like_any_bad_uuid(world, token_client):
    mine = visit(world)
    push(token_client, [mine])
    other_member = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.leader_a)}")
    (answer,) = push(other_member, [mine])
    (bad,) = push(other_member, [{**mine, "uuid": "nope"}])
    assert answer["status"] == "rejected" and "id" not in answer
    assert answer["errors"] == bad["errors"] == [{"field": "uuid", "message": sync.BAD_UUID}]
    changed = {**mine, "data": {**mine["data"], "minutes": 45}}
    (conflict,) = push(other_member, [changed])
    assert conflict["status"] == "rejected" and conflict["errors"] == bad["errors"]
    assert Visit.objects.count() == 1


def test_errors_about_people_name_the_resident_and_erased_ones_say_so(world, token_client):
    erase_resident(by=world.officer, resident=world.resident_a, reason="Yêu cầu của người dân")
    (answer,) = push(token_client, [visit(world)])
    (error,) = answer["errors"]
    assert error["resident"] == world.resident_a.pk and "đã được xoá khỏi sổ theo yêu cầu" in error["message"]
    outsider = visit(world, people=[{"resident": world.resident_b.pk}])
    (answer,) = push(token_client, [outsider])
    assert "resident" not in answer["errors"][0]  # out of scope: nothing about them comes back


def test_work_time_in_the_future_too_old_or_over_16_hours_a_day_is_refused(world, token_client):
    answers = push(
        token_client,
        [
            work(TODAY() + dt.timedelta(days=1)),
            work(TODAY() - dt.timedelta(days=36)),
            work(TODAY() - dt.timedelta(days=35), hours=2),
            work(visit_day(), hours=10),
            work(visit_day(), hours=6),
            work(visit_day(), hours=0.5),
            work(TODAY(), hours=16),
        ],
    )
    assert [a["status"] for a in answers] == ["rejected", "rejected", "created", "created", "created",
                                              "rejected", "created"]  # fmt: skip
    assert "tương lai" in answers[0]["errors"][0]["message"]
    assert "35 ngày" in answers[1]["errors"][0]["message"]
    assert (
        "quá 16 giờ" in answers[5]["errors"][0]["message"] and "16 giờ" in answers[5]["errors"][0]["message"]
    )
    # Stored hours count too, in a later push.
    (later,) = push(token_client, [work(visit_day(), hours=0.25)])
    assert later["status"] == "rejected" and later["errors"][0]["field"] == "hours"


def test_the_commune_chooses_how_old_work_time_may_be_and_the_pull_says_so(world, token_client):
    CommuneSettings.objects.create(commune=world.commune, work_time_max_age_days=7)
    answers = push(token_client, [work(TODAY() - dt.timedelta(days=8)), work(TODAY() - dt.timedelta(days=7))])
    assert [a["status"] for a in answers] == ["rejected", "created"]
    page = token_client.get(PULL).json()
    assert page["limits"] == {"work_time_max_age_days": 7, "work_time_max_daily_hours": 16}


def test_notes_are_stored_in_nfc(world, token_client):
    decomposed = "Hẹn con trai về hướng dẫn thêm".encode().decode()
    import unicodedata

    nfd = unicodedata.normalize("NFD", decomposed)
    record, time_record = visit(world, notes=nfd), work(note=unicodedata.normalize("NFD", "Chợ số"))
    push(token_client, [record, time_record])
    assert Visit.objects.get().notes == unicodedata.normalize("NFC", nfd)
    assert WorkTime.objects.get().note == "Chợ số"


def test_a_pull_that_carries_personal_data_is_audited_with_the_token(world):
    from binhdan.accounts.models import ApiToken

    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.member_a, name='điện thoại An')}"
    )
    page = client.get(PULL).json()
    token = ApiToken.objects.get(user=world.member_a)
    pulls = AuditEvent.objects.filter(user=world.member_a, detail__startswith="Đồng bộ về điện thoại")
    event = pulls.get()
    assert event.object_id == str(token.pk) and "điện thoại An" in event.detail
    assert f"{len(page['households'])} hộ, {len(page['residents'])} người dân" in event.detail
    client.get(PULL, {"since": page["cursor"]})  # nothing new: nothing personal was sent, no row
    assert pulls.count() == 1


def test_a_deactivated_skill_is_refused_by_a_worker_whose_memo_is_stale(world, token_client):
    assert push(token_client, [visit(world)])[0]["status"] == "created"  # this worker memoises the map
    stale = dict(sync._SKILLS_CACHE)
    skill = Skill.objects.get(code="vneid-kich-hoat")
    skill.active = False
    skill.save()  # on "another worker": only the shared version changes for this one
    sync._SKILLS_CACHE.update(stale)  # this worker's memo is as it was, and fresh
    (answer,) = push(token_client, [visit(world)])
    assert answer["status"] == "rejected" and "vneid-kich-hoat" in answer["errors"][0]["message"]
