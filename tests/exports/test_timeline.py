"""The day timeline (``timeline_frame``) and the workbook's Timeline sheet, against hand-computed cells.

Fixture (tests/_plan_fixture.py), hourly intervals, Europe/London, clocks forward at
01:00 on Sun 29 March (local 01:00 of the 29th does not exist):

* A1 Sat 08:00-16:30, break 12:00-12:30; Sun 08:00-16:30, breaks 12:00-12:30 and 14:30-14:45;
* B2 Sat 22:00 -> Sun 06:00, break Sun 03:00-03:30;
* C3 Sun 12:00-20:00, no break.

An hourly cell ``[t, t + 1 h)`` is a break when a break overlaps it, else worked when the
shift overlaps it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from _plan_fixture import write_plan

from staffing.exports import build_workbook
from staffing.exports.timeline import (
    BREAK,
    BREAK_COLOUR,
    OFF,
    WORK,
    WORK_COLOUR,
    clock_label,
    timeline_days,
    timeline_frame,
)
from staffing.exports.workbook import MISSING_GREY, RED
from staffing.io.plan import read_plan
from staffing.planning.model import Plan, PlanMeta
from staffing.queueing.requirements import ServiceTargets

SAT, SUN = pd.Timestamp("2026-03-28"), pd.Timestamp("2026-03-29")


def _at(day: pd.Timestamp, *hours: int) -> list[pd.Timestamp]:
    return [day + pd.Timedelta(hours=h) for h in hours]


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    return read_plan(write_plan(tmp_path / "plan"))


def with_service(plan: Plan) -> Plan:
    """The fixture plus projected service of two queues on Saturday 09:00-11:00.

    ``default`` (target 80 %) and ``sales`` (target 90 %):

    * 09:00 default 10 calls at 50 %, sales 30 calls at 90 % -> SL (5 + 27) / 40 = 0.8,
      target (8 + 27) / 40 = 0.875, below target (default 0.5 < 0.8);
    * 10:00 default 10 calls at 85 %, sales 0 calls (SL 1, vacuous) -> SL 0.85, target 0.8, not below;
    * 11:00 no calls in either queue -> no service level.
    """
    rows = [("default", "2026-03-28 09:00", 10.0, 0.5), ("sales", "2026-03-28 09:00", 30.0, 0.9),
            ("default", "2026-03-28 10:00", 10.0, 0.85), ("sales", "2026-03-28 10:00", 0.0, 1.0),
            ("default", "2026-03-28 11:00", 0.0, 1.0), ("sales", "2026-03-28 11:00", 0.0, 1.0)]
    service = pd.DataFrame(rows, columns=["queue", "interval_start", "calls", "service_level"])
    service["interval_start"] = pd.to_datetime(service["interval_start"])
    meta = plan.meta.model_copy(update={"queue_targets": {
        "default": ServiceTargets(target_sl=0.8, answer_seconds=20),
        "sales": ServiceTargets(target_sl=0.9, answer_seconds=20)}})
    return dataclasses.replace(plan, meta=meta, service=service)


# ----------------------------------------------------------------------------- timeline_frame


def test_days_are_the_plan_days_with_intervals_or_shifts(plan: Plan) -> None:
    # Coverage and shifts only exist on Sat 28 and Sun 29 of the week of Mon 23 March.
    assert timeline_days(plan) == [SAT, SUN]


def test_clock_labels_run_past_midnight() -> None:
    assert clock_label(8.5) == "08:30"
    assert clock_label(24.0) == "00:00 (+1)"
    assert clock_label(30.0) == "06:00 (+1)"


def test_saturday_cells_with_the_night_shift_across_the_dst_change(plan: Plan) -> None:
    tl = timeline_frame(plan, SAT)
    # B2's shift ends Sun 06:00 = 30 wall-clock hours after Sat midnight; the axis has
    # Sat 00..23, Sun 00, then 02..05 (Sun 01:00 does not exist): 24 + 1 + 4 = 29 intervals.
    assert tl.end_hours == 30.0
    assert list(tl.cells.columns) == _at(SAT, *range(24)) + _at(SUN, 0, 2, 3, 4, 5)
    assert list(tl.intervals["hours"]) == [*range(25), 26, 27, 28, 29]
    # Rows by shift start: A1 (08:00) above B2 (22:00); C3 does not start on Saturday.
    assert list(tl.cells.index) == ["A1", "B2"]
    assert list(tl.shifts["label"]) == ["08:00-16:30", "22:00-06:00 (+1)"]
    assert list(tl.shifts["start_hours"]) == [8.0, 22.0]
    assert list(tl.shifts["end_hours"]) == [16.5, 30.0]
    assert list(tl.shifts["first_interval"]) == _at(SAT, 8, 22)

    a1 = tl.cells.loc["A1"]
    # 08:00-16:30 touches the hours 08..16; the break 12:00-12:30 lies in the 12:00 hour.
    assert list(a1[a1 == WORK].index) == _at(SAT, 8, 9, 10, 11, 13, 14, 15, 16)
    assert list(a1[a1 == BREAK].index) == _at(SAT, 12)
    assert a1[SAT + pd.Timedelta(hours=17)] == OFF  # the shift ended at 16:30
    b2 = tl.cells.loc["B2"]
    # 22:00 -> 06:00 wall time: Sat 22, 23, Sun 00, 02, 04, 05 worked; the break Sun 03:00-03:30.
    assert list(b2[b2 == WORK].index) == _at(SAT, 22, 23) + _at(SUN, 0, 2, 4, 5)
    assert list(b2[b2 == BREAK].index) == _at(SUN, 3)


def test_saturday_need_and_shortfall_come_from_coverage(plan: Plan) -> None:
    tl = timeline_frame(plan, SAT)
    iv = tl.intervals
    # Fixture coverage: Sat 09:00 required 2.5, scheduled 1 (A1) -> short 1.5.
    assert iv.loc[SAT + pd.Timedelta(hours=9), ["required", "scheduled", "short"]].tolist() == [2.5, 1.0, 1.5]
    # Sat 17:00: required 2, nobody -> short 2; Sat 22:00: B2 covers the 1 required.
    assert iv.loc[SAT + pd.Timedelta(hours=17), "short"] == 2.0
    assert iv.loc[SAT + pd.Timedelta(hours=22), "short"] == 0.0
    # Sun 02:00 on Saturday's axis (position 26 h) is Sunday's coverage row: 1 required, B2 on.
    assert iv.loc[SUN + pd.Timedelta(hours=2), ["hours", "required", "scheduled"]].tolist() == [26.0, 1.0, 1.0]
    # Saturday's own 24 hours short: 00-07 8 x 1, 08 1, 09 1.5, 10-16 7 x 1, 17-18 2 x 2,
    # 19-21 3 x 1, 22-23 0 -> 24.5 agent-hours (the Sunday morning on the axis is not counted).
    assert tl.short_agent_hours == 24.5
    # The fixture has no service.csv: no service columns to show.
    assert not tl.has_service
    assert iv["service_level"].isna().all() and not iv["below_target"].any()


def test_sunday_is_a_23_hour_day_with_two_breaks(plan: Plan) -> None:
    tl = timeline_frame(plan, SUN)
    assert tl.end_hours == 24.0
    assert list(tl.cells.columns) == _at(SUN, 0, *range(2, 24))  # 01:00 skipped: 23 intervals
    assert list(tl.cells.index) == ["A1", "C3"]
    a1, c3 = tl.cells.loc["A1"], tl.cells.loc["C3"]
    # Breaks 12:00-12:30 and 14:30-14:45 mark the 12:00 and 14:00 hours.
    assert list(a1[a1 == BREAK].index) == _at(SUN, 12, 14)
    assert list(a1[a1 == WORK].index) == _at(SUN, 8, 9, 10, 11, 13, 15, 16)
    assert list(c3[c3 == WORK].index) == _at(SUN, *range(12, 20))
    # 06-07 2 x 1, 08-11 4 x 1, 13:00 0.5, 17-18 2 x 1, 20-23 4 x 1 -> 12.5 agent-hours.
    assert tl.short_agent_hours == 12.5


def test_projected_service_is_call_weighted_over_queues(plan: Plan) -> None:
    tl = timeline_frame(with_service(plan), SAT)
    iv = tl.intervals
    assert tl.has_service
    nine, ten, eleven = _at(SAT, 9, 10, 11)
    # Hand computation in with_service's docstring.
    assert iv.loc[nine, "service_level"] == pytest.approx(0.8)
    assert iv.loc[nine, "target_sl"] == pytest.approx(0.875)
    assert iv.loc[nine, "calls"] == 40.0
    assert bool(iv.loc[nine, "below_target"])
    assert iv.loc[ten, "service_level"] == pytest.approx(0.85)
    assert iv.loc[ten, "target_sl"] == pytest.approx(0.8)
    assert not bool(iv.loc[ten, "below_target"])
    assert np.isnan(iv.loc[eleven, "service_level"])
    assert not bool(iv.loc[eleven, "below_target"])
    assert np.isnan(iv.loc[SAT + pd.Timedelta(hours=12), "service_level"])  # no service row at all


def test_autumn_repeated_hour_is_one_column_showing_the_thinner_occurrence() -> None:
    # Sun 25 Oct 2026, Europe/London: 01:00-02:00 happens twice (BST, then GMT); naive
    # coverage has two 01:00 rows. The merged cell keeps the larger need and the fewer agents.
    day = pd.Timestamp("2026-10-25")
    stamps = [day + pd.Timedelta(hours=h) for h in (0, 1, 1, *range(2, 24))]
    required = [1.0, 1.0, 3.0] + [1.0] * 22
    scheduled = [1.0, 1.0, 1.0, 1.0, 1.0] + [0.0] * 20
    coverage = pd.DataFrame({"interval_start": stamps, "required": required, "scheduled": scheduled})
    coverage["under"] = (coverage["required"] - coverage["scheduled"]).clip(lower=0)
    coverage["over"] = (coverage["scheduled"] - coverage["required"]).clip(lower=0)
    roster = pd.DataFrame({"agent_id": ["N1"], "shift_start": [day], "shift_end": [day + pd.Timedelta(hours=4)],
                           "paid_minutes": [240.0], "breaks": [()]})
    plan = Plan(meta=PlanMeta(week_start=dt.date(2026, 10, 19), interval_minutes=60, timezone="Europe/London"),
                roster=roster, coverage=coverage)
    tl = timeline_frame(plan, day)
    assert list(tl.cells.columns) == _at(day, *range(24))  # wall clock: 01:00 once
    assert list(tl.cells.loc["N1"]) == [WORK] * 4 + [OFF] * 20
    assert tl.intervals.loc[day + pd.Timedelta(hours=1), ["required", "scheduled", "short"]].tolist() == [3.0, 1.0, 2.0]


# ----------------------------------------------------------------------------- Timeline sheet


def _rgb(colour: str) -> str:
    return "FF" + colour.lstrip("#").upper()


def _fill(cell: object) -> str | None:
    fill = cell.fill  # type: ignore[attr-defined]
    return fill.fgColor.rgb if fill.fill_type == "solid" else None


def _sheet(plan: Plan) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(build_workbook(plan)))["Timeline"]


# Column of a wall-clock hour h: A = agent, B = shift text, C = 00:00 -> column 3 + h.
def _col(hours: int) -> int:
    return 3 + hours


def test_timeline_sheet_cells_match_the_hand_computation(plan: Plan) -> None:
    ws = _sheet(plan)
    assert ws.freeze_panes == "C2"
    # Header: one column per wall-clock hour 00:00 .. 05:00 (+1) (B2 runs to Sun 06:00).
    assert [ws.cell(1, c).value for c in (1, 2, _col(0), _col(8), _col(24), _col(29))] == [
        "Agent", "Shift", "00:00", "08:00", "00:00 (+1)", "05:00 (+1)"]
    assert ws.cell(1, _col(30)).value is None
    # Saturday block: title row 2, A1 row 3, B2 row 4, then required/scheduled/short/projected SL.
    assert ws.cell(2, 1).value == "Sat 2026-03-28"
    assert ws.cell(2, 2).value == "24.50 agent-hours short"  # see the timeline_frame test
    assert [ws.cell(r, 1).value for r in range(3, 9)] == ["A1", "B2", "required", "scheduled", "short",
                                                           "projected SL"]
    assert ws.cell(3, 2).value == "08:00-16:30"
    assert ws.cell(4, 2).value == "22:00-06:00 (+1)"
    # A1: first worked hour labelled with the start time; 12:00 break; 16:00 worked; 17:00 off.
    assert (ws.cell(3, _col(8)).value, _fill(ws.cell(3, _col(8)))) == ("08:00", _rgb(WORK_COLOUR))
    assert (ws.cell(3, _col(12)).value, _fill(ws.cell(3, _col(12)))) == (None, _rgb(BREAK_COLOUR))
    assert _fill(ws.cell(3, _col(16))) == _rgb(WORK_COLOUR)
    assert _fill(ws.cell(3, _col(7))) is None and _fill(ws.cell(3, _col(17))) is None
    # B2: 22:00 labelled; Sun 00:00 worked; Sun 01:00 does not exist (grey); Sun 03:00 break.
    assert (ws.cell(4, _col(22)).value, _fill(ws.cell(4, _col(22)))) == ("22:00", _rgb(WORK_COLOUR))
    assert _fill(ws.cell(4, _col(24))) == _rgb(WORK_COLOUR)
    assert _fill(ws.cell(4, _col(25))) == _rgb(MISSING_GREY)
    assert _fill(ws.cell(4, _col(27))) == _rgb(BREAK_COLOUR)
    # Sat 09:00: required 2.5, scheduled 1, short 1.5 in red; 22:00 short 0 unfilled.
    assert [ws.cell(r, _col(9)).value for r in (5, 6, 7)] == [2.5, 1, 1.5]
    assert _fill(ws.cell(7, _col(9))) == _rgb(RED)
    assert ws.cell(7, _col(22)).value == 0 and _fill(ws.cell(7, _col(22))) is None
    assert ws.cell(8, 2).value == "not in the plan"  # no service.csv in the fixture
    # Sunday block after one blank row: title 10, A1 11, C3 12.
    assert [ws.cell(r, 1).value for r in (9, 10, 11, 12)] == [None, "Sun 2026-03-29", "A1", "C3"]
    assert _fill(ws.cell(11, _col(1))) == _rgb(MISSING_GREY)  # Sun 01:00 skipped by the DST change
    assert _fill(ws.cell(11, _col(14))) == _rgb(BREAK_COLOUR)  # break 14:30-14:45
    assert (ws.cell(12, _col(12)).value, _fill(ws.cell(12, _col(12)))) == ("12:00", _rgb(WORK_COLOUR))
    assert ws.cell(15, _col(13)).value == 0.5 and _fill(ws.cell(15, _col(13))) == _rgb(RED)  # Sun 13:00 short
    # Sunday's day has no columns past 24:00: nothing written there.
    assert ws.cell(11, _col(24)).value is None and _fill(ws.cell(11, _col(24))) is None


def test_timeline_sheet_projected_service_in_red_below_target(plan: Plan) -> None:
    ws = _sheet(with_service(plan))
    assert ws.cell(8, 1).value == "projected SL" and ws.cell(8, 2).value is None
    # 09:00 call-weighted 80 %, below target (default queue at 50 %); 10:00 85 % meets 80 %.
    nine, ten, eleven = ws.cell(8, _col(9)), ws.cell(8, _col(10)), ws.cell(8, _col(11))
    assert (nine.value, nine.number_format, _fill(nine)) == (0.8, "0%", _rgb(RED))
    assert (ten.value, _fill(ten)) == (0.85, None)
    assert eleven.value is None  # no calls: no service level
