"""The browser stack works: Playwright drives Debian's Chromium against a local page."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import expect

PAGE = """<!doctype html>
<html lang="nl">
<head><meta charset="utf-8"><title>Rooktest</title></head>
<body>
  <p id="status">Nog niet geklikt</p>
  <button type="button" onclick="document.getElementById('status').textContent = 'Geklikt'">
    Klik hier
  </button>
</body>
</html>
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - keep the test output clean
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """tmp_path served over HTTP on 127.0.0.1 (a free port), in a background thread."""
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_clicking_the_button_changes_the_text(page, site, screenshot_dir):
    page.goto(f"{site}/index.html")
    expect(page).to_have_title("Rooktest")
    status = page.locator("#status")
    expect(status).to_have_text("Nog niet geklikt")
    page.get_by_role("button", name="Klik hier").click()
    expect(status).to_have_text("Geklikt")
    shot = screenshot_dir / "smoke.png"
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.viewport_size == {"width": 1280, "height": 900}
