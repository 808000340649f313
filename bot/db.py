"""One place that turns a database URL into an SQLAlchemy engine, and creates our tables.

The tracker store (Rasa's `events` table) and our own tables share one database, SQLite for
`make run` and PostgreSQL in production, so the same code serves both.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional

import sqlite3

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

# Rasa writes its events while the console and the action server read and write theirs; on
# SQLite a writer briefly locks the whole file, so wait for it instead of failing at once.
SQLITE_BUSY_TIMEOUT_S = 15


def sqlite_file(url: str) -> Optional[str]:
    """The file of an SQLite URL (relative to the working folder), else None."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database.startswith("file:"):  # already a URI: file:path?mode=...
        return database[len("file:"):]
    return database if database and database != ":memory:" else None


def sqlite_open_only_url(url: str) -> str:
    """The same SQLite database, opened only if the file exists (SQLite's `mode=rw`).

    Without it SQLite silently makes a new, empty file when the database was deleted or moved
    away, and every service goes on in a database without tables or accounts. With it, such a
    fault is an error that the health checks report and the person is told about, and the
    services carry on by themselves once the file is back."""
    path = sqlite_file(url)
    if path is None:
        return url
    return f"sqlite:///file:{path}?mode=rw&uri=true"


def create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return sa.create_engine(sqlite_open_only_url(url), future=True,
                                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    return sa.create_engine(url, future=True, pool_pre_ping=True)


def create_database_file(url: str) -> None:
    """Make the SQLite file (readable by its owner only) if it does not exist yet: at start-up
    only, never while running (see `sqlite_open_only_url`)."""
    path = sqlite_file(url)
    if path is None or Path(path).exists():
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).touch(mode=0o600)
    sqlite3.connect(path).close()


def create_tables(engine: Engine) -> None:
    """Our tables (never Rasa's): created when missing, left alone when present."""
    # Imported here so that importing bot.db has no side effects and no import cycle.
    from bot import lease
    from bot.channels import replay
    from bot.console import store
    from bot.handoff import queue

    queue.metadata.create_all(engine)
    replay.metadata.create_all(engine)
    store.metadata.create_all(engine)
    lease.metadata.create_all(engine)


def can_write(engine: Engine, table: str, column: str) -> bool:
    """Does the database take writes now? An UPDATE of no rows, rolled back: SQLite refuses it
    on a read-only or vanished file, PostgreSQL in a read-only or stopped database. (For the
    health checks; `table` and `column` are our own names, never input.)"""
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            try:
                connection.execute(sa.text(
                    f"UPDATE {table} SET {column} = {column} WHERE 1 = 0"))
            finally:
                transaction.rollback()
    except sa.exc.SQLAlchemyError:
        return False
    return True


def prepare_database(url: str) -> Engine:
    """At a service's start-up: the SQLite file on a first start, our tables, and the engine."""
    create_database_file(url)
    engine = create_engine(url)
    create_tables(engine)
    return engine


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


def main() -> int:
    """`python -m bot.db`: make the database of settings.yml ready (the SQLite file on a first
    start, our tables); run by `make run` before the services start."""
    from bot.settings import SettingsError, load_settings

    try:
        url = load_settings().handoff.database_url
    except SettingsError as exc:
        print(f"bot.db: {exc}")
        return 1
    prepare_database(url).dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
