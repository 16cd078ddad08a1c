"""The database router: the primary for everything, the read replica only inside a replica-read context.

Installed (`DATABASE_ROUTERS`) only when `DATABASE_REPLICA_URL` is set; see config/replica.py for when a
context is open and docs/scaling.md for the deployment.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import Model

from config import replica

# Apps whose rows the caller has often just written (a sign-in, a two-factor step, a lockout counter, the
# shared cache table): always the primary.
PRIMARY_APPS = frozenset(
    {"sessions", "auth", "contenttypes", "admin", "otp_totp", "axes", "django_cache", "django_tasks_database"}
)
# Models of other apps with the same need: the signed-in user and their tokens, audit events written during a
# GET, background jobs (progress pages poll them), report files cached on first download, the rollups' totals.
PRIMARY_MODELS = frozenset(
    {
        "accounts.user",
        "accounts.apitoken",
        "accounts.enrolmentcode",
        "accounts.auditevent",
        "common.job",
        "reports.reportfile",
        # The rollups' totals are read with their clock (`rollup.clock_day`, raw SQL on the primary) and moved
        # on by the first read of a day (`advance_totals`): both from the primary, or the figures could be a
        # day's changes off while the replica catches up. A few rows per place; the deltas and spans, the
        # bulk of a dashboard's reading, still come from the replica.
        "indicators.total",
        "indicators.rollupclock",
    }
)


def _label(model: type[Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def always_primary(model: type[Model]) -> bool:
    return model._meta.app_label in PRIMARY_APPS or _label(model) in PRIMARY_MODELS


def _in_transaction() -> bool:
    """An atomic block is open on the primary (the one a TestCase wraps each test in does not count)."""
    primary = connections[replica.PRIMARY]
    return primary.in_atomic_block and any(
        not getattr(block, "_from_testcase", False) for block in primary.atomic_blocks
    )


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        state = replica.current()
        if state is None or not state.use_replica:
            return replica.PRIMARY
        if always_primary(model) or model._meta.app_label in state.written:
            return replica.PRIMARY
        if _in_transaction():
            # Inside a transaction on the primary a read must see that transaction's own writes.
            return replica.PRIMARY
        if not replica.healthy():
            state.use_replica = False
            return replica.PRIMARY
        state.used = True
        return replica.REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        state = replica.current()
        if state is not None:
            # The whole app's reads follow its write to the primary: an app's tables are read together
            # (the rollups' clock and totals), and some of its writes are raw SQL the router never sees.
            state.written.add(model._meta.app_label)
        return replica.PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The replica is a copy of the primary: an object read from either may point at one from the other.
        return True

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        return db == replica.PRIMARY
