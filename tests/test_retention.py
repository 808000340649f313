"""Retention (bot/retention.py), on SQLite and PostgreSQL (the `database_url` fixture).

Conversations are written by Rasa's own SQLTrackerStore, tickets by the HandoffQueue, so the
rows look exactly as they do in production; every check is a count on the raw tables.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, Optional, Sequence, Tuple

import pytest
import sqlalchemy as sa
import yaml

from bot.console.store import audit_log, reviews, sessions
from bot.db import create_engine, create_tables
from bot.handoff.queue import CLAIMED, CLOSED, WAITING, HandoffQueue, tickets
from bot import retention
from bot.lease import try_acquire
from bot.retention import PurgeReport, purge, purge_if_due, run_purge_forever
from bot.settings import DEFAULT_SETTINGS_PATH, RetentionSettings, load_settings
from tests.tracker_helpers import tracker_store  # Rasa's real SQLTrackerStore

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=timezone.utc)
# A week for bot-only conversations here (settings.yml says 2 hours): the day-scale cases below.
DEFAULTS = RetentionSettings(transcript_days=90, bot_only_hours=7 * 24, audit_days=365,
                             purge_every_minutes=15)
SUMMARY = {"concern_type": "huiselijk_geweld", "acute_danger": False, "children_involved": "nee"}
MARKER = "zonnebloemveld7391"  # a word that occurs nowhere else


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@dataclass
class Db:
    url: str
    engine: sa.engine.Engine
    queue: HandoffQueue
    store: object  # rasa.core.tracker_store.SQLTrackerStore

    # --- writing, the way the bot and the console do ---------------------------------------

    def chat(self, sender: str, *parts: Tuple[datetime, str]) -> None:
        """One conversation: for each (time, text) a user message and the bot's answer."""
        from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
        from rasa.shared.core.trackers import DialogueStateTracker

        events = []
        for at, text in parts:
            ts = at.timestamp()
            events += [
                ActionExecuted("action_listen", timestamp=ts),
                UserUttered(text, intent={"name": "melding_doen", "confidence": 0.9},
                            timestamp=ts),
                BotUttered("Dank je dat je dit vertelt.", timestamp=ts + 2),
            ]
        asyncio.run(self.store.save(DialogueStateTracker.from_events(sender, events)))

    def ticket(self, sender: str, created: datetime, status: str,
               closed: Optional[datetime] = None) -> int:
        ticket = self.queue.create(sender, "rest", SUMMARY, created)
        if status in (CLAIMED, CLOSED):
            assert self.queue.claim(ticket.id, "hulpverlener-1", created + timedelta(minutes=3))
        if status == CLOSED:
            assert self.queue.end(ticket.id, closed or created + timedelta(minutes=40))
        return ticket.id

    def review(self, ticket_id: int, at: datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(reviews.insert().values(
                ticket_id=ticket_id, reviewed_by="teamleider", reviewed_at=at,
                note="Goed opgepakt."))

    def audit(self, at: datetime, ticket_id: Optional[int] = None) -> None:
        with self.engine.begin() as connection:
            connection.execute(audit_log.insert().values(
                at=at, actor="hulpverlener-1", action="open_transcript", ticket_id=ticket_id))

    def session(self, token: str, last_seen: datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(sessions.insert().values(
                token_hash=token, username="hulpverlener-1", csrf_token="c" * 64,
                created_at=last_seen - timedelta(hours=1), last_seen_at=last_seen))

    # --- reading the raw tables ------------------------------------------------------------

    def count(self, sql: str, **params) -> int:
        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql), params).scalar_one()

    def events(self, sender: Optional[str] = None) -> int:
        if sender is None:
            return self.count("SELECT COUNT(*) FROM events")
        return self.count("SELECT COUNT(*) FROM events WHERE sender_id = :s", s=sender)

    def tickets(self, sender: Optional[str] = None) -> int:
        if sender is None:
            return self.count("SELECT COUNT(*) FROM handoff_tickets")
        return self.count("SELECT COUNT(*) FROM handoff_tickets WHERE conversation_id = :s",
                          s=sender)

    def reviews(self, ticket_id: Optional[int] = None) -> int:
        if ticket_id is None:
            return self.count("SELECT COUNT(*) FROM handoff_reviews")
        return self.count("SELECT COUNT(*) FROM handoff_reviews WHERE ticket_id = :t",
                          t=ticket_id)

    def table_counts(self) -> dict:
        return {table: self.count(f"SELECT COUNT(*) FROM {table}") for table in (
            "events", "handoff_tickets", "handoff_reviews", "console_audit_log",
            "console_sessions")}


