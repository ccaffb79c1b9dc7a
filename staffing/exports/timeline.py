"""The planner's day timeline: who works which interval, and how thin each interval is.

One function, :func:`timeline_frame`, prepares a day for both the report's rota timeline
chart (:mod:`staffing.report.timeline`) and the workbook's ``Timeline`` sheet
(:mod:`staffing.exports.workbook`), so the two can never disagree about a cell.

Conventions
-----------
* **Wall time.** Everything is naive local wall-clock time, like the :class:`Plan`. A
  day's axis starts at its midnight; a position on it is the wall-clock difference in
  hours (``(t - midnight) / 1 h`` on naive stamps), so 06:00 the next morning is 30.0.
* **A shift belongs to the day it starts** (as in :mod:`staffing.exports.rota`); a night
  shift runs past 24:00 on that day's axis, which then ends at the latest shift end.
* **Intervals** of the axis are the plan's regular wall-clock grid from midnight, minus
  local times the time zone skips (the 01:00 hour of a spring DST change does not exist,
  so that day has one interval-hour fewer). The repeated hour of an autumn change is one
  wall-clock interval: both occurrences are merged (see :func:`timeline_frame`).
* **Cell state** of an agent in an interval ``[t, t + interval)``: :data:`BREAK` when one
  of the agent's breaks overlaps it, else :data:`WORK` when one of the agent's shifts
  overlaps it, else :data:`OFF`. A partly covered interval counts (an hourly cell of a
  shift ending 16:30 is worked; an hour holding a 30-minute break shows the break),
  because a planner scanning for who is there wants every interval someone touches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.exports.coverage import UNDER_TOLERANCE_AGENTS
from staffing.exports.rota import iter_shifts
from staffing.planning.model import Plan

__all__ = [
    "BREAK",
    "BREAK_COLOUR",
    "INTERVAL_COLUMNS",
    "OFF",
    "SHIFT_COLUMNS",
    "SL_TOLERANCE",
    "WORK",
    "WORK_COLOUR",
    "DayTimeline",
    "clock_label",
    "timeline_days",
    "timeline_frame",
    "wall_hours",
]

#: Cell states of :attr:`DayTimeline.cells`.
OFF, WORK, BREAK = 0, 1, 2
#: Fill colours of worked and break cells (chart and sheet use the same ones).
WORK_COLOUR, BREAK_COLOUR = "#7FA7D9", "#FFE08A"
#: A projected service level this close below the target still meets it (float noise).
SL_TOLERANCE = 1e-9

#: Columns of :attr:`DayTimeline.shifts`.
SHIFT_COLUMNS = ("agent_id", "start", "end", "paid_minutes", "breaks", "start_hours", "end_hours",
                 "first_interval", "label")
#: Columns of :attr:`DayTimeline.intervals`.
INTERVAL_COLUMNS = ("hours", "required", "scheduled", "short", "calls", "service_level", "target_sl",
                    "below_target")

_HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True)
class DayTimeline:
    """One day of the plan as the planner's timeline shows it.

    Attributes
    ----------
    day
        The day's midnight (naive local).
    interval_minutes
        The plan's interval length.
    end_hours
        Length of the axis in wall-clock hours: 24, or more when a shift starting this day
        ends after midnight (rounded up to a whole interval).
    shifts
        One row per shift starting on ``day`` (:data:`SHIFT_COLUMNS`), in row order:
        ``start_hours`` / ``end_hours`` are axis positions, ``first_interval`` the start of
        the first interval the shift touches, ``label`` ``"22:00-06:00 (+1)"``.
    cells
        Agent x interval states (:data:`OFF`, :data:`WORK`, :data:`BREAK`); index
        ``agent_id`` sorted by first shift start (then id), columns the interval starts.
    intervals
        One row per interval of the axis, indexed by ``interval_start``
        (:data:`INTERVAL_COLUMNS`): coverage's ``required``, ``scheduled`` and ``short``
        (= ``under``; NaN outside the plan's coverage), the projected service level
        call-weighted over queues with its call-weighted ``target_sl``, and
        ``below_target`` (some queue with calls is below its own target).
    has_service
        Whether the plan carries projected service (``plan.service``); without it the
        service columns are NaN and ``below_target`` is False.
    """

    day: pd.Timestamp
    interval_minutes: int
    end_hours: float
    shifts: pd.DataFrame
    cells: pd.DataFrame
    intervals: pd.DataFrame
    has_service: bool

    @property
    def own_intervals(self) -> pd.DataFrame:
        """The intervals of the calendar day itself (not the next morning a night shift reaches)."""
        return self.intervals[pd.DatetimeIndex(self.intervals.index).normalize() == self.day]

    @property
    def short_agent_hours(self) -> float:
        """Agent-hours short over the calendar day (``sum(short) x interval``)."""
        return float(self.own_intervals["short"].fillna(0.0).sum()) * self.interval_minutes / 60.0


def wall_hours(stamp: pd.Timestamp, day: pd.Timestamp) -> float:
    """Axis position of ``stamp``: wall-clock hours since ``day``'s midnight (naive difference)."""
    return float((pd.Timestamp(stamp) - day) / _HOUR)


def clock_label(hours: float) -> str:
    """Axis label of a wall-clock position: ``"08:30"``, ``"02:00 (+1)"`` past 24:00."""
    minutes = round(float(hours) * 60)
    days, rest = divmod(minutes, 24 * 60)
    text = f"{rest // 60:02d}:{rest % 60:02d}"
    return text + (f" (+{days})" if days else "")


def timeline_days(plan: Plan) -> list[pd.Timestamp]:
    """The days of the plan week that have coverage intervals or shifts starting on them."""
    start = pd.Timestamp(plan.meta.week_start)
    week = [start + pd.Timedelta(days=i) for i in range(7)]
    used = set(plan.coverage["interval_start"].dt.normalize()) | set(plan.roster["shift_start"].dt.normalize())
    return [d for d in week if d in used]


def _axis(day: pd.Timestamp, end_hours: float, minutes: int, timezone: str | None) -> pd.DatetimeIndex:
    stamps = pd.date_range(day, day + end_hours * _HOUR, freq=pd.Timedelta(minutes=minutes), inclusive="left")
    if timezone is not None and len(stamps):
        # Keep only wall times that exist in the zone (a spring change skips an hour).
        localised = stamps.tz_localize(timezone, ambiguous=np.ones(len(stamps), dtype=bool), nonexistent="NaT")
        stamps = stamps[np.asarray(localised.notna())]
    return stamps


def _overlaps(starts: np.ndarray, ends: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Boolean (spans x intervals): span ``[start, end)`` overlaps interval ``[lo, hi)``."""
    return (starts[:, None] < hi[None, :]) & (ends[:, None] > lo[None, :])


def _coverage_on(coverage: pd.DataFrame, axis: pd.DatetimeIndex) -> pd.DataFrame:
    # An autumn change repeats a wall-clock hour, so naive stamps collide: show the thinner
    # occurrence (larger need, fewer agents, larger shortfall) - the one a planner must fix.
    grouped = coverage.groupby("interval_start")
    merged = pd.DataFrame({"required": grouped["required"].max(), "scheduled": grouped["scheduled"].min(),
                           "short": grouped["under"].max()})
    return merged.reindex(axis).astype(float)


def _service_on(plan: Plan, axis: pd.DatetimeIndex) -> pd.DataFrame:
    """Call-weighted projected service level, target and below-target flag per interval."""
    empty = pd.DataFrame({"calls": np.nan, "service_level": np.nan, "target_sl": np.nan, "below_target": False},
                         index=axis)
    service = plan.service
    if service is None or "service_level" not in service.columns:
        return empty
    frame = service[service["interval_start"].isin(axis)]
    if frame.empty:
        return empty
    queues = frame["queue"].astype(str) if "queue" in frame.columns else pd.Series("default", index=frame.index)
    target = queues.map(lambda q: plan.meta.targets_of(q).target_sl).astype(float)
    # Without a calls column every queue weighs the same; with one, a queue without calls
    # in an interval neither weighs on nor flags that interval (its 100 % SL is vacuous).
    calls = frame["calls"].astype(float) if "calls" in frame.columns else pd.Series(1.0, index=frame.index)
    sl = frame["service_level"].astype(float)
    weight = calls.where(sl.notna() & (calls > 0), 0.0)
    parts = pd.DataFrame({
        "interval_start": frame["interval_start"],
        "calls": calls if "calls" in frame.columns else np.nan,
        "weight": weight,
        "weighted_sl": (sl.fillna(0.0) * weight),
        "weighted_target": target * weight,
        "below": (weight > 0) & (sl < target - SL_TOLERANCE),
    })
    g = parts.groupby("interval_start")
    total = g["weight"].sum()
    out = pd.DataFrame({
        "calls": g["calls"].sum(min_count=1),
        "service_level": (g["weighted_sl"].sum() / total).where(total > 0),
        "target_sl": (g["weighted_target"].sum() / total).where(total > 0),
        "below_target": g["below"].any(),
    })
    out = out.reindex(axis)
    out["below_target"] = out["below_target"].fillna(False).astype(bool)
    return out


def timeline_frame(plan: Plan, day: pd.Timestamp | str) -> DayTimeline:
    """Prepare one day of ``plan`` for the rota timeline chart and the Timeline sheet.

    Parameters
    ----------
    plan
        The plan (naive local times; ``plan.service`` optional).
    day
        The calendar day (any time of day is ignored).

    Returns
    -------
    DayTimeline
        The day's shifts, agent x interval cell states and per-interval need, staffing and
        projected service (see the module docstring for the conventions).
    """
    day = pd.Timestamp(day).normalize()
    minutes = plan.meta.interval_minutes
    step = pd.Timedelta(minutes=minutes)
    shifts = [s for s in iter_shifts(plan.roster) if s.start.normalize() == day]
    shifts.sort(key=lambda s: (s.start, s.agent_id))
    latest = max([day + 24 * _HOUR, *(s.end for s in shifts)])
    # Whole intervals only: a shift ending 06:10 on a 15-minute plan extends the axis to 06:15.
    end_hours = math.ceil((latest - day) / step) * minutes / 60.0
    axis = _axis(day, end_hours, minutes, plan.meta.timezone)

    lo = axis.to_numpy()
    hi = (axis + step).to_numpy()
    agents = list(dict.fromkeys(s.agent_id for s in shifts))
    states = np.zeros((len(agents), len(axis)), dtype=np.int8)
    first_intervals: list[pd.Timestamp | None] = []
    for shift in shifts:
        row = agents.index(shift.agent_id)
        on = _overlaps(np.array([shift.start.to_datetime64()]), np.array([shift.end.to_datetime64()]), lo, hi)[0]
        states[row] = np.maximum(states[row], np.where(on, WORK, OFF))
        if shift.breaks:
            b_lo = np.array([b[0].to_datetime64() for b in shift.breaks])
            b_hi = np.array([b[1].to_datetime64() for b in shift.breaks])
            on_break = _overlaps(b_lo, b_hi, lo, hi).any(axis=0)
            states[row] = np.where(on_break, BREAK, states[row])
        first_intervals.append(axis[on.argmax()] if on.any() else None)

    shift_frame = pd.DataFrame(
        [(s.agent_id, s.start, s.end, s.paid_minutes, s.breaks, wall_hours(s.start, day), wall_hours(s.end, day),
          first, f"{clock_label(wall_hours(s.start, day))}-{clock_label(wall_hours(s.end, day))}")
         for s, first in zip(shifts, first_intervals, strict=True)],
        columns=list(SHIFT_COLUMNS),
    )
    cells = pd.DataFrame(states, index=pd.Index(agents, name="agent_id"),
                         columns=pd.DatetimeIndex(axis, name="interval_start"))

    intervals = pd.concat([_coverage_on(plan.coverage, axis), _service_on(plan, axis)], axis=1)
    intervals.insert(0, "hours", (axis - day) / _HOUR)
    intervals.index.name = "interval_start"
    # Shortfalls within float noise are not shortfalls (as on every coverage heatmap).
    intervals["short"] = intervals["short"].where(~(intervals["short"] <= UNDER_TOLERANCE_AGENTS), 0.0)
    return DayTimeline(day=day, interval_minutes=minutes, end_hours=end_hours, shifts=shift_frame,
                       cells=cells, intervals=intervals[list(INTERVAL_COLUMNS)],
                       has_service=plan.service is not None and "service_level" in plan.service.columns)
