"""The fuzz tests' fixtures, and a hypothesis profile for a deeper run by hand (ten times the
examples, still derandomized): `pytest tests/fuzz --hypothesis-profile=fuzz-deep`. CI runs the
bounded counts (tests/fuzz/limits.py)."""

from collections.abc import Iterator

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import settings

settings.register_profile("fuzz-deep", max_examples=1000)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The requests go through config.wsgi.application itself, whose request signals close database
    connections that are "in a transaction" — the test's own, on PostgreSQL. Django's test client
    unhooks them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
