"""Questions logged privately: scrubbing, only when switched on, 90 days, feedback, the officer page."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from binhdan.accounts.models import AuditEvent
from binhdan.assistant import questions, services
from binhdan.assistant.models import AskedQuestion, AssistantSettings, Conversation, GuideFeedback
from binhdan.assistant.questions import ID_NUMBER, NAME, PHONE, scrub

pytestmark = pytest.mark.django_db
FIRST = "đăng ký tài khoản định danh điện tử mức 2"


@pytest.mark.parametrize(
    "text, gone, kept",
    [
        ("gọi cho tôi 0912 345 678", ["0912", "345 678"], [PHONE]),
        ("sđt 0912.345.678 nhé", ["0912"], [PHONE]),
        ("số +84 912-345-678", ["912"], [PHONE]),
        ("số 0912345678", ["0912345678"], [PHONE]),
        ("cccd của tôi 001203004567", ["001203004567"], [ID_NUMBER]),
        ("căn cước 001 203 004 567", ["004 567"], [ID_NUMBER]),
        ("cmnd cũ 123456789", ["123456789"], [ID_NUMBER]),
        ("email a.b@gmail.com", ["gmail"], ["[thư điện tử]"]),
        ("sinh ngày 02/04/1990", ["1990"], ["[ngày]"]),
        ("tôi là Nguyễn Văn A, muốn kích hoạt VNeID", ["Nguyễn", "Văn A"], [NAME, "kích hoạt VNeID"]),
        ("bà Hoa nhà bên hỏi cách cài Zalo", ["Hoa"], ["bà [tên] nhà bên", "Zalo"]),
        ("con tên là Trần Thị Mai muốn làm VNeID", ["Trần", "Mai"], ["con tên là [tên] muốn"]),
        ("tên tôi: phạm thị hồng ở thôn đông", ["phạm", "hồng"], ["[tên] ở thôn đông"]),
        ("toi la nguyen van an sdt 0912345678", ["nguyen", "an sdt", "0912"], [NAME]),
        ("hôm qua gặp Lê Văn Tám ở chợ", ["Lê", "Tám"], ["gặp [tên] ở chợ"]),
    ],
)
def test_scrub_removes_phones_ids_and_names(text, gone, kept):
    cleaned = scrub(text)
    for piece in gone:
        assert piece not in cleaned, (text, cleaned)
    for piece in kept:
        assert piece in cleaned, (text, cleaned)


@pytest.mark.parametrize(
    "text",
    [
        "còn bước 3 thì sao?",
        "nếu không có CCCD gắn chip?",
        "Cách đăng nhập Cổng Dịch vụ công quốc gia",
        "tôi là người già không biết dùng VNeID",
        "quên tên đăng nhập VNeID",
        "Zalo Pay là gì",
        "năm 2025 phí bao nhiêu",
    ],
)
def test_scrub_keeps_questions_without_personal_data(text):
    assert scrub(text) == text


def _switch_on(commune):
    AssistantSettings.objects.create(commune=commune, log_questions=True)


def test_nothing_is_stored_when_logging_is_off(world):
    services.ask(question="tôi là Nguyễn Văn An hỏi vneid", commune=world.commune, rephrase=False)
    Client().post("/tro-ly/?xa=" + world.commune.code, {"q": "vneid mức 2", "xa": world.commune.code})
    assert AskedQuestion.objects.count() == 0 and GuideFeedback.objects.count() == 0


def test_a_question_is_stored_scrubbed_with_the_day_only(world):
    _switch_on(world.commune)
    answer = services.ask(
        question="tôi là Nguyễn Văn An, số 0912 345 678, làm sao kích hoạt VNeID mức 2",
        commune=world.commune,
        rephrase=False,
    )
    assert answer.logged
    row = AskedQuestion.objects.get()
    assert "Nguyễn" not in row.text and "0912" not in row.text and "kích hoạt VNeID" in row.text
    assert row.asked_on == timezone.localdate() and row.commune == world.commune
    assert row.guide_id == answer.results[0]["guide"] and row.confident is answer.confident
    field_names = {f.name for f in AskedQuestion._meta.get_fields()}
    assert field_names == {"id", "commune", "asked_on", "text", "guide_id", "confident"}


def test_the_commune_comes_from_the_learner_code(world):
    _switch_on(world.commune)
    world.resident_a.learner_code = "ABC234"
    world.resident_a.save()
    services.ask(question="quét mã qr trả tiền", learner_code="ABC234", rephrase=False)
    assert AskedQuestion.objects.get().commune == world.commune


def test_the_api_logs_for_the_commune_named(world):
    _switch_on(world.commune)
    response = Client().post(
        "/api/v1/assistant/ask",
        data={"question": "blah blah vneid gì đó", "commune": world.commune.code},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert AskedQuestion.objects.filter(commune=world.commune).count() == 1
    Client().post(
        "/api/v1/assistant/ask",
        data={"question": "vneid", "commune": world.other_commune.code},
        content_type="application/json",
    )
    assert AskedQuestion.objects.count() == 1


def test_old_questions_are_purged_on_write_and_by_the_command(world):
    _switch_on(world.commune)
    old = timezone.localdate() - dt.timedelta(days=questions.KEEP_DAYS + 1)
    AskedQuestion.objects.create(commune=world.commune, asked_on=old, text="cũ")
    GuideFeedback.objects.create(commune=world.commune, guide_id="x", day=old, helped=1)
    services.ask(question="vneid mức 2", commune=world.commune, rephrase=False)
    assert not AskedQuestion.objects.filter(text="cũ").exists()
    assert not GuideFeedback.objects.exists()
    AskedQuestion.objects.create(commune=world.commune, asked_on=old, text="cũ")
    out = StringIO()
    call_command("purge_assistant_questions", stdout=out)
    assert not AskedQuestion.objects.filter(text="cũ").exists() and "Đã xoá 1" in out.getvalue()


def _answer_on_page(client, commune):
    page = client.post(f"/tro-ly/?xa={commune.code}", {"q": FIRST, "xa": commune.code})
    assert page.status_code == 200
    return page


def test_feedback_is_counted_once_per_answer_and_rate_limited(world):
    _switch_on(world.commune)
    client = Client()
    page = _answer_on_page(client, world.commune)
    html = page.content.decode()
    assert "Hướng dẫn này có giúp được bác không?" in html
    key = page.context["conversation"]
    guide_id = page.context["answer"].guide.id
    client.post(reverse("assistant:feedback"), {"c": key, "giup": "khong", "xa": world.commune.code})
    client.post(reverse("assistant:feedback"), {"c": key, "giup": "khong"})  # the same answer again
    row = GuideFeedback.objects.get()
    assert (row.guide_id, row.helped, row.not_helped, row.commune) == (guide_id, 0, 1, world.commune)
    # Nonsense is not an error and counts nothing.
    for data in ({"c": "x" * 500, "giup": "co"}, {"c": key, "giup": "có lẽ"}, {}):
        assert client.post(reverse("assistant:feedback"), data).status_code == 302
    assert GuideFeedback.objects.get().not_helped == 1
    # Over the per-address limit nothing is counted.
    for _ in range(questions.FEEDBACK_PER_ADDRESS.tries):
        questions.FEEDBACK_PER_ADDRESS.hit("127.0.0.1")
    other = Conversation.objects.create(key="k" * 32, guide_id=guide_id, commune=world.commune)
    client.post(reverse("assistant:feedback"), {"c": other.key, "giup": "co"})
    assert GuideFeedback.objects.get().helped == 0


def test_no_feedback_buttons_when_logging_is_off(world):
    page = _answer_on_page(Client(), world.commune)
    assert "Hướng dẫn này có giúp được bác không?" not in page.content.decode()


def test_grouping_by_guide_then_similar_text(world):
    today = timezone.localdate()
    for text in ["vneid bị lỗi đỏ màn hình", "vneid bị lỗi đỏ màn hình rồi", "đăng nhập ngân hàng bị khoá"]:
        AskedQuestion.objects.create(commune=world.commune, asked_on=today, text=text, guide_id="vneid-loi")
    AskedQuestion.objects.create(commune=world.commune, asked_on=today, text="con trâu", guide_id="")
    AskedQuestion.objects.create(commune=world.commune, asked_on=today, text="chắc chắn", confident=True)
    groups = questions.not_confident_groups(world.commune)
    assert [g.count for g in groups] == [3, 1]
    assert [s.count for s in groups[0].groups] == [2, 1]


def test_the_officer_page_reads_and_switches(world, client_for, django_assert_max_num_queries):
    today = timezone.localdate()
    for n in range(30):
        AskedQuestion.objects.create(commune=world.commune, asked_on=today, text=f"câu {n} lạ", guide_id="")
        GuideFeedback.objects.create(commune=world.commune, guide_id=f"g{n}", day=today, not_helped=1)
    url = reverse("assistant:commune_questions", args=[world.commune.pk])
    leader = client_for(world.leader)
    leader.get(url)
    with django_assert_max_num_queries(12):
        page = leader.get(url)
    assert (
        page.status_code == 200
        and "(30 câu)" in page.content.decode()
        and "câu 29 lạ" in page.content.decode()
    )
    assert "Lưu" not in page.content.decode().split("Ghi câu hỏi")[1].split("</section>")[0]
    # The leader reads but cannot switch; members and other communes' officers see nothing.
    settings_url = reverse("assistant:commune_questions_settings", args=[world.commune.pk])
    assert leader.post(settings_url, {"log_questions": "on"}).status_code == 404
    for persona in (world.member_a, world.other_officer, world.province_officer):
        assert client_for(persona).get(url).status_code == 404
        assert client_for(persona).post(settings_url, {"log_questions": "on"}).status_code == 404
    assert not AssistantSettings.objects.exists()
    officer = client_for(world.officer)
    assert officer.post(settings_url, {"log_questions": "on"}).status_code == 302
    assert questions.logging_on(world.commune)
    assert AuditEvent.objects.filter(action="change", place=world.commune).exists()
    officer.post(settings_url, {})
    assert not questions.logging_on(world.commune)
    assert not AskedQuestion.objects.exists()  # switching off deletes what was logged
