"""Stage 2: assign named agents to shifts under the personal rules, in two steps.

2a (patterns): which days each agent works and the shift length on each day. One
binary per (agent, day, length); the weekly rules (hours, days off, two consecutive
days off, consecutive days incl. last week) hold; the number of agents on each
(day, length) should match the stage-1 shift counts (shortfall/excess penalised by
their paid hours, shortfall at the mean under-staffing weight, excess at the
over-staffing weight); soft weekend spread and target-hours deviation.

2b (starts): for every (agent, day) chosen in 2a exactly one shift (start and length)
among the stage-1 types of that day and their neighbouring starts, under the rest
rule (incl. last week's final shift) and the weekly hours; coverage and break placement are re-optimised exactly as in
stage 1, plus the late/early spread.

Both steps run hard first; when a step is infeasible (or finds nothing in time) it is
re-solved with every bendable rule elastic and the slack is reported. Every solver call
draws on the caller's :class:`~staffing.roster.budget.Budget`.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pulp

from staffing.errors import SolverError
from staffing.roster import rules as R
from staffing.roster.budget import Budget
from staffing.roster.coverage_terms import add_coverage, placed_breaks
from staffing.roster.inputs import RosterInputs
from staffing.roster.solve import SolveOutcome, complete_start, run
from staffing.roster.types import AgentContract, BentRule

PATTERN_RULES = (R.one_shift_per_day, R.weekly_hours, R.working_days, R.consecutive_days_off,
                 R.max_consecutive_days)
PATTERN_SOFT = (R.weekend_spread, R.target_hours_deviation)
#: Share of the stage-2 time for the pattern step, and its relative MIP gap.
PATTERN_TIME_SHARE = 0.3
PATTERN_GAP = 0.02
#: Objective weight per shift of mismatch with stage 1's shifts per day.
PATTERN_SHIFT_WEIGHT = 0.5
START_RULES = (R.one_shift_per_day, R.weekly_hours, R.min_rest)
#: Share of the time left that the exact hand-out of stage 1's shifts may take.
HANDOUT_TIME_SHARE = 0.5
START_SOFT = (R.late_early_spread, R.target_hours_deviation)

#: A shift handed to an agent as a MIP start: ``(agent, type, break offsets per rule or None)``.
Pick = tuple[int, int, list[int] | None]


#: Share of the pattern step's time that the one-agent greedy start may take.
GREEDY_PATTERN_SHARE = 0.5


@dataclass(frozen=True)
class StepResult:
    """One step's chosen ``(agent, type)`` pairs, its bent rules and solver outcome."""

    chosen: list[tuple[int, int]]
    bent: list[BentRule]
    outcome: SolveOutcome
    variables: int
    constraints: int
    breaks: dict[int, list[list[int]]]


@dataclass(frozen=True)
class Assignment:
    """Stage-2 result: ``(agent index, type k, [break offset per rule])`` per shift."""

    shifts: list[tuple[int, int, list[int]]]
    bent: list[BentRule]
    patterns: StepResult
    starts: StepResult


def _bent(m: R.AssignmentModel) -> list[BentRule]:
    out = [
        BentRule(rule=s.rule, agent_id=s.agent_id, amount=round(float(s.var.value() or 0.0) * s.per_unit, 4),
                 unit=s.unit, detail=s.detail)
        for s in m.slacks
        if (s.var.value() or 0.0) * s.per_unit > 1e-6
    ]
    return sorted(out, key=lambda b: (b.rule, b.agent_id, b.detail))


def _model(name: str, inputs: RosterInputs, agents: Sequence[AgentContract],
           by_day: dict[tuple[int, int], list[int]], elastic: bool) -> R.AssignmentModel:
    problem = pulp.LpProblem(name, pulp.LpMinimize)
    z = {(a, k): problem.add_variable(f"z_{a}_{k}", cat=pulp.LpBinary)
         for (a, _), ks in sorted(by_day.items()) for k in ks}
    return R.AssignmentModel(problem, inputs, agents, elastic, z, by_day)


