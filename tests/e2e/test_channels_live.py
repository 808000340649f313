"""Telegram and WhatsApp with real parts: the Rasa server with our connectors, the action
server, the console with its worker; and local stand-ins for the Telegram Bot API and Twilio's
REST API on 127.0.0.1 (tests/e2e/standins.py). Updates come in each platform's real webhook
format (Telegram's JSON with its secret header, Twilio's signed form) and the replies are
checked in the platform's real outgoing format (sendMessage; Messages.json)."""

from __future__ import annotations

import itertools
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Dict, Iterator, List
from zoneinfo import ZoneInfo

import pytest
import requests

from bot.channels.door import ONLY_TEXT, PERSON_STOPPED, STOPPED
from bot.channels.pseudonym import new_key
from bot.console import labels
from bot.handoff.queue import HandoffQueue
from tests.e2e.console_client import ConsoleClient
from tests.e2e.servers import (MODEL, ROOT, Server, VENV_BIN, start_action_server,
                               fetch_tracker, settings_file, start_console, start_rasa_server)
from tests.e2e.standins import (TelegramStandIn, TwilioStandIn, post_twilio_webhook,
                                telegram_callback_update, telegram_photo_update, telegram_update,
                                twilio_whatsapp_image_params, twilio_whatsapp_params)
from tests.e2e.test_conversations import BYSTANDER_FIRST
from tests.e2e.test_handoff_live import PASSWORD, add_counsellor

RASA_PORT, ACTION_PORT, CONSOLE_PORT = 5163, 5113, 5183
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
ACCOUNT_SID, AUTH_TOKEN = "AC" + "5" * 32, "twilio-test-auth-token"
OUR_NUMBER = "whatsapp:+3197010200300"
PHONE = "whatsapp:+31612345678"
CHAT_ID = 700100200
_update_ids = itertools.count(1000)


@dataclass
class Stack:
    workdir: Path
    database_url: str
    telegram: TelegramStandIn
    twilio: TwilioStandIn
    servers: Dict[str, Server]

    @property
    def whatsapp_url(self) -> str:
        return f"http://127.0.0.1:{RASA_PORT}/webhooks/whatsapp/webhook"

    def tracker(self, conversation_id: str) -> Dict:
        return fetch_tracker(f"http://127.0.0.1:{RASA_PORT}", conversation_id, all_events=True)

    def logs(self) -> str:
        return "".join((self.workdir / name).read_text(errors="replace")
                       for name in ("rasa.log", "actions.log", "console.log"))


def always_open_settings(workdir: Path) -> Path:
    """settings.yml with the chat staffed around the clock: the servers can then be pinned to
    the moment the tests start (WhatsApp's window is judged against the real times of Rasa's
    events), and the console's worker never closes the queue, whatever hour the tests run."""
    def always_open(settings: dict) -> None:
        days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        settings["chat"]["opening_hours"] = {day: ["00:00", "23:59"] for day in days}
        settings["chat"]["closed_on_holidays"] = []

    return settings_file(workdir, "settings-always-open.yml", always_open)


