"""Play multi-turn test conversations against the real servers and report how they went.

The Rasa server, the action server and the website are started as tests/e2e starts them
(its servers.py), with WhatsApp switched on against the tests' local Twilio stand-in. Each
conversation is played turn by turn over its real channel: `website` as a browser does (the
website issues the session, a socket.io client speaks to Rasa's socket.io channel with that
token), `whatsapp` as Twilio does (a signed webhook; the replies are read from the stand-in).
After every turn the tracker is read over Rasa's HTTP API with the token; the expectations are
decided by scripts/dialogue_checks.py.

The clock: the action server reads VT_FAKE_NOW once, at start-up, and nothing else in a
conversation depends on the time. So one Rasa server and one website serve the whole run, all
staffed conversations are played first and the action server is restarted once, with the
closed clock, for the closed ones (a few seconds, instead of a second Rasa server).

Output: figures only. A file whose top says `kind: development` also gets each failure
(conversation id, turn, expectation, the reply); any other file never has a text, a reply or
a conversation id printed. Exit code 0 when the run could be made.

Usage: .venv/bin/python scripts/evaluate_dialogues.py FILE [--only ID]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bot/ and tests/e2e/ (the servers are started as the tests do)
    sys.path.insert(0, str(ROOT))
if str(ROOT / "scripts") not in sys.path:  # dialogue_checks, when imported from elsewhere
    sys.path.append(str(ROOT / "scripts"))

import requests  # noqa: E402
import yaml  # noqa: E402

from dialogue_checks import (Bubble, Conversation, ConversationResult, DialogueFile,  # noqa: E402
                             FileError, below_floors, Observed, check_conversation, domain_slot_values,
                             figures, format_failures, format_figures, load_conversations)

# "staffed": a Monday morning in opening hours; "closed": a Saturday afternoon.
CLOCKS = {"staffed": "2026-12-07T10:00:00+01:00", "closed": "2026-12-05T14:00:00+01:00"}
# Made-up Twilio account of the stand-in, as in tests/e2e/test_channels_live.py.
ACCOUNT_SID, AUTH_TOKEN = "AC" + "7" * 32, "dialogue-harness-twilio-token"
OUR_NUMBER = "whatsapp:+3197010200399"
TURN_TIMEOUT_S = 45  # the bot answers in well under a second; this is for a stuck server
DELIVERY_TIMEOUT_S = 10  # tracker saved -> the channel's messages have all arrived
QUIET_S = 0.3  # no further message for this long: the turn's reply is complete


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- what one turn left behind in the tracker -----------------------------------------------

def turn_events(tracker: Dict[str, Any], before: int) -> List[Dict[str, Any]]:
    """The events of this turn: from the person's (last) new message on."""
    new = tracker.get("events", [])[before:]
    users = [i for i, event in enumerate(new) if event.get("event") == "user"]
    return new[users[-1]:] if users else []


def form_asked(tracker: Dict[str, Any], events: Sequence[Dict[str, Any]]) -> frozenset:
    """The slots a form asked for in this turn: its `utter_ask_<slot>` response (Rasa puts the
    response's name in the bot event's metadata), or the slot the active form requests when
    that form ran in this turn."""
    asked = set()
    for event in events:
        name = (event.get("metadata") or {}).get("utter_action") or ""
        if event.get("event") == "bot" and name.startswith("utter_ask_"):
            asked.add(name[len("utter_ask_"):])
    loop = (tracker.get("active_loop") or {}).get("name")
    requested = (tracker.get("slots") or {}).get("requested_slot")
    if loop and requested and any(e.get("event") == "action" and e.get("name") == loop
                                  for e in events):
        asked.add(requested)
    return frozenset(asked)


def bot_texts(events: Sequence[Dict[str, Any]]) -> List[str]:
    return [e.get("text") or "" for e in events if e.get("event") == "bot" and e.get("text")]


def response_names(events: Sequence[Dict[str, Any]]) -> List[str]:
    """The domain response behind each bot message ("utter_..."), where Rasa recorded one."""
    return [(e.get("metadata") or {}).get("utter_action") or "" for e in events
            if e.get("event") == "bot"]


# --- the servers ----------------------------------------------------------------------------

