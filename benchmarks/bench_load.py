"""Mixed load against the production stack (scripts/prod.sh: nginx → gunicorn → PostgreSQL, job workers
through pgbouncer; BENCH_WEB_DATABASE=pgbouncer puts gunicorn behind pgbouncer too).

Starts its own stack (own PROD_DIR, database, ports, Redis database), loads a synthetic commune (villages
with teams; members with API tokens, leaders who sign in), then:

1. 32 clients of single-visit pushes, then 32 clients of a trivial view (/healthz) through the same stack:
   the push's requests/s as a share of the trivial view's, and the push's p99; then the same 32 clients
   pacing their pushes at 40% of the trivial view's rate: the p99 a phone sees at the goal's throughput.
   For both 32-client phases, the CPU each part of the stack spent per request (this client, nginx,
   gunicorn, pgbouncer, PostgreSQL, the job worker, the rest of the machine): where the difference goes.
2. A bounded mixed load (sign-ins, pulls, single and batched pushes, dashboards, report downloads, assistant
   questions) at 64, 128 and 256 concurrent clients: throughput, p50/p99 per kind, errors.

Each client is a phone or a team leader's browser with an address of its own (127.x.y.z), as through a
province's nginx. Figures drift on a shared machine: compare the ratios of one run.

    make bench-load                              # the whole run, about 4-5 minutes
    BENCH_SECONDS=10 make bench-load             # shorter phases
    BENCH_STACK=gunicorn make bench-load         # gunicorn alone (no nginx/pgbouncer), for comparison
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import aiohttp
from _cpu import (  # benchmarks/, the script's own directory
    cpu_by_part,
    cpu_line,
    machine_busy,
    refuse_if_in_use,
)

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("BENCH_PG", "postgres://binhdan@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "binhdan_bench_load")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))  # each mixed phase
RATIO_SECONDS = float(os.environ.get("BENCH_RATIO_SECONDS", "8"))  # each 32-client phase of a round
RATIO_ROUNDS = int(os.environ.get("BENCH_RATIO_ROUNDS", "3"))  # push then trivial view, this many times
LEVELS = [int(n) for n in os.environ.get("BENCH_LEVELS", "64,128,256").split(",")]
STACK = os.environ.get("BENCH_STACK", "prod")  # prod (scripts/prod.sh) or gunicorn
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "100"))  # per village
# Visits already recorded per household (the last 90 days) before the load starts: a commune in use, whose
# visits, receipts and observations hold months of rows, not a first day's (the rollups' recomputation of a
# household reads its whole history). Statistics are taken after the warm-up either way.
HISTORY = int(os.environ.get("BENCH_HISTORY", "10"))
MEMBERS = 11  # per team (a team is at most 12 people with its leader)
BATCH = 50  # visits in a batched push (a phone back online after a day)
PASSWORD = "Mat-khau-thu-2025"  # binhdan.testing.load.PASSWORD
SKILLS = ["thanh-toan-qr", "vneid-muc-2", "nhan-biet-lua-dao", "dien-thoai-co-ban"]
QUESTIONS = [
    "làm sao kích hoạt vneid mức 2",
    "quên mật khẩu vneid thì làm thế nào",
    "cách chuyển tiền bằng mã qr",
    "có người gọi tự xưng công an bảo cập nhật vneid",
    "đăng ký tài khoản dịch vụ công như thế nào",
    "cach nhan biet tin nhan lua dao",
]
# The mix: what a client does next, by weight.
MIX = {"push": 35, "pull": 25, "batch": 4, "dashboard": 10, "report": 6, "ask": 12, "signin": 8}
KINDS = ["signin", "pull", "push", "batch", "dashboard", "report", "ask"]

WORLD = """
import json
from binhdan.testing.load import load_commune
world = load_commune(villages={villages}, households={households}, people=3, members={members}, history={history})
print(json.dumps(world))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True, capture_output=True)


def _address(n: int) -> str:
    """A loopback address of its own for client n (Linux answers on all of 127/8)."""
    return f"127.0.{1 + n // 250}.{2 + n % 250}"


