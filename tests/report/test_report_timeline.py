"""The rota timeline in the weekly report: one chart per plan day, traces from ``timeline_frame``.

Hand figures from tests/_plan_fixture.py (hourly, Europe/London, DST on Sun 29 March):
A1 Sat 08:00-16:30 (break 12:00-12:30); B2 Sat 22:00 -> Sun 06:00 (break Sun 03:00-03:30).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from _plan_fixture import write_plan

from staffing.exports.timeline import timeline_frame
from staffing.io.plan import read_plan
from staffing.planning.model import Plan
from staffing.report import ReportInputs, render_report
from staffing.report.timeline import SHORT_RED, SL_GREEN, timeline_chart, timeline_headline

SAT, SUN = pd.Timestamp("2026-03-28"), pd.Timestamp("2026-03-29")


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    return read_plan(write_plan(tmp_path / "plan"))


def _with_service(plan: Plan) -> Plan:
    """One queue (target 80 %): Sat 09:00 at 50 % of 10 calls, Sat 10:00 at 90 % of 10 calls."""
    service = pd.DataFrame({"queue": ["default", "default"], "interval_start": [SAT + pd.Timedelta(hours=9),
                                                                                SAT + pd.Timedelta(hours=10)],
                            "calls": [10.0, 10.0], "service_level": [0.5, 0.9]})
    return dataclasses.replace(plan, service=service)


def _trace(fig: go.Figure, name: str) -> go.Bar | go.Scatter:
    return next(t for t in fig.data if t.name == name)


def test_chart_draws_shifts_breaks_and_shortfall_on_a_wall_clock_axis(plan: Plan) -> None:
    fig = timeline_chart(timeline_frame(plan, SAT))
    shifts, breaks = _trace(fig, "shift"), _trace(fig, "break")
    # Bars start at the wall-clock hour and last to the end: A1 8 -> 16.5, B2 22 -> 30 (06:00 next day).
    assert list(shifts.y) == ["A1", "B2"]
    assert list(shifts.base) == [8.0, 22.0] and list(shifts.x) == [8.5, 8.0]
    # Breaks overlay: A1 12:00-12:30, B2 Sun 03:00-03:30 = 27 h on Saturday's axis.
    assert list(breaks.y) == ["A1", "B2"]
    assert list(breaks.base) == [12.0, 27.0] and list(breaks.x) == [0.5, 0.5]
    # Short bars sit on the scheduled ones: Sat 09:00 (mid 9.5 h) short 1.5 on top of 1 scheduled.
    short = _trace(fig, "short")
    at = list(short.x).index(9.5)
    assert (short.y[at], short.base[at], short.marker.color) == (1.5, 1.0, SHORT_RED)
    # Saturday is short from 00:00 to 21:59 (22 hourly intervals), not from 22:00 when B2 starts.
    assert len(short.x) == 22 and max(short.x) == 21.5
    # Axis runs to 30 h, labelled past midnight with (+1); no service panel without service.
    assert fig.layout.xaxis.range == (0, 30.0)
    assert fig.layout.xaxis.ticktext[-1] == "06:00 (+1)"
    assert "yaxis3" not in fig.layout.to_plotly_json()


def test_chart_service_panel_flags_intervals_below_target(plan: Plan) -> None:
    fig = timeline_chart(timeline_frame(_with_service(plan), SAT))
    sl = _trace(fig, "projected SL")
    nine, ten = list(sl.x).index(9.5), list(sl.x).index(10.5)
    assert (sl.y[nine], sl.marker.color[nine]) == (50.0, SHORT_RED)
    assert (sl.y[ten], sl.marker.color[ten]) == (90.0, SL_GREEN)
    assert sl.yaxis == "y3"


def test_headline_counts_the_day_only(plan: Plan) -> None:
    # Saturday: every hour 00-21 short (22 intervals), 24.5 agent-hours (tests/exports/test_timeline.py).
    assert timeline_headline(timeline_frame(plan, SAT)) == "22 intervals short, 24.50 agent-hours"
    # Sunday: 06-11, 13, 17, 18, 20-23 short = 13 intervals, 12.5 agent-hours.
    assert timeline_headline(timeline_frame(plan, SUN)) == "13 intervals short, 12.50 agent-hours"
    # With service: the worst interval is Sat 09:00 at 50 %, the only one below the 80 % target.
    assert timeline_headline(timeline_frame(_with_service(plan), SAT)) == (
        "22 intervals short, 24.50 agent-hours; lowest projected SL 50.0 % at 09:00, 1 interval below target")


def test_report_has_one_timeline_chart_per_day_listed_for_the_browser_check(plan: Plan) -> None:
    html = render_report(ReportInputs(plan=plan))
    ids = ["chart-timeline-2026-03-28", "chart-timeline-2026-03-29"]  # the fixture's two days
    charts = re.search(r'<body data-charts="([^"]*)"', html)
    assert charts is not None
    assert [c for c in charts.group(1).split() if c.startswith("chart-timeline")] == ids
    for chart_id in ids:
        assert f'id="{chart_id}" class="chart"' in html
        assert f'id="{chart_id}-panel"' in html
    # Saturday's tab is shown first, Sunday's panel hidden until its tab is clicked.
    assert '<div class="tab-panel" id="chart-timeline-2026-03-28-panel"' in html
    assert '<div class="tab-panel hidden" id="chart-timeline-2026-03-29-panel"' in html
    assert "Sat 28 Mar: 22 intervals short, 24.50 agent-hours" in html
    assert "so the service-level panel is left out" in html  # the fixture has no service.csv
    assert "so the service-level panel is left out" not in render_report(ReportInputs(plan=_with_service(plan)))