@pytest.fixture
def db(database_url) -> Iterator[Db]:
    engine = create_engine(database_url)
    create_tables(engine)
    store = tracker_store(database_url)
    yield Db(url=database_url, engine=engine, queue=HandoffQueue(engine), store=store)
    # PostgreSQL: the next test drops the tables, which open connections would block.
    store.engine.dispose()
    engine.dispose()


def run(db: Db, retention: RetentionSettings = DEFAULTS, **kwargs) -> PurgeReport:
    return purge(db.engine, NOW, retention, **kwargs)


# --- conversations with the bot only ---------------------------------------------------------

def test_bot_only_conversation_deleted_after_bot_only_hours(db):
    db.chat("oud", (days_ago(10), "Mijn buurman schreeuwt elke nacht."))
    db.chat("recent", (days_ago(3), "Ik maak me zorgen om mijn zus."))
    # Started long ago, but the person came back two days ago: the last event counts.
    db.chat("teruggekomen", (days_ago(30), "Hallo"), (days_ago(2), "Ik ben er weer."))
    events_before = db.events("oud")
    assert events_before > 0

    report = run(db)

    assert db.events("oud") == 0
    assert db.events("recent") > 0 and db.events("teruggekomen") > 0
    assert report == PurgeReport(conversations_deleted=1, events_deleted=events_before)


# --- transcripts (conversations that reached a counsellor) -----------------------------------

def test_old_transcript_deleted_with_its_ticket_and_review(db):
    db.chat("oud", (days_ago(120), "Mijn vader slaat mijn moeder."))
    ticket = db.ticket("oud", days_ago(120), CLOSED)
    db.review(ticket, days_ago(119))
    db.audit(days_ago(120), ticket)  # the audit log has its own, longer retention
    events_before = db.events("oud")

    report = run(db)

    assert (db.events("oud"), db.tickets("oud"), db.reviews(ticket)) == (0, 0, 0)
    assert db.count("SELECT COUNT(*) FROM console_audit_log") == 1
    assert report == PurgeReport(conversations_deleted=1, events_deleted=events_before,
                                 tickets_deleted=1, reviews_deleted=1)


def test_transcript_within_transcript_days_kept(db):
    db.chat("maand", (days_ago(30), "Mijn vader slaat mijn moeder."))
    ticket = db.ticket("maand", days_ago(30), CLOSED)
    db.review(ticket, days_ago(29))
    before = db.table_counts()

    assert run(db) == PurgeReport()
    assert db.table_counts() == before and db.events("maand") > 0


def test_transcript_is_not_a_bot_only_conversation(db):
    # 10 days old: past bot_only_hours, but it reached a counsellor, so transcript_days apply.
    db.chat("overgedragen", (days_ago(10), "Ik wil met iemand praten."))
    db.ticket("overgedragen", days_ago(10), CLOSED)
    before = db.table_counts()
    assert run(db) == PurgeReport()
    assert db.table_counts() == before


@pytest.mark.parametrize("status", [WAITING, CLAIMED])
def test_open_ticket_protects_even_an_ancient_conversation(db, status):
    db.chat("open", (days_ago(400), "Help, hij staat voor de deur."))
    old = db.ticket("open", days_ago(400), CLOSED)
    db.review(old, days_ago(399))
    db.ticket("open", days_ago(300), status)  # never closed
    # The same without any events left: the tickets are not orphans to delete either.
    orphan = db.ticket("zonder-events", days_ago(400), CLOSED)
    db.ticket("zonder-events", days_ago(300), status)
    before = db.table_counts()

    assert run(db) == PurgeReport()
    assert db.table_counts() == before
    assert db.tickets("open") == 2 and db.reviews(old) == 1
    assert db.queue.get(orphan).status == CLOSED and db.tickets("zonder-events") == 2


