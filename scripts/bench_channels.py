"""What the messaging channels cost per message, against the REST channel on the same server.

Starts the action server (5555) and one Rasa server (5505) with Telegram and WhatsApp switched
on, pointed at the local stand-ins of the Telegram Bot API and Twilio's REST API that the tests
use (tests/e2e/standins.py). Then holds the same four-turn conversations over REST, over
Telegram's webhook and over Twilio's signed webhook, one message at a time and the channels
interleaved, and times each webhook call: for Telegram and WhatsApp that includes the door
(pseudonym, "stop", open choices read from the tracker store) and sending every reply to the
stand-in. Also times the door's own steps in-process. Prints aggregate figures only and writes
var/bench_channels.json. It reports; it does not assert.

Usage: .venv/bin/python scripts/bench_channels.py [--quick]
Exit code: 0 when the measurements completed, 2 when the servers could not be started.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import sys
import tempfile
import time
import timeit
from pathlib import Path
from typing import Callable, Dict, List

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import (  # noqa: E402  (scripts/bench.py, beside this file)
    FAKE_NOW, HOST, OUR_MODEL, OUR_SCRIPTS, RASA, START_TIMEOUT_S, MemorySampler, StartError,
    child_env, log_tail, machine_info, port_busy, spawn, stop, wait_ready,
)
from bot.benchmark import Outcome, fmt, format_table, summarize  # noqa: E402
from bot.channels import choices, config, pseudonym  # noqa: E402
from bot.db import create_database_file  # noqa: E402
from bot.endpoints import render_endpoints  # noqa: E402
from tests.e2e.standins import (  # noqa: E402
    TelegramStandIn, TwilioStandIn, telegram_update, twilio_signature, twilio_whatsapp_params,
)

RASA_PORT, ACTION_PORT = 5505, 5555
JSON_OUT = ROOT / "var" / "bench_channels.json"
TOKEN = "123456789:AAHbenchbenchbenchbenchbenchbench123"
ACCOUNT_SID, AUTH_TOKEN = "AC" + "7" * 32, "bench-auth-token"
OUR_NUMBER = "whatsapp:+3197010200300"
TIMEOUT_S = 60.0

Send = Callable[[requests.Session, int, str], Outcome]


def channel_env(telegram: TelegramStandIn, twilio: TwilioStandIn) -> Dict[str, str]:
    base = f"http://{HOST}:{RASA_PORT}/webhooks"
    return {"VT_CHANNEL_KEY": pseudonym.new_key(), "TELEGRAM_ACCESS_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_URL": f"{base}/telegram/webhook", "TELEGRAM_API_URL": telegram.base_url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_WHATSAPP_NUMBER": OUR_NUMBER, "TWILIO_WEBHOOK_URL": f"{base}/whatsapp/webhook",
            "TWILIO_API_URL": twilio.base_url}


def start_servers(tmp: Path, env: Dict[str, str]) -> List:
    for port in (ACTION_PORT, RASA_PORT):
        if port_busy(port):
            raise StartError(f"port {port} is already in use by another process")
    database = f"sqlite:///{tmp / 'bench.db'}"
    create_database_file(database)
    (tmp / "endpoints.yml").write_text(
        render_endpoints(database, f"http://{HOST}:{ACTION_PORT}/webhook"), encoding="utf-8")
    base = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    (tmp / "credentials.yml").write_text(yaml.safe_dump(config.credentials(base, env)),
                                         encoding="utf-8")
    server_env = child_env({**env, "VT_FAKE_NOW": FAKE_NOW, "VT_DATABASE_URL": database,
                            "VT_ACTION_TOKEN": secrets.token_urlsafe(24),
                            "VT_SOCKET_KEY": secrets.token_urlsafe(32)})
    actions = spawn([str(ROOT / ".venv" / "bin" / "python"), "-m", "bot.action_server",
                     "--port", str(ACTION_PORT)], ROOT, server_env, tmp / "actions.log")
    rasa = spawn([RASA, "run", "--enable-api", "-i", HOST, "--port", str(RASA_PORT),
                  "-m", str(OUR_MODEL), "--endpoints", str(tmp / "endpoints.yml"),
                  "--credentials", str(tmp / "credentials.yml")], ROOT, server_env,
                 tmp / "rasa.log")
    for url, proc, log in ((f"http://{HOST}:{ACTION_PORT}/health", actions, "actions.log"),
                           (f"http://{HOST}:{RASA_PORT}/status", rasa, "rasa.log")):
        if not wait_ready(url, proc, START_TIMEOUT_S):
            stop(rasa)
            stop(actions)
            raise StartError(f"{url} did not answer; last lines of {log}:\n{log_tail(tmp / log)}")
    return [actions, rasa]


def timed(call: Callable[[], requests.Response], replies: Callable[[], int]) -> Outcome:
    start = time.perf_counter()
    try:
        status = call().status_code
    except requests.RequestException:
        status = None
    return Outcome(time.perf_counter() - start, status, replies() if status == 200 else 0)


def senders(telegram: TelegramStandIn, twilio: TwilioStandIn) -> Dict[str, Send]:
    """channel -> send(session, conversation number, text)."""
    rest_url = f"http://{HOST}:{RASA_PORT}/webhooks/rest/webhook"
    telegram_url = f"http://{HOST}:{RASA_PORT}/webhooks/telegram/webhook"
    whatsapp_url = f"http://{HOST}:{RASA_PORT}/webhooks/whatsapp/webhook"
    secret = {"X-Telegram-Bot-Api-Secret-Token": telegram.webhook["secret_token"]}
    update_ids = iter(range(1, 10**9))
    run = random.randrange(10**6)  # new conversations on every run of the benchmark

    def rest(session: requests.Session, n: int, text: str) -> Outcome:
        body: List = []

        def call() -> requests.Response:
            response = session.post(rest_url, json={"sender": f"bench-{run}-{n}",
                                                    "message": text}, timeout=TIMEOUT_S)
            body.extend(response.json() if response.status_code == 200 else [])
            return response
        return timed(call, lambda: len(body))

    def via_telegram(session: requests.Session, n: int, text: str) -> Outcome:
        chat, before = 10**9 + run * 1000 + n, len(telegram.calls())
        update = telegram_update(next(update_ids), chat, text)
        return timed(lambda: session.post(telegram_url, json=update, headers=secret,
                                          timeout=TIMEOUT_S),
                     lambda: len(telegram.calls()[before:]))

    def via_whatsapp(session: requests.Session, n: int, text: str) -> Outcome:
        phone, before = f"whatsapp:+316{run:06d}{n:02d}", len(twilio.sent())
        params = twilio_whatsapp_params(ACCOUNT_SID, phone, OUR_NUMBER, text)
        headers = {"X-Twilio-Signature": twilio_signature(AUTH_TOKEN, whatsapp_url, params)}
        return timed(lambda: session.post(whatsapp_url, data=params, headers=headers,
                                          timeout=TIMEOUT_S),
                     lambda: len(twilio.sent()[before:]))

    return {"rest": rest, "telegram": via_telegram, "whatsapp": via_whatsapp}


def converse(send: Dict[str, Send], numbers: range) -> Dict[str, List[Outcome]]:
    """Each conversation over every channel in turn, a message at a time."""
    outcomes: Dict[str, List[Outcome]] = {name: [] for name in send}
    with requests.Session() as session:
        for n in numbers:
            for name, channel in send.items():
                for text in OUR_SCRIPTS[n % len(OUR_SCRIPTS)]:
                    outcomes[name].append(channel(session, n, text))
    return outcomes


def door_steps(samples: int) -> Dict[str, float]:
    """Microseconds per call of the door's own work (no I/O)."""
    key = bytes(range(64))
    conversation = pseudonym.conversation_id(key, "whatsapp", "whatsapp:+31612345678")
    buttons = [{"title": "Ja, nu", "payload": "/acute_danger"},
               {"title": "Nee, nu niet", "payload": "/deny"}]
    events = [{"event": "user", "text": "x"}, {"event": "bot", "data": {"buttons": buttons}}] * 50
    steps = {
        "pseudonym_in": lambda: pseudonym.conversation_id(key, "whatsapp", "whatsapp:+31612345678"),
        "pseudonym_out": lambda: pseudonym.address(key, "whatsapp", conversation),
        "choice_from_100_events": lambda: choices.resolve("nee, nu niet",
                                                          choices.open_choices(events)),
    }
    return {name: min(timeit.repeat(step, number=samples, repeat=5)) / samples * 1e6
            for name, step in steps.items()}


