"""Each platform message is handled once: a replayed Twilio request (a copy of a real, signed
one) or a platform's retry of a message we already took is recognised by its id and ignored.

Twilio's signature covers the URL and the form, not the time, so a captured request stays
valid for ever; its MessageSid does not repeat. The ids live in the database (shared by every
Rasa instance) and are purged after REMEMBER_FOR by `make purge`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.db import to_utc

REMEMBER_FOR = timedelta(days=2)

metadata = sa.MetaData()
seen_messages = sa.Table(
    "channel_seen_messages", metadata,
    # SHA-256 of channel and the platform's message id (an id, but ours to keep minimal).
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False, index=True),
)


def first_time(engine: Engine, channel: str, message_id: str, now: datetime) -> bool:
    """True the first time this platform message id arrives; False for a replay or a retry."""
    key = hashlib.sha256(f"{channel}\0{message_id}".encode("utf-8", "replace")).hexdigest()
    try:
        with engine.begin() as connection:
            connection.execute(seen_messages.insert().values(key_hash=key, seen_at=to_utc(now)))
    except sa.exc.IntegrityError:
        return False
    return True