def test_later_bot_chat_keeps_an_old_transcript(db):
    db.chat("later", (days_ago(120), "Mijn vriend bedreigt me."),
            (days_ago(10), "Ik wil nog iets vragen."))
    ticket = db.ticket("later", days_ago(120), CLOSED)
    db.review(ticket, days_ago(119))
    before = db.table_counts()

    assert run(db) == PurgeReport()
    assert db.table_counts() == before


def test_one_recently_closed_ticket_keeps_the_whole_transcript(db):
    db.chat("twee", (days_ago(200), "Eerste gesprek."), (days_ago(100), "Tweede gesprek."))
    first = db.ticket("twee", days_ago(200), CLOSED)
    db.review(first, days_ago(199))
    # The second ticket was closed 80 days ago, after the person had left the chat.
    db.ticket("twee", days_ago(100), CLOSED, closed=days_ago(80))
    before = db.table_counts()

    assert run(db) == PurgeReport()
    assert db.table_counts() == before

    # Ten days later both tickets and the last event are past transcript_days.
    report = purge(db.engine, NOW + timedelta(days=11), DEFAULTS)
    assert report.conversations_deleted == 1 and report.tickets_deleted == 2
    assert (db.events("twee"), db.tickets("twee"), db.reviews()) == (0, 0, 0)


# --- tickets and reviews without a conversation ----------------------------------------------

def test_old_closed_tickets_without_events_deleted_with_their_reviews(db):
    # A review whose ticket was already deleted elsewhere (by hand, or an older version).
    purged = db.ticket("elders", days_ago(50), CLOSED)
    db.review(purged, days_ago(49))
    recent = db.ticket("recent-weg", days_ago(30), CLOSED)
    db.review(recent, days_ago(29))
    with db.engine.begin() as connection:
        connection.execute(tickets.delete().where(tickets.c.id == purged))
    old = db.ticket("weg", days_ago(100), CLOSED)
    db.review(old, days_ago(99))
    waiting = db.ticket("wacht", days_ago(200), WAITING)

    report = run(db)

    assert report == PurgeReport(tickets_deleted=1, reviews_deleted=2)
    assert db.tickets("weg") == 0 and db.reviews(old) == 0 and db.reviews(purged) == 0
    assert db.tickets("recent-weg") == 1 and db.reviews(recent) == 1
    assert db.queue.get(waiting).status == WAITING


def test_works_before_rasa_ever_ran(database_url):
    """No `events` table yet: no conversations; old tickets still go; Rasa's table stays
    Rasa's to create."""
    engine = create_engine(database_url)
    try:
        create_tables(engine)
        queue = HandoffQueue(engine)
        old = queue.create("a", "rest", SUMMARY, days_ago(100))
        queue.withdraw(old.id, days_ago(100))
        kept = queue.create("b", "rest", SUMMARY, days_ago(100))

        assert purge(engine, NOW, DEFAULTS) == PurgeReport(tickets_deleted=1)
        assert [t.id for t in queue.waiting()] == [kept.id]
        assert not sa.inspect(engine).has_table("events")
    finally:
        engine.dispose()


# --- audit log and console sessions ----------------------------------------------------------

def test_audit_entries_after_audit_days_and_dead_sessions_deleted(db):
    for age in (400, 366, 364, 10):
        db.audit(days_ago(age))
    db.session("a" * 64, days_ago(2))
    db.session("b" * 64, NOW - timedelta(hours=2))

    report = run(db)

    assert report == PurgeReport(audit_entries_deleted=2, sessions_deleted=1)
    assert db.count("SELECT COUNT(*) FROM console_audit_log") == 2
    assert db.count("SELECT COUNT(*) FROM console_audit_log WHERE at < :t",
                    t=days_ago(365)) == 0
    assert db.count("SELECT COUNT(*) FROM console_sessions") == 1


