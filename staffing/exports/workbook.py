"""The planner's Excel workbook (XlsxWriter), built in memory.

Sheets (each with a frozen header row and sized columns):

* ``Rota`` - agent x day; a cell holds ``start-end`` and, on a second line, the breaks;
  the last column is the agent's paid hours. Frozen at B2.
* ``Shifts`` - the flat rota (:func:`staffing.exports.rota.flat_rota`) with an autofilter.
* ``Coverage`` - time of day x day heatmap of ``gap = scheduled - required`` (agents):
  red when short (under > 0), amber when at least one whole agent over, green otherwise
  (see :mod:`staffing.exports.coverage`). Frozen at B2.
* ``Timeline`` - one block per day (:func:`staffing.exports.timeline.timeline_frame`):
  agents as rows (by shift start), the day's wall-clock intervals as columns, a cell
  filled blue when the agent works that interval and yellow for a break, the first cell
  of a shift labelled with its start time; beneath each block the rows ``required``,
  ``scheduled``, ``short`` (red when > 0) and ``projected SL`` (red when a queue with
  calls is below its target). Columns run past 24:00 when a night shift does; a time
  the day does not have (the hour skipped by a spring DST change) is grey. Frozen at C2.
* ``Coverage detail`` - coverage.csv per interval with its status.
* ``Agents`` - the per-agent ledger (agents.csv; or hours and shifts from the roster).
* ``Summary`` - plan metadata, week totals and summary.json, as ``item, value`` rows.
"""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from staffing.exports.coverage import (
    OVER_TOLERANCE_AGENTS,
    UNDER_TOLERANCE_AGENTS,
    coverage_grid,
    coverage_status,
)
from staffing.exports.rota import flat_rota, rota_grid
from staffing.exports.summary import summary_rows
from staffing.exports.timeline import (
    BREAK,
    BREAK_COLOUR,
    OFF,
    WORK,
    WORK_COLOUR,
    DayTimeline,
    clock_label,
    timeline_days,
    timeline_frame,
    wall_hours,
)
from staffing.planning.model import Plan

SHEETS = ("Rota", "Shifts", "Coverage", "Timeline", "Coverage detail", "Agents", "Summary")
RED, AMBER, GREEN = "#F4B6B6", "#FFD98A", "#B9E4BE"
#: Fill of a wall-clock time a day does not have (the hour a spring DST change skips).
MISSING_GREY = "#D9D9D9"
#: Rows under each day's agents on the Timeline sheet.
TIMELINE_ROWS = ("required", "scheduled", "short", "projected SL")
_STATUS_TEXT = {-1: "under", 0: "ok", 1: "over"}


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def _table(ws: Worksheet, frame: pd.DataFrame, header: Any, fmts: dict[str, Any] | None = None) -> None:
    for col, name in enumerate(frame.columns):
        ws.write(0, col, str(name), header)
        fmt = (fmts or {}).get(str(name))
        values = frame[name].tolist()
        for row, value in enumerate(values, start=1):
            v = _cell(value)
            if v is None:
                ws.write_blank(row, col, None, fmt)
            else:
                ws.write(row, col, v, fmt)
        width = max([len(str(name))] + [len(str(v)) for v in values[:500]]) + 2
        ws.set_column(col, col, min(max(width, 8), 60))


def _agents_ledger(plan: Plan) -> pd.DataFrame:
    if plan.agents is not None:
        return plan.agents
    roster = plan.roster
    grouped = roster.groupby("agent_id", sort=True)
    return pd.DataFrame({
        "agent_id": grouped.size().index.astype(str),
        "shifts": grouped.size().to_numpy(),
        "paid_hours": (grouped["paid_minutes"].sum() / 60.0).round(2).to_numpy(),
    })


def _rota_sheet(wb: Workbook, plan: Plan, header: Any) -> None:
    ws = wb.add_worksheet("Rota")
    grid = rota_grid(plan.roster, pd.Timestamp(plan.meta.week_start))
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    off = wb.add_format({"valign": "top", "font_color": "#999999"})
    hours_fmt = wb.add_format({"num_format": "0.00", "valign": "top"})
    paid = (plan.roster.groupby("agent_id")["paid_minutes"].sum() / 60.0)
    ws.write(0, 0, "Agent", header)
    for col, day in enumerate(grid.columns, start=1):
        ws.write(0, col, f"{day:%a %Y-%m-%d}", header)
    ws.write(0, len(grid.columns) + 1, "Paid hours", header)
    for row, (agent, cells) in enumerate(grid.iterrows(), start=1):
        ws.write(row, 0, str(agent), wrap)
        lines = 1
        for col, text in enumerate(cells.tolist(), start=1):
            ws.write(row, col, text or "off", wrap if text else off)
            lines = max(lines, str(text).count("\n") + 1)
        ws.write(row, len(grid.columns) + 1, float(paid.get(agent, 0.0)), hours_fmt)
        ws.set_row(row, 15 * lines)
    ws.set_column(0, 0, max(10, max((len(str(a)) for a in grid.index), default=0) + 2))
    widest = max((len(line) for text in grid.to_numpy().ravel() for line in str(text).split("\n")), default=0)
    ws.set_column(1, len(grid.columns), max(16, widest + 2))
    ws.set_column(len(grid.columns) + 1, len(grid.columns) + 1, 11)
    ws.freeze_panes(1, 1)


