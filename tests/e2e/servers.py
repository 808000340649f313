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
# The secrets of the test servers (made up here; `make run` makes random ones): the Rasa HTTP
# API token, the action server's secret and the website's socket.io session key.
E2E_TOKEN = "e2e-test-token"
E2E_ACTION_TOKEN = "e2e-action-server-secret"
E2E_SOCKET_KEY = "e2e-socket-session-key-" + "k" * 40


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
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "VT_ACTION_TOKEN": E2E_ACTION_TOKEN,
            "VT_SOCKET_KEY": E2E_SOCKET_KEY, "VT_SETTINGS": str(relaxed_settings())}


def relax_limits(settings: Dict[str, Any]) -> None:
    """Every test talks from 127.0.0.1 and starts many conversations a minute: the flood
    limits would stop the test suite itself. tests/e2e/test_hostile.py tests them."""
    for name in settings["limits"]:
        settings["limits"][name] *= 1000
    settings["console"]["login_failures_per_source_per_minute"] *= 1000
    settings["console"]["login_failures_per_minute"] *= 1000


_relaxed: Dict[str, Path] = {}


def relaxed_settings() -> Path:
    """settings.yml with relaxed flood limits, written once per test run."""
    if "path" not in _relaxed:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="vt-settings-"))
        _relaxed["path"] = settings_file(folder, "settings.yml", lambda s: None)
    return _relaxed["path"]


def start_action_server(port: int, log: Path, fake_now: Optional[str],
                        database_url: Optional[str] = None,
                        env_extra: Optional[Dict[str, str]] = None) -> Server:
    env = {**_env(), **(env_extra or {})}
    if database_url:
        env["VT_DATABASE_URL"] = database_url
    env.pop("VT_FAKE_NOW", None)
    if fake_now:
        env["VT_FAKE_NOW"] = fake_now
    handle = log.open("ab")
    process = subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", "bot.action_server", "--port", str(port)],
        cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
    )
    _wait_until_up(f"http://127.0.0.1:{port}/health", process, log)
    return Server(process, log)


def start_rasa_server(port: int, action_port: int, workdir: Path, log: Path,
                      database_url: Optional[str] = None, token: str = E2E_TOKEN,
                      credentials: Path = ROOT / "credentials.yml",
                      env_extra: Optional[Dict[str, str]] = None) -> Server:
    """Rasa as `make run` starts it; `credentials` and `env_extra` switch channels on."""
    from bot.db import create_database_file
    from bot.endpoints import render_endpoints

    database_url = database_url or f"sqlite:///{workdir / 'tracker.db'}"
    create_database_file(database_url)  # as make run's start-up does
    endpoints = workdir / f"endpoints-{port}.yml"
    endpoints.write_text(render_endpoints(database_url, f"http://127.0.0.1:{action_port}/webhook"))
    handle = log.open("ab")
    process = subprocess.Popen(
        [str(VENV_BIN / "rasa"), "run", "--enable-api", "--auth-token", token,
         "--interface", "127.0.0.1", "--port", str(port),
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
                  settings: Optional[Path] = None,
                  env_extra: Optional[Dict[str, str]] = None) -> Server:
    """The counsellor console (and its handoff worker) as `make run` starts it."""
    env = {"VT_DATABASE_URL": database_url, "VT_CONSOLE_PORT": str(port),
           "VT_RASA_URL": f"http://127.0.0.1:{rasa_port}", "VT_RASA_TOKEN": token,
           **(env_extra or {})}
    if settings is not None:
        env["VT_SETTINGS"] = str(settings)
    return _start_service("bot.console", port, log, env, fake_now)


def start_site(port: int, log: Path, database_url: str, rasa_port: int, fake_now: Optional[str],
               quick_exit_url: Optional[str] = None, socket_url: Optional[str] = None,
               token: str = E2E_TOKEN, env_extra: Optional[Dict[str, str]] = None) -> Server:
    """The website with the chat widget (python -m bot.site), as `make run` starts it.
    Without `socket_url` the page points at settings.yml's socket.io address."""
    env = {"VT_DATABASE_URL": database_url, "VT_SITE_PORT": str(port),
           "VT_RASA_URL": f"http://127.0.0.1:{rasa_port}", "VT_RASA_TOKEN": token,
           **(env_extra or {})}
    if socket_url:
        env["VT_SOCKET_URL"] = socket_url
    if quick_exit_url:
        env["VT_QUICK_EXIT_URL"] = quick_exit_url
    return _start_service("bot.site", port, log, env, fake_now)


def settings_file(workdir: Path, name: str, change, strict_limits: bool = False) -> Path:
    """A copy of settings.yml with `change(settings_dict)` applied, for one test's servers;
    with relaxed flood limits unless `strict_limits`."""
    import yaml

    settings = yaml.safe_load((ROOT / "settings.yml").read_text(encoding="utf-8"))
    if not strict_limits:
        relax_limits(settings)
    change(settings)
    path = workdir / name
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


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
