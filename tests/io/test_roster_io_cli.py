"""Readers, config validation and the ``staffing roster`` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from _roster_helpers import WEEK, requirement
from click.testing import CliRunner

import staffing
from staffing.cli import main
from staffing.errors import ConfigError, DataError
from staffing.io.roster import read_agents, read_roster, read_roster_rules
from staffing.roster import RosterRules, check_roster

CONFIG = """
roster:
  shift_lengths_hours: [8]
  start_granularity_minutes: 60
  earliest_start: "06:00"
  latest_start: "22:00"
  breaks:
    - {name: lunch, min_shift_hours: 6, duration_minutes: 30, paid: false, window_start_hours: 3, window_end_hours: 5}
"""


def _write_inputs(tmp: Path) -> tuple[Path, Path, Path]:
    req = requirement(("2024-03-04 08:00", "2024-03-04 20:00", 1.5), ("2024-03-05 08:00", "2024-03-05 16:00", 1.0))
    req_path, agents_path, config_path = tmp / "req.csv", tmp / "agents.csv", tmp / "c.yaml"
    req.to_csv(req_path, index=False)
    agents_path.write_text("agent_id,min_hours,max_hours,max_days,shift_lengths,unavailable\n"
                           "A1,0,40,,8,2024-03-06\n"
                           "A2,0,40,5,,2024-03-07T12:00/2024-03-07T18:00\n")
    config_path.write_text(CONFIG)
    return req_path, agents_path, config_path


def test_cli_writes_plan_files_that_pass_the_checker(tmp_path: Path) -> None:
    req_path, agents_path, config_path = _write_inputs(tmp_path)
    out = tmp_path / "plan"
    result = CliRunner().invoke(main, ["roster", "--requirements", str(req_path), "--agents", str(agents_path),
                                       "--config", str(config_path), "--week-start", "2024-03-04",
                                       "--out-dir", str(out), "--time-limit", "20"])
    assert result.exit_code == 0, result.output
    roster = read_roster(out / "roster.csv")
    assert list(pd.read_csv(out / "roster.csv").columns) == ["agent_id", "shift_start", "shift_end", "paid_minutes", "breaks"]
    assert check_roster(roster, read_agents(agents_path), read_roster_rules(config_path), WEEK) == []
    coverage = pd.read_csv(out / "coverage.csv")
    assert list(coverage.columns) == ["interval_start", "required", "scheduled", "under", "over"]
    summary = json.loads((out / "summary.json").read_text())
    for key in ("under_staffed_agent_hours", "under_staffed_peak_agent_hours", "over_staffed_agent_hours",
                "lower_bound", "gap", "solve_seconds", "solver_status", "rules_bent"):
        assert key in summary
    assert summary["rules_bent"] == []
    # under-staffing in summary equals the coverage file's under column x 0.25 h
    assert summary["under_staffed_agent_hours"] == pytest.approx(coverage["under"].sum() * 0.25, abs=1e-3)
    ledger = pd.read_csv(out / "agents.csv")
    assert set(ledger["agent_id"]) == {"A1", "A2"}


def test_cli_bad_config_key_names_file_and_key(tmp_path: Path) -> None:
    req_path, agents_path, config_path = _write_inputs(tmp_path)
    config_path.write_text("roster:\n  min_rest_hours: -3\n")
    result = CliRunner().invoke(main, ["roster", "--requirements", str(req_path), "--agents", str(agents_path),
                                       "--config", str(config_path), "--week-start", "2024-03-04",
                                       "--out-dir", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "c.yaml" in result.output and "min_rest_hours" in result.output


def test_rules_forbid_unknown_keys_and_overlapping_breaks(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("roster:\n  min_rest_hour: 11\n")
    with pytest.raises(ConfigError) as err:
        read_roster_rules(path)
    assert err.value.key == "roster.min_rest_hour"
    with pytest.raises(ValueError, match="overlap"):
        RosterRules.model_validate({"breaks": [
            {"name": "a", "min_shift_hours": 6, "duration_minutes": 30, "paid": False,
             "window_start_hours": 3, "window_end_hours": 5},
            {"name": "b", "min_shift_hours": 6, "duration_minutes": 15, "paid": True,
             "window_start_hours": 4, "window_end_hours": 6}]})


def test_read_agents_reports_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "agents.csv"
    path.write_text("agent_id,min_hours,max_hours,unavailable\nA1,10,5,\nA2,0,40,2024-13-01\n")
    with pytest.raises(DataError) as err:
        read_agents(path)
    text = str(err.value)
    assert f"{path}:2: column 'max_hours'" in text
    assert f"{path}:3: column 'unavailable'" in text


def test_read_agents_parses_days_and_windows(tmp_path: Path) -> None:
    path = tmp_path / "agents.csv"
    path.write_text("agent_id,min_hours,max_hours,shift_lengths,unavailable\n"
                    "A1,20,30,8;9,2024-03-05;2024-03-07T12:00/2024-03-07T18:00\n")
    (a,) = read_agents(path)
    assert a.shift_lengths_hours == (8.0, 9.0)
    assert a.unavailable == ((pd.Timestamp("2024-03-05"), pd.Timestamp("2024-03-06")),
                             (pd.Timestamp("2024-03-07 12:00"), pd.Timestamp("2024-03-07 18:00")))


def test_cli_stdout_has_no_solver_banner_and_names_the_shortfall(tmp_path: Path) -> None:
    """A fresh process (HiGHS prints its banner once per process, from compiled code to
    file descriptor 1, which neither CliRunner nor an earlier test in this process would
    show): stdout carries the command's output only; the banner goes to stderr."""
    req_path, agents_path = tmp_path / "req.csv", tmp_path / "agents.csv"
    requirement(("2024-03-04 00:00", "2024-03-11 00:00", 1.0)).to_csv(req_path, index=False)
    agents_path.write_text("agent_id,min_hours,max_hours\nA1,0,40\n")
    config_path = tmp_path / "c.yaml"
    config_path.write_text(CONFIG.replace('earliest_start: "06:00"', 'earliest_start: "00:00"')
                           .replace('latest_start: "22:00"', 'latest_start: "23:00"'))
    root = str(Path(staffing.__file__).resolve().parents[1])  # this checkout, not another install
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "staffing", "roster", "--requirements", str(req_path),
                           "--agents", str(agents_path), "--config", str(config_path), "--week-start", "2024-03-04",
                           "--out-dir", str(tmp_path / "out"), "--time-limit", "20"],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "HiGHS" not in done.stdout and "Running" not in done.stdout and "Copyright" not in done.stdout
    assert "Running HiGHS" in done.stderr  # the banner was printed, and kept off stdout
    lines = done.stdout.splitlines()
    # 1 agent round the clock: 168 agent-h; one agent works at most 5 days x 7.5 paid h
    # (8 h shifts, unpaid 30-min lunch, 2 days off) = 37.5 h: 130.5 h short.
    assert lines[0].startswith("understaffed: 5 shifts, under 130.5 agent-h")
    assert lines[1] == "  capacity: required 168.0 agent-h, the team can work at most 37.5 h: 130.5 h short"
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["status"] == "understaffed"
    assert summary["capacity"]["shortfall_agent_hours"] == pytest.approx(130.5)
    assert summary["capacity"]["problems"] == ["required 168.0 agent-h, the team can work at most 37.5 h: 130.5 h short"]
