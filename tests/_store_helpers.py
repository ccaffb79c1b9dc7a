"""Shared helpers of the store and reforecast tests: synthetic history, a deterministic
seasonal-naive forecaster, and a command-line entry point used to run a reforecast in a
real subprocess (``python tests/store_helpers.py URL ...``)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from staffing.planning.nightly import ForecastResult, ReforecastSettings, run_reforecast  # noqa: E402
from staffing.store import Store  # noqa: E402

WEEK = pd.Timedelta(days=7)


def synthetic_history(queues: list[str], start: str, days: int, *, interval_minutes: int = 15, seed: int = 1) -> pd.DataFrame:
    """Seeded canonical history: a daily sine-shaped profile times a queue level, Poisson noise."""
    rng = np.random.default_rng(seed)
    times = pd.date_range(start, periods=days * 1440 // interval_minutes, freq=f"{interval_minutes}min")
    hour = times.hour.to_numpy() + times.minute.to_numpy() / 60
    profile = np.clip(np.sin((hour - 7) / 12 * np.pi), 0, None)
    parts = []
    for i, queue in enumerate(queues):
        offered = rng.poisson(5 + 20 * (i + 1) * profile).astype(float)
        parts.append(pd.DataFrame({"interval_start": times, "queue": queue, "offered": offered, "aht_seconds": 300.0}))
    return pd.concat(parts, ignore_index=True)


def seasonal_naive_values(history: pd.DataFrame, horizon: pd.DatetimeIndex) -> pd.DataFrame:
    """Forecast = offered at the same time ``k`` weeks earlier, the smallest ``k`` with data."""
    series = pd.Series(history["offered"].to_numpy(dtype=float), index=pd.DatetimeIndex(history["interval_start"]))
    last = series.index[-1]
    weeks_back = np.ceil((horizon - last) / WEEK).astype(int)
    source = horizon - pd.to_timedelta(weeks_back * 7, unit="D")
    calls = series.reindex(source).fillna(0.0).to_numpy()
    return pd.DataFrame(
        {
            "interval_start": horizon,
            "calls": calls,
            "lower80": calls * 0.8,
            "upper80": calls * 1.2,
            "lower95": calls * 0.7,
            "upper95": calls * 1.3,
            "aht_seconds": 300.0,
        }
    )


def seasonal_naive(history: pd.DataFrame, horizon: pd.DatetimeIndex) -> ForecastResult:
    """Deterministic test forecaster (last week's values)."""
    return ForecastResult(seasonal_naive_values(history, horizon), "seasonal_naive", {"season_days": 7})


class SlowForecaster:
    """Seasonal naive that first writes ``marker``, then waits up to ``sleep_seconds`` or
    until ``release`` exists (so a test can kill it mid-run or hold the lock on purpose)."""

    fingerprint = "tests.SlowForecaster"

    def __init__(self, marker: Path, sleep_seconds: float, release: Path | None = None) -> None:
        self.marker = marker
        self.sleep_seconds = sleep_seconds
        self.release = release

    def __call__(self, history: pd.DataFrame, horizon: pd.DatetimeIndex) -> ForecastResult:
        self.marker.write_text("fitting\n")
        deadline = time.monotonic() + self.sleep_seconds
        while time.monotonic() < deadline and not (self.release is not None and self.release.exists()):
            time.sleep(0.02)
        return seasonal_naive(history, horizon)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--history", help="CSV of new actuals")
    parser.add_argument("--marker", type=Path, required=True)
    parser.add_argument("--sleep", type=float, default=0.0)
    parser.add_argument("--lock-timeout", type=float, default=0.0)
    parser.add_argument("--release", type=Path, default=None, help="stop waiting when this file exists")
    args = parser.parse_args()
    new = None
    if args.history:
        new = pd.read_csv(args.history, parse_dates=["interval_start"])
    store = Store.open(args.url)
    settings = ReforecastSettings(horizon_days=7, lock_timeout_seconds=args.lock_timeout)
    from staffing.errors import StaffingError

    try:
        summary = run_reforecast(store, new, SlowForecaster(args.marker, args.sleep, args.release), settings)
    except StaffingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    print(json.dumps(summary.to_json()))


if __name__ == "__main__":
    main()
