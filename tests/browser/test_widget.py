"""The website's chat widget in a real browser (headless Chromium), against a real stack: the
action server, the Rasa server (socket.io), the console with its handoff worker and the website
server, on their own ports and a fresh SQLite database, with the clock at a staffed moment.

The person uses the page as a visitor would: the widget talks to Rasa's socket.io channel, a
counsellor (over HTTP, with ConsoleClient) claims, replies and ends. Screenshots of the main
states go to var/screenshots/widget-*.png.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator, Optional

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import Stack, start_stack
from tests.e2e.conftest import STAFFED
from tests.e2e.console_client import ConsoleClient
from tests.e2e.servers import ROOT, start_site
from tests.e2e.test_conversations import BYSTANDER_FIRST
from tests.e2e.test_handoff_live import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.model]

ACTION_PORT, RASA_PORT, CONSOLE_PORT, SITE_PORT = 5159, 5109, 5189, 5199
SITE = f"http://127.0.0.1:{SITE_PORT}"
CONSOLE = f"http://127.0.0.1:{CONSOLE_PORT}"
NEUTRAL = f"{SITE}/widget/neutral.html"
BOT_TIMEOUT_MS = 30_000    # one bot turn (the first one loads the model's pipeline)
LIVE_TIMEOUT_MS = 15_000   # the console's worker and Rasa's output channel
XSS = "<img src=x onerror=window.__xss=1>"
ANNA_SAYS = "Hoi, ik ben Anna van Veilig Thuis. Wat fijn dat je er bent."

# The widget's own elements.
LAUNCHER, PANEL, LOG, INPUT, SEND = "#vt-launcher", "#vt-panel", "#vt-log", "#vt-input", ".vt-send"
TYPING, STATE, STATUS = "#vt-typing", "#vt-state", "#vt-chat-status"


# --- the stack -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    if not (ROOT / "web" / "node_modules" / "socket.io-client").is_dir():
        pytest.fail("socket.io-client missing: run `make setup`", pytrace=False)
    stack = start_stack(tmp_path_factory.mktemp("browser-widget"),
                        (ACTION_PORT, RASA_PORT, CONSOLE_PORT), [("anna", "Anna")],
                        site_port=SITE_PORT)
    try:
        stack.servers["site"] = start_site(SITE_PORT, stack.workdir / "site.log",
                                           stack.database_url, RASA_PORT, STAFFED,
                                           quick_exit_url=NEUTRAL, socket_url=stack.rasa_url)
    except BaseException:
        stack.stop()
        raise
    yield stack
    stack.stop()


@pytest.fixture
def site(page: Page, stack: Stack) -> Iterator[Page]:
    """The page of a fresh visitor (a new browser context), loaded, with the chat status.
    Script errors and console errors (a CSP violation is one) fail the test."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # (The neutral test page has no icon: the browser's request for /favicon.ico is not ours.)
    page.on("console", lambda m: errors.append(f"{m.text} {m.location.get('url')}")
            if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico")
            else None)
    page.goto(f"{SITE}/")
    expect(page.locator(STATUS)).to_have_attribute("data-state", "open")
    yield page
    assert errors == [], errors


# --- helpers ---------------------------------------------------------------------------------
def shot(page: Page, screenshot_dir: Path, name: str, full_page: bool = False) -> Path:
    path = screenshot_dir / f"widget-{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 1000
    return path


def open_chat(page: Page) -> None:
    page.locator(LAUNCHER).click()
    expect(page.locator(PANEL)).to_be_visible()
    expect(page.locator(INPUT)).to_be_focused()


def session_id(page: Page) -> Optional[str]:
    raw = page.evaluate("sessionStorage.getItem('vt-chat-session')")
    return None if raw is None else raw.strip('"')


def started_session_id(page: Page) -> str:
    """The session id, once the website has made one (the widget asks for it on opening)."""
    found = wait_for(lambda: session_id(page), BOT_TIMEOUT_MS / 1000, "a session from the website")
    return found


