"""The cost-vs-service-level chart."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from staffing.whatif_chart import cost_service_figure, efficient_frontier, figure_html


def test_efficient_frontier_keeps_only_undominated_points() -> None:
    cost = np.array([100.0, 120.0, 110.0, 130.0, 105.0, 140.0])
    sl = np.array([0.70, 0.80, 0.85, 0.84, 0.60, np.nan])
    # By hand: sorted by cost 100(.70) 105(.60) 110(.85) 120(.80) 130(.84) 140(nan);
    # each kept point beats every cheaper one: 100 and 110 only.
    assert efficient_frontier(cost, sl).tolist() == [0, 2]


def summary() -> pd.DataFrame:
    return pd.DataFrame({
        "scenario": [1, 2, 3, 4],
        "model": ["erlang-c", "erlang-c", "erlang-a", "erlang-a"],
        "label": ["target_sl=0.8", "target_sl=0.9", "target_sl=0.8", "target_sl=0.9"],
        "target_sl": [0.8, 0.9, 0.8, 0.9],
        "aht": ["x1", "x1", "x1", "+20s"],
        "agent_hours_per_week": [1000.0, 1100.0, 950.0, 1040.0],
        "service_level": [0.82, 0.91, 0.81, 0.905],
        "fte": [26.7, 29.3, 25.3, 27.7],
        "is_baseline": [True, False, False, False],
    })


def test_figure_has_a_point_per_scenario_and_a_line_per_model() -> None:
    fig = cost_service_figure(summary())
    names = [trace.name for trace in fig.data]
    assert names == ["erlang-a scenarios", "erlang-a efficient frontier", "erlang-c scenarios",
                     "erlang-c efficient frontier", "baseline"]
    points = {t.name: t for t in fig.data}
    assert list(points["erlang-c scenarios"].x) == [1000.0, 1100.0]
    assert list(points["erlang-a efficient frontier"].y) == [0.81, 0.905]
    # Hover shows the scenario's parameters.
    assert "target SL" in points["erlang-c scenarios"].hovertemplate
    assert "AHT change" in points["erlang-a scenarios"].hovertemplate
    assert list(points["erlang-a scenarios"].customdata[1])[1] == "+20s"


def test_html_is_self_contained() -> None:
    html = figure_html(cost_service_figure(summary()))
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "<title>staffing what-if: cost vs service level</title>" in html
    # No script is fetched from anywhere (plotly.js mentions its CDN in strings only).
    assert not re.search(r"<script[^>]+src=", html)
    assert len(html) > 1_000_000  # plotly.js itself is inlined (~4 MB)
