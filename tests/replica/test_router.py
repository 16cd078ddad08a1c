"""The replica router and middleware without a replica (issue 14 item 8): which reads would go where.

The replica's health is stubbed and a recording router answers "default" after noting what the real router
chose, so these run on SQLite and PostgreSQL alike; tests/replica/test_replica.py runs a real standby.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import OperationalError, transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse

from binhdan.accounts.models import AuditEvent, Role, User
from binhdan.common.models import Job
from binhdan.indicators.models import Delta, RollupClock, StateSpan, Total
from binhdan.places.models import Place
from binhdan.registry.models import Household
from binhdan.reports.models import Report, ReportFile
from binhdan.testing.personas import World, signed_in_client
from config import db_router, replica


class RecordingRouter(db_router.ReplicaRouter):
    """The real decisions, noted; every query still runs on the test database."""

    def __init__(self) -> None:
        self.reads: list[tuple[str, str]] = []

    def db_for_read(self, model: Any, **hints: Any) -> str:
        alias = super().db_for_read(model, **hints) or "default"
        self.reads.append((f"{model._meta.app_label}.{model._meta.model_name}", alias))
        return "default"


@pytest.fixture
def with_replica(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A replica is configured and answers as healthy."""
    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "healthy", lambda: True)
    yield


def test_outside_a_context_every_read_is_on_the_primary(with_replica: None) -> None:
    router = db_router.ReplicaRouter()
    assert replica.current() is None
    assert router.db_for_read(Household) == "default"
    assert router.db_for_read(Total) == "default"
    assert router.db_for_write(Household) == "default"


def test_inside_a_context_domain_reads_go_to_the_replica_and_sign_in_and_audit_stay(
    with_replica: None,
) -> None:
    router = db_router.ReplicaRouter()
    with replica.replica_reads() as state:
        for model in (Household, Delta, StateSpan, Place, Role, Report):
            assert router.db_for_read(model) == "replica", model
        for model in (Session, User, AuditEvent, Job, ReportFile, Total, RollupClock):
            assert router.db_for_read(model) == "default", model
        assert state.used
        # Writes always on the primary; afterwards that app is read there too (read your own writes).
        assert router.db_for_write(RollupClock) == "default"
        assert router.db_for_read(Delta) == "default"
        assert router.db_for_read(Household) == "replica"
    assert replica.current() is None


def test_cache_table_axes_and_otp_are_always_primary(with_replica: None) -> None:
    from axes.models import AccessAttempt
    from django.core.cache.backends.db import DatabaseCache
    from django_otp.plugins.otp_totp.models import TOTPDevice

    cache_model = DatabaseCache("binhdan_cache", {}).cache_model_class
    router = db_router.ReplicaRouter()
    with replica.replica_reads():
        for model in (AccessAttempt, TOTPDevice, cache_model):
            assert router.db_for_read(model) == "default", model


def test_without_a_configured_replica_the_context_changes_nothing() -> None:
    assert "replica" not in settings.DATABASES
    router = db_router.ReplicaRouter()
    with replica.replica_reads() as state:
        assert not state.use_replica
        assert router.db_for_read(Household) == "default"


def test_primary_reads_inside_a_replica_context(with_replica: None) -> None:
    router = db_router.ReplicaRouter()
    with replica.replica_reads():
        with replica.primary_reads():
            assert router.db_for_read(Household) == "default"
        assert router.db_for_read(Household) == "replica"


@pytest.mark.django_db(transaction=True)
def test_a_read_inside_a_transaction_stays_on_the_primary(with_replica: None) -> None:
    router = db_router.ReplicaRouter()
    with replica.replica_reads():
        assert router.db_for_read(Household) == "replica"
        with transaction.atomic():
            assert router.db_for_read(Household) == "default"


@pytest.mark.django_db
def test_the_atomic_block_of_a_test_case_does_not_count(with_replica: None) -> None:
    with replica.replica_reads():
        assert db_router.ReplicaRouter().db_for_read(Household) == "replica"


def test_an_unhealthy_replica_means_the_primary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "healthy", lambda: False)
    router = db_router.ReplicaRouter()
    with replica.replica_reads() as state:
        assert router.db_for_read(Household) == "default"
        assert not state.use_replica and not state.used


def test_relations_across_both_and_migrations_only_on_the_primary() -> None:
    router = db_router.ReplicaRouter()
    assert router.allow_relation(Household(), Place()) is True
    assert router.allow_migrate("default", "registry") is True
    assert router.allow_migrate("replica", "registry") is False


# --- health -----------------------------------------------------------------------------------------------


class _Cursor:
    def __init__(self, row: tuple[Any, ...] | None, error: Exception | None) -> None:
        self.row, self.error = row, error

    def __enter__(self) -> _Cursor:
        if self.error:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute(self, sql: str) -> None:
        return None

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.row


class _Connection:
    def __init__(self, row: tuple[Any, ...] | None = None, error: Exception | None = None) -> None:
        self.row, self.error, self.closed = row, error, False

    def cursor(self) -> _Cursor:
        return _Cursor(self.row, self.error)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_replica(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, _Connection]]:
    fake: dict[str, _Connection] = {}
    monkeypatch.setattr(replica, "connections", fake)
    replica.reset_health()
    yield fake
    replica.reset_health()


