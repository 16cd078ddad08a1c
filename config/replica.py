"""Reads from a PostgreSQL streaming replica, only where a page may show figures a few seconds old.

`DATABASE_REPLICA_URL` adds `DATABASES["replica"]` (config/settings.py); `config.db_router.ReplicaRouter`
then sends a read to it only inside a *replica-read context*:

    with replica_reads():          # a background job's figures, a script
        ...

`ReplicaReadMiddleware` opens that context for GET/HEAD requests whose resolved URL name is in
`REPLICA_VIEWS` (dashboards, the registry's XLSX export, report pages and downloads, the province
overviews), so no view is edited and every write still goes to the primary. Inside the context a read stays
on the primary when

- its model is one of `db_router.PRIMARY_APPS` / `PRIMARY_MODELS` (sessions, sign-in, two-factor, lockout,
  the cache table, audit events, jobs, cached report files: what the caller has just written),
- the same request already wrote a model of that app, or the primary is inside a transaction,
- the browser wrote something less than `REPLICA_PIN_SECONDS` ago (the `binhdan_primary` cookie set on the
  answer to every POST/PUT/PATCH/DELETE: read your own writes after a redirect),
- the replica is unreachable or more than `REPLICA_MAX_LAG_SECONDS` behind: checked at most every
  `REPLICA_CHECK_SECONDS` per process; a failed check logs a warning and keeps reads on the primary for
  `REPLICA_RETRY_SECONDS`. A query that fails on the replica mid-request (the standby stopped, a query
  cancelled by recovery) makes the middleware run the view again on the primary: the page answers, never 5xx.

See docs/scaling.md.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from django.utils.connection import ConnectionDoesNotExist

logger = logging.getLogger("binhdan.replica")

REPLICA = "replica"
PRIMARY = "default"
PIN_COOKIE = "binhdan_primary"
SAFE_METHODS = frozenset({"GET", "HEAD"})

# URL names (namespace:name) whose GET may read from the replica.
REPLICA_VIEWS: frozenset[str] = frozenset(
    {
        # binhdan/indicators: dashboards, the list behind a number, quotas, emulation, campaign mode
        "indicators:village",
        "indicators:commune",
        "indicators:province",
        "indicators:behind",
        "indicators:teams",
        "indicators:village_teams",
        "indicators:leaderboard",
        "indicators:campaign",
        "indicators:campaign_print",
        # binhdan/registry: the XLSX export of a commune's or village's lists
        "registry:export",
        # binhdan/reports: a report's page (its preview) and its DOCX/PDF/XLSX downloads, the province overview
        "reports:report",
        "reports:download",
        "reports:province",
        # binhdan/fieldwork: the province's communes side by side (counts only)
        "fieldwork:province_detail",
    }
)


@dataclass
class ReadState:
    """One replica-read context: may reads go to the replica, and what has this context written."""

    use_replica: bool = True
    written: set[str] = field(default_factory=set)  # app labels written in this context
    used: bool = False  # a read was sent to the replica
    failed: bool = False  # a query on the replica raised a database error


_state: contextvars.ContextVar[ReadState | None] = contextvars.ContextVar(
    "binhdan_replica_read", default=None
)


def current() -> ReadState | None:
    return _state.get()


def configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[ReadState]:
    """Reads inside may go to the replica (when configured and healthy); writes never do."""
    state = ReadState(use_replica=configured())
    token = _state.set(state)
    try:
        yield state
    finally:
        _state.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Every read inside goes to the primary, even within a replica-read context."""
    token = _state.set(None)
    try:
        yield
    finally:
        _state.reset(token)


# --- the replica's health, per process --------------------------------------------------------------------

