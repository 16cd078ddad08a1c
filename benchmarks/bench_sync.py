"""Sync throughput on PostgreSQL, through the real authenticated API served by gunicorn.

Prints: batched ingest (200 visits per request, two people and three skills each) in visits/s, with the
CPU each part of the machine spent per request (gunicorn, PostgreSQL, the drainer…), against the same rows
loaded by PostgreSQL COPY, as a ratio with COPY's own PostgreSQL CPU: in rounds (BENCH_ROUNDS, 3), each
round's pushes followed by COPY of its rows, and the median of the rounds' ratios; then single-visit
requests/s with p50/p99 at 32 concurrent clients against a trivial view. Figures drift on shared machines:
compare the ratios of one run.

Statistics are taken after the warm-up batch, once visits exist, as autovacuum keeps them on a database in
use: taken on the empty tables of a new commune, they made every connection's cached plans of the
foreign-key checks scan the visits table as it grew (docs/deployment.md §3, sixth round).

The indicators' rollups are not skipped: a drainer (`manage.py rollups_catch_up --follow 1`, what each
`jobs_worker` does in production) runs beside gunicorn the whole time, and the benchmark prints how long
after the last push the rollups had caught up with every visit.

    make bench-sync            # uses postgres://binhdan@127.0.0.1:5432/binhdan_bench (created and dropped)
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

import psycopg
from _cpu import (  # benchmarks/, the script's own directory
    cpu_by_part,
    cpu_line,
    machine_busy,
    refuse_if_in_use,
)

ROOT = Path(__file__).resolve().parents[1]
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://binhdan@127.0.0.1:5432/binhdan_bench")
BATCHED_VISITS = int(os.environ.get("BENCH_VISITS", "40000"))
SINGLE_REQUESTS = int(os.environ.get("BENCH_SINGLE", "4000"))
# Batched ingest, then COPY of the same rows, this many times.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "300"))  # of the commune, split between 4 villages
CONCURRENCY = 32
SKILLS = ["thanh-toan-qr", "vneid-muc-2", "nhan-biet-lua-dao"]

SETUP = """
import json
from binhdan.testing.scenarios import field_commune
world = field_commune(villages=4, members_per_village=8, households={households}, people_per_household=2)
print(json.dumps(world))
"""


def _psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-qc", sql], check=True, capture_output=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _visit(household: list, day: str, i: int) -> dict:
    pk, residents = household
    return {
        "uuid": str(uuid.uuid4()),
        "type": "visit",
        "data": {
            "household": pk,
            "visited_at": f"{day}T{8 + i % 10:02d}:{i % 60:02d}:00+07:00",
            "minutes": 15,
            "channel": "door",
            "people": [
                {"resident": r, "skills": [{"skill": s, "outcome": "guided"} for s in SKILLS]}
                for r in residents[:2]
            ],
        },
    }


async def _post(port: int, token: str, body: bytes) -> tuple[float, int]:
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /api/v1/sync/push HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    response = await reader.read()
    writer.close()
    status = int(response.split(b" ", 2)[1])
    return time.perf_counter() - start, status


async def _get(port: int, path: str) -> tuple[float, int]:
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    return time.perf_counter() - start, int(response.split(b" ", 2)[1])


async def _trivial(port: int, count: int, concurrency: int) -> tuple[list[float], float, int]:
    remaining = count
    latencies: list[float] = []
    failures = 0

    async def client() -> None:
        nonlocal remaining, failures
        while remaining > 0:
            remaining -= 1
            latency, status = await _get(port, "/healthz")
            latencies.append(latency)
            failures += status != 200

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, time.perf_counter() - start, failures


async def _load(port: int, work: list[tuple[str, list[bytes]]]) -> tuple[list[float], float, int]:
    """One client per (token, bodies): a phone pushes its own records one request after another, as the
    field app does; the clients run at once."""
    latencies: list[float] = []
    failures = 0

    async def client(token: str, bodies: list[bytes]) -> None:
        nonlocal failures
        for body in bodies:
            latency, status = await _post(port, token, body)
            latencies.append(latency)
            failures += status != 200

    start = time.perf_counter()
    await asyncio.gather(*(client(token, bodies) for token, bodies in work))
    return latencies, time.perf_counter() - start, failures


def _backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _copy_same_rows(connection: Any, visits: list[dict], user_id: int) -> tuple[float, float]:
    """Load the rows one batch of visits produces (visit, people, skills, receipt) with COPY, on one
    connection kept for every round (a backend that ended during the next round would count there): the
    seconds it took, and its PostgreSQL backend's CPU seconds."""
    day_rows, people_rows, skill_rows, receipt_rows = (
        io.StringIO(),
        io.StringIO(),
        io.StringIO(),
        io.StringIO(),
    )
    skill_ids: dict[str, int] = {}
    for code, pk in connection.execute("SELECT code, id FROM registry_skill"):
        skill_ids[code] = pk
    base = connection.execute("SELECT coalesce(max(id), 0) + 1000000 FROM fieldwork_visit").fetchone()[0]
    for offset, record in enumerate(visits):
        vid = base + offset
        data = record["data"]
        fresh = uuid.uuid4()  # the API run already stored these visits; COPY writes the same rows anew
        day_rows.write(
            f"{vid}\t{fresh}\t{data['household']}\t{user_id}\t{data['visited_at']}\t15\tdoor\t\\N\t\t\\N\t2026-01-01 00:00:00+00\n"
        )
        for person in data["people"]:
            people_rows.write(f"{vid}\t{person['resident']}\n")
            for skill in person["skills"]:
                skill_rows.write(
                    f"{person['resident']}\t{skill_ids[skill['skill']]}\t1\t{data['visited_at'][:10]}\tvisit\t{user_id}\t2026-01-01 00:00:00+00\t{fresh}\n"
                )
        receipt_rows.write(f"{uuid.uuid4()}\tvisit\t{user_id}\t{'0' * 64}\t{vid}\t2026-01-01 00:00:00+00\n")
    backend = connection.info.backend_pid
    start, cpu = time.perf_counter(), _backend_cpu(backend)
    with connection.cursor() as cursor:
        for table, columns, buffer in [
            (
                "fieldwork_visit",
                "id, uuid, household_id, recorded_by_id, visited_at, minutes, channel, follow_up_on, notes, campaign_id, created_at",
                day_rows,
            ),
            ("fieldwork_visitperson", "visit_id, resident_id", people_rows),
            (
                "registry_skillobservation",
                "resident_id, skill_id, level, observed_on, source, recorded_by_id, recorded_at, source_ref",
                skill_rows,
            ),
            (
                "fieldwork_syncreceipt",
                "uuid, kind, user_id, payload_hash, object_id, received_at",
                receipt_rows,
            ),
        ]:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
    connection.commit()
    return time.perf_counter() - start, _backend_cpu(backend) - cpu


