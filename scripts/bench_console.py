"""Speed and memory of the counsellor console (`python -m bot.console`) on a realistic database.

Builds a temporary SQLite database the way production fills it: 30 people waiting (each with a
conversation of about 40 events written by Rasa's own SQLTrackerStore), one claimed chat of 400
events, one claimed chat per simulated counsellor, and 2,000 closed tickets over 90 days (with
their transcripts and reviews). Times one handoff-worker round in-process, then starts the real
console on ports 5471 (console) and 5472 (a stand-in for the Rasa HTTP API that answers 200),
logs in and measures: the JSON endpoints and pages one counsellor uses (p50/p95), 10 and 40
counsellors polling at the browser's rates, and the console's peak memory. Loopback only; the
temporary folder and both servers are removed/stopped also on error. Prints aggregate figures
only (a Markdown table for the README) and writes JSON with --json. It reports; it does not
assert.

Usage: .venv/bin/python scripts/bench_console.py [--json var/bench_console.json] [--quick]
Exit code: 0 when the measurements completed, 2 when the console could not be set up or started.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from http.cookiejar import DefaultCookiePolicy
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")  # Rasa 3.6 uses SQLAlchemy 1.4

# The process and machine helpers of the bot's benchmark (scripts/bench.py, beside this file).
from bench import machine_info, port_busy, process_parents, read_proc, stop  # noqa: E402
from bot.benchmark import (  # noqa: E402
    descendants, fmt, percentile, status_kb,
)

HOST = "127.0.0.1"  # all traffic stays on this machine
CONSOLE_PORT = 5471
STANDIN_PORT = 5472
PYTHON = sys.executable
FAKE_NOW = "2026-11-30T10:00:00+01:00"  # a Monday morning: the chat is staffed
NOW = datetime.fromisoformat(FAKE_NOW)
ZONE = ZoneInfo("Europe/Amsterdam")
SEED = 20261130

START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 30.0
TOTAL_BUDGET_S = 300  # a hard stop for the whole run (it normally takes under 2 minutes)
QUEUE_EVERY_S = 3.0  # static/console.js: the queue page polls /api/queue every 3 s
TRANSCRIPT_EVERY_S = 2.0  # and the chat page polls the transcript every 2 s


@dataclass(frozen=True)
class Profile:
    waiting: int
    closed: int
    long_chat_events: int
    warmup: int
    queue_requests: int
    full_transcript_requests: int
    live_poll_requests: int
    review_requests: int
    reply_requests: int
    loads: Tuple[Tuple[int, float], ...]  # (counsellors, seconds)
    worker_rounds: int


FULL = Profile(waiting=30, closed=2000, long_chat_events=400, warmup=10, queue_requests=200,
               full_transcript_requests=100, live_poll_requests=200, review_requests=30,
               reply_requests=100, loads=((10, 30.0), (40, 20.0)), worker_rounds=20)
QUICK = Profile(waiting=30, closed=200, long_chat_events=400, warmup=3, queue_requests=20,
                full_transcript_requests=10, live_poll_requests=20, review_requests=5,
                reply_requests=10, loads=((10, 5.0), (40, 5.0)), worker_rounds=5)


class StartError(RuntimeError):
    """The database could not be built or the console did not start."""


# ------------------------------------------------------------------------------ test data

# (first message, concern_type, reporter_role, acute, children, duration, talked, safe to chat)
CASES: List[Tuple[str, str, str, bool, str, str, str, str]] = [
    ("Ik hoor bijna elke avond geschreeuw en gebonk bij de buren, en daarna huilt er een kind.",
     "kindermishandeling", "omstander", False, "ja", "een paar maanden", "nee", "ja"),
    ("Mijn vriend kijkt steeds mijn telefoon na en ik mag niet meer alleen naar mijn zus.",
     "partnergeweld", "slachtoffer", False, "nee", "sinds vorig jaar", "nee", "ja"),
    ("Mijn moeder van 82 wordt door mijn broer uitgescholden en hij neemt haar pinpas af.",
     "ouderenmishandeling", "omstander", False, "nee", "een half jaar", "ja", "ja"),
    ("Ik maak me zorgen om een leerling, ze heeft vaak blauwe plekken op haar armen.",
     "kindermishandeling", "professional", False, "ja", "sinds de zomer", "ja", "ja"),
    ("Mijn man heeft me gisteren weer geslagen, de kinderen waren erbij.",
     "partnergeweld", "slachtoffer", False, "ja", "jaren", "nee", "ja"),
    ("Mijn nichtje moet deze zomer trouwen met een man die ze niet kent.",
     "schadelijke_praktijken", "omstander", False, "nee", "een paar weken", "nee", "ja"),
    ("Ik ben bang dat ik mijn zoon iets aandoe als hij weer zo tegen me schreeuwt.",
     "huiselijk_geweld", "pleger", False, "ja", "een paar maanden", "nee", "ja"),
    ("De buurjongen van 6 staat vaak 's avonds laat nog buiten, zijn ouders doen niet open.",
     "kindermishandeling", "omstander", False, "ja", "weet ik niet", "nee", "ja"),
    ("Mijn ex staat steeds voor de deur en stuurt me tientallen berichten per dag.",
     "partnergeweld", "slachtoffer", False, "nee", "twee maanden", "ja", "ja"),
    ("Mijn stiefvader zit aan me als mijn moeder er niet is.",
     "seksueel_geweld", "slachtoffer", False, "ja", "al een jaar", "nee", "nee"),
    ("Mijn vader drinkt en slaat dan mijn moeder, ik ben 15.",
     "huiselijk_geweld", "slachtoffer", False, "ja", "zolang ik me kan herinneren", "nee", "ja"),
    ("Een cliënt van mij vertelt dat haar partner haar opsluit als hij weggaat.",
     "partnergeweld", "professional", False, "nee", "onbekend", "ja", "ja"),
    ("Mijn oma krijgt niet genoeg te eten, mijn oom die bij haar woont doet niets.",
     "ouderenmishandeling", "omstander", False, "nee", "sinds de winter", "nee", "ja"),
    ("Hij staat nu voor de deur en zegt dat hij me iets aandoet als ik niet opendoe.",
     "partnergeweld", "slachtoffer", True, "nee", "vandaag", "nee", "ja"),
    ("Mijn buurvrouw gilt om hulp, ik hoor glas breken, er zijn twee kleine kinderen.",
     "huiselijk_geweld", "omstander", True, "ja", "nu", "nee", "ja"),
]
WAITING_SAYS = ["oké, ik wacht", "hallo? is er al iemand?", "ik ben er nog",
                "duurt het nog lang?", "oké dank je", "ik blijf wachten"]
PERSON_SAYS = [
    "Ja dat klopt, het gebeurt vooral 's avonds als hij gedronken heeft.",
    "Ik weet niet goed wat ik moet doen, ik wil niet dat het erger wordt.",
    "Nee, ik heb het nog aan niemand verteld. Ik schaam me er een beetje voor.",
    "De kinderen zijn 4 en 7. Ze zitten dan boven op hun kamer.",
    "Soms is het een week rustig en dan begint het weer.",
    "Ik ben bang dat hij erachter komt dat ik met jullie praat.",
    "Kan ik ook anoniem een melding doen?",
    "Wat gebeurt er als jullie langskomen?",
    "Oké. Dat lucht al een beetje op.",
    "Hij zegt altijd dat het mijn schuld is.",
    "Mijn zus weet er een beetje van, maar zij woont ver weg.",
    "Ja, ik kan nu rustig praten, hij is naar zijn werk.",
]
COUNSELLOR_SAYS = [
    "Goed dat je ons schrijft. Ik lees mee en neem de tijd voor je.",
    "Wat naar dat je dit meemaakt. Kun je vertellen wat er de laatste keer gebeurde?",
    "Dat is heel begrijpelijk. Je hoeft je niet te schamen.",
    "Zijn de kinderen op dit moment veilig?",
    "Je kunt ons advies vragen zonder dat je meteen een melding doet.",
    "Als er ooit direct gevaar is, bel dan 112.",
    "Zullen we samen kijken wat een volgende stap kan zijn?",
    "Wij kunnen ook anoniem met je meedenken. Je bepaalt zelf wat je vertelt.",
    "Heb je iemand bij wie je terecht kunt als het thuis niet veilig voelt?",
    "Je mag altijd terugkomen in deze chat of bellen met 0800-2000.",
]
INTENTS = ["describe_concern", "affirm", "deny", "dont_know", "inform_duration", "inform_role",
           "acute_danger", "greet", "ask_anonymity", "out_of_scope", "continue_chat", "thanks"]
SAFE_INTENTS = ("continue_chat", "affirm", "thanks")  # not acute, not stop_waiting


class Conversation:
    """Builds Rasa events the way our bot's turns leave them in the tracker store."""

    def __init__(self, sender: str, start: float, rng: random.Random) -> None:
        from rasa.shared.core import events as ev

        self.ev, self.sender, self.ts, self.rng = ev, sender, start, rng
        self.events: List[Any] = []

    def _next(self, low: float = 1.0, high: float = 20.0) -> float:
        self.ts += self.rng.uniform(low, high)
        return self.ts

    def action(self, name: str) -> None:
        self.events.append(self.ev.ActionExecuted(name, policy="RulePolicy", confidence=1.0,
                                                  timestamp=self._next(0.05, 0.3)))

    def slot(self, key: str, value: Any) -> None:
        self.events.append(self.ev.SlotSet(key, value, timestamp=self._next(0.01, 0.1)))

    def user(self, text: str, intent: str, entities: Sequence[Dict[str, Any]] = ()) -> None:
        confidence = round(self.rng.uniform(0.55, 0.99), 4)
        others = [i for i in INTENTS if i != intent]
        ranking = [{"name": intent, "confidence": confidence}] + [
            {"name": name, "confidence": round((1 - confidence) / (n + 2), 4)}
            for n, name in enumerate(others[:9])]
        tokens = [[m.start(), m.end()] for m in re.finditer(r"\w+", text)]
        parse_data = {"text": text, "intent": {"name": intent, "confidence": confidence},
                      "entities": list(entities), "intent_ranking": ranking,
                      "text_tokens": tokens, "message_id": secrets.token_hex(16),
                      "metadata": {}}
        self.events.append(self.ev.UserUttered(
            text, intent=parse_data["intent"], entities=list(entities), parse_data=parse_data,
            timestamp=self._next(8.0, 60.0), input_channel="socketio",
            message_id=parse_data["message_id"]))

    def bot(self, text: str, buttons: Sequence[str] = (),
            metadata: Optional[Dict[str, Any]] = None) -> None:
        data = {"elements": None, "quick_replies": None, "attachment": None, "image": None,
                "custom": None,
                "buttons": [{"title": b, "payload": f"/{b}"} for b in buttons] or None}
        meta = {"model_id": "bench", "assistant_id": "veilig_thuis_triage", **(metadata or {})}
        self.events.append(self.ev.BotUttered(text, data=data, metadata=meta,
                                              timestamp=self._next(0.2, 2.0)))

    def pause(self) -> None:
        self.events.append(self.ev.ConversationPaused(timestamp=self._next(0.05, 0.2)))

    def resume(self) -> None:
        self.events.append(self.ev.ConversationResumed(timestamp=self._next(0.05, 0.2)))

    def bot_part(self, case: Tuple[Any, ...], position: int) -> None:
        """From the first hello to the handoff and the pause: about 40 events."""
        first, concern, role, acute, children, duration, talked, safe = case
        self.action("action_session_start")
        self.events.append(self.ev.SessionStarted(timestamp=self._next(0.01, 0.05)))
        self.action("action_listen")
        if self.rng.random() < 0.6:
            self.user(self.rng.choice(["hallo", "hoi", "goedemiddag"]), "greet")
            self.action("utter_greet")
            self.bot("Hoi, ik ben de chatbot van Veilig Thuis. Vertel gerust wat je zorgen "
                     "maakt; je hoeft je naam niet te noemen.")
            self.action("action_listen")
        entities = [{"entity": "concern_type", "value": concern, "extractor": "TriageExtractor"},
                    {"entity": "reporter_role", "value": role, "extractor": "TriageExtractor"}]
        self.user(first, "acute_danger" if acute else "describe_concern", entities)
        self.slot("concern_type", concern)
        self.slot("reporter_role", role)
        self.action("utter_concern_ack")
        self.bot("Dank je dat je dit vertelt. Ik stel je een paar korte vragen, zodat een "
                 "medewerker je straks goed kan helpen.")
        questions = [
            ("acute_danger", "Is er op dit moment iemand in direct gevaar?", ["ja", "nee"],
             "ja" if acute else "nee", "affirm" if acute else "deny", acute),
            ("children_involved", "Zijn er kinderen bij betrokken?", ["ja", "nee", "weet ik niet"],
             children, "affirm" if children == "ja" else "deny", children),
            ("concern_duration", "Hoe lang speelt dit al?", [], duration, "inform_duration",
             duration),
            ("talked_to_someone", "Heb je er al met iemand over gepraat?", ["ja", "nee"],
             talked, "affirm" if talked == "ja" else "deny", talked),
            ("safety_can_chat", "Kun je nu veilig chatten?", ["ja", "nee"], safe,
             "affirm" if safe == "ja" else "deny", safe),
        ]
        for slot, question, buttons, answer, intent, value in questions:
            self.action(f"utter_ask_{slot}")
            self.bot(question, buttons)
            self.action("action_listen")
            self.user(answer, intent)
            self.slot(slot, value)
        self.action("utter_offer_handoff")
        self.bot("Wil je nu chatten met een medewerker van Veilig Thuis?", ["ja", "nee"])
        self.action("action_listen")
        self.user("ja graag", "affirm")
        self.action("action_handoff")
        self.bot(f"Ik zet je door naar een medewerker. Je bent nummer {position} in de rij.")
        self.pause()

    def counsellor_chat(self, username: str, display: str, events_total: int) -> None:
        """The counsellor joins; then person and counsellor take turns up to events_total."""
        self.bot(f"{display} van Veilig Thuis is er nu voor je.",
                 metadata={"author": "handoff_worker"})
        speaker = 0
        while len(self.events) < events_total:
            if speaker % 2 == 0:
                self.user(self.rng.choice(PERSON_SAYS), self.rng.choice(SAFE_INTENTS))
            else:
                self.bot(self.rng.choice(COUNSELLOR_SAYS),
                         metadata={"author": "counsellor", "counsellor": username,
                                   "counsellor_name": display})
            speaker += 1


