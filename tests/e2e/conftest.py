"""End-to-end fixtures: the real app (API + built PWA) served by uvicorn on a free port against the
test stack, Debian's Chromium driven by Playwright on a 360x800 touch phone with a fixed position,
and per-test demo-like data from tests/builders.py. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.app import create_app
from api.settings import Settings
from scripts.stack import free_port
from tests.builders import PASSWORD, add_facility, add_subject, make_district

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "pwa" / "dist"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The phone stands at the first facility (a martyrs' cemetery near Guiyang).
HERE = {"latitude": 26.5801, "longitude": 106.7102, "accuracy": 12}

pytestmark = pytest.mark.e2e


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail(
            "the end-to-end tests need Chromium: run scripts/test (it sources scripts/chromium) or set CHROMIUM"
        )
    return path


class LiveServer:
    """uvicorn in a background thread, serving create_app(settings)."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=self.port, log_level="warning", lifespan="on", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="e2e-uvicorn", daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code in (200, 503):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the e2e server did not start within 60 s")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(settings: Settings, engine: AsyncEngine) -> Iterator[LiveServer]:
    if not (DIST / "index.html").is_file() or not (DIST / "sw.js").is_file():
        pytest.fail(f"the PWA is not built at {DIST}: run scripts/setup (npm ci && npm run build in pwa/)")
    server = LiveServer(settings)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[object]:
    # The async API shares pytest-asyncio's session loop with the database fixtures.
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        await b.close()


async def phone_context(browser, **extra):
    """A mid-range phone: 360x800, touch, Chinese locale and time zone, location allowed and fixed."""
    options = dict(
        viewport={"width": 360, "height": 800},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        geolocation=HERE,
        permissions=["geolocation"],
    )
    options.update(extra)
    return await browser.new_context(**options)


@pytest.fixture
async def phone(browser) -> AsyncIterator[object]:
    context = await phone_context(browser)
    yield context
    await context.close()


def _wait_for_function_without_eval() -> None:
    """Playwright runs a bare-expression predicate through eval() in the page, which the app's CSP
    (rightly) refuses; as an arrow function it is compiled by the debugger protocol instead."""
    from playwright.async_api import Page

    plain = Page.wait_for_function
    if getattr(plain, "wraps_expressions", False):
        return

    async def wait_for_function(self, expression: str, *args, **kwargs):
        text = expression.strip()
        if not re.match(r"(async\b|function\b|\(?[\w\s,]*\)?\s*=>)", text):
            expression = f"() => ({text})"
        return await plain(self, expression, *args, **kwargs)

    wait_for_function.wraps_expressions = True  # type: ignore[attr-defined]
    Page.wait_for_function = wait_for_function  # type: ignore[method-assign]


_wait_for_function_without_eval()


def watch(page, errors: list[str]) -> None:
    """Script errors and Content-Security-Policy violations (Chromium reports those on the console)
    fail the test: the app must work under its own CSP."""
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on the test item, so fixtures can tell a failed test from a passed one."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
async def page(phone, request) -> AsyncIterator[object]:
    page = await phone.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    watch(page, errors)
    yield page
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:  # what the phone showed when the test gave up
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / f"FAILED-{request.node.name}.png"))
    assert not errors, f"errors in the page: {errors}"


@dataclass
class Area:
    """A small district with the users of tests/builders.py, two facilities and two people."""

    facility_id: str
    far_facility_id: str
    subject_id: str
    other_subject_id: str
    users: dict[str, str]


@pytest.fixture
async def area(db: AsyncSession) -> Area:
    d = await make_district(db)
    near = await add_facility(db, d.community1, name="红军烈士陵园", lat=26.5800, lon=106.7100)
    far = await add_facility(db, d.community1, name="革命烈士纪念碑", lat=26.6200, lon=106.7600)
    subject = await add_subject(db, d.community1, name="张桂兰", lat=26.5810, lon=106.7110)
    other = await add_subject(db, d.community1, name="王德福", lat=26.5900, lon=106.7200, category="disabled_veteran")
    return Area(str(near), str(far), str(subject), str(other), {k: str(u.id) for k, u in d.users.items()})


class Api:
    """The API as another client (a supervisor, a checker) sees it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.tokens: dict[str, str] = {}

    def _headers(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            r = httpx.post(f"{self.base}/api/v1/auth/login", json={"username": user, "password": PASSWORD}, timeout=30)
            assert r.status_code == 200, r.text
            self.tokens[user] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def get(self, user: str, path: str, **params) -> dict:
        r = httpx.get(f"{self.base}/api/v1{path}", params=params, headers=self._headers(user), timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    def post(self, user: str, path: str, body: dict) -> dict:
        r = httpx.post(f"{self.base}/api/v1{path}", json=body, headers=self._headers(user), timeout=30)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def server_api(live_server: LiveServer) -> Api:
    return Api(live_server.url)


async def shot(page, name: str, *, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


async def log_in(page, base: str, username: str = "worker1") -> None:
    if not page.url.startswith(base):
        await page.goto(base + "/")
    await page.get_by_test_id("login-username").fill(username)
    await page.get_by_test_id("login-password").fill(PASSWORD)
    await page.get_by_test_id("login-submit").click()
    await page.get_by_test_id("new-patrol").wait_for()


async def wait_for_service_worker(page) -> None:
    """The shell is precached and the page is controlled: it will open offline."""
    await page.wait_for_function(
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=30_000
    )


async def wait_for_scope_cached(page) -> None:
    await page.wait_for_function("document.body.innerText.includes('已存在本机')", timeout=30_000)


async def pending(page) -> int:
    return int(await page.get_by_test_id("sync-status").get_attribute("data-pending"))


async def wait_pending(page, n: int, timeout: float = 45_000) -> None:
    await page.wait_for_function(
        f"document.querySelector('[data-testid=sync-status]')?.dataset.pending === '{n}'", timeout=timeout
    )


def new_id() -> str:
    return str(uuid.uuid4())


AXE = ROOT / "pwa" / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """async () => {
  const r = await axe.run(document, { resultTypes: ["violations"] });
  return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) =>
    `${v.id} (${v.impact}): ${v.help} -- ${v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")} ${n.html.slice(0, 160)} ${n.failureSummary ?? ""}`).join(" | ")}`);
}"""


async def assert_accessible(page, where: str) -> None:
    """axe-core (npm, pwa/node_modules) finds no serious or critical violation on the screen as it is.
    Its script is evaluated in the page, not added as a tag, so the app's CSP does not stand in the way."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}: run scripts/setup (npm ci in pwa/ installs it)")
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = await page.evaluate(AXE_RUN)
    assert not violations, f"accessibility on {where}: {violations}"
