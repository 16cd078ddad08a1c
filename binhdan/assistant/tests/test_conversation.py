"""Follow-ups answered from the guide in hand, on the page and through POST /api/v1/assistant/ask."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from binhdan.assistant import conversation, services
from binhdan.assistant.guides import get_guide
from binhdan.assistant.models import Conversation

pytestmark = pytest.mark.django_db

FIRST = "đăng ký tài khoản định danh điện tử mức 2"
GUIDE = "vneid-lam-muc-2-tai-cong-an"


def _api(data):
    return Client().post("/api/v1/assistant/ask", data=data, content_type="application/json")


def test_a_step_reference_is_answered_from_the_guide_in_hand():
    first = services.ask(question=FIRST, rephrase=False)
    assert first.guide is not None and first.guide.id == GUIDE and first.conversation
    follow = services.ask(question="còn bước 3 thì sao?", conversation=first.conversation, rephrase=False)
    steps = get_guide(GUIDE).steps
    assert follow.follow_up is True and follow.step == 3 and follow.guide.id == GUIDE
    assert f"Bước 3: {steps[2]}" in follow.answer
    assert f"bước 4: {steps[3]}" in follow.answer
    assert follow.conversation == first.conversation


def test_a_condition_finds_the_matching_line_of_the_guide():
    first = services.ask(question=FIRST, rephrase=False)
    follow = services.ask(
        question="nếu không có CCCD gắn chip?", conversation=first.conversation, rephrase=False
    )
    assert follow.follow_up is True
    assert "chưa có căn cước gắn chip" in follow.answer


def test_a_step_beyond_the_guide_says_how_many_steps_there_are():
    first = services.ask(question=FIRST, rephrase=False)
    follow = services.ask(question="bước 40", conversation=first.conversation, rephrase=False)
    assert follow.follow_up and follow.step is None
    assert f"chỉ có {len(get_guide(GUIDE).steps)} bước" in follow.answer


def test_without_a_conversation_the_same_words_are_ranked_afresh():
    alone = services.ask(question="còn bước 3 thì sao?", rephrase=False)
    assert alone.follow_up is False


def test_a_new_task_in_the_conversation_is_ranked_afresh():
    first = services.ask(question=FIRST, rephrase=False)
    other = services.ask(
        question="cách quét mã QR để trả tiền", conversation=first.conversation, rephrase=False
    )
    assert other.follow_up is False and other.guide is not None and other.guide.id != GUIDE
    # The conversation now holds the new guide.
    assert Conversation.objects.get(key=first.conversation).guide_id == other.guide.id


def test_follow_up_detection():
    for question in ["còn bước 3 thì sao?", "buoc thu hai", "nếu không có CCCD gắn chip?", "vậy còn lệ phí?"]:
        assert conversation.is_follow_up(question), question
    for question in ["cách quét mã QR để trả tiền", "kích hoạt VNeID", ""]:
        assert not conversation.is_follow_up(question), question
    assert conversation.step_asked("bước 3") == 3
    assert conversation.step_asked("buoc thu ba") == 3
    assert conversation.step_asked("bước cuối") == -1


def test_an_expired_or_unknown_conversation_starts_a_new_one():
    first = services.ask(question=FIRST, rephrase=False)
    Conversation.objects.filter(key=first.conversation).update(
        updated_at=timezone.now() - conversation.KEEP - dt.timedelta(minutes=1)
    )
    later = services.ask(question="còn bước 3 thì sao?", conversation=first.conversation, rephrase=False)
    assert later.follow_up is False and later.conversation != first.conversation
    # Stale rows are deleted when a conversation is written.
    assert not Conversation.objects.filter(key=first.conversation).exists()


def test_the_conversation_keeps_no_personal_data():
    first = services.ask(
        question="tôi là Nguyễn Văn An, số 0912 345 678, kích hoạt VNeID mức 2", rephrase=False
    )
    row = Conversation.objects.get(key=first.conversation)
    assert "Nguyễn" not in row.last_question and "0912" not in row.last_question
    assert len(row.key) >= 30


def test_the_api_carries_the_conversation():
    body = _api({"question": FIRST}).json()
    assert body["conversation"] and body["follow_up"] is False and body["guide"] == GUIDE
    follow = _api({"question": "còn bước 3 thì sao?", "conversation": body["conversation"]})
    assert follow.status_code == 200
    answer = follow.json()
    assert (
        answer["follow_up"] is True and answer["step"] == 3 and answer["conversation"] == body["conversation"]
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"question": "bước 3", "conversation": "x" * 40},
        {"question": "bước 3", "conversation": "../../etc"},
        {"question": "bước 3", "conversation": "không-phải-mã"},
        {"question": "bước 3", "conversation": 12},
        {"question": "bước 3", "conversation": None, "commune": "'; drop"},
        {"question": "a" * 15000},
        {"question": float("nan")},
        {"question": {"a": {"b": {"c": [[[[[[1]]]]]]}}}},
    ],
)
def test_the_api_answers_hostile_input_without_a_server_error(payload):
    response = _api(payload)
    assert response.status_code in (200, 400, 413, 422)
    if response.status_code == 200:
        assert response.json()["conversation"]


def test_deep_json_is_not_a_server_error():
    deep = '{"question": "x", "conversation": ' + "[" * 5000 + "]" * 5000 + "}"
    response = Client().post("/api/v1/assistant/ask", data=deep, content_type="application/json")
    assert response.status_code in (400, 422)


def test_the_openapi_schema_names_the_conversation():
    schema = Client().get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    assert "conversation" in components["AskIn"]["properties"]
    assert "conversation" not in components["AskIn"].get("required", [])
    assert "conversation" in components["AskOut"]["required"]


def test_the_chat_page_follows_up_through_a_hidden_field():
    client = Client()
    page = client.post("/tro-ly/", {"q": FIRST})
    assert page.status_code == 200
    key = page.context["conversation"]
    assert key and f'name="c" value="{key}"' in page.content.decode()
    follow = client.post("/tro-ly/", {"q": "còn bước 3 thì sao?", "c": key})
    assert follow.context["answer"].follow_up is True
    assert get_guide(GUIDE).steps[2] in follow.content.decode()
    # Nonsense keys are just a new conversation.
    assert client.post("/tro-ly/", {"q": "bước 3", "c": "<script>"}).status_code == 200
