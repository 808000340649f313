"""The counsellor console in a real browser (headless Chromium), against a real stack: the
action server, the Rasa server and the console with its handoff worker, on their own ports and
a fresh SQLite database. The person talks to the bot over Rasa's REST channel.

Most tests follow one conversation from the queue to the review, in file order (pytest's
default): the queue fills live, Anna picks it up, they chat, she ends it, reviews and prints it,
a team lead reads the audit log. Each of those tests names the step it needs; when that step did
not pass (or was not run, e.g. with -k), the test is skipped instead of failing for the wrong
reason. Login, lockout and CSRF need no earlier step.

Screenshots of every important step (and a PDF of the print view) go to var/screenshots/.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from bot.console.records import Reviews
from bot.handoff.queue import CLAIMED, CLOSED, WAITING
from tests.browser.conftest import VIEWPORT, Stack, start_stack
from tests.e2e.conftest import STAFFED
from tests.e2e.servers import Chat, handed_off, texts
from tests.e2e.test_conversations import BYSTANDER_FIRST
from tests.e2e.test_handoff_live import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.model]

ACTION_PORT, RASA_PORT, CONSOLE_PORT = 5158, 5108, 5188
# Chromium keeps the console's Secure cookies on http://127.0.0.1 (a potentially trustworthy
# origin), as on http://localhost; 127.0.0.1 is the address the console listens on.
CONSOLE = f"http://127.0.0.1:{CONSOLE_PORT}"
RASA = f"http://127.0.0.1:{RASA_PORT}"
LIVE_TIMEOUT_MS = 10_000  # the queue refreshes every 3 s, the chat every 2 s

WRONG_LOGIN = "Gebruikersnaam of wachtwoord klopt niet."
LOCKED_OUT = "Te veel mislukte pogingen"
ENDED_NOTICE = "Het gesprek is afgesloten. De bot heeft het overgenomen."
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
ANNA_SAYS = "Hoi, ik ben Anna van Veilig Thuis. Hoe gaat het nu met je?"
PERSON_SAYS = "Het is nu even rustig, maar gisteren was het erg"
REVIEW_NOTE = "Nagelezen: goed doorverwezen, kinderen besproken."

# The person's way to a counsellor: each message and a word the bot's answer must contain.
TO_HANDOFF = [(BYSTANDER_FIRST, "in gevaar"), ("nee", "kinderen"),
              ("ja, er wonen twee kleine kinderen", "medewerker"), ("ja graag", "wachtrij")]


# --- the stack -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    stack = start_stack(tmp_path_factory.mktemp("browser-console"),
                        (ACTION_PORT, RASA_PORT, CONSOLE_PORT),
                        [("anna", "Anna"), ("bram", "Bram"), ("lea", "Lea", "--team-lead"),
                         ("kim", "Kim")])  # kim: only for the lockout test
    yield stack
    stack.stop()


# --- helpers ---------------------------------------------------------------------------------
def shot(page: Page, screenshot_dir: Path, name: str) -> Path:
    path = screenshot_dir / f"console-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
    return path


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{CONSOLE}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()


def reach_handoff(person: Chat) -> None:
    """A bystander tells their story, answers the safety questions and accepts a counsellor."""
    reply: List = []
    for text, expected in TO_HANDOFF:
        reply = person.say(text)
        assert expected in texts(reply), f"after {text!r} the bot said: {texts(reply)!r}"
    assert handed_off(reply)


def session_cookie(page: Page) -> str:
    [cookie] = [c for c in page.context.cookies() if c["name"] == "vt_console"]
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    return f"vt_console={cookie['value']}"


def assert_nothing_injected(page: Page, transcript: str) -> None:
    """The XSS message is in the page as text, and nothing in it became an element or ran."""
    entry = page.locator(f"{transcript} li.entry.person .text", has_text="onerror")
    expect(entry).to_have_count(1)
    expect(entry).to_have_text(XSS)
    assert page.locator(f"{transcript} img, {transcript} script").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"


def table_rows(page: Page, selector: str) -> List[List[str]]:
    return page.locator(selector).evaluate_all(
        "rows => rows.map(r => Array.from(r.cells, c => c.textContent.trim()))")


def set_marker(page: Page) -> None:
    page.evaluate("window.__marker = 1")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded or left"


# --- the shared conversation -----------------------------------------------------------------
@dataclass
class Journey:
    """One person's conversation, followed through the ordered tests below."""
    person: Optional[Chat] = None
    ticket_id: Optional[int] = None
    done: Set[str] = field(default_factory=set)

    def needs(self, step: str) -> None:
        if step not in self.done:
            pytest.skip(f"needs the earlier step {step!r} of this module, which did not pass")


