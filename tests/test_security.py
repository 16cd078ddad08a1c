"""Security headers: a Content-Security-Policy without inline scripts on every page, HTTPS-only
production settings, and `manage.py check --deploy` clean with production settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import deque
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from binhdan.common.csp import CONTENT_SECURITY_POLICY
from binhdan.testing.personas import signed_in_client

ROOT = Path(__file__).resolve().parent.parent
EXECUTABLE_SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
START_PAGES = [
    "/", "/tro-ly/", "/tro-ly/hoc/", "/tro-ly/huong-dan/", "/hien-truong/", "/tai-khoan/dang-nhap/",
    "/tai-khoan/ma-truy-cap/", "/tai-khoan/ma-thiet-lap/", "/quan-tri/", "/khong-co-trang-nay/",
]  # fmt: skip
SKIP = re.compile(r"dang-xuat|/static/|\.(xlsx|csv|png|svg|js|webmanifest)$|xuat|tai-ve|download")
PAGES_PER_PERSONA = 120
PAGES_PER_SHAPE = 2  # /ho/1/, /ho/2/ … are one template: two of each are enough


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline scripts, on…= handlers, style=."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style=…>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.problems.append("<style> block")
        if tag == "script" and not named.get("src"):
            self._in_inline_script = (named.get("type") or "").lower() in EXECUTABLE_SCRIPT_TYPES

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.problems


def crawl(client: Client) -> dict[str, list[str]]:
    """Follow same-site links breadth-first; {url: problems} for every HTML page reached."""
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    found: dict[str, list[str]] = {}
    queue = deque(START_PAGES)
    while queue and len(found) < PAGES_PER_PERSONA:
        url = queue.popleft()
        shape = re.sub(r"\d+", "N", url.split("?")[0])
        if url in seen or SKIP.search(url) or shapes.get(shape, 0) >= PAGES_PER_SHAPE:
            continue
        seen.add(url)
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(url)
        assert response.status_code < 500, url
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        problems = []
        if response.get("Content-Security-Policy") != CONTENT_SECURITY_POLICY:
            problems.append("no Content-Security-Policy header")
        html = response.content.decode()
        problems += inline_code(html)
        found[url] = problems
        for href in re.findall(r'href="(/[^"#]*)"', html):
            if href not in seen:
                queue.append(href.replace("&amp;", "&"))
    return found


def test_the_policy_allows_no_inline_script_or_style():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize(
    "persona", [None, "member_a", "leader_a", "officer", "leader", "province_officer", "admin"]
)
def test_every_reachable_page_has_the_policy_and_no_inline_code(world, persona):
    client = Client() if persona is None else signed_in_client(getattr(world, persona))
    found = crawl(client)
    assert len(found) >= 5
    bad = {url: problems for url, problems in found.items() if problems}
    assert not bad, bad


def test_no_template_has_inline_code():
    """Templates the crawl may not reach (a running import, a finished job) are checked as files."""
    template_tag = re.compile(r"{[{%#].*?[}%#]}", re.DOTALL)
    bad = {}
    for path in (ROOT / "binhdan").rglob("templates/**/*.html"):
        problems = inline_code(template_tag.sub("", path.read_text(encoding="utf-8")))
        if problems:
            bad[str(path.relative_to(ROOT))] = problems
    assert not bad, bad


def test_api_answers_carry_the_policy_too(world):
    response = Client().get("/api/v1/sync/pull")
    assert response.status_code == 401 and response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


# --- production settings ------------------------------------------------------------------------------

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "kiem-tra-trien-khai-" + "k7Qz!p2#Lm9@" * 6,
    "ALLOWED_HOSTS": "binhdan.sondong.gov.vn",
    "CSRF_TRUSTED_ORIGINS": "https://binhdan.sondong.gov.vn",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}
# Variables a developer's shell or .env may set that would make this not "production settings".
DROP = {
    "DEBUG",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "TWO_FACTOR_RELAXED",
    "DATABASE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests' fixture in the same process
}


def _run(args: list[str], extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    dotenv = ROOT / ".env"
    if dotenv.is_file() and any(
        line.split("=", 1)[0].strip() in DROP for line in dotenv.read_text(encoding="utf-8").splitlines()
    ):
        pytest.skip(".env sets one of the production variables; this test needs the defaults")
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    env.update(extra)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PRINT_SECURITY = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE)"
)


def test_production_redirects_to_https_and_sends_hsts():
    result = _run(["-c", PRINT_SECURITY], PRODUCTION_ENV)
    assert result.stdout.split() == ["True", "31536000", "True", "True"], result.stderr


def test_the_plain_http_demo_turns_them_off():
    result = _run(["-c", PRINT_SECURITY], {**PRODUCTION_ENV, "SECURE_COOKIES": "0"})  # as `make run` does
    assert result.stdout.split() == ["False", "0", "True", "False"], result.stderr
