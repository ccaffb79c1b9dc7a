"""``build_roster``: requirement + agents + rules -> a checked weekly roster."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from staffing.errors import InvalidArgumentError
from staffing.roster.assignment import Assignment, solve_assignment
from staffing.roster.budget import Budget
from staffing.roster.capacity import (
    attainable_contracts,
    capacity_check,
    contract_problems,
    lowered_minimum_rules,
)
from staffing.roster.config import RosterRules
from staffing.roster.covering import (
    CoveringLP,
    CoveringSolution,
    covering_lp,
    neighbourhood,
    solve_covering,
)
from staffing.roster.greedy import greedy_roster
from staffing.roster.improve import Shift, improve_shifts
from staffing.roster.inputs import RosterInputs, roster_inputs
from staffing.roster.outputs import agent_ledger, coverage_frame, roster_frame, scheduled_agents
from staffing.roster.patterns import AgentClass, agent_classes
from staffing.roster.service import ServiceCurves
from staffing.roster.service_terms import service_report
from staffing.roster.solve import SolverName
from staffing.roster.tours import TourSolution, pattern_columns, solve_tours
from staffing.roster.types import (
    AgentContract,
    RosterResult,
    RosterStatus,
    StageReport,
)
from staffing.tables import infer_table_interval_minutes

__all__ = ["build_roster", "capacity_check"]

Progress = Callable[[str], None]

#: Stage 2 is offered the stage-1 types and starts this many steps either side.
STAGE2_NEIGHBOUR_STEPS = 4


def _interval_minutes(frame: pd.DataFrame, given: int | None) -> int:
    """The requirement's interval length: as given by the caller (the plan carries it), else
    read once from the data with the project's one rule."""
    if given is not None:
        return given
    minutes = infer_table_interval_minutes(frame)
    if minutes is None:
        raise InvalidArgumentError("interval_minutes", None, "given when the requirement has fewer than two intervals")
    return minutes


#: Share of the time left for the covering model when stage 1 cannot choose agents' weeks.
FALLBACK_COVERING_SHARE = 0.4
#: Stage 1 chooses agents' weeks itself when the pattern model has at most this many columns.
MAX_PATTERN_COLUMNS = 200_000
#: With less time than this left after stage 1 found nothing, the solver-free roster
#: (:func:`~staffing.roster.greedy.greedy_roster`) is taken instead of the covering route.
MIN_FALLBACK_SECONDS = 5.0
#: Stage 1 does not start its LPs with less than this left (they take about 2 s at any
#: size, the grid being the same); the solver-free roster and local search get the time.
MIN_STAGE1_SECONDS = 2.0


def _patterns_apply(inputs: RosterInputs) -> bool:
    """Stage 1 can choose agents' weeks: every agent has a feasible week (else the elastic
    route reports which rules bend) and the patterns are few enough to enumerate."""
    classes = inputs.classes
    return (classes is not None and all(c.lengths.shape[0] > 0 for c in classes)
            and pattern_columns(classes) <= MAX_PATTERN_COLUMNS)


def _stage1_tours(inputs: RosterInputs, stage1: Budget, say: Progress) -> tuple[TourSolution | None, CoveringLP | None]:
    """Stage 1 with weekly patterns (``None`` when it finds nothing in time) and the covering
    LP solved on the way (kept for the fallback and as a floor under the bound)."""
    assert inputs.classes is not None  # _patterns_apply
    if stage1.remaining() < MIN_STAGE1_SECONDS:
        return None, None
    say(f"stage 1: shifts and weekly patterns ({len(inputs.classes)} agent classes, "
        f"{pattern_columns(inputs.classes)} patterns)")
    cover_lp = covering_lp(inputs, stage1)
    if stage1.expired():
        return None, cover_lp
    return solve_tours(inputs, stage1, cover_lp), cover_lp


