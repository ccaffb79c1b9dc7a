"""Aggregation of a sweep's interval table: the per-scenario summary and the daily table.

Everything is a bincount over integer codes of (scenario, interval, day), so a sweep of
thousands of scenarios aggregates in one pass. :class:`SweepResult` holds the tables and
shapes the summary for the cost-vs-service-level chart (:meth:`SweepResult.scenario_page`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.errors import InvalidArgumentError
from staffing.queueing.requirements import ServiceTargets
from staffing.whatif.grid import AhtChange, Scenario


@dataclass(frozen=True)
class SweepResult:
    """Everything a sweep computed; every table is sorted by scenario.

    Attributes
    ----------
    scenarios
        One row per scenario: its parameters (``scenario``, ``model``, ``target_sl``,
        ``answer_seconds``, ``max_asa_seconds``, ``max_occupancy``, ``max_abandon``,
        ``patience_seconds``, ``shrinkage``, ``volume``, ``aht``, ``aht_factor``,
        ``aht_add_seconds``), ``label`` (the varying parameters as text),
        ``is_baseline``, and the results: ``calls``; ``agent_hours`` (total
        shrinkage-grossed agent-hours over the horizon); ``agent_hours_net``;
        ``agent_hours_per_day`` (mean over the days of the horizon);
        ``agent_hours_per_week`` (``agent_hours * 7 / days``); ``fte``
        (``agent_hours_per_week / fte_hours_per_week``); ``peak_agents`` (largest
        requirement of any interval, summed over queues) and ``peak_interval``;
        ``service_level``, ``asa_seconds`` and ``prob_abandon`` (call-weighted means
        over intervals and queues); ``occupancy`` (offered load over net agents,
        summed over intervals). With a roster evaluator also
        ``scheduled_agent_hours``, ``under_staffed_hours``, ``over_staffed_hours``
        and the rostered ``scheduled_service_level``, ``scheduled_asa_seconds``,
        ``scheduled_prob_abandon``.
    daily
        One row per scenario and date: ``scenario, date, calls, agent_hours,
        peak_agents, service_level`` (call-weighted).
    intervals
        The tidy table: ``scenario, queue, interval_start, calls, aht_seconds,
        load_erlangs, agents_net, agents, service_level, prob_wait, asa_seconds,
        occupancy, prob_abandon`` (the requirement of each queue and interval under
        the scenario; ``agents`` is shrinkage-grossed), plus ``scheduled, under,
        over, scheduled_service_level, scheduled_asa_seconds,
        scheduled_prob_abandon`` with a roster evaluator.
    varying
        Names of the grid axes (the parameters that differ between scenarios).
    interval_minutes, fte_hours_per_week, days
        The interval length, the FTE definition and the number of calendar days the
        forecast covers.
    """

    scenarios: pd.DataFrame
    daily: pd.DataFrame
    intervals: pd.DataFrame
    varying: tuple[str, ...]
    interval_minutes: float
    fte_hours_per_week: float
    days: int

    @property
    def rostered(self) -> bool:
        """Whether the scenarios were rostered (the ``scheduled_*`` columns exist)."""
        return "scheduled_agent_hours" in self.scenarios.columns

    def scenario_page(self, *, rostered: bool | None = None) -> pd.DataFrame:
        """The summary in the shape of :func:`staffing.report.render_scenarios`.

        ``scenario`` is the scenario number (``"5 (baseline)"`` for the baseline);
        ``agent_hours`` the weekly cost and ``service_level`` the projected service
        level: of the requirement, or with ``rostered`` (default: when the sweep was
        rostered) of the rostered coverage, i.e. ``scheduled_agent_hours * 7 / days``
        and ``scheduled_service_level``. The other columns are the varying parameters
        (and ``model``), FTE and peak, plus the other view's figures when rostered.
        """
        rostered = self.rostered if rostered is None else rostered
        if rostered and not self.rostered:
            raise InvalidArgumentError("rostered", True, "a sweep run with a roster evaluator")
        s = self.scenarios
        page = pd.DataFrame({
            "scenario": [f"{sid} (baseline)" if base else str(sid)
                         for sid, base in zip(s["scenario"], s["is_baseline"], strict=True)],
        })
        required_week = s["agent_hours_per_week"].to_numpy(dtype=float)
        if rostered:
            page["agent_hours"] = s["scheduled_agent_hours"].to_numpy(dtype=float) * 7.0 / self.days
            page["service_level"] = s["scheduled_service_level"].to_numpy(dtype=float)
        else:
            page["agent_hours"] = required_week
            page["service_level"] = s["service_level"].to_numpy(dtype=float)
        for name in dict.fromkeys(["model", *self.varying]):
            page[name] = s[name].to_numpy()
        page["fte"] = s["fte"].round(1).to_numpy()
        page["peak_agents"] = s["peak_agents"].to_numpy()
        if rostered:
            page["required_agent_hours_per_week"] = required_week.round(1)
            page["under_staffed_hours"] = s["under_staffed_hours"].round(1).to_numpy()
        elif self.rostered:
            page["scheduled_service_level"] = s["scheduled_service_level"].round(4).to_numpy()
        return page


def sort_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """The interval table in scenario, queue, time order, with whole agent counts as integers."""
    frame = frame.sort_values(["scenario", "queue", "interval_start"], kind="stable", ignore_index=True)
    frame["queue"] = frame["queue"].astype("string")
    if pd.api.types.is_float_dtype(frame["agents"]) and np.all(np.mod(frame["agents"].to_numpy(), 1) == 0):
        for column in ("agents", "agents_net"):
            frame[column] = frame[column].astype(np.int64)
    return frame


def summarise_sweep(
    intervals: pd.DataFrame,
    scenarios: Sequence[Scenario],
    varying: tuple[str, ...],
    base_targets: ServiceTargets,
    interval_minutes: float,
    fte_hours_per_week: float,
) -> SweepResult:
    """The summary and daily tables of a sorted interval table (:func:`sort_intervals`).

    Parameters
    ----------
    intervals
        Every scenario's requirement rows (plus the roster columns when rostered).
    scenarios
        The scenarios in grid order; ``scenario`` of ``intervals`` holds their ids.
    varying
        Names of the grid axes, for the scenario labels.
    base_targets
        The baseline targets, to mark the baseline scenario.
    interval_minutes
        Length of one interval in minutes (agent-hours are ``agents * interval_minutes / 60``).
    fte_hours_per_week
        Paid hours of one full-time equivalent.

    Returns
    -------
    SweepResult
    """
    codes = _Codes.of(intervals, np.array([sc.scenario_id for sc in scenarios]))
    days = int(codes.days.size)
    summary = _summarise(intervals, codes, scenarios, varying, base_targets, interval_minutes,
                         fte_hours_per_week, days)
    daily = _daily(intervals, codes, interval_minutes)
    return SweepResult(summary, daily, intervals, varying, interval_minutes, fte_hours_per_week, days)


@dataclass(frozen=True)
class _Codes:
    """Integer codes of the rows of an interval table, for bincount aggregation."""

    scenario_ids: np.ndarray  # sorted
    scenario: np.ndarray  # row -> position of its scenario (0..S-1)
    n_scenarios: int
    time: np.ndarray  # row -> position of its interval_start among the sorted distinct ones
    times: pd.DatetimeIndex
    day_of_time: np.ndarray  # time position -> position of its calendar day
    days: pd.DatetimeIndex

    @classmethod
    def of(cls, intervals: pd.DataFrame, scenario_ids: np.ndarray) -> _Codes:
        time, times = pd.factorize(intervals["interval_start"], sort=True)
        day_of_time, days = pd.factorize(pd.DatetimeIndex(times).normalize(), sort=True)
        return cls(scenario_ids, np.searchsorted(scenario_ids, intervals["scenario"].to_numpy()), scenario_ids.size,
                   time, pd.DatetimeIndex(times), day_of_time, pd.DatetimeIndex(days))

    @property
    def day(self) -> np.ndarray:
        return self.day_of_time[self.time]


def _sum(codes: np.ndarray, size: int, values: np.ndarray) -> np.ndarray:
    return np.bincount(codes, weights=values, minlength=size)


def _weighted_mean(codes: np.ndarray, size: int, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean per code; rows with zero weight do not count, NaN on a weighted row spoils it."""
    has = weights > 0
    w = np.where(has, weights, 0.0)
    wv = np.where(has, w * np.where(has, values, 0.0), 0.0)
    missing = _sum(codes, size, (has & np.isnan(values)).astype(float))
    total = _sum(codes, size, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = _sum(codes, size, np.nan_to_num(wv, nan=0.0)) / total
    return np.where((total > 0) & (missing == 0), mean, np.nan)


def _centre(codes: _Codes, agents: np.ndarray) -> np.ndarray:
    """Requirement summed over queues: a scenarios x interval_starts matrix."""
    n_times = codes.times.size
    key = codes.scenario * n_times + codes.time
    return _sum(key, codes.n_scenarios * n_times, agents).reshape(codes.n_scenarios, n_times)


def _summarise(
    intervals: pd.DataFrame,
    codes: _Codes,
    scenarios: Sequence[Scenario],
    varying: tuple[str, ...],
    base: ServiceTargets,
    interval_minutes: float,
    fte_hours_per_week: float,
    days: int,
) -> pd.DataFrame:
    hours = interval_minutes / 60.0
    out = pd.DataFrame([s.parameters() for s in scenarios])
    out["label"] = [_label(s, varying) for s in scenarios]
    out["is_baseline"] = [
        s.targets == base and s.volume_factor == 1.0 and s.aht == AhtChange() for s in scenarios
    ]
    s, n = codes.scenario, codes.n_scenarios

    def col(name: str) -> np.ndarray:
        return intervals[name].to_numpy(dtype=float)

    calls = col("calls")
    out["calls"] = _sum(s, n, calls)
    out["agent_hours"] = _sum(s, n, col("agents")) * hours
    out["agent_hours_net"] = _sum(s, n, col("agents_net")) * hours
    out["agent_hours_per_day"] = out["agent_hours"] / days
    out["agent_hours_per_week"] = out["agent_hours"] * 7.0 / days
    out["fte"] = out["agent_hours_per_week"] / fte_hours_per_week
    centre = _centre(codes, col("agents"))
    out["peak_agents"] = centre.max(axis=1)
    out["peak_interval"] = codes.times[centre.argmax(axis=1)]
    if intervals["agents"].dtype.kind != "f":
        out["peak_agents"] = out["peak_agents"].astype(np.int64)
    for column in ("service_level", "asa_seconds", "prob_abandon"):
        out[column] = _weighted_mean(s, n, col(column), calls)
    net = _sum(s, n, col("agents_net"))
    with np.errstate(invalid="ignore", divide="ignore"):
        out["occupancy"] = np.where(net > 0, _sum(s, n, col("load_erlangs")) / net, np.nan)
    if "scheduled" in intervals.columns:
        out["scheduled_agent_hours"] = _sum(s, n, col("scheduled")) * hours
        out["under_staffed_hours"] = _sum(s, n, col("under")) * hours
        out["over_staffed_hours"] = _sum(s, n, col("over")) * hours
        for column in ("scheduled_service_level", "scheduled_asa_seconds", "scheduled_prob_abandon"):
            out[column] = _weighted_mean(s, n, col(column), calls)
    return out


def _daily(intervals: pd.DataFrame, codes: _Codes, interval_minutes: float) -> pd.DataFrame:
    scenario_ids = codes.scenario_ids
    n_days = codes.days.size
    size = codes.n_scenarios * n_days
    key = codes.scenario * n_days + codes.day
    calls = intervals["calls"].to_numpy(dtype=float)
    agents = intervals["agents"].to_numpy(dtype=float)
    centre = _centre(codes, agents)
    # Times are sorted, so each day's intervals are one contiguous block of columns.
    first_of_day = np.searchsorted(codes.day_of_time, np.arange(n_days))
    peak = np.maximum.reduceat(centre, first_of_day, axis=1).ravel()
    out = pd.DataFrame({
        "scenario": np.repeat(scenario_ids, n_days),
        "date": np.tile(np.asarray(codes.days.date), codes.n_scenarios),
        "calls": _sum(key, size, calls),
        "agent_hours": _sum(key, size, agents) * interval_minutes / 60.0,
        "peak_agents": peak if intervals["agents"].dtype.kind == "f" else peak.astype(np.int64),
        "service_level": _weighted_mean(key, size, intervals["service_level"].to_numpy(dtype=float), calls),
    })
    # A queue-week may not cover every day for every scenario; keep only days with intervals.
    present = _sum(key, size, np.ones(key.size)) > 0
    return out[present].reset_index(drop=True)


def _label(scenario: Scenario, varying: Sequence[str]) -> str:
    """The varying parameters of ``scenario`` as ``target_sl=0.8 volume=x1.1``."""
    record = scenario.parameters()
    parts = []
    for name in varying:
        if name == "volume":
            parts.append(f"volume=x{scenario.volume_factor:g}")
        elif name == "aht":
            parts.append(f"aht={scenario.aht.label}")
        else:
            value = record[name]
            parts.append(f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}")
    return " ".join(parts) or "baseline"

