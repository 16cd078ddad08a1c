"""A team member records on the phone that a resident moved away or died ("resident_left"): hostile
input is rejected field by field in Vietnamese while the good records of the batch are stored, a stored
one goes through the registry's write path, leaves the phones on the next pull and stops counting."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from binhdan.accounts.tokens import create_api_token
from binhdan.fieldwork import sync
from binhdan.fieldwork.models import SyncReceipt
from binhdan.fieldwork.tests.test_sync_watermark import Phone
from binhdan.indicators.values import values
from binhdan.registry import services as registry
from binhdan.registry.models import LeftReason, Resident
from binhdan.registry.rights import erase_resident
from binhdan.testing.personas import make_household

PUSH = "/api/v1/sync/push"
TODAY = timezone.localdate  # called in each test: the day may turn during a run
OUT_OF_SCOPE = "Người này không thuộc phạm vi của bạn."


def left(resident: Any, left_on: Any = None, reason: Any = "moved", **data: Any) -> dict[str, Any]:
    body = {
        "resident": resident,
        "left_on": TODAY().isoformat() if left_on is None else left_on,
        "reason": reason,
    }
    body.update(data)
    return {"uuid": str(uuid.uuid4()), "type": "resident_left", "data": body}


@pytest.fixture
def token_client(world):
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.member_a)}")


def push(client: Client, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = client.generic("POST", PUSH, json.dumps({"records": records}), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def people(world, count: int) -> list[Resident]:
    return [make_household(world.village_a, f"Trần Văn Tư {n}").residents.get() for n in range(count)]


def smartphone_denominator(world) -> int:
    (found,) = [v for v in values(world.village_a, TODAY(), with_pace=False) if v.code == "AD_SMARTPHONE"]
    return found.denominator


def test_hostile_records_are_rejected_per_field_and_the_good_ones_beside_them_are_stored(world, token_client):
    deep: Any = "2025-01-01"
    for _ in range(30):
        deep = {"x": deep}
    mine = world.resident_a.pk
    other_village = world.resident_b.pk  # Thôn Tây: the same commune, not the member's village
    other_commune = world.household_c.residents.get().pk
    hostile: list[tuple[dict[str, Any], str, str]] = [
        ({"left_on": TODAY().isoformat(), "reason": "moved"}, "resident", "Mã người dân không hợp lệ."),
        ({"resident": None}, "resident", "Mã người dân không hợp lệ."),
        ({"resident": float("nan")}, "resident", "Mã người dân không hợp lệ."),
        ({"resident": float("inf")}, "resident", "Mã người dân không hợp lệ."),
        ({"resident": 10**30}, "resident", "Mã người dân không hợp lệ."),
        ({"resident": 2**63}, "resident", "Mã người dân không hợp lệ."),
        ({"resident": -1}, "resident", "Mã người dân không hợp lệ."),
        ({"resident": str(mine)}, "resident", "Mã người dân không hợp lệ."),
        ({"resident": [mine]}, "resident", "Mã người dân không hợp lệ."),
        ({"resident": True}, "resident", "Mã người dân không hợp lệ."),
        ({"resident": 2**63 - 1}, "resident", OUT_OF_SCOPE),
        ({"resident": other_village}, "resident", OUT_OF_SCOPE),
        ({"resident": other_commune}, "resident", OUT_OF_SCOPE),
        ({"left_on": "2025-02-30"}, "left_on", "Ngày “2025-02-30” không có thật trên lịch."),
        ({"left_on": "99999-01-01"}, "left_on", "Ngày phải theo dạng năm-tháng-ngày, ví dụ 2025-10-20."),
        ({"left_on": "20/11/2025"}, "left_on", "Ngày phải theo dạng năm-tháng-ngày, ví dụ 2025-10-20."),
        ({"left_on": 20251120}, "left_on", "Ngày phải theo dạng năm-tháng-ngày, ví dụ 2025-10-20."),
        ({"left_on": float("nan")}, "left_on", "Ngày phải theo dạng năm-tháng-ngày, ví dụ 2025-10-20."),
        ({"left_on": "9" * 100_000}, "left_on", "Ngày phải theo dạng năm-tháng-ngày, ví dụ 2025-10-20."),
        ({"left_on": ""}, "left_on", "Hãy nhập ngày rời sổ."),
        ({"left_on": None}, "left_on", "Hãy nhập ngày rời sổ."),
        ({"left_on": (TODAY() + dt.timedelta(days=1)).isoformat()}, "left_on", "Ngày rời sổ không được ở tương lai."),
        ({"left_on": (TODAY() - dt.timedelta(days=400)).isoformat()}, "left_on",
         "Ngày rời sổ đã quá một năm; hãy nhờ cán bộ xã ghi trực tiếp."),
        ({"left_on": (TODAY() - dt.timedelta(days=1)).isoformat()}, "left_on",
         f"Ngày rời sổ phải từ ngày vào sổ ({TODAY():%d/%m/%Y}) trở đi."),
        ({"reason": "emigrated"}, "reason", "Không có lý do rời sổ “emigrated”; hãy chọn một lý do trong danh sách."),
        ({"reason": ["moved"]}, "reason", "Không có lý do rời sổ “[\"moved\"]”; hãy chọn một lý do trong danh sách."),
        ({"reason": "x" * 10_000}, "reason",
         f"Không có lý do rời sổ “{'x' * 39}…”; hãy chọn một lý do trong danh sách."),
        ({"reason": None}, "reason", "Hãy chọn lý do rời sổ."),
        ({"reason": ""}, "reason", "Hãy chọn lý do rời sổ."),
        ({"reason": "Moved"}, "reason", "Không có lý do rời sổ “Moved”; hãy chọn một lý do trong danh sách."),
        ({"left_on": deep}, "data", "Nội dung bản ghi lồng nhau quá sâu, không đọc được."),
    ]  # fmt: skip
    good = people(world, len(hostile))
    records = []
    for (overrides, _, _), person in zip(hostile, good, strict=True):
        bad = left(mine)
        bad["data"].update(overrides)
        if overrides.keys() == {"left_on", "reason"}:  # the first case: no resident at all
            del bad["data"]["resident"]
        records += [left(person.pk, reason=LeftReason.DIED), bad]
    answers = push(token_client, records)

    for answer, (overrides, field_name, message) in zip(answers[1::2], hostile, strict=True):
        assert answer["status"] == "rejected", (overrides, answer)
        assert {"field": field_name, "message": message} in [
            {"field": e["field"], "message": e["message"]} for e in answer["errors"]
        ], (overrides, answer["errors"])
        assert all(len(e["message"]) < 300 for e in answer["errors"])
        # Ids outside the member's scope never come back; their own resident's id does.
        for error in answer["errors"]:
            assert error.get("resident") in (None, mine)
    assert [a["status"] for a in answers[0::2]] == ["created"] * len(good)
    assert [a["id"] for a in answers[0::2]] == [p.pk for p in good]
    stored = Resident.objects.filter(pk__in=[p.pk for p in good])
    assert set(stored.values_list("left_on", "left_reason")) == {(TODAY(), "died")}
    for outsider in (world.resident_a, world.resident_b, world.household_c.residents.get()):
        outsider.refresh_from_db()
        assert outsider.left_on is None and outsider.left_reason == ""
    assert SyncReceipt.objects.filter(kind="resident_left").count() == len(good)


def test_nan_and_infinity_in_a_raw_body_are_rejected_without_sinking_the_batch(world, token_client):
    (person,) = people(world, 1)
    good = left(person.pk)
    body = (
        '{"records": ['
        f'{{"uuid": "{uuid.uuid4()}", "type": "resident_left", "data": {{"resident": NaN, "left_on": "{TODAY()}", "reason": "died"}}}},'
        f'{{"uuid": "{uuid.uuid4()}", "type": "resident_left", "data": {{"resident": 1e999, "left_on": "{TODAY()}", "reason": "died"}}}},'
        f'{{"uuid": "{uuid.uuid4()}", "type": "resident_left", "data": {{"resident": {person.pk}, "left_on": Infinity, "reason": NaN}}}},'
        f"{json.dumps(good)}"
        "]}"
    )  # fmt: skip
    response = token_client.generic("POST", PUSH, body, content_type="application/json")
    answers = response.json()["results"]
    assert [a["status"] for a in answers] == ["rejected"] * 3 + ["created"]
    assert [e["field"] for e in answers[2]["errors"]] == ["left_on", "reason"]
    assert all(e["resident"] == person.pk for e in answers[2]["errors"])


@pytest.mark.django_db(transaction=True)  # writes between two pulls: real commits on PostgreSQL
def test_a_stored_departure_goes_through_the_registry_leaves_the_phone_and_stops_counting(
    world, token_client
):
    phone = Phone(token_client)
    (tu,) = people(world, 1)
    phone.round()
    assert tu.pk in phone.residents
    before = smartphone_denominator(world)

    record = left(tu.pk, reason="moved")
    (answer,) = push(token_client, [record])
    assert answer == {"uuid": record["uuid"], "status": "created", "errors": [], "id": tu.pk}
    tu.refresh_from_db()
    assert (tu.left_on, tu.left_reason) == (TODAY(), LeftReason.MOVED)
    assert smartphone_denominator(world) == before - 1

    pages = phone.round()
    assert tu.pk in pages[-1]["removed"]["residents"] and tu.pk not in phone.residents
    assert world.resident_a.pk in phone.residents

    # A resend (the answer was lost on a weak link) is "unchanged"; the same uuid with other content is
    # a conflict and changes nothing.
    (again,) = push(token_client, [record])
    assert again == {"uuid": record["uuid"], "status": "unchanged", "errors": [], "id": tu.pk}
    other = dict(record, data=dict(record["data"], reason="died"))
    (clash,) = push(token_client, [other])
    assert clash["status"] == "conflict"
    tu.refresh_from_db()
    assert tu.left_reason == LeftReason.MOVED and smartphone_denominator(world) == before - 1


def test_a_resident_already_recorded_as_left_keeps_the_earlier_record(world, token_client):
    (tu,) = people(world, 1)
    earlier = TODAY()
    registry.record_resident_left(by=world.officer, resident=tu, left_on=earlier, reason=LeftReason.DIED)
    before = smartphone_denominator(world)
    # Two phones learned it too; one sends it twice in a batch.
    first, second = left(tu.pk, reason="moved"), left(tu.pk, reason="duplicate")
    answers = push(token_client, [first, second])
    assert [(a["status"], a["id"]) for a in answers] == [("created", tu.pk), ("created", tu.pk)]
    tu.refresh_from_db()
    assert (tu.left_on, tu.left_reason) == (earlier, LeftReason.DIED)
    assert smartphone_denominator(world) == before


def test_the_same_resident_twice_in_one_batch_is_recorded_once(world, token_client):
    (tu,) = people(world, 1)
    answers = push(token_client, [left(tu.pk, reason="died"), left(tu.pk, reason="moved")])
    assert [a["status"] for a in answers] == ["created", "created"]
    tu.refresh_from_db()
    assert tu.left_reason == LeftReason.DIED


def test_an_erased_resident_is_named_with_the_erasure_message(world, token_client):
    (tu,) = people(world, 1)
    erase_resident(by=world.officer, resident=tu, reason="Yêu cầu của người dân")
    (answer,) = push(token_client, [left(tu.pk)])
    assert answer["status"] == "rejected"
    assert answer["errors"] == [{"field": "resident", "message": sync.ERASED, "resident": tu.pk}]


def test_every_reason_is_accepted_and_the_kind_is_labelled(world, token_client):
    everyone = people(world, len(LeftReason.values))
    answers = push(
        token_client, [left(p.pk, reason=r) for p, r in zip(everyone, LeftReason.values, strict=True)]
    )
    assert [a["status"] for a in answers] == ["created"] * len(everyone)
    stored = dict(Resident.objects.filter(pk__in=[p.pk for p in everyone]).values_list("pk", "left_reason"))
    assert [stored[p.pk] for p in everyone] == list(LeftReason.values)
    assert sync.KIND_LABELS["resident_left"] == "báo rời sổ"


def test_the_openapi_schema_lists_the_record_type(world, client_for):
    schema = client_for(world.member_a).get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/sync/push"]["post"]["requestBody"]["content"]["application/json"]
    types = body["schema"]["properties"]["records"]["items"]["properties"]["type"]["enum"]
    assert "resident_left" in types
    assert any(r["type"] == "resident_left" for r in body["example"]["records"])


def test_a_batch_of_departures_costs_a_bounded_number_of_queries(
    world, token_client, django_assert_max_num_queries
):
    """Each departure goes through the registry's service (validation, save, the rollups), about 25
    queries each (measured 50 for one, 293 for ten on SQLite): rare records, so not batched."""
    everyone = people(world, 10)
    with django_assert_max_num_queries(320):
        answers = push(token_client, [left(p.pk) for p in everyone])
    assert [a["status"] for a in answers] == ["created"] * 10
