"""What the fault tests run the application on: a database of their own (a private PostgreSQL cluster when
it must be restarted, never the machine's shared one), subprocesses of manage.py, Redis for RQ."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import dj_database_url
import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
REDIS_URL = "redis://127.0.0.1:6379/0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings", DEBUG="0", SECRET_KEY="fault-test-secret", SECURE_COOKIES="0",
        ALLOWED_HOSTS="127.0.0.1,localhost", TWO_FACTOR_RELAXED="0", LOG_LEVEL="WARNING", REDIS_URL="",
    )  # fmt: skip
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def manage_shell(env: dict[str, str], code: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"manage.py shell failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Kill a process started with start_new_session, and everything it started (work horses, soffice)."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    process.wait(timeout=30)


def kill_worker(worker: subprocess.Popen, job_worker: str) -> None:
    """SIGKILL an RQ worker and the work horse running the job (RQ puts each horse in a process group of
    its own; `job_worker` is the Job row's "host:pid")."""
    horse = int(job_worker.rpartition(":")[2])
    with suppress(ProcessLookupError):
        os.killpg(horse, signal.SIGKILL)
    kill_group(worker)


def kill_horse(job_worker: str) -> None:
    """SIGKILL only the work horse running the job (the kernel's OOM killer picks the biggest process)."""
    with suppress(ProcessLookupError):
        os.killpg(int(job_worker.rpartition(":")[2]), signal.SIGKILL)


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary directory, its own port), which the
    test may restart at will. Runs as the `postgres` user when the test runs as root."""

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            pytest.skip("PostgreSQL 15 server binaries are not installed")
        self.dir = Path(tempfile.mkdtemp(prefix="binhdan-fault-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "binhdan", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.dir}'\n"
                "max_connections = 60\nshared_buffers = 64MB\nfsync = off\nfull_page_writes = off\n"
            )
        self._ctl("start")
        self.url = f"postgres://binhdan@127.0.0.1:{self.port}/binhdan"
        subprocess.run(["psql", self.admin_url, "-qc", "CREATE DATABASE binhdan"], check=True)

    @property
    def admin_url(self) -> str:
        return f"postgres://binhdan@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(PG_BIN / program), *args], check=True, capture_output=True)

    def _ctl(self, action: str, *args: str) -> None:
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-t", "60", action, *args
        )

    def restart(self) -> None:
        """A fast restart: every open connection is cut, open transactions roll back."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def database(tmp_path: Path, *, private: bool = False) -> Iterator[tuple[str, PrivatePostgres | None]]:
    """A fresh, migrated database for subprocesses: SQLite file, a new database on the shared PostgreSQL,
    or (private=True, where the server binaries are installed) a private PostgreSQL cluster."""
    url = os.environ.get("DATABASE_URL", "")
    cluster = None
    admin = name = None
    if not url.startswith("postgres"):
        db_url = f"sqlite:///{tmp_path / 'fault.sqlite3'}"
    elif private and (PG_BIN / "initdb").exists():
        cluster = PrivatePostgres()
        db_url = cluster.url
    else:
        name = f"{dj_database_url.parse(url)['NAME']}_fault_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = urllib.parse.urlsplit(url)._replace(path="/postgres").geturl()
        subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
        db_url = urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()
    try:
        env = {**base_env(), "DATABASE_URL": db_url}
        manage(env, "migrate", "-v0")
        manage(env, "createcachetable")
        yield db_url, cluster
    finally:
        if cluster is not None:
            cluster.stop()
        if admin:
            subprocess.run(
                ["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False
            )


def redis_or_skip():
    """The shared Redis (other tests and helpers use it too: every test keeps to its own queue name)."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
    except Exception as exc:
        pytest.skip(f"Redis is not reachable on {REDIS_URL}: {exc}")
    return client


def forget_queue(client, queue: str) -> None:
    """Delete the RQ keys of one test queue: the queue, its registries and its jobs."""
    prefix = f"rq:queue:{queue}"
    job_ids: set[bytes] = set(client.lrange(prefix, 0, -1))
    for key in client.scan_iter(match=f"rq:*:{queue}*"):
        kind = client.type(key)
        if kind == b"zset":
            job_ids.update(client.zrange(key, 0, -1))
        client.delete(key)
    for job_id in job_ids:
        client.delete(f"rq:job:{job_id.decode()}", f"rq:results:{job_id.decode()}")
    client.srem("rq:queues", prefix)


def wait_for(predicate, *, timeout: float, step: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Read the test's database straight from the test process (a manage.py shell costs a second or more).
    `sql` uses %s placeholders."""
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=20) as db:
            return db.execute(sql.replace("%s", "?"), params).fetchall()
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=5) as db:
        return db.execute(sql, params).fetchall()