def report(machine: Dict, results: Dict[str, List[Outcome]], wall: float, peak_mb: float,
           steps: Dict[str, float]) -> Dict:
    summaries = {name: summarize(outcomes, wall) for name, outcomes in results.items()}
    rows = [[name, str(s.messages), fmt(s.p50_ms), fmt(s.p95_ms),
             fmt(s.p50_ms - summaries["rest"].p50_ms), str(s.errors), str(s.empty_replies)]
            for name, s in summaries.items()]
    print(f"\nMessaging channels, {machine['date_utc']}, {machine['cpu_model']}, "
          f"{machine['nproc']} cores")
    print(format_table(["channel", "messages", "p50 ms", "p95 ms", "p50 vs REST ms", "errors",
                        "no reply"], rows))
    print("door steps (µs per call): " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()))
    print(f"Rasa server with both channels, peak memory: {peak_mb:.0f} MB")
    return {"machine": machine, "peak_rss_mb": round(peak_mb, 1), "door_steps_us": steps,
            "channels": {name: s.__dict__ for name, s in summaries.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 conversations per channel")
    args = parser.parse_args()
    conversations = 2 if args.quick else 20
    with tempfile.TemporaryDirectory(prefix="vt-bench-channels-") as folder, \
            TelegramStandIn(TOKEN) as telegram, TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN) as twilio:
        tmp = Path(folder)
        try:
            servers = start_servers(tmp, channel_env(telegram, twilio))
        except StartError as exc:
            print(f"bench_channels: {exc}", file=sys.stderr)
            return 2
        try:
            sampler = MemorySampler(servers[1].pid)
            sampler.start()
            send = senders(telegram, twilio)
            converse(send, range(90, 91))  # warm up: first messages load lazily
            start = time.perf_counter()
            results = converse(send, range(conversations))
            wall = time.perf_counter() - start
            peak_mb = sampler.finish()
        finally:
            for server in reversed(servers):
                stop(server)
    figures = report(machine_info(), results, wall, peak_mb, door_steps(2000))
    JSON_OUT.parent.mkdir(exist_ok=True)
    JSON_OUT.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