def bot_messages(page: Page) -> Locator:
    return page.locator(f"{LOG} .vt-msg-bot")


def send(page: Page, text: str) -> None:
    page.fill(INPUT, text)
    page.press(INPUT, "Enter")
    expect(page.locator(f"{LOG} .vt-msg-person").last).to_have_text(f"Jij: {text}")


def answer(page: Page, button: str, expect_text: str) -> None:
    """Click one of the buttons under the bot's last question; wait for the next question."""
    page.locator(f"{LOG} .vt-choices").last.get_by_role("button", name=button, exact=True).click()
    expect(page.locator(f"{LOG} .vt-msg-person").last).to_have_text(f"Jij: {button}")
    expect(bot_messages(page).last).to_contain_text(expect_text, timeout=BOT_TIMEOUT_MS)


def watch_typing(page: Page) -> None:
    """Sets window.__typingSeen once the typing indicator has been visible."""
    page.evaluate("""() => {
        window.__typingSeen = false;
        const typing = document.querySelector('#vt-typing');
        new MutationObserver(() => { if (!typing.hidden) window.__typingSeen = true; })
            .observe(typing, {attributes: true, attributeFilter: ['hidden']});
    }""")


def tell_story(page: Page) -> None:
    """The bystander's first message; the bot asks about danger, with three buttons."""
    send(page, BYSTANDER_FIRST)
    expect(page.locator(LOG)).to_contain_text("in gevaar", timeout=BOT_TIMEOUT_MS)
    choices = page.locator(f"{LOG} .vt-choices").last
    expect(choices.locator("button")).to_have_text(["Ja, nu", "Nee, nu niet", "Weet ik niet"])


def reach_handoff(page: Page) -> None:
    """From the first message to the queue, with the buttons only."""
    tell_story(page)
    answer(page, "Nee, nu niet", "kinderen")
    answer(page, "Ja", "medewerker")
    answer(page, "Ja, graag", "wachtrij")
    expect(page.locator(STATE)).to_contain_text("nummer 1", timeout=LIVE_TIMEOUT_MS)


def waiting_ticket(stack: Stack, conversation_id: str):
    ticket = stack.queue().active_for(conversation_id)
    assert ticket is not None and ticket.status == "waiting", ticket
    return ticket


def wait_for(condition, timeout: float = 10, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} not met in {timeout} s")


def storage_is_empty(page: Page) -> bool:
    return page.evaluate("sessionStorage.length === 0 && localStorage.length === 0")


# --- the page --------------------------------------------------------------------------------
def test_the_page_shows_help_and_the_chat_status_without_cookies(site: Page, screenshot_dir: Path):
    bar = site.get_by_role("region", name="Direct hulp")
    expect(bar).to_be_visible()
    expect(bar.get_by_role("link", name="112")).to_be_visible()
    expect(bar.get_by_role("link", name="0800-2000")).to_be_visible()
    expect(bar).to_contain_text("gratis, dag en nacht")
    expect(site.locator(STATUS)).to_have_text("Chat met een medewerker: nu open")
    expect(bar.get_by_role("button", name="Snel weg")).to_be_visible()
    expect(site.get_by_role("heading", level=1)).to_have_text("Maak je je zorgen over iemand?")
    expect(site.locator(PANEL)).to_be_hidden()
    shot(site, screenshot_dir, "01-page-desktop", full_page=True)

    # The bar stays visible when the page scrolls.
    site.mouse.wheel(0, 2000)
    site.wait_for_function("window.scrollY > 0")
    box = bar.bounding_box()
    assert box is not None and box["y"] == 0

    open_chat(site)
    shot(site, screenshot_dir, "02-chat-open-desktop")
    assert site.context.cookies() == []
    assert storage_is_empty(site) is False  # the session id, in sessionStorage only
    assert site.evaluate("localStorage.length") == 0
    assert site.evaluate("document.cookie") == ""


