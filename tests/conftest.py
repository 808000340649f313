"""Shared fixtures: a tracker builder for action tests."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker


def user_event(text: str, intent: str, confidence: float = 1.0) -> Dict[str, Any]:
    return {"event": "user", "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": confidence}, "entities": []},
            "input_channel": "rest"}


def action_event(name: str) -> Dict[str, Any]:
    return {"event": "action", "name": name}


@pytest.fixture
def make_tracker():
    """Build a Rasa SDK tracker from slots and a list of event dicts."""

    def build(slots: Optional[Dict[str, Any]] = None,
              events: Optional[List[Dict[str, Any]]] = None) -> Tracker:
        events = events or []
        latest = next((e for e in reversed(events) if e["event"] == "user"), {})
        return Tracker(
            sender_id="test-sender", slots=slots or {},
            latest_message={"text": latest.get("text"), **latest.get("parse_data", {})},
            events=events, paused=False, followup_action=None, active_loop={},
            latest_action_name=None,
        )

    return build


# --- Databases: every test that takes `database_url` runs on SQLite and on PostgreSQL. ------

REPO = Path(__file__).resolve().parent.parent
POSTGRES_URL_ENV_VAR = "VT_TEST_POSTGRES_URL"  # use this server instead of scripts/pg.sh
_NO_POSTGRES = ("PostgreSQL is not installed, and the tests need it (they never skip it). "
                "Run: bash scripts/system-deps.sh")


def _pg_sh(command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(REPO / "scripts" / "pg.sh"), command], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of a PostgreSQL database for tests: VT_TEST_POSTGRES_URL, else the
    throwaway cluster of scripts/pg.sh (started here, and stopped again if started here)."""
    configured = os.environ.get(POSTGRES_URL_ENV_VAR)
    if configured:
        yield configured
        return
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        pytest.fail(_NO_POSTGRES, pytrace=False)
    started = _pg_sh("start")
    lines = started.stdout.strip().splitlines()
    if started.returncode != 0 or not lines:
        hint = _NO_POSTGRES if "not installed" in started.stderr else ""
        pytest.fail(f"`bash scripts/pg.sh start` failed (exit {started.returncode}):\n"
                    f"{started.stderr.strip()}\n{hint}", pytrace=False)
    started_here = "already running" not in started.stderr
    yield lines[-1]
    if started_here:
        stopped = _pg_sh("stop")
        if stopped.returncode != 0:
            print(f"`bash scripts/pg.sh stop` failed: {stopped.stderr.strip()}", file=sys.stderr)


def empty_postgres_database(url: str) -> None:
    """Drop every table (and left-over sequence) in the database, as a fresh one would be."""
    engine = sa.create_engine(url, future=True, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            # A test that left a transaction open would block DROP TABLE: fail, never hang.
            connection.execute(sa.text("SET LOCAL lock_timeout = '20s'"))
            tables = sa.MetaData()
            tables.reflect(bind=connection)
            tables.drop_all(bind=connection)
            for name in sa.inspect(connection).get_sequence_names():
                connection.execute(sa.text(f'DROP SEQUENCE IF EXISTS "{name}" CASCADE'))
    finally:
        engine.dispose()


def sqlite_url(path: Path) -> str:
    """The URL of a new SQLite database file (made now, as `make run`'s start-up would)."""
    from bot.db import create_database_file

    url = f"sqlite:///{path}"
    create_database_file(url)
    return url


def module_database_url(request, workdir: Path) -> str:
    """An empty database for a module-scoped fixture parametrized "sqlite" / "postgresql"."""
    if request.param == "sqlite":
        return sqlite_url(workdir / "tracker.db")
    url = request.getfixturevalue("postgres_url")
    empty_postgres_database(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    """A URL of an empty database, once for SQLite and once for PostgreSQL (mark `postgres`).

    PostgreSQL: the shared test database with all tables dropped first (quicker than a new
    database per test); so tests that use it must not run in parallel on the same server."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "test.db")
    url = request.getfixturevalue("postgres_url")
    empty_postgres_database(url)
    return url
