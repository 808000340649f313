"""Hostile load, measured (make bench, fourth part): what one bad message costs everyone else,
and what a login flood does to a counsellor's console.

1. Freeze: a person in one conversation says "hoi" over and over while hostile messages arrive
   in other conversations, one at a time: runs of emoji (a different one each time, which
   defeats spaCy's cache), punctuation, thousands of one-letter words, long words, combining
   marks, a message over the length cap and a body over the size cap. For each hostile
   message: its own time, and how much longer the person's messages took while it ran
   (their latency minus the person's median without any attack). Target: no single message
   delays another conversation by more than 250 ms.
2. Login flood: 32 clients post wrong passwords as fast as they can, first from one address,
   then from 32 addresses, while a logged-in counsellor refreshes the queue twice a second.
   Reports the counsellor's refresh times, and how the flood was answered (401 checked, 429
   refused before any hashing). Also the time of a wrong password for a known name and for
   an unknown one.

Prints aggregate figures only and writes var/bench_hostile.json. It reports; it does not assert.
Usage: .venv/bin/python scripts/bench_hostile.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Tuple

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.benchmark import fmt, format_table, percentile  # noqa: E402
from tests.conftest import sqlite_url  # noqa: E402
from tests.e2e.console_client import CSRF_FIELD, CSRF_META, ConsoleClient  # noqa: E402
from tests.e2e.servers import (settings_file, start_action_server, start_console,  # noqa: E402
                               start_rasa_server)
from tests.e2e.test_handoff_live import PASSWORD, add_counsellor  # noqa: E402

RASA_PORT, ACTION_PORT, CONSOLE_PORT = 5605, 5655, 5680
RASA = f"http://127.0.0.1:{RASA_PORT}"
CONSOLE = f"http://127.0.0.1:{CONSOLE_PORT}"
FAKE_NOW = "2026-11-30T10:00:00+01:00"
JSON_OUT = ROOT / "var" / "bench_hostile.json"
TARGET_DELAY_MS = 250.0


def hostile_messages(repeats: int) -> List[Tuple[str, bytes]]:
    """(kind, request body) of every hostile message, `repeats` of each kind."""
    kinds: List[Tuple[str, bytes]] = []
    for n in range(repeats):
        emoji = chr(0x1F600 + n)  # a new one each time: no tokenizer cache helps
        for kind, text in (
                ("emoji run, 5,000", emoji * 5000),
                ("emoji run, 20,000 (over the cap)", emoji * 20000),
                ("punctuation run, 5,000", "!?" * 2500),
                ("2,500 one-letter words", "a " * 2500),
                ("40-letter words, 5,000", ("x" * 39 + chr(0x61 + n % 26) + " ") * 121),
                ("combining marks, 5,000", ("a" + "\u0301\u0302\u0303\u0304") * 1000),
        ):
            body = json.dumps({"sender": f"attack-{n}-{len(kinds)}", "message": text},
                              ensure_ascii=False).encode("utf-8")
            kinds.append((kind, body))
        kinds.append(("1 MB of words (over the size cap)",
                      json.dumps({"sender": f"attack-{n}-big", "message": "woord " * 175_000})
                      .encode("utf-8")))
    return kinds


class Person(threading.Thread):
    """Says "hoi" again and again, ten times per conversation (a conversation that grew to
    hundreds of events would get slower by itself); records (start, seconds)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: List[Tuple[float, float]] = []
        self.running = True

    def run(self) -> None:
        with requests.Session() as session:
            while self.running:
                sender = f"bench-person-{len(self.samples) // 10}"
                start = time.perf_counter()
                session.post(f"{RASA}/webhooks/rest/webhook",
                             json={"sender": sender, "message": "hoi"}, timeout=120)
                self.samples.append((start, time.perf_counter() - start))
                time.sleep(0.05)

    def usual_before(self, moment: float) -> float:
        """The median of the person's last ten messages before `moment`."""
        before = [seconds for begun, seconds in self.samples if begun + seconds < moment]
        return statistics.median(before[-10:])


def bench_freeze(workdir: Path, repeats: int) -> Dict[str, object]:
    person = Person()
    person.start()
    time.sleep(8)
    baseline = statistics.median(seconds for _, seconds in person.samples)
    rows: Dict[str, Dict[str, List[float]]] = {}
    for kind, body in hostile_messages(repeats):
        # A new connection each time: after a 413 the server closes the connection.
        start = time.perf_counter()
        status = requests.post(f"{RASA}/webhooks/rest/webhook", data=body, timeout=300,
                               headers={"Content-Type": "application/json"}).status_code
        end = time.perf_counter()
        time.sleep(0.3)  # let the person's message in flight finish
        overlapping = [seconds for begun, seconds in person.samples
                       if begun < end and begun + seconds > start]
        usual = person.usual_before(start)
        delay = max([0.0] + [seconds - usual for seconds in overlapping])
        time.sleep(0.5)  # the person's usual pace again before the next attack
        row = rows.setdefault(kind, {"own_ms": [], "delay_ms": [], "status": []})
        row["own_ms"].append((end - start) * 1000)
        row["delay_ms"].append(delay * 1000)
        row["status"].append(status)
    person.running = False
    person.join(timeout=30)
    table = [[kind, str(sorted(set(r["status"]))), fmt(max(r["own_ms"])), fmt(max(r["delay_ms"]))]
             for kind, r in rows.items()]
    worst = max(max(r["delay_ms"]) for r in rows.values())
    print(format_table(["hostile message", "HTTP", "its own time, max (ms)",
                        "delay of another conversation, max (ms)"], table))
    print(f"person's median without attack: {baseline * 1000:.1f} ms; worst delay caused by one "
          f"message: {worst:.1f} ms (target < {TARGET_DELAY_MS:.0f} ms)")
    return {"baseline_ms": baseline * 1000, "worst_delay_ms": worst,
            "kinds": {kind: {"own_max_ms": max(r["own_ms"]), "delay_max_ms": max(r["delay_ms"]),
                             "status": sorted(set(r["status"]))} for kind, r in rows.items()}}


