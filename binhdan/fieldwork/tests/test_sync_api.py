"""The sync API as a phone sees it: per-record answers, idempotency, conflicts, scope, paging."""

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from binhdan.accounts.tokens import create_api_token
from binhdan.fieldwork.models import ClassAttendance, CommunityClass, SyncReceipt, Visit, WorkTime
from binhdan.registry.models import SkillObservation, StatusObservation

PUSH, PULL = "/api/v1/sync/push", "/api/v1/sync/pull"
TODAY = timezone.localdate  # called in each test: the day may turn during a run


def visit_day() -> dt.date:
    return TODAY() - dt.timedelta(days=3)


def visit_time() -> str:
    return f"{visit_day().isoformat()}T09:30:00+07:00"


def follow_up_day() -> str:
    return (visit_day() + dt.timedelta(days=7)).isoformat()


def visit(world, household=None, resident=None, **overrides):
    household = household or world.household_a
    resident = resident or household.residents.first()
    data = {
        "household": household.pk,
        "visited_at": visit_time(),
        "minutes": 20,
        "channel": "door",
        "people": [
            {
                "resident": resident.pk,
                "skills": [
                    {"skill": "vneid-kich-hoat", "outcome": "guided"},
                    {"skill": "thanh-toan-qr", "outcome": "mastered"},
                ],
                "status": {"vneid_level": {"value": 2, "evidence": "seen"}, "smartphone": True},
            }
        ],
        "follow_up_on": follow_up_day(),
    }
    data.update(overrides)
    return {"uuid": str(uuid.uuid4()), "type": "visit", "data": data}


