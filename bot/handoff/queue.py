"""A durable handoff queue in the tracker store's database (SQLite or PostgreSQL).

A ticket is created when a person accepts a counsellor. It waits (acute danger first, then
children involved, then the longest wait), is claimed by exactly one counsellor, and is closed:
ended by the counsellor, withdrawn by the person, or not picked up in time. Every state change
is one guarded UPDATE, so two counsellors (or two servers) can never claim the same ticket.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

WAITING, CLAIMED, CLOSED = "waiting", "claimed", "closed"
ENDED, WITHDRAWN, NOT_PICKED_UP = "ended", "withdrawn", "not_picked_up"

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
)


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


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a time-zone-aware datetime is required")
    return moment.astimezone(timezone.utc)


def _aware(moment: Optional[datetime]) -> Optional[datetime]:
    # SQLite hands back naive datetimes; they were stored as UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def _ticket(row: Any) -> Ticket:
    values = dict(row._mapping)
    values["summary"] = json.loads(values["summary"])
    for key in ("created_at", "claimed_at", "closed_at"):
        values[key] = _aware(values[key])
    return Ticket(**values)


# Waiting order: most urgent first, then who has waited longest.
_QUEUE_ORDER = (tickets.c.priority, tickets.c.created_at, tickets.c.id)


class HandoffQueue:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    def from_url(cls, url: str) -> "HandoffQueue":
        engine = sa.create_engine(url, future=True)
        metadata.create_all(engine)
        return cls(engine)

    def create(self, conversation_id: str, channel: Optional[str],
               summary: Mapping[str, Any], now: datetime) -> Ticket:
        """A new waiting ticket; a conversation that is already waiting keeps its ticket."""
        with self._engine.begin() as connection:
            existing = connection.execute(
                sa.select(tickets).where(tickets.c.conversation_id == conversation_id,
                                         tickets.c.status.in_([WAITING, CLAIMED]))
            ).first()
            if existing is not None:
                return _ticket(existing)
            result = connection.execute(tickets.insert().values(
                conversation_id=conversation_id, channel=channel,
                summary=json.dumps(dict(summary), ensure_ascii=False),
                priority=priority_of(summary), status=WAITING, created_at=_utc(now),
            ))
            ticket_id = result.inserted_primary_key[0]
        return self.get(ticket_id)

    def get(self, ticket_id: int) -> Ticket:
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

    def expire(self, now: datetime, max_wait: timedelta) -> List[Ticket]:
        """Close tickets that waited longer than `max_wait`; returns the ones this call closed."""
        cutoff = _utc(now) - max_wait
        expired = []
        for ticket in self.waiting():
            if ticket.created_at <= cutoff and self._transition(
                    ticket.id, WAITING, status=CLOSED, closed_at=_utc(now),
                    close_reason=NOT_PICKED_UP):
                expired.append(self.get(ticket.id))
        return expired

    def purge_closed(self, now: datetime, keep: timedelta) -> int:
        """Delete tickets closed longer than `keep` ago; returns how many."""
        with self._engine.begin() as connection:
            result = connection.execute(
                tickets.delete().where(tickets.c.status == CLOSED,
                                       tickets.c.closed_at < _utc(now) - keep)
            )
        return result.rowcount