def _fresh_form(address: str) -> Tuple[Dict[str, str], str]:
    client = ConsoleClient(CONSOLE)
    page = client.get("/login", headers={"X-Forwarded-For": address})
    return client.cookies, CSRF_FIELD.search(page.text).group(1)


def _wrong_login(address: str, username: str) -> Tuple[int, float]:
    cookies, token = _fresh_form(address)
    start = time.perf_counter()
    response = requests.post(f"{CONSOLE}/login", allow_redirects=False, timeout=120,
                             data={"csrf_token": token, "username": username, "password": "fout"},
                             headers={"X-Forwarded-For": address, "Cookie": "; ".join(
                                 f"{k}={v}" for k, v in cookies.items())})
    return response.status_code, time.perf_counter() - start


def _flood(seconds: float, addresses: List[str], counsellor: ConsoleClient) -> Dict[str, object]:
    stop_at = time.monotonic() + seconds
    codes: List[int] = []
    refreshes: List[float] = []

    def attack(worker: int) -> None:
        while time.monotonic() < stop_at:
            codes.append(_wrong_login(addresses[worker % len(addresses)], f"naam{worker}")[0])

    def refresh() -> None:
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            counsellor.get("/api/queue")
            refreshes.append(time.perf_counter() - start)
            time.sleep(0.5)

    with ThreadPoolExecutor(max_workers=33) as pool:
        jobs = [pool.submit(attack, n) for n in range(32)] + [pool.submit(refresh)]
        for job in jobs:
            job.result()
    return {"attempts": len(codes), "checked_401": codes.count(401),
            "refused_429": codes.count(429),
            "refresh_p50_ms": percentile([r * 1000 for r in refreshes], 50),
            "refresh_p95_ms": percentile([r * 1000 for r in refreshes], 95),
            "refresh_max_ms": max(refreshes) * 1000}


def bench_logins(workdir: Path, seconds: float) -> Dict[str, object]:
    counsellor = ConsoleClient(CONSOLE)
    assert counsellor.login("anna", PASSWORD).status_code == 303
    counsellor.csrf = CSRF_META.search(counsellor.get("/").text).group(1)
    quiet = [counsellor.get("/api/queue").elapsed.total_seconds() * 1000 for _ in range(20)]
    known = [_wrong_login(f"10.7.1.{n + 1}", "anna")[1] * 1000 for n in range(12)]
    unknown = [_wrong_login(f"10.7.2.{n + 1}", f"niemand{n}")[1] * 1000 for n in range(12)]
    one = _flood(seconds, ["10.7.3.1"], counsellor)
    many = _flood(seconds, [f"10.7.4.{n + 1}" for n in range(32)], counsellor)
    rows = [[name, str(r["attempts"]), str(r["checked_401"]), str(r["refused_429"]),
             fmt(r["refresh_p50_ms"]), fmt(r["refresh_p95_ms"]), fmt(r["refresh_max_ms"])]
            for name, r in (("32 clients, one address", one), ("32 clients, 32 addresses", many))]
    print(format_table(["login flood", "attempts", "401", "429", "queue p50 (ms)",
                        "queue p95 (ms)", "queue max (ms)"], rows))
    print(f"queue refresh without a flood: p50 {percentile(quiet, 50):.1f} ms; wrong password, "
          f"known name: median {statistics.median(known):.1f} ms, unknown name: "
          f"{statistics.median(unknown):.1f} ms")
    return {"quiet_p50_ms": percentile(quiet, 50), "known_name_ms": statistics.median(known),
            "unknown_name_ms": statistics.median(unknown), "one_address": one,
            "many_addresses": many}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter floods")
    args = parser.parse_args()
    repeats, seconds = (1, 5.0) if args.quick else (3, 20.0)
    workdir = Path(tempfile.mkdtemp(prefix="vt-bench-hostile-"))
    url = sqlite_url(workdir / "tracker.db")
    add_counsellor(url, "anna", "Anna")
    # The console's own login limits (settings.yml), behind one trusted proxy so that the
    # floods can come from one or from many addresses.
    strict = settings_file(workdir, "settings.yml", lambda s: None, strict_limits=True)
    servers = []
    try:
        servers.append(start_action_server(ACTION_PORT, workdir / "actions.log", FAKE_NOW,
                                           database_url=url))
        servers.append(start_rasa_server(RASA_PORT, ACTION_PORT, workdir, workdir / "rasa.log",
                                         url))
        servers.append(start_console(CONSOLE_PORT, workdir / "console.log", url, RASA_PORT,
                                     FAKE_NOW, settings=strict,
                                     env_extra={"SANIC_PROXIES_COUNT": "1"}))
        print("== one message against everyone: the freeze")
        freeze = bench_freeze(workdir, repeats)
        print("\n== login floods against the console")
        logins = bench_logins(workdir, seconds)
    finally:
        for server in reversed(servers):
            server.stop()
    JSON_OUT.parent.mkdir(parents=True, exist_ok=True)
    JSON_OUT.write_text(json.dumps({"freeze": freeze, "logins": logins}, indent=2),
                        encoding="utf-8")
    print(f"\nwrote {JSON_OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
