"""5,000 visits pushed through a proxy that drops, repeats and reorders, with the server killed once and,
on PostgreSQL, the database restarted once (a private cluster, never the machine's shared one): after
retries every acknowledged visit exists, exactly 5,000 visits exist, none twice."""

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
import uuid

import pytest

from tests.fault import stack
from tests.fault.faulty_proxy import FaultyProxy

pytestmark = pytest.mark.xdist_group("fault")

ROOT = stack.ROOT
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


_manage_shell = stack.manage_shell


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


def test_five_thousand_visits_survive_a_faulty_network_a_server_crash_and_a_database_restart(
    server_env, fault_database
):
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

    _url, cluster = fault_database  # a private PostgreSQL cluster on PostgreSQL runs, None on SQLite
    port = stack.free_port()
    server = _start_server(server_env, port)
    proxy = FaultyProxy(port, seed=5).start()
    acknowledged: dict[str, str] = {}
    lock = threading.Lock()
    pending = list(range(len(batches)))
    rng.shuffle(pending)  # batches leave in a different order than they were made
    crash = {"done": False, "database_restarted": False}

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

    def wait_acknowledged(share: float) -> bool:
        while len(acknowledged) < VISITS * share:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def crasher() -> None:
        nonlocal server
        if not wait_acknowledged(0.3):
            return
        os.killpg(server.pid, signal.SIGKILL)  # the whole server dies mid-run, workers and all
        server.wait()
        time.sleep(0.5)
        server = _start_server(server_env, port)
        crash["done"] = True
        if cluster is None or not wait_acknowledged(0.6):
            return
        # PostgreSQL restarts under load: open transactions roll back, every connection is cut.
        cluster.restart()
        crash["database_restarted"] = True

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

    print(
        f"\nfault test: proxy {proxy.counts}; {crash}; visits {visits}, receipts {receipts}, people {people}"
    )
    assert crash["done"], "the server was never killed"
    assert crash["database_restarted"] or cluster is None, "PostgreSQL was never restarted"
    assert proxy.counts["dropped_request"] and proxy.counts["dropped_response"] and proxy.counts["repeated"]
    assert len(acknowledged) == VISITS
    assert set(acknowledged.values()) <= {"created", "unchanged"}
    assert (visits, distinct, receipts) == (VISITS, VISITS, VISITS)
    assert people == sum(len(r["data"]["people"]) for r in records)
