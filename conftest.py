"""Shared fixtures: the personas (binhdan.testing.personas) and the browser harness."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from binhdan.testing.personas import World, build_world, signed_in_client

ROOT = Path(__file__).resolve().parent
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def client_for() -> Callable[[Any], Client]:
    """client_for(user) -> a Client signed in as that user (two-factor done where required)."""
    return lambda user: signed_in_client(user)


# --- browser harness -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _browser() -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body
    # are still synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(_browser: Any) -> Iterator[Callable[..., Any]]:
    """browser_page(width=360, height=780) -> a fresh Page in its own context (vi-VN, Asia/Ho_Chi_Minh)."""
    contexts: list[Any] = []

    def make(width: int = 360, height: int = 780, **options: Any) -> Any:
        context = _browser.new_context(
            viewport={"width": width, "height": height},
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            **options,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """Run axe-core (served from node_modules, never a CDN) on the page; return violations of those impacts."""
    # Evaluated through the DevTools protocol, not a <script> tag: the pages' CSP refuses inline scripts.
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations'],"
        " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [v for v in result["violations"] if v.get("impact") in impacts]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    details = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
    ]
    assert not violations, "axe-core: " + "; ".join(details)


@pytest.fixture(name="assert_accessible")
def _assert_accessible_fixture() -> Callable[[Any], None]:
    return assert_accessible


def sign_in_browser(page: Any, live_server: Any, user: Any) -> None:
    """Put a signed-in (and two-factor verified) session cookie into the page's context."""
    client = signed_in_client(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


@pytest.fixture(name="sign_in_browser")
def _sign_in_browser_fixture() -> Callable[..., None]:
    return sign_in_browser