# --- a conversation --------------------------------------------------------------------------
def test_a_conversation_in_dutch_with_buttons_and_typing(site: Page, screenshot_dir: Path):
    open_chat(site)
    watch_typing(site)
    tell_story(site)
    assert site.evaluate("window.__typingSeen") is True
    expect(site.locator(TYPING)).to_be_hidden()
    for button in site.locator(f"{LOG} .vt-choices").last.locator("button").all():
        assert button.evaluate("b => b.tagName === 'BUTTON' && b.type === 'button'")
    shot(site, screenshot_dir, "03-danger-question")

    answer(site, "Nee, nu niet", "kinderen")
    # Answered questions lose their buttons: only the new question has some.
    expect(site.locator(f"{LOG} .vt-choices")).to_have_count(1)
    expect(site.locator(f"{LOG} .vt-choices button")).to_have_text(["Ja", "Nee", "Weet ik niet"])
    assert site.context.cookies() == []
    assert site.evaluate("localStorage.length") == 0


def test_a_reload_continues_the_conversation(site: Page, screenshot_dir: Path):
    open_chat(site)
    tell_story(site)
    first_id = session_id(site)
    assert first_id
    shown_before = site.locator(f"{LOG} .vt-msg").count()

    site.reload()
    expect(site.locator(PANEL)).to_be_visible()  # it was open: it opens again
    assert session_id(site) == first_id
    expect(site.locator(f"{LOG} .vt-msg")).to_have_count(shown_before)
    expect(site.locator(f"{LOG} .vt-msg-person").first).to_have_text(f"Jij: {BYSTANDER_FIRST}")

    # Typed, not a button: "nee" only means "no danger" in the conversation that was going on.
    send(site, "nee")
    expect(bot_messages(site).last).to_contain_text("kinderen", timeout=BOT_TIMEOUT_MS)
    assert session_id(site) == first_id
    shot(site, screenshot_dir, "04-after-reload")


def test_messages_are_shown_as_text_with_line_breaks_and_safe_links(site: Page):
    open_chat(site)
    send(site, XSS)
    person = site.locator(f"{LOG} .vt-msg-person").last
    expect(person).to_have_text(f"Jij: {XSS}")
    expect(bot_messages(site).last).to_be_visible(timeout=BOT_TIMEOUT_MS)  # the bot answered
    assert site.locator(f"{LOG} img, {LOG} script").count() == 0
    assert site.evaluate("typeof window.__xss") == "undefined"

    # The widget's renderer, on a text with a newline, a link and markup.
    rendered = site.evaluate("""() => {
        const box = document.createElement('div');
        box.appendChild(window.vtChatWidget.formatText(
            'Kijk op https://www.veiligthuis.nl/advies. Echt!\\n<b>vet</b> javascript:alert(1)'));
        const link = box.querySelector('a');
        return {html: box.innerHTML, br: box.querySelectorAll('br').length,
                b: box.querySelectorAll('b').length, links: box.querySelectorAll('a').length,
                href: link.href, rel: link.rel, target: link.target, text: box.textContent};
    }""")
    assert rendered["br"] == 1 and rendered["b"] == 0 and rendered["links"] == 1
    assert rendered["href"] == "https://www.veiligthuis.nl/advies"
    assert rendered["rel"] == "noopener noreferrer" and rendered["target"] == "_blank"
    assert rendered["text"] == ("Kijk op https://www.veiligthuis.nl/advies. Echt!"
                                "<b>vet</b> javascript:alert(1)")


