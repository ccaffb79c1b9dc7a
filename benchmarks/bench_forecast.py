"""Forecast accuracy benchmark on the Israeli bank's 1999 calls (``../shared/data``).

Protocol (issue 3): 6-minute counts resampled to 30 minutes; rolling origin, one origin
per day (day-ahead) or per week (week-ahead); each fit sees only data before its origin;
pooled WAPE, MASE, bias, 80% coverage over every scored interval. Settings were chosen on
the VALIDATION window 1999-08-01..1999-10-31 (``--window validation``) and the earlier window
1999-05-01..1999-07-31 (``--window early``) only, scored with holiday days left out
(``--skip-holidays``); the test window 1999-11-06..1999-12-31 is then run once with those
settings (``--window test``).

Sanity shapes (``--sanity``): a weekday-only centre (Sun-Thu, 07:00-21:00, random missing
days) and 15-minute intervals, both synthetic (``staffing.ingest.synthetic``).

Usage::

    python benchmarks/bench_forecast.py [--window test|validation|early] [--skip-holidays] [--sanity]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import pandas as pd

from staffing.forecast import ForecastSettings, backtest
from staffing.ingest.history import resample_history
from staffing.ingest.synthetic import SyntheticSettings, synthetic_history

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "il_bank_6min_1999.csv"
WINDOWS = {
    "early": ("1999-05-01", "1999-07-31"), "validation": ("1999-08-01", "1999-10-31"), "test": ("1999-11-06", "1999-12-31"),
}
MODELS = (
    "seasonal_naive", "average4", "average8", "ewma", "level", "ewma_dom", "level_dom", "ets", "poisson", "negbin",
    "combo", "auto",
)
#: Holidays in the bank's data the `holidays` package does not list (from the data README).
EXTRA_HOLIDAYS = (dt.date(1999, 4, 6),)


def load_bank() -> pd.DataFrame:
    raw = pd.read_csv(DATA, parse_dates=["timestamp"])
    frame = pd.DataFrame({"interval_start": raw["timestamp"], "queue": "default", "offered": raw["calls"].astype(float)})
    return resample_history(frame, 30)


def table(title: str, result_scores: pd.DataFrame, baseline: str = "seasonal_naive") -> str:
    base = float(result_scores.loc[result_scores["model"] == baseline, "wape"].iloc[0])
    lines = [f"### {title}", "", "| model | WAPE | vs naive | MASE | bias % | 80% cover | s/fit |", "|---|---|---|---|---|---|---|"]
    for row in result_scores.itertuples():
        lines.append(
            f"| {row.model} | {row.wape:.2%} | {row.wape / base:.3f} | {row.mase:.3f} | {row.bias:+.1%} | "
            f"{row.coverage80:.1%} | {row.seconds_per_fit:.3f} |"
        )
    return "\n".join(lines)


def run_bank(window: str, settings: ForecastSettings, skip_holidays: bool = False) -> None:
    history = load_bank()
    start, end = WINDOWS[window]
    scored = ", holidays not scored" if skip_holidays else ""
    for horizon, label in ((1, "day-ahead"), (7, "week-ahead")):
        t0 = time.perf_counter()
        result = backtest(history, start, end, horizon, MODELS, settings, score_special_days=not skip_holidays)
        title = f"il_bank 30 min, {window} {start}..{end}{scored}, {label} ({time.perf_counter() - t0:.0f} s)"
        print(table(title, result.scores_frame()))
        print()


def run_sanity(settings: ForecastSettings) -> None:
    weekday = synthetic_history(SyntheticSettings(
        start=dt.date(2024, 1, 7), days=26 * 7, interval_minutes=15, open_time=dt.time(7, 0), close_time=dt.time(21, 0),
        open_weekdays=(6, 0, 1, 2, 3), missing_day_fraction=0.04, daily_calls=1200.0, seed=3,
    ))
    shapes = (
        ("weekday-only Sun-Thu 07-21, 4% days missing, 30 min", weekday, 30),
        ("weekday-only Sun-Thu 07-21, 4% days missing, 15 min", weekday, 15),
    )
    for title, frame, minutes in shapes:
        s = ForecastSettings.model_validate({**settings.model_dump(), "interval_minutes": minutes, "holiday_country": None, "holiday_dates": ()})
        last = pd.DatetimeIndex(frame["interval_start"]).max().normalize()
        start = last - pd.Timedelta(days=55)
        for horizon, label in ((1, "day-ahead"), (7, "week-ahead")):
            result = backtest(frame, start, last, horizon, ("seasonal_naive", "average4", "level", "level_dom", "ets", "combo", "auto"), s)
            print(table(f"synthetic {title}, {label}", result.scores_frame()))
            print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window", choices=sorted(WINDOWS), default="test")
    parser.add_argument("--skip-holidays", action="store_true", help="leave holiday days out of the scoring (model choice)")
    parser.add_argument("--sanity", action="store_true", help="also run the synthetic sanity shapes")
    args = parser.parse_args(argv)
    settings = ForecastSettings(interval_minutes=30, holiday_country="IL", holiday_dates=EXTRA_HOLIDAYS)
    if DATA.is_file():
        run_bank(args.window, settings, args.skip_holidays)
    else:
        print(f"skipping the bank benchmark: {DATA} not found", file=sys.stderr)
    if args.sanity:
        run_sanity(settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