_LAG_SQL = (
    "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


@dataclass
class _Health:
    checked_at: float = float("-inf")
    healthy: bool = False
    down_until: float = float("-inf")


_health = _Health()
_health_lock = threading.Lock()


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def mark_down(reason: str) -> None:
    """Keep reads on the primary for REPLICA_RETRY_SECONDS and say why in the log."""
    retry = _setting("REPLICA_RETRY_SECONDS", 30)
    with _health_lock:
        _health.healthy = False
        _health.down_until = time.monotonic() + retry
        _health.checked_at = time.monotonic()
    logger.warning("Read replica not used for %.0f s, reads go to the primary: %s", retry, reason)
    with suppress(DatabaseError, ConnectionDoesNotExist):
        connections[REPLICA].close()


def reset_health() -> None:
    """Forget what is known of the replica (tests; after a failover)."""
    with _health_lock:
        _health.checked_at = float("-inf")
        _health.healthy = False
        _health.down_until = float("-inf")


def healthy() -> bool:
    """Reachable and not too far behind; checked at most every REPLICA_CHECK_SECONDS in this process."""
    now = time.monotonic()
    if now < _health.down_until:
        return False
    if now - _health.checked_at < _setting("REPLICA_CHECK_SECONDS", 5):
        return _health.healthy
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_LAG_SQL)
            row = cursor.fetchone()
    except DatabaseError as exc:
        mark_down(f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}")
        return False
    in_recovery, lag = bool(row[0]), float(row[1] or 0)
    max_lag = _setting("REPLICA_MAX_LAG_SECONDS", 30)
    if not in_recovery:
        # A promoted standby is a primary of its own: writes made here would not reach it.
        mark_down("the replica is not in recovery (promoted?)")
        return False
    if lag > max_lag:
        mark_down(f"{lag:.0f} s behind the primary (REPLICA_MAX_LAG_SECONDS={max_lag:.0f})")
        return False
    with _health_lock:
        _health.healthy = True
        _health.checked_at = now
    return True


# --- the middleware ---------------------------------------------------------------------------------------

_TOKEN_ATTR = "_binhdan_replica_token"  # nosec B105  # an attribute name, not a secret
_VIEW_ATTR = "_binhdan_replica_view"


def _note_replica_failure(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
) -> Any:
    """An execute wrapper on the replica's connection: remember that a query failed there."""
    try:
        return execute(sql, params, many, context)
    except DatabaseError:
        state = current()
        if state is not None:
            state.failed = True
        raise


def _replica_wrappers() -> list[Any] | None:
    try:
        return connections[REPLICA].execute_wrappers
    except ConnectionDoesNotExist:
        return None


def _replica_failed(state: ReadState) -> bool:
    """Did this request's error come from the replica? A query failed there, or it no longer answers."""
    if state.failed:
        return True
    with _health_lock:
        _health.checked_at = float("-inf")  # check now, not from memory
    return not healthy()


class ReplicaReadMiddleware:
    """Opens a replica-read context for GET/HEAD of REPLICA_VIEWS; pins a browser to the primary after it writes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        finally:
            token = getattr(request, _TOKEN_ATTR, None)
            if token is not None:
                _state.reset(token)
                delattr(request, _TOKEN_ATTR)
                wrappers = _replica_wrappers()
                if wrappers is not None and _note_replica_failure in wrappers:
                    wrappers.remove(_note_replica_failure)
        if request.method not in SAFE_METHODS and configured():
            pin = int(_setting("REPLICA_PIN_SECONDS", 10))
            if pin > 0:
                response.set_cookie(
                    PIN_COOKIE,
                    "1",
                    max_age=pin,
                    httponly=True,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse], args: Any, kwargs: Any
    ) -> None:
        match = request.resolver_match
        if (
            request.method in SAFE_METHODS
            and match is not None
            and match.view_name in REPLICA_VIEWS
            and configured()
            and PIN_COOKIE not in request.COOKIES
        ):
            setattr(request, _TOKEN_ATTR, _state.set(ReadState()))
            setattr(request, _VIEW_ATTR, (view_func, args, kwargs))
            wrappers = _replica_wrappers()
            if wrappers is not None:
                wrappers.append(_note_replica_failure)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        state = current()
        if getattr(request, _TOKEN_ATTR, None) is None or state is None or not state.used:
            return None
        if not isinstance(exception, DatabaseError) or not _replica_failed(state):
            return None
        if state.failed:
            mark_down(f"{type(exception).__name__} during {request.path}: {str(exception).strip()[:200]}")
        state.use_replica = False
        view_func, args, kwargs = getattr(request, _VIEW_ATTR)
        return view_func(request, *args, **kwargs)
