"""The replica scenario, run by test_replica.py in a process of its own (never imported by the suite).

Environment: DATABASE_URL = a private primary (migrated), DATABASE_REPLICA_URL = its streaming standby,
STANDBY_STOP = the command (JSON list) that stops the standby. Prints one JSON line: per step, the HTTP
status and how many statements ran on each alias (writes apart), and the replica's warnings.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from binhdan.registry.models import Household  # noqa: E402
from binhdan.testing.personas import build_world, signed_in_client  # noqa: E402
from config import replica  # noqa: E402

WRITES = ("INSERT", "UPDATE", "DELETE")
counts: dict[str, dict[str, int]] = {}
warnings: list[str] = []


class _Collect(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        warnings.append(record.getMessage())


logging.getLogger("binhdan.replica").addHandler(_Collect(level=logging.WARNING))


def _counter(alias: str) -> Any:
    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)  # counted only once it succeeded
        kind = "writes" if sql.lstrip().upper().startswith(WRITES) else "reads"
        counts[alias][kind] += 1
        return result

    return wrapper


for _alias in ("default", "replica"):
    connections[_alias].execute_wrappers.append(_counter(_alias))


def reset() -> None:
    for alias in ("default", "replica"):
        counts[alias] = {"reads": 0, "writes": 0}


def wait_for_replay(timeout: float = 20) -> None:
    """Until the standby has replayed everything the primary wrote so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        lsn = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise SystemExit(f"the standby did not replay {lsn} in {timeout} s")


def step(name: str, client: Client, method: str, url: str, **data: Any) -> dict[str, Any]:
    reset()
    response = client.post(url, data) if method == "POST" else client.get(url)
    out = {"status": response.status_code, **{alias: dict(counts[alias]) for alias in counts}}
    out["pinned"] = (
        replica.PIN_COOKIE in response.cookies and response.cookies[replica.PIN_COOKIE].value == "1"
    )
    results[name] = out
    return out


results: dict[str, Any] = {}
reset()
world = build_world()
with connections["replica"].cursor() as cursor:
    cursor.execute("SELECT pg_is_in_recovery()")
    results["replica_in_recovery"] = cursor.fetchone()[0]
wait_for_replay()

province_officer = signed_in_client(world.province_officer)
officer = signed_in_client(world.officer)
province_url = reverse("indicators:province", args=[world.province.pk])
commune_url = reverse("indicators:commune", args=[world.commune.pk])

step("province_dashboard", province_officer, "GET", province_url)
step("commune_dashboard", officer, "GET", commune_url)
step("household_list", officer, "GET", reverse("registry:household_list"))

# A POST writes on the primary and pins this browser to it: the next dashboard reads its own write.
step(
    "post_household",
    officer,
    "POST",
    reverse("registry:household_create"),
    village=world.village_a.pk,
    head_name="Lý Thị Mới",
)
results["new_household_on_primary"] = (
    Household.objects.using("default").filter(head_name="Lý Thị Mới").exists()
)
step("dashboard_after_post", officer, "GET", commune_url)
del officer.cookies[replica.PIN_COOKIE]  # the pin expires (REPLICA_PIN_SECONDS)
wait_for_replay()
results["new_household_on_replica"] = (
    Household.objects.using("replica").filter(head_name="Lý Thị Mới").exists()
)
step("dashboard_after_pin", officer, "GET", commune_url)

# The standby stops while this process holds a connection to it: the page still answers, from the primary.
subprocess.run(json.loads(os.environ["STANDBY_STOP"]), check=True, capture_output=True)
warnings.clear()
step("province_dashboard_standby_stopped", province_officer, "GET", province_url)
results["warnings_when_stopped"] = list(warnings)
warnings.clear()
step("province_dashboard_standby_down", province_officer, "GET", province_url)
results["warnings_when_down"] = list(warnings)
print(json.dumps(results, ensure_ascii=False))
