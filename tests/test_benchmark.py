"""Unit tests for the pure helpers behind scripts/bench.py."""

from __future__ import annotations

import math

import pytest

from bot.benchmark import (
    Outcome, cpu_model, descendants, fmt, format_table, mem_total_mb, meets, parent_pid,
    percentile, ratio, status_kb, summarize,
)


def test_percentile_interpolates_like_numpy():
    values = [4.0, 1.0, 3.0, 2.0]  # unsorted on purpose
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 2.5
    assert percentile(values, 100) == 4.0
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)


def test_percentile_edges():
    assert math.isnan(percentile([], 50))
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summarize_counts_errors_and_empty_replies_apart():
    outcomes = [
        Outcome(0.010, 200, 2),
        Outcome(0.020, 200, 0),  # empty reply list: not an error
        Outcome(0.030, 500, 0),
        Outcome(0.040, None, 0),  # exception
    ]
    s = summarize(outcomes, wall_seconds=2.0)
    assert s.messages == 4
    assert s.errors == 2
    assert s.empty_replies == 1
    assert s.p50_ms == pytest.approx(25.0)
    assert s.throughput == 2.0


def test_summarize_throughput_within_a_window():
    outcomes = [Outcome(0.5, 200, 1, finished=t) for t in (1.0, 2.0, 3.0, 4.5, 5.5)]
    s = summarize(outcomes, wall_seconds=5.5, window_seconds=4.0)
    assert s.messages == 5  # latencies of all answers count
    assert s.throughput == 3 / 4.0  # only the answers within the window


def test_ratio_and_targets():
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(1.0, 0.0) is None
    assert ratio(1.0, None) is None
    assert meets(1.5, 1.5, at_most=True) == "ok"
    assert meets(0.6, 0.7, at_most=False) == "MISSED"
    assert meets(None, 1.0, at_most=True) == "n/a"


def test_proc_parsing():
    status = "Name:\tpython\nVmHWM:\t  812344 kB\nVmRSS:\t  700000 kB\n"
    assert status_kb(status, "VmHWM") == 812344
    assert status_kb(status, "VmSwap") == 0
    # A command name with spaces and a parenthesis must not shift the fields.
    assert parent_pid("1234 (rasa (x) y) S 99 1234 1234 0 -1") == 99
    assert mem_total_mb("MemTotal:       2048000 kB\nMemFree: 1 kB\n") == 2000.0
    assert cpu_model("processor\t: 0\nmodel name\t: Example CPU @ 2.0GHz\n") == "Example CPU @ 2.0GHz"
    assert cpu_model("") == "unknown"


def test_descendants_follows_the_whole_tree():
    parents = {10: 1, 11: 10, 12: 11, 13: 1, 14: 12}
    assert descendants(parents, 10) == {10, 11, 12, 14}
    assert descendants(parents, 99) == {99}


def test_format_table_aligns_columns():
    table = format_table(["", "a"], [["x", "1.0"], ["longer", "10.0"]])
    lines = table.splitlines()
    assert lines[2] == "x        1.0"
    assert lines[3] == "longer  10.0"
    assert fmt(None) == "-" and fmt(float("nan")) == "-" and fmt(2.346, 2) == "2.35"