# --- handoff ---------------------------------------------------------------------------------
def test_the_handoff_states_from_waiting_to_back_to_the_bot(site: Page, stack: Stack,
                                                           screenshot_dir: Path):
    open_chat(site)
    reach_handoff(site)
    # The advice came in between, with its list on separate lines.
    advice = bot_messages(site).filter(has_text="Wat je nu kunt doen")
    expect(advice).to_have_count(1)
    assert advice.locator("br").count() >= 3
    expect(site.locator(PANEL)).to_have_attribute("data-handoff", "waiting")
    expect(site.locator(f"{LOG} .vt-choices button")).to_have_text(["Stop met wachten"])
    shot(site, screenshot_dir, "05-waiting")

    conversation_id = session_id(site)
    ticket = waiting_ticket(stack, conversation_id)
    anna = ConsoleClient(CONSOLE)
    assert anna.login("anna", PASSWORD).status_code == 303
    assert anna.claim(ticket.id).status_code == 303
    expect(site.locator(STATE)).to_have_text(
        "Je praat nu met Anna, een medewerker van Veilig Thuis.", timeout=LIVE_TIMEOUT_MS)
    expect(site.locator(PANEL)).to_have_attribute("data-handoff", "claimed")
    expect(bot_messages(site).last).to_contain_text("Je praat nu met Anna")

    assert anna.reply(ticket.id, ANNA_SAYS).status_code == 200
    from_anna = site.locator(f"{LOG} .vt-msg-counsellor").last
    expect(from_anna).to_have_text(f"Anna: {ANNA_SAYS}", timeout=LIVE_TIMEOUT_MS)
    send(site, "Het is nu even rustig")
    wait_for(lambda: "Het is nu even rustig" in str(anna.transcript(ticket.id)), 10,
             "the person's message in the console")
    shot(site, screenshot_dir, "06-claimed-by-anna")

    assert anna.end(ticket.id).status_code == 303
    expect(site.locator(PANEL)).to_have_attribute("data-handoff", "ended",
                                                  timeout=LIVE_TIMEOUT_MS)
    expect(site.locator(STATE)).to_have_text(
        "Het gesprek met Anna is afgesloten. Je praat weer met de chatbot.")
    expect(bot_messages(site).last).to_contain_text("De medewerker heeft het gesprek afgesloten")
    shot(site, screenshot_dir, "07-back-to-the-bot")
    # The bot answers again, in the same session.
    said = bot_messages(site).count()
    send(site, "dank je wel")
    expect(bot_messages(site)).not_to_have_count(said, timeout=BOT_TIMEOUT_MS)
    expect(site.locator(f"{LOG} .vt-msg").last).to_have_class("vt-msg vt-msg-bot")
    assert session_id(site) == conversation_id


def test_stop_met_wachten_gives_the_conversation_back_to_the_bot(site: Page, stack: Stack):
    open_chat(site)
    reach_handoff(site)
    ticket = waiting_ticket(stack, session_id(site))
    answer(site, "Stop met wachten", "je wacht niet meer")
    expect(site.locator(PANEL)).to_have_attribute("data-handoff", "withdrawn",
                                                  timeout=LIVE_TIMEOUT_MS)
    expect(site.locator(STATE)).to_have_text("Je wacht niet meer. Je praat weer met de chatbot.")
    assert stack.queue().get(ticket.id).close_reason == "withdrawn"


# --- quick exit ------------------------------------------------------------------------------
def assert_left_for_good(page: Page, old_session: Optional[str]) -> None:
    """On the neutral page; Back does not return to the chat; the site starts fresh."""
    page.wait_for_url(NEUTRAL)
    assert storage_is_empty(page)  # the neutral page shares the site's origin in this test
    page.go_back()
    assert not page.url.startswith(f"{SITE}/") or page.url == NEUTRAL, page.url
    assert "Veilig Thuis" not in page.content()

    page.goto(f"{SITE}/")
    assert storage_is_empty(page)
    expect(page.locator(f"{LOG} .vt-msg")).to_have_count(0)
    expect(page.locator(PANEL)).to_be_hidden()
    open_chat(page)
    assert started_session_id(page) != old_session


def test_escape_leaves_at_once_and_withdraws_a_waiting_handoff(site: Page, stack: Stack):
    open_chat(site)
    reach_handoff(site)
    old_session = session_id(site)
    ticket = waiting_ticket(stack, old_session)

    site.keyboard.press("Escape")
    assert_left_for_good(site, old_session)
    withdrawn = wait_for(lambda: stack.queue().get(ticket.id).close_reason == "withdrawn", 10,
                         "the waiting handoff withdrawn")
    assert withdrawn