@pytest.fixture
def token_client(world):
    token = create_api_token(user=world.member_a)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def push(client, records):
    response = client.post(PUSH, {"records": records}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_visit_is_stored_with_its_people_skills_and_status(world, token_client):
    record = visit(world)
    (answer,) = push(token_client, [record])
    assert answer["status"] == "created" and answer["errors"] == []
    stored = Visit.objects.get(uuid=record["uuid"])
    assert stored.recorded_by == world.member_a and stored.minutes == 20
    day = visit_day()
    assert stored.visited_at == dt.datetime(day.year, day.month, day.day, 2, 30, tzinfo=dt.UTC)
    assert list(stored.people.values_list("resident_id", flat=True)) == [world.resident_a.pk]
    assert SkillObservation.objects.filter(source_ref=record["uuid"]).count() == 2
    level = StatusObservation.objects.get(source_ref=record["uuid"], field="vneid_level")
    assert (level.value, level.evidence, level.observed_on) == (2, "seen", visit_day())
    phone = StatusObservation.objects.get(source_ref=record["uuid"], field="smartphone")
    assert phone.evidence == "told"  # a bare value is what the resident said


def test_the_same_record_twice_is_stored_once(world, token_client):
    record = visit(world)
    first = push(token_client, [record])[0]
    second = push(token_client, [record])[0]
    assert second["status"] == "unchanged" and second["id"] == first["id"]
    assert Visit.objects.count() == 1 and SkillObservation.objects.count() == 2


def test_same_uuid_with_other_content_is_a_conflict_and_nothing_is_overwritten(world, token_client):
    record = visit(world)
    push(token_client, [record])
    changed = {**record, "data": {**record["data"], "minutes": 45}}
    (answer,) = push(token_client, [changed])
    assert answer["status"] == "conflict" and answer["errors"][0]["field"] == "uuid"
    assert Visit.objects.get(uuid=record["uuid"]).minutes == 20


def test_one_bad_record_never_blocks_the_others_and_answers_keep_order(world, token_client):
    good_1, good_2 = visit(world), visit(world)
    outsider = visit(world, household=world.household_b)
    bad = visit(world, minutes=0, channel="bay", visited_at="05/10/2025")
    records = [
        good_1,
        {"type": "visit", "data": {}},
        outsider,
        bad,
        good_2,
        {"uuid": str(uuid.uuid4()), "type": "dance", "data": {}},
    ]
    answers = push(token_client, records)
    assert [a["status"] for a in answers] == [
        "created",
        "rejected",
        "rejected",
        "rejected",
        "created",
        "rejected",
    ]
    assert answers[1]["errors"][0]["field"] == "uuid"
    assert answers[2]["errors"] == [  # the phone's own id comes back so it can name the household
        {
            "field": "household",
            "message": "Không tìm thấy hộ này trong phạm vi của bạn.",
            "household": world.household_b.pk,
        }
    ]
    assert answers[3]["errors"][0]["field"] == "visited_at"
    assert "không được hỗ trợ" in answers[5]["errors"][0]["message"]
    assert Visit.objects.count() == 2


def test_field_errors_are_vietnamese_and_name_the_field(world, token_client):
    bad = visit(world, minutes=0, channel="bay")
    bad["data"]["people"][0]["skills"].append({"skill": "bay-luon", "outcome": "guided"})
    bad["data"]["people"][0]["status"]["vneid_level"] = 5
    (answer,) = push(token_client, [bad])
    fields = {e["field"]: e["message"] for e in answer["errors"]}
    assert fields["minutes"] == "Số phút phải là số nguyên từ 1 đến 600."
    assert fields["channel"] == "Hình thức hỗ trợ không hợp lệ."
    assert "bay-luon" in fields["people[0].skills[2].skill"]
    assert "Mức tài khoản VNeID" in fields["people[0].status.vneid_level"]


def test_residents_must_belong_to_the_visited_household(world, token_client):
    (answer,) = push(token_client, [visit(world, resident=world.resident_b)])
    assert answer["status"] == "rejected"
    assert answer["errors"][0]["field"] == "people[0].resident"


def test_time_needs_a_zone_and_cannot_be_in_the_future(world, token_client):
    naive, future = (
        visit(world, visited_at=visit_time()[:-6]),
        visit(world, visited_at="2099-01-01T00:00:00+07:00"),
    )
    too_old = visit(world, visited_at="2020-01-01T09:00:00+07:00")
    answers = push(token_client, [naive, future, too_old])
    assert "múi giờ" in answers[0]["errors"][0]["message"]
    assert "tương lai" in answers[1]["errors"][0]["message"]
    assert "quá một năm" in answers[2]["errors"][0]["message"]


def test_outsider_records_are_rejected_and_the_server_ignores_scope_claims(world):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.member_b)}")
    record = visit(world)
    record["data"]["village"] = world.village_b.pk  # a phone's claim is never trusted
    (answer,) = push(client, [record])
    assert answer["status"] == "rejected" and not Visit.objects.exists()


def test_commune_leader_and_province_officer_cannot_push_visits(world, client_for):
    for user in (world.leader, world.province_officer):  # officers use a session with two-factor, no token
        assert push(client_for(user), [visit(world)])[0]["status"] == "rejected"


def test_batches_of_200_visits_are_accepted(world, token_client):
    answers = push(token_client, [visit(world) for _ in range(200)])
    assert {a["status"] for a in answers} == {"created"} and Visit.objects.count() == 200


def test_too_many_records_or_bad_json_get_a_clear_answer(world, token_client):
    too_many = token_client.post(PUSH, {"records": [{}] * 501}, content_type="application/json")
    assert too_many.status_code == 413 and "tối đa 500" in too_many.json()["detail"]
    broken = token_client.post(PUSH, "{not json", content_type="application/json")
    assert broken.status_code == 400


def test_without_credentials_the_api_answers_401(world):
    assert Client().post(PUSH, {"records": []}, content_type="application/json").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer bd_wrong").get(PULL).status_code == 401


def test_session_auth_works_for_the_field_app_and_checks_csrf(world, client_for):
    client = client_for(world.member_a)
    assert push(client, [visit(world)])[0]["status"] == "created"
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.member_a)
    assert strict.post(PUSH, {"records": [visit(world)]}, content_type="application/json").status_code == 403


