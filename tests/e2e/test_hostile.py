"""The holes an outside probe found (issue 9), each tried again against the real servers.

One stack on SQLite with the flood limits of settings.yml (not the relaxed ones the other tests
use). Rasa, the console and the website trust one proxy (SANIC_PROXIES_COUNT=1), as behind the
production load balancer, so each test can come from its own address (X-Forwarded-For).
Faults of the database have their own module (test_storage_faults.py); `make run` itself is
tested in test_make_run.py.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests
import socketio

from bot.channels import session_token
from bot.channels.intake import ACUTE_WHILE_PAUSED, MAX_MESSAGE_CHARS, RESTARTED, SLOW_DOWN, TOO_LONG
from bot.handoff.queue import CLAIMED, HandoffQueue
from tests.conftest import sqlite_url
from tests.e2e.conftest import STAFFED
from tests.e2e.console_client import CSRF_META, ConsoleClient
from tests.e2e.servers import (E2E_ACTION_TOKEN, E2E_SOCKET_KEY, E2E_TOKEN, MODEL, Server,
                               settings_file, start_action_server, start_console,
                               start_rasa_server, start_site)
from tests.e2e.socket_chat import SocketChat
from tests.e2e.test_handoff_live import PASSWORD, add_counsellor

pytestmark = pytest.mark.e2e

RASA_PORT, ACTION_PORT, CONSOLE_PORT, SITE_PORT = 5113, 5163, 5183, 5203
RASA = f"http://127.0.0.1:{RASA_PORT}"
CONSOLE = f"http://127.0.0.1:{CONSOLE_PORT}"
SITE = f"http://127.0.0.1:{SITE_PORT}"
MARKER = "Zwartkopmees"  # a word no server log may ever contain
BEHIND_A_PROXY = {"SANIC_PROXIES_COUNT": "1"}
_addresses = (f"10.9.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def new_address() -> str:
    """A client address no other test used (each test is its own source)."""
    return next(_addresses)


@dataclass
class Stack:
    workdir: Path
    database_url: str
    servers: Dict[str, Server] = field(default_factory=dict)

    def queue(self) -> HandoffQueue:
        return HandoffQueue.from_url(self.database_url)

    def logs(self) -> str:
        return "".join(server.log.read_text(errors="replace") for server in self.servers.values())

    def start_console(self) -> None:
        self.servers["console"] = start_console(
            CONSOLE_PORT, self.workdir / "console.log", self.database_url, RASA_PORT, STAFFED,
            settings=self.settings, env_extra=BEHIND_A_PROXY)

    @property
    def settings(self) -> Path:
        return self.workdir / "settings-strict.yml"

    def stop(self) -> None:
        for server in reversed(list(self.servers.values())):
            server.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    workdir = tmp_path_factory.mktemp("hostile")
    stack = Stack(workdir, sqlite_url(workdir / "tracker.db"))
    settings_file(workdir, stack.settings.name, lambda s: None, strict_limits=True)
    strict = {**BEHIND_A_PROXY, "VT_SETTINGS": str(stack.settings),
              "VT_SITE_ORIGINS": SITE}
    try:
        add_counsellor(stack.database_url, "anna", "Anna")
        stack.servers["actions"] = start_action_server(
            ACTION_PORT, workdir / "actions.log", STAFFED, database_url=stack.database_url,
            env_extra=strict)
        stack.servers["rasa"] = start_rasa_server(RASA_PORT, ACTION_PORT, workdir,
                                                  workdir / "rasa.log", stack.database_url,
                                                  env_extra=strict)
        stack.start_console()
        stack.servers["site"] = start_site(SITE_PORT, workdir / "site.log", stack.database_url,
                                           RASA_PORT, STAFFED, socket_url=RASA, env_extra=strict)
        yield stack
    finally:
        stack.stop()


def say(sender: str, message: Any, address: str, raw: bytes = None) -> requests.Response:
    body = raw if raw is not None else json.dumps({"sender": sender, "message": message},
                                                  ensure_ascii=False).encode("utf-8")
    return requests.post(f"{RASA}/webhooks/rest/webhook", data=body, timeout=60,
                         headers={"X-Forwarded-For": address, "Content-Type": "application/json"})


def texts(response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    return "\n".join(m.get("text") or "" for m in response.json())


def handoff(sender: str, address: str) -> str:
    """Ask for a person and say yes: the two messages of the flood. Both answers."""
    return texts(say(sender, "/ask_for_human", address)) + "\n" + texts(say(sender, "/affirm", address))


# 1. Only the Rasa server may call the action server ----------------------------------------

def test_the_action_server_refuses_a_forged_handoff(stack: Stack):
    forged = {"next_action": "action_handoff", "sender_id": "forged-1", "version": "3.6.21",
              "tracker": {"sender_id": "forged-1", "slots": {}, "events": [], "paused": False,
                          "latest_message": {"text": MARKER}, "active_loop": {}},
              "domain": {}}
    for headers in ({}, {"Authorization": "Bearer guessed"}, {"Authorization": E2E_ACTION_TOKEN}):
        refused = requests.post(f"http://127.0.0.1:{ACTION_PORT}/webhook", json=forged,
                                headers=headers, timeout=10)
        assert refused.status_code == 401
    assert requests.get(f"http://127.0.0.1:{ACTION_PORT}/actions", timeout=10).status_code == 401
    assert stack.queue().active_for("forged-1") is None
    # ... while Rasa itself, with the secret, runs actions: a real handoff works.
    assert "wachtrij" in handoff("real-handoff-1", new_address())


# 2. The queue cannot be flooded --------------------------------------------------------------

def test_a_flood_from_one_address_fills_no_queue_and_a_real_person_still_gets_through(stack):
    flooder = new_address()
    answers = [handoff(f"flood-{n}", flooder) for n in range(40)]
    waiting_from_flooder = [t for t in stack.queue().waiting()
                            if t.conversation_id.startswith("flood-")]
    assert len(waiting_from_flooder) == 3  # limits.waiting_handoffs_per_source
    refused = [a for a in answers if "wachtrij" not in a]
    # Refused handoffs and messages over a limit are answered, with the numbers, never ignored.
    assert refused and all("0800-2000" in a and "112" in a for a in refused)
    assert any(SLOW_DOWN in a for a in refused)  # 30 new conversations per 10 minutes
    person = handoff("real-person-after-flood", new_address())
    place = re.search(r"nummer (\d+) in de wachtrij", person)
    assert place and int(place.group(1)) <= 5  # the flood holds three places, not 951


def test_one_conversation_never_holds_two_tickets_and_cannot_spam(stack: Stack):
    address = new_address()
    handoff("single-conv", address)
    for _ in range(3):
        say("single-conv", "/affirm", address)
    open_tickets = [t for t in stack.queue().waiting() if t.conversation_id == "single-conv"]
    assert len(open_tickets) == 1
    replies = [texts(say("single-conv", "hallo?", address)) for _ in range(16)]
    assert SLOW_DOWN in replies[-1]  # 15 messages a minute in one conversation


async def test_socket_io_needs_the_websites_token_and_stays_in_its_own_conversation(stack):
    # No token, a made-up one, one for another key: no connection at all.
    for auth in (None, {"token": "made.up.token"},
                 {"token": session_token.token_for(b"x" * 48, "w-someone", _now())}):
        client = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(RASA, transports=["websocket"], auth=auth)
    # The victim's conversation, known to the attacker by its id only.
    victim = SocketChat(RASA, session_id="w-victim-conversation")
    await victim.connect()
    await victim.say_and_wait("hoi", lambda t: "fijn dat je er bent" in t)
    attacker = SocketChat(RASA, session_id="w-attacker-own")
    await attacker.connect()
    refused: List[Any] = []
    attacker._client.on("session_refused", lambda data: refused.append(data))
    attacker._client.on("message_refused", lambda data: refused.append(data))
    await attacker._client.emit("session_request", {"session_id": victim.session_id})
    await attacker._client.emit("user_uttered", {"message": f"{MARKER} ik ben het slachtoffer",
                                                 "session_id": victim.session_id})
    await asyncio.sleep(2)
    assert len(refused) == 2
    assert victim.texts()[-1:] and not any(MARKER in t for t in victim.texts())
    tracker = requests.get(f"{RASA}/conversations/{victim.session_id}/tracker",
                           params={"token": E2E_TOKEN}, timeout=10).json()
    assert not any(MARKER in (e.get("text") or "") for e in tracker["events"])
    # ... and the person left (quick exit) needs the token too.
    assert requests.post(f"{SITE}/api/left", json={"session_id": victim.session_id},
                         timeout=10).status_code == 400
    await victim.disconnect()
    await attacker.disconnect()


async def test_one_socket_io_connection_is_limited(stack: Stack):
    person = SocketChat(RASA, session_id="w-fast-typist")
    await person.connect()
    for number in range(16):
        await person.say(f"bericht {number}")
    await person.wait_for(lambda t: t == SLOW_DOWN, timeout=60)
    await person.disconnect()


def test_the_website_makes_few_conversations_per_address(stack: Stack):
    address = new_address()
    codes = [requests.post(f"{SITE}/api/session", headers={"X-Forwarded-For": address},
                           timeout=10).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429
    assert requests.post(f"{SITE}/api/session", headers={"X-Forwarded-For": new_address()},
                         timeout=10).status_code == 200


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


# 3. One message cannot freeze the server ----------------------------------------------------

def test_a_huge_message_gets_a_kind_answer_and_nothing_is_stored(stack: Stack):
    address = new_address()
    reply = texts(say("huge-1", "\U0001F600" * 20_000, address))  # the probe's 80 kB
    assert reply == TOO_LONG and "112" in reply and "0800-2000" in reply
    assert texts(say("huge-1", "\U0001F622" * MAX_MESSAGE_CHARS, address))  # at the cap: answered
    too_big = say("huge-2", None, address, raw=b'{"sender": "huge-2", "message": "' +
                  b"a" * 200_000 + b'"}')
    assert too_big.status_code == 413  # Sanic's 100 MB default is now 128 kB
    tracker = requests.get(f"{RASA}/conversations/huge-1/tracker", params={"token": E2E_TOKEN},
                           timeout=10).json()
    assert [e["text"][:1] for e in tracker["events"] if e["event"] == "user"] == ["\U0001F622"]


# 4. Logins -----------------------------------------------------------------------------------

def _login_from(client: ConsoleClient, address: str, username: str, password: str):
    """Log in as a browser at `address` would (the console trusts one proxy here)."""
    form = client.get("/login", headers={"X-Forwarded-For": address})
    token = client.cookies["vt_login_csrf"]
    assert token in form.text
    response = client.post("/login", {"csrf_token": token, "username": username,
                                      "password": password}, with_csrf=False,
                           headers={"X-Forwarded-For": address})
    if response.status_code == 303:
        client.csrf = CSRF_META.search(client.get("/").text).group(1)
    return response


def _login(address: str, username: str, password: str) -> requests.Response:
    return _login_from(ConsoleClient(CONSOLE), address, username, password)


def anna_at_her_desk() -> ConsoleClient:
    anna = ConsoleClient(CONSOLE)
    assert _login_from(anna, new_address(), "anna", PASSWORD).status_code == 303
    return anna


def test_a_lockout_from_one_address_does_not_lock_the_counsellor_out(stack: Stack):
    attacker = new_address()
    codes = [_login(attacker, "anna", "geraden").status_code for _ in range(5)]
    assert codes == [401] * 5
    assert "geblokkeerd" in _login(attacker, "anna", PASSWORD).text  # locked: from there
    assert _login(new_address(), "anna", PASSWORD).status_code == 303  # Anna, at her desk


def test_unknown_names_get_exactly_the_answers_known_ones_get(stack: Stack):
    known, unknown = new_address(), new_address()
    answers = []
    for _ in range(6):  # the fifth failure locks, the sixth try is refused as locked
        a, b = _login(known, "anna", "fout"), _login(unknown, "niemand", "fout")
        assert (a.status_code, _message(a.text)) == (b.status_code, _message(b.text))
        answers.append(_message(a.text))
    assert answers[0] == "Gebruikersnaam of wachtwoord klopt niet."
    assert "geblokkeerd" in answers[4] and "geblokkeerd" in answers[5]


def _message(page: str) -> str:
    """The login page's message to the person logging in."""
    found = re.search(r'<p class="alert" role="alert">(.*?)</p>', page)
    return found.group(1) if found else ""


