"""Retention: delete conversations, tickets, reviews and audit entries once they are too old.

What the bot keeps is special-category personal data, so nothing is kept longer than
settings.yml `retention:` says. The console runs the purge by itself every
`purge_every_minutes` (`run_purge_forever`), once across all console processes (a lease,
bot/lease.py); `make purge` runs `python -m bot.retention` by hand.

Rules (cut-offs are `now` minus the days or hours in settings.yml):

* A conversation (a sender_id in Rasa's `events` table) with at least one handoff ticket is a
  transcript. It is deleted - its events, its tickets and their reviews - only when every one
  of its tickets is closed, every ticket was closed before the transcript cut-off, and its last
  event is before that cut-off too (a person may have chatted with the bot again later).
* A conversation without any ticket is bot-only: deleted when its last event is before the
  bot-only cut-off.
* A conversation with a waiting or claimed ticket is never touched, however old.
* Closed tickets closed before the transcript cut-off whose conversation has no events left
  are deleted with their reviews; so are reviews whose ticket no longer exists (the review
  note may say something about the person).
* Audit log entries before the audit cut-off are deleted.
* Console sessions not seen for a day are deleted (a session lives 24 hours at most).

Deleting is set-based SQL (SQLAlchemy Core, SQLite and PostgreSQL), in batches of
conversations, one transaction per batch. Every DELETE repeats the safety conditions (ticket
closed and old, event old, no open ticket), so a person who comes back, or a ticket that is
created while the purge runs, is never deleted. Afterwards the database is vacuumed so the
deleted text does not linger in the database files (see `_vacuum`).

Logs and output carry counts only: never a sender id, a ticket id or any text.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.channels.replay import REMEMBER_FOR, seen_messages
from bot.console.store import audit_log, login_failures, reviews, sessions
from bot.db import to_utc as _utc
from bot.handoff.queue import CLOSED, tickets
from bot.handoff.transcript import events  # Rasa's table; we read and delete its rows
from bot.lease import try_acquire
from bot.settings import RetentionSettings

logger = logging.getLogger(__name__)

# Keeps the IN (...) lists of one statement bounded (PostgreSQL and SQLite both cope with far
# more, but a bounded batch keeps each transaction, and the locks it holds, short).
BATCH_SIZE = 500
# Console sessions end after at most `console.session_max_hours` (at most 24), so one that
# has not been seen for a day is dead; the row only shows who was logged in when.
SESSION_KEEP = timedelta(days=1)

@dataclass(frozen=True)
class PurgeReport:
    conversations_deleted: int = 0
    events_deleted: int = 0
    tickets_deleted: int = 0
    reviews_deleted: int = 0
    audit_entries_deleted: int = 0
    sessions_deleted: int = 0
    # Failed-login counters and platform message ids (replay protection) no longer needed.
    guard_records_deleted: int = 0

    def summary(self) -> str:
        return (f"{self.conversations_deleted} conversations ({self.events_deleted} events), "
                f"{self.tickets_deleted} tickets, {self.reviews_deleted} reviews, "
                f"{self.audit_entries_deleted} audit entries, "
                f"{self.sessions_deleted} console sessions, "
                f"{self.guard_records_deleted} guard records")


class _Counts:
    def __init__(self) -> None:
        self.values: Dict[str, int] = {f.name: 0 for f in fields(PurgeReport)}

    def add(self, name: str, result: sa.engine.CursorResult) -> None:
        self.values[name] += max(result.rowcount, 0)

    def report(self) -> PurgeReport:
        return PurgeReport(**self.values)


def _chunks(values: Sequence[Any], size: int) -> Iterator[List[Any]]:
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


def _open_ticket(conversation_id: sa.sql.ColumnElement) -> sa.sql.ColumnElement:
    """EXISTS a ticket of this conversation that is not closed (waiting, claimed, or unknown)."""
    # An alias: the outer statement may itself be on handoff_tickets.
    other = tickets.alias("open_ticket")
    return sa.exists().where(other.c.conversation_id == conversation_id,
                             sa.or_(other.c.status != CLOSED, other.c.closed_at.is_(None)))


def _expired_ticket(transcript_cutoff: datetime) -> sa.sql.ColumnElement:
    return sa.and_(tickets.c.status == CLOSED, tickets.c.closed_at < transcript_cutoff)


class _Cutoffs:
    def __init__(self, now: datetime, retention: RetentionSettings) -> None:
        now = _utc(now)
        self.transcript = now - timedelta(days=retention.transcript_days)
        self.bot_only = now - timedelta(hours=retention.bot_only_hours)
        self.audit = now - timedelta(days=retention.audit_days)
        self.sessions = now - SESSION_KEEP


def _expired_conversations(connection: Connection, cut: _Cutoffs,
                           only: Optional[List[str]] = None) -> Dict[str, bool]:
    """sender_id -> has tickets, for every conversation the rules say to delete."""
    per_sender = sa.select(events.c.sender_id, sa.func.max(events.c.timestamp).label("last_at"))
    if only is not None:
        per_sender = per_sender.where(events.c.sender_id.in_(only))
    last = per_sender.group_by(events.c.sender_id).subquery()
    has_ticket = sa.exists().where(tickets.c.conversation_id == last.c.sender_id)
    # A ticket that keeps the transcript: not closed, or closed after the cut-off.
    keeps_transcript = sa.exists().where(
        tickets.c.conversation_id == last.c.sender_id,
        sa.or_(tickets.c.status != CLOSED, tickets.c.closed_at.is_(None),
               tickets.c.closed_at >= cut.transcript))
    transcript = sa.and_(has_ticket, ~keeps_transcript,
                         last.c.last_at < cut.transcript.timestamp())
    bot_only = sa.and_(~has_ticket, last.c.last_at < cut.bot_only.timestamp())
    rows = connection.execute(
        sa.select(last.c.sender_id, has_ticket.label("has_ticket"))
        .where(sa.or_(transcript, bot_only))
    ).all()
    return {row.sender_id: bool(row.has_ticket) for row in rows}


def _delete_conversations(connection: Connection, cut: _Cutoffs, batch: List[str],
                          counts: _Counts) -> None:
    # Check again inside this batch's transaction: the person may have come back since.
    expired = _expired_conversations(connection, cut, only=batch)
    if not expired:
        return
    transcripts = [sender for sender, has_ticket in expired.items() if has_ticket]
    bot_only = [sender for sender, has_ticket in expired.items() if not has_ticket]
    if transcripts:
        old_tickets = sa.select(tickets.c.id).where(
            tickets.c.conversation_id.in_(transcripts), _expired_ticket(cut.transcript))
        counts.add("reviews_deleted", connection.execute(
            reviews.delete().where(reviews.c.ticket_id.in_(old_tickets))))
        counts.add("tickets_deleted", connection.execute(
            tickets.delete().where(tickets.c.conversation_id.in_(transcripts),
                                   _expired_ticket(cut.transcript))))
    for senders, cutoff in ((transcripts, cut.transcript), (bot_only, cut.bot_only)):
        if not senders:
            continue
        # Only events from before the cut-off, and never while a ticket is open: a message or
        # a handoff that arrives while we delete stays (so does that new conversation).
        counts.add("events_deleted", connection.execute(
            events.delete().where(
                events.c.sender_id.in_(senders),
                sa.or_(events.c.timestamp < cutoff.timestamp(), events.c.timestamp.is_(None)),
                ~_open_ticket(events.c.sender_id))))
    counts.values["conversations_deleted"] += len(expired)


def _delete_orphan_tickets(connection: Connection, cut: _Cutoffs, have_events: bool,
                           ids: List[int], counts: _Counts) -> None:
    orphan = [tickets.c.id.in_(ids), _expired_ticket(cut.transcript),
              ~_open_ticket(tickets.c.conversation_id)]
    if have_events:
        orphan.append(~sa.exists().where(events.c.sender_id == tickets.c.conversation_id))
    counts.add("reviews_deleted", connection.execute(
        reviews.delete().where(reviews.c.ticket_id.in_(sa.select(tickets.c.id).where(*orphan)))))
    counts.add("tickets_deleted", connection.execute(tickets.delete().where(*orphan)))


def _secure_delete(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        # SQLite overwrites deleted content with zeros, so it is gone from the main file even
        # if the VACUUM afterwards cannot get its lock.
        connection.exec_driver_sql("PRAGMA secure_delete = ON")


def purge(engine: Engine, now: datetime, retention: RetentionSettings, *,
          dry_run: bool = False, batch_size: int = BATCH_SIZE) -> PurgeReport:
    """Delete what the retention rules say is too old; returns how many rows of each kind.

    With `dry_run`, every step runs in a transaction that is rolled back, so the counts are
    exactly what a real run would delete at this moment, and nothing is deleted.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    cut = _Cutoffs(now, retention)
    counts = _Counts()
    have_events = sa.inspect(engine).has_table(events.name)

    def step(work) -> None:
        with engine.connect() as connection, connection.begin() as transaction:
            _secure_delete(connection)
            work(connection)
            if dry_run:
                transaction.rollback()

    # 1. Conversations (transcripts and bot-only), with their tickets and reviews.
    if have_events:
        with engine.connect() as connection:
            expired = sorted(_expired_conversations(connection, cut))
        for batch in _chunks(expired, batch_size):
            step(lambda connection, batch=batch: _delete_conversations(
                connection, cut, batch, counts))

    # 2. Old closed tickets whose conversation is gone (or never reached the events table),
    #    and reviews whose ticket is gone.
    orphan_query = sa.select(tickets.c.id).where(
        _expired_ticket(cut.transcript), ~_open_ticket(tickets.c.conversation_id))
    if have_events:
        orphan_query = orphan_query.where(
            ~sa.exists().where(events.c.sender_id == tickets.c.conversation_id))
    with engine.connect() as connection:
        orphan_ids = [row.id for row in connection.execute(orphan_query.order_by(tickets.c.id))]
    for batch in _chunks(orphan_ids, batch_size):
        step(lambda connection, batch=batch: _delete_orphan_tickets(
            connection, cut, have_events, batch, counts))
    step(lambda connection: counts.add("reviews_deleted", connection.execute(
        reviews.delete().where(~sa.exists().where(tickets.c.id == reviews.c.ticket_id)))))

    # 3. The audit log and dead console sessions.
    step(lambda connection: counts.add("audit_entries_deleted", connection.execute(
        audit_log.delete().where(audit_log.c.at < cut.audit))))
    step(lambda connection: counts.add("sessions_deleted", connection.execute(
        sessions.delete().where(sessions.c.last_seen_at < cut.sessions))))
    # 4. What the login throttle and the replay guard keep for a day or two.
    step(lambda connection: counts.add("guard_records_deleted", connection.execute(
        login_failures.delete().where(login_failures.c.updated_at < cut.sessions))))
    step(lambda connection: counts.add("guard_records_deleted", connection.execute(
        seen_messages.delete().where(seen_messages.c.seen_at < _utc(now) - REMEMBER_FOR))))

    report = counts.report()
    if not dry_run:
        _vacuum(engine, report, have_events)
    logger.info("retention %s: %s", "dry run, would delete" if dry_run else "deleted",
                report.summary())
    return report


