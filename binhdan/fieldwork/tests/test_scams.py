"""Scam reports: the residents' public form, the phones' `scam_report` record, warnings and patterns."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from binhdan.accounts.models import AuditEvent
from binhdan.accounts.tokens import create_api_token
from binhdan.fieldwork import scams
from binhdan.fieldwork.models import ScamReport, ScamWarning, SyncReceipt
from binhdan.fieldwork.models_scams import MAX_AMOUNT_LOST, ScamPretext, ScamSource
from binhdan.fieldwork.views_scams import REPORTS_PER_ADDRESS, TOO_MANY
from binhdan.registry import rights

PUSH, ME = "/api/v1/sync/push", "/api/v1/me"
TODAY = timezone.localdate  # called in each test: the day may turn during a run
GUIDES = Path(settings.BASE_DIR) / "content" / "guides"


def in_days(days: int) -> Callable[[], str]:
    """A date for `parametrize`, which runs at collection: the test works it out, the day may have turned."""
    return lambda: (TODAY() + dt.timedelta(days=days)).isoformat()


def worked_out(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value() if callable(value) else value for name, value in fields.items()}


@pytest.fixture(autouse=True)
def _fresh_limits(db):
    cache.clear()  # the flood limit lives in the shared cache
    yield
    cache.clear()


@pytest.fixture
def phone(world):
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=world.member_a)}")


def form_url(world):
    return f"/bao-lua-dao/{world.commune.code}/"


def good_post(world, **changes):
    data = {
        "channel": "call",
        "pretext": "cap_nhat_vneid",
        "happened_on": TODAY().isoformat(),
        "amount_lost": "1.500.000",
        "village": str(world.village_a.pk),
        "description": "Người xưng công an xã gọi bảo cài ứng dụng VNeID mới qua link.",
        "website": "",
    }
    data.update(changes)
    return data


def scam_record(**data):
    base = {"happened_on": TODAY().isoformat(), "channel": "zalo", "pretext": "dau_tu", "amount_lost": 0}
    base.update(data)
    return {"uuid": str(uuid.uuid4()), "type": "scam_report", "data": base}


def push(client, records):
    response = client.post(PUSH, {"records": records}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- the public form -----------------------------------------------------------------------------------


def test_a_resident_finds_the_commune_and_reports_without_an_account(world, client):
    found = client.get("/bao-lua-dao/", {"q": "son dong"}).content.decode()
    assert f'href="/bao-lua-dao/{world.commune.code}/"' in found and "Xã Tam Sơn" not in found
    page = client.get(form_url(world)).content.decode()
    assert "Thôn Đông" in page and "Thôn Tây" in page and "Thôn Thượng" not in page  # this commune only
    for personal in ('name="name"', 'name="phone"', 'name="full_name"'):
        assert personal not in page
    response = client.post(form_url(world), good_post(world))
    assert response.status_code == 302 and "/da-gui/" in response["Location"]
    report = ScamReport.objects.get()
    assert report.commune == world.commune and report.village == world.village_a
    assert report.source == ScamSource.RESIDENT and report.reported_by is None and report.uuid is None
    assert report.amount_lost == 1_500_000 and report.pretext == "cap_nhat_vneid"
    thanks = client.get(response["Location"]).content.decode()
    assert (
        "Cảm ơn bạn đã báo tin" in thanks and "/tro-ly/huong-dan/da-bi-lua-chuyen-tien-lam-gi-ngay/" in thanks
    )
    assert "/tro-ly/huong-dan/lua-dao-gia-danh-cong-an-cap-nhat-vneid/" in thanks


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"amount_lost": "NaN"}, "Số tiền bị mất phải là số nguyên"),
        ({"amount_lost": "-5"}, "Số tiền bị mất phải là số nguyên"),
        ({"amount_lost": str(MAX_AMOUNT_LOST + 1)}, "Số tiền bị mất phải là số nguyên"),
        ({"amount_lost": "9" * 400}, "Số tiền bị mất phải là số nguyên"),
        ({"happened_on": "2026-02-30"}, "Ngày phải có thật"),
        ({"happened_on": "99999-01-01"}, "Ngày phải có thật"),
        ({"happened_on": in_days(1)}, "không được ở tương lai"),
        ({"happened_on": in_days(-400)}, "một năm gần đây"),
        ({"happened_on": ""}, "Hãy nhập ngày xảy ra."),
        ({"pretext": "x"}, "Hãy chọn một thủ đoạn trong danh sách."),
        ({"pretext": ""}, "Hãy chọn thủ đoạn"),
        ({"channel": "<script>"}, "Hãy chọn một cách liên lạc trong danh sách."),
        ({"description": "a" * 2001}, "Mô tả tối đa 2.000 ký tự."),
        ({"description": "có ký tự \x00 rỗng"}, "Null characters are not allowed."),
    ],
)
def test_malformed_or_oversized_fields_are_form_errors_and_nothing_is_stored(
    world, client, changes, field_message
):
    response = client.post(form_url(world), good_post(world, **worked_out(changes)))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Chưa lưu được" in page
    if "Null" not in field_message:
        assert field_message in page
    assert not ScamReport.objects.exists()


@pytest.mark.parametrize("village", ["village_c", "huge", "text"])
def test_the_village_picker_accepts_only_the_communes_current_villages(world, client, village):
    value = {"village_c": str(world.village_c.pk), "huge": str(2**70), "text": "Thôn Đông"}[village]
    response = client.post(form_url(world), good_post(world, village=value))
    assert (
        response.status_code == 200
        and "Hãy chọn một thôn trong danh sách của xã." in response.content.decode()
    )
    assert not ScamReport.objects.exists()


def test_unknown_or_merged_communes_and_long_codes_are_404(world, client):
    assert client.get("/bao-lua-dao/99999/").status_code == 404
    assert client.get("/bao-lua-dao/" + "9" * 300 + "/").status_code == 404
    assert client.get(f"/bao-lua-dao/{world.village_a.code}/").status_code == 404  # a village is no commune
    world.other_commune.valid_to = TODAY()
    world.other_commune.save()
    assert client.post(f"/bao-lua-dao/{world.other_commune.code}/", good_post(world)).status_code == 404
    assert not ScamReport.objects.exists()


def test_a_flood_from_one_address_is_refused_in_vietnamese_with_429(world):
    robot = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(REPORTS_PER_ADDRESS.tries):
        assert robot.post(form_url(world), good_post(world)).status_code == 302
    refused = robot.post(form_url(world), good_post(world))
    assert refused.status_code == 429 and TOO_MANY in refused.content.decode()
    malformed = robot.post(form_url(world), {"pretext": "x" * 5000})
    assert malformed.status_code == 429
    assert ScamReport.objects.count() == REPORTS_PER_ADDRESS.tries
    # The count is in the shared cache, keyed by a hash of the address: another address still reports.
    assert REPORTS_PER_ADDRESS.exceeded("203.0.113.7")
    assert Client(REMOTE_ADDR="198.51.100.9").post(form_url(world), good_post(world)).status_code == 302


def test_malformed_posts_count_towards_the_limit_too(world):
    robot = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(REPORTS_PER_ADDRESS.tries):
        assert robot.post(form_url(world), {"amount_lost": "NaN"}).status_code == 200
    assert robot.post(form_url(world), good_post(world)).status_code == 429
    assert not ScamReport.objects.exists()


def test_an_oversized_body_is_refused_without_a_server_error(world, client):
    body = "description=" + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = client.post(form_url(world), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and "Nội dung gửi lên quá lớn" in response.content.decode()
    # With the CSRF check on (as in production) the middleware reads the body first: a 4xx page, no 5xx.
    strict = Client(enforce_csrf_checks=True).post(
        form_url(world), body, content_type="application/x-www-form-urlencoded"
    )
    assert 400 <= strict.status_code < 500
    assert not ScamReport.objects.exists()


def test_the_honeypot_thanks_a_robot_and_stores_nothing(world, client):
    response = client.post(form_url(world), good_post(world, website="http://spam.example"))
    assert response.status_code == 302 and not ScamReport.objects.exists()


# --- the phones -----------------------------------------------------------------------------------------


def test_a_member_reports_from_the_phone_once_whatever_the_resends(world, phone):
    record = scam_record(amount_lost=2_000_000, description="Nick Zalo con trai hỏi vay tiền")
    (answer,) = push(phone, [record])
    assert answer["status"] == "created" and answer["errors"] == []
    report = ScamReport.objects.get(uuid=record["uuid"])
    assert (report.commune, report.village, report.reported_by) == (
        world.commune,
        world.village_a,
        world.member_a,
    )
    assert report.source == ScamSource.MEMBER and answer["id"] == report.pk
    assert SyncReceipt.objects.get(uuid=record["uuid"]).kind == "scam_report"
    (again,) = push(phone, [record])
    assert again["status"] == "unchanged" and again["id"] == report.pk
    changed = {**record, "data": {**record["data"], "amount_lost": 5}}
    (conflict,) = push(phone, [changed])
    assert conflict["status"] == "conflict"
    assert ScamReport.objects.count() == 1 and ScamReport.objects.get().amount_lost == 2_000_000


def test_the_phone_may_name_its_own_village_only(world, phone):
    mine, theirs, far = (
        scam_record(village=world.village_a.pk),
        scam_record(village=world.village_b.pk),
        scam_record(village=world.village_c.pk),
    )
    answers = push(phone, [mine, theirs, far])
    assert [a["status"] for a in answers] == ["created", "rejected", "rejected"]
    for answer in answers[1:]:
        assert answer["errors"] == [{"field": "village", "message": "Thôn này không thuộc phạm vi của bạn."}]
    assert ScamReport.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount_lost": float("nan")}, "amount_lost"),
        ({"amount_lost": float("inf")}, "amount_lost"),
        ({"amount_lost": 1e30}, "amount_lost"),
        ({"amount_lost": 2**70}, "amount_lost"),
        ({"amount_lost": -1}, "amount_lost"),
        ({"amount_lost": True}, "amount_lost"),
        ({"amount_lost": "100000"}, "amount_lost"),
        ({"amount_lost": [1]}, "amount_lost"),
        ({"happened_on": "2026-02-30"}, "happened_on"),
        ({"happened_on": "2026-13-45"}, "happened_on"),
        ({"happened_on": "hôm qua"}, "happened_on"),
        ({"happened_on": None}, "happened_on"),
        ({"happened_on": {"y": 2026}}, "happened_on"),
        ({"happened_on": in_days(2)}, "happened_on"),
        ({"happened_on": "9" * 5000}, "happened_on"),
        ({"channel": "fax"}, "channel"),
        ({"channel": ["zalo"]}, "channel"),
        ({"pretext": None}, "pretext"),
        ({"pretext": {"a": 1}}, "pretext"),
        ({"village": 2**70}, "village"),
        ({"village": "Thôn Đông"}, "village"),
        ({"village": True}, "village"),
        ({"description": "x" * 2001}, "description"),
        ({"description": ["ghi chú"]}, "description"),
    ],
)
def test_hostile_values_are_rejected_naming_the_field_and_the_batch_goes_on(world, phone, data, field):
    answers = push(phone, [scam_record(**worked_out(data)), scam_record()])
    assert answers[0]["status"] == "rejected", answers[0]
    assert [e["field"] for e in answers[0]["errors"]] == [field]
    assert all(
        re.search(r"[ạảãáàâăêôơưđếềểễệốồổỗộớờởỡợứừửữựíìỉĩịýỳỷỹỵ]", e["message"]) for e in answers[0]["errors"]
    )
    assert answers[1]["status"] == "created"
    assert ScamReport.objects.count() == 1


def test_deep_json_in_a_scam_report_is_rejected_not_a_server_error(world, phone):
    deep: dict = {}
    node = deep
    for _ in range(50):
        node["x"] = {}
        node = node["x"]
    (answer,) = push(phone, [scam_record(description=deep)])
    assert answer["status"] == "rejected" and answer["errors"][0]["field"] == "data"
    nested = "[" * 100_000 + "]" * 100_000
    huge = f'{{"records": [{{"uuid": "{uuid.uuid4()}", "type": "scam_report", "data": {nested}}}]}}'
    response = phone.post(PUSH, huge, content_type="application/json")
    assert response.status_code in (200, 400) and not ScamReport.objects.exists()


def test_a_whole_number_as_float_is_accepted(world, phone):
    (answer,) = push(phone, [scam_record(amount_lost=150000.0)])
    assert answer["status"] == "created" and ScamReport.objects.get().amount_lost == 150000


# --- warnings -----------------------------------------------------------------------------------------


def test_the_officer_publishes_a_warning_members_see_it_in_me_and_it_can_be_withdrawn(
    world, client_for, phone
):
    officer = client_for(world.officer)
    page = officer.get(f"/xa/{world.commune.pk}/canh-bao-lua-dao/?thu-doan=cap_nhat_vneid").content.decode()
    assert "Địa chỉ sau sáp nhập được cập nhật tự động" in page  # the pretext's advice, ready to edit
    before = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).count()
    response = officer.post(
        f"/xa/{world.commune.pk}/canh-bao-lua-dao/",
        {
            "pretext": "cap_nhat_vneid",
            "title": "Cảnh giác cuộc gọi bảo cập nhật VNeID",
            "text": "Không bấm link, không cài ứng dụng lạ.",
            "villages": [world.village_a.pk],
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).count() == before + 1
    warning = ScamWarning.objects.get()
    assert warning.guide_slug == "lua-dao-gia-danh-cong-an-cap-nhat-vneid"
    assert warning.published_by == world.officer and list(warning.villages.all()) == [world.village_a]

    (seen,) = phone.get(ME).json()["warnings"]
    link = settings.SITE_URL.rstrip("/") + "/tro-ly/huong-dan/lua-dao-gia-danh-cong-an-cap-nhat-vneid/"
    assert seen["title"] == warning.title and seen["guide_url"] == link
    assert seen["share_text"].endswith(link) and warning.text in seen["share_text"]
    assert client_for(world.member_b).get(ME).json()["warnings"] == []  # Thôn Tây was not chosen

    # Withdrawing: another commune's officer and the commune leader get 404; the officer may.
    assert client_for(world.other_officer).post(f"/canh-bao-lua-dao/{warning.pk}/thu-hoi/").status_code == 404
    assert client_for(world.leader).post(f"/canh-bao-lua-dao/{warning.pk}/thu-hoi/").status_code == 404
    assert client_for(world.member_a).post(f"/canh-bao-lua-dao/{warning.pk}/thu-hoi/").status_code == 404
    assert officer.post(f"/canh-bao-lua-dao/{2**70}/thu-hoi/").status_code == 404
    assert officer.post(f"/canh-bao-lua-dao/{warning.pk}/thu-hoi/").status_code == 302
    warning.refresh_from_db()
    assert warning.withdrawn_at is not None
    assert phone.get(ME).json()["warnings"] == []


def test_a_whole_commune_warning_reaches_every_village_of_it_only_and_expires(world, client_for, phone):
    warning = scams.publish_warning(
        by=world.officer, commune=world.commune, title="Cảnh giác", text="Cẩn thận.", pretext="khac"
    )
    assert [w["id"] for w in client_for(world.member_b).get(ME).json()["warnings"]] == [warning.pk]
    assert [w["id"] for w in phone.get(ME).json()["warnings"]] == [warning.pk]
    assert scams.warnings_for(world.other_officer) == []
    ScamWarning.objects.update(published_at=timezone.now() - dt.timedelta(days=scams.WARNING_DAYS + 1))
    assert phone.get(ME).json()["warnings"] == []


def test_me_with_warnings_costs_a_fixed_number_of_queries(world, phone, django_assert_max_num_queries):
    for n in range(3):
        scams.publish_warning(
            by=world.officer, commune=world.commune, title=f"C{n}", text="T", pretext="dau_tu"
        )
    phone.get(ME)
    with django_assert_max_num_queries(30) as few:
        phone.get(ME)
    for n in range(20):
        scams.publish_warning(
            by=world.officer, commune=world.commune, title=f"D{n}", text="T", pretext="dau_tu"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(phone.get(ME).json()["warnings"]) == 10


@pytest.mark.parametrize("persona", ["leader", "member_a", "leader_a", "province_officer", "other_officer"])
def test_only_the_communes_officer_opens_the_warnings_page(world, client_for, persona):
    client = client_for(world.personas()[persona])
    url = f"/xa/{world.commune.pk}/canh-bao-lua-dao/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"pretext": "khac", "title": "X", "text": "Y"}).status_code == 404
    assert not ScamWarning.objects.exists()


def test_a_warning_with_empty_or_oversized_fields_is_refused_next_to_them(world, client_for):
    response = client_for(world.officer).post(
        f"/xa/{world.commune.pk}/canh-bao-lua-dao/", {"pretext": "gì đó", "title": "", "text": "x" * 1001}
    )
    page = response.content.decode()
    assert response.status_code == 200 and not ScamWarning.objects.exists()
    for message in [
        "Hãy nhập tiêu đề.",
        "Nội dung tối đa 1.000 ký tự.",
        "Hãy chọn một thủ đoạn trong danh sách.",
    ]:
        assert message in page


# --- patterns -----------------------------------------------------------------------------------------


def _report(world, village, pretext, channel, days_ago, amount=None):
    return ScamReport.objects.create(
        commune=world.commune,
        village=village,
        pretext=pretext,
        channel=channel,
        happened_on=TODAY() - dt.timedelta(days=days_ago),
        amount_lost=amount,
        source=ScamSource.RESIDENT,
    )


def test_patterns_count_by_week_pretext_channel_and_village_within_the_dates(world):
    monday = TODAY() - dt.timedelta(days=TODAY().weekday())
    _report(world, world.village_a, "cap_nhat_vneid", "call", 0, 129_000_000)
    _report(world, world.village_a, "cap_nhat_vneid", "zalo", 0)
    _report(world, world.village_b, "dau_tu", "link", 7, 22_000)
    _report(world, None, "cap_nhat_vneid", "call", 200)  # outside the period
    ScamReport.objects.create(commune=world.other_commune, pretext="dau_tu", channel="call", happened_on=TODAY(),
                              source=ScamSource.RESIDENT)  # fmt: skip
    found = scams.patterns(world.commune, monday - dt.timedelta(days=7), TODAY())
    assert (found.total, found.lost_reports, found.amount_lost) == (3, 2, 129_022_000)
    assert [w["n"] for w in found.weeks] == [1, 2]
    assert found.weeks[1]["label"] == f"Tuần {monday.isocalendar()[1]}/{monday.isocalendar()[0]}"
    assert [(r["key"], r["n"]) for r in found.pretexts] == [("cap_nhat_vneid", 2), ("dau_tu", 1)]
    assert {r["key"]: r["n"] for r in found.channels} == {"call": 1, "zalo": 1, "link": 1}
    assert {r["label"]: r["n"] for r in found.villages} == {"Thôn Đông": 2, "Thôn Tây": 1}
    assert found.top_pretext == "cap_nhat_vneid"


def test_the_patterns_page_reads_for_officers_and_leaders_in_fixed_queries(
    world, client_for, django_assert_max_num_queries
):
    url = f"/xa/{world.commune.pk}/lua-dao/"
    for n in range(3):
        _report(world, world.village_a, "dau_tu", "call", n, 1000)
    officer = client_for(world.officer)
    officer.get(url)
    with django_assert_max_num_queries(40) as few:
        page = officer.get(url).content.decode()
    assert "3</strong> tin báo" in page and "3.000 đ" in page and "Đăng cảnh báo về thủ đoạn này" in page
    for n in range(40):
        _report(world, world.village_b if n % 2 else None, ScamPretext.values[n % 12], "sms", n % 70, n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert officer.get(url).status_code == 200
    leader_page = client_for(world.leader).get(url)
    assert (
        leader_page.status_code == 200 and "Đăng cảnh báo về thủ đoạn này" not in leader_page.content.decode()
    )
    for persona in ("member_a", "leader_a", "province_officer", "other_officer"):
        assert client_for(world.personas()[persona]).get(url).status_code == 404, persona


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "30/02/2026"}, "Ngày phải có thật"),
        ({"start": "01/01/2020", "end": "01/01/2026"}, "tối đa 400 ngày"),
        ({"start": "10/10/2025", "end": "01/10/2025"}, "phải sau"),
        ({"start": "NaN", "end": "9" * 300}, "Ngày phải có thật"),
    ],
)
def test_a_bad_date_filter_says_why_and_shows_the_default_period(world, client_for, query, message):
    response = client_for(world.officer).get(f"/xa/{world.commune.pk}/lua-dao/", query)
    assert response.status_code == 200 and message in response.content.decode()


def test_the_commune_page_links_to_the_scam_reports(world, client_for):
    page = client_for(world.officer).get(f"/xa/{world.commune.pk}/").content.decode()
    assert f'href="/xa/{world.commune.pk}/lua-dao/"' in page


# --- data and privacy -----------------------------------------------------------------------------------


def test_every_pretext_links_to_an_existing_guide_of_its_topic():
    assert set(scams.PRETEXT_GUIDES) == set(ScamPretext.values)
    for pretext, entry in scams.PRETEXT_GUIDES.items():
        text = (GUIDES / f"{entry.guide}.md").read_text(encoding="utf-8")
        topics = re.search(r"^topics: \[(.*)\]$", text, re.M)
        assert topics and entry.topic in [t.strip() for t in topics.group(1).split(",")], pretext
        assert entry.advice and len(entry.advice) <= 1000
    assert (GUIDES / f"{scams.AFTER_LOSS_GUIDE}.md").exists()


def test_erasure_redacts_a_residents_name_from_scam_descriptions_and_warnings(world):
    name = world.resident_a.full_name
    _report(world, world.village_a, "nguoi_quen", "zalo", 1).__class__.objects.update(
        description=f"Nick Zalo của {name} hỏi vay tiền"
    )
    scams.publish_warning(
        by=world.officer,
        commune=world.commune,
        title="Cảnh giác",
        text=f"Nick của {name} bị chiếm.",
        pretext="khac",
    )
    rights.erase_resident(by=world.officer, resident=world.resident_a, reason="Đơn")
    assert name not in ScamReport.objects.get().description
    assert name not in ScamWarning.objects.get().text
