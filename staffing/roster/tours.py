"""Stage 1 with weekly patterns: shift counts and agents' weeks chosen in one integer model.

The covering model of :mod:`staffing.roster.covering` (shift counts ``x_k`` with
implicit breaks, coverage, rest cliques) is joined with pattern counts ``v_{c,p}``
(agents of class ``c`` working weekly pattern ``p``, see
:mod:`staffing.roster.patterns`)::

    sum_p v_{c,p} = |c|                                   class_size[c]
    sum_{k in (d, l)} x_k = sum_{c,p: p_d = l} v_{c,p}    pattern_link[d,l]

so every chosen shift belongs to some agent's feasible week (hours, working days,
consecutive days off, consecutive days incl. last week). What is left for the starts
step is which agent of a class takes which shift of their day and length, under the
rest rule.

Its LP relaxation (objective: the coverage objective alone) is a relaxation of the
full rostering problem, hence a proven lower bound on the coverage objective, and a
tighter one than the covering model's alone: contracts now count per agent, not only
in aggregate.

Soft terms: ``w_dev * |paid - target|`` per agent through the pattern's hours, and the
weekend spread ``w_we * (max - min)`` weekend days over agents through one indicator per
weekend-days value in use (``v_{c,p} <= |c| b_{we(p)}``, spread ``>= (i - j)(b_i + b_j - 1)``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pulp

from staffing.roster.budget import Budget
from staffing.roster.config import RosterRules
from staffing.roster.coverage_terms import CoverageModel, placed_breaks
from staffing.roster.covering import (
    NEIGHBOUR_STEPS,
    CoveringLP,
    build_covering,
    covering_lp,
    neighbourhood,
)
from staffing.roster.grid import DAYS, ShiftTypes
from staffing.roster.inputs import RosterInputs
from staffing.roster.patterns import AgentClass
from staffing.roster.solve import SolveOutcome, highs_available, run

#: Patterns per class in the first restricted LP, and at most this many added per class per round.
INITIAL_PATTERNS = 32
PATTERNS_PER_ROUND = 64
#: A pattern whose reduced cost is below minus this improves the LP.
PRICING_TOLERANCE = 1e-7
#: Share of the time after the LP for placing shifts under the rounded weeks, and its MIP gap.
FIXED_TIME_SHARE = 0.25
FIXED_GAP = 0.01
#: Column generation stops once the Lagrangian bound is this close (relative) to the LP value.
BOUND_TOLERANCE = 1e-4


@dataclass(frozen=True)
class TourSolution:
    """Stage-1 result with patterns: shift counts, breaks, each agent's week, bound.

    ``weeks[a]`` is agent ``a``'s length (minutes) per day, 0 when off. ``lower_bound``
    is the best proven bound on the coverage objective: the pattern LP's (or, when column
    generation ran out of time, its best Lagrangian bound), never below the covering
    model's LP bound.
    """

    counts: np.ndarray
    breaks: dict[int, list[list[int]]]
    weeks: dict[int, tuple[int, ...]]
    lower_bound: float
    lp_seconds: float
    outcome: SolveOutcome
    variables: int
    constraints: int


def pattern_columns(classes: Sequence[AgentClass]) -> int:
    """Number of pattern-count variables the model would have."""
    return int(sum(c.lengths.shape[0] for c in classes))


@dataclass
class _PatternRows:
    """The pattern part of a model: variables ``v[(c, p)]`` and the rows pricing needs."""

    v: dict[tuple[int, int], pulp.LpVariable]
    class_rows: list[pulp.LpConstraint]
    link_rows: dict[tuple[int, int], pulp.LpConstraint]
    soft: pulp.LpAffineExpression


def _add_patterns(
    problem: pulp.LpProblem,
    counts: dict[int, pulp.LpVariable],
    types: ShiftTypes,
    classes: Sequence[AgentClass],
    rules: RosterRules,
    active: list[np.ndarray],
    *,
    soft_terms: bool,
) -> _PatternRows:
    """Pattern counts of the ``active`` patterns per class, class sizes and the links to the
    shift counts (a link row for every (day, length) any pattern of any class may use)."""
    v: dict[tuple[int, int], pulp.LpVariable] = {}
    link: dict[tuple[int, int], list[tuple[pulp.LpVariable, float]]] = {}
    for k, x in counts.items():
        link.setdefault((int(types.day[k]), int(types.length_min[k])), []).append((x, 1.0))
    for cls in classes:
        for d in range(DAYS):
            for length in np.unique(cls.lengths[:, d]):
                if length:
                    link.setdefault((d, int(length)), [])
    soft: list[tuple[pulp.LpVariable, float]] = []
    dev_weight = rules.weights.target_hours_deviation if soft_terms else 0.0
    class_rows = []
    for c, cls in enumerate(classes):
        for p in active[c].tolist():
            var = problem.add_variable(f"pat_{c}_{p}", lowBound=0, upBound=cls.size, cat=pulp.LpInteger)
            v[(c, p)] = var
            for d in range(DAYS):
                length = int(cls.lengths[p, d])
                if length:
                    link[(d, length)].append((var, -1.0))
            if dev_weight > 0 and cls.deviation_hours[p] > 0:
                soft.append((var, dev_weight * float(cls.deviation_hours[p])))
        row = pulp.LpConstraint(pulp.LpAffineExpression([(v[(c, p)], 1.0) for p in active[c].tolist()]),
                                pulp.LpConstraintEQ, f"class_size[{c}]", cls.size)
        problem.addConstraint(row)
        class_rows.append(row)
    link_rows = {}
    for (d, length), terms in sorted(link.items()):
        row = pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintEQ, f"pattern_link[{d},{length}]", 0)
        problem.addConstraint(row)
        link_rows[(d, length)] = row
    if soft_terms:
        soft += _weekend_spread(problem, v, classes, rules.weights.weekend_spread)
    return _PatternRows(v, class_rows, link_rows, pulp.LpAffineExpression(soft))


def reduced_costs(
    classes: Sequence[AgentClass], class_dual: list[float], link_dual: dict[tuple[int, int], float]
) -> list[np.ndarray]:
    """Reduced cost of every pattern of every class in the bound LP (patterns cost 0).

    A pattern column has +1 in its class row and -1 in the link row of each day it
    works, so ``rc_p = -y_class - sum_d (-1) y_link[d, l_p(d)]``.
    """
    out = []
    for c, cls in enumerate(classes):
        rc = np.full(cls.lengths.shape[0], -class_dual[c])
        for d in range(DAYS):
            column = cls.lengths[:, d]
            for length in np.unique(column):
                if length:
                    rc[column == length] += link_dual.get((d, int(length)), 0.0)
        out.append(rc)
    return out


def _weekend_spread(
    problem: pulp.LpProblem, v: dict[tuple[int, int], pulp.LpVariable], classes: Sequence[AgentClass], weight: float
) -> list[tuple[pulp.LpVariable, float]]:
    if weight <= 0:
        return []
    values = sorted({int(w) for cls in classes for w in cls.weekend_days})
    if len(values) < 2:
        return []
    used = {w: problem.add_variable(f"weekend_days_used_{w}", cat=pulp.LpBinary) for w in values}
    for (c, p), var in v.items():
        cls = classes[c]
        problem += (var - cls.size * used[int(cls.weekend_days[p])] <= 0, f"weekend_days_used[{c},{p}]")
    spread = problem.add_variable("weekend_days_spread", lowBound=0)
    for i in values:
        for j in values:
            if i > j:
                problem += (spread - (i - j) * (used[i] + used[j]) >= -(i - j), f"weekend_days_spread[{i},{j}]")
    return [(spread, weight)]


def _classes(inputs: RosterInputs) -> tuple[AgentClass, ...]:
    if inputs.classes is None:
        raise ValueError("the weekly patterns of these agents were not enumerated (inputs.classes is None)")
    return inputs.classes


def _build(
    inputs: RosterInputs,
    candidates: np.ndarray | None,
    active: list[np.ndarray],
    *,
    soft_terms: bool = True,
) -> tuple[pulp.LpProblem, dict[int, pulp.LpVariable], _PatternRows, CoverageModel]:
    problem, counts, cov, _ = build_covering(inputs, candidates)
    problem.name = "roster_tours"
    rows = _add_patterns(problem, counts, inputs.types, _classes(inputs), inputs.rules, active,
                         soft_terms=soft_terms)
    problem.setObjective(problem.objective + rows.soft)
    return problem, counts, rows, cov


def round_patterns(classes: Sequence[AgentClass], lp_v: dict[tuple[int, int], float]) -> dict[tuple[int, int], int]:
    """Integer pattern counts from LP values: floors, then the largest remainders, per class."""
    out: dict[tuple[int, int], int] = {}
    for c, cls in enumerate(classes):
        n = cls.lengths.shape[0]
        values = np.array([lp_v.get((c, p), 0.0) for p in range(n)])
        base = np.floor(values + 1e-9).astype(int)
        left = cls.size - int(base.sum())
        if left > 0:
            order = np.lexsort((np.arange(n), -(values - base)))
            base[order[:left]] += 1
        for p in np.flatnonzero(base):
            out[(c, int(p))] = int(base[p])
    return out


@dataclass(frozen=True)
class _BoundLP:
    """The LP relaxation: its bound, shift counts per type, pattern counts and the patterns priced in."""

    bound: float
    x: np.ndarray
    v: dict[tuple[int, int], float]
    active: list[np.ndarray]
    rounds: int


def _initial_patterns(cls: AgentClass) -> np.ndarray:
    n = cls.lengths.shape[0]
    return np.unique(np.linspace(0, n - 1, min(n, INITIAL_PATTERNS)).round().astype(np.int64))


def _bound_lp(inputs: RosterInputs, budget: Budget) -> _BoundLP | None:
    """Solve the LP relaxation by column generation over the enumerated patterns.

    HiGHS re-solves the same model (interior point) after each pricing round adds the
    most negative reduced-cost patterns; the bound reported is the best Lagrangian bound
    ``z_RMP + sum_c |c| min(0, min_p rc_p)`` over the rounds (equal to the LP optimum once
    no pattern prices out; each round's is valid, but they do not rise monotonically),
    so it stays valid if time runs out first. CBC solves the LP with every pattern at
    once. ``None`` when the first LP does not finish within ``budget``.
    """
    types, rules, solver = inputs.types, inputs.rules, inputs.solver
    classes = _classes(inputs)
    warm = solver == "highs" and highs_available()
    active = [_initial_patterns(c) if warm else np.arange(c.lengths.shape[0]) for c in classes]
    problem, counts, rows, cov = _build(inputs, None, active, soft_terms=False)
    problem.setObjective(cov.objective)
    lp = run(problem, solver, budget.solve_seconds(), rules.solver, mip=False, ipm=True)
    if not lp.optimal:
        return None
    col_value = [var.value() or 0.0 for var in problem.variables()]
    index = {var.name: i for i, var in enumerate(problem.variables())}
    v_cols = {key: index[var.name] for key, var in rows.v.items()}
    objective, bound, rounds = lp.objective, lp.objective, 0
    if warm:
        import highspy

        h = problem.solverModel
        class_idx = [r.index for r in rows.class_rows]
        link_idx = {key: r.index for key, r in rows.link_rows.items()}
        row_dual = np.zeros(h.getNumRow())
        for r in [*rows.class_rows, *rows.link_rows.values()]:
            row_dual[r.index] = r.pi or 0.0
        v_cols = {key: var.index for key, var in rows.v.items()}
        col_value = list(h.getSolution().col_value)
        while True:
            rcs = reduced_costs(classes, [float(row_dual[i]) for i in class_idx],
                                {key: float(row_dual[i]) for key, i in link_idx.items()})
            lagrangian = objective + sum(cls.size * min(0.0, float(rc.min()))
                                         for cls, rc in zip(classes, rcs, strict=True))
            bound = max(bound, lagrangian) if rounds else lagrangian
            left = budget.remaining()
            added = 0
            for c, (cls, rc) in enumerate(zip(classes, rcs, strict=True)):
                rc = rc.copy()
                rc[active[c]] = np.inf
                order = np.argsort(rc, kind="stable")[:PATTERNS_PER_ROUND]
                new = order[rc[order] < -PRICING_TOLERANCE]
                for p in new.tolist():
                    worked = [d for d in range(DAYS) if cls.lengths[p, d]]
                    idx = np.array([class_idx[c], *(link_idx[(d, int(cls.lengths[p, d]))] for d in worked)],
                                   dtype=np.int32)
                    vals = np.array([1.0] + [-1.0] * len(worked))
                    v_cols[(c, p)] = h.getNumCol()
                    h.addCol(0.0, 0.0, float(cls.size), idx.size, idx, vals)
                active[c] = np.concatenate([active[c], new])
                added += new.size
            if not added or left < 0.5 or objective - bound <= BOUND_TOLERANCE * max(abs(objective), 1.0):
                break
            # Warm dual simplex stalls on these degenerate LPs; interior point is faster.
            h.setOptionValue("solver", "ipm")
            h.setOptionValue("time_limit", float(left))
            h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                break
            rounds += 1
            solution = h.getSolution()
            objective = float(h.getInfo().objective_function_value)
            row_dual = np.asarray(solution.row_dual)
            col_value = list(solution.col_value)
    x = np.zeros(len(types))
    for k, var in counts.items():
        x[k] = col_value[var.index if warm else index[var.name]]
    # Columns added after the last solve are nonbasic at 0.
    v = {key: float(col_value[i]) if i < len(col_value) else 0.0 for key, i in v_cols.items()}
    return _BoundLP(max(bound, 0.0), x, v, [np.sort(a) for a in active], rounds)


def solve_tours(inputs: RosterInputs, budget: Budget, covering: CoveringLP | None = None) -> TourSolution | None:
    """LP relaxation (the bound); then the integer model over the LP's shift types widened
    by neighbouring starts, started from the LP's pattern counts rounded (shifts placed
    by the model with those weeks fixed). ``None`` when no integer solution is found
    within ``budget``.

    ``covering`` is the covering model's LP (solved here when not given): a weaker bound
    on the same coverage objective, kept when column generation stops early with a
    weaker Lagrangian bound. (The integer model's own dual bound is no bound on the
    coverage objective: it runs over the priced-in patterns and neighbouring starts only,
    and its objective adds paid hours and the soft terms.)
    """
    began = time.perf_counter()
    if covering is None:
        covering = covering_lp(inputs, budget)
    lp = _bound_lp(inputs, budget)
    lp_seconds = time.perf_counter() - began
    if lp is None:
        return None
    types, agents, rules, solver = inputs.types, inputs.agents, inputs.rules, inputs.solver
    classes = _classes(inputs)
    rounded = round_patterns(classes, lp.v)
    candidates = neighbourhood(types, lp.x > 1e-6, steps=NEIGHBOUR_STEPS)
    problem, counts, rows, cov = _build(inputs, candidates, lp.active)
    v = rows.v

    saved = {key: (var.lowBound, var.upBound) for key, var in v.items()}
    for key, var in v.items():
        var.lowBound = var.upBound = rounded.get(key, 0)
    # The start only has to be good, not proven: most of the time goes to the free model.
    fixed = run(problem, solver, budget.share(FIXED_TIME_SHARE).solve_seconds(), rules.solver, gap=FIXED_GAP)
    for key, var in v.items():
        var.lowBound, var.upBound = saved[key]
    start = {var.name: float(var.value() or 0.0) for var in problem.variables()} if fixed.has_solution else None
    outcome = run(problem, solver, budget.solve_seconds(), rules.solver, start=start)
    if not outcome.has_solution:
        return None
    x = np.zeros(len(types))
    for k, var in counts.items():
        x[k] = round(var.value() or 0.0)
    weeks: dict[int, tuple[int, ...]] = {}
    for c, cls in enumerate(classes):
        members = sorted(cls.members, key=lambda a: agents[a].agent_id)
        taken = 0
        for p in lp.active[c].tolist():
            for _ in range(round(v[(c, p)].value() or 0.0)):
                weeks[members[taken]] = tuple(int(m) for m in cls.lengths[p])
                taken += 1
    return TourSolution(
        counts=x,
        breaks={k: b for k, b in placed_breaks(cov, types).items() if x[k] > 0},
        weeks=weeks,
        lower_bound=max(lp.bound, covering.bound if covering is not None else 0.0),
        lp_seconds=lp_seconds,
        outcome=outcome,
        variables=len(problem.variables()),
        constraints=problem.numConstraints(),
    )