@pytest.fixture(scope="module")
def journey() -> Journey:
    return Journey()


@pytest.fixture(scope="module")
def desk(browser: Browser, stack: Stack) -> Iterator[Page]:
    """Anna's browser tab, logged in once and kept for the whole conversation."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, "anna")
    assert page.url == f"{CONSOLE}/"
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def anna(desk: Page, request, screenshot_dir: Path) -> Iterator[Page]:
    """Anna's tab for one test; a screenshot of it when the test fails."""
    yield desk
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not desk.is_closed():
        desk.screenshot(path=str(screenshot_dir / f"FAILED-{request.node.name}-anna.png"),
                        full_page=True)


# --- 1. login --------------------------------------------------------------------------------
def test_login_refuses_a_wrong_password_and_accepts_the_right_one(page: Page, stack: Stack,
                                                                   screenshot_dir: Path):
    page.goto(f"{CONSOLE}/")
    assert page.url == f"{CONSOLE}/login"  # not logged in: sent to the login page

    log_in(page, "anna", "dit is niet het wachtwoord")
    assert page.url == f"{CONSOLE}/login"
    expect(page.get_by_role("alert")).to_have_text(WRONG_LOGIN)
    assert not [c for c in page.context.cookies() if c["name"] == "vt_console"]
    shot(page, screenshot_dir, "01-login-wrong-password")

    log_in(page, "anna")
    assert page.url == f"{CONSOLE}/"
    expect(page).to_have_title(re.compile("^Wachtrij"))
    expect(page.locator("header .who")).to_have_text("Anna")
    expect(page.locator("#queue-body")).to_be_visible()
    session_cookie(page)  # Secure, HttpOnly, SameSite=Strict, and kept on http://127.0.0.1
    shot(page, screenshot_dir, "02-queue-after-login")


def test_five_wrong_passwords_lock_the_account(page: Page, stack: Stack, screenshot_dir: Path):
    for attempt in range(1, 5):
        log_in(page, "kim", f"fout wachtwoord nummer {attempt}")
        expect(page.get_by_role("alert")).to_have_text(WRONG_LOGIN)
    log_in(page, "kim", "fout wachtwoord nummer 5")
    expect(page.get_by_role("alert")).to_contain_text(LOCKED_OUT)

    log_in(page, "kim")  # the right password, but too late
    assert page.url == f"{CONSOLE}/login"
    expect(page.get_by_role("alert")).to_contain_text(LOCKED_OUT)
    assert not [c for c in page.context.cookies() if c["name"] == "vt_console"]
    shot(page, screenshot_dir, "03-login-locked-out")
    page.goto(f"{CONSOLE}/")
    assert page.url == f"{CONSOLE}/login"


# --- 2. the queue fills while the page is open -----------------------------------------------
def test_the_queue_shows_a_new_person_without_reloading(anna: Page, stack: Stack,
                                                        journey: Journey, screenshot_dir: Path):
    anna.goto(f"{CONSOLE}/")
    expect(anna.locator("#queue-body tr.empty")).to_have_text("Niemand wacht.")
    set_marker(anna)

    journey.person = Chat(RASA)
    reach_handoff(journey.person)

    row = anna.locator("#queue-body tr[data-id]")
    expect(row).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    assert_not_reloaded(anna)
    journey.ticket_id = int(row.get_attribute("data-id"))
    ticket = stack.queue().get(journey.ticket_id)
    assert ticket.conversation_id == journey.person.sender and ticket.status == WAITING

    summary = dict(zip(row.locator("dt").all_inner_texts(), row.locator("dd").all_inner_texts()))
    assert summary["Zorg"] == "Huiselijk geweld"
    assert summary["Eerste bericht"] == BYSTANDER_FIRST
    assert summary["Kinderen betrokken"] == "ja"
    expect(row).to_contain_text("Kinderen betrokken")  # the priority column
    # The pick-up form that console.js built carries the session's CSRF token.
    csrf = anna.locator('meta[name="csrf-token"]').get_attribute("content")
    assert row.locator('input[name="csrf_token"]').get_attribute("value") == csrf
    shot(anna, screenshot_dir, "04-queue-live-row")
    journey.done.add("waiting")