StepBuilder = Callable[[bool, bool], tuple[R.AssignmentModel, dict[str, float] | None,
                                           Callable[[], dict[int, list[list[int]]]]]]


def _solve_step(
    build: StepBuilder,
    inputs: RosterInputs,
    budget: Budget,
    force_elastic: bool,
    *,
    ipm: bool,
    gap: float | None,
    accept_below: float | None = None,
) -> StepResult:
    """Build and solve one step within ``budget``; a MIP start whose objective is at most
    ``accept_below`` is taken as it is (the solver is not run)."""
    solver, settings = inputs.solver, inputs.rules.solver
    # Hard rules first, elastic rules only when they cannot all hold.
    attempts = ((True, False),) if force_elastic else ((False, False), (True, False))
    for elastic, widen in attempts:
        m, fixed, read_breaks = build(elastic, widen)
        start = None
        began = time.perf_counter()
        if fixed:
            start = complete_start(m.problem, fixed, solver, settings, budget.solve_seconds())
        start_objective = float(pulp.value(m.problem.objective) or 0.0) if start is not None else math.inf
        if accept_below is not None and not elastic and start_objective <= accept_below:
            # complete_start left the start's values on the variables.
            outcome = SolveOutcome(solver, "MIP start taken (within the MIP gap of stage 1)", True, False, False,
                                   start_objective, None, time.perf_counter() - began)
        else:
            outcome = run(m.problem, solver, budget.solve_seconds(), settings, ipm=ipm, gap=gap, start=start)
        if outcome.has_solution:
            chosen = sorted(((a, k) for (a, k), v in m.z.items() if (v.value() or 0.0) > 0.5),
                            key=lambda ak: (m.agents[ak[0]].agent_id, ak[1]))
            return StepResult(chosen, _bent(m), outcome, len(m.problem.variables()),
                              m.problem.numConstraints(), read_breaks())
    raise SolverError(f"{m.problem.name}: no solution within the time limit even with elastic rules;"
                      " raise time_limit")