def test_work_time_and_class_attendance(world, token_client):
    community_class = CommunityClass.objects.create(title="Lớp VNeID cho người cao tuổi", place=world.commune,
                                                    held_on=dt.date(2025, 10, 10), audience="elderly")  # fmt: skip
    records = [
        {
            "uuid": str(uuid.uuid4()),
            "type": "work_time",
            "data": {"date": visit_day().isoformat(), "hours": 4.5},
        },
        {
            "uuid": str(uuid.uuid4()),
            "type": "work_time",
            "data": {"date": visit_day().isoformat(), "hours": 30},
        },
        {
            "uuid": str(uuid.uuid4()),
            "type": "class_attendance",
            "data": {"class": community_class.pk, "residents": [world.resident_a.pk]},
        },
        {
            "uuid": str(uuid.uuid4()),
            "type": "class_attendance",
            "data": {"class": community_class.pk, "residents": [world.resident_b.pk]},
        },
    ]
    answers = push(token_client, records)
    assert [a["status"] for a in answers] == ["created", "rejected", "created", "rejected"]
    assert WorkTime.objects.get().hours == 4.5
    assert list(ClassAttendance.objects.values_list("resident_id", flat=True)) == [world.resident_a.pk]


def test_pull_returns_only_my_scope_in_pages_and_resumes_from_the_cursor(world, token_client):
    from binhdan.testing.personas import make_household

    for i in range(30):
        make_household(world.village_a, f"Nguyễn Văn Thử {i}")
    make_household(world.village_b, "Lê Thị Ngoài")
    seen_households, seen_residents, cursor, pages = set(), set(), "", 0
    while True:
        page = token_client.get(PULL, {"since": cursor, "limit": 20}).json()
        pages += 1
        if pages == 1:
            assert any(s["code"] == "vneid-kich-hoat" for s in page["skills"])
        seen_households |= {h["id"] for h in page["households"]}
        seen_residents |= {r["id"] for r in page["residents"]}
        assert len(page["households"]) + len(page["residents"]) <= 20
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert pages >= 4
    assert seen_households == set(world.village_a.households.values_list("pk", flat=True))
    assert world.household_b.pk not in seen_households and world.resident_b.pk not in seen_residents
    # Nothing changed: the next round is empty.
    again = token_client.get(PULL, {"since": cursor}).json()
    assert again["households"] == [] and again["residents"] == [] and again["more"] is False


# Real commits between the pulls: on PostgreSQL a row's version is its transaction's id, and inside
# one test transaction everything written has the same id.
@pytest.mark.django_db(transaction=True)
def test_pull_brings_back_what_a_visit_changed(world, token_client):
    first = token_client.get(PULL).json()
    push(token_client, [visit(world)])
    page = token_client.get(PULL, {"since": first["cursor"]}).json()
    resident = next(r for r in page["residents"] if r["id"] == world.resident_a.pk)
    assert resident["status"]["vneid_level"] == 2
    assert resident["skills"]["thanh-toan-qr"] == 2
    household = next(h for h in page["households"] if h["id"] == world.household_a.pk)
    assert household["follow_up_on"] == follow_up_day() and household["last_visit"]


def test_a_damaged_cursor_is_refused_in_vietnamese(world, token_client):
    response = token_client.get(PULL, {"since": "xyz"})
    assert response.status_code == 400 and "đồng bộ lại từ đầu" in response.json()["detail"]


def test_openapi_document_lists_the_sync_endpoints(world):
    spec = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/sync/push" in spec["paths"] and "/api/v1/sync/pull" in spec["paths"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_pushes_store_one_record(world):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs a server database")
    token = create_api_token(user=world.member_a)
    records = [visit(world) for _ in range(50)]
    answers: list[list[dict]] = []

    def send():
        answers.append(push(Client(HTTP_AUTHORIZATION=f"Bearer {token}"), records))
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Visit.objects.count() == 50 and SyncReceipt.objects.count() == 50
    assert all(a["status"] in ("created", "unchanged") for batch in answers for a in batch)


def test_pull_is_compressed_for_weak_links(world, token_client):
    import gzip
    import json

    response = token_client.get(PULL, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    page = json.loads(gzip.decompress(response.content))
    assert {h["id"] for h in page["households"]} == {world.household_a.pk}
