"""Rostered evaluation of a sweep: each scenario's roster, its coverage and projected service.

A :class:`RosterEvaluator` (the site's roster engine, :class:`staffing.whatif.site.SiteRoster`,
or a stand-in) turns one scenario's requirement into scheduled coverage; this module runs
it per scenario on the sweep's executor and projects the service level, ASA and
abandonment of that coverage with the scenario's own targets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np
import pandas as pd

from staffing.errors import InvalidArgumentError
from staffing.executors import run_ordered
from staffing.queueing.requirements import ServiceTargets, service_figures
from staffing.whatif.grid import Scenario


class RosterEvaluator(Protocol):
    """Turns one scenario's requirement into scheduled coverage (the roster engine).

    Called with the scenario and its requirement frame (the ``intervals`` rows of
    that scenario: ``queue, interval_start, calls, aht_seconds, agents, ...``); returns
    a frame with ``interval_start``, ``scheduled`` (agents on shift, before
    shrinkage) and ``queue`` when the forecast has several queues. Must be picklable
    (a module-level function or a :func:`functools.partial` of one) to run on a
    process pool or a Dask cluster.
    """

    def __call__(self, scenario: Scenario, requirement: pd.DataFrame) -> pd.DataFrame: ...


@dataclass(frozen=True)
class _RosterTask:
    evaluator: RosterEvaluator
    scenario: Scenario
    # (queue, this scenario's targets for that queue)
    queue_targets: tuple[tuple[str, ServiceTargets], ...]
    requirement: pd.DataFrame
    interval_minutes: float


_ROSTER_INPUT_COLUMNS: Final = ["scenario", "queue", "interval_start", "calls", "aht_seconds", "load_erlangs", "agents"]


def _shared_head_count(merged: pd.DataFrame) -> np.ndarray:
    """Each queue's share of a head count rostered for all queues together.

    As ``staffing plan`` projects it (:mod:`staffing.planning.week`, Notes): the agents on shift in
    an interval take every queue's calls, so each queue gets them in proportion to its
    requirement in that interval (equal shares when nothing is required).
    """
    head = merged["scheduled"].fillna(0.0).to_numpy(dtype=float)
    need = merged["agents"].to_numpy(dtype=float)
    key, _ = pd.factorize(merged["interval_start"])
    total = np.bincount(key, weights=need)[key]
    count = np.bincount(key)[key]
    return head * np.where(total > 0, need / np.where(total > 0, total, 1.0), 1.0 / count)


def _roster_task(task: _RosterTask) -> pd.DataFrame:
    """Scheduled coverage of one scenario and the service level it projects."""
    req = task.requirement
    got = task.evaluator(task.scenario, req.copy())
    if "scheduled" not in got.columns or "interval_start" not in got.columns:
        raise InvalidArgumentError("roster evaluator result", list(got.columns), "columns interval_start, scheduled")
    if "queue" in got.columns:  # coverage per queue (dedicated teams)
        cov = got[["queue", "interval_start", "scheduled"]].astype({"queue": "string"})
        merged = req[_ROSTER_INPUT_COLUMNS].merge(cov, on=["queue", "interval_start"], how="left",
                                                  validate="one_to_one")
        scheduled = merged["scheduled"].fillna(0.0).to_numpy(dtype=float)
    else:  # one head count for all queues
        merged = req[_ROSTER_INPUT_COLUMNS].merge(got[["interval_start", "scheduled"]], on="interval_start",
                                                  how="left", validate="many_to_one")
        scheduled = _shared_head_count(merged)
    load = merged["load_erlangs"].to_numpy(dtype=float)
    aht = merged["aht_seconds"].to_numpy(dtype=float)
    aht = np.where(aht > 0, aht, 1.0)
    queue = merged["queue"].to_numpy(dtype=object)
    sl, asa, abandon = (np.full(scheduled.shape, np.nan) for _ in range(3))
    for name, targets in task.queue_targets:
        rows = queue == name
        # The expected number on the phones after shrinkage (fractional, through the continuous
        # extension of Erlang B), as `staffing plan` projects it.
        on_phone = scheduled[rows] * (1.0 - targets.shrinkage)
        figures = service_figures(targets, on_phone, load[rows], aht[rows])
        for out, value in zip((sl, asa, abandon), figures, strict=True):
            out[rows] = value
    required = merged["agents"].to_numpy(dtype=float)
    return pd.DataFrame({
        "scheduled": scheduled,
        "under": np.maximum(required - scheduled, 0.0),
        "over": np.maximum(scheduled - required, 0.0),
        "scheduled_service_level": sl,
        "scheduled_asa_seconds": asa,
        "scheduled_prob_abandon": abandon,
    })


def add_roster_coverage(
    intervals: pd.DataFrame,
    scenarios: Sequence[Scenario],
    per_queue: Mapping[str, Sequence[Scenario]],
    evaluator: RosterEvaluator,
    executor: Executor,
    interval_minutes: float,
) -> pd.DataFrame:
    """``intervals`` with each scenario's rostered coverage and the service it projects.

    Parameters
    ----------
    intervals
        The sorted requirement table of every scenario (:func:`staffing.whatif.aggregate.sort_intervals`).
    scenarios
        The scenarios in grid order.
    per_queue
        Each queue's scenarios resolved against that queue's own base targets (same ids).
    evaluator
        The roster engine, called once per scenario on ``executor``.
    executor
        Where to run the roster tasks.
    interval_minutes
        Length of one interval in minutes.

    Returns
    -------
    pandas.DataFrame
        ``intervals`` plus ``scheduled, under, over, scheduled_service_level,
        scheduled_asa_seconds, scheduled_prob_abandon``.
    """
    bounds = np.searchsorted(intervals["scenario"].to_numpy(), [s.scenario_id for s in scenarios] + [len(scenarios) + 1])
    tasks = [
        _RosterTask(evaluator, s, tuple((q, own[i].targets) for q, own in per_queue.items()),
                    intervals.iloc[bounds[i] : bounds[i + 1]].reset_index(drop=True), interval_minutes)
        for i, s in enumerate(scenarios)
    ]
    extra = pd.concat(run_ordered(executor, _roster_task, tasks), ignore_index=True)
    return pd.concat([intervals, extra], axis=1)
