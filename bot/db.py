"""One place that turns a database URL into an SQLAlchemy engine, and creates our tables.

The tracker store (Rasa's `events` table) and our own tables share one database, SQLite for
`make run` and PostgreSQL in production, so the same code serves both.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

# Rasa writes its events while the console and the action server read and write theirs; on
# SQLite a writer briefly locks the whole file, so wait for it instead of failing at once.
SQLITE_BUSY_TIMEOUT_S = 15


def create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return sa.create_engine(url, future=True,
                                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    return sa.create_engine(url, future=True, pool_pre_ping=True)


def create_tables(engine: Engine) -> None:
    """Our tables (never Rasa's): created when missing, left alone when present."""
    # Imported here so that importing bot.db has no side effects and no import cycle.
    from bot.console import store
    from bot.handoff import queue

    queue.metadata.create_all(engine)
    store.metadata.create_all(engine)


def to_utc(moment: datetime) -> datetime:
    """A time-zone-aware moment in UTC; naive datetimes are refused (their zone is a guess)."""
    if moment.tzinfo is None:
        raise ValueError("a time-zone-aware datetime is required")
    return moment.astimezone(timezone.utc)


def aware(moment: Optional[datetime]) -> Optional[datetime]:
    """SQLite hands back naive datetimes; we always store UTC, so say so."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def utc_clock(clock: Callable[[], datetime]) -> Callable[[], datetime]:
    """The same clock in UTC: SQLite drops offsets, and `aware` reads stored times as UTC."""
    return lambda: clock().astimezone(timezone.utc)
