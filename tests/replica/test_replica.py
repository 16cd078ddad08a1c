"""A real streaming replica (issue 14 item 8): dashboards read from it, writes and sign-in stay on the primary,
and a stopped standby means the primary, not an error page.

A private primary cluster (initdb in a temporary folder, its own port, wal_level=replica) and a hot standby
made from it with `pg_basebackup -R`; the machine's shared PostgreSQL server is only used by the suite as
usual. Django runs in a subprocess (tests/replica/scenario.py) with DATABASE_URL = the primary and
DATABASE_REPLICA_URL = the standby. Skipped unless the suite runs on PostgreSQL and PostgreSQL 15's server
programs are installed.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")

pytestmark = [
    pytest.mark.xdist_group("replica"),
    pytest.mark.skipif(not ON_POSTGRES, reason="the replica needs the suite on PostgreSQL (DATABASE_URL)"),
    pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason=f"no PostgreSQL server programs in {PG_BIN}"),
]

SETTINGS = [
    "listen_addresses = '127.0.0.1'",
    "wal_level = replica",
    "max_wal_senders = 4",
    "hot_standby = on",
    "max_connections = 40",
    "shared_buffers = 32MB",
    "fsync = off",  # a throw-away cluster: nothing to keep after a crash
    "synchronous_commit = off",
    "full_page_writes = off",
    "wal_receiver_status_interval = 1s",
]


def _as_owner() -> list[str]:
    """PostgreSQL's server programs refuse root: as root, they run as the `postgres` system user."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root without a postgres system user to own a private cluster")
    return ["runuser", "-u", "postgres", "--"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=90, **kwargs)
    if done.returncode:
        raise AssertionError(f"{' '.join(map(str, args))} → {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done


class Cluster:
    def __init__(self, data: Path, port: int) -> None:
        self.data, self.port = data, port

    @property
    def url(self) -> str:
        return f"postgres://binhdan@127.0.0.1:{self.port}/binhdan"

    def start(self) -> None:
        # The socket goes to the cluster's own folder, never to the shared server's /var/run/postgresql.
        options = f"-p {self.port} -k {self.data}"
        log = self.data.parent / f"{self.data.name}.log"
        _run(*_as_owner(), PG_BIN / "pg_ctl", "-D", self.data, "-o", options, "-l", log, "-w", "start")

    def stop_command(self) -> list[str]:
        return [*_as_owner(), str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(self.stop_command(), capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[Cluster, Cluster]]:
    # A short path: a Unix socket's path must stay under 108 bytes.
    owner = _as_owner()
    base = Path(tempfile.mkdtemp(prefix="bd-replica-"))
    if owner:
        shutil.chown(base, "postgres")
    primary = Cluster(base / "primary", _free_port())
    standby = Cluster(base / "standby", _free_port())
    try:
        _run(*owner, PG_BIN / "initdb", "-D", primary.data, "-U", "binhdan", "--auth=trust", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        with (primary.data / "postgresql.conf").open("a") as conf:
            conf.write("\n".join(SETTINGS) + "\n")
        primary.start()
        _run(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", primary.port, "-U", "binhdan", "binhdan")
        env = _env(DATABASE_URL=primary.url)
        for command in (["migrate", "-v0"], ["createcachetable"]):
            _run(sys.executable, ROOT / "manage.py", *command, cwd=ROOT, env=env)
        _run(*owner, PG_BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", primary.port, "-U", "binhdan", "-D", standby.data,
             "-R", "-X", "stream", "-c", "fast", "--no-sync")  # fmt: skip
        standby.start()
        yield primary, standby
    finally:
        standby.stop()
        primary.stop()
        shutil.rmtree(base, ignore_errors=True)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PYTEST_", "REPLICA_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings_test", DEBUG="1", ALLOWED_HOSTS="testserver",
               LOG_LEVEL="WARNING", REDIS_URL="", **extra)  # fmt: skip
    return env


def _psql(cluster: Cluster, sql: str) -> str:
    return _run(PG_BIN / "psql", cluster.url, "-qAtc", sql).stdout.strip()


def test_dashboards_read_from_the_standby_writes_stay_on_the_primary_and_a_stopped_standby_is_survived(
    clusters: tuple[Cluster, Cluster],
) -> None:
    primary, standby = clusters
    assert _psql(standby, "SELECT pg_is_in_recovery()") == "t"
    env = _env(
        DATABASE_URL=primary.url,
        DATABASE_REPLICA_URL=standby.url,
        STANDBY_STOP=json.dumps(standby.stop_command()),
        REPLICA_CHECK_SECONDS="60",  # the stop is found by the failing query, not by a scheduled check
        REPLICA_RETRY_SECONDS="60",
    )
    done = _run(sys.executable, ROOT / "tests" / "replica" / "scenario.py", cwd=ROOT, env=env)
    r = json.loads(done.stdout.strip().splitlines()[-1])
    print(json.dumps(r, ensure_ascii=False, indent=1))  # the statements per alias, shown with -s
    assert r["replica_in_recovery"] is True

    # Dashboards: figures read on the standby; the session and the signed-in user on the primary.
    for name in ("province_dashboard", "commune_dashboard"):
        assert r[name]["status"] == 200, r[name]
        assert r[name]["replica"]["reads"] > 0 and r[name]["default"]["reads"] > 0, r[name]
        assert r[name]["replica"]["writes"] == 0, r[name]
    # A page not listed reads only the primary.
    assert r["household_list"]["status"] == 200
    assert r["household_list"]["replica"] == {"reads": 0, "writes": 0}

    # A POST writes on the primary (the standby refuses writes anyway) and pins the browser there.
    assert r["post_household"]["status"] == 302, r["post_household"]
    assert r["post_household"]["default"]["writes"] > 0 and r["post_household"]["pinned"]
    assert r["post_household"]["replica"] == {"reads": 0, "writes": 0}
    assert r["new_household_on_primary"] and r["new_household_on_replica"]
    assert r["dashboard_after_post"]["status"] == 200
    assert r["dashboard_after_post"]["replica"] == {"reads": 0, "writes": 0}
    assert r["dashboard_after_pin"]["replica"]["reads"] > 0

    # The standby stops: the dashboard is answered from the primary with a warning in the log, then the
    # replica is left alone (REPLICA_RETRY_SECONDS) without another warning.
    stopped = r["province_dashboard_standby_stopped"]
    assert stopped["status"] == 200 and stopped["replica"]["reads"] == 0 and stopped["default"]["reads"] > 0
    assert any("primary" in w for w in r["warnings_when_stopped"]), r["warnings_when_stopped"]
    down = r["province_dashboard_standby_down"]
    assert down["status"] == 200 and down["replica"]["reads"] == 0
    assert r["warnings_when_down"] == []
