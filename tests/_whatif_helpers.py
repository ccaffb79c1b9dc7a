"""Shared what-if test inputs: a seeded forecast and a fixed-head-count roster hook."""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.whatif.grid import Scenario

INTERVAL_MINUTES = 15


def make_forecast(days: int = 2, queues: tuple[str, ...] = ("sales",), seed: int = 7) -> pd.DataFrame:
    """A seeded intraday profile (quiet nights with zero-call intervals, two daily peaks)."""
    rng = np.random.default_rng(seed)
    starts = pd.date_range("2026-03-02", periods=days * 96, freq="15min")
    hour = (starts.hour + starts.minute / 60).to_numpy(dtype=float)
    shape = np.exp(-((hour - 10.5) ** 2) / 4) + 0.8 * np.exp(-((hour - 15) ** 2) / 5)
    frames = []
    for i, queue in enumerate(queues):
        calls = np.round(shape * (60 + 40 * i) * rng.uniform(0.8, 1.2, len(starts)))
        calls[hour < 6] = 0.0
        aht = np.where(calls > 0, rng.uniform(200, 400, len(starts)).round(1), np.nan)
        frames.append(pd.DataFrame({"queue": queue, "interval_start": starts, "calls": calls, "aht_seconds": aht}))
    return pd.concat(frames, ignore_index=True)


def fixed_headcount(scenario: Scenario, requirement: pd.DataFrame) -> pd.DataFrame:
    """A stand-in roster: 12 agents on shift in every queue and interval."""
    return pd.DataFrame({"queue": requirement["queue"], "interval_start": requirement["interval_start"],
                         "scheduled": 12.0})