def console_now() -> str:
    """Now, but never in the last minute of the day (23:59 closes the always-open chat)."""
    now = datetime.now(ZoneInfo("Europe/Amsterdam"))
    latest = now.replace(hour=23, minute=30, second=0, microsecond=0)
    return min(now, latest).isoformat()


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    workdir = tmp_path_factory.mktemp("channels")
    url = f"sqlite:///{workdir / 'tracker.db'}"
    telegram = TelegramStandIn(TOKEN).start()
    twilio = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN).start()
    stack = Stack(workdir, url, telegram, twilio, {})
    env = {"VT_CHANNEL_KEY": new_key(), "TELEGRAM_ACCESS_TOKEN": TOKEN,
           "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{RASA_PORT}/webhooks/telegram/webhook",
           "TELEGRAM_API_URL": telegram.base_url, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
           "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_WHATSAPP_NUMBER": OUR_NUMBER,
           "TWILIO_WEBHOOK_URL": stack.whatsapp_url, "TWILIO_API_URL": twilio.base_url}
    try:
        # The credentials file as `make run` writes it, from the environment.
        credentials = workdir / "credentials.yml"
        made = subprocess.run([str(VENV_BIN / "python"), "-m", "bot.channels.config",
                               str(credentials), "credentials.yml"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, made.stderr
        add_counsellor(url, "anna", "Anna")
        # One pinned moment for the action server (which stamps a ticket) and the console
        # (whose worker expires it): two clocks days apart expired a new ticket at once.
        now, settings = console_now(), always_open_settings(workdir)
        stack.servers["actions"] = start_action_server(
            ACTION_PORT, workdir / "actions.log", now, database_url=url,
            env_extra={"VT_SETTINGS": str(settings)})
        stack.servers["rasa"] = start_rasa_server(RASA_PORT, ACTION_PORT, workdir,
                                                  workdir / "rasa.log", url,
                                                  credentials=credentials, env_extra=env)
        stack.servers["console"] = start_console(CONSOLE_PORT, workdir / "console.log", url,
                                                 RASA_PORT, now, settings=settings)
        yield stack
    finally:
        for server in stack.servers.values():
            server.stop()
        telegram.stop()
        twilio.stop()


def counsellor() -> ConsoleClient:
    anna = ConsoleClient(f"http://127.0.0.1:{CONSOLE_PORT}")
    assert anna.login("anna", PASSWORD).status_code == 303
    return anna


def only_ticket(anna: ConsoleClient, channel: str) -> Dict:
    rows = [row for row in anna.queue()["waiting"] if dict(row["summary"])["Kanaal"] == channel]
    assert len(rows) == 1, rows
    return rows[0]


# --- Telegram --------------------------------------------------------------------------------
def telegram_says(stack: Stack, text: str, chat_id: int = CHAT_ID) -> List:
    """The person sends `text`; the bot's sendMessage calls for that chat in answer."""
    since = stack.telegram.mark()
    status, _ = stack.telegram.post_update(telegram_update(next(_update_ids), chat_id, text))
    assert status == 200
    return sent_since(stack.telegram, since, chat_id)


def sent_since(telegram: TelegramStandIn, since: int, chat_id: int) -> List:
    return [c for c in telegram.calls()[since:] if c.method == "sendmessage" and c.chat_id == chat_id]


def test_telegram_choices_handoff_counsellor_and_stop(stack: Stack):
    telegram = stack.telegram
    hook = telegram.webhook  # registered at start-up, with the secret Telegram must send back
    assert hook["url"].endswith("/webhooks/telegram/webhook") and len(hook["secret_token"]) == 64
    assert set(hook["allowed_updates"]) == {"message", "edited_message", "callback_query"}

    assert "fijn dat je er bent" in telegram_says(stack, "/start")[-1].text  # Telegram's first
    asked = telegram_says(stack, BYSTANDER_FIRST)[-1]
    lines = asked.text.splitlines()
    assert "in gevaar" in lines[0] and lines[1] == "1. Ja, nu" and lines[2] == "2. Nee, nu niet"
    keyboard = asked.params["reply_markup"]["inline_keyboard"]
    assert keyboard[1] == [{"text": "2. Nee, nu niet", "callback_data": "2"}]

    # A press on button 2 counts as the answer "2"; the spinner is stopped.
    since = telegram.mark()
    status, _ = telegram.post_update(telegram_callback_update(
        next(_update_ids), CHAT_ID, "2", asked.result))
    assert status == 200
    assert [c.method for c in telegram.calls()[since:]][0] == "answercallbackquery"
    assert "kinderen" in sent_since(telegram, since, CHAT_ID)[-1].text
    offer = telegram_says(stack, "ja, er wonen twee kleine kinderen")[-1].text
    assert "medewerker" in offer and "1. Ja, graag" in offer
    waiting = telegram_says(stack, "Ja, graag")[-1].text  # by its words
    assert "wachtrij" in waiting and "1. Stop met wachten" in waiting

    anna = counsellor()
    row = only_ticket(anna, "Telegram")
    person = dict(row["summary"])["Persoon"]
    assert person.startswith("P-") and str(CHAT_ID) not in str(anna.queue())
    since = telegram.mark()
    assert anna.claim(row["id"]).status_code == 303
    telegram.wait_for(lambda c: c.chat_id == CHAT_ID and "Je praat nu met Anna" in (c.text or ""),
                      since=since)
    assert str(CHAT_ID) not in anna.get(f"/chat/{row['id']}").text

    since = telegram.mark()
    assert anna.reply(row["id"], "Hoi, ik ben Anna. Hoe gaat het nu?").status_code == 200
    telegram.wait_for(lambda c: c.chat_id == CHAT_ID and c.text == "Hoi, ik ben Anna. Hoe gaat het nu?",
                      since=since)
    assert telegram_says(stack, "het is nu even rustig") == []  # the bot is silent now
    said = [e for e in anna.transcript(row["id"])["entries"] if e["author"] == "person"]
    assert said[-1]["text"] == "het is nu even rustig"

    # "stop": the conversation ends at once, the counsellor sees why, the bot starts over.
    assert [c.text for c in telegram_says(stack, "Stop")] == [STOPPED]
    ticket = HandoffQueue.from_url(stack.database_url).get(row["id"])
    assert (ticket.status, ticket.close_reason) == ("closed", "stopped")
    review = anna.get(f"/review/{row['id']}").text
    assert PERSON_STOPPED.replace("'", "&#39;") in review and person in review
    conversation = ticket.conversation_id
    assert conversation.startswith("tg-") and str(CHAT_ID) not in conversation
    assert stack.tracker(conversation)["paused"] is False
    assert "fijn dat je er bent" in telegram_says(stack, "hallo")[-1].text

    logs = stack.logs()
    assert str(CHAT_ID) not in logs and "Hoe gaat het nu" not in logs and "rustig" not in logs


def test_telegram_refuses_what_does_not_come_from_telegram_and_answers_the_rest(stack: Stack):
    telegram, chat = stack.telegram, CHAT_ID + 1
    url = telegram.webhook["url"]
    update = telegram_update(next(_update_ids), chat, "hallo")
    since = telegram.mark()
    forged = requests.post(url, json=update, timeout=30,
                           headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
    assert forged.status_code == 403
    assert requests.post(url, json=update, timeout=30).status_code == 403  # no secret at all
    secret = {"X-Telegram-Bot-Api-Secret-Token": telegram.webhook["secret_token"]}
    assert requests.post(url, data=b"{not json", headers=secret, timeout=30).status_code == 400
    assert requests.post(url, json=[1, 2], headers=secret, timeout=30).status_code == 400
    group = telegram_update(next(_update_ids), chat, "hallo allemaal")
    group["message"]["chat"]["type"] = "group"
    assert telegram.post_update(group)[0] == 200
    assert sent_since(telegram, since, chat) == []  # nothing sent, nothing answered
    status, _ = telegram.post_update(telegram_photo_update(next(_update_ids), chat))
    assert status == 200 and [c.text for c in sent_since(telegram, since, chat)] == [ONLY_TEXT]


# --- WhatsApp through Twilio -----------------------------------------------------------------
def whatsapp_says(stack: Stack, text: str, phone: str = PHONE) -> List[str]:
    since = len(stack.twilio.sent())
    status, body = post_twilio_webhook(stack.whatsapp_url, twilio_whatsapp_params(
        ACCOUNT_SID, phone, OUR_NUMBER, text), auth_token=AUTH_TOKEN)
    assert status == 200 and "<Response>" in body
    sent = stack.twilio.sent()[since:]
    assert all(message["From"] == OUR_NUMBER for message in sent)
    return [message["Body"] for message in sent if message["To"] == phone]


def sent_to(twilio: TwilioStandIn, phone: str, since: int, count: int) -> List[Dict]:
    """The first `count` messages to `phone` after `since`, once they have all arrived."""
    for _ in range(150):
        sent = [m for m in twilio.sent()[since:] if m["To"] == phone]
        if len(sent) >= count:
            return sent[:count]
        time.sleep(0.2)
    raise AssertionError(f"{count} messages never reached {phone}")


def test_whatsapp_numbered_choices_handoff_window_counsellor_and_stop(stack: Stack):
    asked = whatsapp_says(stack, BYSTANDER_FIRST)[-1].splitlines()
    assert "in gevaar" in asked[0] and asked[1:3] == ["1. Ja, nu", "2. Nee, nu niet"]
    assert asked[-1] == "Antwoord met een nummer of in je eigen woorden."
    assert "kinderen" in whatsapp_says(stack, "2")[-1]
    assert "medewerker" in whatsapp_says(stack, "ja, er wonen twee kleine kinderen")[-1]
    waiting = whatsapp_says(stack, "1")[-1]
    assert "wachtrij" in waiting and "1. Stop met wachten" in waiting

    anna = counsellor()
    row = only_ticket(anna, "WhatsApp")
    assert "612345678" not in str(anna.queue())
    since = len(stack.twilio.sent())
    anna.claim(row["id"])
    stack.twilio.wait_for(lambda m: m["To"] == PHONE and "Je praat nu met Anna" in m["Body"],
                          since=since)
    page = anna.get(f"/chat/{row['id']}").text
    assert "WhatsApp: je kunt antwoorden tot" in page and "612345678" not in page
    closes = datetime.strptime(anna.transcript(row["id"])["window"]["closes"], "%d-%m-%Y %H:%M")
    expected = datetime.now(ZoneInfo("Europe/Amsterdam")).replace(tzinfo=None) + timedelta(hours=24)
    assert abs(closes - expected) < timedelta(minutes=5)  # 24 hours after the person wrote

    since = len(stack.twilio.sent())
    assert anna.reply(row["id"], "Hoi, ik ben Anna.\n\nHoe gaat het nu?").status_code == 200
    stack.twilio.wait_for(lambda m: m["To"] == PHONE and m["Body"] == "Hoe gaat het nu?",
                          since=since)
    assert [m["Body"] for m in stack.twilio.sent()[since:]][0] == "Hoi, ik ben Anna."
    long = " ".join(["lang"] * 500)  # 2,499 characters: more than one WhatsApp message holds
    since = len(stack.twilio.sent())
    assert anna.reply(row["id"], long).status_code == 200
    parts = sent_to(stack.twilio, PHONE, since, count=2)
    assert " ".join(m["Body"] for m in parts) == long and all(len(m["Body"]) <= 1600 for m in parts)

    assert whatsapp_says(stack, "stop") == [STOPPED]
    ticket = HandoffQueue.from_url(stack.database_url).get(row["id"])
    assert (ticket.status, ticket.close_reason) == ("closed", "stopped")
    assert ticket.conversation_id.startswith("wa-") and "612345678" not in ticket.conversation_id
    assert labels.pseudonym(ticket.conversation_id) == dict(row["summary"])["Persoon"]
    logs = stack.logs()
    assert "612345678" not in logs and "Hoe gaat het nu" not in logs


def test_whatsapp_refuses_unsigned_requests_and_answers_photos_in_words(stack: Stack):
    phone = "whatsapp:+31687654321"
    params = twilio_whatsapp_params(ACCOUNT_SID, phone, OUR_NUMBER, "hallo")
    since = len(stack.twilio.sent())
    assert post_twilio_webhook(stack.whatsapp_url, params)[0] == 403  # no signature
    assert post_twilio_webhook(stack.whatsapp_url, params, auth_token="someone-else")[0] == 403
    status, _ = post_twilio_webhook(stack.whatsapp_url, params, auth_token=AUTH_TOKEN,
                                    signature_url=stack.whatsapp_url + "?x=1")
    assert status == 403  # signed for another URL
    other_account = twilio_whatsapp_params("AC" + "6" * 32, phone, OUR_NUMBER, "hallo")
    assert post_twilio_webhook(stack.whatsapp_url, other_account, auth_token=AUTH_TOKEN)[0] == 400
    assert stack.twilio.sent()[since:] == []
    status, _ = post_twilio_webhook(stack.whatsapp_url, twilio_whatsapp_image_params(
        ACCOUNT_SID, phone, OUR_NUMBER), auth_token=AUTH_TOKEN)
    assert status == 200 and [m["Body"] for m in stack.twilio.sent()[since:]] == [ONLY_TEXT]


def test_stop_while_waiting_takes_the_person_out_of_the_queue(stack: Stack):
    chat = CHAT_ID + 2
    for answer in (BYSTANDER_FIRST, "2", "ja, er wonen twee kleine kinderen"):
        telegram_says(stack, answer, chat)
    assert "wachtrij" in telegram_says(stack, "1", chat)[-1].text
    queue = HandoffQueue.from_url(stack.database_url)
    [ticket] = [t for t in queue.waiting() if t.channel == "telegram"]
    assert [c.text for c in telegram_says(stack, "stoppen", chat)] == [STOPPED]
    closed = queue.get(ticket.id)
    assert (closed.status, closed.close_reason, closed.claimed_by) == ("closed", "stopped", None)
    assert all(t.id != ticket.id for t in queue.waiting())
    # Nobody was talking to them, so no note for a counsellor; the bot listens again.
    texts = [e["text"] for e in stack.tracker(ticket.conversation_id)["events"] if e.get("text")]
    assert PERSON_STOPPED not in texts and texts[-1] == STOPPED
    assert "fijn dat je er bent" in telegram_says(stack, "hoi", chat)[-1].text


def test_a_replayed_twilio_request_is_answered_once(stack: Stack):
    params = twilio_whatsapp_params(ACCOUNT_SID, "whatsapp:+31611112222", OUR_NUMBER, "hoi")
    since = len(stack.twilio.sent())
    first = post_twilio_webhook(stack.whatsapp_url, params, auth_token=AUTH_TOKEN)
    replayed = post_twilio_webhook(stack.whatsapp_url, params, auth_token=AUTH_TOKEN)
    assert first[0] == replayed[0] == 200  # signed correctly both times ...
    answers = [m["Body"] for m in stack.twilio.sent()[since:]]
    assert len(answers) == 1 and "fijn dat je er bent" in answers[0]  # ... but handled once


def test_telegram_webhook_cannot_be_re_registered_from_outside(stack: Stack):
    url = stack.telegram.webhook["url"].replace("/webhook", "/set_webhook")
    assert requests.post(url, timeout=10).status_code in (404, 405)
