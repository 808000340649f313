"""The audit log (who read, exported, picked up or reviewed which conversation) and reviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, Iterable, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.clock import Clock
from bot.console.store import audit_log, reviews
from bot.db import aware, utc_clock


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    ticket_id: Optional[int]


@dataclass(frozen=True)
class Review:
    ticket_id: int
    reviewed_by: str
    reviewed_at: datetime
    note: str


class AuditLog:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine, self._clock = engine, utc_clock(clock)

    def record(self, actor: str, action: str, ticket_id: Optional[int] = None) -> None:
        with self._engine.begin() as connection:
            connection.execute(audit_log.insert().values(
                at=self._clock(), actor=actor[:64], action=action, ticket_id=ticket_id))

    def entries(self, actor: Optional[str] = None, ticket_id: Optional[int] = None,
                limit: int = 500) -> List[AuditEntry]:
        query = sa.select(audit_log)
        if actor:
            query = query.where(audit_log.c.actor == actor)
        if ticket_id is not None:
            query = query.where(audit_log.c.ticket_id == ticket_id)
        with self._engine.connect() as connection:
            rows = connection.execute(
                query.order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)).all()
        return [AuditEntry(aware(row.at), row.actor, row.action, row.ticket_id) for row in rows]


class Reviews:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine, self._clock = engine, utc_clock(clock)

    def mark(self, ticket_id: int, reviewed_by: str, note: str) -> Review:
        """Mark as reviewed; a second review replaces the first (who and when included)."""
        values = dict(reviewed_by=reviewed_by, reviewed_at=self._clock(), note=note)
        with self._engine.begin() as connection:
            updated = connection.execute(
                reviews.update().where(reviews.c.ticket_id == ticket_id).values(**values))
            if updated.rowcount == 0:
                connection.execute(reviews.insert().values(ticket_id=ticket_id, **values))
        return Review(ticket_id, reviewed_by, values["reviewed_at"], note)

    def for_tickets(self, ticket_ids: Iterable[int]) -> Dict[int, Review]:
        ids = list(ticket_ids)
        if not ids:
            return {}
        with self._engine.connect() as connection:
            rows = connection.execute(sa.select(reviews).where(reviews.c.ticket_id.in_(ids))).all()
        return {row.ticket_id: Review(row.ticket_id, row.reviewed_by, aware(row.reviewed_at),
                                      row.note) for row in rows}