@override_settings(REPLICA_CHECK_SECONDS=60, REPLICA_RETRY_SECONDS=60)
def test_an_unreachable_replica_is_logged_and_left_alone_for_a_while(
    fake_replica: dict[str, _Connection], caplog: pytest.LogCaptureFixture
) -> None:
    fake_replica["replica"] = _Connection(error=OperationalError("connection refused"))
    with caplog.at_level(logging.WARNING, logger="binhdan.replica"):
        assert replica.healthy() is False
    assert "connection refused" in caplog.text and "primary" in caplog.text
    assert fake_replica["replica"].closed
    fake_replica["replica"] = _Connection(row=(True, 0))  # back, but not asked again before the retry time
    assert replica.healthy() is False


@override_settings(REPLICA_CHECK_SECONDS=60, REPLICA_MAX_LAG_SECONDS=30)
def test_a_lagging_or_promoted_replica_is_not_used(
    fake_replica: dict[str, _Connection], caplog: pytest.LogCaptureFixture
) -> None:
    fake_replica["replica"] = _Connection(row=(True, 2.5))
    assert replica.healthy() is True
    replica.reset_health()
    fake_replica["replica"] = _Connection(row=(True, 95.0))
    with caplog.at_level(logging.WARNING, logger="binhdan.replica"):
        assert replica.healthy() is False
    assert "95 s behind" in caplog.text
    replica.reset_health()
    fake_replica["replica"] = _Connection(row=(False, 0))
    assert replica.healthy() is False


# --- the middleware ---------------------------------------------------------------------------------------


@pytest.fixture
def recording(with_replica: None) -> Iterator[RecordingRouter]:
    router = RecordingRouter()
    with override_settings(
        DATABASE_ROUTERS=[router], MIDDLEWARE=[*settings.MIDDLEWARE, "config.replica.ReplicaReadMiddleware"]
    ):
        yield router


@pytest.mark.django_db
def test_a_dashboard_get_reads_figures_from_the_replica_and_sign_in_from_the_primary(
    world: World, recording: RecordingRouter
) -> None:
    client = signed_in_client(world.province_officer)
    response = client.get(reverse("indicators:province", args=[world.province.pk]))
    assert response.status_code == 200
    reads = set(recording.reads)
    assert ("places.place", "replica") in reads
    assert ("sessions.session", "default") in reads and ("accounts.user", "default") in reads
    assert not {model for model, alias in reads if alias == "replica"} & {
        "sessions.session",
        "accounts.user",
        "accounts.auditevent",
        "common.job",
    }
    assert replica.current() is None  # the context ends with the request


@pytest.mark.django_db
def test_pages_not_listed_and_writes_stay_on_the_primary(world: World, recording: RecordingRouter) -> None:
    client = signed_in_client(world.officer)
    assert client.get(reverse("registry:household_list")).status_code == 200
    assert recording.reads and {alias for _, alias in recording.reads} == {"default"}
    recording.reads.clear()
    response = client.post(reverse("indicators:province", args=[world.province.pk]))
    assert {alias for _, alias in recording.reads} <= {"default"}
    # A browser that wrote is pinned to the primary for a few seconds: it sees its own writes.
    assert response.cookies[replica.PIN_COOKIE]["max-age"] == settings.REPLICA_PIN_SECONDS
    recording.reads.clear()
    assert client.get(reverse("indicators:commune", args=[world.commune.pk])).status_code == 200
    assert {alias for _, alias in recording.reads} == {"default"}


def test_every_listed_url_name_exists() -> None:
    from django.urls import get_resolver

    def names(resolver: Any, namespace: str = "") -> Iterator[str]:
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from names(pattern, inner)
            elif pattern.name:
                yield f"{namespace}{pattern.name}"

    assert set(names(get_resolver())) >= replica.REPLICA_VIEWS


def test_a_query_failing_on_the_replica_runs_the_view_again_on_the_primary(
    with_replica: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    downs: list[str] = []
    monkeypatch.setattr(replica, "mark_down", downs.append)
    seen: list[bool] = []

    def view(request: HttpRequest) -> HttpResponse:
        state = replica.current()
        assert state is not None
        seen.append(state.use_replica)
        if state.use_replica:
            state.used = True
            replica._note_replica_failure(_raise, "SELECT 1", None, False, {})
        return HttpResponse("ok")

    middleware = replica.ReplicaReadMiddleware(lambda request: _run(middleware, request, view))
    request = RequestFactory().get("/chi-tieu/tinh/1/")
    request.resolver_match = type("Match", (), {"view_name": "indicators:province"})()
    response = middleware(request)
    assert response.content == b"ok" and seen == [True, False]
    assert downs and "OperationalError" in downs[0]
    assert replica.current() is None


def _raise(*args: Any) -> None:
    raise OperationalError("terminating connection due to administrator command")


def _run(middleware: replica.ReplicaReadMiddleware, request: HttpRequest, view: Any) -> HttpResponse:
    """What Django's handler does around a view: process_view, the view, process_exception on an error."""
    middleware.process_view(request, view, (), {})
    try:
        return view(request)
    except Exception as exc:
        response = middleware.process_exception(request, exc)
        if response is None:
            raise
        return response
