"""Fault catalogue, plan side: each bad or awkward input gets a located error with the right
exit code, or the correct figure (issue "every figure trustworthy").

Inputs are built in each test. Exit codes: 1 the run or data failed, 2 usage or config.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
from _plan_fixture import ROSTER_ROWS, forecast_frame, write_plan
from click.testing import CliRunner, Result

from staffing.cli import main
from staffing.exports.workbook import build_workbook
from staffing.io.plan import read_plan
from staffing.io.plan import write_plan as write_plan_dir


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _actuals(stamps: pd.DatetimeIndex, path: Path, *, names: tuple[str, str, str] = ("interval_start", "offered",
                                                                                      "aht_seconds")) -> Path:
    frame = pd.DataFrame({names[0]: stamps.strftime("%Y-%m-%d %H:%M"), names[1]: 10, names[2]: 300.0})
    frame.to_csv(path, index=False)
    return path


def _fixture_hours() -> pd.DatetimeIndex:
    return pd.DatetimeIndex(forecast_frame()["interval_start"])


def test_coarser_actuals_are_refused_naming_the_flag(tmp_path: Path) -> None:
    plan = write_plan(tmp_path / "plan")  # hourly plan
    two_hourly = pd.date_range("2026-03-28 00:00", "2026-03-29 22:00", freq="2h")
    result = run("evaluate", "--plan", str(plan), "--actuals", str(_actuals(two_hourly, tmp_path / "a.csv")),
                 "--replications", "1", "--out-dir", str(tmp_path / "e"))
    assert result.exit_code == 2
    assert "invalid --actuals='120-minute intervals'" in result.stderr
    assert not (tmp_path / "e").exists()


def test_actuals_of_another_week_are_refused(tmp_path: Path) -> None:
    plan = write_plan(tmp_path / "plan")
    other = _fixture_hours() + pd.Timedelta(days=7)
    result = run("evaluate", "--plan", str(plan), "--actuals", str(_actuals(other, tmp_path / "a.csv")),
                 "--replications", "1", "--out-dir", str(tmp_path / "e"))
    assert result.exit_code == 2
    assert "--actuals" in result.stderr and "open interval(s) outside them" in result.stderr


def test_evaluate_reads_actuals_like_forecast_does(tmp_path: Path) -> None:
    """``timestamp,calls,aht_sec`` (aliases ``staffing forecast`` recognises) is accepted; the
    48 hourly rows of 10 calls give 470 actual calls over the plan's 47 intervals (the
    nonexistent 01:00 of the DST Sunday has no plan interval: the fixture's 2 days x 24 - 1)."""
    plan = write_plan(tmp_path / "plan")
    hours = _fixture_hours()
    path = _actuals(hours, tmp_path / "a.csv", names=("timestamp", "calls", "aht_sec"))
    result = run("evaluate", "--plan", str(plan), "--actuals", str(path), "--replications", "1",
                 "--out-dir", str(tmp_path / "e"))
    assert result.exit_code == 0, result.stderr
    intervals = pd.read_csv(tmp_path / "e" / "intervals.csv")
    assert len(intervals) == 47
    assert intervals["actual_calls"].sum() == 470.0


def _roster_inputs(tmp_path: Path) -> tuple[Path, Path]:
    req = pd.DataFrame({"interval_start": pd.date_range("2026-03-23 08:00", periods=32, freq="15min")
                        .strftime("%Y-%m-%dT%H:%M"), "agents": 1.0})
    req.to_csv(tmp_path / "req.csv", index=False)
    pd.DataFrame({"agent_id": ["A1", "B2"], "min_hours": [0, 0], "max_hours": [40, 40]}).to_csv(
        tmp_path / "agents.csv", index=False)
    return tmp_path / "req.csv", tmp_path / "agents.csv"


