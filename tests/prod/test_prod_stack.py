"""The production stack end to end through nginx: `scripts/prod.sh up` with its own directory, database,
ports and Redis database, then what a commune uses — an officer's sign-in through the real form with
two-factor, a member's token pull and push, a dashboard, a report PDF made by the job worker on Redis,
static files with their cache headers, the health check — and `down`, after which no process is left.

Runs only on PostgreSQL (DATABASE_URL postgres…) with nginx, pgbouncer, Redis and LibreOffice on the
machine (`make prod-deps report-deps`); skips otherwise.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_SH = ROOT / "scripts" / "prod.sh"
PYTHON = ROOT / ".venv" / "bin" / "python"
PASSWORD = "Mật-khẩu-thử-2025"  # binhdan.testing.personas.PASSWORD
OFFICER, MEMBER = "canbo.thu", "tovien.thu"

pytestmark = pytest.mark.xdist_group("prod_stack")

# Run inside the stack (its web tier's environment), in place of the demo, which takes longer to load:
# a village of Xã Sơn Đông (from load_places) with a member, its commune officer with a two-factor device
# set up, a household, a draft report, and the member's API token — what a commune would have made itself.
SEED = """
import datetime as dt, json
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from binhdan.accounts.models import RoleKind
from binhdan.accounts.tokens import create_api_token
from binhdan.fieldwork.services import add_team_member, create_team
from binhdan.places.models import Place
from binhdan.places.services import add_village
from binhdan.reports import services as reports
from binhdan.reports.models import ReportKind
from binhdan.reports.periods import quarter_of
from binhdan.testing.personas import grant, make_household, make_user
commune = Place.objects.get(code="08866")
village = add_village(commune=commune, name="Thôn Thử Nghiệm")
member = make_user("__MEMBER__", "Nguyễn Văn Thử")
add_team_member(team=create_team(village=village), user=member, joined_on=dt.date(2025, 1, 1))
officer = make_user("__OFFICER__", "Phạm Thị Thử", is_staff=True)
grant(officer, RoleKind.COMMUNE_OFFICER, commune)
device = TOTPDevice.objects.create(user=officer, name="điện thoại thử", confirmed=True)
make_household(village, "Nguyễn Thị Hoà", by=officer, address="Xóm 1", registered_on=dt.date(2025, 1, 1))
report = reports.create_report(
    by=officer, kind=ReportKind.COMMUNE_SUMMARY, commune=commune, period=quarter_of(timezone.localdate())
)
print(json.dumps({
    "key": device.key, "step": device.step, "t0": device.t0, "digits": device.digits, "drift": device.drift,
    "token": create_api_token(user=member, name="thử prod"), "commune": commune.pk, "report": report.pk,
}))
""".replace("__OFFICER__", OFFICER).replace("__MEMBER__", MEMBER)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _missing() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return "the production stack runs on PostgreSQL (DATABASE_URL postgres://…)"
    for tool in ("/usr/sbin/nginx", "/usr/sbin/pgbouncer"):
        if not os.access(tool, os.X_OK):
            return f"{tool} missing (make prod-deps)"
    if not shutil.which("soffice"):
        return "LibreOffice missing (make report-deps)"
    if not shutil.which("psql"):
        return "psql missing"
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            if not s.recv(16).startswith(b"+PONG"):
                return "Redis on 127.0.0.1:6379 does not answer PING"
    except OSError:
        return "no Redis on 127.0.0.1:6379"
    return None


@dataclass
class Stack:
    url: str
    directory: Path
    env: dict[str, str]
    app_env: dict[str, str] = field(default_factory=dict)
    seed: dict[str, Any] = field(default_factory=dict)

    def prod(self, command: str, timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(PROD_SH), command], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def shell(self, code: str) -> str:
        """Run Python in the stack's web environment (PostgreSQL directly, as gunicorn); the last line it prints."""
        done = subprocess.run(
            [str(PYTHON), "manage.py", "shell", "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
            env={**self.env, **self.app_env, "SECRET_KEY": (self.directory / "secret_key").read_text().strip()},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def pids(self) -> set[int]:
        """Every live process started from this stack: the recorded pids and whatever names its directory."""
        found: set[int] = set()
        for pid_file in (self.directory / "run").glob("*.pid"):
            try:
                found.add(int(pid_file.read_text().strip()))
            except (OSError, ValueError):
                continue
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                try:
                    cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    environ = (proc / "environ").read_bytes()
                except OSError:
                    continue
                if str(self.directory) in cmdline or f"PROD_DIR={self.directory}".encode() in environ:
                    found.add(int(proc.name))
        return {pid for pid in found if Path(f"/proc/{pid}").exists() and pid != os.getpid()}


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    server = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    directory = Path(tempfile.mkdtemp(prefix="binhdan-prod-test-"))
    directory.chmod(0o755)  # nginx's workers (www-data) reach the socket and their temp files under it
    port = _free_port()
    database = f"binhdan_prodtest_{os.getpid()}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "PROD_DIR": str(directory),
        "PROD_PORT": str(port),
        "PROD_PGBOUNCER_PORT": str(_free_port()),
        "PROD_DB": database,
        "PROD_PG_HOST": server.hostname or "127.0.0.1",
        "PROD_PG_PORT": str(server.port or 5432),
        "PROD_PG_USER": server.username or "binhdan",
        # Its own Redis database and queue: the cache and the jobs of other stacks are never touched.
        "PROD_REDIS_URL": "redis://127.0.0.1:6379/13",
        "PROD_JOBS_QUEUE": f"prodtest_{os.getpid()}",
        "PROD_SECRET_FILE": str(directory / "secret_key"),
        "PROD_DEMO": "0",
        "PROD_GUNICORN_WORKERS": "1",
        "PROD_GUNICORN_THREADS": "4",
        "PROD_JOB_WORKERS": "1",
    }
    admin = server._replace(path="/postgres").geturl()
    running = Stack(url=f"http://127.0.0.1:{port}", directory=directory, env=env)
    try:
        started = running.prod("up", timeout=240)
        assert started.returncode == 0, started.stdout + started.stderr + _logs(directory)
        assert f"http://127.0.0.1:{port}/" in started.stdout  # it says where it is
        for line in (directory / "binhdan.env").read_text().splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                running.app_env[key] = value
        running.seed = json.loads(running.shell(SEED))
        yield running
    finally:
        stopped = running.prod("down", timeout=120)
        left = running.pids()
        for pid in left:  # fail below, but leave nothing running on the machine
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        subprocess.run(
            ["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'], check=False
        )
        shutil.rmtree(directory, ignore_errors=True)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert not left, f"processes left after down: {sorted(left)}"


def _logs(directory: Path) -> str:
    text = []
    for log in sorted((directory / "log").glob("*.log")):
        text.append(f"\n== {log.name} ==\n" + log.read_text(errors="replace")[-3000:])
    return "".join(text)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """A cookie-keeping client that does not follow redirects, so each answer can be checked."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as answer:
                return answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers, answer.read()

    def form_post(
        self, path: str, data: dict[str, str], headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """GET the page, then POST its form with the page's CSRF token, as the browser does."""
        status, _, page = self.request("GET", path, headers=headers)
        assert status == 200, (path, status)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match, f"no CSRF token on {path}"
        token = {"csrfmiddlewaretoken": match.group(1).decode()}
        return self.request("POST", path, data={**token, **data}, headers=headers)


def _totp(seed: dict[str, Any]) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(bytes.fromhex(seed["key"]), seed["step"], seed["t0"], seed["digits"], seed["drift"])
    return f"{totp.token():0{seed['digits']}d}"


def test_an_officer_and_a_member_use_the_stack_through_nginx(stack: Stack) -> None:
    # The health check answers through nginx, gunicorn and PostgreSQL.
    officer = Browser(stack.url)
    status, headers, body = officer.request("GET", "/healthz")
    assert (status, body) == (200, b"ok") and headers["Server"] == "nginx"

    # Sign-in through the real form, then the two-factor code from the officer's authenticator.
    status, headers, _ = officer.form_post(
        "/tai-khoan/dang-nhap/", {"username": OFFICER, "password": PASSWORD}
    )
    assert status == 302, status
    status, headers, _ = officer.request("GET", "/")
    assert status == 302 and headers["Location"].startswith("/tai-khoan/xac-thuc/")
    status, headers, _ = officer.form_post(headers["Location"], {"token": _totp(stack.seed)})
    assert status == 302, status
    status, _, home = officer.request("GET", "/")
    assert status == 200 and "Đăng xuất" in home.decode()
    assert "đã tạm tắt xác thực hai lớp" not in home.decode()  # two-factor is on in production
    session = next(c for c in officer.cookies if c.name == "sessionid")
    assert session.has_nonstandard_attr("HttpOnly") and not session.secure  # no HTTPS on this machine

    # The commune's dashboard, compressed by nginx on the way out.
    status, headers, page = officer.request(
        "GET", f"/chi-tieu/xa/{stack.seed['commune']}/", headers={"Accept-Encoding": "gzip"}
    )
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    dashboard = gzip.decompress(page).decode()
    assert "Sơn Đông" in dashboard

    # A report's PDF as a background job: the page starts it, the RQ worker makes it, the page polls it.
    report = stack.seed["report"]
    status, _, page = officer.request("GET", f"/bao-cao/{report}/tai/pdf/")
    assert status == 200
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    status, headers, _ = officer.request(
        "POST", f"/bao-cao/{report}/tai/pdf/", data={"csrfmiddlewaretoken": token.group(1).decode()}
    )
    assert status == 302 and headers["Location"].startswith("/viec-nen/"), (status, headers["Location"])
    job_url = headers["Location"]
    deadline, job = time.monotonic() + 90, {}
    while time.monotonic() < deadline:
        status, _, answer = officer.request("GET", job_url, headers={"Accept": "application/json"})
        assert status == 200
        job = json.loads(answer)
        if job["status"] in {"done", "failed"}:
            break
        time.sleep(0.5)
    assert job["status"] == "done", job
    status, headers, pdf = officer.request("GET", job["result"]["url"])
    assert status == 200 and pdf.startswith(b"%PDF") and headers["Cache-Control"] == "private, no-store"
    # It went through Redis to the job worker, not the web process: RQ's record of the message says finished.
    task_id = stack.shell(
        f"from binhdan.common.models import Job; print(Job.objects.get(pk='{job['id']}').task_id)"
    )
    import redis

    queue = redis.Redis.from_url(stack.env["PROD_REDIS_URL"])
    assert queue.hget(f"rq:job:{task_id}", "status") == b"finished", task_id

    # Static files: hashed names are kept a year, served by nginx itself (gzip from the .gz beside them).
    stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', home.decode())
    assert stylesheet, "no hashed stylesheet on the home page"
    status, headers, css = officer.request("GET", stylesheet.group(1), headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(css)
    # The field app's service worker and manifest are the app's answers, never kept long.
    for path in ("/hien-truong/sw.js", "/hien-truong/manifest.webmanifest"):
        status, headers, _ = officer.request("GET", path)
        assert status == 200, path
        assert "immutable" not in (headers["Cache-Control"] or "") and "31536000" not in (
            headers["Cache-Control"] or ""
        )

    # A member's phone: token pull, then a visit pushed (and pushed again: stored once).
    phone = Browser(stack.url)
    auth = {"Authorization": f"Bearer {stack.seed['token']}"}
    status, _, answer = phone.request("GET", "/api/v1/sync/pull?limit=100", headers=auth)
    assert status == 200
    pulled = json.loads(answer)
    assert pulled["households"] and pulled["residents"]
    resident = pulled["residents"][0]
    day = time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400))  # yesterday: never in the future
    visit = {"records": [{"uuid": str(uuid.uuid4()), "type": "visit", "data": {
        "household": resident["household"], "visited_at": f"{day}T09:30:00+07:00", "minutes": 15,
        "channel": "door", "people": [{"resident": resident["id"],
                                       "skills": [{"skill": "thanh-toan-qr", "outcome": "guided"}]}]}}]}  # fmt: skip
    push_headers = {**auth, "Content-Type": "application/json"}
    for expected in ("created", "unchanged"):
        request = urllib.request.Request(
            stack.url + "/api/v1/sync/push",
            data=json.dumps(visit).encode(),
            headers=push_headers,
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            results = json.loads(answer.read())["results"]
        assert [r["status"] for r in results] == [expected], results

    # A body past nginx's limit is refused before gunicorn, still as JSON on the API.
    request = urllib.request.Request(
        stack.url + "/api/v1/sync/push", data=b"x" * (22 * 1024 * 1024), headers=push_headers, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413 and json.loads(refused.value.read())["detail"]

    # The client's address is the one nginx saw (the lockout counts it), whatever X-Forwarded-For the client sends.
    stranger = Browser(stack.url)
    status, _, page = stranger.form_post(
        "/tai-khoan/dang-nhap/", {"username": "khach.la", "password": "sai-mat-khau-1"},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )  # fmt: skip
    assert status == 200 and "Tên đăng nhập hoặc mật khẩu không đúng" in page.decode()
    seen = stack.shell(
        "import json; from axes.models import AccessAttempt; print(json.dumps(sorted("
        "AccessAttempt.objects.filter(username='khach.la').values_list('ip_address', flat=True))))"
    )
    assert json.loads(seen) == ["127.0.0.1"]

    # status knows every process is up.
    status_run = stack.prod("status", timeout=30)
    assert status_run.returncode == 0 and "healthy" in status_run.stdout, status_run.stdout
