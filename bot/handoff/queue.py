"""A durable handoff queue in the tracker store's database (SQLite or PostgreSQL).

A ticket is created when a person accepts a counsellor. It waits (acute danger first, then
children involved, then the longest wait), is claimed by exactly one counsellor, and is closed:
ended by the counsellor, withdrawn by the person, not picked up in time, or stopped by the
person ("stop" in a messaging app). Every state change is one guarded UPDATE, so two
counsellors (or two servers) can never claim the same ticket.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.db import aware
from bot.db import to_utc as _utc  # every stored time is UTC

WAITING, CLAIMED, CLOSED = "waiting", "claimed", "closed"
ENDED, WITHDRAWN, NOT_PICKED_UP = "ended", "withdrawn", "not_picked_up"
STOPPED = "stopped"  # the person typed "stop" in a messaging app

# Ticket ids are INTEGER on both databases; a larger number can name no ticket.
MAX_TICKET_ID = 2**31 - 1

# Lower is more urgent.
PRIORITY_ACUTE, PRIORITY_CHILDREN, PRIORITY_OTHER = 0, 1, 2

metadata = sa.MetaData()
tickets = sa.Table(
    "handoff_tickets", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(64), nullable=True),
    sa.Column("summary", sa.Text, nullable=False),  # JSON of the bot's triage summary
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_by", sa.String(255), nullable=True),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("close_reason", sa.String(32), nullable=True),
    # Never reuse an id on SQLite: audit entries and reviews point at tickets by id.
    sqlite_autoincrement=True,
)


class TooManyWaiting(RuntimeError):
    """The source already has as many waiting tickets as allowed (a flood, or many people
    behind one address: they are sent to 0800-2000 instead)."""


@dataclass(frozen=True)
class Ticket:
    id: int
    conversation_id: str
    channel: Optional[str]
    summary: Dict[str, Any]
    priority: int
    status: str
    created_at: datetime
    claimed_by: Optional[str]
    claimed_at: Optional[datetime]
    closed_at: Optional[datetime]
    close_reason: Optional[str]


def priority_of(summary: Mapping[str, Any]) -> int:
    """Acute danger first, then conversations where children are involved."""
    if summary.get("acute_danger") is True:
        return PRIORITY_ACUTE
    if summary.get("children_involved") == "ja":
        return PRIORITY_CHILDREN
    return PRIORITY_OTHER


def _ticket(row: Any) -> Ticket:
    values = dict(row._mapping)
    values["summary"] = json.loads(values["summary"])
    for key in ("created_at", "claimed_at", "closed_at"):
        values[key] = aware(values[key])
    return Ticket(**values)


# Waiting order: most urgent first, then who has waited longest.
_QUEUE_ORDER = (tickets.c.priority, tickets.c.created_at, tickets.c.id)


class HandoffQueue:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    def from_url(cls, url: str) -> "HandoffQueue":
        from bot.db import create_engine, create_tables

        engine = create_engine(url)
        create_tables(engine)
        return cls(engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    def create(self, conversation_id: str, channel: Optional[str],
               summary: Mapping[str, Any], now: datetime,
               max_waiting_per_source: Optional[int] = None) -> Ticket:
        """A new waiting ticket; a conversation that is already waiting keeps its ticket (so one
        conversation never holds two). With `max_waiting_per_source`, TooManyWaiting when the
        summary's `source` already has that many tickets waiting."""
        with self._engine.begin() as connection:
            existing = connection.execute(
                sa.select(tickets).where(tickets.c.conversation_id == conversation_id,
                                         tickets.c.status.in_([WAITING, CLAIMED]))
            ).first()
            if existing is not None:
                return _ticket(existing)
            source = summary.get("source")
            if max_waiting_per_source is not None and source:
                waiting = connection.execute(
                    sa.select(tickets.c.summary).where(tickets.c.status == WAITING)).scalars()
                if sum(json.loads(text).get("source") == source
                       for text in waiting) >= max_waiting_per_source:
                    raise TooManyWaiting(conversation_id)
            result = connection.execute(tickets.insert().values(
                conversation_id=conversation_id, channel=channel,
                summary=json.dumps(dict(summary), ensure_ascii=False),
                priority=priority_of(summary), status=WAITING, created_at=_utc(now),
            ))
            ticket_id = result.inserted_primary_key[0]
        return self.get(ticket_id)

    def get(self, ticket_id: int) -> Ticket:
        if not 0 < ticket_id <= MAX_TICKET_ID:
            raise KeyError(ticket_id)  # the database would refuse the number itself
        with self._engine.connect() as connection:
            row = connection.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).first()
        if row is None:
            raise KeyError(ticket_id)
        return _ticket(row)

    def waiting(self) -> List[Ticket]:
        """The queue, most urgent first."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                sa.select(tickets).where(tickets.c.status == WAITING).order_by(*_QUEUE_ORDER)
            ).all()
        return [_ticket(row) for row in rows]

    def active_for(self, conversation_id: str) -> Optional[Ticket]:
        """The conversation's waiting or claimed ticket, if it has one."""
        with self._engine.connect() as connection:
            row = connection.execute(
                sa.select(tickets).where(tickets.c.conversation_id == conversation_id,
                                         tickets.c.status.in_([WAITING, CLAIMED]))
                .order_by(tickets.c.id.desc())
            ).first()
        return None if row is None else _ticket(row)

    def claimed_by(self, counsellor: str) -> List[Ticket]:
        """The conversations this counsellor has open, oldest first."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                sa.select(tickets).where(tickets.c.status == CLAIMED,
                                         tickets.c.claimed_by == counsellor)
                .order_by(tickets.c.claimed_at, tickets.c.id)
            ).all()
        return [_ticket(row) for row in rows]

    def closed(self, since: Optional[datetime] = None,
               until: Optional[datetime] = None) -> List[Ticket]:
        """Closed tickets created in [since, until), newest first (the review list)."""
        query = sa.select(tickets).where(tickets.c.status == CLOSED)
        if since is not None:
            query = query.where(tickets.c.created_at >= _utc(since))
        if until is not None:
            query = query.where(tickets.c.created_at < _utc(until))
        with self._engine.connect() as connection:
            rows = connection.execute(query.order_by(tickets.c.created_at.desc(),
                                                     tickets.c.id.desc())).all()
        return [_ticket(row) for row in rows]

    def recent_pickup_waits(self, now: datetime, window: timedelta) -> List[timedelta]:
        """How long people waited before a counsellor picked them up, in the recent past."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                sa.select(tickets.c.created_at, tickets.c.claimed_at)
                .where(tickets.c.claimed_at.is_not(None),
                       tickets.c.claimed_at >= _utc(now) - window)
            ).all()
        return [aware(claimed) - aware(created) for created, claimed in rows]

    def position(self, ticket_id: int) -> Optional[int]:
        """1 for the next to be picked up; None when the ticket no longer waits."""
        for index, ticket in enumerate(self.waiting(), start=1):
            if ticket.id == ticket_id:
                return index
        return None

    def _transition(self, ticket_id: int, from_status: str, **values: Any) -> bool:
        # The status in the WHERE clause makes the change atomic: of two concurrent calls,
        # exactly one sees rowcount 1.
        with self._engine.begin() as connection:
            result = connection.execute(
                tickets.update()
                .where(tickets.c.id == ticket_id, tickets.c.status == from_status)
                .values(**values)
            )
        return result.rowcount == 1

    def claim(self, ticket_id: int, counsellor: str, now: datetime) -> bool:
        """True if this counsellor got the conversation; False if someone else was first."""
        return self._transition(ticket_id, WAITING, status=CLAIMED, claimed_by=counsellor,
                                claimed_at=_utc(now))

    def end(self, ticket_id: int, now: datetime) -> bool:
        """The counsellor ends the chat."""
        return self._transition(ticket_id, CLAIMED, status=CLOSED, closed_at=_utc(now),
                                close_reason=ENDED)

    def withdraw(self, ticket_id: int, now: datetime) -> bool:
        """The person stops waiting."""
        return self._transition(ticket_id, WAITING, status=CLOSED, closed_at=_utc(now),
                                close_reason=WITHDRAWN)

    def stop(self, ticket_id: int, now: datetime) -> bool:
        """The person ended the whole conversation ("stop"), waiting or talking to someone."""
        return any(self._transition(ticket_id, status, status=CLOSED, closed_at=_utc(now),
                                    close_reason=STOPPED) for status in (WAITING, CLAIMED))

    def escalate(self, ticket_id: int) -> bool:
        """Move a waiting ticket to the front group: the person wrote about acute danger."""
        with self._engine.begin() as connection:
            result = connection.execute(
                tickets.update()
                .where(tickets.c.id == ticket_id, tickets.c.status == WAITING,
                       tickets.c.priority != PRIORITY_ACUTE)
                .values(priority=PRIORITY_ACUTE)
            )
        return result.rowcount == 1

    def give_up(self, ticket_id: int, now: datetime) -> bool:
        """Nobody picked the conversation up (waited too long, or the chat closed)."""
        return self._transition(ticket_id, WAITING, status=CLOSED, closed_at=_utc(now),
                                close_reason=NOT_PICKED_UP)

    def expire(self, now: datetime, max_wait: timedelta) -> List[Ticket]:
        """Close tickets that waited longer than `max_wait`; returns the ones this call closed."""
        cutoff = _utc(now) - max_wait
        return [self.get(ticket.id) for ticket in self.waiting()
                if ticket.created_at <= cutoff and self.give_up(ticket.id, now)]