# --- settings, dry run, batches, logging ------------------------------------------------------

def populate(db: Db) -> None:
    db.chat("bot-3d", (days_ago(3), "Mag ik iets vragen?"))
    db.chat("bot-10d", (days_ago(10), "Ik hoor geschreeuw."))
    db.chat("transcript-45d", (days_ago(45), "Mijn moeder drinkt."))
    db.review(db.ticket("transcript-45d", days_ago(45), CLOSED), days_ago(44))
    db.chat("transcript-120d", (days_ago(120), "Mijn stiefvader slaat me."))
    db.review(db.ticket("transcript-120d", days_ago(120), CLOSED), days_ago(119))
    db.chat("wacht", (days_ago(200), "Ik wacht op iemand."))
    db.ticket("wacht", days_ago(200), WAITING)
    for age in (400, 40, 5):
        db.audit(days_ago(age))
    db.session("s" * 64, days_ago(3))


def test_settings_values_are_respected(db):
    populate(db)
    with_defaults = run(db, dry_run=True)
    assert (with_defaults.conversations_deleted, with_defaults.tickets_deleted,
            with_defaults.audit_entries_deleted) == (2, 1, 1)  # bot-10d, transcript-120d

    strict = RetentionSettings(transcript_days=30, bot_only_hours=24, audit_days=30,
                               purge_every_minutes=15)
    report = run(db, strict)

    assert (report.conversations_deleted, report.tickets_deleted, report.reviews_deleted,
            report.audit_entries_deleted) == (4, 2, 2, 2)
    for sender in ("bot-3d", "bot-10d", "transcript-45d", "transcript-120d"):
        assert db.events(sender) == 0, sender
    assert db.events("wacht") > 0 and db.tickets("wacht") == 1
    assert db.count("SELECT COUNT(*) FROM console_audit_log") == 1


def test_dry_run_deletes_nothing_and_predicts_the_real_run(db):
    populate(db)
    before = db.table_counts()

    predicted = run(db, dry_run=True)

    assert db.table_counts() == before
    assert predicted.conversations_deleted == 2 and predicted.events_deleted > 0
    actual = run(db)
    assert actual == predicted
    after = db.table_counts()
    assert before["events"] - after["events"] == actual.events_deleted
    assert before["handoff_tickets"] - after["handoff_tickets"] == actual.tickets_deleted


def test_many_conversations_in_small_batches(db):
    for n in range(7):
        db.chat(f"oud-{n}", (days_ago(20 + n), "Hallo"))
    for n in range(3):
        db.chat(f"overdracht-{n}", (days_ago(100), "Hallo"))
        db.ticket(f"overdracht-{n}", days_ago(100), CLOSED)
    db.chat("nieuw", (days_ago(1), "Hallo"))

    report = run(db, batch_size=2)

    assert (report.conversations_deleted, report.tickets_deleted) == (10, 3)
    assert db.count("SELECT COUNT(DISTINCT sender_id) FROM events") == 1
    assert db.events("nieuw") > 0 and db.tickets() == 0


def test_a_handoff_that_starts_during_the_purge_is_kept(db, monkeypatch):
    db.chat("terug", (days_ago(10), "Hallo"))
    db.chat("weg", (days_ago(10), "Hallo"))
    real_chunks = retention._chunks
    started = []

    def chunks_then_handoff(values, size):
        # The conversation was selected as bot-only; now the person asks for a counsellor.
        if not started:
            started.append(db.ticket("terug", NOW, WAITING))
        yield from real_chunks(values, size)

    monkeypatch.setattr(retention, "_chunks", chunks_then_handoff)
    report = run(db)

    assert report.conversations_deleted == 1 and db.events("weg") == 0
    assert db.events("terug") > 0 and db.queue.get(started[0]).status == WAITING