# --- 3. pick up and chat ---------------------------------------------------------------------
def test_pick_up_and_chat_live(anna: Page, stack: Stack, journey: Journey,
                               screenshot_dir: Path):
    journey.needs("waiting")
    ticket_id, person = journey.ticket_id, journey.person
    anna.locator(f'#queue-body tr[data-id="{ticket_id}"]').get_by_role(
        "button", name="Oppakken").click()
    anna.wait_for_url(f"{CONSOLE}/chat/{ticket_id}")
    ticket = stack.queue().get(ticket_id)
    assert ticket.status == CLAIMED and ticket.claimed_by == "anna"

    transcript = anna.locator("#transcript")
    first = transcript.locator("li.entry.person", has_text=BYSTANDER_FIRST)
    expect(first).to_have_count(1)
    expect(first.locator(".understood")).to_have_text(
        re.compile(r"^Bot begreep: [a-z_]+ \(\d\.\d\d\)"))
    people = transcript.locator("li.entry.person")
    assert people.count() == len(TO_HANDOFF)
    expect(transcript.locator("li.entry.person .understood")).to_have_count(len(TO_HANDOFF))
    expect(transcript.locator("li.entry.bot").first).to_be_visible()
    expect(transcript.locator("li.entry.system")).to_contain_text(["doorgezet naar een medewerker"])
    expect(transcript).to_contain_text("Je praat nu met Anna")
    shot(anna, screenshot_dir, "05-chat-picked-up")

    set_marker(anna)
    anna.fill("#reply-text", ANNA_SAYS)
    anna.press("#reply-text", "Enter")
    mine = transcript.locator("li.entry.counsellor", has_text=ANNA_SAYS)
    expect(mine).to_have_count(1)
    expect(mine.locator(".author")).to_have_text("Medewerker (Anna)")
    expect(anna.locator("#reply-text")).to_have_value("")
    expect(anna.locator("#chat-error")).to_be_hidden()
    events = [e for e in stack.tracker(person.sender)["events"]
              if e["event"] == "bot" and e.get("text") == ANNA_SAYS]
    assert len(events) == 1
    assert events[0]["metadata"]["author"] == "counsellor"
    assert events[0]["metadata"]["counsellor"] == "anna"

    assert person.say(PERSON_SAYS) == []  # the bot is paused: it says nothing itself
    theirs = transcript.locator("li.entry.person", has_text=PERSON_SAYS)
    expect(theirs).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    expect(theirs.locator(".author")).to_have_text("Persoon")
    expect(theirs.locator(".understood")).to_contain_text("Bot begreep:")
    assert_not_reloaded(anna)
    shot(anna, screenshot_dir, "06-chat-live")
    journey.done.add("chatting")


def test_the_chat_shows_each_message_once_when_the_connection_is_slow(
        anna: Page, stack: Stack, journey: Journey, screenshot_dir: Path):
    """console.js polls every 2 s with `after=<last id seen>`; if an answer takes longer than
    that, the next poll asks with the same id and both add the new messages."""
    journey.needs("chatting")
    slow = anna.context.new_page()  # a second tab: Anna's own tab keeps a normal connection
    try:
        slow.goto(f"{CONSOLE}/chat/{journey.ticket_id}")
        # Every transcript answer arrives 2.5 s late (a slow mobile hotspot, a busy server).
        slow.evaluate("""() => {
            const realFetch = window.fetch.bind(window);
            const late = r => new Promise(ok => setTimeout(() => ok(r), 2500));
            window.fetch = (url, options) => realFetch(url, options).then(
                r => String(url).includes('/transcript') ? late(r) : r);
        }""")
        time.sleep(3)  # let the slow polls overlap
        journey.person.say("hallo, ben je er nog?")
        entry = slow.locator("#transcript li.entry.person", has_text="ben je er nog?")
        expect(entry.first).to_be_visible(timeout=LIVE_TIMEOUT_MS)
        time.sleep(6)  # the overlapping polls that were already under way
        shot(slow, screenshot_dir, "07-chat-slow-connection")
        ids = slow.locator("#transcript li.entry").evaluate_all("l => l.map(e => e.dataset.id)")
        doubled = sorted({i for i in ids if ids.count(i) > 1})
        assert entry.count() == 1 and not doubled, (
            f"the message shows {entry.count()} times; entries shown more than once: {doubled}")
    finally:
        slow.close()


