"""Time the exports and the report on a synthetic large plan week.

Run: python benchmarks/bench_exports.py [--agents 300]

A week of 15-minute intervals, ``agents`` agents with 5 shifts each (two breaks), and a
week of actuals for the report. Prints a markdown table; the baseline is pandas writing the
roster as CSV in the same process (ratios = time / baseline).
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from staffing.exports import build_calendars, build_workbook, flat_rota
from staffing.io.plan import read_plan
from staffing.report import ReportInputs, render_report


def make_plan(directory: Path, agents: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    week = pd.Timestamp("2026-03-23")
    rows = []
    for a in range(agents):
        days = sorted(rng.choice(7, size=5, replace=False))
        for d in days:
            start = week + pd.Timedelta(days=int(d), hours=int(rng.integers(6, 15)))
            end = start + pd.Timedelta(hours=8, minutes=30)
            b1 = start + pd.Timedelta(hours=2)
            b2 = start + pd.Timedelta(hours=4)
            breaks = f"{b1.isoformat()}/{(b1 + pd.Timedelta(minutes=15)).isoformat()};" \
                     f"{b2.isoformat()}/{(b2 + pd.Timedelta(minutes=30)).isoformat()}"
            rows.append((f"agent{a:04d}", start.isoformat(), end.isoformat(), 480, breaks))
    pd.DataFrame(rows, columns=["agent_id", "shift_start", "shift_end", "paid_minutes", "breaks"]).to_csv(
        directory / "roster.csv", index=False)
    stamps = pd.date_range(week, periods=7 * 96, freq="15min")
    shape = np.sin(np.linspace(0, 7 * np.pi, len(stamps))) ** 2
    required = np.round(agents * 0.35 * shape, 1)
    scheduled = np.round(required + rng.normal(0, 3, len(stamps))).clip(0)
    pd.DataFrame({"interval_start": stamps, "required": required, "scheduled": scheduled,
                  "under": (required - scheduled).clip(0), "over": (scheduled - required).clip(0)}).to_csv(
        directory / "coverage.csv", index=False)
    calls = agents * 2.0 * shape
    pd.DataFrame({"interval_start": stamps, "calls": calls, "lower80": calls * 0.9, "upper80": calls * 1.1,
                  "lower95": calls * 0.85, "upper95": calls * 1.15, "aht_seconds": 300.0}).to_csv(
        directory / "forecast.csv", index=False)
    (directory / "plan.json").write_text(json.dumps({"week_start": "2026-03-23", "interval_minutes": 15,
                                                     "timezone": "Europe/London"}))


def actuals(stamps: pd.DatetimeIndex, agents: int, seed: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    both = stamps.append(stamps - pd.Timedelta(days=7))
    offered = rng.poisson(agents * 2.0 * np.sin(np.linspace(0, 14 * np.pi, len(both))) ** 2).astype(float)
    return pd.DataFrame({"interval_start": both, "offered": offered, "answered": offered * 0.95,
                         "abandoned": offered * 0.05, "aht_seconds": 300.0, "service_level": 0.8,
                         "asa_seconds": 20.0})


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        make_plan(d, args.agents)
        plan = read_plan(d)
        acts = actuals(pd.DatetimeIndex(plan.coverage["interval_start"]), args.agents)
        now = datetime.now(UTC)
        first = build_calendars(plan, now=now)
        results = {
            "baseline: pandas roster.to_csv": timed(lambda: plan.roster.to_csv(io.StringIO(), index=False)),
            "read_plan": timed(lambda: read_plan(d)),
            "flat_rota (csv)": timed(lambda: flat_rota(plan.roster, plan.meta.timezone)),
            "build_workbook (xlsx)": timed(lambda: build_workbook(plan)),
            "build_calendars (ics, first)": timed(lambda: build_calendars(plan, now=now), repeat=1),
            "build_calendars (ics, re-publish)": timed(lambda: build_calendars(plan, now=now, previous=first), repeat=1),
            "render_report": timed(lambda: render_report(ReportInputs(plan=plan, actuals=acts)), repeat=1),
        }
    base = results["baseline: pandas roster.to_csv"]
    print(f"{args.agents} agents, {len(plan.roster)} shifts, {len(plan.coverage)} intervals\n")
    print("| step | seconds | ratio vs baseline |\n|---|---:|---:|")
    for name, secs in results.items():
        print(f"| {name} | {secs:.3f} | {secs / base:.0f}x |")


if __name__ == "__main__":
    main()