def test_logs_counts_only(db, caplog):
    sender = f"sender-{MARKER}"
    db.chat(sender, (days_ago(200), f"Ik heet {MARKER}."))
    db.ticket(sender, days_ago(200), CLOSED)
    caplog.set_level(logging.DEBUG, logger="bot.retention")

    run(db)

    messages = [r.getMessage() for r in caplog.records if r.name.startswith("bot.retention")]
    assert messages and any("1 conversations" in message for message in messages)
    assert not any(MARKER in message for message in messages)


# --- SQLite: the text is physically gone ------------------------------------------------------

def file_bytes(path: Path) -> bytes:
    """The database file and its -wal / -journal companions, as they lie on disk."""
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_deleted_text_is_gone_from_the_sqlite_files(tmp_path, journal_mode):
    path = tmp_path / "tracker.db"
    url = f"sqlite:///{path}"
    other = sqlite3.connect(path)
    other.execute(f"PRAGMA journal_mode={journal_mode}")
    engine = create_engine(url)
    db = Db(url=url, engine=engine, queue=HandoffQueue(engine), store=tracker_store(url))
    # As in most SQLite builds (this one may differ): a DELETE leaves the bytes in place.
    sa.event.listen(engine, "connect",
                    lambda connection, _: connection.execute("PRAGMA secure_delete = OFF"))
    try:
        create_tables(engine)
        # Rasa, the action server and the console keep the file open while we purge; in WAL
        # mode an open connection also keeps the -wal file (with the old pages) in place.
        other.execute("SELECT COUNT(*) FROM sqlite_master").fetchall()
        db.chat("oud", (days_ago(10), f"Mijn buurman heet {MARKER} en hij slaat zijn kinderen."))
        db.chat("recent", (days_ago(1), "Hallo"))
        ticket = db.ticket("overdracht", days_ago(120), CLOSED)
        db.review(ticket, days_ago(119))
        db.chat("overdracht", (days_ago(120), f"Nogmaals {MARKER}."))
        assert MARKER.encode() in file_bytes(path)  # so this test can fail
        wal = tmp_path / "tracker.db-wal"
        assert wal.exists() == (journal_mode == "wal")

        report = purge(db.engine, NOW, DEFAULTS)

        assert report.conversations_deleted == 2 and db.events("recent") > 0
        assert MARKER.encode() not in file_bytes(path)
        if journal_mode == "wal":
            assert wal.stat().st_size == 0
    finally:
        other.close()
        db.store.engine.dispose()
        db.engine.dispose()


def test_a_plain_delete_would_leave_the_text_in_the_file(tmp_path):
    """Why retention vacuums: SQLite's DELETE only marks the space free."""
    path = tmp_path / "plain.db"
    connection = sqlite3.connect(path)
    # Some builds (this one, maybe) turn secure_delete on by default; most do not.
    connection.execute("PRAGMA secure_delete = OFF")
    connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, data TEXT)")
    connection.executemany("INSERT INTO events (data) VALUES (?)",
                           [(f"{MARKER} {'x' * 200}",)] + [("y" * 200,)] * 50)
    connection.commit()
    connection.execute("DELETE FROM events WHERE data LIKE ?", (f"{MARKER}%",))
    connection.commit()
    connection.close()
    assert MARKER.encode() in file_bytes(path)


# --- the command line ------------------------------------------------------------------------

