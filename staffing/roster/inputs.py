"""The roster models' input, built once per run: shift types, grids, agents, rules, carry-over."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.roster.config import RosterRules
from staffing.roster.grid import ShiftTypes, WeekGrid, agent_type_mask, model_grids
from staffing.roster.patterns import AgentClass, agent_classes
from staffing.roster.previous import CarryOver, carry_over
from staffing.roster.service import ServiceCurves
from staffing.roster.service_terms import ServiceGrid, service_grid
from staffing.roster.solve import SolverName
from staffing.roster.types import AgentContract


@dataclass(frozen=True)
class RosterInputs:
    """Everything the stage models read; none of it changes during a run.

    Attributes
    ----------
    types
        Every shift type ``k`` (start, length, paid minutes, break placements).
    week
        The week's grid (requirement, under-staffing weights, peak, last week's spill-over).
    grid
        The grid the models see: ``week`` plus the hours the last shifts may run past its end.
    agents
        Contracts sorted by ``agent_id``; index ``a`` everywhere.
    mask
        ``[agent, type]`` booleans, read-only: the agent may work the type (length,
        availability, and rest after last week's final shift).
    rules
        The validated ``roster:`` section.
    carry
        Last week's final shift ends and days worked.
    classes
        Interchangeable agents with their weekly patterns, or ``None`` when the patterns
        are too many to enumerate.
    solver
        ``"highs"`` or ``"cbc"``.
    service
        The service curves on ``grid`` (:mod:`staffing.roster.service_terms`), or ``None``
        when none were given; the models use them when ``rules.objective_mode`` is not
        ``"coverage"``.
    """

    types: ShiftTypes
    week: WeekGrid
    grid: WeekGrid
    agents: tuple[AgentContract, ...]
    mask: np.ndarray
    rules: RosterRules
    carry: CarryOver
    classes: tuple[AgentClass, ...] | None
    solver: SolverName
    service: ServiceGrid | None = None

    @property
    def rest_minutes(self) -> int:
        """The minimum rest between shifts in whole minutes."""
        return round(self.rules.min_rest_hours * 60)


def head_capacity(types: ShiftTypes, mask: np.ndarray, grid: WeekGrid) -> np.ndarray:
    """Per grid interval, the most agents who can be on the floor: agents with a shift type
    they may work spanning it, plus last week's spill-over."""
    g, n = grid.step_minutes, grid.n_intervals
    spans = np.zeros((len(types), n + 1))
    lo = np.minimum(types.start_min // g, n)
    hi = np.minimum(types.end_min // g, n)
    spans[np.arange(len(types)), lo] += 1
    spans[np.arange(len(types)), hi] -= 1
    covers = np.cumsum(spans, axis=1)[:, :n] > 0
    reach = (mask.astype(np.int32) @ covers.astype(np.int32)) > 0
    return reach.sum(axis=0) + grid.baseline


def roster_inputs(
    requirements: pd.DataFrame,
    agents: list[AgentContract],
    rules: RosterRules,
    week_start: pd.Timestamp,
    *,
    previous: pd.DataFrame | None,
    solver: SolverName,
    interval_minutes: int,
    service: ServiceCurves | None = None,
) -> RosterInputs:
    """Build the model input of one week.

    Parameters
    ----------
    requirements
        ``interval_start`` and ``agents`` on ``interval_minutes`` intervals.
    agents
        Contracts (any order; sorted by ``agent_id`` here).
    rules, week_start, solver
        As for :func:`~staffing.roster.build.build_roster`.
    previous
        Last week's roster sorted by ``agent_id, shift_start``, or ``None``.
    interval_minutes
        Length of the requirement intervals.
    service
        Expected calls answered within target per plan interval, or ``None``.
    """
    ordered = tuple(sorted(agents, key=lambda a: a.agent_id))
    # The models see the week plus the hours the last shifts can run past its end.
    week, grid, types = model_grids(requirements, rules, week_start, previous, interval_minutes)
    carry = carry_over(previous, week_start)
    rest_min = round(rules.min_rest_hours * 60)
    # Rest after last week's final shift is structural: earlier starts are never offered.
    mask = agent_type_mask(types, list(ordered), week_start,
                           {a: end + rest_min for a, end in carry.last_end_min.items()})
    mask.setflags(write=False)
    try:
        classes: tuple[AgentClass, ...] | None = tuple(agent_classes(list(ordered), types, mask, rules, carry))
    except ValueError:
        classes = None
    curves = None if service is None else service_grid(service, grid, week.n_intervals,
                                                         head_capacity(types, mask, grid))
    return RosterInputs(types, week, grid, ordered, mask, rules, carry, classes, solver, curves)
