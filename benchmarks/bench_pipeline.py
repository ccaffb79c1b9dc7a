"""Benchmark: ``staffing plan`` end to end and ``staffing reforecast`` with the real forecaster.

Run: ``python benchmarks/bench_pipeline.py [--agents 150] [--queues 20] [--days 365]``

1. *plan*: one queue, one week of 15-minute intervals, ``--agents`` agents (the example
   site scaled so the contracted hours match the requirement), through the CLI in this
   process (history read and validated, store import, forecast, requirements, roster
   with the config's time limit, projection, store records, plan files). Baseline in the
   same process: the same command on the bundled 72-agent example.
2. *reforecast*: ``--queues`` queues x ``--days`` days of 15-minute history in one CSV,
   ``staffing reforecast --config`` with the default forecaster (``combo``): the first
   run (imports the whole history), the next night (one more day per queue) and the
   idempotent re-run. Baseline in the same process: fitting the same forecasts without
   the store (``forecast`` per queue), i.e. the pure compute the command wraps.

Everything runs in a temporary directory with its own SQLite store.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from staffing.cli import main
from staffing.forecast import ForecastSettings, forecast
from staffing.ingest.example_site import (
    EXAMPLE_HISTORY,
    example_agents,
    example_history,
    history_export,
)
from staffing.ingest.synthetic import synthetic_history

REPO = Path(__file__).resolve().parents[1]


def _invoke(args: list[str]) -> float:
    started = time.perf_counter()
    result = CliRunner().invoke(main, args)
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"{' '.join(args)} failed ({result.exit_code}):\n{result.output}")
    return seconds


def _site(folder: Path, n_agents: int, time_limit: float) -> Path:
    data = folder / "data"
    data.mkdir(parents=True)
    scale = n_agents / 72.0
    settings = EXAMPLE_HISTORY.model_copy(update={"daily_calls": EXAMPLE_HISTORY.daily_calls * scale})
    history = synthetic_history(settings)
    frame = example_history() if n_agents == 72 else history_export(history)
    frame.to_csv(data / "example_history.csv", index=False)
    example_agents(n_agents).to_csv(data / "example_agents.csv", index=False)
    text = (REPO / "configs" / "example.yaml").read_text()
    text = text.replace("time_limit_seconds: 45", f"time_limit_seconds: {time_limit:g}")
    config = folder / "site.yaml"
    config.write_text(text)
    return config


def bench_plan(tmp: Path, n_agents: int, time_limit: float) -> list[tuple[str, float]]:
    rows = []
    for label, agents in (("baseline: bundled example (72 agents)", 72), (f"plan, {n_agents} agents", n_agents)):
        folder = tmp / f"plan{agents}"
        config = _site(folder, agents, time_limit)
        os.environ["STAFFING_STORE_URL"] = f"sqlite:///{folder / 'store.db'}"
        seconds = _invoke(["plan", "--config", str(config), "--out-dir", str(folder / "out"), "--quiet"])
        summary = (folder / "out" / "summary.json").read_text()
        rows.append((label, seconds))
        print(f"{label}: {seconds:.1f} s; roster summary: {summary[:200]!r}...")
    return rows


def bench_reforecast(tmp: Path, queues: int, days: int) -> list[tuple[str, float]]:
    folder = tmp / "reforecast"
    (folder / "data").mkdir(parents=True)
    start = dt.date(2025, 10, 27)
    parts = []
    for q in range(queues):
        s = EXAMPLE_HISTORY.model_copy(update={
            "start": start, "days": days, "queue": f"q{q:02d}", "seed": 100 + q,
            "daily_calls": 500.0 + 150.0 * q, "holidays": (),
        })
        parts.append(synthetic_history(s))
    history = pd.concat(parts, ignore_index=True)
    history["interval_start"] = history["interval_start"].dt.tz_localize(None).dt.strftime("%Y-%m-%d %H:%M")
    history = history[["interval_start", "queue", "offered", "answered", "abandoned", "aht_seconds"]]
    last_day = history["interval_start"].str[:10].max()
    first_nights = history[history["interval_start"].str[:10] < last_day]
    (folder / "data" / "example_agents.csv").write_text("agent_id,min_hours,max_hours\nA,0,40\n")
    first_nights.to_csv(folder / "data" / "example_history.csv", index=False)
    config = folder / "site.yaml"
    config.write_text((REPO / "configs" / "example.yaml").read_text())
    os.environ["STAFFING_STORE_URL"] = f"sqlite:///{folder / 'store.db'}"
    rows = [(f"reforecast first load ({queues} queues x {days - 1} days, {len(first_nights):,} rows)",
             _invoke(["reforecast", "--config", str(config)]))]
    history.to_csv(folder / "data" / "example_history.csv", index=False)
    rows.append(("reforecast next night (+1 day per queue)", _invoke(["reforecast", "--config", str(config)])))
    rows.append(("reforecast idempotent re-run", _invoke(["reforecast", "--config", str(config)])))
    frame = pd.read_csv(folder / "data" / "example_history.csv")
    frame["interval_start"] = pd.to_datetime(frame["interval_start"]).dt.tz_localize(
        "Europe/London", ambiguous="infer", nonexistent="shift_forward")
    settings = ForecastSettings(interval_minutes=15, horizon_days=14)
    started = time.perf_counter()
    origin = (pd.Timestamp(last_day) + pd.Timedelta(days=1)).date()
    for _, part in frame.groupby("queue"):
        forecast(part, origin, 14, settings)
    rows.append(("baseline: forecasts alone, no store/CSV", time.perf_counter() - started))
    return rows


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--skip-plan", action="store_true")
    parser.add_argument("--skip-reforecast", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_plan:
            rows += bench_plan(Path(tmp), args.agents, args.time_limit)
        if not args.skip_reforecast:
            rows += bench_reforecast(Path(tmp), args.queues, args.days)
    load = os.getloadavg()
    print(f"\nload average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs\n")
    print("| run | wall s |")
    print("|---|---:|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.1f} |")


if __name__ == "__main__":
    main_()
