"""``staffing forecast`` and ``staffing backtest`` end to end."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from staffing.cli import main
from staffing.ingest.synthetic import SyntheticSettings, synthetic_history


@pytest.fixture
def history_csv(tmp_path: Path) -> Path:
    # A 15-minute export in the shape of the shared data (timestamp, calls), 8 weeks.
    s = SyntheticSettings(start=dt.date(2024, 1, 1), days=56, interval_minutes=15, daily_calls=1500.0,
                          open_time=dt.time(7, 0), close_time=dt.time(21, 0), seed=1)
    frame = synthetic_history(s)
    path = tmp_path / "export.csv"
    frame[["interval_start", "offered"]].rename(columns={"interval_start": "timestamp", "offered": "calls"}).to_csv(path, index=False)
    return path


def test_forecast_writes_the_contract_columns(history_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    res = CliRunner().invoke(main, ["forecast", "--history", str(history_csv), "--start", "2024-02-26", "--horizon", "2d",
                                    "--interval-minutes", "30", "--model", "average4", "--out", str(out)])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["interval_start", "calls", "lower80", "upper80", "lower95", "upper95", "aht_seconds"]
    assert len(frame) == 2 * 48
    assert (frame["lower95"] <= frame["lower80"]).all() and (frame["upper80"] <= frame["upper95"]).all()
    assert "Forecast by day" in res.output


def test_backtest_prints_table_and_writes_rows(history_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.csv"
    res = CliRunner().invoke(main, ["backtest", "--history", str(history_csv), "--test-start", "2024-02-19", "--test-end", "2024-02-21",
                                    "--horizon", "day", "--models", "seasonal_naive,average4", "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = pd.read_csv(out)
    assert list(rows.columns) == ["model", "origin", "interval_start", "actual", "forecast", "lower80", "upper80"]
    assert set(rows["model"]) == {"seasonal_naive", "average4"} and len(rows) == 2 * 3 * 48
    for word in ("WAPE", "MASE", "bias %", "80% cover", "s/fit", "seasonal_naive"):
        assert word in res.output


def test_bad_horizon_is_a_usage_error(history_csv: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["forecast", "--history", str(history_csv), "--start", "2024-02-26", "--horizon", "fortnight",
                                    "--out", str(tmp_path / "f.csv")])
    assert res.exit_code == 2 and "horizon" in res.output


def test_bad_data_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("timestamp,calls\n2024-01-01 00:00,1\n2024-01-01 00:30,-4\n")
    res = CliRunner().invoke(main, ["forecast", "--history", str(path), "--start", "2024-01-02", "--out", str(tmp_path / "f.csv")])
    assert res.exit_code == 1 and f"{path}:3: column 'offered'" in res.output


def test_six_to_fifteen_needs_split(tmp_path: Path) -> None:
    times = pd.date_range("2024-01-01", periods=240 * 21, freq="6min")
    path = tmp_path / "six.csv"
    pd.DataFrame({"timestamp": times, "calls": 1}).to_csv(path, index=False)
    args = ["forecast", "--history", str(path), "--start", "2024-01-22", "--horizon", "day", "--interval-minutes", "15",
            "--model", "average4", "--out", str(tmp_path / "f.csv")]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2 and "6-minute" in res.output
    res = CliRunner().invoke(main, [*args, "--split-intervals"])
    assert res.exit_code == 0, res.output
    assert pd.read_csv(tmp_path / "f.csv")["calls"].to_numpy() == pytest.approx(2.5)  # 15/6 calls per 15 min
