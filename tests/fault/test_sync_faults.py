"""5,000 visits pushed through a proxy that drops, repeats and reorders, with the server killed once:
after retries exactly 5,000 visits exist, none twice."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import dj_database_url
import pytest

from tests.fault.faulty_proxy import FaultyProxy

ROOT = Path(__file__).resolve().parents[2]
VISITS, BATCH = 5000, 200

SETUP = """
import json
from binhdan.testing.scenarios import field_village
print(json.dumps(field_village(households=25, people_per_household=1)))
"""
COUNT = """
from binhdan.fieldwork.models import SyncReceipt, Visit, VisitPerson
print(Visit.objects.count(), Visit.objects.values("uuid").distinct().count(), SyncReceipt.objects.count(), VisitPerson.objects.count())
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings", DEBUG="0", SECRET_KEY="fault-test-secret", SECURE_COOKIES="0",
        ALLOWED_HOSTS="127.0.0.1,localhost", TWO_FACTOR_RELAXED="0", LOG_LEVEL="WARNING",
    )  # fmt: skip
    url = os.environ.get("DATABASE_URL", "")
    admin = None
    if url.startswith("postgres"):
        config = dj_database_url.parse(url)
        name = f"{config['NAME']}_fault_{os.getpid()}"
        admin = urllib.parse.urlsplit(url)._replace(path="/postgres").geturl()
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
        subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
        env["DATABASE_URL"] = urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'fault.sqlite3'}"
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True)
    yield env
    if admin:
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)


def _manage_shell(env, code: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


def _start_server(env, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4", "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def test_five_thousand_visits_survive_a_faulty_network_and_a_server_crash(server_env):
    import http.client

    world = json.loads(_manage_shell(server_env, SETUP))
    rng = random.Random(11)
    day = time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400))  # yesterday: never in the future
    records = []
    for i in range(VISITS):
        household, residents = world["households"][i % len(world["households"])]
        records.append({
            "uuid": str(uuid.uuid4()), "type": "visit",
            "data": {"household": household, "visited_at": f"{day}T{8 + i % 8:02d}:{i % 60:02d}:00+07:00",
                     "minutes": rng.randint(5, 40), "channel": "door",
                     "people": [{"resident": r, "skills": [{"skill": "thanh-toan-qr", "outcome": "guided"}]} for r in residents]},
        })  # fmt: skip
    batches = [records[i : i + BATCH] for i in range(0, VISITS, BATCH)]

    port = _free_port()
    server = _start_server(server_env, port)
    proxy = FaultyProxy(port, seed=5).start()
    acknowledged: dict[str, str] = {}
    lock = threading.Lock()
    pending = list(range(len(batches)))
    rng.shuffle(pending)  # batches leave in a different order than they were made
    crash = {"done": False}

    deadline = time.monotonic() + 300  # a broken server must fail the test, not hang CI

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                if not pending:
                    return
                index = pending.pop()
            body = json.dumps({"records": batches[index]})
            while time.monotonic() < deadline:
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=20)
                    connection.request("POST", "/api/v1/sync/push", body=body, headers={
                        "Content-Type": "application/json", "Authorization": f"Bearer {world['token']}"})  # fmt: skip
                    response = connection.getresponse()
                    payload = response.read()
                    connection.close()
                    if response.status != 200:
                        raise OSError(f"HTTP {response.status}")
                    results = json.loads(payload)["results"]
                except (OSError, http.client.HTTPException, ValueError):
                    time.sleep(0.2)  # the phone waits and tries the same batch again
                    continue
                with lock:
                    for result in results:
                        acknowledged[result["uuid"]] = result["status"]
                break

    def crasher() -> None:
        nonlocal server
        while len(acknowledged) < VISITS * 0.4:
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
        os.killpg(server.pid, signal.SIGKILL)  # the whole server dies mid-run, workers and all
        server.wait()
        time.sleep(0.5)
        server = _start_server(server_env, port)
        crash["done"] = True

    threads = [threading.Thread(target=worker) for _ in range(4)] + [threading.Thread(target=crasher)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    proxy.stop()
    try:
        visits, distinct, receipts, people = map(int, _manage_shell(server_env, COUNT).split())
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    print(f"\nfault test: proxy {proxy.counts}; visits {visits}, receipts {receipts}, people {people}")
    assert crash["done"], "the server was never killed"
    assert proxy.counts["dropped_request"] and proxy.counts["dropped_response"] and proxy.counts["repeated"]
    assert len(acknowledged) == VISITS
    assert set(acknowledged.values()) <= {"created", "unchanged"}
    assert (visits, distinct, receipts) == (VISITS, VISITS, VISITS)
    assert people == sum(len(r["data"]["people"]) for r in records)