def test_a_login_flood_from_one_address_is_refused_before_any_hashing(stack: Stack):
    address = new_address()
    codes = [_login(address, f"naam{n}", "fout").status_code for n in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    assert _login(new_address(), "anna", PASSWORD).status_code == 303


def test_a_made_up_login_token_pair_is_refused(stack: Stack):
    client = ConsoleClient(CONSOLE)
    client.cookies["vt_login_csrf"] = "1796000000.madeupnonce.0123456789abcdef0123456789abcdef"
    forged = client.post("/login", {"csrf_token": client.cookies["vt_login_csrf"],
                                    "username": "anna", "password": PASSWORD}, with_csrf=False,
                         headers={"X-Forwarded-For": new_address()})
    assert forged.status_code == 403 and "vt_console" not in client.cookies


# 5. Conversation ids --------------------------------------------------------------------------

BAD_IDS = ["sp ace", "a/b", "naam@mail.nl", "100%", "nul\x00byte", "ünïcode", "../etc", ".",
           "", "x" * 129, 5, None, ["a"]]


@pytest.mark.parametrize("sender", BAD_IDS, ids=range(len(BAD_IDS)))
def test_odd_conversation_ids_are_refused_at_the_door(stack: Stack, sender):
    refused = say(sender, "hoi", new_address())
    assert refused.status_code == 400 and "sender" in refused.json()["error"]


# 9. Bad bodies and messages, and nothing of them in the logs ----------------------------------

BAD_BODIES = [b"", b"[1, 2]", b'"een string"', b"{", b'{"sender": "ok-1"}',
              b'{"sender": "ok-1", "message": null}', b'{"sender": "ok-1", "message": 5}',
              b'{"sender": "ok-1", "message": ["' + MARKER.encode() + b'"]}',
              b'{"sender": "ok-1", "message": "' + MARKER.encode() + b' \\ud800"}']


@pytest.mark.parametrize("body", BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_bad_rest_bodies_get_a_clear_400(stack: Stack, body):
    refused = say("", None, new_address(), raw=body)
    assert refused.status_code == 400 and refused.json()["error"]


def test_no_message_text_in_any_log_whatever_went_wrong(stack: Stack):
    address = new_address()
    say("marker-1", f"{MARKER} \ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
        address)
    say("marker-2", MARKER * 3000, address)  # too long
    requests.post(f"{SITE}/api/left", data=json.dumps({"token": MARKER}), timeout=10)
    requests.post(f"{SITE}/api/left", data=b'{"token": "\\ud800' + MARKER.encode() + b'"}',
                  timeout=10)
    assert MARKER not in stack.logs()


# 10. Danger now while paused, whatever else is down -----------------------------------------

async def test_an_acute_message_while_waiting_gets_112_with_the_console_down(stack: Stack):
    person = SocketChat(RASA, session_id="w-waiting-acute")
    await person.connect()
    await person.say_and_wait("/ask_for_human", lambda t: "medewerker" in t)
    await person.say_and_wait("/affirm", lambda t: "wachtrij" in t)
    stack.servers.pop("console").stop()
    try:
        start = time.monotonic()
        reply = await person.say_and_wait("hij staat nu met een mes voor de deur",
                                          lambda t: "112" in t, timeout=10)
        assert reply == ACUTE_WHILE_PAUSED and time.monotonic() - start < 10
    finally:
        stack.start_console()
    await person.disconnect()


# 11. /restart during a handoff ----------------------------------------------------------------

def test_restart_while_waiting_withdraws_the_ticket(stack: Stack):
    address = new_address()
    handoff("restart-waiting", address)
    ticket = stack.queue().active_for("restart-waiting")
    assert texts(say("restart-waiting", "/restart", address)) == RESTARTED
    assert stack.queue().get(ticket.id).status == "closed"
    assert "fijn dat je er bent" in texts(say("restart-waiting", "hoi", address))
    tracker = requests.get(f"{RASA}/conversations/restart-waiting/tracker",
                           params={"token": E2E_TOKEN}, timeout=10).json()
    assert tracker["paused"] is False


def test_restart_in_a_live_chat_ends_it_and_the_bot_does_not_talk_alongside(stack: Stack):
    address = new_address()
    handoff("restart-live", address)
    ticket = stack.queue().active_for("restart-live")
    anna = anna_at_her_desk()
    assert anna.claim(ticket.id).status_code == 303
    assert stack.queue().get(ticket.id).status == CLAIMED
    assert texts(say("restart-live", "/restart", address)) == RESTARTED
    closed = stack.queue().get(ticket.id)
    assert closed.status == "closed" and closed.close_reason == "stopped"
    entries = anna.get(f"/review/{ticket.id}").text
    assert "opnieuw begonnen" in entries


# 13. Smaller holes ---------------------------------------------------------------------------

def test_rasa_answers_no_foreign_origin(stack: Stack):
    api = requests.get(f"{RASA}/status", params={"token": E2E_TOKEN},
                       headers={"Origin": "https://evil.example"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in api.headers
    engine = requests.get(f"{RASA}/socket.io/", params={"EIO": "4", "transport": "polling"},
                          headers={"Origin": "https://evil.example"}, timeout=10)
    assert engine.status_code == 400
    own = requests.get(f"{RASA}/socket.io/", params={"EIO": "4", "transport": "polling"},
                       headers={"Origin": SITE}, timeout=10)
    assert own.status_code == 200


@pytest.mark.parametrize("path, expected", [
    ("/chat/99999999999999999999", 404), ("/api/tickets/99999999999999999999/transcript", 404),
    ("/static/", 404), ("/static/.", 404), ("/static/..%2f..%2fsettings.yml", 404),
    ("/audit?ticket=99999999999999999999", 403), ("/review?page=99999999999999999999", 200),
    ("/login?x=%00", 400),
])
def test_console_odd_requests_are_not_500(stack: Stack, path: str, expected: int):
    assert anna_at_her_desk().get(path).status_code == expected


def test_console_transcript_after_too_large_is_400(stack: Stack):
    address = new_address()
    handoff("after-large", address)
    ticket = stack.queue().active_for("after-large")
    anna = anna_at_her_desk()
    anna.claim(ticket.id)
    huge = anna.get(f"/api/tickets/{ticket.id}/transcript", params={"after": 2**40})
    assert huge.status_code == 400


@pytest.mark.parametrize("path, expected", [
    ("/widget/", 404), ("/widget/.", 404), ("/%00", 404), ("/widget/%00", 404),
    ("/widget/..%2f..%2fsettings.yml", 404),
])
def test_site_odd_paths_are_not_500(stack: Stack, path: str, expected: int):
    assert requests.get(SITE + path, timeout=10).status_code == expected


def test_site_left_with_a_lone_surrogate_is_400(stack: Stack):
    refused = requests.post(f"{SITE}/api/left", data=b'{"token": "\\ud800"}', timeout=10)
    assert refused.status_code == 400
