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
import uuid

from _cpu import Meter, in_fresh_database  # benchmarks/, the script's own directory

BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://binhdan@127.0.0.1:5432/binhdan_m_bench")
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "500"))
PROFILE = os.environ.get("BENCH_PROFILE", "") == "1"


def main() -> None:
    in_fresh_database(BASE_URL, _run)


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
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    world = _world()
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world['token']}"}
    pushed = client.post("/api/v1/sync/push", json.dumps({"records": world["records"]}),
                         content_type="application/json", **auth)  # fmt: skip
    assert pushed.status_code == 200 and all(r["status"] == "created" for r in pushed.json()["results"]), [r for r in pushed.json()["results"] if r["status"] != "created"]  # fmt: skip
    measure = Meter().measure

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
    healthz = measure("GET /healthz", lambda i: client.get("/healthz"), REQUESTS)
    mine = measure("GET /api/v1/me", lambda i: me(), REQUESTS)
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
