"""Daylight-saving days and the AHT forecast."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from staffing.forecast import ForecastSettings, forecast
from staffing.forecast.aht import weighted_median
from staffing.ingest.synthetic import SyntheticSettings, synthetic_history, true_rates


def test_dst_days_have_23_and_25_hours_and_sensible_values() -> None:
    # Europe/London: 2024-03-31 has 23 hours, 2024-10-27 has 25.
    s = SyntheticSettings(start=dt.date(2024, 1, 1), days=7 * 13, interval_minutes=30, daily_calls=2000.0, timezone="Europe/London", seed=8)
    history = synthetic_history(s)
    out = forecast(history, "2024-03-31", "day", ForecastSettings(model="average8", interval_minutes=30)).frame
    assert len(out) == 46 and str(out["interval_start"].dt.tz) == "Europe/London"
    assert out["interval_start"].is_unique
    rate = true_rates(SyntheticSettings.model_validate({**s.model_dump(), "start": dt.date(2024, 3, 31), "days": 1}))["rate"]
    assert len(rate) == 46
    # Day total within 2 sqrt(lambda) (8-week average: sd sqrt(lambda / 8), times 4 sd would be
    # 1.4 sqrt(lambda); the skipped hour's two slots add back ~2% so allow 2 sqrt + 3%).
    assert abs(out["calls"].sum() - rate.sum()) <= 2 * np.sqrt(rate.sum()) + 0.03 * rate.sum()

    s2 = SyntheticSettings.model_validate({**s.model_dump(), "start": dt.date(2024, 8, 1), "days": 12 * 7})
    autumn = forecast(synthetic_history(s2), "2024-10-27", "day", ForecastSettings(model="average8", interval_minutes=30)).frame
    assert len(autumn) == 50 and autumn["interval_start"].is_unique
    utc = autumn["interval_start"].dt.tz_convert("UTC")
    assert (utc.diff().dropna() == pd.Timedelta(minutes=30)).all()


def test_weighted_median_hand_example() -> None:
    # Values 100, 300, 200 with weights 1, 5, 1: cumulative weight in value order
    # (100:1, 200:2, 300:7) first reaches half of 7 at 300.
    v = np.array([[100.0], [300.0], [200.0]])
    w = np.array([[1.0], [5.0], [1.0]])
    assert weighted_median(v, w)[0] == 300.0
    assert np.isnan(weighted_median(v, np.zeros_like(w))[0])


def test_aht_forecast_recovers_time_of_day_pattern() -> None:
    s = SyntheticSettings(start=dt.date(2024, 1, 1), days=8 * 7, interval_minutes=60, daily_calls=3000.0,
                          open_time=dt.time(8, 0), close_time=dt.time(20, 0), aht_seconds=300.0, seed=9)
    out = forecast(synthetic_history(s), "2024-02-26", "day", ForecastSettings(model="average4", interval_minutes=60)).frame
    hours = out["interval_start"].dt.hour.to_numpy() + 0.5
    truth = 300.0 * (1 + 0.15 * np.cos(2 * np.pi * (hours - 14) / 24))
    open_ = (hours > 8) & (hours < 20)
    # Each open cell pools >= 8 weeks... of >= ~60 answered calls with Gamma(2) times (CV
    # 0.71): the mean's relative sd is 0.71/sqrt(60*8) ~ 3%; the median of daily means is
    # a little noisier, so 4 sd = 12% relative.
    np.testing.assert_allclose(out["aht_seconds"].to_numpy()[open_], truth[open_], rtol=0.12)
    assert out["aht_seconds"].notna().all()  # closed hours fall back to the slot/overall mean


def test_no_handle_time_gives_nan_aht() -> None:
    times = pd.date_range("2024-01-01", periods=24 * 28, freq="60min")
    out = forecast(pd.DataFrame({"interval_start": times, "offered": 5.0}), "2024-01-29", "day",
                   ForecastSettings(model="average4", interval_minutes=60)).frame
    assert out["aht_seconds"].isna().all() and out["calls"].to_numpy() == pytest.approx(5.0)
