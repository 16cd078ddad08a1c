"""What the in-process CPU benchmarks (bench_push_cpu, bench_me) share: a PostgreSQL database of their own,
made and dropped, and CPU per request of this process and of its PostgreSQL backend.

CPU figures come from `time.process_time()` and the backend's /proc/<pid>/stat, so they hold up better than
wall times on a shared machine."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-qc", sql], check=True, capture_output=True)


def in_fresh_database(url: str, run: Callable[[], None]) -> None:
    """`run()` with Django set to a database made for it at `url` (DEBUG off), dropped afterwards."""
    parts = urllib.parse.urlsplit(url)
    name, admin = parts.path.lstrip("/"), parts._replace(path="/postgres").geturl()
    _psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(admin, f'CREATE DATABASE "{name}"')
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings", DEBUG="0",
                      SECRET_KEY="bench-secret-" + "x" * 40, ALLOWED_HOSTS="testserver", SECURE_COOKIES="0",
                      LOG_LEVEL="WARNING")  # fmt: skip
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("createcachetable")
        run()
    finally:
        from django.db import connections

        connections.close_all()
        _psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Meter:
    """CPU per request of this process and of the default connection's PostgreSQL backend. Analyzes the
    database first: statistics, as autovacuum keeps them on a database in use."""

    def __init__(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SELECT pg_backend_pid()")
            self.backend = cursor.fetchone()[0]
        self.ticks = os.sysconf("SC_CLK_TCK")

    def backend_cpu(self) -> float:
        fields = Path(f"/proc/{self.backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.ticks

    def measure(
        self, label: str, request: Callable[[int], Any], count: int, per: int = 1
    ) -> tuple[float, float]:
        """Application and PostgreSQL CPU (ms) per `request(i)`, i from 1 to count, after one to warm up;
        printed with the wall time, and per item when a request carries `per` of them."""
        request(0)
        pg, app, wall = self.backend_cpu(), time.process_time(), time.perf_counter()
        for i in range(1, count + 1):
            request(i)
        app_ms, pg_ms = (time.process_time() - app) / count * 1000, (self.backend_cpu() - pg) / count * 1000
        print(f"{label}: wall {(time.perf_counter() - wall) / count * 1000:.2f} ms, app CPU {app_ms:.2f} ms, "
              f"PostgreSQL CPU {pg_ms:.2f} ms per request" + (f" ({(app_ms + pg_ms) / per:.3f} ms per visit)" if per > 1 else ""))  # fmt: skip
        return app_ms, pg_ms
