"""Learner-code guessing: one limit for the learner page and the API, in the shared cache, per client
address (forwarded headers only from a trusted proxy) and per code."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from binhdan.assistant import learner_codes
from binhdan.common.throttle import Limit

ASK = "/api/v1/assistant/ask"
PAGE = reverse("assistant:learner_home")


@pytest.fixture
def learner(world):
    world.resident_a.learner_code = "ABC234"
    world.resident_a.save()
    return world.resident_a


def ask(client: Client, code: str, **extra):
    return client.post(
        ASK, {"question": "quét mã qr", "learner_code": code}, content_type="application/json", **extra
    )


def test_guessing_through_the_api_is_limited_and_the_page_shares_the_limit(learner):
    client = Client(REMOTE_ADDR="198.51.100.9")
    for attempt in range(learner_codes.WRONG_CODES_PER_ADDRESS.tries):
        assert ask(client, f"ZZZZ{attempt:02d}").status_code == 200
    blocked = ask(client, "ABC234")
    assert blocked.status_code == 429 and "đợi 15 phút" in blocked.json()["detail"]
    assert "Bình" not in blocked.content.decode()  # the team leader's name is not revealed
    page = client.post(PAGE, {"code": "ABC234"})
    assert page.status_code == 429 and "đợi 15 phút" in page.content.decode()
    assert Client(REMOTE_ADDR="198.51.100.10").post(PAGE, {"code": "ABC234"}).status_code == 302


def test_guessing_on_the_page_also_blocks_the_api(learner):
    client = Client(REMOTE_ADDR="198.51.100.9")
    for attempt in range(learner_codes.WRONG_CODES_PER_ADDRESS.tries):
        client.post(PAGE, {"code": f"ZZZZ{attempt:02d}"})
    assert ask(client, "ABC234").status_code == 429


def test_a_forged_x_forwarded_for_does_not_reset_the_count(learner):
    for attempt in range(learner_codes.WRONG_CODES_PER_ADDRESS.tries):
        ask(
            Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}"), f"ZZZZ{attempt:02d}"
        )
    assert (
        ask(Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="10.9.9.9"), "ABC234").status_code == 429
    )


@override_settings(TRUSTED_PROXY_HEADER="X-Forwarded-For", TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_forwarded_address_counts(learner):
    proxy = "10.0.0.1"
    for attempt in range(learner_codes.WRONG_CODES_PER_ADDRESS.tries):
        # The client prepends a fake address; the proxy appends the real one (rightmost).
        forwarded = f"1.2.3.{attempt}, 203.0.113.50"
        ask(Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded), f"ZZZZ{attempt:02d}")
    assert ask(Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.50"), "ABC234").status_code == 429
    assert ask(Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.51"), "ABC234").status_code == 200


def test_one_code_is_limited_across_addresses(learner, monkeypatch):
    monkeypatch.setattr(
        learner_codes, "LOOKUPS_PER_CODE", Limit("learner-code-code-test", tries=3, seconds=900)
    )
    for n in range(3):
        assert ask(Client(REMOTE_ADDR=f"198.51.100.{n}"), "abc-234").status_code == 200
    assert ask(Client(REMOTE_ADDR="198.51.100.99"), "ABC234").status_code == 429
    assert (
        ask(Client(REMOTE_ADDR="198.51.100.99"), "XYZ789").status_code == 200
    )  # other codes are not affected


def test_the_counts_live_in_the_shared_database_cache(learner):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    ask(Client(REMOTE_ADDR="198.51.100.9"), "ZZZZ00")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {settings.CACHES['default']['LOCATION']}")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("learner-code-address" in key for key in keys)
    assert not any("198.51.100.9" in key or "ZZZZ00" in key for key in keys)  # hashed, not as typed


def test_rotating_ipv6_addresses_in_one_64_does_not_reset_the_count(learner):
    for attempt in range(learner_codes.WRONG_CODES_PER_ADDRESS.tries):
        ask(Client(REMOTE_ADDR=f"2001:db8:5:6::{attempt + 1:x}"), f"ZZZZ{attempt:02d}")
    assert ask(Client(REMOTE_ADDR="2001:db8:5:6::abcd"), "ABC234").status_code == 429