def cli(args: Sequence[str], env_extra: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    settings = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text(encoding="utf-8"))
    settings["retention"] = {"transcript_days": 90, "bot_only_hours": 7 * 24, "audit_days": 365,
                             "purge_every_minutes": 15}
    settings_path = tmp_path / "settings.yml"
    settings_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "VT_SETTINGS": str(settings_path), "VT_FAKE_NOW": NOW.isoformat(),
           **env_extra}
    return subprocess.run([sys.executable, "-m", "bot.retention", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_dry_run_then_purge(db, tmp_path):
    populate(db)
    before = db.table_counts()
    env = {"VT_DATABASE_URL": db.url}

    dry = cli(["--dry-run"], env, tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("\n") == 1
    assert "nothing deleted" in dry.stdout and "would delete 2 conversations" in dry.stdout
    assert db.table_counts() == before

    real = cli([], env, tmp_path)
    assert real.returncode == 0, real.stderr
    assert real.stdout.count("\n") == 1
    assert "deleted 2 conversations" in real.stdout and "1 tickets" in real.stdout
    assert "1 audit entries, 1 console sessions, 0 guard records" in real.stdout
    assert db.events("bot-10d") == 0 and db.events("transcript-120d") == 0
    assert db.events("bot-3d") > 0 and db.events("transcript-45d") > 0
    assert db.tickets("wacht") == 1
    for sender in ("bot-10d", "transcript-120d"):
        assert sender not in real.stdout + real.stderr


@pytest.mark.parametrize("url", [
    "sqlite:////nonexistent-folder/tracker.db",
    "postgresql://vt:vt@127.0.0.1:1/vt_test",  # nothing listens on port 1
])
def test_cli_database_error_is_one_line_and_exit_1(tmp_path, url):
    result = cli([], {"VT_DATABASE_URL": url}, tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("retention: database error"), result.stderr
    assert "Traceback" not in result.stderr


def test_import_has_no_side_effects(tmp_path):
    # With settings that cannot be loaded, importing must still work: nothing runs at import.
    result = subprocess.run(
        [sys.executable, "-c", "import bot.retention"], cwd=REPO, capture_output=True,
        text=True, timeout=60,
        env={**os.environ, "VT_SETTINGS": str(tmp_path / "missing.yml"),
             "VT_DATABASE_URL": f"sqlite:///{tmp_path / 'never.db'}"})
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
    assert list(tmp_path.iterdir()) == []


# --- the purge the console runs by itself, once across processes ------------------------------

def hours_ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


def test_default_keeps_a_bot_only_conversation_hours_not_days(db):
    db.chat("drie-uur", (hours_ago(3), "Ik maak me zorgen om mijn zus."))
    db.chat("net", (hours_ago(0.5), "Mijn buurman schreeuwt."))
    report = run(db, load_settings(DEFAULT_SETTINGS_PATH).retention)
    assert db.events("drie-uur") == 0 and db.events("net") > 0
    assert report.conversations_deleted == 1


def test_the_purge_runs_once_per_period_however_many_processes_ask(db):
    db.chat("oud", (days_ago(10), "Mijn buurman schreeuwt elke nacht."))
    first = purge_if_due(db.engine, NOW, DEFAULTS, "console-a")
    second = purge_if_due(db.engine, NOW + timedelta(minutes=1), DEFAULTS, "console-b")
    again = purge_if_due(db.engine, NOW + timedelta(minutes=2), DEFAULTS, "console-a")
    assert first is not None and first.conversations_deleted == 1
    assert second is None and again is None  # the lease holds for purge_every_minutes
    # The period is over (or its holder died): the next process that asks takes over.
    later = purge_if_due(db.engine, NOW + timedelta(minutes=16), DEFAULTS, "console-b")
    assert later is not None


def test_two_processes_asking_at_the_same_moment_get_one_lease(database_url):
    engine = create_engine(database_url)
    create_tables(engine)
    try:
        won = [try_acquire(engine, "test-lease", holder, NOW, timedelta(minutes=5))
               for holder in ("a", "b", "c")]
        assert won == [True, False, False]
    finally:
        engine.dispose()


def test_run_purge_forever_purges_while_running(db):
    db.chat("oud", (days_ago(10), "Mijn buurman schreeuwt elke nacht."))

    async def run_briefly() -> None:
        task = asyncio.create_task(run_purge_forever(db.engine, DEFAULTS, lambda: NOW, "console",
                                                     check_every_s=0.05))
        for _ in range(200):
            if db.events("oud") == 0:
                break
            await asyncio.sleep(0.05)
        task.cancel()

    asyncio.run(run_briefly())
    assert db.events("oud") == 0
