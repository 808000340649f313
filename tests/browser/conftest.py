"""Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by Playwright.

Playwright never downloads a browser here (`playwright install` is not used);
scripts/system-deps.sh installs Chromium with apt.

The browser is shared by the tests of this folder only (scope "package", not "session"):
while Playwright's sync API is alive it leaves its own event loop marked as running in the
main thread, and async tests (pytest-asyncio) that ran after it would fail. It is closed,
and the marker cleared, when the last test in tests/browser has finished.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, Optional, Sequence, Tuple

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from bot.handoff.queue import HandoffQueue
from tests.e2e.conftest import STAFFED
from tests.e2e.servers import (MODEL, Server, start_action_server, start_console,
                               fetch_tracker, start_rasa_server)
from tests.e2e.test_handoff_live import add_counsellor

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in CI; the sandbox refuses that
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
SCREENSHOT_DIR = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"
_FAILED_SCREENSHOTS = pytest.StashKey[list]()
_SCREENSHOT_DIR_USED = pytest.StashKey[bool]()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: the browser tests need Debian's Chromium. "
                    "Run: bash scripts/system-deps.sh", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screenshot_dir(pytestconfig) -> Path:
    """var/screenshots/ (git ignores var/); its path is printed once at the end of the run."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    pytestconfig.stash[_SCREENSHOT_DIR_USED] = True
    return SCREENSHOT_DIR


@pytest.fixture
def page(browser: Browser, request, screenshot_dir: Path) -> Iterator[Page]:
    """A page in a fresh context (no cookies or storage from other tests), 1280x900.
    A failing test leaves a screenshot of it in var/screenshots/."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed and not page.is_closed():
            path = screenshot_dir / f"FAILED-{request.node.name}.png"
            page.screenshot(path=str(path), full_page=True)
            request.config.stash.setdefault(_FAILED_SCREENSHOTS, []).append(path)
    finally:
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Lets `page` see whether the test itself failed.
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


def pytest_terminal_summary(terminalreporter, config):
    if config.stash.get(_SCREENSHOT_DIR_USED, False):
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOT_DIR}")
    for path in config.stash.get(_FAILED_SCREENSHOTS, []):
        terminalreporter.write_line(f"screenshot of a failed browser test: {path}")


# --- a whole stack for a browser test module ---------------------------------------------------

@dataclass
class Stack:
    """The action server, Rasa and the console (and more) on one SQLite database."""
    workdir: Path
    database_url: str
    rasa_url: str
    servers: Dict[str, Server] = field(default_factory=dict)

    def queue(self) -> HandoffQueue:
        return HandoffQueue.from_url(self.database_url)

    def tracker(self, conversation_id: str) -> Dict:
        return fetch_tracker(self.rasa_url, conversation_id)

    def stop(self) -> None:
        for server in reversed(list(self.servers.values())):
            server.stop()


def start_stack(workdir: Path, ports: Tuple[int, int, int],
                counsellors: Sequence[Tuple[str, ...]], site_port: Optional[int] = None) -> Stack:
    """Counsellor accounts, then the action server, Rasa and the console on (action, Rasa,
    console) ports, clocks at a staffed time; Rasa lets in browsers from the website on
    `site_port` (the caller starts that site). The caller stops it."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first", pytrace=False)
    action_port, rasa_port, console_port = ports
    stack = Stack(workdir, f"sqlite:///{workdir / 'tracker.db'}", f"http://127.0.0.1:{rasa_port}")
    try:
        for account in counsellors:
            add_counsellor(stack.database_url, *account)
        stack.servers["actions"] = start_action_server(
            action_port, workdir / "actions.log", STAFFED, database_url=stack.database_url)
        origins = (f"http://127.0.0.1:{site_port},http://localhost:{site_port}"
                   if site_port else "http://127.0.0.1:8000")
        stack.servers["rasa"] = start_rasa_server(rasa_port, action_port, workdir,
                                                  workdir / "rasa.log", stack.database_url,
                                                  env_extra={"VT_SITE_ORIGINS": origins})
        stack.servers["console"] = start_console(console_port, workdir / "console.log",
                                                 stack.database_url, rasa_port, STAFFED)
    except BaseException:
        stack.stop()  # nothing half-started is left behind
        raise
    return stack
