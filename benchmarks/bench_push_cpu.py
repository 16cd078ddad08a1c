"""Where a sync push's cost goes, in process on PostgreSQL: CPU of this process and of its PostgreSQL backend.

Prints, per request (through Django's test client, the whole middleware stack and the API):
- `/healthz` (one SELECT 1): wall time, application CPU, PostgreSQL backend CPU;
- a single-visit push (two people, three skills each): the same three figures and the statements sent;
- a 200-visit push: the same, per push and per visit;
- the rollups' catch-up of every household the pushes queued: wall, application and PostgreSQL CPU.

CPU figures come from `time.process_time()` and the backend's /proc/<pid>/stat, so they hold up better than
wall times on a shared machine. Ratios against `/healthz` are of the same run.

    make bench-push-cpu     # postgres://binhdan@127.0.0.1:5432/binhdan_bench_cpu (created and dropped)
"""

from __future__ import annotations

import json
import os
import time
import uuid

from _cpu import Meter, in_fresh_database  # benchmarks/, the script's own directory

BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://binhdan@127.0.0.1:5432/binhdan_bench_cpu")
SINGLE = int(os.environ.get("BENCH_SINGLE", "300"))
BATCHES = int(os.environ.get("BENCH_BATCHES", "10"))
SKILLS = ["thanh-toan-qr", "vneid-muc-2", "nhan-biet-lua-dao"]


def main() -> None:
    in_fresh_database(BASE_URL, _run)


def _run() -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from binhdan.indicators import rollup
    from binhdan.testing.scenarios import field_village

    world = field_village(households=300, people_per_household=2)
    homes = world["households"]
    day = time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400))

    def visit(i: int) -> dict:
        pk, residents = homes[i % len(homes)]
        return {"uuid": str(uuid.uuid4()), "type": "visit",
                "data": {"household": pk, "visited_at": f"{day}T{8 + i % 10:02d}:{i % 60:02d}:00+07:00", "minutes": 15,
                         "channel": "door", "people": [{"resident": r, "skills": [{"skill": s, "outcome": "guided"}
                                                                                  for s in SKILLS]} for r in residents]}}  # fmt: skip

    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world['token']}"}
    client.get("/healthz")

    def push(records: list[dict]) -> None:
        answer = client.post(
            "/api/v1/sync/push", json.dumps({"records": records}), content_type="application/json", **auth
        )
        assert answer.status_code == 200 and all(r["status"] == "created" for r in answer.json()["results"]), answer.content[:300]  # fmt: skip

    # Visits exist before the meter takes statistics (as on a database in use: on empty tables the
    # cached plans of the foreign-key checks would scan the visits table as it grows).
    push([visit(-1 - j) for j in range(200)])
    meter = Meter()
    measure, backend_cpu = meter.measure, meter.backend_cpu

    healthz = measure("GET /healthz", lambda i: client.get("/healthz"), SINGLE)
    single = measure("single-visit push", lambda i: push([visit(i)]), SINGLE)
    with CaptureQueriesContext(connection) as queries:
        push([visit(SINGLE + 1)])
    print(f"  statements logged for one push: {len(queries.captured_queries)}")
    measure("200-visit push", lambda i: push([visit(i * 200 + j) for j in range(200)]), BATCHES, per=200)
    print(f"a single-visit push costs {sum(single) / sum(healthz):.1f}x the CPU of /healthz")
    pg, app, wall = backend_cpu(), time.process_time(), time.perf_counter()
    households = rollup.catch_up()
    print(f"rollups caught up with {households} households: wall {(time.perf_counter() - wall) * 1000:.0f} ms, "
          f"app CPU {(time.process_time() - app) * 1000:.0f} ms, PostgreSQL CPU {(backend_cpu() - pg) * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
