"""One Rasa server per test session; action servers started per test with a chosen clock."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, Optional

import pytest

from tests.e2e.servers import MODEL, Server, start_action_server, start_rasa_server

RASA_PORT = 5105
ACTION_PORT = 5155
# A Monday in winter (CET), during opening hours, and a Saturday afternoon.
STAFFED = "2026-11-30T10:00:00+01:00"
CLOSED_SATURDAY = "2026-11-28T14:00:00+01:00"


@pytest.fixture(scope="session")
def e2e_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def rasa_server(e2e_dir: Path) -> Iterator[Server]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    server = start_rasa_server(RASA_PORT, ACTION_PORT, e2e_dir, e2e_dir / "rasa.log")
    yield server
    server.stop()


@pytest.fixture
def base_url(rasa_server: Server) -> str:
    return f"http://127.0.0.1:{RASA_PORT}"


@pytest.fixture
def action_server(e2e_dir: Path) -> Iterator[Callable[[Optional[str]], Server]]:
    """Start the action server with VT_FAKE_NOW set to the given time; stopped after the test."""
    started = []

    def start(fake_now: Optional[str]) -> Server:
        for server in started:
            server.stop()
        server = start_action_server(ACTION_PORT, e2e_dir / "actions.log", fake_now,
                                     database_url=f"sqlite:///{e2e_dir / 'tracker.db'}")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def staffed(action_server, rasa_server) -> Server:
    return action_server(STAFFED)


@pytest.fixture
def closed(action_server, rasa_server) -> Server:
    return action_server(CLOSED_SATURDAY)


@pytest.fixture
def handoff_queue(e2e_dir: Path):
    from bot.handoff.queue import HandoffQueue

    return HandoffQueue.from_url(f"sqlite:///{e2e_dir / 'tracker.db'}")
