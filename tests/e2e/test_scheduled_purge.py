"""The running system purges on its own: two real console processes on one database, and
what settings.yml `retention:` no longer allows is deleted once, by one of them."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.db import create_engine, prepare_database
from tests.e2e.servers import settings_file, start_console
from tests.tracker_helpers import tracker_store

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def save_conversation(url: str, sender: str, at: datetime) -> None:
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [ActionExecuted("action_listen", timestamp=at.timestamp()),
              UserUttered("hallo", intent={"name": "greet", "confidence": 1.0},
                          timestamp=at.timestamp())]
    store = tracker_store(url)
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()


def senders(url: str) -> set:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {row[0] for row in connection.execute(
                sa.text("SELECT DISTINCT sender_id FROM events"))}
    finally:
        engine.dispose()


def test_two_consoles_purge_once_by_themselves(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'vt.db'}"
    prepare_database(url).dispose()
    now = datetime.now(timezone.utc)
    save_conversation(url, "three-hours-old", now - timedelta(hours=3))
    save_conversation(url, "just-now", now - timedelta(minutes=5))
    settings = settings_file(tmp_path, "settings.yml", lambda s: None)  # bot_only_hours: 2
    consoles = [start_console(free_port(), tmp_path / f"console-{i}.log", url, free_port(),
                              None, settings=settings) for i in (1, 2)]
    try:
        deadline = time.monotonic() + 60
        while "three-hours-old" in senders(url) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert senders(url) == {"just-now"}
        time.sleep(2)  # give the other console its chance to (wrongly) purge again
    finally:
        for console in consoles:
            console.stop()
    logs = "".join((tmp_path / f"console-{i}.log").read_text(errors="replace") for i in (1, 2))
    assert logs.count("scheduled purge: deleted") == 1
    assert "hallo" not in logs  # counts only, never text
