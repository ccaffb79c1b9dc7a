"""What-if sweeps: the staffing cost of many service targets and forecast changes at once.

A :class:`ScenarioGrid` is the cartesian product of a few axes (service-level target,
answer time, volume and handle-time changes, shrinkage, Erlang model, ...).
:func:`run_sweep` evaluates every scenario against a baseline forecast, which it never
modifies, and returns a :class:`SweepResult`: a tidy scenario x queue x interval table,
a scenario x day table and a one-row-per-scenario summary (agent-hours, FTE, peak,
projected service level).

The Erlang core is vectorised, so scenarios are not looped over: the intervals of all
scenarios that share the same targets are stacked into one array and evaluated by one
:func:`staffing.queueing.erlang.required_agents` call. Work is cut into tasks of at most
``batch_size`` scenario-intervals and submitted to a :class:`concurrent.futures.Executor`
(see :mod:`staffing.executors`), so the same sweep runs serially, on a local process
pool or on a Dask cluster; results are concatenated in scenario order whatever the
executor.

The grid lives in :mod:`staffing.whatif.grid`, the summary and daily tables in
:mod:`staffing.whatif.aggregate` and the rostered evaluation in
:mod:`staffing.whatif.rostered`; the interval length is the caller's to decide
(:func:`staffing.tables.infer_table_interval_minutes` reads it from data).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from staffing.errors import InvalidArgumentError
from staffing.executors import SerialExecutor, run_ordered
from staffing.queueing.requirements import ServiceTargets
from staffing.whatif.aggregate import SweepResult, sort_intervals, summarise_sweep
from staffing.whatif.grid import Scenario, ScenarioGrid
from staffing.whatif.rostered import RosterEvaluator, add_roster_coverage

# The grid and result types are re-exported: callers import a sweep's inputs and output from here.
__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_FTE_HOURS_PER_WEEK",
    "DEFAULT_QUEUE",
    "RosterEvaluator",
    "Scenario",
    "ScenarioGrid",
    "SweepResult",
    "run_sweep",
]

DEFAULT_FTE_HOURS_PER_WEEK: Final = 37.5
DEFAULT_BATCH_SIZE: Final = 200_000
DEFAULT_QUEUE: Final = "default"


@dataclass(frozen=True)
class _QueueBaseline:
    queue: str
    interval_start: pd.DatetimeIndex
    calls: np.ndarray
    aht_seconds: np.ndarray


@dataclass(frozen=True)
class _Task:
    interval_minutes: float
    # (queue baseline, scenarios of this task for that queue)
    units: tuple[tuple[_QueueBaseline, tuple[Scenario, ...]], ...]

    @property
    def rows(self) -> int:
        return sum(q.calls.size * len(s) for q, s in self.units)


_INTERVAL_COLUMNS: Final = (
    "load_erlangs",
    "agents_net",
    "agents",
    "service_level",
    "prob_wait",
    "asa_seconds",
    "occupancy",
    "prob_abandon",
)


def _target_kwargs(targets: ServiceTargets) -> dict[str, Any]:
    return {
        "target_sl": targets.target_sl,
        "answer_seconds": targets.answer_seconds,
        "max_asa_seconds": targets.max_asa_seconds,
        "max_occupancy": targets.max_occupancy,
        "model": targets.model,
        "patience_seconds": targets.patience_seconds,
        "max_abandon": targets.max_abandon,
        "shrinkage": targets.shrinkage,
        "fractional": targets.fractional,
    }


def _targets_key(targets: ServiceTargets) -> tuple[Any, ...]:
    return tuple(_target_kwargs(targets).values())


def _evaluate_task(task: _Task) -> pd.DataFrame:
    """Requirements of every (queue, scenario) pair of ``task``.

    Pairs sharing the same targets (of any queue) are stacked into one array and
    evaluated by a single vectorised ``required_agents`` call.
    """
    from staffing.queueing.erlang import required_agents

    groups: dict[tuple[Any, ...], list[tuple[_QueueBaseline, Scenario]]] = {}
    for base, scenarios in task.units:
        for scenario in scenarios:
            groups.setdefault(_targets_key(scenario.targets), []).append((base, scenario))
    frames = []
    for pairs in groups.values():
        calls = np.concatenate([b.calls * s.volume_factor for b, s in pairs])
        aht = np.concatenate([s.aht.apply(b.aht_seconds) for b, s in pairs])
        sizes = np.array([b.calls.size for b, _ in pairs])
        req = required_agents(calls, aht, task.interval_minutes, **_target_kwargs(pairs[0][1].targets))
        data: dict[str, Any] = {
            "scenario": np.repeat(np.array([s.scenario_id for _, s in pairs], dtype=np.int64), sizes),
            "queue": np.repeat(np.array([b.queue for b, _ in pairs], dtype=object), sizes),
            "interval_start": _concat_starts([b.interval_start for b, _ in pairs]),
            "calls": calls,
            "aht_seconds": aht,
        }
        for column in _INTERVAL_COLUMNS:
            value = getattr(req, column, None)
            data[column] = (
                np.full(calls.size, np.nan) if value is None else np.broadcast_to(np.asarray(value), calls.shape)
            )
        frames.append(pd.DataFrame(data))
    return pd.concat(frames, ignore_index=True)


def _concat_starts(parts: list[pd.DatetimeIndex]) -> pd.DatetimeIndex:
    first = parts[0]
    if all(p is first for p in parts):  # one queue: repeat its index without copying per part
        return first.take(np.tile(np.arange(first.size), len(parts)))
    return pd.DatetimeIndex(first.append(parts[1:]))


def _plan_tasks(
    work: Sequence[tuple[_QueueBaseline, Sequence[Scenario]]],
    interval_minutes: float,
    batch_size: int,
) -> list[_Task]:
    """Cut the (queue, scenario) work into tasks of about ``batch_size`` rows, queue-major.

    ``work`` pairs each queue's baseline with the scenarios resolved against that
    queue's own base targets.
    """
    units: list[tuple[_QueueBaseline, tuple[Scenario, ...]]] = []
    for base, scenarios in work:
        per_chunk = max(1, batch_size // max(1, base.calls.size))
        for start in range(0, len(scenarios), per_chunk):
            units.append((base, tuple(scenarios[start : start + per_chunk])))
    tasks: list[_Task] = []
    current: list[tuple[_QueueBaseline, tuple[Scenario, ...]]] = []
    rows = 0
    for unit in units:
        unit_rows = unit[0].calls.size * len(unit[1])
        if current and rows + unit_rows > batch_size:
            tasks.append(_Task(interval_minutes, tuple(current)))
            current, rows = [], 0
        current.append(unit)
        rows += unit_rows
    if current:
        tasks.append(_Task(interval_minutes, tuple(current)))
    return tasks


def _prepare_baseline(forecast: pd.DataFrame) -> list[_QueueBaseline]:
    """Validate the baseline forecast and split it by queue (copies; the input is untouched)."""
    missing = [c for c in ("interval_start", "calls", "aht_seconds") if c not in forecast.columns]
    if missing:
        raise InvalidArgumentError("forecast", list(forecast.columns), f"columns including {', '.join(missing)}")
    if len(forecast) == 0:
        raise InvalidArgumentError("forecast", "0 rows", "at least one interval")
    starts = pd.to_datetime(forecast["interval_start"])
    calls = pd.to_numeric(forecast["calls"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    aht = pd.to_numeric(forecast["aht_seconds"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    queue = (
        forecast["queue"].astype(str).to_numpy(dtype=object)
        if "queue" in forecast.columns
        else np.full(len(forecast), DEFAULT_QUEUE, dtype=object)
    )
    bad_calls = ~np.isfinite(calls) | (calls < 0)
    if bad_calls.any():
        pos = int(np.flatnonzero(bad_calls)[0])
        raise InvalidArgumentError(f"forecast calls (row {pos})", forecast["calls"].iloc[pos], "a number >= 0")
    # A zero-call interval may have no handle time; its requirement is 0 whatever the AHT.
    bad_aht = (calls > 0) & ~(np.isfinite(aht) & (aht > 0))
    if bad_aht.any():
        pos = int(np.flatnonzero(bad_aht)[0])
        raise InvalidArgumentError(
            f"forecast aht_seconds (row {pos})", forecast["aht_seconds"].iloc[pos], "> 0 where calls > 0"
        )
    frame = pd.DataFrame({"queue": queue, "interval_start": starts.array, "calls": calls, "aht_seconds": aht})
    if frame.duplicated(["queue", "interval_start"]).any():
        dup = frame[frame.duplicated(["queue", "interval_start"])].iloc[0]
        raise InvalidArgumentError(
            "forecast", f"{dup['queue']} {dup['interval_start']}", "one row per queue and interval_start"
        )
    baselines = []
    for name, part in frame.sort_values(["queue", "interval_start"], kind="stable").groupby("queue", sort=True):
        q_calls = part["calls"].to_numpy(dtype=float)
        q_aht = part["aht_seconds"].to_numpy(dtype=float)
        fill = float(np.average(q_aht[q_calls > 0], weights=q_calls[q_calls > 0])) if (q_calls > 0).any() else 1.0
        q_aht = np.where(np.isfinite(q_aht) & (q_aht > 0), q_aht, fill)
        baselines.append(_QueueBaseline(str(name), pd.DatetimeIndex(part["interval_start"]), q_calls, q_aht))
    return baselines


def _check_scenarios_on_baseline(scenarios: Sequence[Scenario], baselines: Sequence[_QueueBaseline]) -> None:
    busy = np.concatenate([b.aht_seconds[b.calls > 0] for b in baselines])
    if busy.size == 0:
        return
    shortest = float(busy.min())
    for scenario in scenarios:
        if scenario.aht.apply(np.array([shortest]))[0] <= 0:
            raise InvalidArgumentError(
                "grid[aht]", scenario.aht.label,
                f"a change leaving handle times > 0 (the shortest forecast AHT is {shortest:g} s)",
            )


def run_sweep(
    forecast: pd.DataFrame,
    base_targets: ServiceTargets,
    grid: ScenarioGrid,
    *,
    interval_minutes: float,
    executor: Executor | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    fte_hours_per_week: float = DEFAULT_FTE_HOURS_PER_WEEK,
    roster: RosterEvaluator | None = None,
    queue_targets: Mapping[str, ServiceTargets] | None = None,
) -> SweepResult:
    """Evaluate every scenario of ``grid`` against the baseline ``forecast``.

    Parameters
    ----------
    forecast
        Baseline forecast: ``interval_start``, ``calls``, ``aht_seconds`` and optionally
        ``queue``. Never modified. Zero-call intervals may have a blank AHT.
    base_targets
        Targets of the baseline; each scenario overrides the axes of ``grid``. The
        parameter columns of the scenario summary show these targets.
    grid
        The scenarios (an empty grid gives the baseline alone).
    interval_minutes
        Length of one forecast interval in minutes.
    executor
        Where to run the tasks (:func:`staffing.executors.open_executor`); ``None``
        runs them in this process. Results do not depend on the executor.
    batch_size
        Largest number of scenario x interval rows evaluated per task; tasks hold
        whole queues' weeks and several scenarios each.
    fte_hours_per_week
        Paid hours of one full-time equivalent, for ``fte``.
    roster
        Optional :class:`RosterEvaluator` giving scheduled coverage per scenario;
        adds the rostered service level and under-/over-staffing.
    queue_targets
        Base targets of individual queues (e.g. from a multi-queue site config);
        queues not named use ``base_targets``. A scenario replaces only the axes of
        ``grid`` in each queue's own targets, so ``target_sl=0.9`` raises every queue
        to 90% while each keeps its answer time, shrinkage, model, ...

    Returns
    -------
    SweepResult

    Notes
    -----
    Scenario *s* changes the forecast to ``calls * volume_s`` and
    ``aht_seconds * aht_factor_s + aht_add_seconds_s`` and computes the requirement
    of each interval with :func:`staffing.queueing.erlang.required_agents` under the scenario's
    targets. Agent-hours are ``sum(agents) * interval_minutes / 60`` (gross of
    shrinkage); weekly agent-hours scale the horizon total to seven days
    (``agent_hours * 7 / days``, equal to the total for a one-week forecast); FTE is
    weekly agent-hours over ``fte_hours_per_week``. Projected service level, ASA and
    abandonment are call-weighted means of the interval values, i.e. the fraction of
    all calls of the horizon answered within the target time, the usual way to
    aggregate interval service levels (Koole, *Call Center Optimization*, 2013).
    """
    if batch_size < 1:
        raise InvalidArgumentError("batch_size", batch_size, ">= 1")
    if not (interval_minutes > 0 and math.isfinite(interval_minutes)):
        raise InvalidArgumentError("interval_minutes", interval_minutes, "> 0")
    if not fte_hours_per_week > 0:
        raise InvalidArgumentError("fte_hours_per_week", fte_hours_per_week, "> 0")
    baselines = _prepare_baseline(forecast)
    scenarios = grid.scenarios(base_targets)
    _check_scenarios_on_baseline(scenarios, baselines)
    per_queue = _queue_scenarios(baselines, scenarios, grid, base_targets, queue_targets or {})
    runner = executor or SerialExecutor()
    tasks = _plan_tasks(list(zip(baselines, per_queue.values(), strict=True)), float(interval_minutes), batch_size)
    parts = run_ordered(runner, _evaluate_task, tasks)
    intervals = sort_intervals(pd.concat(parts, ignore_index=True))
    if roster is not None:
        intervals = add_roster_coverage(intervals, scenarios, per_queue, roster, runner, float(interval_minutes))
    return summarise_sweep(intervals, scenarios, grid.names, base_targets, float(interval_minutes),
                           float(fte_hours_per_week))


def _queue_scenarios(
    baselines: Sequence[_QueueBaseline],
    scenarios: list[Scenario],
    grid: ScenarioGrid,
    base_targets: ServiceTargets,
    queue_targets: Mapping[str, ServiceTargets],
) -> dict[str, list[Scenario]]:
    """Each queue's scenarios: the grid applied to that queue's base targets (same ids)."""
    names = [b.queue for b in baselines]
    unknown = sorted(set(queue_targets) - set(names))
    if unknown:
        raise InvalidArgumentError("queue_targets", unknown, f"queues of the forecast ({', '.join(names)})")
    out: dict[str, list[Scenario]] = {}
    for name in names:
        own = queue_targets.get(name, base_targets)
        try:
            out[name] = scenarios if own == base_targets else grid.scenarios(own)
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"{exc.name} (queue {name})", exc.value, exc.expected) from None
    return out

