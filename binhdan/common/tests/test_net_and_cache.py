"""The client address helper and the shared cache configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings

from binhdan.common.net import client_ip

ROOT = Path(__file__).resolve().parents[3]


def request(**meta):
    return RequestFactory().get("/", **meta)


def test_without_a_trusted_proxy_forwarded_headers_are_ignored():
    assert client_ip(request(REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="1.2.3.4")) == "198.51.100.1"


@override_settings(TRUSTED_PROXY_HEADER="X-Forwarded-For", TRUSTED_PROXY_COUNT=2)
def test_the_client_is_counted_from_the_right_past_the_trusted_proxies():
    assert (
        client_ip(request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.1"))
        == "203.0.113.7"
    )
    # Fewer entries than proxies, or garbage: fall back to the socket address.
    assert client_ip(request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")) == "10.0.0.2"
    assert client_ip(request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="<script>, x")) == "10.0.0.2"


@override_settings(TRUSTED_PROXY_HEADER="X-Real-IP")
def test_a_single_address_header():
    assert client_ip(request(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="2001:db8::1")) == "2001:db8::1"


def _settings_in_subprocess(extra_env: dict[str, str], expression: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG", "DATABASE_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "x" * 60, **extra_env})
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.parametrize(
    ("env", "backend"),
    [({}, "django.core.cache.backends.db.DatabaseCache"),
     ({"REDIS_URL": "redis://127.0.0.1:6379/3"}, "django.core.cache.backends.redis.RedisCache")],
)  # fmt: skip
def test_the_default_cache_is_shared_database_or_redis(env, backend):
    assert _settings_in_subprocess(env, 'settings.CACHES["default"]["BACKEND"]') == backend


def test_limits_count_an_ipv6_64_as_one_address():
    from binhdan.common.net import client_key

    first = client_key(request(REMOTE_ADDR="2001:db8:1:2::1"))
    assert first == client_key(request(REMOTE_ADDR="2001:db8:1:2:ffff::9")) == "2001:db8:1:2::/64"
    assert client_key(request(REMOTE_ADDR="2001:db8:1:3::1")) != first
    assert client_key(request(REMOTE_ADDR="198.51.100.1")) == "198.51.100.1"
    assert client_key(request(REMOTE_ADDR="")) == "unknown"