@dataclass
class Stack:
    """One Rasa server (REST, socket.io and WhatsApp), one website, one action server whose
    clock is switched between the staffed and the closed groups, and the Twilio stand-in."""

    workdir: Path
    hours: Optional[str] = None
    servers: Dict[str, Any] = field(default_factory=dict)
    twilio: Any = None
    channel_key: bytes = b""
    _queue: Any = None
    _engine: Any = None

    def __post_init__(self) -> None:
        self.rasa_port, self.action_port, self.site_port = free_port(), free_port(), free_port()
        self.database_url = f"sqlite:///{self.workdir / 'tracker.db'}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def site_url(self) -> str:
        return f"http://127.0.0.1:{self.site_port}"

    @property
    def whatsapp_url(self) -> str:
        return f"{self.rasa_url}/webhooks/whatsapp/webhook"

    def start(self, hours: str) -> None:
        from bot.channels import pseudonym
        from tests.e2e.servers import (MODEL, VENV_BIN, start_action_server, start_rasa_server,
                                       start_site)
        from tests.e2e.standins import TwilioStandIn

        if not MODEL.exists():
            raise RuntimeError(f"no trained model at {MODEL}: run `make train` first")
        self.twilio = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN).start()
        key = pseudonym.new_key()
        self.channel_key = pseudonym.load_key({pseudonym.KEY_ENV_VAR: key})
        env = {pseudonym.KEY_ENV_VAR: key, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
               "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_WHATSAPP_NUMBER": OUR_NUMBER,
               "TWILIO_WEBHOOK_URL": self.whatsapp_url, "TWILIO_API_URL": self.twilio.base_url}
        # The credentials file as `make run` writes it from the environment.
        credentials = self.workdir / "credentials.yml"
        made = subprocess.run([str(VENV_BIN / "python"), "-m", "bot.channels.config",
                               str(credentials), "credentials.yml"], cwd=ROOT,
                              env={**os.environ, **env}, capture_output=True, text=True,
                              timeout=60)
        if made.returncode != 0:
            raise RuntimeError(f"bot.channels.config failed: {made.stderr[-500:]}")
        self.servers["actions"] = start_action_server(
            self.action_port, self.workdir / "actions.log", CLOCKS[hours], self.database_url)
        self.hours = hours
        self.servers["rasa"] = start_rasa_server(
            self.rasa_port, self.action_port, self.workdir, self.workdir / "rasa.log",
            self.database_url, credentials=credentials, env_extra=env)
        self.servers["site"] = start_site(self.site_port, self.workdir / "site.log",
                                          self.database_url, self.rasa_port, CLOCKS[hours],
                                          socket_url=self.rasa_url)

    def set_hours(self, hours: str) -> None:
        """Pin the action server's clock: a restart, because it reads VT_FAKE_NOW at start."""
        from tests.e2e.servers import start_action_server

        if hours == self.hours:
            return
        self.servers["actions"].stop()
        self.servers["actions"] = start_action_server(
            self.action_port, self.workdir / "actions.log", CLOCKS[hours], self.database_url)
        self.hours = hours

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()
        if self.twilio is not None:
            self.twilio.stop()

    # reading the tracker and the queue ------------------------------------------------------
    def tracker(self, conversation_id: str) -> Dict[str, Any]:
        from tests.e2e.servers import E2E_TOKEN

        response = requests.get(f"{self.rasa_url}/conversations/{conversation_id}/tracker",
                                params={"token": E2E_TOKEN, "include_events": "ALL"}, timeout=30)
        response.raise_for_status()
        return response.json()

    def queue(self):
        from bot.handoff.queue import HandoffQueue

        if self._queue is None:
            self._queue = HandoffQueue.from_url(self.database_url)
        return self._queue

    def saved_user_messages(self, conversation_id: str) -> int:
        """How many messages of the person Rasa's tracker store holds, read from the database
        itself. Asking the HTTP API about a conversation that does not exist yet would create
        it (with a session start) while the bot may be saving its first turn."""
        import sqlalchemy as sa
        from bot.db import create_engine

        if self._engine is None:
            self._engine = create_engine(self.database_url)
        try:
            with self._engine.connect() as connection:
                return connection.execute(
                    sa.text("SELECT COUNT(*) FROM events WHERE sender_id = :id "
                            "AND type_name = 'user'"), {"id": conversation_id}).scalar_one()
        except sa.exc.OperationalError:  # SQLite busy while Rasa writes: ask again
            time.sleep(0.05)
            return self.saved_user_messages(conversation_id)

    def handed_off(self, conversation_id: str, tracker: Dict[str, Any]) -> bool:
        return bool(tracker.get("paused")) or self.queue().active_for(conversation_id) is not None

    def leave_queue(self, conversation_id: str) -> None:
        """After a conversation: a waiting ticket is withdrawn, as when the person leaves, so
        the next conversation starts with an empty queue."""
        queue = self.queue()
        ticket = queue.active_for(conversation_id)
        if ticket is not None and ticket.status == "waiting":
            queue.withdraw(ticket.id, datetime.now(timezone.utc))


