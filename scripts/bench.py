"""Speed and memory of our bot against Rasa's starter bot, both over the REST channel, side by
side.

Starts our action server (5355) and Rasa server (5305) and the starter bot made by `rasa init`
in a temporary folder (5455 / 5405), both with a SQL tracker store on SQLite, and keeps both up
at once. Sequential: the bots take turns message by message, so both meet the same moments of
a shared, noisy machine (one bot after the other swung the starter's p95 from 29 to 55 ms
between runs). Saturated: 20 concurrent conversations, in slices that alternate between the
bots. Per bot: sequential service time (p50/p95, and ours per turn), throughput, errors, and
the peak memory of the Rasa server. Prints aggregate figures only (never message texts) and
writes them to var/bench.json. It reports; it does not assert.

Usage: .venv/bin/python scripts/bench.py [--skip-starter] [--quick]
Exit code: 0 when the measurements completed, 2 when a bot could not be set up or started.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.benchmark import (  # noqa: E402
    Outcome, RunSummary, cpu_model, descendants, fmt, format_table, mem_total_mb, meets,
    parent_pid, ratio, status_kb, summarize,
)

HOST = "127.0.0.1"  # all traffic stays on this machine
RASA = str(ROOT / ".venv" / "bin" / "rasa")
OUR_MODEL = ROOT / "models" / "veilig-thuis.tar.gz"
JSON_OUT = ROOT / "var" / "bench.json"
FAKE_NOW = "2026-11-30T10:00:00+01:00"  # a Monday morning: the chat is staffed

START_TIMEOUT_S = 180.0
INIT_TIMEOUT_S = 900.0  # `rasa init` trains the starter model
REQUEST_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0
SAMPLE_EVERY_S = 0.2
WARMUP_MESSAGES = 5
CONCURRENCY = 20
SATURATED_ROUNDS = 4  # saturated slices per bot, alternating between the bots

TARGET_P95_RATIO = 1.3  # ours / starter, at most (issue 10: no worse than 1.3, towards 1.0)
TARGET_THROUGHPUT_RATIO = 1.0  # ours / starter, at least
TARGET_PEAK_MB = 1500.0  # ours, below

# Four-turn conversations: a first message, then answers to the safety questions, or a FAQ.
OUR_SCRIPTS: List[List[str]] = [
    ["ik hoor elke avond gegil bij de buren", "nee", "ja", "nee, nog met niemand"],
    ["wanneer is de chat open?", "mijn vriend slaat me als hij gedronken heeft", "nee", "ja"],
    ["mijn buurjongen van 6 loopt steeds met blauwe plekken rond", "nee", "sinds de zomer",
     "nee"],
    ["hallo", "mijn moeder wordt door mijn broer bestolen en uitgescholden", "nee",
     "weet ik niet"],
    ["mijn zus moet trouwen met een man die ze niet kent", "nee", "nee", "een paar weken"],
    ["is het anoniem als ik iets meld?", "mijn partner controleert mijn telefoon en geld", "nee",
     "ja"],
    ["mijn buurvrouw wordt al jaren door haar man geslagen, de kinderen zien het", "nee",
     "nee", "ja graag"],
]
STARTER_SCRIPTS: List[List[str]] = [
    ["hello", "I am sad", "yes", "bye"],
    ["hi", "I am great", "thanks", "goodbye"],
    ["hey there", "very sad", "no", "see you later"],
]


@dataclass(frozen=True)
class Profile:
    sequential_conversations: int  # four turns each
    saturated_seconds: float


FULL = Profile(sequential_conversations=40, saturated_seconds=20.0)
QUICK = Profile(sequential_conversations=3, saturated_seconds=4.0)


@dataclass
class Bot:
    name: str
    workdir: Path
    model: Path
    rasa_port: int
    action_port: int
    scripts: List[List[str]]
    extra_env: Dict[str, str] = field(default_factory=dict)
    ours: bool = False  # our action server (with its secret) and our tracker store


@dataclass
class BotResult:
    sequential: RunSummary
    saturated: RunSummary
    peak_rss_mb: float
    sequential_by_turn: List[RunSummary]  # turn 1 (the first message) to 4


class StartError(RuntimeError):
    """A bot could not be set up or started."""


# ------------------------------------------------------------------------------ processes


def child_env(extra: Dict[str, str]) -> Dict[str, str]:
    env = dict(os.environ)
    env.update({"RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"})
    env.update(extra)
    return env


def spawn(cmd: Sequence[str], cwd: Path, env: Dict[str, str], log: Path) -> subprocess.Popen:
    """Start a process in its own session (so its whole group can be stopped), output to log."""
    with log.open("wb") as out:
        return subprocess.Popen(list(cmd), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the process group we started, SIGKILL it if it lingers."""
    if proc.poll() is not None:
        return
    for sig, wait_s in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)  # pgid == pid thanks to start_new_session
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def port_busy(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(1.0)
        return s.connect_ex((HOST, port)) == 0


def wait_ready(url: str, proc: subprocess.Popen, timeout_s: float) -> bool:
    """Poll url until it answers 200; False when the process died or time ran out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if requests.get(url, timeout=2.0).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(1.0)
    return False


def log_tail(log: Path, lines: int = 20) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


# ------------------------------------------------------------------------------ memory


def read_proc(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:  # the process ended between listing and reading
        return ""


def process_parents() -> Dict[int, int]:
    parents: Dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = read_proc(f"/proc/{entry}/stat")
            if stat:
                parents[int(entry)] = parent_pid(stat)
    return parents


def tree_rss_kb(root: int) -> int:
    """Resident memory of root and all its descendants, in kB."""
    pids = descendants(process_parents(), root)
    return sum(status_kb(read_proc(f"/proc/{pid}/status"), "VmRSS") for pid in pids)


class MemorySampler(threading.Thread):
    """Samples the process tree's RSS every 0.2 s; keeps the peak (and the root's VmHWM)."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak_kb = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(SAMPLE_EVERY_S)

    def sample(self) -> None:
        hwm = status_kb(read_proc(f"/proc/{self.root}/status"), "VmHWM")
        self.peak_kb = max(self.peak_kb, tree_rss_kb(self.root), hwm)

    def finish(self) -> float:
        """Stop sampling (before the server is stopped); the peak in MB."""
        self.sample()
        self._halt.set()
        self.join(timeout=5.0)
        return self.peak_kb / 1024