def summary_of(case: Tuple[Any, ...], at: datetime) -> Dict[str, Any]:
    first, concern, role, acute, children, duration, talked, safe = case
    return {"concern_type": concern, "reporter_role": role, "acute_danger": acute,
            "children_involved": children, "concern_duration": duration,
            "talked_to_someone": talked, "safety_can_chat": safe, "first_message": first,
            "time": at.isoformat(timespec="seconds"), "channel": "socketio"}


@dataclass
class Dataset:
    url: str
    password: str
    main_user: str
    long_ticket: int
    load_users: List[Tuple[str, int]]  # (username, their claimed ticket)
    events_rows: int = 0
    closed: int = 0
    waiting: int = 0
    build_seconds: float = 0.0


async def _save(store: Any, conversation: Conversation) -> None:
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events(conversation.sender, conversation.events,
                                               slots=store.domain.slots)
    await store.save(tracker)


def _local_daytime(rng: random.Random, days_back: int) -> datetime:
    """A weekday moment within opening hours, `days_back` days before NOW."""
    day = (NOW.astimezone(ZONE) - timedelta(days=days_back)).date()
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    minutes = rng.randrange(9 * 60, 16 * 60 + 45)
    return datetime(day.year, day.month, day.day, minutes // 60, minutes % 60,
                    rng.randrange(60), tzinfo=ZONE).astimezone(timezone.utc)