# --- playing one conversation ---------------------------------------------------------------

@dataclass
class TurnRecord:
    """What the harness saw in one turn, with the tracker's own bot texts for self-checks."""

    observed: Observed
    tracker_texts: List[str]
    events_after: int = 0  # the tracker's length after this turn: where the next turn starts
    responses: List[str] = field(default_factory=list)  # the bot events' response names


# The channel's messages of this turn so far (socket.io events or Twilio requests).
Replies = Callable[[], Sequence[Dict[str, Any]]]


async def _tracker_after(stack: Stack, conversation_id: str, before: int, users_before: int,
                         replies: Replies) -> Tuple[Optional[Dict[str, Any]], List[Dict]]:
    """Wait until the person's message is in the tracker store: Rasa saves a turn's events
    once, after the whole turn, so then the bot has finished; then read the tracker over the
    HTTP API. A message the intake answered without the bot (too long, too fast) is never
    saved: then a reply followed by 3 quiet seconds ends the wait."""
    deadline = time.monotonic() + TURN_TIMEOUT_S
    last_count, last_change = 0, time.monotonic()
    while time.monotonic() < deadline:
        if await asyncio.to_thread(stack.saved_user_messages, conversation_id) > users_before:
            tracker = await asyncio.to_thread(stack.tracker, conversation_id)
            return tracker, turn_events(tracker, before)
        count = len(replies())
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        elif count and time.monotonic() - last_change > 3:
            if users_before == 0:  # no tracker to read: the bot never saw the conversation
                return {"events": [], "slots": {}}, []
            return await asyncio.to_thread(stack.tracker, conversation_id), []
        await asyncio.sleep(0.05)
    return None, []


