"""Coverage rows, under/over-staffing variables and the objective shared by both stages.

For every interval ``t``: ``sum_k A[k,t] n_k - sum_b B[b,t] y_b + u_t - o_t = r_t - base_t``
where ``n_k`` counts shifts of type ``k`` and ``y_b`` counts breaks at placement ``b``.
Because coverage is integer in any roster, each interval also gets the valid cut
``(1 - phi_t) u_t + phi_t o_t >= phi_t (1 - phi_t)`` with ``phi_t = frac(r_t - base_t)``:
the chord of the convex penalty between the two integers around the requirement.
It tightens the LP relaxation (the proven lower bound) without cutting off any roster.

In the service modes (``rules.objective_mode`` not ``"coverage"``) the same rows carry the
head count ``x_t = r_t - u_t + o_t`` into the service terms of
:mod:`staffing.roster.service_terms`, and the objective is the service objective
(paid hours included) instead of the under/over-staffing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pulp

from staffing.roster.config import RosterRules
from staffing.roster.grid import ShiftTypes, WeekGrid, shift_coverage_rows
from staffing.roster.service_terms import ServiceGrid, ServiceVars, add_service_terms


@dataclass
class BreakVars:
    """Break-count variables of one shift type: ``vars[r][p]`` = breaks of rule ``r`` at offset ``p``."""

    type_index: int
    vars: list[list[pulp.LpVariable]]


@dataclass
class CoverageModel:
    """Handles to the coverage part of a model.

    ``objective`` is the objective of the mode: coverage (under/over-staffing), or the
    service objective with its paid-hours cost (then ``service`` holds its variables and
    callers add no paid-hours term of their own, see :attr:`prices_paid_hours`).
    """

    under: list[pulp.LpVariable]
    over: list[pulp.LpVariable]
    objective: pulp.LpAffineExpression
    breaks: dict[int, BreakVars]
    service: ServiceVars | None = None

    @property
    def prices_paid_hours(self) -> bool:
        """True when ``objective`` already charges paid hours (the service modes)."""
        return self.service is not None


def add_coverage(
    problem: pulp.LpProblem,
    counts: dict[int, pulp.LpVariable],
    types: ShiftTypes,
    grid: WeekGrid,
    rules: RosterRules,
    *,
    prefix: str,
    service: ServiceGrid | None = None,
) -> CoverageModel:
    """Add break placement, coverage rows and cuts for the shift-count variables ``counts``;
    with ``service`` (and a service ``rules.objective_mode``) the service terms too."""
    n = grid.n_intervals
    g = grid.step_minutes
    rows: list[list[tuple[pulp.LpVariable, float]]] = [[] for _ in range(n)]
    breaks: dict[int, BreakVars] = {}
    for k in sorted(counts):
        x = counts[k]
        for t in shift_coverage_rows(types, k, n, g):
            rows[t].append((x, 1.0))
        placements = types.breaks_by_length[int(types.length_min[k])]
        per_rule: list[list[pulp.LpVariable]] = []
        for r, placement in enumerate(placements):
            ys = []
            for off in placement.offsets_min:
                y = problem.add_variable(f"{prefix}brk_{k}_{r}_{int(off)}", lowBound=0, cat=pulp.LpInteger)
                ys.append(y)
                lo = (int(types.start_min[k]) + int(off)) // g
                hi = lo + placement.rule.duration_minutes // g
                for t in range(lo, min(hi, n)):
                    rows[t].append((y, -1.0))
            problem += (
                pulp.LpAffineExpression([(y, 1.0) for y in ys] + [(x, -1.0)]) == 0,
                f"{prefix}break_{placement.rule.name}[{k}]",
            )
            per_rule.append(ys)
        breaks[k] = BreakVars(k, per_rule)
    target = grid.required - grid.baseline
    under = [problem.add_variable(f"{prefix}under_{t}", lowBound=0) for t in range(n)]
    over = [problem.add_variable(f"{prefix}over_{t}", lowBound=0) for t in range(n)]
    for t in range(n):
        expr = pulp.LpAffineExpression([*rows[t], (under[t], 1.0), (over[t], -1.0)])
        problem += (expr == float(target[t]), f"{prefix}cover[{t}]")
        phi = float(target[t] - np.floor(target[t]))
        if phi > 1e-9:
            problem += (
                pulp.LpAffineExpression([(under[t], 1.0 - phi), (over[t], phi)]) >= phi * (1.0 - phi),
                f"{prefix}integer_cover_cut[{t}]",
            )
    h = grid.step_hours
    objective = pulp.LpAffineExpression(
        [(under[t], float(grid.weights[t]) * h) for t in range(n)]
        + [(over[t], rules.weights.over_staffing * h) for t in range(n)]
    )
    if service is None or rules.objective_mode == "coverage":
        return CoverageModel(under, over, objective, breaks)
    paid = pulp.LpAffineExpression([(x, float(types.paid_min[k]) / 60.0) for k, x in sorted(counts.items())])
    objective, handles = add_service_terms(problem, under, over, paid, grid, rules, service, prefix=prefix)
    return CoverageModel(under, over, objective, breaks, handles)


def placed_breaks(model: CoverageModel, types: ShiftTypes) -> dict[int, list[list[int]]]:
    """Integer break offsets chosen per shift type: ``{k: [[offset, ...] per rule]}`` (one per shift)."""
    out: dict[int, list[list[int]]] = {}
    for k, bv in model.breaks.items():
        placements = types.breaks_by_length[int(types.length_min[k])]
        per_rule: list[list[int]] = []
        for r, ys in enumerate(bv.vars):
            offs: list[int] = []
            for y, off in zip(ys, placements[r].offsets_min, strict=True):
                offs += [int(off)] * round(y.value() or 0.0)
            per_rule.append(offs)
        out[k] = per_rule
    return out


def values(variables: Sequence[pulp.LpVariable]) -> np.ndarray:
    """Solution values of ``variables`` (0 when unset)."""
    return np.array([v.value() or 0.0 for v in variables], dtype=float)
