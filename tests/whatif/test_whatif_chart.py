"""The what-if page: a sweep's summary on the report's scenario page (cost vs service level)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _whatif_helpers import INTERVAL_MINUTES, fixed_headcount, make_forecast

from staffing.errors import InvalidArgumentError
from staffing.queueing.requirements import ServiceTargets
from staffing.report import render_scenarios
from staffing.report.charts import efficient_frontier, scenario_chart
from staffing.whatif import ScenarioGrid, SweepResult, run_sweep

BASE = ServiceTargets(target_sl=0.8, answer_seconds=20, shrinkage=0.25, patience_seconds=120)
GRID = ScenarioGrid.parse(["target_sl=0.7,0.8,0.9", "model=erlang-c,erlang-a", "patience_seconds=120"])


@pytest.fixture(scope="module")
def sweep() -> SweepResult:
    return run_sweep(make_forecast(days=1), BASE, GRID, interval_minutes=INTERVAL_MINUTES)


def test_efficient_frontier_keeps_only_undominated_points() -> None:
    cost = np.array([100.0, 120.0, 110.0, 130.0, 105.0, 140.0])
    sl = np.array([0.70, 0.80, 0.85, 0.84, 0.60, np.nan])
    # By hand: sorted by cost 100(.70) 105(.60) 110(.85) 120(.80) 130(.84) 140(nan);
    # each kept point beats every cheaper one: 100 and 110 only.
    assert efficient_frontier(cost, sl).tolist() == [0, 2]


def test_chart_has_a_series_and_a_frontier_per_model() -> None:
    summary = pd.DataFrame({
        "scenario": ["1", "2", "3", "4"], "model": ["erlang-c", "erlang-c", "erlang-a", "erlang-a"],
        "agent_hours": [1000.0, 1100.0, 950.0, 1040.0], "service_level": [0.82, 0.91, 0.85, 0.84],
        "target_sl": [0.8, 0.9, 0.8, 0.9],
    })
    fig = scenario_chart(summary, ["model", "target_sl"])
    traces = {t.name: t for t in fig.data}
    assert list(traces) == ["erlang-a", "erlang-a: efficient frontier", "erlang-c", "erlang-c: efficient frontier"]
    assert list(traces["erlang-c"].x) == [1000.0, 1100.0]
    # Erlang A: scenario 4 costs more than 3 for a lower SL, so the frontier is scenario 3 alone.
    assert list(traces["erlang-a: efficient frontier"].x) == [950.0]
    assert list(traces["erlang-c: efficient frontier"].y) == pytest.approx([82.0, 91.0])
    # Hover names each scenario's parameters.
    assert traces["erlang-a"].text[1] == "scenario = 4<br>model = erlang-a<br>target_sl = 0.9"


def test_scenario_page_is_the_weekly_cost_and_projected_sl(sweep: SweepResult) -> None:
    page = sweep.scenario_page()
    s = sweep.scenarios
    assert list(page.columns) == ["scenario", "agent_hours", "service_level", "model", "target_sl",
                                  "patience_seconds", "fte", "peak_agents"]
    # One day of forecast: weekly hours are the day's hours x 7 (SweepResult docs).
    np.testing.assert_allclose(page["agent_hours"], s["agent_hours"] * 7)
    np.testing.assert_array_equal(page["service_level"], s["service_level"])
    # Grid order (last axis fastest): target_sl 0.8 x erlang-c x 120 s is scenario 3, the base targets.
    assert page["scenario"].tolist() == ["1", "2", "3 (baseline)", "4", "5", "6"]
    with pytest.raises(InvalidArgumentError, match="roster evaluator"):
        sweep.scenario_page(rostered=True)


def test_rostered_page_shows_the_rostered_cost(sweep: SweepResult) -> None:
    rostered = run_sweep(make_forecast(days=1), BASE, ScenarioGrid.parse(["target_sl=0.7,0.9"]),
                         interval_minutes=INTERVAL_MINUTES, roster=fixed_headcount)
    page = rostered.scenario_page()
    # fixed_headcount puts 12 agents on every 15-min interval of the one-day forecast:
    # 12 x 96 / 4 = 288 agent-hours a day, 2016 a week, whatever the target.
    assert page["agent_hours"].tolist() == [2016.0, 2016.0]
    np.testing.assert_array_equal(page["service_level"], rostered.scenarios["scheduled_service_level"])
    assert "under_staffed_hours" in page.columns
    assert "scheduled_service_level" in rostered.scenario_page(rostered=False).columns


def test_whatif_page_renders_offline_with_every_scenario(sweep: SweepResult) -> None:
    html = render_scenarios(sweep.scenario_page())
    assert 'id="chart-scenarios"' in html
    assert html.count("<tr><td>") == len(sweep.scenarios)
    assert "3 (baseline)" in html
    # No script is fetched from anywhere; plotly.js (~4 MB) is inlined.
    assert not re.search(r"<script[^>]+src=", html)
    assert len(html) > 1_000_000


@pytest.mark.browser
def test_whatif_page_renders_in_chromium(chromium: str, sweep: SweepResult, tmp_path: Path) -> None:
    # ``chromium`` (tests/conftest.py): a Chromium seen to start; skipped without one, except in CI.
    from _chromium import load_page

    from staffing.io.report import write_html

    result = load_page(write_html(render_scenarios(sweep.scenario_page()), tmp_path / "whatif.html"))
    assert result.errors == []
    assert result.remote_requests == []
    assert result.charts == {"chart-scenarios": (True, True)}
