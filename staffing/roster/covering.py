"""Stage 1: an integer covering model choosing how many shifts of each type to run.

Variables ``x_k`` (shifts of start x length ``k``) with implicit break placement per
type (Aykin-style: one count variable per break rule and offset, summing to ``x_k``).
Aggregate capacity rows keep the chosen shifts assignable to the named agents:
per-day and per-day-per-length counts within available agents, total shifts within
the agents' working days, total paid hours within contracts, and for late-evening
thresholds ``T`` the shifts ending after ``T`` plus next-day shifts starting before
``T + rest`` within the agents (each agent can work at most one of them).

Notes
-----
Implicit break placement: M. Aykin, "Optimal shift scheduling with multiple break
windows", Management Science 42(4), 1996; S. E. Bechtold and L. W. Jacobs,
"Implicit modeling of flexible break assignments", Management Science 36(11), 1990.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pulp

from staffing.roster.budget import Budget
from staffing.roster.config import RosterRules
from staffing.roster.coverage_terms import CoverageModel, add_coverage, placed_breaks
from staffing.roster.grid import DAYS, MINUTES_PER_DAY, ShiftTypes
from staffing.roster.inputs import RosterInputs
from staffing.roster.solve import SolveOutcome, run
from staffing.roster.types import AgentContract

#: Penalty per hour of total contracted minimum hours left unused in stage 1.
MIN_HOURS_SHORTFALL_PENALTY = 1000.0


@dataclass(frozen=True)
class CoveringSolution:
    """Stage-1 result: shift counts per type, break offsets per type, bound."""

    counts: np.ndarray
    breaks: dict[int, list[list[int]]]
    lower_bound: float
    outcome: SolveOutcome
    variables: int
    constraints: int


@dataclass(frozen=True)
class CoveringLP:
    """The covering model's LP relaxation: its optimum (a proven lower bound on the coverage
    objective of every roster) and its shift counts per type."""

    bound: float
    x: np.ndarray
    seconds: float


def _working_days(agent: AgentContract, rules: RosterRules) -> int:
    days = DAYS - rules.min_days_off
    return days if agent.max_days is None else min(days, agent.max_days)


def build_covering(
    inputs: RosterInputs,
    candidates: np.ndarray | None = None,
) -> tuple[pulp.LpProblem, dict[int, pulp.LpVariable], CoverageModel, pulp.LpAffineExpression]:
    """The covering model; returns problem, counts, coverage handles and the paid-hours expression.

    ``candidates`` (boolean per type) restricts the shift types offered; the capacity
    rows still count every agent.
    """
    types, grid, agents, mask, rules = inputs.types, inputs.grid, inputs.agents, inputs.mask, inputs.rules
    problem = pulp.LpProblem("roster_covering", pulp.LpMinimize)
    offered = mask.any(axis=0) if candidates is None else mask.any(axis=0) & candidates
    usable = np.flatnonzero(offered)
    max_count = mask.sum(axis=0)
    counts = {
        int(k): problem.add_variable(f"x_{int(k)}", lowBound=0, upBound=int(max_count[k]), cat=pulp.LpInteger)
        for k in usable
    }
    cov = add_coverage(problem, counts, types, grid, rules, prefix="", service=inputs.service)
    day_of = types.day
    for d in range(DAYS):
        on_day = [k for k in counts if day_of[k] == d]
        if not on_day:
            continue
        cap = int(mask[:, day_of == d].any(axis=1).sum())
        problem += (pulp.lpSum(counts[k] for k in on_day) <= cap, f"agg_day_capacity[{d}]")
        for length in np.unique(types.length_min[on_day]):
            sel = (day_of == d) & (types.length_min == length)
            group = [k for k in on_day if types.length_min[k] == length]
            problem += (
                pulp.lpSum(counts[k] for k in group) <= int(mask[:, sel].any(axis=1).sum()),
                f"agg_day_length_capacity[{d},{int(length)}]",
            )
    total_days = sum(_working_days(a, rules) for a in agents)
    problem += (pulp.lpSum(counts.values()) <= total_days, "agg_total_shifts")
    paid_hours = pulp.LpAffineExpression([(counts[k], float(types.paid_min[k]) / 60.0) for k in counts])
    problem += (paid_hours <= float(sum(a.max_hours for a in agents)), "agg_max_hours")
    shortfall = problem.add_variable("agg_min_hours_shortfall", lowBound=0)
    problem += (paid_hours + shortfall >= float(sum(a.min_hours for a in agents)), "agg_min_hours")
    _aggregate_rest(problem, counts, types, mask, rules)
    _aggregate_days_off(problem, counts, types, mask, rules)
    # The service objectives price paid hours themselves (their weight is no tie-breaker there).
    paid_cost = 0.0 if cov.prices_paid_hours else rules.weights.paid_hours
    objective = cov.objective + paid_cost * paid_hours + MIN_HOURS_SHORTFALL_PENALTY * shortfall
    problem.setObjective(objective)
    return problem, counts, cov, paid_hours


def _aggregate_days_off(
    problem: pulp.LpProblem,
    counts: dict[int, pulp.LpVariable],
    types: ShiftTypes,
    mask: np.ndarray,
    rules: RosterRules,
) -> None:
    """Every agent has a designated pair of consecutive days off: ``a_p`` agents take pair
    ``p = (d, d+1)``, ``sum_p a_p = N`` and shifts on day ``d`` plus agents off on ``d``
    stay within ``N`` (days-off scheduling, e.g. Baker 1974)."""
    if not rules.consecutive_days_off:
        return
    n_agents = int(mask.any(axis=1).sum())
    pairs = [problem.add_variable(f"agg_off_pair_{d}", lowBound=0, cat=pulp.LpInteger) for d in range(DAYS - 1)]
    problem += (pulp.lpSum(pairs) == n_agents, "agg_off_pairs")
    for d in range(DAYS):
        on_day = [counts[k] for k in counts if types.day[k] == d]
        off = [pairs[p] for p in (d - 1, d) if 0 <= p < DAYS - 1]
        problem += (pulp.lpSum(on_day) + pulp.lpSum(off) <= n_agents, f"agg_days_off[{d}]")


def _aggregate_rest(
    problem: pulp.LpProblem,
    counts: dict[int, pulp.LpVariable],
    types: ShiftTypes,
    mask: np.ndarray,
    rules: RosterRules,
) -> None:
    rest = round(rules.min_rest_hours * 60)
    if rest <= 0:
        return
    keys = np.array(sorted(counts), dtype=np.int64)
    ends, starts, days = types.end_min[keys], types.start_min[keys], types.day[keys]
    for d in range(DAYS - 1):
        for hour in range(16, 31):
            threshold = d * MINUTES_PER_DAY + hour * 60
            late = keys[(days == d) & (ends > threshold)]
            early = keys[(days == d + 1) & (starts < threshold + rest)]
            if late.size == 0 or early.size == 0:
                continue
            involved = np.concatenate([late, early])
            cap = int(mask[:, involved].any(axis=1).sum())
            problem += (
                pulp.lpSum(counts[int(k)] for k in involved) <= cap,
                f"agg_rest[{d},{hour:02d}h]",
            )


#: Starts within this many granularity steps of an LP-support start are offered to the MIP.
NEIGHBOUR_STEPS = 2


def neighbourhood(types: ShiftTypes, chosen: np.ndarray, *, steps: int) -> np.ndarray:
    """Types whose start is within ``steps`` type positions of a chosen type of the same length and day."""
    out = chosen.copy()
    keyed = np.lexsort((types.start_min, types.length_min, types.day))
    ordered = chosen[keyed]
    group = types.day[keyed] * 100000 + types.length_min[keyed]
    for shift in range(1, steps + 1):
        for direction in (1, -1):
            rolled = np.roll(ordered, direction * shift)
            same = np.roll(group, direction * shift) == group
            out[keyed] |= rolled & same
    return out


def covering_lp(inputs: RosterInputs, budget: Budget) -> CoveringLP | None:
    """The LP relaxation of the covering model with the mode's objective alone (coverage, or
    the service objective with its paid hours), or ``None`` when it does not finish within
    ``budget``.

    It relaxes every rule of the roster, so its optimum is a lower bound on that objective
    of any roster, the same quantity the pattern model's LP bounds more tightly.
    """
    problem, counts, cov, _ = build_covering(inputs)
    problem.setObjective(cov.objective)
    shortfall = next(v for v in problem.variables() if v.name == "agg_min_hours_shortfall")
    # The bound holds for rosters meeting every minimum contract; when no roster can,
    # drop that row (a weaker but still valid bound).
    shortfall.upBound = 0
    settings, solver = inputs.rules.solver, inputs.solver
    lp = run(problem, solver, budget.solve_seconds(), settings, mip=False, ipm=True)
    seconds = lp.seconds
    if not lp.optimal and lp.infeasible:
        shortfall.upBound = None
        lp = run(problem, solver, budget.solve_seconds(), settings, mip=False, ipm=True)
        seconds += lp.seconds
    if not lp.optimal:
        return None
    x = np.zeros(len(inputs.types))
    for k, var in counts.items():
        x[k] = var.value() or 0.0
    return CoveringLP(max(lp.objective, 0.0), x, seconds)


def solve_covering(inputs: RosterInputs, budget: Budget, lp: CoveringLP | None = None) -> CoveringSolution:
    """Solve the LP relaxation (for the bound; ``lp`` when already solved) then the integer
    covering model, both within ``budget``.

    The bound is the LP optimum only: the integer model runs on a restricted set of
    types, so its dual bound is not a bound for the full problem (and its objective adds
    paid hours and the minimum-hours shortfall to the coverage objective).
    """
    if lp is None:
        lp = covering_lp(inputs, budget)
    lower_bound = lp.bound if lp is not None else 0.0
    # The integer model over all types is slow to close; the LP support widened by
    # neighbouring starts holds near-optimal integer solutions and is a fraction of the size.
    support = lp.x > 1e-6 if lp is not None else np.zeros(len(inputs.types), dtype=bool)
    candidates = neighbourhood(inputs.types, support, steps=NEIGHBOUR_STEPS) if support.any() else None
    problem, counts, cov, _ = build_covering(inputs, candidates)
    outcome = run(problem, inputs.solver, budget.solve_seconds(), inputs.rules.solver)
    if not outcome.has_solution:
        # A time limit left the integer model without a solution: fall back to the LP
        # counts rounded (stage 2 re-optimises the shifts anyway).
        rounded = np.round(lp.x) if lp is not None else np.zeros(len(inputs.types))
        return CoveringSolution(rounded, {}, lower_bound, outcome,
                                len(problem.variables()), problem.numConstraints())
    x = np.zeros(len(inputs.types))
    for k, var in counts.items():
        x[k] = round(var.value() or 0.0)
    return CoveringSolution(
        counts=x,
        breaks={k: v for k, v in placed_breaks(cov, inputs.types).items() if x[k] > 0},
        lower_bound=lower_bound,
        outcome=outcome,
        variables=len(problem.variables()),
        constraints=problem.numConstraints(),
    )
