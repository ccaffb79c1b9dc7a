"""Intraday reforecast: exact update formula and the guard for near-empty mornings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.errors import InvalidArgumentError
from staffing.forecast import IntradaySettings, reforecast_intraday


def day(calls: list[float]) -> pd.DataFrame:
    times = pd.date_range("2024-05-06 08:00", periods=len(calls), freq="60min")
    c = np.asarray(calls)
    return pd.DataFrame({"interval_start": times, "calls": c, "lower80": 0.8 * c, "upper80": 1.2 * c,
                         "lower95": 0.7 * c, "upper95": 1.3 * c, "aht_seconds": 200.0})


def test_update_matches_the_formula() -> None:
    fc = day([100.0, 100.0, 100.0, 100.0])
    actual = pd.DataFrame({"interval_start": fc["interval_start"][:2], "offered": [150.0, 130.0]})
    s = IntradaySettings(prior_calls=20.0, damping=0.5, max_ratio=2.0)
    upd = reforecast_intraday(fc, actual, pd.Timestamp("2024-05-06 10:00"), s)
    # r = 1 + 0.5 ((280 + 20) / (200 + 20) - 1) = 1 + 0.5 * 80/220
    want = 1 + 0.5 * (300 / 220 - 1)
    assert upd.ratio == pytest.approx(want)
    assert upd.frame["calls"].tolist() == pytest.approx([100.0, 100.0, 100 * want, 100 * want])
    assert upd.frame["upper95"].iloc[3] == pytest.approx(130 * want)
    assert upd.frame["aht_seconds"].tolist() == [200.0] * 4


def test_near_zero_morning_does_not_blow_up() -> None:
    # Forecast 0.2 calls for the morning, 12 arrived: a raw ratio of 60. The prior shrinks
    # it to (12 + 30) / (0.2 + 30) = 1.39, damping 0.8 -> 1.31, well inside max_ratio.
    fc = day([0.1, 0.1, 80.0, 90.0])
    actual = pd.DataFrame({"interval_start": fc["interval_start"][:2], "offered": [5.0, 7.0]})
    upd = reforecast_intraday(fc, actual, pd.Timestamp("2024-05-06 10:00"))
    assert upd.ratio == pytest.approx(1 + 0.8 * (42 / 30.2 - 1))
    # Without a prior the clip is the last guard.
    hard = reforecast_intraday(fc, actual, pd.Timestamp("2024-05-06 10:00"), IntradaySettings(prior_calls=0.0, damping=1.0))
    assert hard.ratio == 2.0
    empty = reforecast_intraday(fc, actual.iloc[:0], pd.Timestamp("2024-05-06 10:00"), IntradaySettings(prior_calls=0.0))
    assert empty.ratio == 0.5


def test_missing_actuals_column() -> None:
    with pytest.raises(InvalidArgumentError, match="offered"):
        reforecast_intraday(day([1.0]), pd.DataFrame({"interval_start": []}), pd.Timestamp("2024-05-06 09:00"))