def _coverage_sheet(wb: Workbook, plan: Plan, header: Any) -> None:
    ws = wb.add_worksheet("Coverage")
    grid = coverage_grid(plan.coverage)
    gap = grid.gap
    num = wb.add_format({"num_format": "+0.0;-0.0;0.0", "align": "center"})
    ws.write(0, 0, "Time", header)
    for col, day in enumerate(gap.columns, start=1):
        ws.write(0, col, f"{day:%a %Y-%m-%d}", header)
    for row, (time, values) in enumerate(gap.iterrows(), start=1):
        ws.write(row, 0, str(time), header)
        for col, value in enumerate(values.tolist(), start=1):
            if math.isfinite(value):
                ws.write_number(row, col, round(float(value), 4), num)
            else:
                ws.write_blank(row, col, None, num)
    if len(gap.index) and len(gap.columns):
        area = (1, 1, len(gap.index), len(gap.columns))
        ws.conditional_format(*area, {"type": "blanks", "stop_if_true": True})
        ws.conditional_format(*area, {"type": "cell", "criteria": "<", "value": -UNDER_TOLERANCE_AGENTS,
                                      "format": wb.add_format({"bg_color": RED}), "stop_if_true": True})
        ws.conditional_format(*area, {"type": "cell", "criteria": ">=", "value": OVER_TOLERANCE_AGENTS,
                                      "format": wb.add_format({"bg_color": AMBER}), "stop_if_true": True})
        ws.conditional_format(*area, {"type": "no_blanks", "format": wb.add_format({"bg_color": GREEN})})
    ws.set_column(0, 0, 8)
    ws.set_column(1, max(1, len(gap.columns)), 15)
    legend = len(gap.columns) + 2
    ws.write(0, legend, "Cell = scheduled - required (agents)", header)
    for row, (text, colour) in enumerate((("red: under-staffed (scheduled < required)", RED),
                                          (f"amber: over by >= {OVER_TOLERANCE_AGENTS:g} agent", AMBER),
                                          ("green: covered", GREEN)), start=1):
        ws.write(row, legend, text, wb.add_format({"bg_color": colour}))
    ws.set_column(legend, legend, 42)
    ws.freeze_panes(1, 1)


def _offset(tl: DayTimeline) -> list[int]:
    """Minutes from the day's midnight (wall clock) of each interval of ``tl``."""
    return [round(wall_hours(t, tl.day) * 60) for t in pd.DatetimeIndex(tl.cells.columns)]