# ------------------------------------------------------------------------------ traffic


def post(session: requests.Session, port: int, sender: str, text: str, t0: float) -> Outcome:
    """One message; t0 is the perf_counter() start of the run."""
    url = f"http://{HOST}:{port}/webhooks/rest/webhook"
    start = time.perf_counter()
    status: Optional[int] = None
    replies = 0
    try:
        resp = session.post(url, json={"sender": sender, "message": text},
                            headers={"X-Forwarded-For": person_address(sender)},
                            timeout=REQUEST_TIMEOUT_S)
        status = resp.status_code
        replies = len(resp.json()) if status == 200 else 0
    except (requests.RequestException, ValueError, TypeError):
        status = None  # no usable answer: connection error, timeout or a malformed body
    end = time.perf_counter()
    return Outcome(end - start, status, replies, end - t0)


def person_address(sender: str) -> str:
    """Each simulated person has an address of their own (our Rasa trusts one proxy here, as
    behind the production balancer), so the flood limits judge them as they would real people."""
    number = int(hashlib.sha256(sender.encode()).hexdigest()[:6], 16)
    return f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255 or 1}"


def converse(session: requests.Session, port: int, sender: str, script: Sequence[str],
             t0: float) -> List[Outcome]:
    return [post(session, port, sender, text, t0) for text in script]


def new_sender(bot: Bot, phase: str, n: int) -> str:
    return f"bench-{bot.name}-{phase}-{uuid.uuid4().hex[:8]}-{n}"


def warm_up(bot: Bot) -> None:
    texts = [t for script in bot.scripts for t in script][:WARMUP_MESSAGES]
    with requests.Session() as session:
        converse(session, bot.rasa_port, new_sender(bot, "warmup", 0), texts,
                 time.perf_counter())


def sequential(bots: Sequence[Bot], conversations: int) -> Dict[str, List[Outcome]]:
    """One message at a time, the bots taking turns message by message (so both meet the
    same moments of a shared, noisy machine); a new sender for each conversation. Returns
    each bot's outcomes in turn order (turn = index % 4)."""
    outcomes: Dict[str, List[Outcome]] = {bot.name: [] for bot in bots}
    start = time.perf_counter()
    sessions = {bot.name: requests.Session() for bot in bots}
    try:
        for n in range(conversations):
            senders = {bot.name: new_sender(bot, "seq", n) for bot in bots}
            for turn in range(4):
                for bot in bots:
                    text = bot.scripts[n % len(bot.scripts)][turn]
                    outcomes[bot.name].append(post(sessions[bot.name], bot.rasa_port,
                                                   senders[bot.name], text, start))
    finally:
        for session in sessions.values():
            session.close()
    return outcomes