def _queued(url: str) -> int:
    out = subprocess.run(["psql", url, "-tAc", "SELECT count(*) FROM indicators_queuedhousehold"],
                         check=True, capture_output=True, text=True)  # fmt: skip
    return int(out.stdout.strip() or 0)


def _caught_up_after(url: str, limit: float = 120.0) -> float:
    """Seconds until the rollups' queue is empty (the drainer took every pushed household)."""
    start = time.perf_counter()
    while _queued(url) and time.perf_counter() - start < limit:
        time.sleep(0.1)
    return time.perf_counter() - start


def main() -> None:
    parts = urllib.parse.urlsplit(BASE_URL)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    refuse_if_in_use(admin, name)
    _psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(admin, f'CREATE DATABASE "{name}"')
    env = dict(os.environ, DATABASE_URL=BASE_URL, DJANGO_SETTINGS_MODULE="config.settings", DEBUG="0",
               SECRET_KEY="bench-secret", ALLOWED_HOSTS="127.0.0.1", SECURE_COOKIES="0", LOG_LEVEL="WARNING")  # fmt: skip
    server = drainer = copier = None
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True)
        world = json.loads(subprocess.run([sys.executable, "manage.py", "shell", "-c", SETUP.format(households=HOUSEHOLDS)], cwd=ROOT, env=env,
                                          check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])  # fmt: skip
        members = world["members"]
        user_id = members[0]["member"]
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "3", "--threads", "1", "--log-level", "warning"], cwd=ROOT, env=env)  # fmt: skip
        drainer = subprocess.Popen([sys.executable, "manage.py", "rollups_catch_up", "--follow", "1"], cwd=ROOT,
                                   env=env, stdout=subprocess.DEVNULL)  # fmt: skip
        time.sleep(3)
        day = time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400))

        # 1. Batched ingest: 200 visits per request; two phones (of two villages) keep both cores busy. In
        # rounds, each followed by COPY of the rows it wrote (once the rollups caught up): a shared machine
        # drifts, and two phases minutes apart measure the drift as much as the code. Each round's ratio and
        # their median.
        pushers = [members[0], members[len(members) // 2]]
        per_phone = BATCHED_VISITS // len(pushers)
        batches: list[list[bytes]] = []
        records: list[list[list[dict]]] = []
        for phone in pushers:
            homes = phone["households"]
            mine = [_visit(homes[i % len(homes)], day, i) for i in range(per_phone)]
            records.append([mine[i : i + 200] for i in range(0, len(mine), 200)])
            batches.append([json.dumps({"records": batch}).encode() for batch in records[-1]])
        asyncio.run(
            _load(port, [(p["token"], b[:1]) for p, b in zip(pushers, batches, strict=True)])
        )  # warm up: the first batch of each phone
        # Statistics, as autovacuum keeps them on a database in use: taken once visits exist. (Taken on
        # tables still empty, they made every connection's cached plans of the foreign-key checks scan
        # the visits table, which then grew: batched ingest ran at a third of its speed.)
        _psql(BASE_URL, "ANALYZE")
        _caught_up_after(BASE_URL)
        copier = psycopg.connect(BASE_URL)
        spent: dict[str, float] = {}
        busy = [0.0, 0.0]
        latencies, ratios, copy_cpu = [], [], 0.0
        sent = elapsed = copy_seconds = 0.0
        failures = 0
        each = (len(batches[0]) - 1) // ROUNDS
        for number in range(ROUNDS):
            chunk = slice(1 + number * each, 1 + (number + 1) * each)
            before, machine_before = cpu_by_part(), machine_busy()
            got, took, failed = asyncio.run(
                _load(port, [(p["token"], b[chunk]) for p, b in zip(pushers, batches, strict=True)])
            )
            after, machine_after = cpu_by_part(), machine_busy()
            for part in after:
                spent[part] = spent.get(part, 0.0) + after[part] - before.get(part, 0.0)
            busy = [
                busy[0] + machine_after[0] - machine_before[0],
                busy[1] + machine_after[1] - machine_before[1],
            ]
            latencies += got
            failures += failed
            visits = [v for phone in records for batch in phone[chunk] for v in batch]
            caught_up = _caught_up_after(BASE_URL)
            copied, cpu = _copy_same_rows(copier, visits, user_id)
            ratios.append(copied / took)
            sent += len(visits)
            elapsed += took
            copy_seconds += copied
            copy_cpu += cpu
            print(f"  round {number + 1}: API {len(visits) / took:,.0f} visits/s, COPY of the same rows "
                  f"{len(visits) / copied:,.0f} visits/s: {ratios[-1]:.1%} (rollups caught up {caught_up:.1f} s after the round)")  # fmt: skip
        batched_rate, copy_rate = sent / elapsed, sent / copy_seconds
        print(f"batched ingest: {sent:.0f} visits in {elapsed:.2f} s = {batched_rate:,.0f} visits/s "
              f"(p50 {statistics.median(latencies) * 1000:.0f} ms per 200-visit request, {failures} failed)")  # fmt: skip
        print("  per 200-visit request, " + cpu_line(spent, len(latencies))
              + f"; the machine's CPUs {busy[0] / max(1e-9, busy[1]):.0%} busy")  # fmt: skip
        median = sorted(ratios)[len(ratios) // 2]
        print(f"PostgreSQL COPY of the same rows: {copy_rate:,.0f} visits/s; our API reaches {median:.1%} of COPY, "
              f"the median of {len(ratios)} rounds ({', '.join(f'{r:.1%}' for r in ratios)}; goal ≥ 80%)")  # fmt: skip
        print(f"  per 200 visits copied: PostgreSQL CPU {copy_cpu * 1000 / (sent / 200):.2f} ms")

        # 2. Single-visit requests from 32 phones at once (32 members, 8 in each of 4 villages).
        each = SINGLE_REQUESTS // CONCURRENCY
        work = []
        for n, phone in enumerate(members[:CONCURRENCY]):
            homes = phone["households"]
            work.append((phone["token"], [json.dumps({"records": [_visit(homes[(n * each + i) % len(homes)], day, i)]}).encode()
                                          for i in range(each)]))  # fmt: skip
        latencies, elapsed, failures = asyncio.run(_load(port, work))
        latencies.sort()
        p50, p99 = latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99) - 1] * 1000
        print(f"single-visit requests: {len(latencies) / elapsed:,.0f} req/s at {CONCURRENCY} concurrent clients, "
              f"p50 {p50:.0f} ms, p99 {p99:.0f} ms ({failures} failed)")  # fmt: skip
        print(f"  rollups caught up {_caught_up_after(BASE_URL):.1f} s after the last single visit")
        push_rate = len(latencies) / elapsed

        # 2b. A trivial view (/healthz) on the same server, clients and run.
        latencies, elapsed, failures = asyncio.run(_trivial(port, SINGLE_REQUESTS, CONCURRENCY))
        latencies.sort()
        p50, p99 = latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99) - 1] * 1000
        trivial_rate = SINGLE_REQUESTS / elapsed
        print(f"trivial view (/healthz): {trivial_rate:,.0f} req/s at {CONCURRENCY} concurrent clients, "
              f"p50 {p50:.0f} ms, p99 {p99:.0f} ms ({failures} failed); "
              f"a single-visit push reaches {push_rate / trivial_rate:.0%} of it")  # fmt: skip

    finally:
        if copier is not None:
            copier.close()
        for process in (server, drainer):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        _psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
