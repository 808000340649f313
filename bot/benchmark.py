"""Pure helpers for scripts/bench.py: latency statistics, /proc parsing and the report table.

Nothing here starts processes or opens sockets, so every function can be unit tested.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set


@dataclass(frozen=True)
class Outcome:
    """One POST to the REST channel: how long it took and what came back."""

    seconds: float
    status: Optional[int]  # None: no HTTP answer (connection error, timeout)
    replies: int  # number of bot messages in the answer (0 when status is not 200)
    finished: float = 0.0  # seconds from the start of the run to the answer

    @property
    def error(self) -> bool:
        return self.status != 200

    @property
    def empty(self) -> bool:
        return self.status == 200 and self.replies == 0


@dataclass(frozen=True)
class RunSummary:
    messages: int
    seconds: float  # wall time of the whole run
    p50_ms: float
    p95_ms: float
    errors: int  # non-200 answers and exceptions
    empty_replies: int  # 200 with an empty list of bot messages
    throughput: float  # messages per second


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks (numpy's default)."""
    if not values:
        return math.nan
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0-100, got {q}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(outcomes: Sequence[Outcome], wall_seconds: float,
              window_seconds: Optional[float] = None) -> RunSummary:
    """Latency percentiles (in ms), throughput, errors and empty replies of one run.

    Throughput is over the whole wall time; with window_seconds, only the answers that came
    within the window count, so the drain after a timed load (fewer clients left) does not
    dilute it.
    """
    latencies = [o.seconds for o in outcomes]
    if window_seconds:
        done = sum(o.finished <= window_seconds for o in outcomes)
        throughput = done / window_seconds
    else:
        throughput = len(outcomes) / wall_seconds if wall_seconds > 0 else 0.0
    return RunSummary(
        messages=len(outcomes),
        seconds=wall_seconds,
        p50_ms=percentile(latencies, 50) * 1000,
        p95_ms=percentile(latencies, 95) * 1000,
        errors=sum(o.error for o in outcomes),
        empty_replies=sum(o.empty for o in outcomes),
        throughput=throughput,
    )


def ratio(ours: Optional[float], theirs: Optional[float]) -> Optional[float]:
    """ours / theirs, or None when either is missing or theirs is zero."""
    if ours is None or theirs is None or theirs == 0 or math.isnan(ours) or math.isnan(theirs):
        return None
    return ours / theirs


def meets(value: Optional[float], target: float, at_most: bool) -> str:
    """'ok' or 'MISSED' against a target; 'n/a' without a value."""
    if value is None or math.isnan(value):
        return "n/a"
    good = value <= target if at_most else value >= target
    return "ok" if good else "MISSED"


# ------------------------------------------------------------------------------ /proc parsing


def status_kb(status_text: str, field: str) -> int:
    """A memory field of /proc/<pid>/status (e.g. VmRSS, VmHWM) in kB; 0 when absent."""
    for line in status_text.splitlines():
        name, _, rest = line.partition(":")
        if name == field:
            parts = rest.split()
            return int(parts[0]) if parts else 0
    return 0


def parent_pid(stat_text: str) -> int:
    """The parent pid from /proc/<pid>/stat; the command name may hold spaces and ')'."""
    after_name = stat_text.rsplit(")", 1)[1].split()
    return int(after_name[1])  # fields after the name: state, ppid, ...


def descendants(parents: Mapping[int, int], root: int) -> Set[int]:
    """root and every process below it, given a pid -> parent pid map."""
    children: Dict[int, List[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found = {root}
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def cpu_model(cpuinfo_text: str) -> str:
    """The first 'model name' of /proc/cpuinfo (some ARM kernels have none)."""
    for line in cpuinfo_text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() in ("model name", "Model", "Hardware"):
            return value.strip()
    return "unknown"


def mem_total_mb(meminfo_text: str) -> float:
    """MemTotal of /proc/meminfo in MB."""
    return status_kb(meminfo_text, "MemTotal") / 1024


# ------------------------------------------------------------------------------ report


def format_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A plain text table: first column left-aligned, the others right-aligned."""
    lines = [list(header)] + [list(r) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]

    def render(cells: List[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]
        return "  ".join([first] + rest).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([render(lines[0]), rule] + [render(line) for line in lines[1:]])


def fmt(value: Optional[float], digits: int = 1) -> str:
    """A number for the table; '-' when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"
