"""The synthetic history generator (staffing.ingest.synthetic)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from staffing.ingest.synthetic import SyntheticSettings, synthetic_history, true_rates


def test_seeded_and_shaped_as_configured() -> None:
    s = SyntheticSettings(start=dt.date(2024, 1, 1), days=14, interval_minutes=30, open_time=dt.time(8, 0),
                          close_time=dt.time(18, 0), open_weekdays=(0, 1, 2, 3, 4), holidays=(dt.date(2024, 1, 3),),
                          holiday_factor=0.0, seed=3)
    a, b = synthetic_history(s), synthetic_history(s)
    pd.testing.assert_frame_equal(a, b)
    days = set(a["interval_start"].dt.date)
    # Weekdays only, the zero-factor holiday absent, 20 half-hours per open day.
    assert all(d.weekday() < 5 for d in days) and dt.date(2024, 1, 3) not in days and len(days) == 9
    assert a.groupby(a["interval_start"].dt.date).size().eq(20).all()
    assert (a["answered"] + a["abandoned"] == a["offered"]).all()


def test_day_total_matches_daily_calls_times_weekday_factor() -> None:
    s = SyntheticSettings(days=7, interval_minutes=15, daily_calls=1000.0)
    rates = true_rates(s)
    totals = rates.groupby(rates["interval_start"].dt.date)["rate"].sum().to_numpy()
    np.testing.assert_allclose(totals, 1000.0 * np.asarray(s.weekday_factors))