def greedy_starts(
    inputs: RosterInputs,
    chosen: list[tuple[int, int]],
    allowed: np.ndarray,
    counts: np.ndarray,
    stage1_breaks: dict[int, list[list[int]]],
) -> list[Pick]:
    """A MIP start for step 2b, day by day.

    Each (day, length) group first hands out stage 1's shifts of that group: agents whose
    rest allows only late starts are served first and get the latest remaining shift
    they may work (stage-1 break placements come along). Agents left over take the
    shift of their length covering the most remaining requirement, keeping rest if
    possible (looking among every type the agent may work, ``inputs.mask[a]``, when no
    offered start keeps it). Returns the picks (see :func:`start_values`).
    """
    types, grid, agents, mask = inputs.types, inputs.grid, inputs.agents, inputs.mask
    g, n = grid.step_minutes, grid.n_intervals
    residual = (grid.required - grid.baseline).astype(float)
    rest = inputs.rest_minutes
    last_end = {a: inputs.carry.last_end_min.get(agent.agent_id, -10**9) for a, agent in enumerate(agents)}
    pool = {int(k): int(c) for k, c in enumerate(counts) if c > 0}
    used_breaks: dict[int, int] = {}
    picked: list[Pick] = []
    for d in range(7):
        today = [(a, rep) for a, rep in chosen if types.day[rep] == d]
        for length in sorted({int(types.length_min[rep]) for _, rep in today}):
            group = [a for a, rep in today if types.length_min[rep] == length]
            group.sort(key=lambda a: (-last_end[a], agents[a].agent_id))
            for a in group:
                bound = last_end[a] + rest
                mine = [k for k in pool if pool[k] > 0 and types.day[k] == d and types.length_min[k] == length
                        and allowed[a, k] and types.start_min[k] >= bound]
                if mine:
                    k = max(mine, key=lambda j: (int(types.start_min[j]), j))
                    pool[k] -= 1
                    i = used_breaks.get(k, 0)
                    used_breaks[k] = i + 1
                    offsets = [per_rule[i] for per_rule in stage1_breaks[k]] if k in stage1_breaks else None
                else:
                    options = np.flatnonzero(allowed[a] & (types.day == d) & (types.length_min == length))
                    ok = options[types.start_min[options] >= bound]
                    if ok.size == 0:
                        # Keep the rest rule with any start the agent may work.
                        wider = np.flatnonzero(mask[a] & (types.day == d) & (types.length_min == length))
                        ok = wider[types.start_min[wider] >= bound]
                    if options.size == 0 and ok.size == 0:
                        options = np.flatnonzero(allowed[a] & (types.day == d))
                    options = ok if ok.size else options
                    scores = [float(np.clip(residual[int(types.start_min[j]) // g:min(int(types.end_min[j]) // g, n)],
                                            -0.5, 1.0).sum()) for j in options]
                    k = int(options[int(np.argmax(scores))])
                    offsets = None
                residual[int(types.start_min[k]) // g:min(int(types.end_min[k]) // g, n)] -= 1.0
                last_end[a] = int(types.end_min[k])
                picked.append((a, k, offsets))
    return picked


def start_values(picked: list[Pick], inputs: RosterInputs) -> dict[str, float]:
    """Step-2b variable values of ``(agent, type, break offsets or None)`` picks."""
    types = inputs.types
    fixed: dict[str, float] = {}
    per_type: dict[int, int] = {}
    for a, k, offsets in picked:
        fixed[f"z_{a}_{k}"] = 1.0
        fixed[f"work_{a}_{int(types.day[k])}"] = 1.0
        fixed[f"n_{k}"] = fixed.get(f"n_{k}", 0.0) + 1.0
        placements = types.breaks_by_length[int(types.length_min[k])]
        i = per_type.get(k, 0)
        per_type[k] = i + 1
        for r, placement in enumerate(placements):
            offs = placement.offsets_min
            off = offsets[r] if offsets is not None else int(offs[(i * 7 + 3) % offs.size])
            name = f"s2_brk_{k}_{r}_{int(off)}"
            fixed[name] = fixed.get(name, 0.0) + 1.0
    return fixed


def handout_starts(
    inputs: RosterInputs,
    chosen: list[tuple[int, int]],
    allowed: np.ndarray,
    counts: np.ndarray,
    stage1_breaks: dict[int, list[list[int]]],
    budget: Budget,
) -> list[Pick] | None:
    """A MIP start for step 2b that hands out exactly stage 1's shifts, or ``None``.

    Each worked (agent, day) takes one of stage 1's shifts of its day and length, no
    shift is handed out more often than stage 1 chose it, and the rest rule holds (the
    same rule function as everywhere); objective: the late/early spread. When it is
    feasible the roster realises stage 1's coverage exactly. An agent-day that none of
    stage 1's shifts fits (availability for part of the day) may take any start of its
    length that the agent can work. ``None`` also when ``budget`` is already spent.
    """
    if budget.expired():
        return None
    types, agents = inputs.types, inputs.agents
    by_day: dict[tuple[int, int], list[int]] = {}
    for a, rep in chosen:
        d, length = int(types.day[rep]), int(types.length_min[rep])
        same = allowed[a] & (types.day == d) & (types.length_min == length)
        ks = np.flatnonzero(same & (counts > 0))
        if ks.size == 0:
            ks = np.flatnonzero(same)  # none of stage 1's shifts fits them: any start of the group
        if ks.size == 0:
            return None
        by_day[(a, d)] = [int(k) for k in ks]
    m = _model("roster_handout", inputs, agents, by_day, False)
    R.one_shift_per_day(m)
    R.min_rest(m)
    for (a, d), w in m.work.items():
        m.problem += (w == 1, f"works_pattern_day[{agents[a].agent_id},{d}]")
    users: dict[int, list[tuple[pulp.LpVariable, float]]] = {}
    for (_, k), var in sorted(m.z.items()):
        users.setdefault(k, []).append((var, 1.0))
    for k, vs in users.items():
        if counts[k] > 0:
            m.problem += (pulp.LpAffineExpression(vs) <= int(counts[k]), f"handout_count[{k}]")
    m.problem.setObjective(pulp.LpAffineExpression(R.late_early_spread(m)))
    outcome = run(m.problem, inputs.solver, budget.solve_seconds(), inputs.rules.solver)
    if not outcome.has_solution:
        return None
    picked: list[Pick] = []
    taken: dict[int, int] = {}
    for (a, k), var in sorted(m.z.items(), key=lambda item: (item[0][1], agents[item[0][0]].agent_id)):
        if (var.value() or 0.0) > 0.5:
            i = taken.get(k, 0)
            taken[k] = i + 1
            picked.append((a, k, [per_rule[i] for per_rule in stage1_breaks[k]] if k in stage1_breaks else None))
    return picked


_PER_AGENT_NAME = re.compile(r"^(z|work|off2)_0_")


def greedy_patterns(
    inputs: RosterInputs,
    allowed: np.ndarray,
    group: np.ndarray,
    reps: dict[int, int],
    target: dict[int, float],
    avg_weight: float,
    budget: Budget,
) -> tuple[dict[str, float], list[str]]:
    """A MIP start for step 2a: agent by agent, a one-agent pattern model (the same rule
    functions) takes the (day, length) slots stage 1 still needs most.

    The weekly rules of different agents are independent, so an agent whose own model
    is proven infeasible proves the whole step infeasible; those agents are returned.
    Each agent's model gets an equal share of what is left of ``budget``; an agent whose
    model finds nothing in that time is left out of the start (not called infeasible).
    """
    types, rules, agents = inputs.types, inputs.rules, inputs.agents
    remaining = dict(target)
    fixed: dict[str, float] = {}
    infeasible: list[str] = []
    for a, agent in enumerate(agents):
        by_day: dict[tuple[int, int], list[int]] = {}
        for g, k in sorted(reps.items()):
            if allowed[a, group == g].any():
                by_day.setdefault((0, int(types.day[k])), []).append(k)
        m = _model(f"roster_pattern_{a}", inputs, [agent], by_day, False)
        for rule in PATTERN_RULES:
            rule(m)
        terms: R.Terms = []
        for (_, k), var in m.z.items():
            hours = float(types.paid_min[k]) / 60.0
            need = remaining[int(group[k])]
            value = avg_weight * hours if need >= 1 else -rules.weights.over_staffing * hours
            terms.append((var, -value))
        terms += R.target_hours_deviation(m)
        m.problem.setObjective(pulp.LpAffineExpression(terms))
        share = budget.share(1.0 / (len(agents) - a))
        outcome = run(m.problem, inputs.solver, share.solve_seconds(), rules.solver, gap=0.0)
        if not outcome.has_solution:
            if outcome.infeasible:
                infeasible.append(agent.agent_id)
            continue
        for var in m.problem.variables():
            if _PER_AGENT_NAME.match(var.name) and (var.value() or 0.0) > 0.5:
                fixed[_PER_AGENT_NAME.sub(rf"\g<1>_{a}_", var.name)] = 1.0
        for (_, k), var in m.z.items():
            if (var.value() or 0.0) > 0.5:
                remaining[int(group[k])] -= 1
    return fixed, infeasible


def solve_assignment(
    inputs: RosterInputs,
    counts: np.ndarray,
    candidates: np.ndarray,
    budget: Budget,
    *,
    stage1_breaks: dict[int, list[list[int]]],
    force_elastic: bool = False,
    weeks: tuple[dict[int, tuple[int, ...]], SolveOutcome] | None = None,
) -> Assignment:
    """Run 2a then 2b (see module docstring) within ``budget``.

    ``weeks`` (each agent's length per day, 0 = off, with the outcome of the model that
    chose them) replaces step 2a when stage 1 already chose every agent's week.
    """
    types, grid, agents, mask, rules = inputs.types, inputs.grid, inputs.agents, inputs.mask, inputs.rules
    allowed = mask & candidates
    group = types.day * 100_000 + types.length_min
    reps: dict[int, int] = {}
    for k in np.flatnonzero(mask.any(axis=0)):
        reps.setdefault(int(group[k]), int(k))
    if weeks is not None:
        chosen = sorted(((a, reps[d * 100_000 + length]) for a, week in weeks[0].items()
                         for d, length in enumerate(week) if length),
                        key=lambda ak: (agents[ak[0]].agent_id, ak[1]))
        # Stage 1 matches weeks to shifts per (day, length); an agent available for part
        # of a day may fit none of that day's shifts: offer them every start they can work.
        for a, rep in chosen:
            same = group == group[rep]
            if not allowed[a, same].any():
                allowed[a, same] = mask[a, same]
        given = StepResult(chosen, [], weeks[1], 0, 0, {})
        # Handing out stage 1's shifts under the rest rule usually realises stage 1's
        # objective; then the starts model has nothing left to gain worth its time.
        accept = weeks[1].objective * (1.0 + rules.solver.mip_rel_gap) if math.isfinite(weeks[1].objective) else None
        return _assign_starts(inputs, given, allowed, counts, budget, stage1_breaks, force_elastic, accept,
                              exact_handout=True)
    target = {g: float(counts[group == g].sum()) for g in reps}
    avg_weight = float(grid.weights[grid.required > 0].mean()) if np.any(grid.required > 0) else 1.0

    pattern_budget = budget.share(PATTERN_TIME_SHARE)
    greedy_budget = pattern_budget.share(GREEDY_PATTERN_SHARE)
    pattern_start, alone_infeasible = greedy_patterns(inputs, allowed, group, reps, target, avg_weight,
                                                      greedy_budget)
    if alone_infeasible:
        # The offered shifts may be too few for some agents: offer them every shift
        # they may work; only if their own rules still fail is the step infeasible.
        widen = [a for a, agent in enumerate(agents) if agent.agent_id in set(alone_infeasible)]
        allowed[widen] = mask[widen]
        pattern_start, alone_infeasible = greedy_patterns(inputs, allowed, group, reps, target, avg_weight,
                                                          greedy_budget)
    force_elastic = force_elastic or bool(alone_infeasible)

    def build_patterns(elastic: bool, _widen: bool) -> tuple[R.AssignmentModel, dict[str, float],
                                                              Callable[[], dict[int, list[list[int]]]]]:
        by_day: dict[tuple[int, int], list[int]] = {}
        for a in range(len(agents)):
            for g, k in sorted(reps.items()):
                if allowed[a, group == g].any():
                    by_day.setdefault((a, int(types.day[k])), []).append(k)
        m = _model("roster_patterns", inputs, agents, by_day, elastic)
        for rule in PATTERN_RULES:
            rule(m)
        terms: R.Terms = []
        for soft in PATTERN_SOFT:
            terms += soft(m)
        for g, k in sorted(reps.items()):
            users = [(v, 1.0) for (a, kk), v in m.z.items() if kk == k]
            short = m.problem.add_variable(f"short_{k}", lowBound=0)
            excess = m.problem.add_variable(f"excess_{k}", lowBound=0)
            m.problem += (pulp.LpAffineExpression([*users, (short, 1.0), (excess, -1.0)]) == target[g],
                          f"pattern_count[{int(types.day[k])},{int(types.length_min[k])}]")
            hours = float(types.paid_min[k]) / 60.0
            terms += [(short, avg_weight * hours), (excess, rules.weights.over_staffing * hours)]
        terms += [(s.var, R.ELASTIC_PENALTY * R.RULE_PENALTY_FACTOR[s.rule] * s.per_unit) for s in m.slacks]
        m.problem.setObjective(pulp.LpAffineExpression(terms))
        return m, pattern_start, dict

    patterns = _solve_step(build_patterns, inputs, pattern_budget, force_elastic, ipm=False, gap=PATTERN_GAP)
    return _assign_starts(inputs, patterns, allowed, counts, budget, stage1_breaks, force_elastic)


def _assign_starts(
    inputs: RosterInputs,
    patterns: StepResult,
    allowed: np.ndarray,
    counts: np.ndarray,
    budget: Budget,
    stage1_breaks: dict[int, list[list[int]]],
    force_elastic: bool,
    accept_below: float | None = None,
    exact_handout: bool = False,
) -> Assignment:
    """Step 2b for the agents' days and lengths in ``patterns``; with ``exact_handout`` the
    MIP start hands out stage 1's shifts exactly (:func:`handout_starts`) when it can."""
    types, agents, mask, rules = inputs.types, inputs.agents, inputs.mask, inputs.rules
    picks_by_widen: dict[bool, list[Pick]] = {}

    def start_picks(widen: bool) -> list[Pick]:
        # The hard and the elastic attempt share one start: compute it once.
        if widen not in picks_by_widen:
            picks = None
            if exact_handout and not widen:
                picks = handout_starts(inputs, patterns.chosen, allowed, counts, stage1_breaks,
                                       budget.share(HANDOUT_TIME_SHARE))
            if picks is None:
                picks = greedy_starts(inputs, patterns.chosen, mask if widen else allowed, counts, stage1_breaks)
            picks_by_widen[widen] = picks
        return picks_by_widen[widen]

    def build_starts(elastic: bool, widen: bool) -> tuple[R.AssignmentModel, dict[str, float],
                                                          Callable[[], dict[int, list[list[int]]]]]:
        picks = start_picks(widen)
        by_day: dict[tuple[int, int], list[int]] = {}
        for a, k in patterns.chosen:
            options = np.flatnonzero((mask[a] if widen else allowed[a]) & (types.day == types.day[k]))
            by_day[(a, int(types.day[k]))] = [int(j) for j in options]
        # The start may use a start outside the offered ones (to keep the rest rule): offer it.
        for a, k, _ in picks:
            offered = by_day.setdefault((a, int(types.day[k])), [])
            if k not in offered:
                offered.append(k)
                offered.sort()
        fixed = start_values(picks, inputs)
        m = _model("roster_starts", inputs, agents, by_day, elastic)
        for rule in START_RULES:
            rule(m)
        for (a, d), w in m.work.items():
            m.problem += (w == 1, f"works_pattern_day[{agents[a].agent_id},{d}]")
        terms: R.Terms = []
        for soft in START_SOFT:
            terms += soft(m)
        users: dict[int, list[pulp.LpVariable]] = {}
        for (_, k), var in sorted(m.z.items()):
            users.setdefault(k, []).append(var)
        n = {k: m.problem.add_variable(f"n_{k}", lowBound=0, upBound=len(vs), cat=pulp.LpInteger)
             for k, vs in sorted(users.items())}
        for k, vs in users.items():
            m.problem += (pulp.LpAffineExpression([(v, 1.0) for v in vs] + [(n[k], -1.0)]) == 0,
                          f"shift_count[{k}]")
        cov = add_coverage(m.problem, n, types, inputs.grid, rules, prefix="s2_", service=inputs.service)
        paid = pulp.LpAffineExpression([(n[k], float(types.paid_min[k]) / 60.0) for k in n])
        terms += [(s.var, R.ELASTIC_PENALTY * R.RULE_PENALTY_FACTOR[s.rule] * s.per_unit) for s in m.slacks]
        paid_cost = 0.0 if cov.prices_paid_hours else rules.weights.paid_hours
        m.problem.setObjective(cov.objective + paid_cost * paid + pulp.LpAffineExpression(terms))
        return m, fixed, lambda: placed_breaks(cov, types)

    starts = _solve_step(build_starts, inputs, budget, force_elastic, ipm=True, gap=None, accept_below=accept_below)
    shifts: list[tuple[int, int, list[int]]] = []
    taken: dict[int, int] = {}
    for a, k_raw in sorted(starts.chosen, key=lambda ak: (ak[1], agents[ak[0]].agent_id)):
        kind = int(k_raw)
        i = taken.get(kind, 0)
        taken[kind] = i + 1
        shifts.append((a, kind, [per_rule[i] for per_rule in starts.breaks[kind]]))
    # 2b re-imposes the weekly hours, so its slack (not 2a's) is what the roster bends.
    rechecked = {"hours_min", "hours_max", "min_rest"}
    bent = sorted([b for b in patterns.bent if b.rule not in rechecked] + starts.bent,
                  key=lambda b: (b.rule, b.agent_id, b.detail))
    return Assignment(shifts, bent, patterns, starts)