async def _all_delivered(replies: Replies, expected: int) -> bool:
    """Wait for at least `expected` messages, then until the channel is quiet."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    while len(replies()) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    count, quiet_since = len(replies()), time.monotonic()
    while time.monotonic() - quiet_since < QUIET_S and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        if len(replies()) != count:
            count, quiet_since = len(replies()), time.monotonic()
    return len(replies()) >= expected


async def _observe(stack: Stack, conversation_id: str, before: int, users_before: int,
                   replies: Replies,
                   bubbles_of: Callable[[Sequence[Dict[str, Any]]], List[Bubble]]) -> TurnRecord:
    tracker, events = await _tracker_after(stack, conversation_id, before, users_before, replies)
    expected = sum(1 for e in events if e.get("event") == "bot")
    delivered = await _all_delivered(replies, expected)
    bubbles = tuple(b for b in bubbles_of(replies()) if b.text or b.buttons)
    if tracker is None:
        return TurnRecord(Observed(bubbles, {}, complete=False), [], before)
    observed = Observed(bubbles, dict(tracker.get("slots") or {}), form_asked(tracker, events),
                        await asyncio.to_thread(stack.handed_off, conversation_id, tracker),
                        complete=delivered and bool(events))
    return TurnRecord(observed, bot_texts(events), len(tracker.get("events") or []),
                      response_names(events))


def _socket_bubbles(messages: Sequence[Dict[str, Any]]) -> List[Bubble]:
    return [Bubble(m.get("text") or "",
                   tuple(q.get("title") or "" for q in m.get("quick_replies") or []))
            for m in messages]


async def play_website(stack: Stack, conversation: Conversation) -> Tuple[str, List[TurnRecord]]:
    from tests.e2e.socket_chat import SocketChat

    # The session the website issues to a browser: a new conversation id and its token.
    session = await asyncio.to_thread(
        lambda: requests.post(f"{stack.site_url}/api/session", timeout=30).json())
    conversation_id = session["session_id"]
    chat = SocketChat(stack.rasa_url, conversation_id, session["token"])
    await chat.connect()
    records: List[TurnRecord] = []
    # A new conversation has no tracker yet; asking for one would start its session early.
    before = 0
    try:
        for turn in conversation.turns:
            start = len(chat.received)
            users = await asyncio.to_thread(stack.saved_user_messages, conversation_id)
            await chat.say(turn.say)
            records.append(await _observe(stack, conversation_id, before, users,
                                          lambda: chat.received[start:], _socket_bubbles))
            before = records[-1].events_after
    finally:
        await chat.disconnect()
    return conversation_id, records


def _whatsapp_bubbles(messages: Sequence[Dict[str, Any]]) -> List[Bubble]:
    # Buttons arrive inside the text as numbered lines ("1. Ja, graag"); the detectors read them.
    return [Bubble(m.get("Body") or "") for m in messages]


async def play_whatsapp(stack: Stack, conversation: Conversation) -> Tuple[str, List[TurnRecord]]:
    from bot.channels import pseudonym
    from tests.e2e.standins import post_twilio_webhook, twilio_whatsapp_params

    phone = f"whatsapp:+316{secrets.randbelow(10 ** 8):08d}"  # a new person each conversation
    conversation_id = pseudonym.conversation_id(stack.channel_key, "whatsapp", phone)
    records: List[TurnRecord] = []
    before = 0
    for turn in conversation.turns:
        start = len(stack.twilio.sent())
        users = await asyncio.to_thread(stack.saved_user_messages, conversation_id)
        params = twilio_whatsapp_params(ACCOUNT_SID, phone, OUR_NUMBER, turn.say)
        status, _ = await asyncio.to_thread(post_twilio_webhook, stack.whatsapp_url, params,
                                            AUTH_TOKEN)
        replies = (lambda since: lambda: [m for m in stack.twilio.sent()[since:]
                                          if m.get("To") == phone])(start)
        record = await _observe(stack, conversation_id, before, users, replies,
                                _whatsapp_bubbles)
        if status != 200:
            record = TurnRecord(Observed(record.observed.bubbles, record.observed.slots,
                                         record.observed.form_asked, record.observed.handed_off,
                                         complete=False), record.tracker_texts,
                                record.events_after, record.responses)
        records.append(record)
        before = record.events_after
    return conversation_id, records


# --- the whole run --------------------------------------------------------------------------

@dataclass
class Run:
    results: List[ConversationResult]
    records: Dict[str, List[TurnRecord]]  # per conversation id, for the harness's own tests
    errors: int  # conversations that could not be played to the end
    seconds: float
    startup_seconds: float


async def _play_all(stack: Stack, conversations: Sequence[Conversation], development: bool,
                    records: Dict[str, List[TurnRecord]]) -> Tuple[List[ConversationResult], int]:
    results: List[ConversationResult] = []
    errors = 0
    for conversation in conversations:
        stack.set_hours(conversation.hours)
        play = play_website if conversation.channel == "website" else play_whatsapp
        conversation_id: Optional[str] = None
        try:
            conversation_id, turn_records = await play(stack, conversation)
        except Exception as exc:  # noqa: BLE001 - one broken conversation must not end the run
            errors += 1
            turn_records = []
            if development:  # a blind file's texts could be in the message
                print(f"! {conversation.id}: {type(exc).__name__}: {exc}", file=sys.stderr)
        # Turns that could not be played count as turns without a reply.
        while len(turn_records) < len(conversation.turns):
            turn_records.append(TurnRecord(Observed((), {}, complete=False), []))
        if conversation_id is not None:
            await asyncio.to_thread(stack.leave_queue, conversation_id)
        observed = [r.observed for r in turn_records]
        final_role = next((o.slots.get("reporter_role") for o in reversed(observed)
                           if o.slots.get("reporter_role")), None)
        results.append(ConversationResult(conversation, observed,
                                          check_conversation(conversation, observed), final_role))
        records[conversation.id] = turn_records
    return results, errors


def run(dialogue_file: DialogueFile, only: Optional[str] = None,
        keep_workdir: Optional[bool] = None) -> Run:
    """Start the servers, play the conversations (staffed first, then closed; results in the
    file's order) and stop the servers."""
    chosen = [c for c in dialogue_file.conversations if only is None or c.id == only]
    order = sorted(chosen, key=lambda c: c.hours != "staffed")  # stable: file order kept
    workdir = Path(tempfile.mkdtemp(prefix="vt-dialogues-"))
    stack = Stack(workdir)
    began = time.monotonic()
    records: Dict[str, List[TurnRecord]] = {}
    try:
        stack.start(order[0].hours if order else "staffed")
        started = time.monotonic()
        results, errors = asyncio.run(_play_all(stack, order, dialogue_file.development, records))
    finally:
        stack.stop()
        # The tracker database holds the file's texts: a blind file leaves nothing behind.
        if keep_workdir or (keep_workdir is None and dialogue_file.development):
            print(f"(servers' logs and database kept in {workdir})", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    position = {c.id: i for i, c in enumerate(chosen)}
    results.sort(key=lambda r: position[r.conversation.id])
    end = time.monotonic()
    return Run(results, records, errors, end - began, started - began)


def report(dialogue_file: DialogueFile, outcome: Run) -> List[str]:
    lines = [f"Dialogue evaluation: {len(outcome.results)} conversations, "
             f"{sum(len(r.observed) for r in outcome.results)} person messages "
             f"({outcome.seconds:.0f} s, of which {outcome.startup_seconds:.0f} s starting the "
             "servers)"]
    if outcome.errors:
        lines.append(f"Conversations that could not be played to the end: {outcome.errors}")
    lines += format_figures(figures(outcome.results))
    if dialogue_file.development:
        failures = format_failures(outcome.results)
        lines.append(f"Failures ({len(failures)}):" if failures else "Failures: none")
        lines += failures
    return lines


REGISTRY = ROOT / "tests" / "dialogues" / "sets.yml"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="*",
                        help="conversation YAML files (default: every file of tests/dialogues/sets.yml)")
    parser.add_argument("--only", metavar="ID", help="play only the conversation with this id")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ.pop("VT_FAKE_NOW", None)  # the clock is the harness's to pin, per group
    files = args.files or [REGISTRY.parent / e["file"] for e in _registered()]
    if args.only is not None and len(files) != 1:
        print("evaluate_dialogues: --only needs exactly one file", file=sys.stderr)
        return 2
    # Every file is played, also after one fell under its floors; the worst status is returned.
    return max([evaluate_file(path, args.only) for path in files])


def evaluate_file(path: Path, only: Optional[str]) -> int:
    """Play one file and print its report: 0, 1 under one of its floors, 2 a bad file."""
    try:
        dialogue_file = load_conversations(path, domain_slot_values(ROOT / "domain.yml"))
    except (OSError, FileError) as exc:
        print(f"evaluate_dialogues: {path}: {exc}", file=sys.stderr)
        return 2
    if only is not None and all(c.id != only for c in dialogue_file.conversations):
        print("evaluate_dialogues: no conversation with that id in the file", file=sys.stderr)
        return 2
    outcome = run(dialogue_file, only)
    print("\n".join(report(dialogue_file, outcome)), flush=True)
    floors = next((e["floors"] for e in _registered(path.resolve().parent)
                   if e["file"] == path.name), None)
    if floors is None or only is not None:
        return 0
    misses = below_floors(figures(outcome.results), floors)
    print("Floors (tests/dialogues/sets.yml): " + ("; ".join(misses) if misses else "all held"))
    return 1 if misses else 0


def _registered(folder: Path = REGISTRY.parent) -> List[Dict[str, Any]]:
    """The entries of the sets.yml in `folder` (none when it has no such file)."""
    listing = folder / "sets.yml"
    if not listing.exists():
        return []
    return yaml.safe_load(listing.read_text(encoding="utf-8"))["sets"]


if __name__ == "__main__":
    sys.exit(main())
