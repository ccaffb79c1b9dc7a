"""One function per personal rule of the assignment model (stage 2).

Each hard rule adds NAMED constraints (``rest_min_11h[A017,2]``); in elastic mode it
also adds a non-negative slack per constraint, penalised in the objective and
reported as a :class:`~staffing.roster.types.BentRule` when positive. Soft rules
return their penalty terms. Shift lengths and unavailability are structural: a
(agent, shift type) pair that breaks them has no variable at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pulp

from staffing.roster.config import RosterRules, minutes_of_day
from staffing.roster.grid import DAYS, MINUTES_PER_DAY, ShiftTypes
from staffing.roster.previous import CarryOver
from staffing.roster.types import AgentContract

if TYPE_CHECKING:
    from staffing.roster.inputs import RosterInputs

#: Objective penalty per unit (hour or day) of a bent rule; dwarfs every other term.
ELASTIC_PENALTY = 10_000.0

#: Relative price of bending each rule family: working-time rules (rest, days off,
#: consecutive days) bend only when contract hours cannot absorb the conflict.
RULE_PENALTY_FACTOR = {
    "hours_min": 1.0,
    "hours_max": 1.0,
    "days_off_min": 20.0,
    "two_consecutive_days_off": 20.0,
    "max_consecutive_days": 20.0,
    "min_rest": 20.0,
}

Terms = list[tuple[pulp.LpVariable, float]]


@dataclass(frozen=True)
class Slack:
    """A slack variable of a bent-able constraint and what one unit of it means."""

    var: pulp.LpVariable
    rule: str
    agent_id: str
    unit: str
    per_unit: float
    detail: str


@dataclass
class AssignmentModel:
    """The stage-2 model under construction.

    ``z[(a, k)]`` is 1 when agent ``a`` works shift type ``k``; ``work[(a, d)]`` is 1
    when agent ``a`` works a shift starting on day ``d``. ``agents`` are the agents this
    model rosters (all of ``inputs.agents``, or one of them for a one-agent model); ``a``
    indexes them.
    """

    problem: pulp.LpProblem
    inputs: RosterInputs
    agents: Sequence[AgentContract]
    elastic: bool
    z: dict[tuple[int, int], pulp.LpVariable]
    by_agent_day: dict[tuple[int, int], list[int]]
    work: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    slacks: list[Slack] = field(default_factory=list)

    @property
    def types(self) -> ShiftTypes:
        return self.inputs.types

    @property
    def rules(self) -> RosterRules:
        return self.inputs.rules

    @property
    def carry(self) -> CarryOver:
        return self.inputs.carry

    def slack(self, name: str, rule: str, agent: int, unit: str, per_unit: float, detail: str) -> Terms:
        """A slack term for a ``>=`` row (empty when not elastic)."""
        if not self.elastic:
            return []
        var = self.problem.add_variable(f"slack_{name}", lowBound=0)
        self.slacks.append(Slack(var, rule, self.agents[agent].agent_id, unit, per_unit, detail))
        return [(var, 1.0)]

    def shifts(self, a: int, d: int) -> Terms:
        return [(self.z[(a, k)], 1.0) for k in self.by_agent_day.get((a, d), [])]

    def days_of(self, a: int) -> list[int]:
        return [d for d in range(DAYS) if (a, d) in self.work]


def _tag(agent: AgentContract, *more: object) -> str:
    return ",".join([agent.agent_id, *map(str, more)])


def one_shift_per_day(m: AssignmentModel) -> None:
    """``work[a,d] = sum_k z[a,k]`` over day-``d`` types, ``work`` binary: at most one shift a day."""
    for (a, d), ks in sorted(m.by_agent_day.items()):
        if not ks:
            continue
        w = m.problem.add_variable(f"work_{a}_{d}", cat=pulp.LpBinary)
        m.work[(a, d)] = w
        m.problem += (pulp.LpAffineExpression([*m.shifts(a, d), (w, -1.0)]) == 0,
                      f"one_shift_per_day[{_tag(m.agents[a], d)}]")


def weekly_hours(m: AssignmentModel) -> None:
    """``min_hours <= sum_k paid_k z[a,k] / 60 <= max_hours`` per agent."""
    for a, agent in enumerate(m.agents):
        paid = [(m.z[(a, k)], float(m.types.paid_min[k]) / 60.0)
                for d in m.days_of(a) for k in m.by_agent_day[(a, d)]]
        if agent.min_hours > 0:
            s = m.slack(f"hours_min_{a}", "hours_min", a, "hours", 1.0, f"paid hours below min_hours={agent.min_hours:g}")
            m.problem += (pulp.LpAffineExpression(paid + s) >= agent.min_hours, f"hours_min[{_tag(agent)}]")
        s = m.slack(f"hours_max_{a}", "hours_max", a, "hours", 1.0, f"paid hours above max_hours={agent.max_hours:g}")
        m.problem += (pulp.LpAffineExpression(paid + [(v, -c) for v, c in s]) <= agent.max_hours,
                      f"hours_max[{_tag(agent)}]")


def working_days(m: AssignmentModel) -> None:
    """Days worked ``<= min(7 - min_days_off, max_days)`` per agent."""
    for a, agent in enumerate(m.agents):
        cap = DAYS - m.rules.min_days_off
        if agent.max_days is not None:
            cap = min(cap, agent.max_days)
        days = m.days_of(a)
        if len(days) <= cap:
            continue
        s = m.slack(f"days_{a}", "days_off_min", a, "days", 1.0, f"worked more than {cap} days")
        m.problem += (pulp.LpAffineExpression([(m.work[(a, d)], 1.0) for d in days] + [(v, -c) for v, c in s]) <= cap,
                      f"days_off_min[{_tag(agent)}]")


def consecutive_days_off(m: AssignmentModel) -> None:
    """At least one pair of consecutive days (Mon-Tue ... Sat-Sun) off: ``off2[a,d] <= 1 - work``."""
    if not m.rules.consecutive_days_off:
        return
    for a, agent in enumerate(m.agents):
        pairs: Terms = []
        always_free = False
        for d in range(DAYS - 1):
            busy = [m.work[(a, e)] for e in (d, d + 1) if (a, e) in m.work]
            if not busy:
                always_free = True
                break
            off = m.problem.add_variable(f"off2_{a}_{d}", cat=pulp.LpBinary)
            for e, w in enumerate(busy):
                m.problem += (off + w <= 1, f"off_pair_link[{_tag(agent, d, e)}]")
            pairs.append((off, 1.0))
        if always_free:
            continue
        s = m.slack(f"off2_{a}", "two_consecutive_days_off", a, "pairs", 1.0, "no two consecutive days off")
        m.problem += (pulp.LpAffineExpression(pairs + s) >= 1, f"two_consecutive_days_off[{_tag(agent)}]")


def max_consecutive_days(m: AssignmentModel) -> None:
    """In every window of ``C + 1`` consecutive days (last week's included) at most ``C`` worked."""
    c = m.rules.max_consecutive_days
    for a, agent in enumerate(m.agents):
        before = m.carry.worked_days.get(agent.agent_id, frozenset())
        for first in range(-c, DAYS - c):
            window = range(first, first + c + 1)
            current = [(m.work[(a, d)], 1.0) for d in window if d >= 0 and (a, d) in m.work]
            carried = sum(1 for d in window if d < 0 and d in before)
            if len(current) + carried <= c or not current:
                continue
            s = m.slack(f"consec_{a}_{first}", "max_consecutive_days", a, "days", 1.0,
                        f"more than {c} consecutive days from day {first}")
            m.problem += (pulp.LpAffineExpression(current + [(v, -x) for v, x in s]) <= c - carried,
                          f"max_consecutive_days[{_tag(agent, first)}]")


def min_rest(m: AssignmentModel) -> None:
    """Rest between the end of one shift and the start of the next ``>= min_rest_hours``.

    Clique form: for days ``d < e <= d + 2`` and every end time ``T`` of the agent's
    day-``d`` options, ``sum_{k on d, end_k >= T} z_k + sum_{j on e, start_j < T + R} z_j <= 1``
    (every pair in the set conflicts; every conflicting pair lies in the set for
    ``T = end_k``). Against last week's final shift, early options are forbidden.
    """
    rest = round(m.rules.min_rest_hours * 60)
    if rest <= 0:
        return
    name = f"rest_min_{m.rules.min_rest_hours:g}h"
    types = m.types
    for a, agent in enumerate(m.agents):
        days = m.days_of(a)
        for d in days:
            ks = m.by_agent_day[(a, d)]
            ends = types.end_min[ks]
            for e in (x for x in days if d < x <= d + 2):
                js = m.by_agent_day[(a, e)]
                starts = types.start_min[js]
                for threshold in sorted(set(ends.tolist())):
                    late = [k for k, x in zip(ks, ends, strict=True) if x >= threshold]
                    early = [j for j, x in zip(js, starts, strict=True) if x < threshold + rest]
                    if not early:
                        continue
                    s = m.slack(f"rest_{a}_{d}_{e}_{threshold}", "min_rest", a, "shift pairs", 1.0,
                                f"rest between day {d} and day {e} below {m.rules.min_rest_hours:g} h")
                    expr = [(m.z[(a, k)], 1.0) for k in late + early] + [(v, -c) for v, c in s]
                    m.problem += (pulp.LpAffineExpression(expr) <= 1,
                                  f"{name}[{_tag(agent, d, e, threshold)}]")
        last = m.carry.last_end_min.get(agent.agent_id)
        if last is None:
            continue
        early_k = [k for d in days for k in m.by_agent_day[(a, d)] if types.start_min[k] < last + rest]
        if early_k:
            s = m.slack(f"rest_prev_{a}", "min_rest", a, "shifts", 1.0,
                        f"rest after last week's final shift below {m.rules.min_rest_hours:g} h")
            m.problem += (pulp.LpAffineExpression([(m.z[(a, k)], 1.0) for k in early_k] + [(v, -c) for v, c in s]) <= 0,
                          f"{name}[{_tag(agent, 'previous_week')}]")


def _spread(m: AssignmentModel, label: str, counts: list[pulp.LpAffineExpression], weight: float) -> Terms:
    if weight <= 0 or len(counts) < 2:
        return []
    hi = m.problem.add_variable(f"{label}_max", lowBound=0)
    lo = m.problem.add_variable(f"{label}_min", lowBound=0)
    for a, expr in enumerate(counts):
        m.problem += (expr - hi <= 0, f"{label}_max[{m.agents[a].agent_id}]")
        m.problem += (expr - lo >= 0, f"{label}_min[{m.agents[a].agent_id}]")
    return [(hi, weight), (lo, -weight)]


def weekend_spread(m: AssignmentModel) -> Terms:
    """Soft: ``weight * (max_a - min_a)`` weekend days worked (Saturday, Sunday)."""
    counts = [pulp.LpAffineExpression([(m.work[(a, d)], 1.0) for d in (5, 6) if (a, d) in m.work])
              for a in range(len(m.agents))]
    return _spread(m, "weekend_days", counts, m.rules.weights.weekend_spread)


def late_early_spread(m: AssignmentModel) -> Terms:
    """Soft: spread of late shifts (start >= ``late_start_from``) and early ones (start < ``early_start_before``)."""
    tod = m.types.start_min % MINUTES_PER_DAY
    late = tod >= minutes_of_day(m.rules.late_start_from)
    early = tod < minutes_of_day(m.rules.early_start_before)
    terms: Terms = []
    for label, flag, weight in (("late_shifts", late, m.rules.weights.late_spread),
                                ("early_shifts", early, m.rules.weights.early_spread)):
        counts = [pulp.LpAffineExpression([(m.z[(a, k)], 1.0) for d in m.days_of(a)
                                           for k in m.by_agent_day[(a, d)] if flag[k]])
                  for a in range(len(m.agents))]
        terms += _spread(m, label, counts, weight)
    return terms


def target_hours(agent: AgentContract, rules: RosterRules) -> float:
    """The weekly paid hours an agent should ideally work."""
    if rules.target_hours == "min":
        return agent.min_hours
    if rules.target_hours == "max":
        return agent.max_hours
    return (agent.min_hours + agent.max_hours) / 2.0


def target_hours_deviation(m: AssignmentModel) -> Terms:
    """Soft: ``weight * |paid hours - target hours|`` per agent."""
    weight = m.rules.weights.target_hours_deviation
    if weight <= 0:
        return []
    terms: Terms = []
    for a, agent in enumerate(m.agents):
        paid = [(m.z[(a, k)], float(m.types.paid_min[k]) / 60.0)
                for d in m.days_of(a) for k in m.by_agent_day[(a, d)]]
        plus = m.problem.add_variable(f"target_plus_{a}", lowBound=0)
        minus = m.problem.add_variable(f"target_minus_{a}", lowBound=0)
        m.problem += (pulp.LpAffineExpression([*paid, (plus, -1.0), (minus, 1.0)]) == target_hours(agent, m.rules),
                      f"target_hours[{_tag(agent)}]")
        terms += [(plus, weight), (minus, weight)]
    return terms


HARD_RULES = (one_shift_per_day, weekly_hours, working_days, consecutive_days_off, max_consecutive_days, min_rest)
SOFT_RULES = (weekend_spread, late_early_spread, target_hours_deviation)


def agent_day_candidates(mask: np.ndarray, candidates: np.ndarray, types: ShiftTypes) -> dict[tuple[int, int], list[int]]:
    """Candidate types per (agent, day): offered and allowed for the agent."""
    out: dict[tuple[int, int], list[int]] = {}
    for a in range(mask.shape[0]):
        for k in np.flatnonzero(mask[a] & candidates):
            out.setdefault((a, int(types.day[k])), []).append(int(k))
    return out