def saturated(bot: Bot, seconds: float) -> Tuple[List[Outcome], float]:
    """CONCURRENCY workers, each running conversations back to back until the deadline;
    returns the outcomes within the deadline and the wall time."""
    start = time.perf_counter()
    deadline = start + seconds
    max_per_worker = 10_000  # a hard bound besides the deadline

    def worker(w: int) -> List[Outcome]:
        done: List[Outcome] = []
        with requests.Session() as session:
            for n in range(max_per_worker):
                if time.perf_counter() >= deadline:
                    break
                script = bot.scripts[(w + n) % len(bot.scripts)]
                sender = new_sender(bot, f"sat{w}", n)
                done += converse(session, bot.rasa_port, sender, script, start)
        return done

    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        results = list(pool.map(worker, range(CONCURRENCY)))
    return [o for r in results for o in r if o.finished <= seconds], seconds


def saturated_in_turns(bots: Sequence[Bot], seconds: float) -> Dict[str, RunSummary]:
    """Each bot saturated alone, in SATURATED_ROUNDS short slices that alternate between the
    bots, so slow and quiet moments of the machine fall on both."""
    outcomes: Dict[str, List[Outcome]] = {bot.name: [] for bot in bots}
    walls: Dict[str, float] = {bot.name: 0.0 for bot in bots}
    for round_ in range(SATURATED_ROUNDS):
        order = bots if round_ % 2 == 0 else list(reversed(bots))
        for bot in order:
            done, wall = saturated(bot, seconds / SATURATED_ROUNDS)
            outcomes[bot.name] += done
            walls[bot.name] += wall
    return {name: summarize(done, walls[name]) for name, done in outcomes.items()}


def per_turn(outcomes: Sequence[Outcome]) -> List[RunSummary]:
    """The sequential figures of each turn of the four (where the tail comes from)."""
    return [summarize(outcomes[turn::4], 1.0) for turn in range(4)]


# ------------------------------------------------------------------------------ one bot


def write_endpoints(path: Path, action_port: int, db: Path) -> None:
    path.write_text(
        f'action_endpoint:\n  url: "http://{HOST}:{action_port}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{db}"\n',
        encoding="utf-8",
    )


def start_bot(bot: Bot, tmp: Path) -> Tuple[subprocess.Popen, subprocess.Popen]:
    """Action server, then Rasa server; both answer when this returns. Raises StartError."""
    for port in (bot.action_port, bot.rasa_port):
        if port_busy(port):
            raise StartError(f"port {port} is already in use by another process")
    env = child_env(bot.extra_env)
    endpoints = tmp / f"{bot.name}-endpoints.yml"
    actions_log, rasa_log = tmp / f"{bot.name}-actions.log", tmp / f"{bot.name}-rasa.log"
    if bot.ours:
        from bot.db import create_database_file
        from bot.endpoints import render_endpoints

        database = f"sqlite:///{tmp / 'ours-bench.db'}"
        create_database_file(database)
        endpoints.write_text(render_endpoints(database, f"http://{HOST}:{bot.action_port}/webhook"),
                             encoding="utf-8")
        env.update({"VT_ACTION_TOKEN": secrets.token_urlsafe(24), "VT_DATABASE_URL": database,
                    "VT_SOCKET_KEY": secrets.token_urlsafe(32), "SANIC_PROXIES_COUNT": "1"})
        command = [str(ROOT / ".venv" / "bin" / "python"), "-m", "bot.action_server"]
    else:
        write_endpoints(endpoints, bot.action_port, tmp / f"{bot.name}-bench.db")
        command = [RASA, "run", "actions"]
    actions = spawn([*command, "--port", str(bot.action_port)], bot.workdir, env, actions_log)
    rasa = spawn([RASA, "run", "--enable-api", "-i", HOST, "--port", str(bot.rasa_port),
                  "-m", str(bot.model), "--endpoints", str(endpoints),
                  "--credentials", "credentials.yml"], bot.workdir, env, rasa_log)
    checks = [(f"http://{HOST}:{bot.action_port}/health", actions, actions_log),
              (f"http://{HOST}:{bot.rasa_port}/status", rasa, rasa_log)]
    for url, proc, log in checks:
        if not wait_ready(url, proc, START_TIMEOUT_S):
            stop(rasa)
            stop(actions)
            raise StartError(f"{bot.name}: {url} did not answer within "
                             f"{START_TIMEOUT_S:.0f} s; last lines of {log.name}:\n{log_tail(log)}")
    return actions, rasa