async def build_database(tmp: Path, profile: Profile, load_counsellors: int) -> Dataset:
    """The temp database: accounts, closed history, claimed chats, the waiting queue."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from bot.console.auth import Accounts
    from bot.console.store import reviews
    from bot.db import aware, prepare_database
    from bot.handoff.queue import CLOSED, ENDED, NOT_PICKED_UP, WITHDRAWN, HandoffQueue
    from bot.handoff.queue import priority_of, tickets
    from bot.handoff.transcript import events as events_table

    begun = time.monotonic()
    rng = random.Random(SEED)
    db_path = tmp / "console-bench.db"
    url = f"sqlite:///{db_path}"
    engine = prepare_database(url)
    # The bot's domain, so that the slots the conversations set exist, as in production.
    store = SQLTrackerStore(Domain.load(str(ROOT / "domain.yml")), dialect="sqlite",
                            db=str(db_path))
    queue = HandoffQueue(engine)
    password = secrets.token_urlsafe(18)
    accounts = Accounts(engine, lambda: NOW)
    main_user = "anna"
    accounts.add(main_user, "Anna", password)
    load_names = [f"mw{n:02d}" for n in range(1, load_counsellors + 1)]
    for name in load_names:
        accounts.add(name, f"Medewerker {name[2:]}", password)
    staff = [main_user] + load_names

    # 1. Closed tickets over 90 days, oldest first, each with a transcript (retention keeps
    #    handed-over conversations 90 days). A few are written by the tracker store; the
    #    others copy their rows, re-timed, which is what the tracker store would write.
    templates: List[List[Dict[str, Any]]] = []
    for n in range(8):
        conv = Conversation(f"template-{n}", 0.0, rng)
        conv.bot_part(rng.choice(CASES), position=rng.randint(1, 4))
        if n % 4 != 3:  # most were picked up; the rest withdrew or were not picked up
            conv.counsellor_chat("mw01", "Medewerker 01", len(conv.events) + rng.randint(8, 30))
        conv.resume()
        conv.bot("Dit gesprek is afgesloten. Je kunt altijd terugkomen of bellen met 0800-2000.",
                 metadata={"author": "handoff_worker"})
        await _save(store, conv)
    with engine.connect() as connection:
        for n in range(8):
            rows = connection.execute(sa.select(events_table).where(
                events_table.c.sender_id == f"template-{n}").order_by(events_table.c.id)).all()
            templates.append([dict(row._mapping) for row in rows])
    with engine.begin() as connection:
        connection.execute(events_table.delete().where(events_table.c.sender_id.like("template-%")))

    closed_rows, review_rows, event_rows = [], [], []
    starts = sorted((_local_daytime(rng, rng.randrange(1, 90)) for _ in range(profile.closed)))
    for n, created in enumerate(starts):
        case = rng.choice(CASES)
        summary = summary_of(case, created)
        outcome = rng.random()
        claimed_by, claimed_at = None, None
        if outcome < 0.8:
            claimed_by = rng.choice(staff)
            claimed_at = created + timedelta(seconds=rng.randint(20, 540))
            closed_at, reason = claimed_at + timedelta(minutes=rng.randint(8, 55)), ENDED
        elif outcome < 0.9:
            closed_at, reason = created + timedelta(seconds=rng.randint(30, 540)), WITHDRAWN
        else:
            closed_at, reason = created + timedelta(minutes=10), NOT_PICKED_UP
        sender = f"closed-{n:05d}"
        closed_rows.append(dict(
            conversation_id=sender, channel="socketio",
            summary=json.dumps(summary, ensure_ascii=False), priority=priority_of(summary),
            status=CLOSED, created_at=created, claimed_by=claimed_by, claimed_at=claimed_at,
            closed_at=closed_at, close_reason=reason))
        template = templates[n % len(templates)]
        shift = created.timestamp() - 600 - template[0]["timestamp"]
        for row in template:
            data = json.loads(row["data"])
            data["timestamp"] = row["timestamp"] + shift
            event_rows.append(dict(sender_id=sender, type_name=row["type_name"],
                                   timestamp=data["timestamp"], intent_name=row["intent_name"],
                                   action_name=row["action_name"], data=json.dumps(data)))
    with engine.begin() as connection:
        connection.execute(events_table.insert(), event_rows)
        connection.execute(tickets.insert(), closed_rows)
        ids = connection.execute(sa.select(tickets.c.id, tickets.c.created_at)).all()
        for ticket_id, created in ids:
            # Most conversations older than a week have been reviewed.
            created = aware(created)
            if (NOW - created).days > 7 and rng.random() < 0.7:
                review_rows.append(dict(ticket_id=ticket_id, reviewed_by=rng.choice(staff),
                                        reviewed_at=created + timedelta(days=rng.randint(1, 6)),
                                        note=rng.choice(["", "", "Goed opgepakt.",
                                                         "Doorverwezen naar wijkteam."])))
        if review_rows:
            connection.execute(reviews.insert(), review_rows)

    # 2. Claimed chats: one per load counsellor (about 40 events each), and Anna's long one.
    load_users: List[Tuple[str, int]] = []
    for name in load_names:
        created = NOW - timedelta(minutes=rng.randint(15, 40))
        case = rng.choice(CASES)
        conv = Conversation(f"claimed-{name}", created.timestamp() - 240, rng)
        conv.bot_part(case, position=1)
        conv.counsellor_chat(name, f"Medewerker {name[2:]}", 48)
        await _save(store, conv)
        ticket = queue.create(conv.sender, "socketio", summary_of(case, created), created)
        queue.claim(ticket.id, name, created + timedelta(minutes=2))
        load_users.append((name, ticket.id))
    created = NOW - timedelta(minutes=55)
    case = CASES[4]
    conv = Conversation("claimed-long", created.timestamp() - 300, rng)
    conv.bot_part(case, position=2)
    conv.counsellor_chat(main_user, "Anna", profile.long_chat_events)
    await _save(store, conv)
    long_ticket = queue.create(conv.sender, "socketio", summary_of(case, created), created)
    queue.claim(long_ticket.id, main_user, created + timedelta(minutes=3))

    # 3. The queue: people who accepted a counsellor 1 to 8 minutes ago (the worker gives up
    #    after 10), mixed priorities, each still writing a little while waiting.
    for n in range(profile.waiting):
        created = NOW - timedelta(seconds=rng.randint(60, 480))
        case = CASES[n % len(CASES)]
        conv = Conversation(f"waiting-{n:03d}", created.timestamp() - 420, rng)
        conv.bot_part(case, position=n + 1)
        conv.ts = created.timestamp()
        for _ in range(rng.randint(1, 3)):
            conv.user(rng.choice(WAITING_SAYS), rng.choice(SAFE_INTENTS))
        await _save(store, conv)
        queue.create(conv.sender, "socketio", summary_of(case, created), created)

    with engine.connect() as connection:
        events_count = connection.execute(
            sa.select(sa.func.count()).select_from(events_table)).scalar()
        waiting = len(queue.waiting())
        closed = connection.execute(sa.select(sa.func.count()).select_from(tickets)
                                    .where(tickets.c.status == CLOSED)).scalar()
    store.engine.dispose()
    engine.dispose()
    return Dataset(url, password, main_user, long_ticket.id, load_users, events_count, closed,
                   waiting, time.monotonic() - begun)


# ------------------------------------------------------------------------------ worker round


class RecordingRasa:
    """Stands in for RasaClient in-process: records what would be appended."""

    def __init__(self) -> None:
        self.sent: List[Tuple[str, List[Dict[str, Any]]]] = []

    async def append(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        self.sent.append((conversation_id, events))

    async def close(self) -> None:
        pass


@dataclass
class WorkerResult:
    first_round_ms: float  # tells people their place in the queue
    rounds: int
    median_ms: float
    p95_ms: float
    max_ms: float
    messages_sent: int
    still_waiting: int


def bench_worker(url: str, rounds: int) -> WorkerResult:
    from bot.db import create_engine
    from bot.handoff.queue import HandoffQueue
    from bot.handoff.service import HandoffService
    from bot.schedule import ChatSchedule
    from bot.settings import load_settings

    settings = load_settings()
    engine = create_engine(url)
    rasa = RecordingRasa()
    service = HandoffService(queue=HandoffQueue(engine), engine=engine,
                             rasa=rasa,  # type: ignore[arg-type]
                             schedule=ChatSchedule(settings.chat), clock=lambda: NOW,
                             max_wait=timedelta(minutes=settings.handoff.max_wait_minutes))

    async def run() -> Tuple[float, List[float]]:
        start = time.perf_counter()
        await service.tick()
        first = time.perf_counter() - start
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            await service.tick()
            times.append(time.perf_counter() - start)
        return first, times

    try:
        first, times = asyncio.run(run())
        still = len(service.queue.waiting())
    finally:
        engine.dispose()
    return WorkerResult(first * 1000, rounds, percentile(times, 50) * 1000,
                        percentile(times, 95) * 1000, max(times) * 1000, len(rasa.sent), still)


# ------------------------------------------------------------------------------ Rasa stand-in

EVENTS_PATH = re.compile(r"/conversations/[^/]+/tracker/events")


class StandIn(ThreadingHTTPServer):
    """Answers 200 to POST /conversations/<id>/tracker/events, as Rasa's API does."""

    daemon_threads = True

    def __init__(self, port: int) -> None:
        super().__init__((HOST, port), _StandInHandler)
        self.lock = threading.Lock()
        self.posts = 0
        self.rejected = 0
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2},
                                       daemon=True)

    def record(self, ok: bool) -> None:
        with self.lock:
            if ok:
                self.posts += 1
            else:
                self.rejected += 1

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The console closing its keep-alive connections when it stops is not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=5.0)


