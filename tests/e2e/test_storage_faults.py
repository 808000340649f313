"""A failing database never makes the bot forget in silence (issue 9, point 6), on SQLite and on
PostgreSQL, with the real Rasa server, action server and console.

During the fault the person is told that their message was not kept, with 0800-2000 and 112;
the health checks say 503; the console answers 503, never 500. When the database is back,
everything carries on by itself, without a restart, from where the conversation was.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager, Dict, Iterator

import pytest
import requests
import sqlalchemy as sa

from bot.channels.intake import NOT_KEPT
from tests.conftest import sqlite_url
from tests.e2e.conftest import STAFFED
from tests.e2e.console_client import ConsoleClient
from tests.e2e.servers import (MODEL, ROOT, Server, start_action_server, start_console,
                               start_rasa_server)
from tests.e2e.test_handoff_live import PASSWORD, add_counsellor

pytestmark = pytest.mark.e2e

PORTS = {"sqlite": (5114, 5164, 5194), "postgresql": (5115, 5165, 5195)}
FAULT_PG_PORT = "5441"  # a cluster of its own: these tests stop and break it


def pg_sh(command: str) -> str:
    result = subprocess.run(["bash", str(ROOT / "scripts" / "pg.sh"), command],
                            env={**os.environ, "VT_PG_PORT": FAULT_PG_PORT},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


@dataclass
class Stack:
    kind: str
    database_url: str
    workdir: Path
    servers: Dict[str, Server] = field(default_factory=dict)

    @property
    def rasa(self) -> str:
        return f"http://127.0.0.1:{PORTS[self.kind][0]}"

    @property
    def console(self) -> str:
        return f"http://127.0.0.1:{PORTS[self.kind][2]}"

    def say(self, sender: str, text: str) -> str:
        response = requests.post(f"{self.rasa}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": text}, timeout=60)
        assert response.status_code == 200, response.text
        return "\n".join(m.get("text") or "" for m in response.json())

    def rasa_health(self) -> int:
        return requests.get(f"{self.rasa}/webhooks/rest/", timeout=30).status_code

    def console_health(self) -> int:
        return requests.get(f"{self.console}/health", timeout=30).status_code


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql",
                                                                marks=pytest.mark.postgres)])
def stack(request, tmp_path_factory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    workdir = tmp_path_factory.mktemp(f"faults-{request.param}")
    url = sqlite_url(workdir / "tracker.db") if request.param == "sqlite" else pg_sh("start")
    stack = Stack(request.param, url, workdir)
    rasa_port, action_port, console_port = PORTS[request.param]
    try:
        add_counsellor(url, "anna", "Anna")
        stack.servers["actions"] = start_action_server(action_port, workdir / "actions.log",
                                                       STAFFED, database_url=url)
        stack.servers["rasa"] = start_rasa_server(rasa_port, action_port, workdir,
                                                  workdir / "rasa.log", url)
        stack.servers["console"] = start_console(console_port, workdir / "console.log", url,
                                                 rasa_port, STAFFED)
        yield stack
    finally:
        for server in stack.servers.values():
            server.stop()
        if request.param == "postgresql":
            pg_sh("stop")


# --- the faults --------------------------------------------------------------------------------

@contextlib.contextmanager
def sqlite_read_only(stack: Stack) -> Iterator[None]:
    # As root, file modes do not stop a write; the immutable flag does.
    path = stack.workdir / "tracker.db"
    subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextlib.contextmanager
def sqlite_gone(stack: Stack) -> Iterator[None]:
    path = stack.workdir / "tracker.db"
    away = stack.workdir / "tracker.db.away"
    path.rename(away)
    try:
        yield
        assert not path.exists(), "no empty database may be made in its place"
    finally:
        away.rename(path)


def _terminate_other_connections(connection) -> None:
    connection.execute(sa.text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"))


@contextlib.contextmanager
def postgres_read_only(stack: Stack) -> Iterator[None]:
    engine = sa.create_engine(stack.database_url, future=True, poolclass=sa.pool.NullPool,
                              isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text("ALTER DATABASE vt_test SET default_transaction_read_only = on"))
        _terminate_other_connections(connection)
    try:
        yield
    finally:
        with engine.connect() as connection:
            connection.execute(sa.text("SET default_transaction_read_only = off"))
            connection.execute(sa.text(
                "ALTER DATABASE vt_test SET default_transaction_read_only = off"))
            _terminate_other_connections(connection)  # sessions that started read-only
        engine.dispose()


@contextlib.contextmanager
def postgres_stopped(stack: Stack) -> Iterator[None]:
    pg_sh("halt")
    try:
        yield
    finally:
        pg_sh("start")


FAULTS: Dict[str, Dict[str, Callable[[Stack], ContextManager[None]]]] = {
    "sqlite": {"read-only file": sqlite_read_only, "file moved away": sqlite_gone},
    "postgresql": {"read-only database": postgres_read_only, "server stopped": postgres_stopped},
}


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} not within {seconds} s")


@pytest.mark.parametrize("fault_number", [0, 1], ids=["first fault", "second fault"])
def test_a_database_fault_is_told_reported_and_healed(stack: Stack, fault_number: int):
    name, fault = list(FAULTS[stack.kind].items())[fault_number]
    sender = f"fault-{stack.kind}-{fault_number}"
    assert "in gevaar" in stack.say(sender, "ik hoor elke avond gegil bij de buren")
    assert stack.rasa_health() == 200 and stack.console_health() == 200
    with fault(stack):
        reply = stack.say(sender, "nee")
        assert reply == NOT_KEPT, name
        assert "0800-2000" in reply and "112" in reply
        assert stack.rasa_health() == 503 and stack.console_health() == 503
        login = ConsoleClient(stack.console).login("anna", PASSWORD)
        assert login.status_code == 503 and "database" in login.text.lower()
    wait_until(lambda: stack.rasa_health() == 200, 30, "Rasa healthy again")
    wait_until(lambda: stack.console_health() == 200, 30, "the console healthy again")
    # Where the conversation was: the danger question is still the open one, so "nee" now
    # brings the next question.
    assert "kinderen" in stack.say(sender, "nee")
    assert ConsoleClient(stack.console).login("anna", PASSWORD).status_code == 303