def _timeline_sheet(wb: Workbook, plan: Plan, header: Any) -> None:
    ws = wb.add_worksheet("Timeline")
    days = [timeline_frame(plan, day) for day in timeline_days(plan)]
    step = plan.meta.interval_minutes
    # One column per wall-clock offset any day has, so every day's block lines up under
    # the same header (a night shift's day adds columns past 24:00).
    span = max([24 * 60, *(round(tl.end_hours * 60) for tl in days)])
    offsets = list(range(0, span, step))
    column = {m: 2 + i for i, m in enumerate(offsets)}
    rotated = wb.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1, "rotation": 90, "align": "center",
                             "font_size": 8})
    ws.write(0, 0, "Agent", header)
    ws.write(0, 1, "Shift", header)
    for m in offsets:
        ws.write(0, column[m], clock_label(m / 60), rotated)
    ws.set_row(0, 62)
    day_fmt = wb.add_format({"bold": True, "bg_color": "#EEF1F5", "top": 1})
    label = {"font_size": 7, "valign": "top"}
    state_fmt = {WORK: wb.add_format({"bg_color": WORK_COLOUR}), BREAK: wb.add_format({"bg_color": BREAK_COLOUR})}
    start_fmt = {WORK: wb.add_format({"bg_color": WORK_COLOUR, **label}),
                 BREAK: wb.add_format({"bg_color": BREAK_COLOUR, **label})}
    missing = wb.add_format({"bg_color": MISSING_GREY})
    num = {"required": wb.add_format({"num_format": "0.0", "font_size": 8}),
           "scheduled": wb.add_format({"num_format": "0", "font_size": 8}),
           "short": wb.add_format({"num_format": "0.0", "font_size": 8}),
           "projected SL": wb.add_format({"num_format": "0%", "font_size": 8})}
    red = {"short": wb.add_format({"num_format": "0.0", "font_size": 8, "bg_color": RED}),
           "projected SL": wb.add_format({"num_format": "0%", "font_size": 8, "bg_color": RED})}
    row_label = wb.add_format({"italic": True})
    row = 1
    for tl in days:
        ws.write(row, 0, f"{tl.day:%a %Y-%m-%d}", day_fmt)
        ws.write(row, 1, f"{tl.short_agent_hours:.2f} agent-hours short", day_fmt)
        row += 1
        own = _offset(tl)
        # Wall-clock times inside the day's axis that the day lacks (spring DST change).
        gaps = [m for m in offsets if m < tl.end_hours * 60 and m not in set(own)]
        shifts = tl.shifts.groupby("agent_id", sort=False)
        for agent, states in zip(tl.cells.index, tl.cells.to_numpy(), strict=True):
            mine = shifts.get_group(agent)
            ws.write_string(row, 0, str(agent))
            ws.write_string(row, 1, "; ".join(mine["label"]))
            firsts = {pd.Timestamp(t): clock_label(wall_hours(s, tl.day))
                      for t, s in zip(mine["first_interval"], mine["start"], strict=True) if pd.notna(t)}
            for stamp, m, state in zip(pd.DatetimeIndex(tl.cells.columns), own, states.tolist(), strict=True):
                if state == OFF:
                    continue
                if stamp in firsts:
                    ws.write_string(row, column[m], firsts[stamp], start_fmt[state])
                else:
                    ws.write_blank(row, column[m], None, state_fmt[state])
            for m in gaps:
                ws.write_blank(row, column[m], None, missing)
            row += 1
        values = {"required": tl.intervals["required"], "scheduled": tl.intervals["scheduled"],
                  "short": tl.intervals["short"], "projected SL": tl.intervals["service_level"]}
        flags = {"short": tl.intervals["short"].fillna(0.0) > 0, "projected SL": tl.intervals["below_target"]}
        for name in TIMELINE_ROWS:
            ws.write_string(row, 0, name, row_label)
            if name == "projected SL" and not tl.has_service:
                ws.write_string(row, 1, "not in the plan", row_label)
            for m, value, flag in zip(own, values[name].tolist(),
                                      flags.get(name, pd.Series(False, index=tl.intervals.index)).tolist(),
                                      strict=True):
                if math.isfinite(value):
                    ws.write_number(row, column[m], round(float(value), 4), red[name] if flag else num[name])
            row += 1
        row += 1
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 17)
    ws.set_column(2, 1 + len(offsets), 3.6 if step < 60 else 5.0)
    ws.freeze_panes(1, 2)


def build_workbook(plan: Plan) -> bytes:
    """Build the workbook described in this module and return the ``.xlsx`` bytes."""
    buffer = io.BytesIO()
    # strings_to_formulas off: an agent id such as "=HYPERLINK(...)" is written as the text it
    # is, never as a live formula (OWASP, "CSV Injection"); nothing here writes formulas.
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True, "strings_to_formulas": False})
    wb.set_properties({"title": f"Roster week of {plan.meta.week_start.isoformat()}", "author": "staffing"})
    header = wb.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1, "valign": "top"})
    _rota_sheet(wb, plan, header)

    ws = wb.add_worksheet("Shifts")
    shifts = flat_rota(plan.roster, plan.meta.timezone)
    _table(ws, shifts, header, {"paid_hours": wb.add_format({"num_format": "0.00"}),
                                "shift_hours": wb.add_format({"num_format": "0.00"})})
    ws.autofilter(0, 0, max(len(shifts), 1), len(shifts.columns) - 1)
    ws.freeze_panes(1, 1)

    _coverage_sheet(wb, plan, header)
    _timeline_sheet(wb, plan, header)

    ws = wb.add_worksheet("Coverage detail")
    detail = plan.coverage.assign(status=coverage_status(plan.coverage).map(_STATUS_TEXT))
    _table(ws, detail, header, {"interval_start": wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})})
    ws.set_column(0, 0, 18)
    ws.autofilter(0, 0, max(len(detail), 1), len(detail.columns) - 1)
    ws.freeze_panes(1, 1)

    ws = wb.add_worksheet("Agents")
    _table(ws, _agents_ledger(plan), header)
    ws.freeze_panes(1, 1)

    ws = wb.add_worksheet("Summary")
    _table(ws, summary_rows(plan), header)
    ws.freeze_panes(1, 0)
    wb.close()
    return buffer.getvalue()
