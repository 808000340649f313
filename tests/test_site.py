"""The website server: chat status from the schedule, 'the person left', and the page itself
(served by its own process, over real HTTP)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Iterator

import pytest
import requests

from bot.db import create_engine, create_tables
from bot.handoff.queue import HandoffQueue, WITHDRAWN
from bot.schedule import ChatSchedule
from bot.settings import load_settings
from bot.channels import session_token
from bot.channels.flood_guard import FloodGuard
from bot.site.app import (PERSON_LEFT, SOCKET_IO_CLIENT, Site, _proven_session, chat_status,
                          person_left)
from tests.e2e.servers import E2E_SOCKET_KEY, start_site
from tests.test_handoff_service import RecordingRasa

MONDAY_10 = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
SATURDAY = datetime(2026, 11, 28, 13, 0, tzinfo=timezone.utc)
SITE_PORT = 5193
KEY = E2E_SOCKET_KEY.encode()


@pytest.fixture
def site(database_url):
    engine = create_engine(database_url)
    create_tables(engine)
    moment = {"now": MONDAY_10}
    yield Site(schedule=ChatSchedule(load_settings().chat), clock=lambda: moment["now"],
               queue=HandoffQueue(engine), rasa=RecordingRasa(),
               socket_url="http://localhost:5005", quick_exit_url="https://example.org/",
               session_key=KEY, guard=FloodGuard(load_settings().limits)), moment
    engine.dispose()


def test_status_comes_from_the_schedule(site):
    site, moment = site
    open_now = chat_status(site)
    assert open_now["open"] is True and open_now["next_opening"] is None
    assert (open_now["phone"], open_now["emergency"]) == ("0800-2000", "112")
    moment["now"] = SATURDAY
    closed = chat_status(site)
    assert closed["open"] is False and closed["next_opening"] == "op maandag 30 november om 9.00 uur"


async def test_leaving_withdraws_a_waiting_handoff(site):
    site, _ = site
    ticket = site.queue.create("s1", "socketio", {}, MONDAY_10)
    assert await person_left(site, "s1") == "withdrawn"
    assert site.queue.get(ticket.id).close_reason == WITHDRAWN
    assert await person_left(site, "s1") == "nothing"
    assert await person_left(site, "nobody") == "nothing"


async def test_leaving_a_live_chat_tells_the_counsellor_only(site):
    site, _ = site
    ticket = site.queue.create("s2", "socketio", {}, MONDAY_10)
    site.queue.claim(ticket.id, "anna", MONDAY_10)
    assert await person_left(site, "s2") == "counsellor_told"
    assert site.rasa.sent == [("s2", [{"event": "bot", "text": PERSON_LEFT,
                                       "metadata": {"author": "system"}}])]
    assert site.rasa.quiet  # into the transcript only: the person has gone


def token_body(session_id: str, key: bytes = KEY) -> bytes:
    now = datetime.now(timezone.utc)  # tokens are checked against the real time
    return json.dumps({"token": session_token.token_for(key, session_id, now)}).encode()


@pytest.mark.parametrize("body, expected", [
    (token_body("w-abc"), "w-abc"), (b"", None), (b"not json", None), (b"[1]", None),
    (b'{"session_id": "w-abc"}', None),  # knowing the id is not enough
    (token_body("w-abc", key=b"another key that is long enough to be a real key!"), None),
    (b'{"token": ""}', None), (b'{"token": 5}', None), (b"\xff\xfe", None),
    (json.dumps({"token": "x" * 5000}).encode(), None),
])
def test_the_person_left_needs_the_sessions_token(body, expected):
    assert _proven_session(KEY, body) == expected


@pytest.fixture(scope="module")
def site_server(tmp_path_factory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("site")
    server = start_site(SITE_PORT, workdir / "site.log", f"sqlite:///{workdir / 'site.db'}",
                        rasa_port=5997, fake_now="2026-11-30T10:00:00+01:00")
    yield f"http://127.0.0.1:{SITE_PORT}"
    server.stop()


def test_the_page_is_served_without_cookies_and_with_a_strict_policy(site_server):
    page = requests.get(site_server + "/", timeout=10)
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self' http://localhost:5005" in policy
    assert page.headers["Cache-Control"] == "no-store"


def test_the_socket_io_client_comes_from_npm_not_a_cdn(site_server):
    assert SOCKET_IO_CLIENT.exists(), "run make setup (npm ci in web/)"
    script = requests.get(site_server + "/vendor/socket.io.min.js", timeout=10)
    assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
    assert script.content == SOCKET_IO_CLIENT.read_bytes()


def test_status_and_left_over_http(site_server):
    status = requests.get(site_server + "/api/chat-status", timeout=10).json()
    assert status["open"] is True and status["socket_url"] == "http://localhost:5005"
    bad = requests.post(site_server + "/api/left", data=b"nonsense", timeout=10)
    assert bad.status_code == 400 and "token" in bad.json()["error"]
    made_up = requests.post(site_server + "/api/left", data=b'{"session_id": "nobody"}',
                            timeout=10)
    assert made_up.status_code == 400
    session = requests.post(site_server + "/api/session", timeout=10).json()
    assert session_token.session_of(KEY, session["token"]) == session["session_id"]
    ok = requests.post(site_server + "/api/left", json={"token": session["token"]}, timeout=10)
    assert ok.json() == {"ok": True, "outcome": "nothing"}
    too_big = requests.post(site_server + "/api/left", data=b"x" * 10_000, timeout=10)
    assert too_big.status_code == 413
