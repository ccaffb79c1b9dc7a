"""Benchmark of what-if sweeps and their executors.

Run: ``python benchmarks/bench_whatif.py`` (``--quick`` for a smaller smoke run).

1. A 1,000-scenario staffing sweep (10 SL targets x 10 volume x 10 AHT changes) for
   one queue-week of 15-min intervals, batched, against a loop calling
   ``required_agents`` once per scenario (the same Erlang core, no batching) and a
   Python loop over scenarios and intervals (one scalar call each; timed on a sample of
   scenarios and scaled to 1,000), all measured here. Also the same sweep on a cold
   2-worker process pool (what ``staffing whatif`` would pay to start one).
2. 100 queues x 10 scenarios (one week each) serially, on a 2-worker local process
   pool and on a 2-worker local Dask cluster (processes), cold (including starting
   the workers) and warm (a second sweep on the same workers).

Prints a markdown table; ratios are against baselines measured in the same process.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from staffing.executors import SerialExecutor, executor_options, open_executor
from staffing.queueing.erlang import required_agents
from staffing.queueing.requirements import ServiceTargets
from staffing.whatif import ScenarioGrid, run_sweep

INTERVAL_MINUTES = 15


def week_profile(queues: int, peak_calls: float, seed: int = 1) -> pd.DataFrame:
    """One week of 15-min intervals per queue: two daily peaks, quiet nights, noisy."""
    rng = np.random.default_rng(seed)
    starts = pd.date_range("2026-03-02", periods=7 * 96, freq="15min")
    hour = (starts.hour + starts.minute / 60).to_numpy(dtype=float)
    shape = np.exp(-((hour - 10.5) ** 2) / 4) + 0.8 * np.exp(-((hour - 15) ** 2) / 5) + 0.02
    weekday = np.where(starts.day_of_week.to_numpy() >= 5, 0.5, 1.0)
    frames = []
    for q in range(queues):
        scale = peak_calls * rng.uniform(0.3, 1.0)
        calls = np.round(shape * weekday * scale * rng.uniform(0.9, 1.1, len(starts)))
        aht = rng.uniform(240, 360) * rng.uniform(0.95, 1.05, len(starts))
        frames.append(pd.DataFrame({"queue": f"q{q:03d}", "interval_start": starts, "calls": calls,
                                    "aht_seconds": aht.round(1)}))
    return pd.concat(frames, ignore_index=True)


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return min(times), out


def per_scenario_loop(forecast: pd.DataFrame, base: ServiceTargets, grid: ScenarioGrid) -> float:
    """Baseline: one required_agents call per scenario (no stacking), summing agent-hours."""
    calls0 = forecast["calls"].to_numpy(float)
    aht0 = forecast["aht_seconds"].to_numpy(float)
    total = 0.0
    for s in grid.scenarios(base):
        t = s.targets
        req = required_agents(calls0 * s.volume_factor, s.aht.apply(aht0), INTERVAL_MINUTES,
                              target_sl=t.target_sl, answer_seconds=t.answer_seconds, shrinkage=t.shrinkage)
        total += float(np.sum(req.agents))
    return total


def per_interval_loop(forecast: pd.DataFrame, base: ServiceTargets, scenarios: list[Any]) -> float:
    """Naive baseline: one scalar required_agents call per scenario and interval."""
    calls0 = forecast["calls"].to_numpy(float)
    aht0 = forecast["aht_seconds"].to_numpy(float)
    total = 0.0
    for s in scenarios:
        t = s.targets
        aht = s.aht.apply(aht0)
        for i in range(calls0.size):
            req = required_agents(calls0[i : i + 1] * s.volume_factor, aht[i : i + 1], INTERVAL_MINUTES,
                                  target_sl=t.target_sl, answer_seconds=t.answer_seconds, shrinkage=t.shrinkage)
            total += float(np.sum(req.agents))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke test)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    rows: list[tuple[str, str, float, str]] = []
    base = ServiceTargets(target_sl=0.8, answer_seconds=20, shrinkage=0.3)

    # 1. 1,000 scenarios, one queue-week.
    one = week_profile(1, peak_calls=1500.0)
    n = 4 if args.quick else 10
    grid = ScenarioGrid.parse([
        f"target_sl=0.50:{0.5 + 0.05 * (n - 1):.2f}:0.05",
        f"volume=0.80:{0.8 + 0.05 * (n - 1):.2f}:0.05",
        f"aht=0.90:{0.9 + 0.05 * (n - 1):.2f}:0.05",
    ])
    t_batch, result = best_of(lambda: run_sweep(one, base, grid, interval_minutes=INTERVAL_MINUTES), repeats)
    t_loop, loop_total = best_of(lambda: per_scenario_loop(one, base, grid), 1)
    assert abs(result.intervals["agents"].sum() - loop_total) < 1e-6, "batched and looped sweeps differ"
    label = f"{len(grid):,} scenarios x 1 queue-week ({len(one)} intervals, {len(result.intervals):,} rows)"
    rows.append((label, "run_sweep, serial, batched", t_batch, f"speed-up {t_loop / t_batch:.2f}x"))
    rows.append((label, "loop: one required_agents call per scenario", t_loop, "1.0x (baseline)"))
    sample = grid.scenarios(base)[:: max(1, len(grid) // 20)]
    t_scalar, scalar_total = best_of(lambda: per_interval_loop(one, base, sample), 1)
    batched = result.intervals[result.intervals["scenario"].isin([sc.scenario_id for sc in sample])]
    assert abs(batched["agents"].sum() - scalar_total) < 1e-6, "batched and per-interval sweeps differ"
    t_scalar_all = t_scalar * len(grid) / len(sample)
    rows.append((label, f"loop per scenario and interval (scalar calls; {len(sample)} scenarios timed, scaled)",
                 t_scalar_all, f"run_sweep is {t_scalar_all / t_batch:.0f}x faster"))
    started = time.perf_counter()
    with open_executor(executor_options(workers=2)) as pool:
        pooled = run_sweep(one, base, grid, interval_minutes=INTERVAL_MINUTES, executor=pool)
    t_pool_one = time.perf_counter() - started
    pd.testing.assert_frame_equal(pooled.scenarios, result.scenarios)
    rows.append((label, "run_sweep, process pool 2 workers, cold (incl. start)", t_pool_one,
                 f"speed-up {t_loop / t_pool_one:.2f}x"))

    grid_a = ScenarioGrid.parse([f"target_sl=0.50:{0.5 + 0.05 * (n - 1):.2f}:0.05", "volume=0.9,1.0,1.1",
                                 "model=erlang-a", "patience_seconds=120"])
    t_a, _ = best_of(lambda: run_sweep(one, base, grid_a, interval_minutes=INTERVAL_MINUTES), 1)
    rows.append((f"{len(grid_a)} Erlang A scenarios x 1 queue-week", "run_sweep, serial", t_a, ""))

    # 2. 100 queues x 10 scenarios on 2 workers.
    queues = 20 if args.quick else 100
    many = week_profile(queues, peak_calls=400.0, seed=2)
    grid10 = ScenarioGrid.parse([f"target_sl=0.50:{0.5 + 0.05 * 9:.2f}:0.05"])
    label2 = f"{queues} queues x {len(grid10)} scenarios ({queues * len(grid10) * 672:,} rows)"
    # Tasks of ~8 queue-weeks x 10 scenarios keep both workers busy with little overhead.
    batch = 8 * 672 * 10

    def sweep(executor: Any) -> Any:
        return run_sweep(many, base, grid10, interval_minutes=INTERVAL_MINUTES, executor=executor, batch_size=batch)

    t_serial, ref = best_of(lambda: sweep(SerialExecutor()), repeats)
    rows.append((label2, "serial", t_serial, "1.0x (baseline)"))

    started = time.perf_counter()
    with open_executor(executor_options(workers=2)) as pool:
        cold_pool = sweep(pool)
        t_pool_cold = time.perf_counter() - started
        t_pool, warm_pool = best_of(lambda: sweep(pool), repeats)
    pd.testing.assert_frame_equal(warm_pool.scenarios, ref.scenarios)
    pd.testing.assert_frame_equal(cold_pool.intervals, ref.intervals)
    rows.append((label2, "process pool, 2 workers, cold (incl. start)", t_pool_cold, f"{t_serial / t_pool_cold:.2f}x"))
    rows.append((label2, "process pool, 2 workers, warm", t_pool, f"{t_serial / t_pool:.2f}x"))

    from distributed import Client, LocalCluster

    started = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        cold_dask = sweep(client.get_executor())
        t_dask_cold = time.perf_counter() - started
        t_dask, warm_dask = best_of(lambda: sweep(client.get_executor(pure=False)), repeats)
    pd.testing.assert_frame_equal(warm_dask.scenarios, ref.scenarios)
    pd.testing.assert_frame_equal(cold_dask.intervals, ref.intervals)
    rows.append((label2, "Dask LocalCluster, 2 workers, cold (incl. start)", t_dask_cold,
                 f"{t_serial / t_dask_cold:.2f}x"))
    rows.append((label2, "Dask LocalCluster, 2 workers, warm", t_dask, f"{t_serial / t_dask:.2f}x"))

    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"CPUs: {os.cpu_count()}; times are the best of {repeats} (cold runs: 1)")
    print()
    print("| workload | method | seconds | vs baseline |")
    print("|---|---|---:|---|")
    for workload, method, seconds, ratio in rows:
        print(f"| {workload} | {method} | {seconds:.3f} | {ratio} |")


if __name__ == "__main__":
    main()
