"""What `GET /api/v1/me` costs, in process on PostgreSQL: CPU of this process and of its PostgreSQL backend.

The phones ask /me at every sign-in and on the home screen. Prints, per request (through Django's test
client, the whole middleware stack and the API), for `/healthz` (one SELECT 1) and for a member's /me
(a village of 300 households with a team leader, this week's visits and work time, two scam warnings):
wall time, application CPU, PostgreSQL backend CPU, and the statements /me sends.

CPU figures come from `time.process_time()` and the backend's /proc/<pid>/stat, so they hold up better than
wall times on a shared machine. Ratios against `/healthz` are of the same run. BENCH_PROFILE=1 also prints
where /me's application CPU goes (cProfile, top 25 by cumulative time) and the statements themselves.

    make bench-me     # postgres://binhdan@127.0.0.1:5432/binhdan_m_bench (created and dropped)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://binhdan@127.0.0.1:5432/binhdan_m_bench")
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "500"))
PROFILE = os.environ.get("BENCH_PROFILE", "") == "1"


def _psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-qc", sql], check=True, capture_output=True)


def main() -> None:
    parts = urllib.parse.urlsplit(BASE_URL)
    name, admin = parts.path.lstrip("/"), parts._replace(path="/postgres").geturl()
    _psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(admin, f'CREATE DATABASE "{name}"')
    os.environ.update(DATABASE_URL=BASE_URL, DJANGO_SETTINGS_MODULE="config.settings", DEBUG="0",
                      SECRET_KEY="bench-secret-" + "x" * 40, ALLOWED_HOSTS="testserver", SECURE_COOKIES="0",
                      LOG_LEVEL="WARNING")  # fmt: skip
    sys.path.insert(0, str(ROOT))
    try:
        _run()
    finally:
        from django.db import connections

        connections.close_all()
        _psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _world() -> dict:
    """field_village, plus what a member's home screen shows: a leader, this week's work, two warnings.

    20 visits, 15 this week and 5 a week ago whose follow-up is due today; 4.5 h on each day so far."""
    from django.utils import timezone

    from binhdan.accounts.models import User
    from binhdan.fieldwork import scams
    from binhdan.fieldwork.models import Team, TeamRole
    from binhdan.fieldwork.services import add_team_member
    from binhdan.testing.scenarios import field_village

    world = field_village(households=300, people_per_household=2)
    team = Team.objects.select_related("village__parent").get()
    team.contact_phone = "0912345678"
    team.save(update_fields=["contact_phone"])
    leader = User.objects.create_user("totruong", password="Mat-khau-thu-2025", phone="0987654321")
    add_team_member(team=team, user=leader, role=TeamRole.LEADER)
    member = User.objects.get(pk=world["member"])
    member.current_roles()
    commune = team.village.parent
    scams.publish_warning(by=leader, commune=commune, title="Giả danh công an gọi điện",
                          text="Không chuyển tiền theo yêu cầu qua điện thoại.", pretext="gia_danh_cong_an")  # fmt: skip
    scams.publish_warning(by=leader, commune=commune, title="Cài VNeID giả", text="Chỉ cài ứng dụng từ kho chính thức.",
                          pretext="cap_nhat_vneid", villages=[team.village])  # fmt: skip
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    days = [monday + dt.timedelta(days=d) for d in range((today - monday).days + 1)]
    world["records"] = [
        {"uuid": str(uuid.uuid4()), "type": "visit",
         "data": {"household": pk, "visited_at": f"{days[i % len(days)] if i % 4 else today - dt.timedelta(days=7)}T08:00:00+07:00",
                  "minutes": 15, "channel": "door",
                  "people": [{"resident": r, "skills": [{"skill": "vneid-muc-2", "outcome": "guided"}]} for r in residents],
                  **({} if i % 4 else {"follow_up_on": today.isoformat()})}}
        for i, (pk, residents) in enumerate(world["households"][:20])
    ] + [{"uuid": str(uuid.uuid4()), "type": "work_time", "data": {"date": day.isoformat(), "hours": 4.5}} for day in days]  # fmt: skip
    return world


def _run() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    call_command("createcachetable")
    world = _world()
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world['token']}"}
    pushed = client.post("/api/v1/sync/push", json.dumps({"records": world["records"]}),
                         content_type="application/json", **auth)  # fmt: skip
    assert pushed.status_code == 200 and all(r["status"] == "created" for r in pushed.json()["results"]), [r for r in pushed.json()["results"] if r["status"] != "created"]  # fmt: skip
    with connection.cursor() as cursor:  # statistics, as autovacuum keeps them on a database in use
        cursor.execute("ANALYZE")
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    ticks = os.sysconf("SC_CLK_TCK")

    def backend_cpu() -> float:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    def measure(label: str, request, count: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
        request()  # warm up
        pg, app, wall = backend_cpu(), time.process_time(), time.perf_counter()
        for _ in range(count):
            request()
        app_ms, pg_ms = (time.process_time() - app) / count * 1000, (backend_cpu() - pg) / count * 1000
        print(f"{label}: wall {(time.perf_counter() - wall) / count * 1000:.2f} ms, app CPU {app_ms:.2f} ms, "
              f"PostgreSQL CPU {pg_ms:.2f} ms per request")  # fmt: skip
        return app_ms, pg_ms

    def me() -> None:
        answer = client.get("/api/v1/me", **auth)
        assert answer.status_code == 200, answer.content[:300]

    answer = client.get("/api/v1/me", **auth).json()
    assert (
        answer["week"]["visits"] == 15
        and answer["week"]["follow_ups_due"] == 5
        and len(answer["warnings"]) == 2
        and answer["team"]["leader"]
    ), answer
    healthz = measure("GET /healthz", lambda: client.get("/healthz"), REQUESTS)
    mine = measure("GET /api/v1/me", me, REQUESTS)
    with CaptureQueriesContext(connection) as queries:
        me()
    print(f"  statements sent for one /me: {len(queries.captured_queries)}")
    print(f"/me costs {sum(mine) / sum(healthz):.1f}x the CPU of /healthz "
          f"(app CPU {mine[0] / healthz[0]:.1f}x)")  # fmt: skip
    if PROFILE:
        import cProfile
        import pstats

        for query in queries.captured_queries:
            print(f"  [{query['time']}] {query['sql'][:400]}")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(100):
            me()
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(25)
        if os.environ.get("BENCH_PROFILE_DETAIL"):
            stats.sort_stats("tottime").print_stats(40)
            stats.sort_stats("cumulative").print_callees(
                "api.py.*\\(me\\)|progress.py.*member_week|scams.py.*warnings_for"
            )


if __name__ == "__main__":
    main()
