"""The transcript of a conversation, read from Rasa's tracker store (table `events`).

The tracker store is the one record of what was said: the bot part, the person's messages
(also while the bot is paused) and the counsellor's messages, which the console appends as
`bot` events with `metadata.author = "counsellor"`. This module only reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.acute_cues import ACUTE_INTENT

PERSON, BOT, COUNSELLOR, SYSTEM = "person", "bot", "counsellor", "system"

# Rasa's SQLTrackerStore table (rasa/core/tracker_store.py, SQLEvent). Only the columns read.
_rasa_metadata = sa.MetaData()
events = sa.Table(
    "events", _rasa_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

PAUSE, RESUME, RESTART = "pause", "resume", "restart"
_SYSTEM_TEXT = {PAUSE: "De bot is gestopt: het gesprek is doorgezet naar een medewerker.",
                RESUME: "De bot praat weer mee.",
                RESTART: "De persoon is opnieuw begonnen (/restart); de bot praat weer mee."}
_SHOWN = ("user", "bot", *_SYSTEM_TEXT)


@dataclass(frozen=True)
class Understanding:
    """What the bot made of one message of the person."""
    intent: Optional[str]
    confidence: Optional[float]
    concern_type: Optional[str]
    reporter_role: Optional[str]
    acute: bool


@dataclass(frozen=True)
class Entry:
    event_id: int
    at: datetime
    author: str  # PERSON, BOT, COUNSELLOR or SYSTEM
    text: str
    kind: str  # Rasa's event type: user, bot, pause, resume, restart
    author_name: Optional[str] = None  # the counsellor's display name
    understood: Optional[Understanding] = None
    buttons: Tuple[str, ...] = ()

    def as_json(self) -> Dict[str, Any]:
        understood = self.understood
        return {
            "id": self.event_id, "at": self.at.isoformat(), "author": self.author,
            "author_name": self.author_name, "text": self.text, "buttons": list(self.buttons),
            "understood": None if understood is None else understood.__dict__,
        }


def understanding(parse_data: Dict[str, Any]) -> Understanding:
    intent = parse_data.get("intent") or {}
    found = {entity.get("entity"): entity.get("value")
             for entity in parse_data.get("entities") or [] if isinstance(entity, dict)}
    confidence = intent.get("confidence")
    return Understanding(
        intent=intent.get("name"),
        confidence=round(float(confidence), 2) if confidence is not None else None,
        concern_type=found.get("concern_type"), reporter_role=found.get("reporter_role"),
        acute=intent.get("name") == ACUTE_INTENT or found.get("acute_danger") in (True, "true"),
    )


def _entry(row: Any) -> Optional[Entry]:
    at = datetime.fromtimestamp(row.timestamp, tz=timezone.utc)
    if row.type_name in _SYSTEM_TEXT:
        return Entry(row.id, at, SYSTEM, _SYSTEM_TEXT[row.type_name], row.type_name)
    data = json.loads(row.data or "{}")
    text = data.get("text")
    if not text:
        return None  # e.g. the handoff summary, a custom payload without text
    if row.type_name == "user":
        return Entry(row.id, at, PERSON, text, row.type_name,
                     understood=understanding(data.get("parse_data") or {}))
    metadata = data.get("metadata") or {}
    buttons = tuple(str(button.get("title", "")) for button in
                    (data.get("data") or {}).get("buttons") or [] if isinstance(button, dict))
    if metadata.get("author") == SYSTEM:  # e.g. "the person left", written by the website
        return Entry(row.id, at, SYSTEM, text, row.type_name)
    if metadata.get("author") == COUNSELLOR:
        return Entry(row.id, at, COUNSELLOR, text, row.type_name,
                     author_name=metadata.get("counsellor_name"))
    return Entry(row.id, at, BOT, text, row.type_name, buttons=buttons)


def read_transcript(engine: Engine, conversation_id: str, after_id: int = 0) -> List[Entry]:
    """Messages and pause/resume marks in order; only those after `after_id` (live polling)."""
    query = (sa.select(events.c.id, events.c.type_name, events.c.timestamp, events.c.data)
             .where(events.c.sender_id == conversation_id, events.c.id > after_id,
                    events.c.type_name.in_(_SHOWN))
             .order_by(events.c.id))
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("events"):
            return []  # Rasa has not written anything to this database yet
        rows = connection.execute(query).all()
    return [entry for entry in map(_entry, rows) if entry is not None]


def since_last_pause(engine: Engine, conversation_id: str) -> List[Entry]:
    """Everything after the bot last paused (while the person waits for a counsellor).

    Event order, not clocks: the action server's and the console's clocks may differ."""
    last_pause = (sa.select(sa.func.max(events.c.id))
                  .where(events.c.sender_id == conversation_id, events.c.type_name == PAUSE))
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("events"):
            return []
        pause_id = connection.execute(last_pause).scalar()
    return [] if pause_id is None else read_transcript(engine, conversation_id, pause_id)


def last_person_message_at(engine: Engine, conversation_id: str) -> Optional[datetime]:
    """When the person last wrote (for WhatsApp's 24-hour reply window)."""
    query = (sa.select(sa.func.max(events.c.timestamp))
             .where(events.c.sender_id == conversation_id, events.c.type_name == "user"))
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("events"):
            return None
        latest = connection.execute(query).scalar()
    return None if latest is None else datetime.fromtimestamp(latest, tz=timezone.utc)


def has_reply(engine: Engine, conversation_id: str, reply_id: str) -> bool:
    """True when a counsellor message with this reply id is in the conversation (since the
    handoff): the console's check that a retried reply was already delivered."""
    last_pause = (sa.select(sa.func.max(events.c.id))
                  .where(events.c.sender_id == conversation_id, events.c.type_name == PAUSE)
                  .scalar_subquery())
    query = sa.select(events.c.data).where(events.c.sender_id == conversation_id,
                                           events.c.type_name == "bot",
                                           events.c.id > sa.func.coalesce(last_pause, 0))
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("events"):
            return False
        rows = connection.execute(query).scalars().all()
    return any((json.loads(data or "{}").get("metadata") or {}).get("reply_id") == reply_id
               for data in rows)
