"""The week's time grid, the requirement on it, and the catalogue of shift types.

Times inside the optimiser are integer minutes after ``week_start`` (naive local
midnight of the first day). Interval ``t`` covers minutes ``[t*g, (t+1)*g)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce

import numpy as np
import pandas as pd

from staffing.errors import InvalidArgumentError
from staffing.roster.config import BreakRule, RosterRules, minutes_of_day
from staffing.roster.types import AgentContract, shift_rows

MINUTES_PER_DAY = 1440
DAYS = 7


@dataclass(frozen=True)
class WeekGrid:
    """Requirement and interval weights of one week on a ``step_minutes`` grid.

    ``baseline`` is coverage already supplied by last week's shifts running past
    midnight into this week (breaks excluded); ``required`` is the requirement itself.
    """

    week_start: pd.Timestamp
    step_minutes: int
    required: np.ndarray
    baseline: np.ndarray
    weights: np.ndarray
    peak: np.ndarray

    @property
    def n_intervals(self) -> int:
        return int(self.required.size)

    @property
    def step_hours(self) -> float:
        return self.step_minutes / 60.0

    def interval_starts(self) -> pd.DatetimeIndex:
        return pd.date_range(self.week_start, periods=self.n_intervals, freq=f"{self.step_minutes}min")


@dataclass(frozen=True)
class BreakPlacements:
    """Where one break rule may start inside a shift: offsets (minutes after shift start)."""

    rule: BreakRule
    offsets_min: np.ndarray


@dataclass(frozen=True)
class ShiftTypes:
    """Every (start, length) a shift may take, indexed ``k``; arrays of equal length."""

    start_min: np.ndarray
    length_min: np.ndarray
    paid_min: np.ndarray
    day: np.ndarray
    breaks_by_length: dict[int, tuple[BreakPlacements, ...]]

    @property
    def end_min(self) -> np.ndarray:
        return self.start_min + self.length_min

    def __len__(self) -> int:
        return int(self.start_min.size)


def grid_step_minutes(rules: RosterRules, interval_minutes: int) -> int:
    """The coarsest grid on which starts, lengths, breaks and requirement intervals fall."""
    parts = [interval_minutes, rules.start_granularity_minutes]
    parts += [round(h * 60) for h in rules.shift_lengths_hours]
    for b in rules.breaks:
        parts += [b.duration_minutes, round(b.window_start_hours * 60), round(b.window_end_hours * 60)]
    return reduce(math.gcd, [p for p in parts if p > 0])


def interval_weights(required: np.ndarray, rules: RosterRules) -> tuple[np.ndarray, np.ndarray]:
    """Under-staffing weight ``w_t`` per interval and the peak mask.

    ``w_t = 1 + strength * r_t / max(r)`` (``mode="requirement"``) or ``1`` (``"flat"``);
    peak intervals have ``r_t >= quantile(r, peak_quantile)`` and ``r_t > 0``.
    """
    top = float(required.max()) if required.size else 0.0
    if rules.peak.mode == "requirement" and top > 0:
        weights = 1.0 + rules.peak.strength * required / top
    else:
        weights = np.ones_like(required)
    threshold = float(np.quantile(required, rules.peak.peak_quantile)) if required.size else 0.0
    peak = (required >= threshold) & (required > 0)
    return weights, peak


def with_tail(grid: WeekGrid, tail_minutes: int) -> WeekGrid:
    """The grid extended by ``tail_minutes`` past the week end, for shifts that run past it.

    Next week's requirement is not known; its first day is taken to look like this
    week's first day (``r[n + t] = r[t]``). Coverage there is only charged for
    over-staffing (``w = 0`` for under-staffing: next week's roster covers the rest), so
    a roster cannot park surplus hours past the week end for free.
    """
    tail = min(-(-tail_minutes // grid.step_minutes), grid.n_intervals)
    return WeekGrid(
        grid.week_start,
        grid.step_minutes,
        np.concatenate([grid.required, grid.required[:tail]]),
        np.concatenate([grid.baseline, np.zeros(tail)]),
        np.concatenate([grid.weights, np.zeros(tail)]),
        np.concatenate([grid.peak, np.zeros(tail, dtype=bool)]),
    )


def week_requirement(
    frame: pd.DataFrame, week_start: pd.Timestamp, step_minutes: int, interval_minutes: int
) -> np.ndarray:
    """Agents required per grid interval of the week (a coarser requirement is repeated).

    ``frame`` has ``interval_start`` (datetime) and ``agents`` (float >= 0); intervals of
    the week missing from it require 0 agents; rows outside the week are ignored.
    """
    n = DAYS * MINUTES_PER_DAY // step_minutes
    starts = pd.to_datetime(frame["interval_start"])
    if getattr(starts.dt, "tz", None) is not None:
        starts = starts.dt.tz_localize(None)
    order = np.argsort(starts.to_numpy(), kind="stable")
    starts = starts.iloc[order]
    agents = frame["agents"].to_numpy(dtype=float)[order]
    offsets = ((starts - week_start).dt.total_seconds().to_numpy() / 60.0)
    length = float(interval_minutes)
    if length % step_minutes:
        raise InvalidArgumentError("requirements interval", f"{length:g} min", f"a multiple of {step_minutes} min")
    required = np.zeros(n)
    reps = int(length // step_minutes)
    for off, value in zip(offsets, agents, strict=True):
        if off % step_minutes:
            raise InvalidArgumentError("interval_start", str(week_start + pd.Timedelta(minutes=off)),
                                       f"aligned to the {step_minutes}-minute grid")
        first = int(off // step_minutes)
        lo, hi = max(first, 0), min(first + reps, n)
        if lo < hi:
            required[lo:hi] = value
    return required


def build_shift_types(rules: RosterRules, step_minutes: int) -> ShiftTypes:
    """All shift types of the week: every allowed start on every day x every length."""
    g = rules.start_granularity_minutes
    first, last = minutes_of_day(rules.earliest_start), minutes_of_day(rules.latest_start)
    day_starts = np.arange(first, last + 1, g)
    starts, lengths, days = [], [], []
    for day in range(DAYS):
        for hours in rules.shift_lengths_hours:
            starts.append(day * MINUTES_PER_DAY + day_starts)
            lengths.append(np.full(day_starts.size, round(hours * 60)))
            days.append(np.full(day_starts.size, day))
    start = np.concatenate(starts).astype(np.int64)
    length = np.concatenate(lengths).astype(np.int64)
    order = np.lexsort((length, start))
    breaks: dict[int, tuple[BreakPlacements, ...]] = {}
    for hours in rules.shift_lengths_hours:
        placements = []
        for rule in rules.breaks_for(hours):
            lo = round(rule.window_start_hours * 60)
            hi = round(rule.window_end_hours * 60) - rule.duration_minutes
            offs = np.arange(lo, hi + 1, step_minutes, dtype=np.int64)
            offs = offs[offs % step_minutes == 0]
            placements.append(BreakPlacements(rule, offs))
        breaks[round(hours * 60)] = tuple(placements)
    paid = np.array([rules.paid_minutes(m / 60.0) for m in length], dtype=np.int64)
    return ShiftTypes(
        start_min=start[order],
        length_min=length[order],
        paid_min=paid[order],
        day=np.concatenate(days).astype(np.int64)[order],
        breaks_by_length=breaks,
    )


def agent_type_mask(
    types: ShiftTypes,
    agents: list[AgentContract],
    week_start: pd.Timestamp,
    earliest_start_min: dict[str, int] | None = None,
) -> np.ndarray:
    """Boolean ``[agent, type]``: the agent may work the type (length allowed, available,
    and starting no earlier than ``earliest_start_min[agent_id]``, i.e. rest after last week)."""
    mask = np.ones((len(agents), len(types)), dtype=bool)
    starts, ends = types.start_min, types.end_min
    earliest = earliest_start_min or {}
    for i, agent in enumerate(agents):
        if agent.agent_id in earliest:
            mask[i] &= starts >= earliest[agent.agent_id]
        if agent.shift_lengths_hours is not None:
            allowed = {round(h * 60) for h in agent.shift_lengths_hours}
            mask[i] &= np.isin(types.length_min, list(allowed))
        for lo, hi in agent.unavailable:
            a = (lo - week_start).total_seconds() / 60.0
            b = (hi - week_start).total_seconds() / 60.0
            mask[i] &= ~((starts < b) & (ends > a))
        if agent.max_days == 0 or agent.max_hours <= 0:
            mask[i] = False
    return mask


def shift_coverage_rows(types: ShiftTypes, k: int, n_intervals: int, step_minutes: int) -> range:
    """Grid intervals a shift of type ``k`` spans inside the week (breaks not removed)."""
    lo = int(types.start_min[k]) // step_minutes
    hi = min(int(types.end_min[k]) // step_minutes, n_intervals)
    return range(lo, hi)


def previous_week_baseline(
    previous: pd.DataFrame | None, week_start: pd.Timestamp, step_minutes: int
) -> np.ndarray:
    """Coverage this week from last week's shifts that run past the week start (breaks excluded)."""
    n = DAYS * MINUTES_PER_DAY // step_minutes
    base = np.zeros(n)
    if previous is None or previous.empty:
        return base

    def idx(ts: pd.Timestamp) -> int:
        return int((ts - week_start).total_seconds() // 60 // step_minutes)

    for row in shift_rows(previous):
        end = idx(row.shift_end)
        if end <= 0:
            continue
        base[max(idx(row.shift_start), 0):min(end, n)] += 1
        for b_start, b_end in row.breaks:
            lo, hi = max(idx(b_start), 0), min(idx(b_end), n)
            if lo < hi:
                base[lo:hi] -= 1
    return base


def model_grids(
    requirements: pd.DataFrame,
    rules: RosterRules,
    week_start: pd.Timestamp,
    previous: pd.DataFrame | None,
    interval_minutes: int,
) -> tuple[WeekGrid, WeekGrid, ShiftTypes]:
    """The week's grid, the grid the models see (the week plus its tail, :func:`with_tail`)
    and the shift types, from a requirement frame on ``interval_minutes`` intervals."""
    step = grid_step_minutes(rules, interval_minutes)
    required = week_requirement(requirements, week_start, step, interval_minutes)
    weights, peak = interval_weights(required, rules)
    week = WeekGrid(week_start, step, required, previous_week_baseline(previous, week_start, step), weights, peak)
    types = build_shift_types(rules, step)
    return week, with_tail(week, int(types.length_min.max())), types
