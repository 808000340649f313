"""Start and stop the real Rasa server and action server for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "veilig-thuis.tar.gz"
STARTUP_TIMEOUT_S = 240
# The Rasa HTTP API token of the test servers (made up here; `make run` makes a random one).
E2E_TOKEN = "e2e-test-token"


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early; log:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)  # do not leave a half-started server behind
    process.wait(timeout=10)
    raise RuntimeError(f"{url} did not come up in {STARTUP_TIMEOUT_S} s")


@dataclass
class Server:
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def _env() -> Dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}


def start_action_server(port: int, log: Path, fake_now: Optional[str],
                        database_url: Optional[str] = None) -> Server:
    env = _env()
    if database_url:
        env["VT_DATABASE_URL"] = database_url
    env.pop("VT_FAKE_NOW", None)
    if fake_now:
        env["VT_FAKE_NOW"] = fake_now
    handle = log.open("ab")
    process = subprocess.Popen(
        [str(VENV_BIN / "rasa"), "run", "actions", "--port", str(port)],
        cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
    )
    _wait_until_up(f"http://127.0.0.1:{port}/health", process, log)
    return Server(process, log)


def start_rasa_server(port: int, action_port: int, workdir: Path, log: Path,
                      database_url: Optional[str] = None, token: str = E2E_TOKEN,
                      credentials: Path = ROOT / "credentials.yml",
                      env_extra: Optional[Dict[str, str]] = None) -> Server:
    """Rasa as `make run` starts it; `credentials` and `env_extra` switch channels on."""
    from bot.endpoints import render_endpoints

    database_url = database_url or f"sqlite:///{workdir / 'tracker.db'}"
    endpoints = workdir / f"endpoints-{port}.yml"
    endpoints.write_text(render_endpoints(database_url, f"http://127.0.0.1:{action_port}/webhook"))
    handle = log.open("ab")
    process = subprocess.Popen(
        [str(VENV_BIN / "rasa"), "run", "--enable-api", "--auth-token", token, "--port", str(port),
         "-m", str(MODEL), "--endpoints", str(endpoints),
         "--credentials", str(credentials)],
        cwd=ROOT, env={**_env(), "VT_DATABASE_URL": database_url, **(env_extra or {})},
        stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
    )
    _wait_until_up(f"http://127.0.0.1:{port}/status?token={token}", process, log)
    return Server(process, log)


def _start_service(module: str, port: int, log: Path, env_extra: Dict[str, str],
                   fake_now: Optional[str]) -> Server:
    """One of our own services (python -m MODULE), with its clock pinned when asked."""
    env = {**_env(), **env_extra}
    env.pop("VT_FAKE_NOW", None)
    if fake_now:
        env["VT_FAKE_NOW"] = fake_now
    handle = log.open("ab")
    process = subprocess.Popen([str(VENV_BIN / "python"), "-m", module], cwd=ROOT, env=env,
                               stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    _wait_until_up(f"http://127.0.0.1:{port}/health", process, log)
    return Server(process, log)


def start_console(port: int, log: Path, database_url: str, rasa_port: int,
                  fake_now: Optional[str], token: str = E2E_TOKEN,
                  settings: Optional[Path] = None) -> Server:
    """The counsellor console (and its handoff worker) as `make run` starts it."""
    env = {"VT_DATABASE_URL": database_url, "VT_CONSOLE_PORT": str(port),
           "VT_RASA_URL": f"http://127.0.0.1:{rasa_port}", "VT_RASA_TOKEN": token}
    if settings is not None:
        env["VT_SETTINGS"] = str(settings)
    return _start_service("bot.console", port, log, env, fake_now)


def start_site(port: int, log: Path, database_url: str, rasa_port: int, fake_now: Optional[str],
               quick_exit_url: Optional[str] = None, socket_url: Optional[str] = None,
               token: str = E2E_TOKEN) -> Server:
    """The website with the chat widget (python -m bot.site), as `make run` starts it.
    Without `socket_url` the page points at settings.yml's socket.io address."""
    env = {"VT_DATABASE_URL": database_url, "VT_SITE_PORT": str(port),
           "VT_RASA_URL": f"http://127.0.0.1:{rasa_port}", "VT_RASA_TOKEN": token}
    if socket_url:
        env["VT_SOCKET_URL"] = socket_url
    if quick_exit_url:
        env["VT_QUICK_EXIT_URL"] = quick_exit_url
    return _start_service("bot.site", port, log, env, fake_now)


def fetch_tracker(rasa_url: str, conversation_id: str, all_events: bool = False) -> Dict:
    """A conversation's tracker from Rasa's HTTP API (`all_events`: also before a restart)."""
    params = {"token": E2E_TOKEN, **({"include_events": "ALL"} if all_events else {})}
    response = requests.get(f"{rasa_url}/conversations/{conversation_id}/tracker",
                            params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


@dataclass
class Chat:
    """One person's conversation over the REST channel."""

    base_url: str
    sender: str = field(default_factory=lambda: f"e2e-{uuid.uuid4().hex[:12]}")
    replies: List[List[Dict[str, Any]]] = field(default_factory=list)

    def say(self, text: str) -> List[Dict[str, Any]]:
        response = requests.post(f"{self.base_url}/webhooks/rest/webhook",
                                 json={"sender": self.sender, "message": text}, timeout=60)
        assert response.status_code == 200, response.text
        reply = response.json()
        self.replies.append(reply)
        return reply

    def tracker(self) -> Dict[str, Any]:
        response = requests.get(f"{self.base_url}/conversations/{self.sender}/tracker",
                                params={"token": E2E_TOKEN}, timeout=30)
        assert response.status_code == 200
        return response.json()

    def slots(self) -> Dict[str, Any]:
        return self.tracker()["slots"]


def texts(reply: List[Dict[str, Any]]) -> str:
    """All text of one reply, joined, for simple 'contains' checks."""
    return "\n".join(m.get("text") or "" for m in reply)


def handed_off(reply: List[Dict[str, Any]]) -> bool:
    """True if this reply is a handoff: only action_handoff tells a place in the queue."""
    return "in de wachtrij" in texts(reply)
