"""Resampling the canonical history (staffing.ingest.history)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.errors import InvalidArgumentError
from staffing.ingest.history import find_gaps, resample_history
from staffing.tables import infer_interval_minutes


def frame(times: list[str], **cols: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"interval_start": pd.to_datetime(times), "queue": "default", **cols})


def test_five_to_fifteen_sums_counts_and_weights_aht() -> None:
    # Three 5-minute intervals: answered 2, 0, 6 with AHT 100, -, 300 s.
    # Hand computation: handle time 2*100 + 6*300 = 2000 s over 8 answered -> 250 s
    # (a plain mean of the AHTs would say 200 s).
    f = frame(["2024-01-01 08:00", "2024-01-01 08:05", "2024-01-01 08:10", "2024-01-01 08:15"],
              offered=[3.0, 1.0, 7.0, 4.0], answered=[2.0, 0.0, 6.0, 4.0], aht_seconds=[100.0, np.nan, 300.0, 50.0])
    out = resample_history(f, 15)
    assert out["interval_start"].tolist() == pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:15"]).tolist()
    assert out["offered"].tolist() == [11.0, 4.0]
    assert out["answered"].tolist() == [8.0, 4.0]
    assert out["handle_time_sum_seconds"].tolist() == [2000.0, 200.0]
    assert out["aht_seconds"].tolist() == [250.0, 50.0]


def test_aht_weighted_by_offered_without_answered() -> None:
    f = frame(["2024-01-01 08:00", "2024-01-01 08:30"], offered=[1.0, 3.0], aht_seconds=[400.0, 200.0])
    out = resample_history(f, 60)
    assert out["aht_seconds"].tolist() == [(400.0 + 3 * 200.0) / 4]


def test_six_minutes_to_thirty_is_exact() -> None:
    times = [f"2024-01-01 08:{m:02d}" for m in range(0, 60, 6)]
    out = resample_history(frame(times, offered=[float(i) for i in range(10)]), 30)
    assert out["offered"].tolist() == [0 + 1 + 2 + 3 + 4, 5 + 6 + 7 + 8 + 9]


def test_six_minutes_to_fifteen_is_refused_unless_split() -> None:
    times = [f"2024-01-01 08:{m:02d}" for m in range(0, 30, 6)]
    f = frame(times, offered=[6.0, 6.0, 6.0, 6.0, 6.0])
    with pytest.raises(InvalidArgumentError, match="multiple of the history's 6-minute"):
        resample_history(f, 15)
    out = resample_history(f, 15, split=True)
    # 08:12-08:18 straddles 08:15: half (3 calls) each side. 08:00 bin: 6 + 6 + 3 = 15.
    assert out["offered"].tolist() == [15.0, 15.0]
    assert out["offered"].sum() == f["offered"].sum()


def test_tz_aware_resample_keeps_instants_across_fall_back() -> None:
    utc = pd.date_range("2024-10-27 00:00", periods=8, freq="15min", tz="UTC")  # 01:00-02:45 BST/GMT
    f = pd.DataFrame({"interval_start": utc.tz_convert("Europe/London"), "queue": "q", "offered": np.arange(8.0)})
    out = resample_history(f, 30)
    assert out["offered"].tolist() == [1.0, 5.0, 9.0, 13.0]
    assert out["interval_start"].dt.tz_convert("UTC").tolist() == list(utc[::2])


def test_coarser_target_only() -> None:
    f = frame(["2024-01-01 08:00", "2024-01-01 09:00"], offered=[1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match=">= the history's own interval"):
        resample_history(f, 30)
    with pytest.raises(InvalidArgumentError, match="divisor of 1440"):
        resample_history(f, 7)


def test_infer_interval_and_gaps() -> None:
    times = pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:15", "2024-01-01 08:30", "2024-01-01 10:00", "2024-01-01 10:15"])
    assert infer_interval_minutes(pd.Series(times)) == 15
    gaps = find_gaps(pd.DataFrame({"interval_start": times, "queue": "x"}), 15)
    assert len(gaps) == 1 and gaps[0].missing_intervals == 5 and gaps[0].start == pd.Timestamp("2024-01-01 08:45")
