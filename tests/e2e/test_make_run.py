"""`make run` itself (scripts/run.sh under supervisord): every service on 127.0.0.1 only, var/
private, the action server closed to all but Rasa, and one crash no longer takes the rest down.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator, List

import pytest
import requests

from tests.e2e.servers import MODEL, ROOT

pytestmark = pytest.mark.e2e

RASA_PORT, ACTION_PORT, CONSOLE_PORT, SITE_PORT = 5116, 5166, 5196, 5206
PORTS = (RASA_PORT, ACTION_PORT, CONSOLE_PORT, SITE_PORT)
HEALTH = {"rasa": f"http://127.0.0.1:{RASA_PORT}/webhooks/rest/",
          "site": f"http://127.0.0.1:{SITE_PORT}/health",
          "console": f"http://127.0.0.1:{CONSOLE_PORT}/health",
          "actions": f"http://127.0.0.1:{ACTION_PORT}/health"}


def up(url: str) -> bool:
    try:
        return requests.get(url, timeout=3).status_code == 200
    except requests.RequestException:
        return False


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} not within {seconds} s")


@pytest.fixture(scope="module")
def make_run(tmp_path_factory) -> Iterator[Path]:
    """scripts/run.sh (what `make run` runs after training) with its own var/ and ports."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    var = tmp_path_factory.mktemp("make-run") / "var"
    env = {**os.environ, "VT_VAR": str(var), "VT_DATABASE_URL": f"sqlite:///{var}/tracker.db",
           "VT_RASA_PORT": str(RASA_PORT), "VT_ACTION_PORT": str(ACTION_PORT),
           "VT_CONSOLE_PORT": str(CONSOLE_PORT), "VT_SITE_PORT": str(SITE_PORT),
           "VT_RASA_URL": f"http://127.0.0.1:{RASA_PORT}",
           "VT_SOCKET_URL": f"http://127.0.0.1:{RASA_PORT}",
           "VT_FAKE_NOW": "2026-11-30T10:00:00+01:00"}
    for name in ("VT_RASA_TOKEN", "VT_ACTION_TOKEN", "VT_SOCKET_KEY", "VT_CHANNEL_KEY",
                 "VT_SETTINGS"):
        env.pop(name, None)  # made by run.sh, as on a new machine
    log = (var.parent / "run.log").open("wb")
    process = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: all(up(url) for url in HEALTH.values()), 240, "all services up")
        yield var
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def listening_addresses(port: int) -> List[str]:
    """Local addresses listening on `port` (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, _, state = line.split()[1:4]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.append(address)
    return found


def test_every_service_listens_on_loopback_only(make_run: Path):
    for port in PORTS:
        assert listening_addresses(port) == ["0100007F"], port  # 127.0.0.1, nothing else


def test_var_is_private(make_run: Path):
    assert stat.S_IMODE(make_run.stat().st_mode) == 0o700
    for name in ("tracker.db", "rasa.log", "console.log", "site.log", "actions.log",
                 "rasa_token", "action_token", "socket_key", "channel_key", "endpoints.yml"):
        assert stat.S_IMODE((make_run / name).stat().st_mode) == 0o600, name


def test_only_rasa_may_call_the_action_server(make_run: Path):
    refused = requests.post(f"http://127.0.0.1:{ACTION_PORT}/webhook",
                            json={"next_action": "action_handoff"}, timeout=10)
    assert refused.status_code == 401
    reply = requests.post(f"http://127.0.0.1:{RASA_PORT}/webhooks/rest/webhook",
                          json={"sender": "run-1", "message": "ik wil met iemand praten"},
                          timeout=60).json()
    assert any("medewerker" in (m.get("text") or "") for m in reply)  # the action ran


def _pid_of(port: int) -> int:
    """The process listening on `port` (by its socket's inode in /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:
                inodes.add(fields[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (proc / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            return int(proc.name)
    raise AssertionError(f"nothing listens on {port}")


def test_a_killed_rasa_comes_back_and_the_rest_stays_up(make_run: Path):
    os.kill(_pid_of(RASA_PORT), signal.SIGKILL)
    time.sleep(1)
    assert up(HEALTH["site"]) and up(HEALTH["console"]) and up(HEALTH["actions"])
    page = requests.get(f"http://127.0.0.1:{SITE_PORT}/", timeout=10).text
    assert "112" in page and "0800-2000" in page  # the page with the numbers is still there
    wait_until(lambda: up(HEALTH["rasa"]), 180, "Rasa back")
    assert "exited: rasa" in (make_run / "supervisord.log").read_text()
