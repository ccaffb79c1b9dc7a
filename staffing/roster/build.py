"""``build_roster``: requirement + agents + rules -> a checked weekly roster."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from staffing.errors import InvalidArgumentError
from staffing.roster.assignment import solve_assignment
from staffing.roster.config import RosterRules
from staffing.roster.covering import CoveringSolution, neighbourhood, solve_covering
from staffing.roster.grid import DAYS, ShiftTypes, WeekGrid, agent_type_mask, model_grids
from staffing.roster.improve import improve_shifts
from staffing.roster.outputs import agent_ledger, coverage_frame, roster_frame, scheduled_agents
from staffing.roster.patterns import agent_classes
from staffing.roster.previous import CarryOver, carry_over
from staffing.roster.solve import SolverName
from staffing.roster.tours import TourSolution, pattern_columns, solve_tours
from staffing.roster.types import (
    AgentContract,
    CapacityCheck,
    RosterResult,
    RosterStatus,
    StageReport,
)

Progress = Callable[[str], None]

#: Stage 2 is offered the stage-1 types and starts this many steps either side.
STAGE2_NEIGHBOUR_STEPS = 4


def _interval_minutes(frame: pd.DataFrame) -> int:
    starts = pd.to_datetime(frame["interval_start"]).sort_values().drop_duplicates()
    if len(starts) < 2:
        return 15
    return max(1, int(starts.diff().dropna().min().total_seconds() // 60))


def capacity_check(
    grid: WeekGrid, types: ShiftTypes, agents: list[AgentContract], mask: np.ndarray, rules: RosterRules
) -> CapacityCheck:
    """Required agent-hours against contracted hours, and agents whose minimum cannot be met.

    An agent's reachable hours are the sum over their best ``min(7 - min_days_off,
    max_days)`` days of the longest paid shift they may work that day.
    """
    required = float((grid.required * grid.step_hours).sum())
    problems: list[str] = []
    for a, agent in enumerate(agents):
        if agent.min_hours > agent.max_hours:
            problems.append(f"{agent.agent_id}: min_hours {agent.min_hours:g} > max_hours {agent.max_hours:g}")
            continue
        best = sorted((float(types.paid_min[mask[a] & (types.day == d)].max(initial=0)) / 60.0
                       for d in range(DAYS)), reverse=True)
        cap = DAYS - rules.min_days_off if agent.max_days is None else min(DAYS - rules.min_days_off, agent.max_days)
        reachable = sum(best[:cap])
        if reachable + 1e-9 < agent.min_hours:
            problems.append(f"{agent.agent_id}: min_hours {agent.min_hours:g} unreachable "
                            f"(at most {reachable:g} paid hours within availability and working days)")
    total_min = float(sum(a.min_hours for a in agents))
    total_max = float(sum(a.max_hours for a in agents))
    return CapacityCheck(required, total_min, total_max, tuple(problems))


#: Share of the time left for the covering model when stage 1 cannot choose agents' weeks.
FALLBACK_COVERING_SHARE = 0.4
#: Stage 1 chooses agents' weeks itself when the pattern model has at most this many columns.
MAX_PATTERN_COLUMNS = 200_000


def _solve_tours(
    types: ShiftTypes,
    grid: WeekGrid,
    agents: list[AgentContract],
    mask: np.ndarray,
    rules: RosterRules,
    carry: CarryOver,
    solver: SolverName,
    time_limit: float,
    say: Progress,
) -> TourSolution | None:
    """Stage 1 with weekly patterns, or ``None`` when it does not apply or finds nothing in time.

    It does not apply when some agent has no feasible week (the elastic route reports
    which rules bend) or when the patterns are too many to enumerate.
    """
    try:
        classes = agent_classes(agents, types, mask, rules, carry)
    except ValueError:
        return None
    columns = pattern_columns(classes)
    if any(c.lengths.shape[0] == 0 for c in classes) or columns > MAX_PATTERN_COLUMNS:
        return None
    say(f"stage 1: shifts and weekly patterns ({len(classes)} agent classes, {columns} patterns)")
    return solve_tours(types, grid, agents, mask, rules, classes, solver, time_limit)


def _validate(agents: list[AgentContract], week_start: pd.Timestamp, time_limit: float) -> None:
    if week_start != week_start.normalize():
        raise InvalidArgumentError("week_start", str(week_start), "a date (midnight)")
    ids = [a.agent_id for a in agents]
    if len(set(ids)) != len(ids):
        raise InvalidArgumentError("agents", sorted({i for i in ids if ids.count(i) > 1})[0], "unique agent_id values")
    if not agents:
        raise InvalidArgumentError("agents", "[]", "at least one agent")
    if time_limit <= 0:
        raise InvalidArgumentError("time_limit", time_limit, "> 0 seconds")


def build_roster(
    requirements: pd.DataFrame,
    agents: list[AgentContract],
    rules: RosterRules,
    week_start: pd.Timestamp | str,
    *,
    previous_roster: pd.DataFrame | None = None,
    solver: SolverName = "highs",
    time_limit: float = 60.0,
    progress: Progress | None = None,
) -> RosterResult:
    """Roster a week: choose shifts (stage 1), then assign named agents (stage 2).

    Parameters
    ----------
    requirements
        ``interval_start`` (datetime) and ``agents`` (float >= 0, agents needed on the floor).
    agents
        Contracts; ``agent_id`` unique.
    rules
        The validated ``roster:`` section.
    week_start
        Midnight of the first day; the week is 7 days from there.
    previous_roster
        Last week's roster (``agent_id, shift_start, shift_end, paid_minutes, breaks``) so that
        rest, consecutive days and spill-over coverage carry across the week boundary.
    solver, time_limit
        ``"highs"`` (pulp's HiGHS/highspy; CBC if unavailable) or ``"cbc"``; wall seconds for both stages.
    progress
        Called with a short message as each stage starts and ends.

    Returns
    -------
    RosterResult
        ``status`` is ``RULES_BENT`` (with ``bent_rules``) when rules could not all hold.

    Raises
    ------
    SolverError
        When even the elastic model finds no roster within the time limit.

    Notes
    -----
    Coverage objective ``C = sum_t (w_t u_t + w_over o_t) * interval_hours`` with ``u``, ``o``
    the under/over-staffed agents. The lower bound is the LP relaxation of the stage-1
    covering model (a relaxation of the full problem) with integer-coverage cuts (0 when that
    LP did not finish in time). Decomposition after
    A. T. Ernst et al., "Staff scheduling and rostering: a review", EJOR 153 (2004).
    """
    began = time.perf_counter()
    say = progress or (lambda _msg: None)
    week_start = pd.Timestamp(week_start)
    _validate(agents, week_start, time_limit)
    agents = sorted(agents, key=lambda a: a.agent_id)
    prev = None if previous_roster is None else previous_roster.sort_values(["agent_id", "shift_start"])
    # The models see the week plus the hours the last shifts can run past its end.
    week, grid, types = model_grids(requirements, rules, week_start, prev, _interval_minutes(requirements))
    weights, peak = week.weights, week.peak
    carry = carry_over(prev, week_start)
    rest_min = round(rules.min_rest_hours * 60)
    # Rest after last week's final shift is structural: earlier starts are never offered.
    mask = agent_type_mask(types, agents, week_start,
                           {a: end + rest_min for a, end in carry.last_end_min.items()})
    capacity = capacity_check(week, types, agents, mask, rules)
    say(f"capacity: {capacity.required_agent_hours:.0f} agent-hours required, contracts "
        f"{capacity.contracted_min_hours:.0f}-{capacity.contracted_max_hours:.0f} h"
        + (f"; {len(capacity.problems)} problem(s)" if capacity.problems else ""))

    stage1_limit = time_limit * rules.solver.covering_time_share
    tour = None if capacity.problems else _solve_tours(types, grid, agents, mask, rules, carry, solver,
                                                       stage1_limit, say)
    cover: CoveringSolution | TourSolution
    if tour is not None:
        cover = tour
        say(f"stage 1: {int(tour.counts.sum())} shifts in {len(tour.weeks)} agents' weeks, "
            f"bound {tour.lower_bound:.2f} ({tour.outcome.seconds + tour.lp_seconds:.1f} s)")
    else:
        say(f"stage 1: covering model over {int(mask.any(axis=0).sum())} shift types")
        left = time_limit - (time.perf_counter() - began)
        cover = solve_covering(types, grid, agents, mask, rules, solver,
                               max(1.0, min(stage1_limit, FALLBACK_COVERING_SHARE * left)))
        say(f"stage 1: {int(cover.counts.sum())} shifts, bound {cover.lower_bound:.2f} ({cover.outcome.seconds:.1f} s)")
    candidates = neighbourhood(types, cover.counts > 0, steps=STAGE2_NEIGHBOUR_STEPS)
    def remaining() -> float:
        return max(5.0, time_limit - (time.perf_counter() - began))

    say("stage 2: assigning agents to starts" if tour is not None
        else "stage 2: assigning agents to days and lengths, then to starts")
    result = solve_assignment(types, grid, agents, mask, cover.counts, candidates, rules, carry, solver,
                              remaining, stage1_breaks=cover.breaks, force_elastic=bool(capacity.problems),
                              weeks=None if tour is None else (tour.weeks, tour.outcome))
    say(f"stage 2: {len(result.shifts)} shifts assigned ({result.starts.outcome.seconds:.1f} s)")

    shifts = result.shifts
    if not result.bent:
        budget = max(1.0, time_limit - (time.perf_counter() - began))
        shifts = improve_shifts(shifts, types, grid, agents, mask, rules, carry.last_end_min,
                                carry.worked_days, budget)
        say("local search: done")
    roster = roster_frame(shifts, types, agents, rules, week_start)
    coverage = coverage_frame(roster, week)
    h = grid.step_hours
    under, over = coverage["under"].to_numpy(), coverage["over"].to_numpy()
    n = week.n_intervals
    over_after = np.maximum(scheduled_agents(roster, grid)[n:] - grid.required[n:], 0.0)
    objective = float(((weights * under + rules.weights.over_staffing * over) * h).sum()
                      + rules.weights.over_staffing * over_after.sum() * h)
    bound = min(cover.lower_bound, objective)
    if result.bent:
        status = RosterStatus.RULES_BENT
    elif objective - bound <= rules.solver.mip_rel_gap * max(objective, 1e-9):
        status = RosterStatus.OPTIMAL
    else:
        status = RosterStatus.FEASIBLE
    steps = (("starts", result.starts),) if tour is not None else (("patterns", result.patterns),
                                                                   ("starts", result.starts))
    stages = (
        StageReport("covering_patterns" if tour is not None else "covering", cover.outcome.solver,
                    cover.outcome.status, cover.outcome.seconds + (tour.lp_seconds if tour is not None else 0.0),
                    cover.outcome.objective, cover.variables, cover.constraints),
        *(StageReport(name, step.outcome.solver, step.outcome.status, step.outcome.seconds,
                      step.outcome.objective, step.variables, step.constraints)
          for name, step in steps),
    )
    return RosterResult(
        roster=roster,
        coverage=coverage,
        agents=agent_ledger(roster, agents, rules, week_start, carry.last_end_min),
        status=status,
        under_agent_hours=float(under.sum() * h),
        under_peak_agent_hours=float(under[peak].sum() * h),
        over_agent_hours=float(over.sum() * h),
        over_after_week_agent_hours=float(over_after.sum() * h),
        paid_hours=float(roster["paid_minutes"].sum()) / 60.0,
        coverage_objective=objective,
        lower_bound=bound,
        gap=(objective - bound) / max(objective, 1e-9),
        solve_seconds=time.perf_counter() - began,
        solver=result.starts.outcome.solver,
        stages=stages,
        capacity=capacity,
        bent_rules=tuple(result.bent),
    )