def bench_side_by_side(bots: Sequence[Bot], profile: Profile, tmp: Path) -> Dict[str, BotResult]:
    """All bots up at once; sequential messages alternating between them, then saturated
    slices alternating between them."""
    started: List[subprocess.Popen] = []
    samplers: Dict[str, MemorySampler] = {}
    try:
        for bot in bots:
            print(f"[{bot.name}] starting action server :{bot.action_port} and Rasa "
                  f":{bot.rasa_port}", flush=True)
            actions, rasa = start_bot(bot, tmp)
            started += [rasa, actions]
            samplers[bot.name] = MemorySampler(rasa.pid)
            samplers[bot.name].start()
            warm_up(bot)
        begun = time.perf_counter()
        seq = sequential(bots, profile.sequential_conversations)
        print(f"sequential, alternating: {sum(len(o) for o in seq.values())} messages in "
              f"{time.perf_counter() - begun:.1f} s", flush=True)
        sat = saturated_in_turns(bots, profile.saturated_seconds)
        print("saturated, alternating: " + ", ".join(
            f"{name} {summary.messages}" for name, summary in sat.items()), flush=True)
    finally:
        peaks = {name: sampler.finish() for name, sampler in samplers.items()}
        for proc in started:
            stop(proc)
    return {bot.name: BotResult(summarize(seq[bot.name], 1.0), sat[bot.name], peaks[bot.name],
                                per_turn(seq[bot.name])) for bot in bots}


def make_starter(tmp: Path) -> Bot:
    """`rasa init --no-prompt` in tmp/starter: the moodbot, with a freshly trained model."""
    folder = tmp / "starter"
    folder.mkdir()
    log = tmp / "starter-init.log"
    print("[starter] rasa init --no-prompt (trains the starter model, 1-3 minutes)", flush=True)
    begun = time.monotonic()
    with log.open("wb") as out:
        try:
            done = subprocess.run([RASA, "init", "--no-prompt"], cwd=folder, env=child_env({}),
                                  stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=INIT_TIMEOUT_S, start_new_session=True)
        except subprocess.TimeoutExpired:
            raise StartError(f"rasa init took longer than {INIT_TIMEOUT_S:.0f} s") from None
    models = sorted((folder / "models").glob("*.tar.gz"))
    if done.returncode != 0 or not models:
        raise StartError(f"rasa init failed (exit {done.returncode}):\n{log_tail(log)}")
    print(f"[starter] trained in {time.monotonic() - begun:.0f} s", flush=True)
    return Bot("starter", folder, models[-1], 5405, 5455, STARTER_SCRIPTS)


# ------------------------------------------------------------------------------ report


def machine_info() -> Dict[str, object]:
    return {
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "nproc": len(os.sched_getaffinity(0)),
        "memory_total_mb": round(mem_total_mb(read_proc("/proc/meminfo"))),
        "cpu_model": cpu_model(read_proc("/proc/cpuinfo")),
        "python": platform.python_version(),
    }


def total_errors(r: BotResult) -> float:
    return float(r.sequential.errors + r.saturated.errors)


def total_empty(r: BotResult) -> float:
    return float(r.sequential.empty_replies + r.saturated.empty_replies)


def total_messages(r: BotResult) -> float:
    return float(r.sequential.messages + r.saturated.messages)


@dataclass(frozen=True)
class Row:
    """One line of the report: a figure per bot, its ratio, and the target it is judged by."""

    label: str
    figure: Callable[[BotResult], float]
    digits: int
    compare: bool = True  # show ours / starter
    target: str = ""
    check: Optional[Tuple[bool, bool, float]] = None  # (judge the ratio?, at most?, limit)


ROWS: List[Row] = [
    Row("sequential p50 (ms)", lambda r: r.sequential.p50_ms, 1),
    Row("sequential p95 (ms)", lambda r: r.sequential.p95_ms, 1,
        target=f"ratio <= {TARGET_P95_RATIO}", check=(True, True, TARGET_P95_RATIO)),
    Row("saturated throughput (msg/s)", lambda r: r.saturated.throughput, 1,
        target=f"ratio >= {TARGET_THROUGHPUT_RATIO}",
        check=(True, False, TARGET_THROUGHPUT_RATIO)),
    Row("saturated p95 (ms)", lambda r: r.saturated.p95_ms, 1),
    Row("peak RSS Rasa server (MB)", lambda r: r.peak_rss_mb, 0,
        target=f"ours < {TARGET_PEAK_MB:.0f}", check=(False, True, TARGET_PEAK_MB)),
    Row("messages measured", total_messages, 0, compare=False),
    Row("errors (non-200, exceptions)", total_errors, 0, compare=False,
        target="ours 0", check=(False, True, 0.0)),
    Row("empty replies (200, [])", total_empty, 0, compare=False,
        target="ours 0", check=(False, True, 0.0)),
]