# --- 4. what a person types is text, never markup --------------------------------------------
def test_what_a_person_types_is_shown_as_text(anna: Page, stack: Stack, journey: Journey,
                                              screenshot_dir: Path):
    journey.needs("chatting")
    assert anna.url == f"{CONSOLE}/chat/{journey.ticket_id}"
    set_marker(anna)
    journey.person.say(XSS)
    expect(anna.locator("#transcript li.entry.person", has_text="onerror")).to_have_count(
        1, timeout=LIVE_TIMEOUT_MS)  # added by console.js
    assert_not_reloaded(anna)
    assert_nothing_injected(anna, "#transcript")
    shot(anna, screenshot_dir, "08-chat-escaped")

    anna.reload()  # now rendered by the server (Jinja)
    assert_nothing_injected(anna, "#transcript")
    journey.done.add("escaped")


# --- 5. end ----------------------------------------------------------------------------------
def test_ending_gives_the_conversation_back_to_the_bot(anna: Page, stack: Stack,
                                                       journey: Journey, screenshot_dir: Path):
    journey.needs("chatting")
    assert stack.tracker(journey.person.sender)["paused"] is True
    anna.goto(f"{CONSOLE}/chat/{journey.ticket_id}")
    anna.locator("#end-form").get_by_role("button", name="Gesprek afsluiten").click()
    anna.wait_for_url(f"{CONSOLE}/?notice=ended")
    expect(anna.get_by_role("status")).to_have_text(ENDED_NOTICE)
    expect(anna.locator("#mine li.empty")).to_have_text("Geen open gesprekken.")
    shot(anna, screenshot_dir, "09-queue-after-end")

    ticket = stack.queue().get(journey.ticket_id)
    assert ticket.status == CLOSED and ticket.close_reason == "ended"
    assert stack.tracker(journey.person.sender)["paused"] is False
    assert journey.person.say("dank je wel") != []  # the bot answers again
    # The chat page of a closed conversation leads to its review page.
    anna.goto(f"{CONSOLE}/chat/{journey.ticket_id}")
    assert anna.url == f"{CONSOLE}/review/{journey.ticket_id}"
    journey.done.add("ended")


# --- 6. review, note, print ------------------------------------------------------------------
def filter_review(page: Page, concern: str = "", status: str = "all", counsellor: str = "",
                  since: str = "", until: str = "") -> List[List[str]]:
    """Fill in the review list's filter form and send it; returns the rows shown."""
    page.goto(f"{CONSOLE}/review")
    page.fill('input[name="from"]', since)
    page.fill('input[name="to"]', until)
    page.select_option('select[name="concern"]', concern)
    page.select_option('select[name="status"]', status)
    page.select_option('select[name="counsellor"]', counsellor)
    page.locator("form.filters").get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    return table_rows(page, "table.review tbody tr")


