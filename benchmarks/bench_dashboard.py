"""Dashboards on a synthetic province, on PostgreSQL (issue 10).

1. `manage.py generate_synthetic` (sizes from BENCH_* env vars; BENCH_SCALE=0.1 for a quick run), then
   `rollup.rebuild()` timed on its own.
2. gunicorn as `scripts/serve.sh` runs it (2 workers × 4 threads, DEBUG off), signed in as an admin by
   session cookie: p50/p95 of GET on the province, commune and village dashboards (BENCH_REQUESTS per
   page after warm-up, rotating over places); and the same reading calls in-process
   (`values.values`, `values.side_by_side`, `values.series`).
3. The province's HH_GUIDED, AD_SMARTPHONE and CI_VNEID2 by a brute-force SQL scan of the source rows,
   checked against `values.values(province, today)`, with the time ratio.
4. A batched push of 200 visits through `fieldwork.sync.push` with the rollup listener and with
   `registry.recording._listeners` emptied, alternating in the same run; the ratio of medians.

Targets: p95 ≤ 100 ms province and commune, ≤ 30 ms village; rebuild ≤ 60 s; push with the listener
within 20% of without. Figures only, no assertions; they drift on shared machines.

    make bench-dashboard                   # full sizes (minutes); BENCH_SCALE=0.1 make bench-dashboard
    BENCH_DATABASE_URL=postgres://…/db     # default binhdan_bench_dashboard on 127.0.0.1, made and dropped
    BENCH_KEEP=1                           # keep the database; BENCH_REUSE=1 reuses a kept one (no generate)
    BENCH_PROFILE=1                        # cProfile the rebuild and print its top functions
"""

from __future__ import annotations

import http.client
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

