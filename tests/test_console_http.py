"""The console over real HTTP (its own process, on SQLite and PostgreSQL), without a Rasa server:
logins, CSRF, who may see what, bad input, escaping, and what happens when Rasa is down."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator

import pytest

from bot.console import labels
from bot.console.records import AuditLog
from bot.db import create_engine, create_tables
from bot.handoff.queue import HandoffQueue
from tests import tracker_helpers as th
from tests.conftest import module_database_url
from tests.e2e.console_client import ConsoleClient
from tests.e2e.servers import start_console
from tests.e2e.test_handoff_live import PASSWORD, add_counsellor

PORTS = {"sqlite": 5191, "postgresql": 5192}
DEAD_RASA_PORT = 5998  # nothing listens here: Rasa is "down"
NOW = "2026-11-30T10:00:00+01:00"
EVIL = '<script>window.__xss=1</script><img src=x onerror="alert(1)">'


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def console(request, tmp_path_factory) -> Iterator[tuple]:
    workdir = tmp_path_factory.mktemp(f"console-{request.param}")
    url = module_database_url(request, workdir)
    for username, name, *flags in (("anna", "Anna"), ("bram", "Bram"), ("lea", "Lea", "--team-lead"),
                                   ("kim", "Kim")):
        add_counsellor(url, username, name, *flags)
    server = start_console(PORTS[request.param], workdir / "console.log", url, DEAD_RASA_PORT, NOW)
    engine = create_engine(url)
    create_tables(engine)
    yield f"http://127.0.0.1:{PORTS[request.param]}", HandoffQueue(engine), engine, workdir
    server.stop()
    engine.dispose()


def logged_in(base: str, username: str) -> ConsoleClient:
    client = ConsoleClient(base)
    assert client.login(username, PASSWORD).status_code == 303
    return client


def new_ticket(queue: HandoffQueue, conversation: str, first_message: str = "hulp"):
    return queue.create(conversation, "socketio", {"concern_type": "partnergeweld",
                                                    "first_message": first_message},
                        datetime(2026, 11, 30, 8, 55, tzinfo=timezone.utc))


def test_every_page_is_private_and_uncached(console):
    base, *_ = console
    client = ConsoleClient(base)
    for path in ("/login", "/", "/nope"):
        headers = client.get(path).headers
        assert headers["Cache-Control"] == "no-store"
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"


def test_without_login_pages_redirect_and_the_api_says_401(console):
    base, *_ = console
    client = ConsoleClient(base)
    assert client.get("/").headers["location"] == "/login"
    assert client.get("/review").headers["location"] == "/login"
    api = client.get("/api/queue")
    assert api.status_code == 401 and "ingelogd" in api.json()["error"]


def test_login_needs_its_form_token_and_the_right_password(console):
    base, *_ = console
    client = ConsoleClient(base)
    client.get("/login")
    forged = client.post("/login", {"username": "anna", "password": PASSWORD}, with_csrf=False)
    assert forged.status_code == 403 and "vt_console" not in client.cookies
    assert client.login("anna", "fout wachtwoord").status_code == 401
    assert client.login("anna", PASSWORD).status_code == 303


def test_session_cookie_is_httponly_strict_and_secure(console):
    base, *_ = console
    client = ConsoleClient(base)
    client.get("/login")
    token = client.cookies["vt_login_csrf"]
    response = client.post("/login", {"csrf_token": token, "username": "anna",
                                      "password": PASSWORD}, with_csrf=False)
    cookie = [h for h in response.raw.headers.getlist("Set-Cookie") if h.startswith("vt_console=")][0]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" in cookie


def test_lockout_after_five_failures_is_logged(console):
    base, queue, engine, _ = console
    client = ConsoleClient(base)
    codes = [client.login("kim", "fout").status_code for _ in range(5)]
    assert codes == [401] * 5
    locked = client.login("kim", PASSWORD)
    assert locked.status_code == 401 and "geblokkeerd" in locked.text
    actions = [e.action for e in AuditLog(engine, None).entries(actor="kim")]
    assert actions.count("login_failed") == 4 and "locked" in actions


def test_posts_without_the_session_csrf_token_are_refused(console):
    base, queue, *_ = console
    ticket = new_ticket(queue, "csrf-1")
    anna = logged_in(base, "anna")
    refused = anna.post(f"/tickets/{ticket.id}/claim", with_csrf=False)
    assert refused.status_code == 403
    assert queue.get(ticket.id).status == "waiting"
    wrong = anna.post(f"/tickets/{ticket.id}/claim", {"csrf_token": "guess"}, with_csrf=False)
    assert wrong.status_code == 403


def test_user_text_is_escaped_in_the_queue(console):
    base, queue, *_ = console
    new_ticket(queue, "evil-1", EVIL)
    page = logged_in(base, "anna").get("/").text
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page
    assert EVIL not in page and "<img src=x" not in page


def test_claim_while_rasa_is_down_keeps_the_claim_and_a_reply_is_not_lost(console):
    base, queue, *_ = console
    ticket = new_ticket(queue, "down-1")
    anna = logged_in(base, "anna")
    assert anna.claim(ticket.id).headers["location"] == f"/chat/{ticket.id}"
    assert queue.get(ticket.id).claimed_by == "anna"
    reply = anna.reply(ticket.id, "Hoi, ik ben Anna")
    assert reply.status_code == 503 and "niet verstuurd" in reply.json()["error"]
    ended = anna.end(ticket.id)
    assert ended.status_code == 503 and queue.get(ticket.id).status == "claimed"


def test_only_the_owner_and_team_leads_see_a_live_chat(console):
    base, queue, *_ = console
    ticket = new_ticket(queue, "own-1")
    logged_in(base, "anna").claim(ticket.id)
    assert logged_in(base, "bram").get(f"/chat/{ticket.id}").status_code == 403
    assert logged_in(base, "bram").get(f"/api/tickets/{ticket.id}/transcript").status_code == 403
    assert logged_in(base, "lea").get(f"/chat/{ticket.id}").status_code == 200
    assert logged_in(base, "bram").reply(ticket.id, "ik ook").status_code == 409


def test_reading_a_whole_transcript_over_the_api_is_logged_and_live_only(console):
    base, queue, engine, _ = console
    ticket = new_ticket(queue, "api-1")
    logged_in(base, "anna").claim(ticket.id)
    lea = logged_in(base, "lea")
    assert lea.get(f"/api/tickets/{ticket.id}/transcript").status_code == 200
    assert lea.get(f"/api/tickets/{ticket.id}/transcript", params={"after": 5}).status_code == 200
    reads = [e for e in AuditLog(engine, None).entries(actor="lea", ticket_id=ticket.id)]
    assert [e.action for e in reads] == ["open_chat"]  # the full read, not each poll
    queue.end(ticket.id, datetime(2026, 11, 30, 9, 30, tzinfo=timezone.utc))
    assert lea.get(f"/api/tickets/{ticket.id}/transcript").status_code == 403  # review page


def test_bad_input_gets_a_clear_answer(console):
    base, queue, *_ = console
    ticket = new_ticket(queue, "bad-1")
    anna = logged_in(base, "anna")
    anna.claim(ticket.id)
    assert anna.get("/chat/999999").status_code == 404
    assert anna.get("/tickets/abc/claim").status_code == 404
    assert anna.reply(ticket.id, "   ").status_code == 400
    assert anna.reply(ticket.id, "x" * 4001).status_code == 400
    assert anna.get(f"/api/tickets/{ticket.id}/transcript", params={"after": "abc"}).status_code == 400
    assert anna.get("/review", params={"from": "gisteren", "status": "??"}).status_code == 200
    assert anna.get("/review/999999").status_code == 404
    big = anna.post(f"/tickets/{ticket.id}/reply", {"text": "x" * 200_000})
    assert big.status_code == 413


def test_audit_log_is_for_team_leads_only(console):
    base, *_ = console
    assert logged_in(base, "anna").get("/audit").status_code == 403
    page = logged_in(base, "lea").get("/audit")
    assert page.status_code == 200 and "login" in page.text


def test_logout_ends_the_session(console):
    base, *_ = console
    anna = logged_in(base, "anna")
    cookie = dict(anna.cookies)
    assert anna.post("/logout").headers["location"] == "/login"
    anna.cookies = cookie  # the old cookie, replayed
    assert anna.get("/").headers["location"] == "/login"


def test_the_review_list_comes_in_pages(console):
    base, queue, *_ = console
    moment = datetime(2026, 11, 30, 8, 55, tzinfo=timezone.utc)
    for number in range(105):
        ticket = queue.create(f"page-{number}", "socketio",
                              {"concern_type": "ouderenmishandeling"}, moment)
        queue.withdraw(ticket.id, moment)
    anna = logged_in(base, "anna")
    first = anna.get("/review", params={"concern": "ouderenmishandeling"}).text
    assert "105 gesprekken gevonden; pagina 1 van 2" in first
    assert first.count('href="/review/') == 100
    assert 'href="/review?concern=ouderenmishandeling&amp;page=2">Volgende' in first
    second = anna.get("/review", params={"concern": "ouderenmishandeling", "page": "2"}).text
    assert second.count('href="/review/') == 5 and "Vorige" in second
    odd = anna.get("/review", params={"concern": "ouderenmishandeling", "page": "x"})
    assert odd.status_code == 200 and "pagina 1 van 2" in odd.text


def _whatsapp_ticket(queue: HandoffQueue, conversation: str):
    return queue.create(conversation, "whatsapp", {"concern_type": "partnergeweld"},
                        datetime(2026, 11, 30, 8, 55, tzinfo=timezone.utc))


async def test_whatsapp_replies_stop_when_its_24_hour_window_closes(console):
    base, queue, engine, _ = console
    url = engine.url.render_as_string(hide_password=False)
    now = datetime.fromisoformat(NOW).timestamp()
    fresh, old = _whatsapp_ticket(queue, "wa-fresh"), _whatsapp_ticket(queue, "wa-old")
    await th.append(url, "wa-fresh", [th.user("hoi", timestamp=now - 3600)])  # 09:00 today
    await th.append(url, "wa-old", [th.user("hoi", timestamp=now - 25 * 3600)])  # yesterday
    anna = logged_in(base, "anna")
    for ticket in (fresh, old):
        anna.claim(ticket.id)
    assert "je kunt antwoorden tot 01-12-2026 09:00" in anna.get(f"/chat/{fresh.id}").text
    assert anna.transcript(fresh.id)["window"]["open"] is True
    assert anna.reply(fresh.id, "Hoi").status_code == 503  # allowed; only Rasa is down here
    assert "dicht sinds 30-11-2026 09:00" in anna.get(f"/chat/{old.id}").text
    refused = anna.reply(old.id, "Hoi")
    assert refused.status_code == 409 and "WhatsApp-venster" in refused.json()["error"]
    website = new_ticket(queue, "web-window")
    anna.claim(website.id)
    assert anna.transcript(website.id)["window"] is None  # no such window on the website


def test_the_console_shows_a_pseudonym_and_the_channel_never_the_conversation_id(console):
    base, queue, *_ = console
    conversation = "wa-q2fxk3mbnvwha5dpeg4zo2qwl4mtpxz2xt2oqcnvbbrqjuoja"
    ticket = _whatsapp_ticket(queue, conversation)
    anna = logged_in(base, "anna")
    [row] = [r for r in anna.queue()["waiting"] if r["id"] == ticket.id]
    shown = dict(row["summary"])
    assert shown["Kanaal"] == "WhatsApp" and shown["Persoon"] == labels.pseudonym(conversation)
    anna.claim(ticket.id)
    for path in ("/", f"/chat/{ticket.id}"):
        page = anna.get(path).text
        assert labels.pseudonym(conversation) in page and conversation not in page
