"""Benchmark: nightly reforecast of 20 queues x 1 year of 15-minute history.

Run: ``/work/venv/bin/python benchmarks/bench_store.py [--queues 20] [--days 365]``

Scenarios, each on a fresh SQLite file store in a temporary directory:

1. *first load*: one ``run_reforecast`` that imports the whole year for every queue,
   fits, writes and publishes 20 versions (14-day horizon);
2. *nightly*: a following run with one new day of actuals per queue: import, refit,
   write, publish, score the published versions against the new day;
3. *idempotent re-run*: the nightly run again on the same data (no new version);
3b. *nightly #N*: ``--nights`` more nightly runs, one day each, to show the cost does not
   grow with the number of stored versions (timings of the last one);
4. *baseline*: the same year of history inserted row by row (one ``INSERT`` statement
   per row, in one transaction), the naive way the bulk ``executemany`` path replaces.

The forecaster is a vectorised weekly-profile model (mean of the same interval of the
week over the last 4 weeks), so the timings measure the store and the engine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from staffing.planning.nightly import ForecastResult, ReforecastSettings, run_reforecast
from staffing.store import Store
from staffing.store import schema as store_schema


def synthetic(queues: int, days: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    times = pd.date_range("2025-01-06", periods=days * 96, freq="15min")
    hour = times.hour.to_numpy() + times.minute.to_numpy() / 60
    weekday = times.day_of_week.to_numpy()
    profile = np.clip(np.sin((hour - 7) / 12 * np.pi), 0, None) * np.where(weekday >= 5, 0.5, 1.0)
    parts = []
    for q in range(queues):
        offered = rng.poisson(3 + 30 * (1 + q % 5) * profile).astype(float)
        parts.append(pd.DataFrame({"interval_start": times, "queue": f"q{q:02d}", "offered": offered, "aht_seconds": 280.0 + q}))
    return pd.concat(parts, ignore_index=True)


def weekly_profile(history: pd.DataFrame, horizon: pd.DatetimeIndex) -> ForecastResult:
    """Mean of the same interval-of-week over the last 4 weeks (vectorised)."""
    recent = history.iloc[-4 * 7 * 96 :]
    times = pd.DatetimeIndex(recent["interval_start"])
    slot = times.day_of_week * 96 + times.hour * 4 + times.minute // 15
    means = pd.Series(recent["offered"].to_numpy(dtype=float)).groupby(slot.to_numpy()).mean()
    want = horizon.day_of_week * 96 + horizon.hour * 4 + horizon.minute // 15
    calls = means.reindex(want.to_numpy()).fillna(0.0).to_numpy()
    sd = np.sqrt(calls)
    values = pd.DataFrame(
        {
            "interval_start": horizon,
            "calls": calls,
            "lower80": np.maximum(calls - 1.2816 * sd, 0),
            "upper80": calls + 1.2816 * sd,
            "lower95": np.maximum(calls - 1.96 * sd, 0),
            "upper95": calls + 1.96 * sd,
            "aht_seconds": 280.0,
        }
    )
    return ForecastResult(values, "weekly_profile", {"weeks": 4})


def row_by_row(url: str, frame: pd.DataFrame) -> float:
    store = Store.open(url)
    t0 = time.perf_counter()
    with store.engine.begin() as conn:
        for queue in frame["queue"].unique():
            conn.execute(sa.insert(store_schema.queues).values(queue=queue, timezone=None, created_at=pd.Timestamp.now().to_pydatetime()))
        seconds = pd.DatetimeIndex(frame["interval_start"]).as_unit("s").asi8
        stmt = sa.insert(store_schema.history)
        for q, s, o, a in zip(frame["queue"], seconds, frame["offered"], frame["aht_seconds"], strict=True):
            conn.execute(stmt, {"queue": q, "interval_start_s": int(s), "offered": float(o), "aht_seconds": float(a)})
    elapsed = time.perf_counter() - t0
    store.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--nights", type=int, default=30, help="further nightly runs (last one reported)")
    args = parser.parse_args()
    data = synthetic(args.queues, args.days + 1 + args.nights)
    last_day = pd.Timestamp("2025-01-06") + pd.Timedelta(days=args.days)
    one_day = pd.Timedelta(days=1)
    year = data[data["interval_start"] < last_day]
    next_day = data[(data["interval_start"] >= last_day) & (data["interval_start"] < last_day + one_day)]
    settings = ReforecastSettings(horizon_days=14, model={"name": "weekly_profile", "weeks": 4})
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = Store.open(url)
        for name, frame in ((f"first load ({args.days} days)", year), ("nightly (+1 day)", next_day), ("idempotent re-run", next_day)):
            s = run_reforecast(store, frame, weekly_profile, settings)
            t = s.seconds
            rows.append((name, len(frame), len(s.new_versions), s.scores_written, t.import_, t.read, t.fit, t.write, t.scoring, t.commit, t.total))
        for night in range(1, args.nights + 1):
            day = last_day + night * one_day
            frame = data[(data["interval_start"] >= day) & (data["interval_start"] < day + one_day)]
            s = run_reforecast(store, frame, weekly_profile, settings)
        if args.nights:
            t = s.seconds
            versions = len(store.list_versions())
            rows.append((f"nightly #{args.nights + 1} ({versions} versions stored)", len(frame), len(s.new_versions), s.scores_written, t.import_, t.read, t.fit, t.write, t.scoring, t.commit, t.total))
        store.close()
        baseline = row_by_row(f"sqlite:///{Path(tmp) / 'baseline.db'}", year)
    print(f"## Store / nightly reforecast benchmark ({args.queues} queues x {args.days} days of 15-min history, SQLite file)\n")
    print("| run | history rows | new versions | day scores | import s | read s | fit s | write s | scoring s | commit s | total s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]:,} | {r[2]} | {r[3]} | " + " | ".join(f"{x:.2f}" for x in r[4:]) + " |")
    first_import = rows[0][4]
    print(f"\nBaseline: row-by-row INSERT of the same {len(year):,} history rows: {baseline:.2f} s "
          f"vs bulk import inside the first-load run {first_import:.2f} s (x{baseline / first_import:.1f} faster).")
    print(f"Target: reforecast of {args.queues} queues < 60 s: first load {rows[0][-1]:.1f} s, nightly {rows[1][-1]:.1f} s, last nightly {rows[-1][-1]:.1f} s.")


if __name__ == "__main__":
    main()
