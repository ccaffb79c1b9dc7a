"""What the team can work against what the requirement asks, and contracts no roster can keep.

:func:`capacity_check` gives two proven lower bounds on under-staffing that no roster
can beat, whatever the solver does:

* **hours**: ``sum_t max(r_t - b_t, 0) * h - sum_a min(max_hours_a, reachable_a)``.
  An agent is on the floor at most their paid hours (breaks are off the floor; unpaid
  breaks are not paid either), and paid hours are at most ``max_hours`` and at most
  what their availability and working days allow (``reachable``, below);
* **head count**: ``sum_t max(r_t - b_t - N_t, 0) * h`` with ``N_t`` the agents who
  have any shift type covering interval ``t`` they may work: no more can be on the floor.

``r_t`` is the requirement, ``b_t`` last week's shifts running into this week, ``h`` the
interval length in hours. The larger of the two is the capacity shortfall; when it is
positive demand goes unmet for lack of capacity, and the roster is at best the one the
team allows (:attr:`~staffing.roster.types.RosterStatus.UNDERSTAFFED`).

:func:`attainable_contracts` lowers the ``min_hours`` of an agent who cannot reach it
(unavailable all week, or for too much of it) to the most they can work, so that the
hard models stay feasible and one agent's absence costs about their hours, not the
whole roster; the lowered minimum is reported as a bent ``hours_min`` rule.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from staffing.roster.config import RosterRules
from staffing.roster.grid import DAYS, ShiftTypes, WeekGrid
from staffing.roster.patterns import agent_patterns
from staffing.roster.previous import CarryOver
from staffing.roster.types import AgentContract, BentRule, CapacityCheck

#: Shortfalls below this many agent-hours are rounding, not a capacity problem.
SHORTFALL_TOLERANCE_HOURS = 1e-6


def working_day_cap(agent: AgentContract, rules: RosterRules) -> int:
    """Days the agent may work: ``min(7 - min_days_off, max_days)``."""
    cap = DAYS - rules.min_days_off
    return cap if agent.max_days is None else min(cap, agent.max_days)


def reachable_hours(agent_mask: np.ndarray, types: ShiftTypes, cap_days: int) -> float:
    """Paid hours of the agent's best ``cap_days`` days, each at the longest paid shift they
    may work that day: an upper bound on their week (rest and days-off pairs ignored)."""
    best = sorted((float(types.paid_min[agent_mask & (types.day == d)].max(initial=0)) / 60.0
                   for d in range(DAYS)), reverse=True)
    return float(sum(best[:cap_days]))


def _headcount(types: ShiftTypes, mask: np.ndarray, grid: WeekGrid) -> np.ndarray:
    """``N_t``: agents with some shift type they may work spanning interval ``t`` of the week."""
    n, g = grid.n_intervals, grid.step_minutes
    lo = np.minimum(types.start_min // g, n)
    hi = np.minimum(types.end_min // g, n)
    out = np.zeros(n)
    for row in mask:
        diff = np.zeros(n + 1)
        np.add.at(diff, lo[row], 1)
        np.add.at(diff, hi[row], -1)
        out += np.cumsum(diff[:n]) > 0
    return out


def contract_problems(
    types: ShiftTypes, agents: list[AgentContract], mask: np.ndarray, rules: RosterRules
) -> list[str]:
    """Contracts that cannot be kept: ``min_hours > max_hours``, or ``min_hours`` beyond
    :func:`reachable_hours`."""
    problems: list[str] = []
    for a, agent in enumerate(agents):
        reachable = reachable_hours(mask[a], types, working_day_cap(agent, rules))
        if agent.min_hours > agent.max_hours:
            problems.append(f"{agent.agent_id}: min_hours {agent.min_hours:g} > max_hours {agent.max_hours:g}")
        elif reachable + 1e-9 < agent.min_hours:
            problems.append(f"{agent.agent_id}: min_hours {agent.min_hours:g} unreachable "
                            f"(at most {reachable:g} paid hours within availability and working days)")
    return problems


def capacity_check(
    grid: WeekGrid, types: ShiftTypes, agents: list[AgentContract], mask: np.ndarray, rules: RosterRules
) -> CapacityCheck:
    """Required agent-hours against what the team can work; contracts whose minimum cannot be met.

    Parameters
    ----------
    grid
        The week's grid (requirement ``r_t``, last week's spill-over ``b_t``).
    types, agents, mask
        Shift types, contracts (index ``a``) and ``mask[a, k]``: agent ``a`` may work type ``k``.
    rules
        The ``roster:`` section (days off).

    Returns
    -------
    CapacityCheck
        Its ``problems`` list every contract that cannot be kept and, when positive, the
        capacity shortfall (see the module docstring), e.g. ``"required 23,430 agent-h,
        the team can work at most 2,880 h: 20,550 h short"``.
    """
    h = grid.step_hours
    required = float((grid.required * h).sum())
    net = np.maximum(grid.required - grid.baseline, 0.0)
    problems = contract_problems(types, agents, mask, rules)
    workable = float(sum(min(max(agent.max_hours, 0.0), reachable_hours(mask[a], types, working_day_cap(agent, rules)))
                         for a, agent in enumerate(agents)))
    net_hours = float(net.sum() * h)
    hours_short = max(net_hours - workable, 0.0)
    headcount = _headcount(types, mask, grid)
    excess = np.maximum(net - headcount, 0.0)
    headcount_short = float(excess.sum() * h)
    shortfall = max(hours_short, headcount_short)
    if hours_short > SHORTFALL_TOLERANCE_HOURS:
        spill = f" ({required:,.1f} before last week's spill-over)" if grid.baseline.any() else ""
        problems.append(f"required {net_hours:,.1f} agent-h{spill}, the team can work at most {workable:,.1f} h: "
                        f"{hours_short:,.1f} h short")
    if headcount_short > SHORTFALL_TOLERANCE_HOURS and headcount_short >= hours_short:
        t = int(np.flatnonzero(excess > 0)[0])
        when = grid.week_start + pd.Timedelta(minutes=t * grid.step_minutes)
        problems.append(f"{int((excess > 0).sum())} interval(s) need more agents than can be working "
                        f"(first {when:%a %H:%M}: {net[t]:g} required, {headcount[t]:g} can work): "
                        f"at least {headcount_short:,.1f} agent-h short")
    return CapacityCheck(
        required_agent_hours=required,
        contracted_min_hours=float(sum(a.min_hours for a in agents)),
        contracted_max_hours=float(sum(a.max_hours for a in agents)),
        problems=tuple(problems),
        workable_hours=workable,
        shortfall_agent_hours=shortfall if shortfall > SHORTFALL_TOLERANCE_HOURS else 0.0,
    )


def _attainable_hours(
    a: int, agent: AgentContract, types: ShiftTypes, mask: np.ndarray, rules: RosterRules, carry: CarryOver
) -> float:
    """The most paid hours, at most ``max_hours``, of any week the agent can keep the weekly
    rules in (their minimum aside); the :func:`reachable_hours` estimate when the weekly
    patterns are too many to enumerate."""
    paid_by_length = {int(m): int(p) for m, p in zip(types.length_min, types.paid_min, strict=True)}
    options = [sorted({int(m) for m in types.length_min[mask[a] & (types.day == d)]}) for d in range(DAYS)]
    relaxed = dataclasses.replace(agent, min_hours=0.0, max_hours=max(agent.max_hours, 0.0))
    try:
        weeks = agent_patterns(relaxed, options, paid_by_length, rules, carry.worked_days.get(agent.agent_id,
                                                                                             frozenset()))
    except ValueError:
        return min(relaxed.max_hours, reachable_hours(mask[a], types, working_day_cap(agent, rules)))
    paid = np.zeros(weeks.shape[0])
    for length, minutes in paid_by_length.items():
        paid += (weeks == length).sum(axis=1) * minutes / 60.0
    return float(paid.max(initial=0.0))


def attainable_contracts(
    agents: tuple[AgentContract, ...], types: ShiftTypes, mask: np.ndarray, rules: RosterRules, carry: CarryOver
) -> tuple[tuple[AgentContract, ...], dict[str, str]]:
    """Contracts with every unreachable ``min_hours`` lowered to the most the agent can work.

    Returns
    -------
    tuple
        The contracts (same order) and, per agent whose minimum was lowered, why it
        cannot be met (``"unavailable all week"``, ``"at most 25.5 paid hours within
        availability and working-time rules"``, ``"min_hours 40 > max_hours 30"``).

    Notes
    -----
    Without this, one such agent made the hard stage-2 models infeasible and sent the
    whole roster down the elastic route (covering model alone, every rule elastic), which
    cost several times that agent's hours in coverage. The minimum is lowered to the
    best attainable week, not to 0, so that the agent still works as close to their
    contract as the rules allow.
    """
    out: list[AgentContract] = []
    why: dict[str, str] = {}
    # Agents with the same hours cap, day cap, availability (mask row) and last week share
    # their attainable week: enumerate it once per such group (a team has few).
    seen: dict[tuple[object, ...], float] = {}
    for a, agent in enumerate(agents):
        if agent.min_hours <= 0:
            out.append(agent)
            continue
        key = (agent.max_hours, agent.max_days, mask[a].tobytes(), carry.worked_days.get(agent.agent_id, frozenset()))
        if key not in seen:
            seen[key] = _attainable_hours(a, agent, types, mask, rules, carry)
        attainable = seen[key]
        if agent.min_hours <= attainable + 1e-9:
            out.append(agent)
            continue
        if agent.min_hours > agent.max_hours:
            why[agent.agent_id] = f"min_hours {agent.min_hours:g} > max_hours {agent.max_hours:g}"
        elif not mask[a].any():
            why[agent.agent_id] = "unavailable all week"
        else:
            why[agent.agent_id] = f"at most {attainable:g} paid hours within availability and working-time rules"
        out.append(dataclasses.replace(agent, min_hours=attainable))
    return tuple(out), why


def lowered_minimum_rules(
    agents: tuple[AgentContract, ...], why: dict[str, str], paid_hours: dict[str, float], bent: tuple[BentRule, ...]
) -> tuple[BentRule, ...]:
    """The roster's bent rules with one ``hours_min`` entry per agent whose minimum was lowered.

    Its amount is the agent's real shortfall, ``min_hours - paid hours`` of the roster (any
    stage-2 ``hours_min`` entry for them, measured against the lowered minimum, is replaced).
    """
    kept = [b for b in bent if not (b.rule == "hours_min" and b.agent_id in why)]
    for agent in agents:
        if agent.agent_id not in why:
            continue
        short = round(agent.min_hours - paid_hours.get(agent.agent_id, 0.0), 4)
        if short > 1e-6:
            kept.append(BentRule("hours_min", agent.agent_id, short, "hours", why[agent.agent_id]))
    return tuple(sorted(kept, key=lambda b: (b.rule, b.agent_id, b.detail)))
