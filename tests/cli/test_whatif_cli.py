"""``staffing whatif`` through click's CliRunner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _whatif_helpers import make_forecast
from click.testing import CliRunner

from staffing.cli import main
from staffing.queueing.erlang import required_agents


@pytest.fixture
def forecast_csv(tmp_path: Path) -> Path:
    path = tmp_path / "forecast.csv"
    make_forecast(days=1).drop(columns="queue").to_csv(path, index=False)
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["whatif", *args])
    return result.exit_code, result.stdout, result.stderr


def test_whatif_writes_tables_and_chart(forecast_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = forecast_csv.read_bytes()
    code, stdout, stderr = run(
        "--forecast", str(forecast_csv), "--target-sl", "0.8", "--answer-seconds", "20", "--shrinkage", "0.3",
        "--grid", "target_sl=0.7,0.8,0.9", "--grid", "volume=0.9,1.0,1.1", "--grid", "aht=1.0,+20s",
        "--out-dir", str(out), "--serial",
    )
    assert code == 0, stderr
    assert "18 scenario(s)" in stdout
    assert forecast_csv.read_bytes() == before
    scenarios = pd.read_csv(out / "scenarios.csv")
    intervals = pd.read_csv(out / "intervals.csv")
    assert len(scenarios) == 18 and len(intervals) == 18 * 96
    assert scenarios["is_baseline"].sum() == 1
    # Scenario 12 is target_sl=0.8, volume=1.1, aht=+20s (grid order, last axis fastest).
    row = scenarios.set_index("scenario").loc[12]
    assert (row["target_sl"], row["volume"], row["aht"]) == (0.8, 1.1, "+20s")
    fc = make_forecast(days=1)
    calls = fc["calls"].to_numpy() * 1.1
    aht = np.where(np.isnan(fc["aht_seconds"]), 300.0, fc["aht_seconds"]) + 20
    ref = required_agents(calls, aht, 15, target_sl=0.8, answer_seconds=20, shrinkage=0.3)
    got = intervals[intervals["scenario"] == 12]["agents"].to_numpy()
    np.testing.assert_array_equal(got, np.asarray(ref.agents))
    assert row["agent_hours"] == pytest.approx(np.asarray(ref.agents).sum() / 4)

    html = (out / "whatif.html").read_text()
    assert "Plotly.newPlot" in html
    # Works offline: plotly.js is inlined, no script is fetched from a CDN.
    assert not re.search(r"<script[^>]+src=", html)
    meta = json.loads((out / "sweep.json").read_text())
    assert meta["scenarios"] == 18 and meta["base_targets"]["target_sl"] == 0.8
    assert (out / "daily.csv").is_file()


def test_whatif_help_lists_the_grid_axes() -> None:
    code, stdout, _ = run("--help")
    assert code == 0
    assert "target_sl" in stdout and "--scheduler" in stdout and "+20s" in stdout


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--grid", "speed=1,2"], "an axis among"),
        # The library names grid[target_sl]; the command maps it to the flag the user typed.
        (["--grid", "target_sl=1.5"], "--grid[target_sl]"),
        (["--grid", "aht=-1000s"], "--grid[aht]"),
        (["--grid", "model=erlang-a"], "--grid[scenario 1]"),
        (["--fte-hours", "0"], "--fte-hours"),
        (["--interval-minutes", "-15"], "--interval-minutes"),
        (["--target-sl", "1.5"], "--target-sl"),
        (["--workers", "0"], "workers"),
        (["--scheduler", "nonsense"], "scheduler"),
    ],
)
def test_whatif_usage_errors_exit_2(forecast_csv: Path, tmp_path: Path, extra: list[str], fragment: str) -> None:
    args = ["--forecast", str(forecast_csv), "--answer-seconds", "20", "--out-dir", str(tmp_path / "o")]
    if "--target-sl" not in extra:
        args += ["--target-sl", "0.8"]
    code, _, stderr = run(*args, *extra)
    assert code == 2
    assert stderr.startswith("error: ") and fragment in stderr
    assert not (tmp_path / "o").exists()


def test_whatif_reports_bad_forecast_rows(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("interval_start,calls,aht_seconds\n2026-03-02 09:00,10,180\n2026-03-02 09:15,ten,180\n")
    code, _, stderr = run("--forecast", str(path), "--target-sl", "0.8", "--answer-seconds", "20",
                          "--out-dir", str(tmp_path / "o"))
    assert code == 1
    assert "f.csv:3: column 'calls'" in stderr


def test_whatif_infers_the_interval_length_by_the_project_rule(tmp_path: Path) -> None:
    # A 15-minute day with the night missing (a 6-hour gap) and one stray row at 09:05:
    # steps are 15 min (most of them), 360 min (the gap), 5 and 10 min (the stray row).
    # staffing.tables' rule takes the most common step, 15; the shortest step would be 5.
    fc = make_forecast(days=1).drop(columns="queue")
    fc = fc[fc["interval_start"].dt.hour >= 6]
    stray = pd.DataFrame({"interval_start": [pd.Timestamp("2026-03-02 09:05")], "calls": [0.0],
                          "aht_seconds": [np.nan]})
    path = tmp_path / "gappy.csv"
    pd.concat([fc, stray]).sort_values("interval_start").to_csv(path, index=False)
    code, _, stderr = run("--forecast", str(path), "--target-sl", "0.8", "--answer-seconds", "20",
                          "--serial", "--out-dir", str(tmp_path / "o"))
    assert code == 0, stderr
    assert json.loads((tmp_path / "o" / "sweep.json").read_text())["interval_minutes"] == 15.0


def test_whatif_asks_for_the_interval_length_of_a_single_interval(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("interval_start,calls,aht_seconds\n2026-03-02 09:00,10,180\n")
    code, _, stderr = run("--forecast", str(path), "--target-sl", "0.8", "--answer-seconds", "20",
                          "--out-dir", str(tmp_path / "o"))
    assert code == 2 and "--interval-minutes" in stderr
    # Given the length, one interval is a sweep: 10 calls x 180 s over 15 min = 2 Erlangs.
    # By hand (Cooper's recurrence B(n) = A B(n-1) / (n + A B(n-1)), C = n B / (n - A (1 - B)),
    # SL = 1 - C exp(-(n - A) 20 / 180)): n = 3 gives B 0.2105, C 0.4444, SL 0.602 < 0.8;
    # n = 4 gives B 0.0952, C 0.1739, SL 0.861 >= 0.8, so 4 agents.
    code, _, stderr = run("--forecast", str(path), "--target-sl", "0.8", "--answer-seconds", "20",
                          "--interval-minutes", "15", "--serial", "--out-dir", str(tmp_path / "o"))
    assert code == 0, stderr
    assert pd.read_csv(tmp_path / "o" / "intervals.csv")["agents"].tolist() == [4]


def test_whatif_needs_a_forecast(tmp_path: Path) -> None:
    code, _, stderr = run("--target-sl", "0.8", "--answer-seconds", "20", "--out-dir", str(tmp_path / "o"))
    assert code == 2 and "--forecast" in stderr


def test_intervals_format(forecast_csv: Path, tmp_path: Path) -> None:
    args = ["--forecast", str(forecast_csv), "--target-sl", "0.8", "--answer-seconds", "20",
            "--grid", "volume=0.9,1.1", "--serial"]
    code, _, stderr = run(*args, "--intervals-format", "both", "--out-dir", str(tmp_path / "both"))
    assert code == 0, stderr
    csv = pd.read_csv(tmp_path / "both" / "intervals.csv")
    parquet = pd.read_parquet(tmp_path / "both" / "intervals.parquet")
    assert len(parquet) == len(csv) == 2 * 96
    np.testing.assert_array_equal(parquet["agents"].to_numpy(), csv["agents"].to_numpy())
    code, _, stderr = run(*args, "--intervals-format", "parquet", "--out-dir", str(tmp_path / "pq"))
    assert code == 0, stderr
    assert (tmp_path / "pq" / "intervals.parquet").is_file() and not (tmp_path / "pq" / "intervals.csv").exists()
    files = json.loads((tmp_path / "pq" / "sweep.json").read_text())["files"]
    assert "intervals.parquet" in files and "intervals.csv" not in files


def test_auto_format_switches_to_parquet_for_large_tables(tmp_path: Path) -> None:
    from staffing.io.whatif import write_sweep
    from staffing.queueing.requirements import ServiceTargets
    from staffing.whatif import ScenarioGrid, run_sweep

    result = run_sweep(make_forecast(days=1), ServiceTargets(target_sl=0.8, answer_seconds=20),
                       ScenarioGrid.parse(["volume=0.9,1.1"]), interval_minutes=15)
    names = {p.name for p in write_sweep(result, tmp_path / "small", parquet_min_rows=192)}
    assert "intervals.csv" in names and "intervals.parquet" not in names  # 192 rows: not above the threshold
    names = {p.name for p in write_sweep(result, tmp_path / "large", parquet_min_rows=191)}
    assert "intervals.parquet" in names and "intervals.csv" not in names


def test_plan_roster_is_judged_fixed_under_each_scenario(tmp_path: Path) -> None:
    """``--plan DIR --roster``: the plan's own head count against +0% and +20% volume.

    Expected figures come from the scalar Erlang C reference (tests/_erlang_reference.py,
    an independent per-interval formula): SL(n = scheduled, A = calls x AHT / 3600 s, T = 20 s)
    with the fixture's targets (shrinkage 0), pooled over the week by calls.
    """
    from _erlang_reference import sl_scalar
    from _plan_fixture import coverage_frame, forecast_frame, write_plan

    plan = write_plan(tmp_path / "plan")
    code, _, err = run("--plan", str(plan), "--roster", "--grid", "volume=1.0,1.2", "--out-dir", str(tmp_path / "w"))
    assert code == 0, err
    scenarios = pd.read_csv(tmp_path / "w" / "scenarios.csv")
    cov, fc = coverage_frame(), forecast_frame()
    for factor, row in zip((1.0, 1.2), scenarios.itertuples(), strict=True):
        calls = fc["calls"].to_numpy() * factor
        load = calls * fc["aht_seconds"].to_numpy() / 3600.0
        sl = [sl_scalar(int(n), a, aht, 20.0) if n > a else 0.0
              for n, a, aht in zip(cov["scheduled"], load, fc["aht_seconds"], strict=True)]
        expected = float(np.sum(np.asarray(sl) * calls) / np.sum(calls))
        assert row.scheduled_service_level == pytest.approx(expected, rel=1e-9)
        # The fixed roster's hours do not change with the scenario: 33 agent-hours in the fixture.
        assert row.scheduled_agent_hours == pytest.approx(float(cov["scheduled"].sum()))