def test_review_filters_note_and_print(anna: Page, stack: Stack, journey: Journey,
                                       screenshot_dir: Path):
    journey.needs("ended")
    ticket_id = journey.ticket_id
    link = f"Gesprek {ticket_id}"

    rows = filter_review(anna)
    assert [r[0] for r in rows] == [link]
    assert rows[0][2:] == ["Huiselijk geweld", "anna", "Afgesloten door medewerker", "nee"]
    shot(anna, screenshot_dir, "10-review-list")
    assert [r[0] for r in filter_review(anna, concern="huiselijk_geweld")] == [link]
    assert anna.locator('select[name="concern"]').input_value() == "huiselijk_geweld"
    assert filter_review(anna, concern="partnergeweld") == [["Geen gesprekken gevonden."]]
    assert filter_review(anna, counsellor="bram") == [["Geen gesprekken gevonden."]]
    assert [r[0] for r in filter_review(anna, counsellor="anna")] == [link]
    assert [r[0] for r in filter_review(anna, status="open")] == [link]
    day = STAFFED[:10]  # the action server's clock: the ticket was made on that day
    assert rows[0][1].startswith("30-11-2026 ")
    assert [r[0] for r in filter_review(anna, since=day, until=day)] == [link]
    assert anna.locator('input[name="from"]').input_value() == day
    assert filter_review(anna, since="2026-12-01") == [["Geen gesprekken gevonden."]]
    assert filter_review(anna, until="2026-11-29") == [["Geen gesprekken gevonden."]]
    assert filter_review(anna, status="reviewed") == [["Geen gesprekken gevonden."]]

    filter_review(anna, status="open")
    anna.get_by_role("link", name=link).click()
    anna.wait_for_url(f"{CONSOLE}/review/{ticket_id}")
    expect(anna.locator(".conversation .transcript")).to_contain_text(ANNA_SAYS)
    assert_nothing_injected(anna, ".conversation .transcript")
    anna.fill("#note", REVIEW_NOTE)
    anna.locator("#review-form").get_by_role("button", name="Markeer als nagelezen").click()
    anna.wait_for_url(f"{CONSOLE}/review/{ticket_id}?saved=1")
    expect(anna.get_by_role("status")).to_have_text("Opgeslagen.")
    expect(anna.locator("#note")).to_have_value(REVIEW_NOTE)
    expect(anna.locator("aside")).to_contain_text("Nagelezen door anna")
    shot(anna, screenshot_dir, "11-review-saved")

    rows = filter_review(anna, status="reviewed")
    assert [r[0] for r in rows] == [link] and rows[0][5] == "ja, door anna"
    assert filter_review(anna, status="open") == [["Geen gesprekken gevonden."]]
    journey.done.add("reviewed")

    anna.goto(f"{CONSOLE}/review/{ticket_id}")
    anna.locator("#print-link").click()
    anna.wait_for_url(f"{CONSOLE}/review/{ticket_id}/print")
    expect(anna.locator("header")).to_contain_text(f"transcript chatgesprek {ticket_id}")
    expect(anna.locator(".confidential")).to_contain_text("Vertrouwelijk")
    expect(anna.locator("header")).to_contain_text("Afgedrukt door anna")
    expect(anna.locator(".note")).to_have_text(REVIEW_NOTE)
    printed = anna.locator("ol.transcript")
    for said in (BYSTANDER_FIRST, ANNA_SAYS, PERSON_SAYS):
        expect(printed).to_contain_text(said)
    assert_nothing_injected(anna, "ol.transcript")
    shot(anna, screenshot_dir, "12-print-view")
    pdf = screenshot_dir / "console-print.pdf"
    pdf.unlink(missing_ok=True)
    anna.pdf(path=str(pdf), format="A4", print_background=True)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5_000 and b"%%EOF" in data[-1024:]
    journey.done.add("printed")


def test_the_console_shows_the_moments_it_records_in_dutch_time(anna: Page, stack: Stack,
                                                               journey: Journey):
    """The console's clock is pinned at STAFFED (10:00 Dutch time). The print time (not
    stored) and the review time (stored in the database) are both 'now', so both must read
    30-11-2026 10:00."""
    journey.needs("printed")
    anna.goto(f"{CONSOLE}/review/{journey.ticket_id}/print")
    expect(anna.locator("header")).to_contain_text("Afgedrukt door anna op 30-11-2026 10:00.")
    reviewed = anna.locator("h2", has_text="Nalezen").locator("xpath=following-sibling::p[1]")
    expect(reviewed).to_have_text("Door anna op 30-11-2026 10:00:")


# --- 7. audit --------------------------------------------------------------------------------
def test_only_a_team_lead_reads_the_audit_log(anna: Page, page: Page, stack: Stack,
                                              journey: Journey, screenshot_dir: Path):
    anna.goto(f"{CONSOLE}/")
    expect(anna.get_by_role("navigation")).to_contain_text("Nalezen")
    expect(anna.get_by_role("navigation")).not_to_contain_text("Auditlog")
    response = anna.goto(f"{CONSOLE}/audit")
    assert response.status == 403
    expect(anna.get_by_role("alert")).to_have_text("Deze pagina is alleen voor teamleiders.")
    shot(anna, screenshot_dir, "13-audit-refused")

    journey.needs("printed")
    ticket_id = journey.ticket_id
    log_in(page, "lea")
    assert page.url == f"{CONSOLE}/"
    page.get_by_role("navigation").get_by_role("link", name="Auditlog").click()
    page.wait_for_url(f"{CONSOLE}/audit")
    assert page.evaluate("document.title").startswith("Auditlog")
    shot(page, screenshot_dir, "14-audit-lea")
    rows = table_rows(page, "table.audit tbody tr")
    by_anna = {(r[2], r[3]) for r in rows if r[1] == "anna"}
    for action in ("claim", "open_chat", "end", "open_transcript", "review", "export_transcript"):
        assert (action, str(ticket_id)) in by_anna, f"no {action} of anna for {ticket_id}"
    assert ("login", "") in by_anna

    for said in (BYSTANDER_FIRST, ANNA_SAYS, PERSON_SAYS, REVIEW_NOTE):
        assert said not in page.content()  # who did what, never what was said

    assert filter_audit(page, actor="anna").status == 200
    rows = table_rows(page, "table.audit tbody tr")
    assert rows and all(r[1] == "anna" for r in rows)
    assert {"open_transcript", "export_transcript"} <= {r[2] for r in rows}

    response = filter_audit(page, actor="anna", ticket=str(ticket_id))
    shot(page, screenshot_dir, "14b-audit-filtered-by-ticket")
    assert response.status == 200, (
        f"/audit?actor=anna&ticket={ticket_id} answered {response.status}: "
        f"{page.get_by_role('alert').all_inner_texts()}")
    rows = table_rows(page, "table.audit tbody tr")
    assert rows and all(r[1] == "anna" and r[3] == str(ticket_id) for r in rows)
    assert {"open_transcript", "export_transcript"} <= {r[2] for r in rows}


