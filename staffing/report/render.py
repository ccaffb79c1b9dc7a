"""Render the weekly report and the scenario comparison page as self-contained HTML.

The pages work offline: plotly's JavaScript bundle (from the installed ``plotly``
package) is inlined once in ``<head>``; each chart is a ``<div class="chart">`` plus a
small script calling ``Plotly.newPlot``. Templates are package data under
``staffing/report/templates``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from staffing import __version__
from staffing.errors import DataError, DataIssue
from staffing.exports.coverage import coverage_grid
from staffing.exports.summary import PlanTotals, plan_totals
from staffing.exports.timeline import timeline_days, timeline_frame
from staffing.report import charts
from staffing.report.inputs import ReportInputs
from staffing.report.kpis import (
    FORMULAS,
    accuracy_from_actuals,
    missed_peaks,
    service_table,
    volume_surprises,
    volume_table,
)
from staffing.report.timeline import timeline_chart, timeline_headline

#: Columns a scenario summary must have (see :func:`render_scenarios`).
SCENARIO_COLUMNS = ("scenario", "agent_hours", "service_level")


@dataclass(frozen=True)
class Chart:
    """A rendered chart: its element id and the HTML fragment (div + script)."""

    id: str
    html: str


@dataclass(frozen=True)
class TimelineTab:
    """One day of the rota timeline section: tab label, headline and chart."""

    label: str
    headline: str
    short: bool
    chart: Chart


def _chart(fig: go.Figure, name: str) -> Chart:
    div_id = f"chart-{name}"
    html = pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})
    return Chart(id=div_id, html=html.replace(f'id="{div_id}"', f'id="{div_id}" class="chart"', 1))


def _num(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{float(value):,.{digits}f}"


def _pct(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{float(value) * 100:.{digits}f} %"


def _signed(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{float(value):+,.{digits}f}"


def _signed_pct(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{float(value) * 100:+.{digits}f} %"


def _day(value: Any) -> str:
    return value if isinstance(value, str) else f"{pd.Timestamp(value):%a %d %b %Y}"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("staffing.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=_num, pct=_pct, signed=_signed, signed_pct=_signed_pct, day=_day)
    return env


@cache
def plotly_js() -> str:
    """plotly.js from the installed package, safe to inline in a ``<script>`` element."""
    return get_plotlyjs().replace("</script", "<\\/script")


def _accuracy(inputs: ReportInputs) -> tuple[pd.DataFrame | None, str]:
    if inputs.accuracy is not None:
        frame = inputs.accuracy.set_index("date")[["wape", "bias"]]
        return frame, "as recorded for the published forecast version"
    if inputs.actuals is not None and inputs.plan.forecast is not None:
        frame = accuracy_from_actuals(inputs.actuals, inputs.plan.forecast, pd.Timestamp(inputs.plan.meta.week_start))
        if len(frame) > 1:
            return frame, "computed from the actuals against this plan's forecast"
    return None, ""


def render_report(inputs: ReportInputs) -> str:
    """Render the weekly report (one self-contained HTML page).

    Sections: overview, volume and AHT vs forecast vs last week, service per day, coverage
    heatmap, the rota timeline (one chart per day, chosen by tabs), forecast accuracy, missed peaks, next week's plan, formulas. Sections without
    data say so instead of disappearing.
    """
    plan = inputs.plan
    week_start = pd.Timestamp(plan.meta.week_start)
    totals = plan_totals(plan)
    volume = volume_table(inputs.actuals, plan.forecast, week_start)
    chart_list: list[Chart] = []

    def add(fig: go.Figure, name: str) -> Chart:
        chart = _chart(fig, name)
        chart_list.append(chart)
        return chart

    has_volume = bool(volume.frame[["offered", "offered_last", "forecast_calls"]].notna().to_numpy().any())
    has_aht = bool(volume.frame[["aht_seconds", "aht_last", "forecast_aht_seconds"]].notna().to_numpy().any())
    volume_charts = []
    if has_volume:
        volume_charts.append(add(charts.volume_chart(volume.frame), "volume"))
    if has_aht:
        volume_charts.append(add(charts.aht_chart(volume.frame), "aht"))
    if inputs.actuals is not None or plan.forecast is not None:
        volume_charts.append(add(charts.intraday_chart(inputs.actuals, plan.forecast), "intraday"))

    service = None
    service_charts = []
    if inputs.actuals is not None:
        service = service_table(inputs.actuals, plan.requirements, week_start)
        if service[["service_level", "asa_seconds", "abandon_rate"]].notna().to_numpy().any():
            service_charts.append(add(charts.service_chart(service), "service"))
        else:
            service = None

    heatmap = add(charts.coverage_heatmap(coverage_grid(plan.coverage)), "coverage")
    timeline_tabs = []
    for day in timeline_days(plan):
        tl = timeline_frame(plan, day)
        timeline_tabs.append(TimelineTab(label=f"{day:%a %d %b}", headline=timeline_headline(tl),
                                         short=tl.short_agent_hours > 0,
                                         chart=add(timeline_chart(tl), f"timeline-{day:%Y-%m-%d}")))
    accuracy, accuracy_source = _accuracy(inputs)
    accuracy_charts = [add(charts.accuracy_chart(accuracy), "accuracy")] if accuracy is not None else []
    peaks = missed_peaks(plan.coverage, plan.meta.interval_minutes, inputs.actuals)
    surprises = (volume_surprises(inputs.actuals, plan.forecast)
                 if inputs.actuals is not None and plan.forecast is not None else None)

    evaluation = inputs.evaluation
    evaluation_charts = [add(charts.evaluation_chart(evaluation), "evaluation")] if evaluation is not None else []
    evaluation_outcome = None
    if evaluation is not None:
        achieved = evaluation["achieved_service_level"].notna().any()
        evaluation_outcome = "achieved_service_level" if achieved else "simulated_service_level"

    next_totals: PlanTotals | None = None
    next_charts = []
    if inputs.next_plan is not None:
        next_totals = plan_totals(inputs.next_plan)
        next_charts.append(add(charts.plan_chart(inputs.next_plan.coverage,
                                                 f"Next week ({inputs.next_plan.meta.week_start}): required vs scheduled"),
                               "next-week"))

    title = inputs.title or f"Weekly operations report – week of {plan.meta.week_start.isoformat()}"
    return _environment().get_template("report.html.j2").render(
        title=title, version=__version__, plotly_js=plotly_js(), meta=plan.meta, totals=totals,
        volume=volume, volume_charts=volume_charts, has_actuals=inputs.actuals is not None,
        service=service, service_charts=service_charts, heatmap=heatmap,
        timeline_tabs=timeline_tabs, has_projected_service=plan.service is not None,
        accuracy=accuracy, accuracy_source=accuracy_source, accuracy_charts=accuracy_charts,
        peaks=peaks, surprises=surprises, evaluation=evaluation, evaluation_charts=evaluation_charts,
        evaluation_outcome=evaluation_outcome, next_plan=inputs.next_plan, next_totals=next_totals, next_charts=next_charts,
        formulas=FORMULAS, chart_ids=[c.id for c in chart_list],
    )


def render_scenarios(summary_frame: pd.DataFrame, *, title: str = "What-if scenarios") -> str:
    """Render the scenario comparison page (cost-vs-service-level chart and table).

    Parameters
    ----------
    summary_frame
        One row per scenario with ``scenario`` (name or id), ``agent_hours`` (weekly
        required or rostered agent-hours, the cost axis) and ``service_level`` (projected,
        a fraction in [0, 1]); every other column is a scenario parameter (e.g.
        ``target_sl``, ``answer_seconds``, ``volume``, ``aht``, ``shrinkage``, ``model``)
        shown on hover and in the table.

    Raises
    ------
    DataError
        A required column is missing.
    """
    missing = [c for c in SCENARIO_COLUMNS if c not in summary_frame.columns]
    if missing:
        raise DataError([DataIssue("scenario summary", None, c, "required column is missing") for c in missing])
    frame = summary_frame.reset_index(drop=True)
    parameters = [str(c) for c in frame.columns if c not in SCENARIO_COLUMNS]
    chart = _chart(charts.scenario_chart(frame, parameters), "scenarios")
    rows = [
        {"scenario": str(r["scenario"]), "agent_hours": r["agent_hours"], "service_level": r["service_level"],
         "parameters": [str(r[p]) for p in parameters]}
        for _, r in frame.sort_values(["agent_hours", "service_level"], kind="stable").iterrows()
    ]
    return _environment().get_template("scenarios.html.j2").render(
        title=title, version=__version__, plotly_js=plotly_js(), chart=chart, parameters=parameters,
        rows=rows, chart_ids=[chart.id],
    )