def _vacuum(engine: Engine, report: PurgeReport, have_events: bool) -> None:
    """Make deleted rows really gone from the database files, not merely marked free.

    A DELETE only marks space as free: the text stays in the file until it is overwritten.
    VACUUM cannot run inside a transaction, hence the AUTOCOMMIT connection.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "sqlite":
            # Rebuild the file without free pages or deleted cells. Always, not only when this
            # run deleted something: an earlier run's VACUUM may have failed on a lock.
            connection.exec_driver_sql("VACUUM")
            # In WAL mode the -wal file still holds the pages as they were before; copy it
            # into the main file and truncate it. Returns busy=1 when a reader prevented it.
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
            if busy:
                logger.warning("retention: the SQLite WAL file could not be truncated (busy); "
                               "it will be at the next checkpoint")
        elif engine.dialect.name == "postgresql":
            # Plain VACUUM removes dead rows and their index entries and hands the space back
            # for reuse, without the exclusive lock of VACUUM FULL (which would stop the bot).
            # The bytes are overwritten as the space is reused; PostgreSQL's WAL and any base
            # backups keep their own copies and need their own (shorter) retention.
            touched = [table.name for table, deleted in (
                (events, report.events_deleted if have_events else 0),
                (tickets, report.tickets_deleted), (reviews, report.reviews_deleted),
                (audit_log, report.audit_entries_deleted), (sessions, report.sessions_deleted),
            ) if deleted]
            if touched:
                quote = engine.dialect.identifier_preparer.quote
                connection.exec_driver_sql("VACUUM " + ", ".join(quote(name) for name in touched))


def _database_error_line(exc: sa.exc.SQLAlchemyError) -> str:
    # The full error may quote the statement and its parameters (sender ids): name the kind
    # of error only, plus the driver's own first line for connection and lock problems.
    kind = type(getattr(exc, "orig", None) or exc).__name__
    detail = ""
    if isinstance(exc, sa.exc.OperationalError) and getattr(exc, "orig", None) is not None:
        first = str(exc.orig).strip().splitlines()
        detail = f": {first[0][:200]}" if first else ""
    return f"retention: database error ({kind}{detail}); nothing more was deleted"


def main(argv: Optional[Sequence[str]] = None) -> int:
    """`python -m bot.retention [--dry-run]`: purge the database named in settings.yml."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.retention",
        description="Delete conversations, tickets, reviews, audit entries and console "
                    "sessions older than settings.yml `retention:` allows.")
    parser.add_argument("--dry-run", action="store_true",
                        help="count what would be deleted, delete nothing")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")

    from bot.clock import clock_from_env
    from bot.db import create_engine, create_tables
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings()
        now = clock_from_env()()
    except (SettingsError, ValueError) as exc:
        print(f"retention: {exc}", file=sys.stderr)
        return 1
    retention = settings.retention
    engine = create_engine(settings.handoff.database_url)
    try:
        create_tables(engine)
        report = purge(engine, now, retention, dry_run=args.dry_run)
    except sa.exc.SQLAlchemyError as exc:
        print(_database_error_line(exc), file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    rules = (f"transcripts > {retention.transcript_days} d, bot-only > "
             f"{retention.bot_only_hours} h, audit > {retention.audit_days} d")
    if args.dry_run:
        print(f"Dry run ({rules}), nothing deleted; would delete {report.summary()}.")
    else:
        print(f"Purged ({rules}): deleted {report.summary()}; database vacuumed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def _dutch_duration(amount: int, unit: str) -> str:
    words = {"hours": ("uur", "uur"), "days": ("dag", "dagen")}[unit]
    return f"{amount} {words[0] if amount == 1 else words[1]}"


def describe_for_person(retention: RetentionSettings) -> Dict[str, str]:
    """How long what the person wrote is kept, in words for the chat (utter_storage)."""
    return {"bot_only": _dutch_duration(retention.bot_only_hours, "hours"),
            "transcript": _dutch_duration(retention.transcript_days, "days")}


PURGE_LEASE = "retention-purge"


def purge_if_due(engine: Engine, now: datetime, retention: RetentionSettings,
                 holder: str) -> Optional[PurgeReport]:
    """Purge when no process has purged in the last `purge_every_minutes`; else None."""
    period = timedelta(minutes=retention.purge_every_minutes)
    if not try_acquire(engine, PURGE_LEASE, holder, now, period):
        return None
    return purge(engine, now, retention)


async def run_purge_forever(engine: Engine, retention: RetentionSettings,
                            clock: Callable[[], datetime], holder: str,
                            check_every_s: float = 60.0) -> None:
    """The console's purge: it asks for the lease every minute and purges when it gets it.
    Runs in a thread, so the console keeps answering while the database deletes. One failed
    round is logged (the kind of error only) and the next one tries again."""
    while True:
        try:
            report = await asyncio.to_thread(purge_if_due, engine, clock(), retention, holder)
            if report is not None:
                logger.info("scheduled purge: deleted %s", report.summary())
        except Exception as exc:  # noqa: BLE001 - the purge must outlive a bad round
            logger.error("scheduled purge failed: %s", type(exc).__name__)
        await asyncio.sleep(check_every_s)
