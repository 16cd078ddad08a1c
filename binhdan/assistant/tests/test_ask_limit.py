"""Asking is limited per client address, one count for the chat page and the API, in the shared cache."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from binhdan.assistant import ask_limit
from binhdan.assistant.models import Conversation
from binhdan.assistant.retrieval import get_index
from binhdan.common.throttle import Limit

pytestmark = pytest.mark.django_db
ASK = "/api/v1/assistant/ask"
CHAT = reverse("assistant:chat")
QUESTION = "kich hoat tai khoan vneid"
SMALL = Limit("assistant-ask-address-test", tries=3, seconds=60)


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(ask_limit, "QUESTIONS_PER_ADDRESS", SMALL)
    return SMALL


def api(client: Client, question: str = QUESTION, **body):
    return client.post(ASK, {"question": question, **body}, content_type="application/json")


def test_a_class_behind_one_address_asks_and_follows_up_in_one_minute_then_a_flood_stops():
    # 30 residents in the commune hall share one NAT address; each asks, then asks a follow-up.
    get_index()  # built before the minute starts, as a served process does at start
    hall = "203.0.113.7"
    for _ in range(30):
        resident = Client(REMOTE_ADDR=hall)
        first = api(resident)
        assert first.status_code == 200
        assert (
            api(resident, "còn bước 3 thì sao?", conversation=first.json()["conversation"]).status_code == 200
        )
    blocked = api(Client(REMOTE_ADDR=hall))
    assert blocked.status_code == 429  # the 61st question in the minute


def test_the_api_answers_429_in_vietnamese_over_the_limit(small_limit):
    client = Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(small_limit.tries):
        assert api(client).status_code == 200
    rows = Conversation.objects.count()
    blocked = api(client)
    assert blocked.status_code == 429
    assert blocked.json() == {"detail": ask_limit.TOO_MANY}
    assert "đợi một phút" in blocked.json()["detail"]
    assert Conversation.objects.count() == rows  # nothing answered, nothing written
    assert api(Client(REMOTE_ADDR="198.51.100.21")).status_code == 200  # another address asks on


def test_the_page_and_the_api_share_one_count(small_limit):
    client = Client(REMOTE_ADDR="198.51.100.20")
    assert client.post(CHAT, {"q": QUESTION}).status_code == 200
    assert api(client).status_code == 200
    assert api(client, "", conversation="x").status_code == 422  # an empty question counts too
    page = client.post(CHAT, {"q": "còn bước 3 thì sao?"})
    assert page.status_code == 429
    assert api(client).status_code == 429


def test_the_page_over_the_limit_says_so_and_keeps_the_question_and_conversation(small_limit):
    client = Client(REMOTE_ADDR="198.51.100.20")
    first = client.post(CHAT, {"q": QUESTION, "xa": "ABC"})
    key = first.context["conversation"]
    assert key
    for _ in range(small_limit.tries - 1):
        client.post(CHAT, {"q": QUESTION, "c": key})
    blocked = client.post(CHAT, {"q": "còn bước 3 thì sao?", "c": key, "xa": "ABC"})
    assert blocked.status_code == 429
    html = blocked.content.decode()
    assert ask_limit.TOO_MANY in html and 'role="alert"' in html
    assert "còn bước 3 thì sao?" in html  # not lost: ask again in a minute
    assert f'name="c" value="{key}"' in html
    assert 'name="xa" value="ABC"' in html
    assert blocked.context["answer"] is None
    # Reading the page is not asking.
    assert client.get(CHAT).status_code == 200


def test_a_forged_forwarded_header_does_not_reset_the_count(small_limit):
    for n in range(small_limit.tries):
        api(Client(REMOTE_ADDR="198.51.100.20", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"))
    assert api(Client(REMOTE_ADDR="198.51.100.20", HTTP_X_FORWARDED_FOR="10.9.9.9")).status_code == 429


def test_the_real_limit_is_counted_in_the_shared_cache():
    client = Client(REMOTE_ADDR="198.51.100.30")
    api(client)
    client.post(CHAT, {"q": QUESTION})
    assert ask_limit.QUESTIONS_PER_ADDRESS.count("198.51.100.30") == 2