ROOT = Path(__file__).resolve().parents[1]
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://binhdan@127.0.0.1:5432/binhdan_bench_dashboard")
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
SIZES = {
    "communes": int(os.environ.get("BENCH_COMMUNES", max(1, round(100 * SCALE)))),
    "villages-per-commune": int(os.environ.get("BENCH_VILLAGES_PER_COMMUNE", "10")),
    "households": int(os.environ.get("BENCH_HOUSEHOLDS", round(300_000 * SCALE))),
    "residents": int(os.environ.get("BENCH_RESIDENTS", round(1_000_000 * SCALE))),
    "visits": int(os.environ.get("BENCH_VISITS", round(3_000_000 * SCALE))),
}
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
WARM_UP = 3
PUSH_VISITS = 200
PUSH_ROUNDS = int(os.environ.get("BENCH_PUSH_ROUNDS", "5"))
TARGETS_MS = {"province": 100, "commune": 100, "village": 30}
REBUILD_TARGET_S = 60
PUSH_TARGET_RATIO = 1.20
SECRET = "bench-secret"
ENV = {"DATABASE_URL": BASE_URL, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "SECRET_KEY": SECRET,
       "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "0", "LOG_LEVEL": "WARNING"}  # fmt: skip
SKILLS = ["thanh-toan-qr", "vneid-muc-2", "nhan-biet-lua-dao"]

rows: list[tuple[str, str, str, str]] = []  # the final table: measure, figure, target, verdict


def report(measure: str, figure: str, target: str = "", ok: bool | None = None) -> None:
    rows.append((measure, figure, target, "" if ok is None else ("ok" if ok else "MISSED")))
    print(f"{measure}: {figure}" + (f" (target {target})" if target else ""), flush=True)


def _psql(url: str, sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["psql", url, "-qAtc", sql], capture_output=True, text=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _timed(fn: Any, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _ms(values: list[float]) -> str:
    return f"p50 {statistics.median(values):.1f} ms, p95 {_percentile(values, 0.95):.1f} ms (n={len(values)})"


def prepare_database() -> bool:
    """Create the database (or reuse a kept one); True when the synthetic province must be generated."""
    parts = urllib.parse.urlsplit(BASE_URL)
    name, admin = parts.path.lstrip("/"), parts._replace(path="/postgres").geturl()
    if os.environ.get("BENCH_REUSE") == "1" and _psql(BASE_URL, "SELECT 1").returncode == 0:
        return False
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        done = _psql(admin, sql)
        if done.returncode:
            raise SystemExit(
                f"PostgreSQL không sẵn sàng ({done.stderr.strip()}); chạy scripts/postgres-test-db.sh."
            )
    env = dict(os.environ, **ENV)
    for command in (["migrate", "-v0"], ["createcachetable"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    return True


def drop_database() -> None:
    parts = urllib.parse.urlsplit(BASE_URL)
    _psql(
        parts._replace(path="/postgres").geturl(),
        f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)',
    )


BRUTE_SQL = """
WITH villages AS (
    SELECT v.id FROM places_place v JOIN places_place c ON c.id = v.parent_id WHERE c.parent_id = %(province)s
), households AS (
    SELECT h.id FROM registry_household h
    WHERE h.village_id IN (SELECT id FROM villages) AND h.registered_on <= %(day)s
      AND (h.left_on IS NULL OR h.left_on > %(day)s)
), residents AS (
    SELECT r.id,
           (r.birth_date <= (%(day)s::date - interval '18 years')::date
            OR (r.birth_date IS NULL AND r.birth_year + 18 <= %(year)s)) AS adult,
           (r.birth_date <= (%(day)s::date - interval '14 years')::date
            OR (r.birth_date IS NULL AND r.birth_year + 14 <= %(year)s)) AS age14
    FROM registry_resident r
    WHERE r.household_id IN (SELECT id FROM households) AND r.registered_on <= %(day)s
      AND (r.left_on IS NULL OR r.left_on > %(day)s)
), latest AS (
    SELECT DISTINCT ON (o.resident_id, o.field) o.resident_id, o.field, o.value
    FROM registry_statusobservation o
    WHERE o.field IN ('smartphone', 'vneid_level') AND o.observed_on <= %(day)s
      AND o.resident_id IN (SELECT id FROM residents)
    ORDER BY o.resident_id, o.field, o.observed_on DESC, o.recorded_at DESC, o.id DESC
), status AS (
    SELECT resident_id, max(value) FILTER (WHERE field = 'smartphone') AS phone,
           max(value) FILTER (WHERE field = 'vneid_level') AS vneid
    FROM latest GROUP BY resident_id
)
SELECT
    (SELECT count(*) FROM households),
    (SELECT count(*) FROM households h WHERE EXISTS (
        SELECT 1 FROM fieldwork_visit x WHERE x.household_id = h.id AND x.channel = 'door'
          AND (x.visited_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date <= %(day)s)),
    count(*) FILTER (WHERE r.adult), count(*) FILTER (WHERE r.adult AND s.phone = 1),
    count(*) FILTER (WHERE r.age14), count(*) FILTER (WHERE r.age14 AND s.vneid = 2)
FROM residents r LEFT JOIN status s ON s.resident_id = r.id
"""


def main() -> None:
    generate = prepare_database()
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from binhdan.indicators import rollup
    from binhdan.indicators import values as indicator_values
    from binhdan.indicators.management.commands.generate_synthetic import SYNTHETIC_PROVINCE_CODE
    from binhdan.places.models import Place

    server = None
    try:
        print(f"sizes: {SIZES} (BENCH_SCALE={SCALE})", flush=True)
        if generate:
            start = time.perf_counter()
            args = [f"--{k}={v}" for k, v in SIZES.items()]
            call_command("generate_synthetic", *args, "--skip-rebuild", stdout=sys.stdout)
            report("generate_synthetic (COPY, no rebuild)", f"{time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        if os.environ.get("BENCH_PROFILE") == "1":
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.enable()
            result = rollup.rebuild()
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(15)
        else:
            result = rollup.rebuild()
        seconds = time.perf_counter() - start
        report("rollup.rebuild()", f"{seconds:.1f} s ({result['households']:,} households, {result['spans']:,} spans, "
               f"{result['deltas']:,} deltas)", f"≤ {REBUILD_TARGET_S} s", seconds <= REBUILD_TARGET_S)  # fmt: skip

        today = timezone.localdate()
        province = Place.objects.get(code=SYNTHETIC_PROVINCE_CODE)
        communes = list(Place.objects.filter(parent=province).order_by("code"))
        villages = list(Place.objects.filter(parent__in=communes[:10]).order_by("code"))
        places = {
            "province": [province],
            "commune": communes[:10],
            "village": villages[:: max(1, len(villages) // 10)][:10],
        }

        # In-process reading calls (what the views build on).
        report(
            "values.values(province, today)",
            _ms(_timed(lambda: indicator_values.values(province, today), 20)),
        )
        report("values.side_by_side(communes, today)", _ms(_timed(lambda: indicator_values.side_by_side(communes, today), 20)))  # fmt: skip
        for kind in ("commune", "village"):
            report(
                f"values.values({kind}, today)",
                _ms(_timed(_rotating(indicator_values.values, places[kind], today), 20)),
            )
        report(
            "values.series(province, today)",
            _ms(_timed(lambda: indicator_values.series(province, today), 20)),
        )
        report(
            "values.series(village, today)",
            _ms(_timed(_rotating(indicator_values.series, places["village"], today), 20)),
        )

        # Brute force from the source rows vs the rollups.
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(BRUTE_SQL, {"province": province.pk, "day": today, "year": today.year})
            hh, guided, adults, phones, age14, vneid2 = cursor.fetchone()
        brute_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        figures = {
            v.code: (v.numerator, v.denominator)
            for v in indicator_values.values(province, today, with_pace=False)
        }
        rollup_ms = (time.perf_counter() - start) * 1000
        brute = {"HH_GUIDED": (guided, hh), "AD_SMARTPHONE": (phones, adults), "CI_VNEID2": (vneid2, age14)}
        for code, pair in brute.items():
            same = figures.get(code) == pair
            report(f"{code} province: SQL scan {pair[0]:,}/{pair[1]:,} vs rollups {figures.get(code)}",
                   "same" if same else "DIFFERENT", "same", same)  # fmt: skip
        report("SQL scan of source rows (3 indicators) vs values.values (all)",
               f"{brute_ms:.0f} ms vs {rollup_ms:.1f} ms: rollups {brute_ms / rollup_ms:.0f}x faster")  # fmt: skip

        # The dashboards over HTTP, served by gunicorn as scripts/serve.sh does.
        from django.urls import NoReverseMatch, reverse

        try:
            urls = {
                kind: [reverse(f"indicators:{kind}", args=[p.pk]) for p in pool]
                for kind, pool in places.items()
            }
        except NoReverseMatch:
            urls = {}
            report(
                "dashboards over HTTP",
                "skipped: the indicators:province/commune/village views do not exist yet",
            )
        if urls:
            subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                           env=dict(os.environ), check=True)  # fmt: skip
            cookie = _admin_cookie()
            port = _free_port()
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", "2", "--threads", "4", "--log-level", "warning"], cwd=ROOT, env=dict(os.environ))  # fmt: skip
            _wait_for(port)
            for kind, paths in urls.items():
                latencies = _get_all(port, cookie, paths)
                p95 = _percentile(latencies, 0.95)
                report(f"GET {kind} dashboard ({paths[0]}…)", _ms(latencies), f"p95 ≤ {TARGETS_MS[kind]} ms",
                       p95 <= TARGETS_MS[kind])  # fmt: skip

        # The cost of the rollup listener on a batched push.
        with_ms, without_ms = _push_cost(villages, today)
        ratio = statistics.median(with_ms) / statistics.median(without_ms)
        report(f"push of {PUSH_VISITS} visits with listener", _ms(with_ms))
        report(f"push of {PUSH_VISITS} visits without listener", _ms(without_ms))
        report(
            "push with / without listener",
            f"{ratio:.2f}x",
            f"≤ {PUSH_TARGET_RATIO:.2f}x",
            ratio <= PUSH_TARGET_RATIO,
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        connection.close()
        if os.environ.get("BENCH_KEEP") != "1":
            drop_database()
    width = max(len(r[0]) for r in rows)
    print("\n" + "=" * 40 + " bench-dashboard " + "=" * 40)
    print(f"sizes: {SIZES}")
    for measure, figure, target, verdict in rows:
        print(f"{measure:<{width}}  {figure}" + (f"  [target {target}: {verdict}]" if target else ""))


def _rotating(fn: Any, pool: list[Any], today: Any) -> Any:
    """A call of fn(place, today) that takes the next place of the pool each time."""
    calls = iter(range(10**9))
    return lambda: fn(pool[next(calls) % len(pool)], today)


def _admin_cookie() -> str:
    from binhdan.accounts.models import User
    from binhdan.testing.personas import signed_in_client

    client = signed_in_client(User.objects.get(username="syn.quantri"))
    return client.cookies["sessionid"].value


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def _get_all(port: int, cookie: str, paths: list[str]) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": f"sessionid={cookie}", "Host": "127.0.0.1"}
    latencies = []
    for n in range(WARM_UP * len(paths) + REQUESTS):
        path = paths[n % len(paths)]
        start = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise SystemExit(f"GET {path}: HTTP {response.status} {body[:300]!r}")
        if n >= WARM_UP * len(paths):
            latencies.append(elapsed)
    connection.close()
    return latencies


def _push_cost(villages: list[Any], today: Any) -> tuple[list[float], list[float]]:
    """Alternate pushes with and without the listener, each round on another village's households."""
    import datetime as dt

    from binhdan.accounts.models import Role, RoleKind
    from binhdan.fieldwork import sync
    from binhdan.registry import recording
    from binhdan.registry.models import Resident

    day = (today - dt.timedelta(days=1)).isoformat()
    timings: dict[bool, list[float]] = {True: [], False: []}
    for round_number in range(PUSH_ROUNDS * 2):
        village = villages[round_number % len(villages)]
        user = Role.objects.filter(place=village, kind=RoleKind.MEMBER).select_related("user").first().user
        people: dict[int, list[int]] = {}
        for resident_id, household_id in (
            Resident.objects.present_on(today).filter(household__village=village, erased_at__isnull=True)
            .order_by("pk").values_list("pk", "household_id")
        ):  # fmt: skip
            people.setdefault(household_id, []).append(resident_id)
        households = sorted(people)[:PUSH_VISITS]  # households with someone present to guide
        records = [
            {"uuid": str(uuid.uuid4()), "type": "visit", "data": {
                "household": households[i % len(households)],
                "visited_at": f"{day}T{8 + i % 10:02d}:{i % 60:02d}:00+07:00", "minutes": 15, "channel": "door",
                "people": [{"resident": r, "skills": [{"skill": s, "outcome": "guided"} for s in SKILLS]}
                           for r in people[households[i % len(households)]][:2]]}}
            for i in range(PUSH_VISITS)
        ]  # fmt: skip
        with_listener = round_number % 2 == (round_number // 2) % 2  # ABBA order: drift cancels out
        saved = list(recording._listeners)
        if not with_listener:
            recording._listeners.clear()
        try:
            start = time.perf_counter()
            results = sync.push(user=user, records=records)
            elapsed = (time.perf_counter() - start) * 1000
        finally:
            recording._listeners[:] = saved
        statuses = {r["status"] for r in results}
        if statuses != {"created"}:
            raise SystemExit(f"push: {statuses} {[r for r in results if r['status'] != 'created'][:2]}")
        timings[with_listener].append(elapsed)
    return timings[True], timings[False]


if __name__ == "__main__":
    main()
