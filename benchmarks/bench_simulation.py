"""Benchmark: simulate a week of 15-minute intervals at ~120 agents peak, 30 replications.

Run: ``python benchmarks/bench_simulation.py [--replications 30] [--workers 2]``

The week: open 07:00-22:00, a two-peak day reaching ~330 calls per 15 minutes on Monday
(weekday factors 1.0 ... 0.3), AHT 300 s, staffed with the Erlang C 80/20 requirement
(peak ~120 agents), mean patience 120 s. Baseline measured in the same process: the 30
replications one after another in this process; then the same replications on a
process pool (``--workers``). Results are identical either way (seeded per replication).
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from staffing.queueing import erlang
from staffing.queueing.simulation import QueueInput, SimulationSettings, simulate


def week(peak_calls: float = 330.0) -> np.ndarray:
    hours = (np.arange(96) + 0.5) / 4
    shape = 0.15 + np.exp(-0.5 * ((hours - 10.5) / 1.5) ** 2) + 0.8 * np.exp(-0.5 * ((hours - 14.5) / 2.0) ** 2)
    day = np.where((hours >= 7) & (hours < 22), shape, 0.0) / shape.max() * peak_calls
    return np.concatenate([day * f for f in (1.0, 0.95, 0.92, 0.9, 0.85, 0.45, 0.3)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    calls = week()
    agents = erlang.required_agents(calls, 300.0, 15, target_sl=0.8, answer_seconds=20).agents.astype(np.int64)
    queue = QueueInput(calls=calls, aht_seconds=np.full(calls.size, 300.0), agents=agents, interval_seconds=900.0)
    settings = SimulationSettings(answer_seconds=20, patience_seconds=120.0)
    started = time.perf_counter()
    serial = simulate(queue, settings, replications=args.replications, seed=0)
    t_serial = time.perf_counter() - started
    with ProcessPoolExecutor(args.workers) as pool:
        started = time.perf_counter()
        parallel = simulate(queue, settings, replications=args.replications, seed=0, executor=pool)
        t_pool = time.perf_counter() - started
    for a, b in zip(serial.replications, parallel.replications, strict=True):
        assert np.array_equal(a.answered_within, b.answered_within)
    total_calls = sum(float(r.offered.sum()) for r in serial.replications)
    sl = serial.pooled("service_level", np.zeros(calls.size, dtype=np.int64))[:, 0]
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs")
    print(f"week: {calls.sum():,.0f} expected calls, peak {agents.max()} agents; "
          f"{total_calls:,.0f} calls simulated; week SL {sl.mean():.3f} (90% band {np.quantile(sl, 0.05):.3f}-"
          f"{np.quantile(sl, 0.95):.3f})\n")
    print("| run | wall s | calls per second | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| baseline: {args.replications} replications in this process | {t_serial:.1f} | "
          f"{total_calls / t_serial:,.0f} | 1.0x |")
    print(f"| {args.replications} replications on {args.workers} worker processes | {t_pool:.1f} | "
          f"{total_calls / t_pool:,.0f} | {t_serial / t_pool:.1f}x |")


if __name__ == "__main__":
    main()
