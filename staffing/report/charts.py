"""The plotly figures of the report (pure: DataFrames in, figures out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from staffing.exports.coverage import CoverageGrid
from staffing.exports.workbook import AMBER, GREEN, RED

_LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 50, "b": 50}, "height": 380,
           "legend": {"orientation": "h", "y": -0.2}}


def _labels(index: pd.Index) -> list[str]:
    return [f"{d:%a %d %b}" for d in index]


def volume_chart(frame: pd.DataFrame) -> go.Figure:
    """Offered calls per day: this week, last week and the forecast."""
    x = _labels(frame.index)
    fig = go.Figure([
        go.Bar(name="This week", x=x, y=frame["offered"], marker_color="#1f77b4"),
        go.Bar(name="Last week", x=x, y=frame["offered_last"], marker_color="#aec7e8"),
        go.Scatter(name="Forecast", x=x, y=frame["forecast_calls"], mode="lines+markers", line={"color": "#ff7f0e"}),
    ])
    fig.update_layout(title="Offered calls per day", barmode="group", yaxis_title="calls", **_LAYOUT)
    return fig


def aht_chart(frame: pd.DataFrame) -> go.Figure:
    """AHT per day: this week, last week and the forecast."""
    x = _labels(frame.index)
    fig = go.Figure([
        go.Scatter(name="This week", x=x, y=frame["aht_seconds"], mode="lines+markers"),
        go.Scatter(name="Last week", x=x, y=frame["aht_last"], mode="lines+markers", line={"dash": "dot"}),
        go.Scatter(name="Forecast", x=x, y=frame["forecast_aht_seconds"], mode="lines+markers", line={"dash": "dash"}),
    ])
    fig.update_layout(title="Average handle time per day", yaxis_title="seconds", **_LAYOUT)
    return fig


def intraday_chart(actuals: pd.DataFrame | None, forecast: pd.DataFrame | None) -> go.Figure:
    """Offered calls per interval against the forecast and its 80 % interval."""
    traces: list[go.Scatter] = []
    if forecast is not None:
        x = forecast["interval_start"]
        if {"lower80", "upper80"} <= set(forecast.columns):
            traces.append(go.Scatter(x=x, y=forecast["upper80"], line={"width": 0}, showlegend=False, hoverinfo="skip"))
            traces.append(go.Scatter(name="Forecast 80 % interval", x=x, y=forecast["lower80"], fill="tonexty",
                                     line={"width": 0}, fillcolor="rgba(255,127,14,0.2)"))
        traces.append(go.Scatter(name="Forecast", x=x, y=forecast["calls"], line={"color": "#ff7f0e"}))
    if actuals is not None:
        per = actuals.groupby("interval_start")["offered"].sum()
        if forecast is not None and len(forecast):
            per = per[(per.index >= forecast["interval_start"].min()) & (per.index <= forecast["interval_start"].max())]
        traces.append(go.Scatter(name="Offered", x=per.index, y=per.to_numpy(), line={"color": "#1f77b4"}))
    fig = go.Figure(traces)
    fig.update_layout(title="Offered calls per interval vs forecast", yaxis_title="calls", **_LAYOUT)
    return fig


def service_chart(frame: pd.DataFrame) -> go.Figure:
    """Service level (bars, with the planned level) and ASA / abandonment per day."""
    x = _labels(frame.index)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(name="Service level", x=x, y=frame["service_level"] * 100, marker_color="#2ca02c"))
    fig.add_trace(go.Scatter(name="Planned service level", x=x, y=frame["planned_service_level"] * 100,
                             mode="lines+markers", line={"dash": "dash", "color": "#555"}))
    fig.add_trace(go.Scatter(name="Abandonment rate", x=x, y=frame["abandon_rate"] * 100, mode="lines+markers",
                             line={"color": "#d62728"}))
    fig.add_trace(go.Scatter(name="ASA (s)", x=x, y=frame["asa_seconds"], mode="lines+markers",
                             line={"color": "#9467bd"}), secondary_y=True)
    fig.update_layout(title="Service level, abandonment and ASA per day", **_LAYOUT)
    fig.update_yaxes(title_text="%", secondary_y=False)
    fig.update_yaxes(title_text="ASA seconds", secondary_y=True)
    return fig


def coverage_heatmap(grid: CoverageGrid, title: str = "Required vs scheduled") -> go.Figure:
    """Day x time-of-day heatmap: red under, amber over, green ok; hover shows the numbers."""
    days = _labels(grid.status.columns)
    custom = np.dstack([grid.required.to_numpy(), grid.scheduled.to_numpy(), grid.gap.to_numpy()])
    fig = go.Figure(go.Heatmap(
        z=grid.status.to_numpy(), x=days, y=list(grid.status.index), customdata=custom,
        zmin=-1, zmax=1, xgap=1, ygap=0,
        colorscale=[[0.0, RED], [1 / 3, RED], [1 / 3, GREEN], [2 / 3, GREEN], [2 / 3, AMBER], [1.0, AMBER]],
        colorbar={"tickvals": [-1, 0, 1], "ticktext": ["under", "ok", "over"], "title": {"text": "status"}},
        hovertemplate="%{x} %{y}<br>required %{customdata[0]:.1f}<br>scheduled %{customdata[1]:.0f}"
                      "<br>gap %{customdata[2]:+.1f}<extra></extra>",
    ))
    fig.update_layout(title=title, **{**_LAYOUT, "height": 620})
    fig.update_yaxes(autorange="reversed", title="time of day")
    return fig


def accuracy_chart(frame: pd.DataFrame) -> go.Figure:
    """WAPE and bias per day (fractions shown in %)."""
    x = [d if isinstance(d, str) else f"{pd.Timestamp(d):%a %d %b}" for d in frame.index]
    fig = go.Figure([
        go.Bar(name="WAPE", x=x, y=frame["wape"] * 100, marker_color="#8c564b"),
        go.Bar(name="Bias", x=x, y=frame["bias"] * 100, marker_color="#e377c2"),
    ])
    fig.update_layout(title="Forecast accuracy of the published version", barmode="group", yaxis_title="%", **_LAYOUT)
    return fig


def plan_chart(coverage: pd.DataFrame, title: str) -> go.Figure:
    """Required vs scheduled agents per interval of a plan."""
    fig = go.Figure([
        go.Scatter(name="Required", x=coverage["interval_start"], y=coverage["required"], line={"color": "#d62728"}),
        go.Scatter(name="Scheduled", x=coverage["interval_start"], y=coverage["scheduled"],
                   line={"color": "#1f77b4", "shape": "hv"}),
    ])
    fig.update_layout(title=title, yaxis_title="agents", **_LAYOUT)
    return fig


#: Colours of the scenario series (one per model), plotly's default cycle.
_SERIES_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


def efficient_frontier(cost: np.ndarray, service_level: np.ndarray) -> np.ndarray:
    """Positions of the points no cheaper (or equally cheap) point beats on service level.

    Sorted by cost; a point is on the frontier when its service level is higher than
    that of every point costing no more. NaN service levels are never on it.
    """
    order = np.lexsort((-np.nan_to_num(service_level, nan=-np.inf), cost))
    keep = []
    best = -np.inf
    for pos in order:
        value = service_level[pos]
        if np.isfinite(value) and value > best:
            keep.append(pos)
            best = value
    return np.asarray(keep, dtype=int)


def scenario_chart(summary: pd.DataFrame, parameters: list[str]) -> go.Figure:
    """Cost vs service level: one point per scenario; hover shows its parameters.

    With a ``model`` column each model is its own colour; a line joins each series'
    efficient frontier (the scenarios no cheaper scenario beats on service level).
    """
    frame = summary.reset_index(drop=True)
    hover = np.array(["<br>".join(f"{p} = {row[p]}" for p in ["scenario", *parameters])
                      for _, row in frame.iterrows()], dtype=object)
    groups = list(frame.groupby("model", sort=True)) if "model" in frame.columns else [("scenarios", frame)]
    fig = go.Figure()
    for i, (key, part) in enumerate(groups):
        name = str(key)
        colour = _SERIES_COLOURS[i % len(_SERIES_COLOURS)]
        cost = part["agent_hours"].to_numpy(dtype=float)
        sl = part["service_level"].to_numpy(dtype=float)
        fig.add_trace(go.Scatter(
            name=name, x=cost, y=sl * 100, mode="markers", legendgroup=str(name),
            marker={"size": 10, "color": colour, "opacity": 0.8}, text=hover[part.index.to_numpy()],
            hovertemplate="%{text}<br>agent-hours %{x:,.1f}<br>projected SL %{y:.1f} %<extra></extra>",
        ))
        front = efficient_frontier(cost, sl)
        fig.add_trace(go.Scatter(
            name=f"{name}: efficient frontier", x=cost[front], y=sl[front] * 100, mode="lines",
            legendgroup=name, line={"color": colour, "width": 2}, hoverinfo="skip",
        ))
    fig.update_layout(title="Cost vs service level", xaxis_title="weekly agent-hours",
                      yaxis_title="projected service level (%)", **{**_LAYOUT, "height": 520})
    return fig


def evaluation_chart(days: pd.DataFrame) -> go.Figure:
    """Per day: why the achieved service level differs from the target (stacked terms)."""
    x = [f"{pd.Timestamp(d):%a %d %b}" for d in days["date"]]
    outcome = "achieved_service_level" if days["achieved_service_level"].notna().any() else "simulated_service_level"
    fig = go.Figure()
    for column, name, colour in (("margin", "Erlang margin over target", "#7f7f7f"),
                                 ("model_effect", "Requirement model", "#9467bd"),
                                 ("roster_effect", "Roster", "#1f77b4"),
                                 ("forecast_effect", "Forecast", "#ff7f0e")):
        fig.add_trace(go.Bar(name=name, x=x, y=days[column] * 100, marker_color=colour))
    fig.add_trace(go.Scatter(name="Service level - target", x=x, y=(days[outcome] - days["target_sl"]) * 100,
                             mode="markers", marker={"color": "black", "size": 10, "symbol": "diamond"}))
    fig.update_layout(title="Service level vs target: where the difference comes from (points)", barmode="relative",
                      **_LAYOUT)
    fig.update_yaxes(title_text="percentage points")
    return fig
