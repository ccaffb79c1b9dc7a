"""The rota timeline chart of one day (pure: a :class:`DayTimeline` in, a figure out).

Three panels on one wall-clock axis (hours from the day's midnight, labelled past 24:00
with ``(+1)``):

1. the rota: one row per agent (earliest start on top), each shift a bar from start to
   end with its breaks overlaid in a contrasting colour;
2. need vs scheduled head count per interval: scheduled as bars, the shortfall stacked
   on top in red up to the requirement, the requirement as a step line;
3. the projected service level per interval (call-weighted over queues) against the
   target, points below target in red - left out, with a note, when the plan has none.

Under-staffed intervals are also shaded red across the rota and head-count panels, so a
thin stretch of the day shows at a glance next to the agents who could cover it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from staffing.exports.timeline import (
    BREAK_COLOUR,
    WORK_COLOUR,
    DayTimeline,
    clock_label,
    wall_hours,
)

__all__ = ["timeline_chart", "timeline_headline"]

SHORT_RED, OK_BLUE, TARGET_GREY, SL_GREEN = "#D62728", "#4C78A8", "#555555", "#2CA02C"
#: Pixels per agent row and per lower panel (the figure's height follows the head count).
_ROW_PX, _PANEL_PX, _FRAME_PX = 16, 170, 150


def _ticks(end_hours: float) -> tuple[list[float], list[str]]:
    step = 1 if end_hours <= 12 else 2
    values = [float(h) for h in range(0, int(np.ceil(end_hours)) + 1, step)]
    return values, [clock_label(v) for v in values]


def _runs(flags: np.ndarray, starts: np.ndarray, width: float) -> list[tuple[float, float]]:
    """Contiguous stretches ``(x0, x1)`` of flagged intervals (adjacent ones merged)."""
    runs: list[tuple[float, float]] = []
    for start in starts[flags]:
        if runs and abs(runs[-1][1] - start) < 1e-9:
            runs[-1] = (runs[-1][0], start + width)
        else:
            runs.append((start, start + width))
    return runs


def _custom(*columns: object) -> np.ndarray:
    """Hover data as an object array, so text and numbers keep their types in the JSON."""
    return np.array(list(zip(*columns, strict=True)), dtype=object).reshape(-1, len(columns))


def _rota_traces(tl: DayTimeline) -> list[go.Bar]:
    shifts = tl.shifts
    hover: list[str] = []
    rows: list[tuple[str, float, float]] = []  # (agent, start, end) of every break, axis hours
    for rec in shifts.to_dict("records"):
        spans = [(wall_hours(s, tl.day), wall_hours(e, tl.day)) for s, e in rec["breaks"]]
        rows.extend((str(rec["agent_id"]), s, e) for s, e in spans)
        text = f"<b>{rec['agent_id']}</b> {rec['label']}<br>paid {float(rec['paid_minutes']) / 60:.2f} h"
        if spans:
            text += "<br>breaks " + ", ".join(f"{clock_label(s)}-{clock_label(e)}" for s, e in spans)
        hover.append(text)
    bars = go.Bar(name="shift", orientation="h", y=shifts["agent_id"], base=shifts["start_hours"],
                  x=shifts["end_hours"] - shifts["start_hours"], width=0.8, marker_color=WORK_COLOUR,
                  hovertext=hover, hoverinfo="text", legendgroup="rota")
    breaks = go.Bar(name="break", orientation="h", y=[a for a, _, _ in rows], base=[s for _, s, _ in rows],
                    x=[e - s for _, s, e in rows], width=0.5, marker_color=BREAK_COLOUR,
                    marker_line={"color": "#8A6D00", "width": 0.5},
                    hovertext=[f"{a} break {clock_label(s)}-{clock_label(e)}" for a, s, e in rows],
                    hoverinfo="text", legendgroup="rota")
    return [bars, breaks]


def timeline_chart(tl: DayTimeline) -> go.Figure:
    """The day's rota, head count vs need and projected service level (see the module doc)."""
    iv = tl.intervals
    width = tl.interval_minutes / 60.0
    starts = iv["hours"].to_numpy(dtype=float)
    mids = starts + width / 2
    short = iv["short"].to_numpy(dtype=float)
    is_short = np.nan_to_num(short) > 0
    panels = 3 if tl.has_service else 2
    rota_px = max(len(tl.cells.index), 3) * _ROW_PX + 40
    heights = [rota_px, _PANEL_PX] + ([_PANEL_PX] if tl.has_service else [])
    fig = make_subplots(rows=panels, cols=1, shared_xaxes=True, vertical_spacing=60 / sum(heights),
                        row_heights=[h / sum(heights) for h in heights],
                        subplot_titles=["",
                                        "Agents: scheduled vs required (red: short)",
                                        "Projected service level (call-weighted over queues) vs target"][:panels])
    for trace in _rota_traces(tl):
        fig.add_trace(trace, row=1, col=1)

    time_text = [clock_label(h) for h in starts]
    custom = _custom(time_text, iv["required"], iv["scheduled"], short)
    fig.add_trace(go.Bar(name="scheduled", x=mids, y=iv["scheduled"], width=width * 0.9,
                         marker_color=OK_BLUE, customdata=custom,
                         hovertemplate="%{customdata[0]}<br>required %{customdata[1]:.1f}<br>scheduled "
                                       "%{customdata[2]:.0f}<br>short %{customdata[3]:.1f}<extra></extra>"),
                  row=2, col=1)
    fig.add_trace(go.Bar(name="short", x=mids[is_short], y=short[is_short], base=iv["scheduled"].to_numpy()[is_short],
                         width=width * 0.9, marker_color=SHORT_RED, customdata=custom[is_short],
                         hovertemplate="%{customdata[0]}<br><b>short %{customdata[3]:.1f}</b> (required "
                                       "%{customdata[1]:.1f}, scheduled %{customdata[2]:.0f})<extra></extra>"),
                  row=2, col=1)
    # The requirement as a step over each interval: repeat the last value at the axis end.
    fig.add_trace(go.Scatter(name="required", x=np.append(starts, starts[-1] + width) if len(starts) else starts,
                             y=np.append(iv["required"].to_numpy(), iv["required"].to_numpy()[-1:]),
                             mode="lines", line={"shape": "hv", "color": "#222222", "width": 1.6},
                             hoverinfo="skip"), row=2, col=1)
    fig.update_yaxes(title_text="agents", rangemode="tozero", row=2, col=1)

    if tl.has_service:
        sl = iv["service_level"].to_numpy(dtype=float) * 100
        below = iv["below_target"].to_numpy(dtype=bool)
        fig.add_trace(go.Scatter(name="target", x=np.append(starts, starts[-1] + width) if len(starts) else starts,
                                 y=np.append(iv["target_sl"].to_numpy() * 100, iv["target_sl"].to_numpy()[-1:] * 100),
                                 mode="lines", line={"shape": "hv", "dash": "dash", "color": TARGET_GREY},
                                 hoverinfo="skip"), row=3, col=1)
        fig.add_trace(go.Scatter(name="projected SL", x=mids, y=sl, mode="lines+markers",
                                 line={"color": "#7F9F7F", "width": 1},
                                 marker={"size": 5, "color": np.where(below, SHORT_RED, SL_GREEN).tolist()},
                                 customdata=_custom(time_text, iv["calls"], iv["target_sl"] * 100),
                                 hovertemplate="%{customdata[0]}<br>projected SL %{y:.1f} %<br>target "
                                               "%{customdata[2]:.0f} %<br>calls %{customdata[1]:.1f}<extra></extra>"),
                      row=3, col=1)
        fig.update_yaxes(title_text="%", range=[0, 105], row=3, col=1)

    for x0, x1 in _runs(is_short, starts, width):
        for row in (1, 2):
            fig.add_vrect(x0=x0, x1=x1, fillcolor=SHORT_RED, opacity=0.13, line_width=0, layer="below",
                          row=row, col=1)
    if tl.end_hours > 24:
        fig.add_vline(x=24, line={"color": "#888888", "dash": "dot", "width": 1})

    tickvals, ticktext = _ticks(tl.end_hours)
    fig.update_xaxes(range=[0, tl.end_hours], tickvals=tickvals, ticktext=ticktext, showgrid=True)
    fig.update_xaxes(showticklabels=True, side="top", row=1, col=1)
    fig.update_xaxes(title_text="local wall time" + (" ((+1) = next day)" if tl.end_hours > 24 else ""),
                     row=panels, col=1)
    fig.update_yaxes(categoryorder="array", categoryarray=list(tl.cells.index), autorange="reversed",
                     tickfont={"size": 10}, row=1, col=1)
    title = f"{tl.day:%A %d %B %Y}: {len(tl.shifts)} shifts, {tl.short_agent_hours:.2f} agent-hours short"
    fig.update_layout(title={"text": title, "x": 0}, template="plotly_white", barmode="overlay", bargap=0,
                      height=sum(heights) + _FRAME_PX, margin={"l": 70, "r": 20, "t": 110, "b": 60},
                      legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
                      hovermode="closest")
    return fig


def timeline_headline(tl: DayTimeline) -> str:
    """One line on how thin the day is: short intervals and agent-hours, the worst service level."""
    own = tl.own_intervals
    short = own["short"].fillna(0.0)
    n_short = int((short > 0).sum())
    text = (f"{n_short} interval{'s' if n_short != 1 else ''} short, {tl.short_agent_hours:.2f} agent-hours"
            if n_short else "no interval short")
    if tl.has_service and own["service_level"].notna().any():
        sl = own["service_level"]
        worst = pd.DatetimeIndex(own.index)[int(np.nanargmin(sl.to_numpy(dtype=float)))]
        below = int(own["below_target"].sum())
        text += (f"; lowest projected SL {float(sl.min()) * 100:.1f} % at {worst:%H:%M}"
                 f", {below} interval{'s' if below != 1 else ''} below target")
    return text
