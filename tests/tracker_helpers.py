"""Write conversations into a database the way the Rasa server does: with Rasa's own
SQLTrackerStore, so tests read exactly the rows production has."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from sqlalchemy.engine import make_url


def tracker_store(url: str):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from bot.db import sqlite_file

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=sqlite_file(url))
    return SQLTrackerStore(Domain.empty(), dialect="postgresql", host=parsed.host,
                           port=parsed.port, db=parsed.database, username=parsed.username,
                           password=parsed.password)


def user(text: str, intent: str = "describe_concern", confidence: float = 0.9,
         entities: Optional[List[Dict[str, Any]]] = None, timestamp: Optional[float] = None):
    from rasa.shared.core.events import UserUttered

    parse_data = {"text": text, "intent": {"name": intent, "confidence": confidence},
                  "entities": entities or []}
    return UserUttered(text, intent=parse_data["intent"], entities=entities or [],
                       parse_data=parse_data, timestamp=timestamp, input_channel="socketio")


def bot(text: str, metadata: Optional[Dict[str, Any]] = None, timestamp: Optional[float] = None):
    from rasa.shared.core.events import BotUttered

    return BotUttered(text, metadata=metadata or {}, timestamp=timestamp)


def pause(timestamp: Optional[float] = None):
    from rasa.shared.core.events import ConversationPaused

    return ConversationPaused(timestamp=timestamp)


def resume(timestamp: Optional[float] = None):
    from rasa.shared.core.events import ConversationResumed

    return ConversationResumed(timestamp=timestamp)


async def append(url: str, sender_id: str, events: List[Any]) -> None:
    """Add events to a conversation (created if new), as Rasa would after a turn."""
    store = tracker_store(url)
    tracker = await store.retrieve(sender_id)
    if tracker is None:
        from rasa.shared.core.trackers import DialogueStateTracker

        tracker = DialogueStateTracker.from_events(sender_id, [])
    for event in events:
        tracker.update(event)
    await store.save(tracker)
    store.engine.dispose()
