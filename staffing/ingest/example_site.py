"""The bundled example site: a seeded synthetic history and a team of agents.

``configs/example.yaml`` runs on ``configs/data/example_history.csv`` and
``configs/data/example_agents.csv``; both are exactly what this module generates (a
test regenerates and compares them), because the real data in ``../shared`` may not be
shipped.

Shape of the history: one queue ``general`` in Europe/London, 16 weeks of 15-minute
intervals from Monday 2026-07-06 to Sunday 2026-10-25, open 07:00-22:00 every day;
about 2,400 calls on a Monday falling to 0.3 of that on Sunday (weekday factors
1.0/0.95/0.92/0.9/0.85/0.45/0.3), a two-peak intraday curve (10:30 and 14:30), 0.2%
weekly growth, a Gamma day effect (CV 8%), Poisson interval counts, AHT around 300 s,
5% abandonment and the UK summer bank holiday (2026-08-31) at 20% of normal volume.
See :mod:`staffing.ingest.synthetic` for the generator.

The team: 72 agents (12 part-time on 20-24 h of 4 or 6 h shifts, 24 on 30-32 h,
36 full-time on 36-40 h) with a few days of leave in the first planning week.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from staffing.ingest.synthetic import SyntheticSettings, synthetic_history

EXAMPLE_HISTORY = SyntheticSettings(
    start=dt.date(2026, 7, 6),
    days=16 * 7,
    interval_minutes=15,
    daily_calls=2400.0,
    open_time=dt.time(7, 0),
    close_time=dt.time(22, 0),
    day_cv=0.08,
    weekly_growth=0.002,
    aht_seconds=300.0,
    abandon_rate=0.05,
    timezone="Europe/London",
    holidays=(dt.date(2026, 8, 31),),
    queue="general",
    seed=7,
)
"""Settings of the example history."""

FIRST_PLAN_WEEK = dt.date(2026, 10, 26)
"""The first whole week after the example history ends (the default ``--week-start``)."""


def example_history() -> pd.DataFrame:
    """The example history as written to CSV: naive local times, rounded AHT."""
    return history_export(synthetic_history(EXAMPLE_HISTORY))


def history_export(frame: pd.DataFrame) -> pd.DataFrame:
    """A synthetic history shaped like an ACD export: naive local times, whole counts."""
    out = pd.DataFrame({
        "interval_start": frame["interval_start"].dt.tz_localize(None).dt.strftime("%Y-%m-%d %H:%M"),
        "queue": frame["queue"].astype(str),
        "offered": frame["offered"].astype(int),
        "answered": frame["answered"].astype(int),
        "abandoned": frame["abandoned"].astype(int),
        "aht_seconds": frame["aht_seconds"].round(1),
    })
    return out


def example_agents(n_agents: int = 72, week_start: dt.date = FIRST_PLAN_WEEK, seed: int = 11) -> pd.DataFrame:
    """A team (seeded): contracts, allowed shift lengths and leave in the week of ``week_start``.

    One sixth part-timers (20-24 h, 4 or 6 h shifts), one third on 30-32 h (6 or 8 h),
    the rest full-time (36-40 h, 8 or 9 h); about 8% take one weekday of leave.
    """
    rng = np.random.default_rng(seed)
    rows = []
    week = [week_start + dt.timedelta(days=d) for d in range(7)]
    for i in range(n_agents):
        if i < n_agents // 6:
            lo, hi, lengths, max_days = 20, 24, "4;6", 5
        elif i < n_agents // 2:
            lo, hi, lengths, max_days = 30, 32, "6;8", 5
        else:
            lo, hi, lengths, max_days = 36, 40, "8;9", 5
        leave = ""
        if rng.random() < 0.08:
            leave = week[int(rng.integers(0, 5))].isoformat()
        rows.append((f"A{i + 1:03d}", lo, hi, max_days, lengths, leave))
    return pd.DataFrame(rows, columns=["agent_id", "min_hours", "max_hours", "max_days", "shift_lengths", "unavailable"])