class Stack:
    """The production stack of scripts/prod.sh with its own directory, ports and database; or gunicorn alone."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="bench-load-"))
        self.port = _free_port()
        self.env = dict(
            os.environ, PROD_DIR=str(self.dir), PROD_PORT=str(self.port), PROD_DB=DB,
            PROD_PGBOUNCER_PORT=str(_free_port()), PROD_DEMO="0", PROD_JOB_WORKERS="1",
            PROD_REDIS_URL=REDIS, PROD_JOBS_QUEUE=f"bench_load_{os.getpid()}",
            PROD_SECRET_FILE=str(self.dir / "secret_key"),
            PROD_WEB_DATABASE=os.environ.get("BENCH_WEB_DATABASE", "direct"),
        )  # fmt: skip
        self.env.pop("DATABASE_URL", None)
        self.server: subprocess.Popen[bytes] | None = None

    def up(self) -> None:
        if STACK == "prod":
            run = subprocess.run(["bash", "scripts/prod.sh", "up"], cwd=ROOT, env=self.env, text=True,
                                 capture_output=True)  # fmt: skip
            if run.returncode == 0:
                web = self.env["PROD_WEB_DATABASE"]
                print(f"stack: scripts/prod.sh up (nginx → gunicorn → {'PostgreSQL' if web == 'direct' else 'pgbouncer'}, "
                      "1 job worker through pgbouncer)")  # fmt: skip
                return
            print(f"scripts/prod.sh up failed ({run.stderr.strip()[-300:]}); gunicorn alone instead")
            self.down()
        env = self.app_env()
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True)
        self.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "scripts/prod/gunicorn.conf.py", "config.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}"], cwd=ROOT, env=env)  # fmt: skip
        print("stack: gunicorn alone (scripts/prod/gunicorn.conf.py), PostgreSQL direct")

    def app_env(self) -> dict[str, str]:
        return dict(os.environ, DATABASE_URL=f"{PG}/{DB}", DEBUG="0", SECRET_KEY="bench-load-secret",
                    ALLOWED_HOSTS="127.0.0.1,localhost", SECURE_COOKIES="0", LOG_LEVEL="WARNING",
                    REDIS_URL=REDIS)  # fmt: skip

    def logs(self) -> str:
        text = []
        for path in self.dir.rglob("*.log"):
            text.append(path.read_text(errors="replace"))
        return "\n".join(text)

    def down(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=40)
            self.server = None
        if STACK == "prod" and (self.dir / "run").exists():
            subprocess.run(["bash", "scripts/prod.sh", "down"], cwd=ROOT, env=self.env, capture_output=True)


def _visit(household: list[Any], rng: random.Random) -> dict[str, Any]:
    pk, residents = household
    at = time.time() - rng.randint(60, 20 * 3600)
    people = residents[: rng.randint(1, 2)]
    return {
        "uuid": str(uuid.uuid4()),
        "type": "visit",
        "data": {
            "household": pk,
            "visited_at": time.strftime("%Y-%m-%dT%H:%M:%S+07:00", time.gmtime(at + 7 * 3600)),
            "minutes": 15,
            "channel": "door",
            "people": [
                {"resident": r, "skills": [{"skill": s, "outcome": "guided"} for s in rng.sample(SKILLS, 2)]}
                for r in people
            ],
        },
    }


class Client:
    """One phone (a member's token) and the browser of its village's team leader (a session)."""

    def __init__(self, n: int, base: str, world: dict[str, Any]) -> None:
        villages = world["villages"]
        self.village = villages[n % len(villages)]
        self.token = self.village["members"][(n // len(villages)) % len(self.village["members"])]
        self.base = base
        self.rng = random.Random(n)
        self.cursor = ""
        self.address = _address(n)
        self.session: aiohttp.ClientSession | None = None
        self.signed_in = False

    async def open(self) -> None:
        connector = aiohttp.TCPConnector(local_addr=(self.address, 0), limit=2)
        self.session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=aiohttp.ClientTimeout(total=60),
        )  # fmt: skip

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    def _bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def run(self, kind: str) -> bool:
        """Do one thing of this kind; True when the answer is the one expected."""
        assert self.session is not None
        s = self.session
        if kind in ("dashboard", "report") and not self.signed_in:
            kind = "signin"
        if kind == "signin":
            s.cookie_jar.clear()
            async with s.get(f"{self.base}/tai-khoan/dang-nhap/") as r:
                await r.read()
                if r.status != 200:
                    return False
            csrf = next((c.value for c in s.cookie_jar if c.key == "csrftoken"), "")
            form = {"csrfmiddlewaretoken": csrf, "username": self.village["leader"], "password": PASSWORD}
            async with s.post(f"{self.base}/tai-khoan/dang-nhap/", data=form, allow_redirects=False) as r:
                await r.read()
                self.signed_in = r.status == 302
                return self.signed_in
        if kind == "dashboard":
            async with s.get(f"{self.base}/chi-tieu/thon/{self.village['id']}/") as r:
                await r.read()
                return r.status == 200
        if kind == "report":
            async with s.get(f"{self.base}/bao-cao/{self.village['report']}/tai/docx/") as r:
                body = await r.read()
                return r.status == 200 and body[:2] == b"PK"
        if kind == "pull":
            url = f"{self.base}/api/v1/sync/pull?limit=300" + (f"&since={self.cursor}" if self.cursor else "")
            async with s.get(url, headers=self._bearer()) as r:
                page = await r.json(content_type=None) if r.status == 200 else None
            if page is None:
                return False
            self.cursor = page["cursor"]
            return True
        if kind in ("push", "batch"):
            homes = self.village["households"]
            records = [
                _visit(self.rng.choice(homes), self.rng) for _ in range(1 if kind == "push" else BATCH)
            ]
            async with s.post(
                f"{self.base}/api/v1/sync/push", json={"records": records}, headers=self._bearer()
            ) as r:
                body = await r.read()
            answer = json.loads(body) if r.status == 200 else None
            if answer is None or any(x["status"] != "created" for x in answer["results"]):
                raise ValueError(f"{r.status}: {body[:300]!r}")  # (counted as an error, the answer kept)
            return True
        if kind == "ask":
            question = {"question": self.rng.choice(QUESTIONS)}
            async with s.post(f"{self.base}/api/v1/assistant/ask", json=question) as r:
                await r.read()
                return r.status == 200
        if kind == "healthz":
            async with s.get(f"{self.base}/healthz") as r:
                await r.read()
                return r.status == 200
        raise ValueError(kind)


async def _phase(
    clients: list[Client], seconds: float, choose: Any
) -> tuple[dict[str, list[float]], dict[str, int], dict[str, str], float]:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    samples: dict[str, str] = {}
    deadline = time.perf_counter() + seconds

    async def loop(client: Client) -> None:
        while time.perf_counter() < deadline:
            kind = choose(client)
            start = time.perf_counter()
            try:
                ok = await client.run(kind)
            except (TimeoutError, aiohttp.ClientError, ValueError, KeyError) as exc:
                ok = False
                samples.setdefault(kind, repr(exc)[:200])
            latencies[kind].append(time.perf_counter() - start)
            if not ok:
                errors[kind] += 1

    start = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in clients))
    return latencies, errors, samples, time.perf_counter() - start


async def _paced(
    clients: list[Client], seconds: float, rate: float, kind: str
) -> tuple[list[float], int, float]:
    """`kind` requests offered at `rate` per second in all, spread evenly over the clients (each client sends
    every len(clients)/rate seconds, the clients staggered), as phones that push a record when it is made
    rather than in a tight loop. A latency counts from the moment the request was due, not from when it
    was sent: a late answer delays the client's next request, and that wait is part of the figure (no
    coordinated omission)."""
    latencies: list[float] = []
    errors = 0
    period = len(clients) / rate
    begin = time.perf_counter() + 0.1
    deadline = begin + seconds

    async def loop(number: int, client: Client) -> None:
        nonlocal errors
        due = begin + period * number / len(clients)
        while due < deadline:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                ok = await client.run(kind)
            except (TimeoutError, aiohttp.ClientError, ValueError, KeyError):
                ok = False
            latencies.append(time.perf_counter() - due)
            errors += not ok
            due += period

    await asyncio.gather(*(loop(n, c) for n, c in enumerate(clients)))
    return latencies, errors, time.perf_counter() - begin


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000 if ordered else float("nan")


def _mixed_choice(client: Client) -> str:
    return client.rng.choices(list(MIX), weights=list(MIX.values()))[0]


async def _bench(base: str, world: dict[str, Any]) -> list[str]:
    lines: list[str] = []

    def out(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    clients = [Client(n, base, world) for n in range(max([*LEVELS, 32]))]
    for c in clients:
        await c.open()
    try:
        # Warm up every worker: imports, the assistant's index, the skills memo.
        await _phase(clients[:16], 5, lambda c: c.rng.choice(["push", "pull", "ask", "healthz", "dashboard"]))
        # Statistics, as autovacuum keeps them on a database in use: taken once visits exist. (Taken on
        # empty tables, they made each connection's cached plans scan tables that then grew with every
        # push: the receipts' lookup and the foreign-key checks of a visit's people.)
        subprocess.run(["psql", f"{PG}/{DB}", "-qc", "ANALYZE"], check=True, capture_output=True)
        for c in clients:
            c.cursor = ""

        # 1. Single-visit pushes against a trivial view of the same stack, 32 clients each, in rounds
        # (push, then the trivial view, RATIO_ROUNDS times): a shared machine drifts, and a ratio of two
        # phases minutes apart measures the drift as much as the code. Each round's ratio and their median.
        samples: dict[str, str] = {}
        pushes: list[float] = []
        trivials: list[float] = []
        ratios: list[float] = []
        push_errors = trivial_errors = 0
        cpu: dict[str, dict[str, float]] = {"push": defaultdict(float), "healthz": defaultdict(float)}
        busy: dict[str, list[float]] = {"push": [0.0, 0.0], "healthz": [0.0, 0.0]}
        spent = {"push": 0.0, "healthz": 0.0}
        for round_number in range(1, RATIO_ROUNDS + 1):
            rates = {}
            for kind in ("push", "healthz"):
                before, machine_before = cpu_by_part(), machine_busy()
                got, errors, s2, elapsed = await _phase(clients[:32], RATIO_SECONDS, lambda c, k=kind: k)
                after, machine_after = cpu_by_part(), machine_busy()
                samples.update(s2)
                for part in after:
                    cpu[kind][part] += after[part] - before.get(part, 0.0)
                busy[kind][0] += machine_after[0] - machine_before[0]
                busy[kind][1] += machine_after[1] - machine_before[1]
                rates[kind] = len(got[kind]) / elapsed
                spent[kind] += elapsed
                (pushes if kind == "push" else trivials).extend(got[kind])
                if kind == "push":
                    push_errors += errors[kind]
                else:
                    trivial_errors += errors[kind]
            ratios.append(rates["push"] / rates["healthz"])
            out(f"  round {round_number}: push {rates['push']:,.0f} req/s, trivial view {rates['healthz']:,.0f} req/s, "
                f"push = {ratios[-1]:.0%}")  # fmt: skip
        push_rate, trivial_rate = len(pushes) / spent["push"], len(trivials) / spent["healthz"]
        out(f"32 clients, single-visit push: {push_rate:,.0f} req/s, p50 {_pct(pushes, 0.5):.0f} ms, "
            f"p99 {_pct(pushes, 0.99):.0f} ms, {push_errors} errors")  # fmt: skip
        out(f"32 clients, trivial view (/healthz): {trivial_rate:,.0f} req/s, p50 {_pct(trivials, 0.5):.0f} ms, "
            f"p99 {_pct(trivials, 0.99):.0f} ms, {trivial_errors} errors")  # fmt: skip
        median = sorted(ratios)[len(ratios) // 2]
        out(f"single-visit push = {median:.0%} of the trivial view, the median of {len(ratios)} rounds "
            f"({', '.join(f'{r:.0%}' for r in ratios)}; goal ≥ 40%, p99 ≤ 100 ms)")  # fmt: skip
        for kind, count in (("push", len(pushes)), ("healthz", len(trivials))):
            share = busy[kind][0] / busy[kind][1] if busy[kind][1] else 0.0
            out(f"  {kind + ':':<8} " + cpu_line(cpu[kind], count)
                + f"; the machine's CPUs {share:.0%} busy")  # fmt: skip
        # 1b. The same 32 phones offering pushes at an even pace of 40% of the trivial view's rate: the
        # latency a phone sees while the stack carries the goal's throughput. (In the closed loop above,
        # 32 clients that never pause queue behind each other: by Little's law their mean latency is 32
        # divided by the throughput, whatever the server does, and the trivial view's own p99 is there too.)
        # And at three quarters of what the stack served the push in the closed loop: the latency phones
        # see on a busy day that the stack carries (an offer above its capacity only measures the queue).
        for offered, what in ((0.4 * trivial_rate, "40% of the trivial view"),
                              (0.75 * push_rate, "75% of the push's own rate above")):  # fmt: skip
            paced, paced_errors, paced_elapsed = await _paced(clients[:32], RATIO_SECONDS, offered, "push")
            out(f"32 clients pacing single-visit pushes at {offered:,.0f} req/s ({what}): "
                f"{len(paced) / paced_elapsed:,.0f} req/s served, p50 {_pct(paced, 0.5):.0f} ms, p99 {_pct(paced, 0.99):.0f} ms, "
                f"{paced_errors} errors")  # fmt: skip

        # 2. The mixed load.
        for level in LEVELS:
            for c in clients:
                c.cursor, c.signed_in = "", False
            latencies, errors, s3, elapsed = await _phase(clients[:level], SECONDS, _mixed_choice)
            samples.update(s3)
            total = sum(len(v) for v in latencies.values())
            out(f"{level} clients: {total / elapsed:,.0f} req/s over {elapsed:.0f} s, "
                f"{sum(errors.values())} errors")  # fmt: skip
            for kind in KINDS:
                if latencies.get(kind):
                    values = latencies[kind]
                    out(f"  {kind:<9} {len(values) / elapsed:7,.1f}/s  p50 {_pct(values, 0.5):6.0f} ms  "
                        f"p99 {_pct(values, 0.99):6.0f} ms  errors {errors.get(kind, 0)}")  # fmt: skip
        for kind, sample in samples.items():
            out(f"  (an error of {kind}: {sample})")
    finally:
        for c in clients:
            await c.close()
    return lines


def main() -> None:
    started = time.perf_counter()
    refuse_if_in_use(f"{PG}/postgres", DB)
    _psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    _psql(f'CREATE DATABASE "{DB}"')
    stack = Stack()
    try:
        stack.up()
        villages = -(-max([*LEVELS, 32]) // MEMBERS)
        code = WORLD.format(villages=villages, households=HOUSEHOLDS, members=MEMBERS, history=HISTORY)
        env = dict(stack.app_env(), DEBUG="1")
        made = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True)  # fmt: skip
        world = json.loads(made.stdout.strip().splitlines()[-1])
        base = f"http://127.0.0.1:{stack.port}"
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", stack.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        print(f"world: {len(world['villages'])} villages × {HOUSEHOLDS} households × 3 residents, "
              f"{len(world['villages']) * MEMBERS} members with tokens, {HISTORY} visits per household "
              f"recorded before; set up in {time.perf_counter() - started:.0f} s")  # fmt: skip
        asyncio.run(_bench(base, world))
        logs = stack.logs()
        too_many = len(re.findall(r"too many clients|remaining connection slots", logs, re.I))
        print(f'"too many clients" from PostgreSQL in the stack\'s logs: {too_many}')
    finally:
        stack.down()
        _psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        shutil.rmtree(stack.dir, ignore_errors=True)
        print(f"bench-load took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