def _validate_requirements(requirements: pd.DataFrame) -> None:
    """``interval_start`` and ``agents`` columns; every ``agents`` value a finite number >= 0.

    A NaN or infinite requirement would reach the solver as an unbounded right-hand side
    and fail there with a solver traceback; it is refused here, naming the interval.
    """
    missing = [c for c in ("interval_start", "agents") if c not in requirements.columns]
    if missing:
        raise InvalidArgumentError("requirements", f"columns {list(requirements.columns)}",
                                   "columns interval_start and agents")
    values = pd.to_numeric(requirements["agents"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raw = requirements["agents"].iloc[i]
        raise InvalidArgumentError("requirements", f"agents={raw!r} at {requirements['interval_start'].iloc[i]}",
                                   "a finite number of agents >= 0 in every interval")


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
    interval_minutes: int | None = None,
    service: ServiceCurves | None = None,
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
        ``"highs"`` (pulp's HiGHS/highspy; CBC if unavailable) or ``"cbc"``; wall seconds for the
        whole run. One :class:`~staffing.roster.budget.Budget` feeds every sub-solve; the run
        can exceed it by the documented overhead (a solver call gets at least
        :data:`~staffing.roster.budget.MIN_SOLVE_SECONDS`, model building is not interrupted).
        When stage 1 finds nothing in time, a roster built without a solver
        (:func:`~staffing.roster.greedy.greedy_roster`) keeps every rule.
    progress
        Called with a short message as each stage starts and ends.
    interval_minutes
        The requirement's interval length (the plan's); default: read from the
        requirement's timestamps with :func:`staffing.tables.infer_table_interval_minutes`.
    service
        Expected calls answered within target per plan interval as a function of head count
        (built by the planning stage). Required when ``rules.objective_mode`` is
        ``"service"`` or ``"global_sl"``: every stage then optimises that objective
        (:mod:`staffing.roster.service_terms`); in ``"coverage"`` mode it is only reported.

    Returns
    -------
    RosterResult
        ``status`` is ``RULES_BENT`` (with ``bent_rules``) when rules could not all hold,
        ``UNDERSTAFFED`` when the team cannot cover the requirement (the shortfall in
        ``capacity``), see :class:`~staffing.roster.types.RosterStatus`. An agent whose
        ``min_hours`` is out of reach (e.g. unavailable all week) is rostered for what
        they can work and reported as a bent ``hours_min`` rule naming the reason.

    Raises
    ------
    InvalidArgumentError
        ``requirements`` without ``interval_start``/``agents`` or with an ``agents`` value
        that is not a finite number >= 0 (the first such interval is named); bad agents,
        ``week_start`` or ``time_limit``.
        ``"service"`` when a service mode is configured without ``service`` curves.
    SolverError
        When even the elastic model finds no roster within the time limit.

    Notes
    -----
    Coverage objective ``C = sum_t (w_t u_t + w_over o_t) * interval_hours`` with ``u``, ``o``
    the under/over-staffed agents. The lower bound is the best of two relaxations of the full
    problem, both with integer-coverage cuts: the LP of the covering model with agents'
    weekly patterns (its best Lagrangian bound when column generation stops early) and the
    LP of the covering model alone (0 when neither LP finished in time). Decomposition after
    A. T. Ernst et al., "Staff scheduling and rostering: a review", EJOR 153 (2004).

    In the service modes the bound, the gap and the status refer to the service objective
    (``RosterResult.service.objective``); both LPs then relax the same piecewise-linear
    model, a valid relaxation because the curves are concave.
    """
    began = time.perf_counter()
    say = progress or (lambda _msg: None)
    week_start = pd.Timestamp(week_start)
    _validate(agents, week_start, time_limit)
    _validate_requirements(requirements)
    if rules.objective_mode != "coverage" and service is None:
        raise InvalidArgumentError("service", None, f"ServiceCurves when roster.objective_mode is "
                                   f"{rules.objective_mode!r} (or objective_mode 'coverage')")
    budget = Budget(time_limit)
    prev = None if previous_roster is None else previous_roster.sort_values(["agent_id", "shift_start"])
    inputs = roster_inputs(requirements, agents, rules, week_start, previous=prev, solver=solver,
                           interval_minutes=_interval_minutes(requirements, interval_minutes), service=service)
    week, grid = inputs.week, inputs.grid
    contracts = inputs.agents  # as given (sorted): the ledger and the bent-rule report use these
    capacity = capacity_check(week, inputs.types, list(contracts), inputs.mask, rules)
    say(f"capacity: {capacity.required_agent_hours:.0f} agent-hours required, the team can work at most "
        f"{capacity.workable_hours:.0f} h (contracts {capacity.contracted_min_hours:.0f}-"
        f"{capacity.contracted_max_hours:.0f} h)" + (f"; {len(capacity.problems)} problem(s)" if capacity.problems else ""))
    inputs, lowered = _attainable_inputs(inputs)
    # Only contracts still unkeepable once unreachable minimums are lowered force the elastic
    # route (the lowering is exact where weekly patterns are enumerated, so then none are).
    unkeepable = bool(contract_problems(inputs.types, list(inputs.agents), inputs.mask, rules))

    stage1_seconds = budget.remaining() * rules.solver.covering_time_share
    stage1 = budget.share(rules.solver.covering_time_share)
    tour, cover_lp, tried_tours = None, None, False
    if not unkeepable and _patterns_apply(inputs):
        tried_tours = True
        tour, cover_lp = _stage1_tours(inputs, stage1, say)
    cover: CoveringSolution | TourSolution | None = tour
    greedy: list[Shift] | None = None
    if tour is not None:
        say(f"stage 1: {int(tour.counts.sum())} shifts in {len(tour.weeks)} agents' weeks, "
            f"bound {tour.lower_bound:.2f} ({tour.outcome.seconds + tour.lp_seconds:.1f} s)")
    elif tried_tours and (cover_lp is None or budget.remaining() < MIN_FALLBACK_SECONDS):
        # Out of time for the covering route (its LP did not finish, or too little is
        # left for it and stage 2): a roster built without a solver keeps every rule.
        greedy = greedy_roster(inputs)
        say("stage 1: out of time; roster built without a solver" if greedy is not None
            else "stage 1: out of time and no solver-free roster; covering model")
    if cover is None and greedy is None:
        say(f"stage 1: covering model over {int(inputs.mask.any(axis=0).sum())} shift types")
        cover = solve_covering(inputs, budget.share(FALLBACK_COVERING_SHARE, cap_seconds=stage1_seconds), cover_lp)
        say(f"stage 1: {int(cover.counts.sum())} shifts, bound {cover.lower_bound:.2f} ({cover.outcome.seconds:.1f} s)")

    result: Assignment | None = None
    if cover is not None:
        result = _stage2(inputs, cover, tour, budget, force_elastic=unkeepable, say=say)
        shifts = result.shifts
    else:
        assert greedy is not None
        shifts = greedy
    if result is None or not result.bent:
        shifts = improve_shifts(shifts, inputs, budget.remaining())
        say("local search: done")
    roster = roster_frame(shifts, inputs.types, list(inputs.agents), rules, week_start)
    coverage = coverage_frame(roster, week)
    h = grid.step_hours
    under, over = coverage["under"].to_numpy(), coverage["over"].to_numpy()
    n = week.n_intervals
    weights, peak = week.weights, week.peak
    over_after = np.maximum(scheduled_agents(roster, grid)[n:] - grid.required[n:], 0.0)
    objective = float(((weights * under + rules.weights.over_staffing * over) * h).sum()
                      + rules.weights.over_staffing * over_after.sum() * h)
    paid_hours = float(roster["paid_minutes"].sum()) / 60.0
    report = (None if inputs.service is None else
              service_report(scheduled_agents(roster, grid), paid_hours, grid, rules, inputs.service))
    # The objective the stages optimised: the bound and the gap are against it.
    optimised = objective if report is None or rules.objective_mode == "coverage" else report.objective
    proven = cover.lower_bound if cover is not None else (cover_lp.bound if cover_lp is not None else 0.0)
    bound = min(proven, optimised)
    bent = tuple(result.bent) if result is not None else ()
    if lowered:
        paid = roster.groupby("agent_id")["paid_minutes"].sum() / 60.0
        bent = lowered_minimum_rules(contracts, lowered, {str(k): float(v) for k, v in paid.items()}, bent)
    # Under-staffing for lack of capacity is a status, not a flag beside "optimal": plan.json,
    # summary.json and both commands lead with the status, and a reader (or script) that
    # checks only it must not take a roster that leaves demand unmet, however good for the
    # team, for one that meets it. Bent rules come first: the roster itself breaks a rule.
    if bent:
        status = RosterStatus.RULES_BENT
    elif capacity.shortfall_agent_hours > 0:
        status = RosterStatus.UNDERSTAFFED
    elif optimised - bound <= rules.solver.mip_rel_gap * max(optimised, 1e-9):
        status = RosterStatus.OPTIMAL
    else:
        status = RosterStatus.FEASIBLE
    return RosterResult(
        roster=roster,
        coverage=coverage,
        agents=agent_ledger(roster, list(contracts), rules, week_start, inputs.carry.last_end_min),
        status=status,
        under_agent_hours=float(under.sum() * h),
        under_peak_agent_hours=float(under[peak].sum() * h),
        over_agent_hours=float(over.sum() * h),
        over_after_week_agent_hours=float(over_after.sum() * h),
        paid_hours=paid_hours,
        coverage_objective=objective,
        lower_bound=bound,
        gap=(optimised - bound) / max(optimised, 1e-9),
        solve_seconds=time.perf_counter() - began,
        solver=result.starts.outcome.solver if result is not None else "greedy",
        stages=_stages(cover, tour, result, time.perf_counter() - began),
        capacity=capacity,
        bent_rules=bent,
        service=report,
    )


def _attainable_inputs(inputs: RosterInputs) -> tuple[RosterInputs, dict[str, str]]:
    """The inputs with every unreachable ``min_hours`` lowered to what the agent can work
    (:func:`~staffing.roster.capacity.attainable_contracts`), and why, per lowered agent."""
    agents, lowered = attainable_contracts(inputs.agents, inputs.types, inputs.mask, inputs.rules, inputs.carry)
    if not lowered:
        return inputs, lowered
    classes: tuple[AgentClass, ...] | None = None
    if inputs.classes is not None:
        classes = tuple(agent_classes(list(agents), inputs.types, inputs.mask, inputs.rules, inputs.carry))
    return dataclasses.replace(inputs, agents=agents, classes=classes), lowered


def _stage2(inputs: RosterInputs, cover: CoveringSolution | TourSolution, tour: TourSolution | None,
            budget: Budget, *, force_elastic: bool, say: Progress) -> Assignment:
    """Stage 2: named agents onto stage 1's shifts (starts only when stage 1 chose the weeks)."""
    candidates = neighbourhood(inputs.types, cover.counts > 0, steps=STAGE2_NEIGHBOUR_STEPS)
    say("stage 2: assigning agents to starts" if tour is not None
        else "stage 2: assigning agents to days and lengths, then to starts")
    result = solve_assignment(inputs, cover.counts, candidates, budget, stage1_breaks=cover.breaks,
                              force_elastic=force_elastic,
                              weeks=None if tour is None else (tour.weeks, tour.outcome))
    say(f"stage 2: {len(result.shifts)} shifts assigned ({result.starts.outcome.seconds:.1f} s)")
    return result


def _stages(cover: CoveringSolution | TourSolution | None, tour: TourSolution | None,
            result: Assignment | None, seconds: float) -> tuple[StageReport, ...]:
    """What each stage did; one ``greedy`` stage when the solver-free roster was taken."""
    if cover is None or result is None:
        return (StageReport("greedy", "greedy", "built without a solver (time limit)", seconds, float("nan"), 0, 0),)
    steps = (("starts", result.starts),) if tour is not None else (("patterns", result.patterns),
                                                                   ("starts", result.starts))
    return (
        StageReport("covering_patterns" if tour is not None else "covering", cover.outcome.solver,
                    cover.outcome.status, cover.outcome.seconds + (tour.lp_seconds if tour is not None else 0.0),
                    cover.outcome.objective, cover.variables, cover.constraints),
        *(StageReport(name, step.outcome.solver, step.outcome.status, step.outcome.seconds,
                      step.outcome.objective, step.variables, step.constraints)
          for name, step in steps),
    )
