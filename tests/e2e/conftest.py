"""Browser tests: the demo academy served by a real HTTP server and driven by Debian's chromium.

One server per test session, on a temporary SQLite file migrated by Alembic and filled with a small
demo academy; one browser per session; a fresh context (cookies, language) per test.

A missing browser or a missing axe-core skips the tests that need it, with the reason, unless
``E2E_REQUIRED=1`` is set: then it fails them, so that CI can never pass without running them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request, Response, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from academy import create_app, schema
from academy.auth.models import User
from academy.auth.services import set_locale
from academy.db import database, get_session
from academy.demo.services import DEMO_PASSWORD, load_demo

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOST = "127.0.0.1"
STUDENT_EMAIL = "student@demo.academy.uz"
DEMO_STUDENTS = 20
# Playwright's default is 30 s; a page of this app that needs more than this is a failure.
TIMEOUT_MS = 15_000


def unavailable(reason: str) -> NoReturn:
    """Skip for want of ``reason``, or fail when the run says the browser tests must run."""
    if os.environ.get("E2E_REQUIRED", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"E2E_REQUIRED=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of the live server's database, for tests that add what their pages need."""
    return f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'academy.db'}"


@pytest.fixture(scope="session")
def live_server(live_database: str) -> Iterator[str]:
    """The base URL of the app serving a freshly migrated demo academy on loopback."""
    url = live_database
    schema.upgrade(url)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        session = get_session()
        load_demo(session, students=DEMO_STUDENTS)
        # The signed-in user's own language wins over Accept-Language; the demo student reads
        # Uzbek, and these tests read the pages in English.
        student = session.scalars(select(User).where(User.email == STUDENT_EMAIL)).one()
        set_locale(session, student, "en")
        session.commit()

    server = make_server(HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        database(app).engine.dispose()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    """Debian's chromium (named so as not to shadow the test-client ``browser`` of tests/conftest.py)."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE_SCRIPT.is_file():
        unavailable(f"axe-core is missing: no {AXE_SCRIPT.relative_to(ROOT)} (run npm ci)")
    return AXE_SCRIPT


@dataclass
class PageWatch:
    """What went wrong while a page was open: console errors, script errors, failed requests."""

    problems: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def page_error(self, error: Exception) -> None:
        self.problems.append(f"uncaught script error: {error}")

    def request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != HOST:
            self.problems.append(f"request to another host: {request.method} {request.url}")

    def request_failed(self, request: Request) -> None:
        # A request the browser cancelled because the page moved on (a form submitted by script while
        # the favicon was still loading) is no failure of the app; anything else is.
        if request.failure == "net::ERR_ABORTED" and request.resource_type != "document":
            return
        self.problems.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")


@dataclass
class BrowserTab:
    """A page in its own browser context, with the server's address and a watch on its errors."""

    page: Page
    base_url: str
    watch: PageWatch

    def goto(self, path: str) -> Response:
        response = self.page.goto(self.base_url + path)
        assert response is not None, f"no response for {path}"
        assert response.status == 200, f"{path} answered HTTP {response.status}"
        return response

    def assert_no_problems(self) -> None:
        assert not self.watch.problems, "the page reported problems:\n" + "\n".join(self.watch.problems)


@pytest.fixture
def open_tab(chromium: Browser, live_server: str) -> Iterator[Callable[..., BrowserTab]]:
    """``open_tab(**context_options)``: a fresh English context (no cookies) and one page in it."""
    contexts = []

    def open_tab(**options: Any) -> BrowserTab:
        context = chromium.new_context(bypass_csp=True, locale="en-US", **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watch = PageWatch()
        page.on("console", watch.console)
        page.on("pageerror", watch.page_error)
        page.on("request", watch.request)
        page.on("requestfailed", watch.request_failed)
        page.on("response", watch.response)
        return BrowserTab(page=page, base_url=live_server, watch=watch)

    yield open_tab
    for context in contexts:
        context.close()


@pytest.fixture
def tab(open_tab: Callable[..., BrowserTab]) -> BrowserTab:
    """A desktop-sized tab."""
    return open_tab(viewport={"width": 1280, "height": 800})


SignIn = Callable[[BrowserTab, str], None]
OpenTab = Callable[..., BrowserTab]


@pytest.fixture
def sign_in() -> SignIn:
    """Sign in through the real login form and wait for the dashboard."""

    def sign_in(tab: BrowserTab, email: str) -> None:
        tab.goto("/login")
        form = tab.page.locator("form", has=tab.page.locator("input[name=password]"))
        form.locator("input[name=email]").fill(email)
        form.locator("input[name=password]").fill(DEMO_PASSWORD)
        form.get_by_role("button", name="Sign in").click()
        tab.page.wait_for_url(f"{tab.base_url}/dashboard")

    return sign_in
