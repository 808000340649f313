"""Rasa's SQL tracker store, made to fail loudly instead of forgetting.

Rasa wraps every tracker store in a `FailSafeTrackerStore`: when the database fails, it logs,
reads an empty conversation and writes to memory, which is lost. The person then talks to a
bot that forgot what it asked, and nothing of it reaches the database later. This subclass
keeps Rasa's SQL code but

- notes every failure for the message being handled (a context variable), so the channel can
  tell the person that their message was not kept and give 0800-2000 and 112;
- keeps the database's state for the health checks (`/webhooks/rest/` answers 503);
- heals what it can: a dropped connection is retried once, and tables that went missing (an
  empty database file) are made again;
- opens SQLite only when the file exists (`bot.db.sqlite_open_only_url`).

endpoints.yml: `tracker_store: {type: bot.tracker_store.GuardedSQLTrackerStore, ...}`
(`bot/endpoints.py` writes it).
"""

from __future__ import annotations

import contextvars
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, List, Optional, Text, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from bot import db

logger = logging.getLogger(__name__)

T = TypeVar("T")
# How long a health probe's answer is reused: a flood of health checks costs one probe.
PROBE_CACHE_S = 2.0


@dataclass
class StoreFailures:
    """The failures while one message was handled (set by the channel, read after)."""
    kinds: List[str] = field(default_factory=list)


current_failures: contextvars.ContextVar[Optional[StoreFailures]] = contextvars.ContextVar(
    "vt_store_failures", default=None)


def _missing_table(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


class GuardedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        host = kwargs.get("host")
        if isinstance(host, str) and host.startswith("sqlite"):
            kwargs["host"] = db.sqlite_open_only_url(host)
        super().__init__(*args, **kwargs)
        self._healthy = True
        self._probed_at = 0.0

    @property
    def healthy(self) -> bool:
        return self._healthy

    async def _guarded(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        for attempt in (1, 2):
            try:
                result = await operation()
                self._healthy = True
                return result
            except sa.exc.SQLAlchemyError as exc:
                if attempt == 1 and self._heal(exc):
                    continue
                self._fail(what, exc)
                raise
        raise AssertionError("unreachable")

    def _heal(self, exc: sa.exc.SQLAlchemyError) -> bool:
        """True when the error is one a second try can get past."""
        if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
            return True  # the database restarted; the pool has dropped the old connections
        return _missing_table(exc) and self._make_tables()

    def _make_tables(self) -> bool:
        """Make Rasa's and our tables in a database that lost them (an empty file)."""
        try:
            self.Base.metadata.create_all(self.engine)
            db.create_tables(self.engine)
        except sa.exc.SQLAlchemyError:
            return False
        logger.error("The tracker store's tables were missing and have been made again; "
                     "conversations from before are gone from this database.")
        return True

    def _fail(self, what: str, exc: BaseException) -> None:
        self._healthy = False
        failures = current_failures.get()
        if failures is not None:
            failures.kinds.append(what)
        # The class only: a database error's message can quote the events, and with them
        # what the person wrote.
        logger.error("Tracker store %s failed: %s", what, type(exc).__name__)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._guarded("save", lambda: super(GuardedSQLTrackerStore, self).save(tracker))

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._guarded(
            "retrieve", lambda: super(GuardedSQLTrackerStore, self).retrieve(sender_id))

    async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._guarded(
            "retrieve", lambda: super(GuardedSQLTrackerStore, self).retrieve_full_tracker(sender_id))

    def probe(self) -> bool:
        """Does the database take writes now? (For the health check; cached for a moment.)"""
        now = time.monotonic()
        if now - self._probed_at >= PROBE_CACHE_S:
            self._probed_at = now
            self._healthy = (db.can_write(self.engine, "events", "sender_id")
                             or (self._remake_missing_tables()
                                 and db.can_write(self.engine, "events", "sender_id")))
        return self._healthy

    def _remake_missing_tables(self) -> bool:
        try:
            if sa.inspect(self.engine).has_table("events"):
                return False
        except sa.exc.SQLAlchemyError:
            return False  # the database itself is away
        return self._make_tables()


def guarded_store(agent: Any) -> Optional[GuardedSQLTrackerStore]:
    """The agent's tracker store behind Rasa's FailSafeTrackerStore wrapper, if it is ours."""
    store = getattr(agent, "tracker_store", None)
    inner = getattr(store, "_tracker_store", store)
    return inner if isinstance(inner, GuardedSQLTrackerStore) else None