def filter_audit(page: Page, actor: str = "", ticket: str = ""):
    """Fill in the audit log's filter form and send it; returns the page's response."""
    page.fill('input[name="actor"]', actor)
    page.fill('input[name="ticket"]', ticket)
    with page.expect_navigation() as navigation:
        page.locator("form.filters").get_by_role("button", name="Filter").click()
    return navigation.value


# --- 8. CSRF ---------------------------------------------------------------------------------
def post(path: str, cookie: str, data: Optional[Dict[str, str]] = None,
         headers: Optional[Dict[str, str]] = None) -> requests.Response:
    # requests would not send a Secure cookie over http; the header is set by hand.
    return requests.post(CONSOLE + path, data=data or {}, allow_redirects=False, timeout=30,
                         headers={"Cookie": cookie, **(headers or {})})


def test_posts_without_the_csrf_token_are_refused(anna: Page, stack: Stack, journey: Journey,
                                                  screenshot_dir: Path):
    anna.goto(f"{CONSOLE}/")
    cookie = session_cookie(anna)
    csrf = anna.locator('meta[name="csrf-token"]').get_attribute("content")
    queue = stack.queue()
    response = requests.get(f"{CONSOLE}/api/queue", headers={"Cookie": cookie}, timeout=30)
    assert response.status_code == 200  # the copied cookie is a working session

    person = Chat(RASA)
    reach_handoff(person)
    [ticket] = [t for t in queue.waiting() if t.conversation_id == person.sender]
    for form in ({}, {"csrf_token": "not-the-token"}):
        refused = post(f"/tickets/{ticket.id}/claim", cookie, form)
        assert refused.status_code == 403
        assert "Dit formulier is verlopen" in refused.text
    refused = post(f"/tickets/{ticket.id}/claim", cookie, headers={"X-CSRF-Token": "nope"})
    assert refused.status_code == 403
    after = queue.get(ticket.id)
    assert after.status == WAITING and after.claimed_by is None
    assert stack.tracker(person.sender)["paused"] is True
    assert "Je praat nu met" not in str(stack.tracker(person.sender)["events"])

    if "reviewed" in journey.done:  # a closed, reviewed conversation of the journey
        reviews = Reviews(queue.engine, clock=lambda: None)
        before = reviews.for_tickets([journey.ticket_id])[journey.ticket_id]
        for form in ({"note": "overschreven"}, {"note": "overschreven", "csrf_token": "x"}):
            refused = post(f"/review/{journey.ticket_id}/reviewed", cookie, form)
            assert refused.status_code == 403
        assert reviews.for_tickets([journey.ticket_id])[journey.ticket_id] == before

    # With the token, the same session may: so the 403s above were the missing token.
    claimed = post(f"/tickets/{ticket.id}/claim", cookie, {"csrf_token": csrf})
    assert claimed.status_code == 303 and claimed.headers["location"] == f"/chat/{ticket.id}"
    anna.goto(f"{CONSOLE}/chat/{ticket.id}")
    shot(anna, screenshot_dir, "15-csrf-claimed-with-token")
    ended = post(f"/tickets/{ticket.id}/end", cookie, {"csrf_token": csrf})
    assert ended.status_code == 303
    assert queue.get(ticket.id).status == CLOSED
