"""Benchmark: required agents with the vectorised Erlang core vs a plain Python loop.

Run: ``python benchmarks/bench_erlang.py [--repeat 21]``

Workloads (issue 2): a week of 15-minute intervals (672) with a realistic two-peak
intraday profile reaching 1,500 calls per interval, AHT 300 s, 80/20; 50 queues x one
week (33,600 intervals, each queue scaled 0.2-1.0); ten SL targets (0.5-0.95) x one
week in one call; Erlang A (patience 120 s) for one week. Each is timed (median of
``--repeat`` runs) against a plain Python loop over the same intervals in the same
process: per interval, step n = floor(A)+1, ... with the Erlang B recurrence until the
targets hold (the textbook scalar algorithm; for Erlang A the loop calls the scalar
``erlang_a`` once per candidate n). The loop is timed on a subset and scaled when the
full run would take minutes; the subset size is printed.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections.abc import Callable

import numpy as np

from staffing.queueing import erlang

AHT = 300.0
INTERVAL = 15.0


def week_profile(peak_calls: float = 1500.0) -> np.ndarray:
    """Calls per 15-minute interval over a week: open 07:00-22:00, peaks at 10:30 and 14:30."""
    hours = (np.arange(96) + 0.5) / 4
    shape = 0.15 + np.exp(-0.5 * ((hours - 10.5) / 1.5) ** 2) + 0.8 * np.exp(-0.5 * ((hours - 14.5) / 2.0) ** 2)
    shape = np.where((hours >= 7) & (hours < 22), shape, 0.0)
    day = shape / shape.max() * peak_calls
    factors = np.array([1.0, 0.95, 0.92, 0.9, 0.85, 0.45, 0.3])
    return np.concatenate([day * f for f in factors])


def loop_erlang_c(calls: np.ndarray, target_sl: np.ndarray) -> list[int]:
    out = []
    for c, tsl in zip(calls, target_sl, strict=True):
        load = c * AHT / (INTERVAL * 60)
        if load == 0:
            out.append(0)
            continue
        n = math.floor(load) + 1
        b = 1.0
        for k in range(1, n + 1):
            b = load * b / (k + load * b)
        while True:
            pw = n * b / (n - load * (1 - b))
            if 1 - pw * math.exp(-(n - load) * 20.0 / AHT) >= tsl:
                break
            b = load * b / (n + 1 + load * b)
            n += 1
        out.append(n)
    return out


def loop_erlang_a(calls: np.ndarray) -> list[int]:
    out = []
    for c in calls:
        load = c * AHT / (INTERVAL * 60)
        n = 0
        while load > 0 and float(erlang.erlang_a(n, load, AHT, 120.0, 20.0).service_level) < 0.8:
            n += 1
        out.append(n)
    return out


def median_seconds(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    week = week_profile()
    queues = np.concatenate([week * s for s in np.linspace(0.2, 1.0, 50)])
    targets = np.linspace(0.5, 0.95, 10)
    ten_calls = np.tile(week, targets.size)
    ten_targets = np.repeat(targets, week.size)

    rows = []
    cases = [
        ("one week (672 intervals), Erlang C", lambda: erlang.required_agents(week, AHT, INTERVAL, target_sl=0.8),
         lambda idx: loop_erlang_c(week[idx], np.full(idx.size, 0.8)), week.size, 2.0e-3),
        ("50 queues x one week (33,600), Erlang C",
         lambda: erlang.required_agents(queues, AHT, INTERVAL, target_sl=0.8),
         lambda idx: loop_erlang_c(queues[idx], np.full(idx.size, 0.8)), queues.size, 50e-3),
        ("10 SL targets x one week in one call (6,720)",
         lambda: erlang.required_agents(ten_calls, AHT, INTERVAL, target_sl=ten_targets),
         lambda idx: loop_erlang_c(ten_calls[idx], ten_targets[idx]), ten_calls.size, 20e-3),
        ("one week, Erlang A (patience 120 s)",
         lambda: erlang.required_agents(week, AHT, INTERVAL, target_sl=0.8, model="erlang-a", patience_seconds=120),
         lambda idx: loop_erlang_a(week[idx]), week.size, 1.0),
    ]
    rng = np.random.default_rng(0)
    for label, vectorised, loop, size, limit in cases:
        fast = median_seconds(vectorised, args.repeat)
        answer = vectorised().agents  # type: ignore[attr-defined]
        subset = np.arange(size) if size <= 7000 and "Erlang A" not in label else np.sort(
            rng.choice(size, min(size, 1344 if "Erlang A" not in label else 96), replace=False))
        started = time.perf_counter()
        reference = loop(subset)
        slow = (time.perf_counter() - started) * size / subset.size
        if not np.array_equal(np.asarray(reference, dtype=float), answer[subset]):
            raise SystemExit(f"{label}: the loop and the vectorised path disagree")
        rows.append((label, fast, slow, limit, subset.size))
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs, median of {args.repeat}\n")
    print("| workload | vectorised ms | target ms | plain Python loop ms | speed-up | loop intervals timed |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, fast, slow, limit, timed in rows:
        print(f"| {label} | {fast * 1e3:.2f} | {limit * 1e3:.0f} | {slow * 1e3:,.0f} | {slow / fast:,.0f}x | {timed:,} |")


if __name__ == "__main__":
    main()