class _StandInHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as aiohttp expects

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _answer(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self._body()
        ok = EVENTS_PATH.fullmatch(urlsplit(self.path).path) is not None
        self.server.record(ok)  # type: ignore[attr-defined]
        self._answer(200 if ok else 404, b"{}" if ok else b'{"error": "not found"}')

    def do_GET(self) -> None:  # noqa: N802
        self._answer(200, b'{"version": "stand-in"}')

    def log_message(self, *args: Any) -> None:
        pass


# ------------------------------------------------------------------------------ console process


def start_console(url: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update({"VT_DATABASE_URL": url, "VT_CONSOLE_PORT": str(CONSOLE_PORT),
                "VT_RASA_URL": f"http://{HOST}:{STANDIN_PORT}",
                "VT_RASA_TOKEN": secrets.token_urlsafe(24), "VT_FAKE_NOW": FAKE_NOW,
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1"})
    with log.open("wb") as out:
        proc = subprocess.Popen([PYTHON, "-m", "bot.console"], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if requests.get(f"http://{HOST}:{CONSOLE_PORT}/health", timeout=2.0).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop(proc)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:]) if log.exists() else ""
    raise StartError(f"the console did not answer within {START_TIMEOUT_S:.0f} s:\n{tail}")


def process_tree(root: int) -> List[int]:
    return sorted(descendants(process_parents(), root))


def cpu_seconds(pids: Sequence[int]) -> float:
    """utime + stime of these processes, in seconds."""
    ticks = 0
    for pid in pids:
        stat = read_proc(f"/proc/{pid}/stat")
        if stat:
            fields = stat.rsplit(")", 1)[1].split()  # fields 3.. of proc(5): state, ppid, ...
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------------ HTTP client

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class Client:
    """One counsellor's browser: one keep-alive connection, cookies kept by hand (the session
    cookie is Secure, so `requests` would not send it back over http://127.0.0.1)."""

    def __init__(self) -> None:
        self.base = f"http://{HOST}:{CONSOLE_PORT}"
        self.http = requests.Session()
        self.http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self.cookies: Dict[str, str] = {}
        self.csrf: Optional[str] = None

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   **kwargs.pop("headers", {})}
        resp = self.http.request(method, self.base + path, headers=headers,
                                 allow_redirects=False, timeout=REQUEST_TIMEOUT_S, **kwargs)
        for header in resp.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return resp

    def login(self, username: str, password: str, want_csrf: bool) -> None:
        form = self.request("GET", "/login")
        found = CSRF_FIELD.search(form.text)
        if form.status_code != 200 or not found:
            raise StartError(f"login form: HTTP {form.status_code}")
        resp = self.request("POST", "/login", data={"csrf_token": found.group(1),
                                                    "username": username, "password": password})
        if resp.status_code != 303:
            raise StartError(f"login of {username} refused: HTTP {resp.status_code}")
        if want_csrf:
            meta = CSRF_META.search(self.request("GET", "/").text)
            if not meta:
                raise StartError("no CSRF token on the queue page")
            self.csrf = meta.group(1)

    def close(self) -> None:
        self.http.close()


@dataclass
class Sample:
    kind: str
    seconds: float
    ok: bool
    size: int
    started: float = 0.0  # seconds from the start of the run


def timed(client: Client, kind: str, method: str, path: str, t0: float = 0.0,
          **kwargs: Any) -> Sample:
    start = time.perf_counter()
    try:
        resp = client.request(method, path, **kwargs)
        ok, size = resp.status_code == 200, len(resp.content)
    except requests.RequestException:
        ok, size = False, 0
    return Sample(kind, time.perf_counter() - start, ok, size, start - t0)


@dataclass
class Latency:
    requests: int
    p50_ms: float
    p95_ms: float
    errors: int
    bytes: int  # size of the last answer's body


def latency(samples: Sequence[Sample]) -> Latency:
    seconds = [s.seconds for s in samples]
    return Latency(len(samples), percentile(seconds, 50) * 1000, percentile(seconds, 95) * 1000,
                   sum(not s.ok for s in samples), samples[-1].size if samples else 0)


def measure(client: Client, kind: str, method: str, path: str, warmup: int, n: int,
            **kwargs: Any) -> Latency:
    for _ in range(warmup):
        timed(client, kind, method, path, **kwargs)
    return latency([timed(client, kind, method, path, **kwargs) for _ in range(n)])


@dataclass
class LoadResult:
    counsellors: int
    seconds: float
    served: int
    expected: float  # requests the browsers would have sent in the window
    errors: int
    p50_ms: float
    p95_ms: float
    queue_p95_ms: float
    transcript_p95_ms: float
    max_ms: float
    console_cpu_pct: float  # of one core, over the window


def simulate(client: Client, ticket_id: int, after: int, t0: float, seconds: float,
             rng: random.Random) -> List[Sample]:
    """A counsellor with the queue page and one chat open: the browser's two timers."""
    every = {"queue": QUEUE_EVERY_S, "transcript": TRANSCRIPT_EVERY_S}
    due = {kind: t0 + rng.uniform(0, interval) for kind, interval in every.items()}
    paths = {"queue": "/api/queue",
             "transcript": f"/api/tickets/{ticket_id}/transcript?after={after}"}
    deadline = t0 + seconds
    samples: List[Sample] = []
    while True:
        kind = min(due, key=lambda k: due[k])
        if due[kind] >= deadline:
            return samples
        time.sleep(max(0.0, due[kind] - time.perf_counter()))
        samples.append(timed(client, kind, "GET", paths[kind], t0))
        # setInterval keeps its rhythm; a browser that is behind does not catch up in a burst.
        due[kind] = max(due[kind] + every[kind], time.perf_counter())


def load(clients: Sequence[Tuple[Client, int, int]], seconds: float, console_pids: List[int],
         rng: random.Random) -> LoadResult:
    seeds = [rng.random() for _ in clients]
    cpu_before, t0 = cpu_seconds(console_pids), time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        futures = [pool.submit(simulate, c, ticket, after, t0, seconds, random.Random(s))
                   for (c, ticket, after), s in zip(clients, seeds)]
        samples = [s for f in futures for s in f.result()]
    wall = time.perf_counter() - t0
    cpu = cpu_seconds(console_pids) - cpu_before
    times = [s.seconds for s in samples]

    def p95(kind: str) -> float:
        return percentile([s.seconds for s in samples if s.kind == kind], 95) * 1000

    return LoadResult(
        counsellors=len(clients), seconds=seconds, served=len(samples),
        expected=len(clients) * seconds * (1 / QUEUE_EVERY_S + 1 / TRANSCRIPT_EVERY_S),
        errors=sum(not s.ok for s in samples), p50_ms=percentile(times, 50) * 1000,
        p95_ms=percentile(times, 95) * 1000, queue_p95_ms=p95("queue"),
        transcript_p95_ms=p95("transcript"), max_ms=max(times, default=0.0) * 1000,
        console_cpu_pct=100 * cpu / wall if wall > 0 else 0.0)


# ------------------------------------------------------------------------------ the run


@dataclass
class Results:
    worker: WorkerResult
    endpoints: Dict[str, Latency] = field(default_factory=dict)
    loads: List[LoadResult] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    console_processes: int = 1
    standin_posts: int = 0
    standin_rejected: int = 0
    transcript_entries: int = 0
    review_rows: int = 0


def bench_console(data: Dataset, profile: Profile, tmp: Path, results: Results) -> None:
    if port_busy(CONSOLE_PORT) or port_busy(STANDIN_PORT):
        raise StartError(f"port {CONSOLE_PORT} or {STANDIN_PORT} is already in use")
    standin = StandIn(STANDIN_PORT)
    standin.thread.start()
    proc: Optional[subprocess.Popen] = None
    clients: List[Client] = []
    try:
        begun = time.monotonic()
        proc = start_console(data.url, tmp / "console.log")
        pids = process_tree(proc.pid)
        print(f"[console] up on :{CONSOLE_PORT} after {time.monotonic() - begun:.1f} s "
              f"({len(pids)} process{'es' if len(pids) > 1 else ''}); logging in", flush=True)
        anna = Client()
        clients.append(anna)
        anna.login(data.main_user, data.password, want_csrf=True)
        state = anna.request("GET", "/api/queue").json()
        if len(state["waiting"]) != data.waiting or len(state["mine"]) != 1:
            raise StartError(f"unexpected queue: {len(state['waiting'])} waiting, "
                             f"{len(state['mine'])} mine")
        long_path = f"/api/tickets/{data.long_ticket}/transcript"
        entries = anna.request("GET", long_path + "?after=0").json()["entries"]
        last_id = entries[-1]["id"]
        results.transcript_entries = len(entries)
        review_html = anna.request("GET", "/review").text
        results.review_rows = review_html.count('<a href="/review/')

        w, e = profile.warmup, results.endpoints
        e["queue"] = measure(anna, "queue", "GET", "/api/queue", w, profile.queue_requests)
        e["transcript_full"] = measure(anna, "transcript", "GET", long_path + "?after=0", w,
                                       profile.full_transcript_requests)
        e["transcript_poll"] = measure(anna, "transcript", "GET", f"{long_path}?after={last_id}",
                                       w, profile.live_poll_requests)
        e["review"] = measure(anna, "review", "GET", "/review", w, profile.review_requests)
        e["reply"] = measure(
            anna, "reply", "POST", f"/tickets/{data.long_ticket}/reply", w,
            profile.reply_requests, headers={"Accept": "application/json"},
            data={"csrf_token": anna.csrf or "",
                  "text": "Dank je dat je dit met me deelt. Wat zou je nu het meest helpen?"})
        print(f"[console] one counsellor: queue p95 {e['queue'].p95_ms:.1f} ms, full transcript "
              f"p95 {e['transcript_full'].p95_ms:.1f} ms, review p95 {e['review'].p95_ms:.1f} ms",
              flush=True)

        rng = random.Random(SEED + 1)
        most = max(n for n, _ in profile.loads)
        crowd: List[Tuple[Client, int, int]] = []
        for username, ticket_id in data.load_users[:most]:
            client = Client()
            clients.append(client)
            client.login(username, data.password, want_csrf=False)
            got = client.request("GET", f"/api/tickets/{ticket_id}/transcript?after=0")
            if got.status_code != 200:
                raise StartError(f"{username} cannot read their chat: HTTP {got.status_code}")
            crowd.append((client, ticket_id, got.json()["entries"][-1]["id"]))
        for counsellors, seconds in profile.loads:
            time.sleep(1.0)  # let keep-alive timers and the worker settle between phases
            result = load(crowd[:counsellors], seconds, pids, rng)
            results.loads.append(result)
            print(f"[console] {counsellors} counsellors, {seconds:.0f} s: {result.served} "
                  f"requests, {result.errors} errors, p95 {result.p95_ms:.1f} ms, console CPU "
                  f"{result.console_cpu_pct:.0f} %", flush=True)

        pids = process_tree(proc.pid)
        results.console_processes = len(pids)
        results.peak_rss_mb = sum(status_kb(read_proc(f"/proc/{pid}/status"), "VmHWM")
                                  for pid in pids) / 1024
    finally:
        for client in clients:
            client.close()
        if proc is not None:
            stop(proc)
        standin.stop()
        results.standin_posts, results.standin_rejected = standin.posts, standin.rejected


# ------------------------------------------------------------------------------ report


def thousands(n: float) -> str:
    return f"{n:,.0f}"


def markdown(machine: Dict[str, object], data: Dataset, r: Results, profile: Profile) -> str:
    e = r.endpoints
    lines = [
        f"Measured with `scripts/bench_console.py` on {machine['date_utc']}: "
        f"{machine['nproc']} CPUs ({machine['cpu_model']}), "
        f"{thousands(float(machine['memory_total_mb']))} MB RAM, Python {machine['python']}. "
        f"SQLite in a temporary folder: {data.waiting} waiting, {thousands(data.closed)} closed "
        f"over 90 days, {thousands(data.events_rows)} rows in `events`; one client, "
        f"{profile.warmup} warm-up requests per line; Rasa replaced by a stand-in that "
        "answers 200.",
        "",
        "| | requests | p50 | p95 | errors | notes |",
        "|---|---:|---:|---:|---:|---|",
    ]

    def row(label: str, lat: Latency, note: str) -> None:
        lines.append(f"| {label} | {lat.requests} | {fmt(lat.p50_ms)} ms | {fmt(lat.p95_ms)} ms "
                     f"| {lat.errors} | {note} |")

    row(f"`GET /api/queue` ({data.waiting} waiting)", e["queue"],
        f"{e['queue'].bytes / 1024:.0f} kB")
    row(f"`GET …/transcript?after=0` ({profile.long_chat_events} events)", e["transcript_full"],
        f"{r.transcript_entries} entries, {e['transcript_full'].bytes / 1024:.0f} kB")
    row("`GET …/transcript?after=<last>` (live poll)", e["transcript_poll"], "nothing new")
    row(f"`GET /review` ({thousands(data.closed)} closed)", e["review"],
        f"{r.review_rows:,} rows, {e['review'].bytes / 1024:.0f} kB of HTML")
    row("`POST /tickets/<id>/reply`", e["reply"], "through the Rasa stand-in")
    for load_result in r.loads:
        lines.append(
            f"| {load_result.counsellors} counsellors polling, {load_result.seconds:.0f} s "
            f"| {load_result.served} | {fmt(load_result.p50_ms)} ms | {fmt(load_result.p95_ms)} ms "
            f"| {load_result.errors} | {load_result.served / load_result.seconds:.1f} req/s of "
            f"{load_result.expected / load_result.seconds:.1f} wanted; console CPU "
            f"{load_result.console_cpu_pct:.0f} % of a core |")
    w = r.worker
    lines.append(f"| worker round (`HandoffService.tick`, {data.waiting} waiting), in-process "
                 f"| {w.rounds} | {fmt(w.median_ms)} ms | {fmt(w.p95_ms)} ms | - | first round "
                 f"{fmt(w.first_round_ms)} ms (tells {w.messages_sent} people their place) |")
    lines.append(f"| console peak memory (VmHWM) | | | | | {r.peak_rss_mb:.0f} MB |")
    return "\n".join(lines)


def write_json(path: Path, machine: Dict[str, object], data: Dataset, r: Results,
               profile: Profile, total_s: float) -> None:
    out = {
        "machine": machine,
        "profile": asdict(profile),
        "dataset": {"waiting": data.waiting, "closed": data.closed,
                    "events_rows": data.events_rows, "long_chat_events": profile.long_chat_events,
                    "transcript_entries": r.transcript_entries, "review_rows": r.review_rows,
                    "build_seconds": round(data.build_seconds, 1)},
        "endpoints": {k: asdict(v) for k, v in r.endpoints.items()},
        "load": [asdict(x) for x in r.loads],
        "worker": asdict(r.worker),
        "console": {"peak_rss_mb": round(r.peak_rss_mb, 1), "processes": r.console_processes,
                    "standin_posts": r.standin_posts, "standin_rejected": r.standin_rejected},
        "total_seconds": round(total_s, 1),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


# ------------------------------------------------------------------------------ main


def _out_of_time(*_: Any) -> None:
    raise TimeoutError(f"the benchmark took longer than {TOTAL_BUDGET_S} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--quick", action="store_true", help="few requests: a smoke test")
    args = parser.parse_args()
    profile = QUICK if args.quick else FULL
    # SIGTERM and the time budget unwind through the `finally` blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(TOTAL_BUDGET_S)
    # Rasa 3.6's import-time deprecation notices say nothing about this benchmark. Sanic (which
    # Rasa imports) sets DeprecationWarning to "once" when imported: import it first.
    import sanic.app  # noqa: F401

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message="Slot auto-fill")
    begun = time.monotonic()
    most = max(n for n, _ in profile.loads)
    try:
        with tempfile.TemporaryDirectory(prefix="vt-bench-console-") as tmp_name:
            tmp = Path(tmp_name)
            print("[data] building the database (Rasa's SQLTrackerStore, SQLite)", flush=True)
            data = asyncio.run(build_database(tmp, profile, most))
            print(f"[data] {data.waiting} waiting, {data.closed} closed, {data.events_rows} "
                  f"events in {data.build_seconds:.1f} s", flush=True)
            worker = bench_worker(data.url, profile.worker_rounds)
            print(f"[worker] round with {worker.still_waiting} waiting: median "
                  f"{worker.median_ms:.1f} ms (first {worker.first_round_ms:.1f} ms)", flush=True)
            results = Results(worker=worker)
            bench_console(data, profile, tmp, results)
    except (StartError, OSError) as exc:
        print(f"Benchmark stopped: {exc}", file=sys.stderr)
        return 2
    finally:
        signal.alarm(0)
    total = time.monotonic() - begun
    machine = machine_info()
    print()
    print(markdown(machine, data, results, profile))
    if args.json:
        write_json(args.json, machine, data, results, profile, total)
        print(f"\nFigures written to {args.json}")
    print(f"\nThe whole run took {total:.0f} s; the Rasa stand-in took {results.standin_posts} "
          f"posts ({results.standin_rejected} refused).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