def test_the_snel_weg_button_leaves_at_once(site: Page):
    open_chat(site)
    send(site, "hallo")
    expect(bot_messages(site).last).to_be_visible(timeout=BOT_TIMEOUT_MS)
    old_session = session_id(site)
    site.get_by_role("region", name="Direct hulp").get_by_role("button", name="Snel weg").click()
    assert_left_for_good(site, old_session)


def test_chat_sluiten_ends_the_chat_and_forgets_it(site: Page):
    open_chat(site)
    send(site, "hallo")
    expect(bot_messages(site).last).to_be_visible(timeout=BOT_TIMEOUT_MS)
    old_session = session_id(site)
    site.locator(PANEL).get_by_role("button", name="Chat sluiten").click()
    expect(site.locator(PANEL)).to_be_hidden()
    assert session_id(site) is None
    assert storage_is_empty(site)
    open_chat(site)
    expect(site.locator(f"{LOG} .vt-msg")).to_have_count(0)
    assert started_session_id(site) != old_session


# --- small screens and the keyboard ----------------------------------------------------------
def test_the_chat_fits_a_small_phone(browser: Browser, stack: Stack, screenshot_dir: Path):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{SITE}/")
        expect(page.locator(STATUS)).to_have_attribute("data-state", "open")
        shot(page, screenshot_dir, "08-page-360")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        bar = page.get_by_role("region", name="Direct hulp")
        for name in ("112", "0800-2000"):
            assert_in_viewport(bar.get_by_role("link", name=name), 360, 740)
        assert_in_viewport(bar.get_by_role("button", name="Snel weg"), 360, 740)

        open_chat(page)
        send(page, BYSTANDER_FIRST)
        expect(page.locator(f"{LOG} .vt-choices").last).to_be_visible(timeout=BOT_TIMEOUT_MS)
        shot(page, screenshot_dir, "09-chat-360")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.evaluate("document.querySelector('#vt-log').scrollWidth "
                             "<= document.querySelector('#vt-log').clientWidth")
        for selector in (INPUT, SEND):
            assert_in_viewport(page.locator(selector), 360, 740)
        assert_in_viewport(page.locator(PANEL).get_by_role("button", name="Snel weg"), 360, 740)
    finally:
        context.close()


def assert_in_viewport(locator: Locator, width: int, height: int) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, box


def test_the_chat_works_with_the_keyboard_only(site: Page):
    for _ in range(40):
        site.keyboard.press("Tab")
        if site.evaluate("document.activeElement.id") == "vt-launcher":
            break
    else:
        pytest.fail("Tab never reached the chat button")
    # The focused element shows a visible outline (:focus-visible).
    outline = site.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    site.keyboard.press("Enter")
    expect(site.locator(PANEL)).to_be_visible()
    expect(site.locator(INPUT)).to_be_focused()
    site.keyboard.type("hallo, ik wil iets vragen")
    site.keyboard.press("Enter")
    expect(site.locator(f"{LOG} .vt-msg-person")).to_have_text(["Jij: hallo, ik wil iets vragen"])
    expect(bot_messages(site).last).to_be_visible(timeout=BOT_TIMEOUT_MS)
    expect(site.locator(INPUT)).to_be_focused()

    # The answer buttons come right before the input in the Tab order, and work with Enter.
    send(site, BYSTANDER_FIRST)
    expect(site.locator(f"{LOG} .vt-choices").last).to_be_visible(timeout=BOT_TIMEOUT_MS)
    site.keyboard.press("Shift+Tab")
    site.keyboard.press("Shift+Tab")
    assert site.evaluate("document.activeElement.textContent") == "Nee, nu niet"
    site.keyboard.press("Enter")
    expect(bot_messages(site).last).to_contain_text("kinderen", timeout=BOT_TIMEOUT_MS)