def report_rows(ours: BotResult, starter: Optional[BotResult]) -> List[List[str]]:
    rows = []
    for row in ROWS:
        mine = row.figure(ours)
        theirs = row.figure(starter) if starter else None
        rel = ratio(mine, theirs) if row.compare else None
        verdict = ""
        if row.check:
            on_ratio, at_most, limit = row.check
            verdict = meets(rel if on_ratio else mine, limit, at_most)
        cells = [fmt(mine, row.digits), fmt(theirs, row.digits), fmt(rel, 2)]
        rows.append([row.label, *cells, row.target, verdict])
    return rows


def print_report(machine: Dict[str, object], ours: BotResult,
                 starter: Optional[BotResult], profile: Profile) -> None:
    print(f"\nDate: {machine['date_utc']}")
    print(f"Machine: {machine['nproc']} CPUs ({machine['cpu_model']}), "
          f"{machine['memory_total_mb']} MB RAM, Python {machine['python']}")
    print(f"Load: sequential {profile.sequential_conversations} conversations x 4 turns; "
          f"saturated {CONCURRENCY} concurrent conversations for "
          f"{profile.saturated_seconds:.0f} s; {WARMUP_MESSAGES} warm-up messages each\n")
    header = ["", "ours", "starter", "ours/starter", "target", ""]
    print(format_table(header, report_rows(ours, starter)))
    print("\nOur sequential latency by turn (where the tail comes from):")
    print(format_table(["turn", "p50 (ms)", "p95 (ms)"], [
        [str(n), fmt(t.p50_ms), fmt(t.p95_ms)] for n, t in enumerate(ours.sequential_by_turn, 1)]))


def write_json(machine: Dict[str, object], results: Dict[str, BotResult],
               profile: Profile) -> None:
    def bot_json(r: BotResult) -> Dict[str, object]:
        return {
            "sequential": asdict(r.sequential),
            "saturated": asdict(r.saturated),
            "peak_rss_mb": r.peak_rss_mb,
            "sequential_by_turn": [asdict(t) for t in r.sequential_by_turn],
        }

    ours, starter = results["ours"], results.get("starter")
    data = {
        "machine": machine,
        "profile": {**asdict(profile), "concurrency": CONCURRENCY, "warmup": WARMUP_MESSAGES},
        "bots": {name: bot_json(r) for name, r in results.items()},
        "ratios": {
            "sequential_p95": ratio(ours.sequential.p95_ms,
                                    starter.sequential.p95_ms if starter else None),
            "saturated_p95": ratio(ours.saturated.p95_ms,
                                   starter.saturated.p95_ms if starter else None),
            "throughput": ratio(ours.saturated.throughput,
                                starter.saturated.throughput if starter else None),
        },
        "targets": {"p95_ratio_max": TARGET_P95_RATIO,
                    "throughput_ratio_min": TARGET_THROUGHPUT_RATIO,
                    "errors": 0, "peak_rss_mb_below": TARGET_PEAK_MB},
    }
    JSON_OUT.parent.mkdir(parents=True, exist_ok=True)
    JSON_OUT.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


# ------------------------------------------------------------------------------ main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-starter", action="store_true", help="measure our bot only")
    parser.add_argument("--quick", action="store_true", help="few messages: a smoke test")
    args = parser.parse_args()
    profile = QUICK if args.quick else FULL
    # A SIGTERM to this script unwinds through the `finally` blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    if not OUR_MODEL.exists():
        print(f"No model at {OUR_MODEL}: run `make train` first", file=sys.stderr)
        return 2
    begun = time.monotonic()
    ours_bot = Bot("ours", ROOT, OUR_MODEL, 5305, 5355, OUR_SCRIPTS, {"VT_FAKE_NOW": FAKE_NOW},
                   ours=True)
    results: Dict[str, BotResult] = {}
    with tempfile.TemporaryDirectory(prefix="vt-bench-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            bots = [ours_bot] + ([] if args.skip_starter else [make_starter(tmp)])
            results = bench_side_by_side(bots, profile, tmp)
        except StartError as e:
            print(f"Benchmark stopped: {e}", file=sys.stderr)
            return 2

    machine = machine_info()
    print_report(machine, results["ours"], results.get("starter"), profile)
    write_json(machine, results, profile)
    print(f"\nFigures written to {JSON_OUT.relative_to(ROOT)}; "
          f"the whole run took {time.monotonic() - begun:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
