"""The cost-versus-service-level chart of a what-if sweep (plotly).

One point per scenario: x is the weekly agent-hours the scenario requires (its cost),
y its projected service level; hovering shows the scenario's parameters. Each model
gets a colour and a line through its efficient frontier: the scenarios no cheaper
scenario of the same model beats on service level.
"""

from __future__ import annotations

from html import escape
from typing import Final

import numpy as np
import pandas as pd
import plotly.graph_objects as go

_COLOURS: Final = {"erlang-c": "#1f77b4", "erlang-a": "#d62728"}
_HOVER_COLUMNS: Final = (
    ("target_sl", "target SL", ".0%"),
    ("answer_seconds", "answer within (s)", ".0f"),
    ("shrinkage", "shrinkage", ".0%"),
    ("volume", "volume x", ".3g"),
    ("aht", "AHT change", ""),
    ("patience_seconds", "patience (s)", ".0f"),
    ("max_occupancy", "max occupancy", ".0%"),
    ("max_asa_seconds", "max ASA (s)", ".0f"),
    ("max_abandon", "max abandon", ".1%"),
    ("fte", "FTE", ",.1f"),
    ("peak_agents", "peak agents", ",.0f"),
    ("asa_seconds", "projected ASA (s)", ".1f"),
    ("prob_abandon", "projected abandon", ".1%"),
)


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


def cost_service_figure(summary: pd.DataFrame, *, y: str = "service_level", title: str | None = None) -> go.Figure:
    """Build the chart from a sweep's scenario summary (:attr:`SweepResult.scenarios`).

    Parameters
    ----------
    summary
        One row per scenario with ``agent_hours_per_week``, ``model``, ``label`` and
        the column named by ``y``.
    y
        ``service_level`` (staffed to requirement) or ``scheduled_service_level``
        (rostered coverage).
    title
        Chart title; a default names the number of scenarios.
    """
    fig = go.Figure()
    hover_cols = [(c, name, fmt) for c, name, fmt in _HOVER_COLUMNS if c in summary.columns]
    for model, part in summary.groupby("model", sort=True):
        colour = _COLOURS.get(str(model), None)
        custom = np.column_stack([part[c].astype(object).to_numpy() for c, _, _ in hover_cols]) if hover_cols else None
        lines = [f"<b>scenario %{{text}}</b> ({model})", "weekly agent-hours: %{x:,.0f}", "projected SL: %{y:.1%}"]
        lines += [f"{name}: %{{customdata[{i}]:{fmt}}}" if fmt else f"{name}: %{{customdata[{i}]}}"
                  for i, (_, name, fmt) in enumerate(hover_cols)]
        fig.add_trace(go.Scatter(
            x=part["agent_hours_per_week"], y=part[y], mode="markers", name=f"{model} scenarios",
            legendgroup=str(model), marker={"color": colour, "size": 8, "opacity": 0.75},
            text=[f"{sid}: {label}" for sid, label in zip(part["scenario"], part["label"], strict=True)],
            customdata=custom, hovertemplate="<br>".join(lines) + "<extra></extra>",
        ))
        front = part.iloc[efficient_frontier(part["agent_hours_per_week"].to_numpy(float), part[y].to_numpy(float))]
        fig.add_trace(go.Scatter(
            x=front["agent_hours_per_week"], y=front[y], mode="lines", name=f"{model} efficient frontier",
            legendgroup=str(model), line={"color": colour, "width": 2}, hoverinfo="skip",
        ))
    if "is_baseline" in summary.columns and summary["is_baseline"].any():
        base = summary[summary["is_baseline"]]
        fig.add_trace(go.Scatter(
            x=base["agent_hours_per_week"], y=base[y], mode="markers", name="baseline",
            marker={"symbol": "star", "size": 16, "color": "#2ca02c", "line": {"color": "black", "width": 1}},
            hovertemplate="baseline: %{x:,.0f} agent-hours/week, SL %{y:.1%}<extra></extra>",
        ))
    fig.update_layout(
        title=title or f"Cost vs service level ({len(summary)} scenarios)",
        xaxis_title="Required agent-hours per week (gross of shrinkage)",
        yaxis_title="Projected service level (share of calls answered in time)",
        yaxis_tickformat=".0%", template="plotly_white", hovermode="closest",
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def figure_html(fig: go.Figure, *, page_title: str = "staffing what-if: cost vs service level") -> str:
    """A complete HTML page with plotly's JavaScript inlined (works offline)."""
    html = str(fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False}))
    return html.replace("<head>", f"<head>\n    <title>{escape(page_title)}</title>", 1)
