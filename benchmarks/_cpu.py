"""What the CPU benchmarks share. In process (bench_push_cpu, bench_me): a PostgreSQL database of their own,
made and dropped, and CPU per request of this process and of its PostgreSQL backend. Across a stack
(bench_load, bench_sync): CPU spent by each part of it, every process on the machine by its command line.

CPU figures come from `time.process_time()` and the backend's /proc/<pid>/stat, so they hold up better than
wall times on a shared machine."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-qc", sql], check=True, capture_output=True)


def refuse_if_in_use(admin: str, name: str) -> None:
    """Stop before a benchmark drops and remakes its database while something else is connected to it:
    `DROP DATABASE … WITH (FORCE)` would end another run's connections in the middle of its load (its
    requests then answer 500), or a stack left running by a run that was killed."""
    import psycopg

    with psycopg.connect(admin, autocommit=True) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
        ).fetchone()
    if count:
        sys.exit(
            f"{name}: {count} connection(s) to this database: another benchmark run is using it, or a stack "
            "left by one (PROD_DIR=/tmp/bench-load-* bash scripts/prod.sh down). Wait for it, or stop it."
        )


def in_fresh_database(url: str, run: Callable[[], None]) -> None:
    """`run()` with Django set to a database made for it at `url` (DEBUG off), dropped afterwards."""
    parts = urllib.parse.urlsplit(url)
    name, admin = parts.path.lstrip("/"), parts._replace(path="/postgres").geturl()
    refuse_if_in_use(admin, name)
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


def cpu_by_part() -> dict[str, float]:
    """CPU seconds used so far by each part of the stack on this machine (every process, by its command
    line): this load client, nginx, gunicorn, pgbouncer, PostgreSQL, the job worker, the rest."""
    tick = os.sysconf("SC_CLK_TCK")
    parts: dict[str, float] = defaultdict(float)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # utime, stime, and cutime, cstime: the CPU of children that ended and were reaped (a gunicorn
        # worker recycled after max_requests, a PostgreSQL backend that disconnected) stays counted
        seconds = sum(int(f) for f in fields[11:15]) / tick
        if int(entry.name) == os.getpid():
            part = "client"
        else:
            part = next((name for name, marks in _PARTS if any(m in command for m in marks)), "other")
        parts[part] += seconds
    return parts


_PARTS = [("nginx", ["nginx"]), ("gunicorn", ["gunicorn"]), ("pgbouncer", ["pgbouncer"]),
          ("postgres", ["postgres"]), ("jobs", ["db_worker", "manage.py", "worker"])]  # fmt: skip


def machine_busy() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / tick, sum(values) / tick


def cpu_line(spent: dict[str, float], requests: int) -> str:
    """CPU per request of each part, from the CPU seconds each spent (differences of `cpu_by_part`)."""
    shown = [
        k for k in ["client", "nginx", "gunicorn", "pgbouncer", "postgres", "jobs", "other"] if k in spent
    ]
    per = {k: spent[k] * 1000 / max(1, requests) for k in shown}
    return (
        "CPU per request (ms): "
        + ", ".join(f"{k} {per[k]:.2f}" for k in shown)
        + f"; total {sum(per.values()):.2f}"
    )