def test_previous_roster_of_another_week_is_refused(tmp_path: Path) -> None:
    req, agents = _roster_inputs(tmp_path)
    # Shifts of 2026-03-02, three weeks before the week of 2026-03-23.
    pd.DataFrame({"agent_id": ["A1"], "shift_start": ["2026-03-02T08:00"], "shift_end": ["2026-03-02T16:00"],
                  "paid_minutes": [480], "breaks": [""]}).to_csv(tmp_path / "prev.csv", index=False)
    result = run("roster", "--requirements", str(req), "--agents", str(agents), "--week-start", "2026-03-23",
                 "--previous-roster", str(tmp_path / "prev.csv"), "--out-dir", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "invalid --previous-roster='shifts from 2026-03-02 to 2026-03-02'" in result.stderr
    assert "2026-03-16 .. 2026-03-22" in result.stderr


def test_previous_roster_of_another_team_is_refused(tmp_path: Path) -> None:
    req, agents = _roster_inputs(tmp_path)
    pd.DataFrame({"agent_id": ["Z9"], "shift_start": ["2026-03-20T08:00"], "shift_end": ["2026-03-20T16:00"],
                  "paid_minutes": [480], "breaks": [""]}).to_csv(tmp_path / "prev.csv", index=False)
    result = run("roster", "--requirements", str(req), "--agents", str(agents), "--week-start", "2026-03-23",
                 "--previous-roster", str(tmp_path / "prev.csv"), "--out-dir", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "invalid --previous-roster='agents Z9'" in result.stderr


def test_formula_like_agent_ids_are_neutralised_in_csv_and_workbook(tmp_path: Path) -> None:
    """OWASP CSV injection: ``=``, ``+``, ``-``, ``@`` at the start of a text cell."""
    evil = ["=1+1", "+SUM(A1)", "-2+3", "@cmd"]
    rows = [(name, *ROSTER_ROWS[0][1:]) for name in evil]
    plan = read_plan(write_plan(tmp_path / "plan", roster_rows=rows))
    write_plan_dir(plan, tmp_path / "out")
    text = (tmp_path / "out" / "roster.csv").read_text().splitlines()
    assert sorted(line.split(",")[0] for line in text[1:]) == sorted("'" + name for name in evil)
    # The tool reads its own quoting back: the ids are unchanged.
    assert sorted(read_plan(tmp_path / "out").roster["agent_id"]) == sorted(evil)
    book = openpyxl.load_workbook(io.BytesIO(build_workbook(plan)))
    cells = [c for row in book["Rota"].iter_rows(min_row=2, max_col=1) for c in row if c.value]
    assert sorted(c.value for c in cells) == sorted(evil)
    assert {c.data_type for c in cells} == {"s"}  # text, not formulas ("f")


def test_unreadable_ics_in_the_export_folder_is_named(tmp_path: Path) -> None:
    plan = write_plan(tmp_path / "plan")
    folder = tmp_path / "ics"
    folder.mkdir()
    (folder / "A1.ics").write_bytes(b"this is not a calendar")
    result = run("export", "--plan", str(plan), "--format", "ics", "--out", str(folder))
    assert result.exit_code == 1
    assert "A1.ics" in result.stderr and "cannot be read as the previous iCalendar export" in result.stderr
    assert (folder / "A1.ics").read_bytes() == b"this is not a calendar"


def test_a_plans_own_files_over_the_autumn_change_read_back(tmp_path: Path) -> None:
    """The tool reads back every file it writes: a plan's naive local forecast.csv of the
    autumn change (Europe/London, 2026-10-25: 01:00-01:45 occur twice) carries each row's UTC
    offset, so `staffing requirements` reads 16 distinct quarter-hours for 00:00-03:00 local
    (4 + 4 BST + 4 GMT + 4: three wall-clock hours plus the repeated one), and the roster
    reader of its requirements.csv sees each of the 12 wall-clock quarter-hours once."""
    import datetime as dt

    from staffing.io.roster import read_requirements_for_roster
    from staffing.planning.model import Plan, PlanMeta
    from staffing.tables import UTC_OFFSET_COLUMN, to_wall_with_offset

    instants = pd.date_range("2026-10-24 23:00", periods=16, freq="15min", tz="UTC").tz_convert("Europe/London")
    assert str(instants[0]) == "2026-10-25 00:00:00+01:00"
    forecast = to_wall_with_offset(pd.DataFrame({"interval_start": instants, "calls": 10.0, "aht_seconds": 180.0}))
    requirements = forecast.assign(load_erlangs=2.0, agents=4.0)
    coverage = pd.DataFrame({"interval_start": pd.date_range("2026-10-25", periods=12, freq="15min"),
                             "required": 4.0, "scheduled": 4.0, "under": 0.0, "over": 0.0})
    plan = Plan(meta=PlanMeta(week_start=dt.date(2026, 10, 19), interval_minutes=15, timezone="Europe/London"),
                roster=pd.DataFrame(columns=["agent_id", "shift_start", "shift_end", "paid_minutes", "breaks"]),
                coverage=coverage, forecast=forecast, requirements=requirements)
    write_plan_dir(plan, tmp_path / "p")
    assert UTC_OFFSET_COLUMN in (tmp_path / "p" / "forecast.csv").read_text().splitlines()[0]
    result = run("requirements", "--forecast", str(tmp_path / "p" / "forecast.csv"), "--target-sl", "0.8",
                 "--answer-seconds", "20", "--out", str(tmp_path / "req.csv"))
    assert result.exit_code == 0, result.stderr
    assert len(pd.read_csv(tmp_path / "req.csv")) == 16
    table = read_requirements_for_roster(tmp_path / "p" / "requirements.csv")
    assert len(table) == 12
    assert read_plan(tmp_path / "p").forecast is not None
