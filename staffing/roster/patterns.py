"""Weekly day/length patterns per agent class, enumerated in full.

A *pattern* says, for each day of the week, whether an agent works and which shift
length (``0`` = day off). Agents with the same contract, the same (day, length)
availability and the same carry-over from last week form a *class*; every member of a
class has the same feasible patterns. A pattern is feasible when it keeps the weekly
rules that do not depend on start times: paid hours inside the contract, at most
``min(7 - min_days_off, max_days)`` working days, a pair of consecutive days off
(Mon-Tue ... Sat-Sun), and at most ``max_consecutive_days`` in a row counting last
week's days. (Rest between shifts depends on starts; it is handled in the covering
model's rest cliques and, per agent, in the starts step.)

Enumeration is vectorised: every combination of ``(1 + lengths) ** 7`` day options is
scored at once and filtered.

Notes
-----
Counting agents per pattern instead of per-agent binaries is the Dantzig-Wolfe
(column) form of tour scheduling: its LP relaxation is the convex hull of each class's
feasible weeks, at least as tight as the per-agent binary model's, and it has none of
its symmetry between interchangeable agents. See Brusco & Jacobs, "Personnel tour
scheduling when starting-time restrictions are present", Management Science 44(4),
1998, and Ernst et al., "Staff scheduling and rostering: a review", EJOR 153 (2004).
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Final

import numpy as np

from staffing.roster.config import RosterRules
from staffing.roster.grid import DAYS, ShiftTypes
from staffing.roster.previous import CarryOver
from staffing.roster.rules import target_hours
from staffing.roster.types import AgentContract

#: Above this many day-option combinations (``(1 + lengths) ** 7``) patterns are not enumerated.
MAX_COMBINATIONS: Final = 2_000_000


@dataclass(frozen=True)
class AgentClass:
    """Interchangeable agents and their feasible weekly patterns.

    ``lengths[p, d]`` is the shift length (minutes) of pattern ``p`` on day ``d``, 0 when
    off; ``paid_hours[p]`` its paid hours; ``deviation_hours[p]`` its distance from the
    members' target hours; ``weekend_days[p]`` days worked on Saturday and Sunday.
    """

    members: tuple[int, ...]
    lengths: np.ndarray
    paid_hours: np.ndarray
    deviation_hours: np.ndarray
    weekend_days: np.ndarray

    @property
    def size(self) -> int:
        return len(self.members)


def _longest_run(worked: np.ndarray, history: frozenset[int]) -> np.ndarray:
    """Longest run of worked days per row, the run into Monday counting last week's days."""
    before = 0
    for d in range(-1, -8, -1):
        if d not in history:
            break
        before += 1
    run = np.full(worked.shape[0], before, dtype=np.int64)
    best = np.zeros(worked.shape[0], dtype=np.int64)
    for d in range(DAYS):
        run = np.where(worked[:, d], run + 1, 0)
        best = np.maximum(best, run)
    return best


def _paid_hours(minutes: np.ndarray, paid_by_length: dict[int, int]) -> np.ndarray:
    """Paid hours per row of a ``[p, d]`` table of shift lengths (minutes, 0 = off)."""
    paid = np.zeros(minutes.shape[0])
    for length, paid_min in paid_by_length.items():
        paid += (minutes == length).sum(axis=1) * paid_min / 60.0
    return paid


@functools.lru_cache(maxsize=8)
def _combinations(n_lengths: int) -> np.ndarray:
    """Every day-option vector: ``[c, d]`` in ``0..n_lengths`` (0 = off, i = i-th length)."""
    combos = np.array(list(itertools.product(range(n_lengths + 1), repeat=DAYS)), dtype=np.int8)
    combos.setflags(write=False)
    return combos


def agent_patterns(
    agent: AgentContract,
    options: list[list[int]],
    paid_by_length: dict[int, int],
    rules: RosterRules,
    history: frozenset[int],
) -> np.ndarray:
    """Feasible patterns of one agent as ``[p, d]`` lengths in minutes (0 = off).

    ``options[d]`` lists the lengths (minutes) the agent may work on day ``d``.
    """
    lengths = sorted({m for day in options for m in day})
    if (1 + len(lengths)) ** DAYS > MAX_COMBINATIONS:
        raise ValueError("too many shift lengths to enumerate weekly patterns")
    combos = _combinations(len(lengths))
    table = np.array([0, *lengths], dtype=np.int64)
    minutes = table[combos]
    allowed = np.ones(combos.shape[0], dtype=bool)
    for d in range(DAYS):
        ok_day = np.isin(minutes[:, d], [0, *options[d]])
        allowed &= ok_day
    minutes = minutes[allowed]
    paid = _paid_hours(minutes, paid_by_length)
    worked = minutes > 0
    n_days = worked.sum(axis=1)
    cap = DAYS - rules.min_days_off if agent.max_days is None else min(DAYS - rules.min_days_off, agent.max_days)
    keep = (paid >= agent.min_hours - 1e-9) & (paid <= agent.max_hours + 1e-9) & (n_days <= cap)
    if rules.consecutive_days_off:
        pair_off = np.zeros(minutes.shape[0], dtype=bool)
        for d in range(DAYS - 1):
            pair_off |= ~worked[:, d] & ~worked[:, d + 1]
        keep &= pair_off
    keep &= _longest_run(worked, history) <= rules.max_consecutive_days
    return minutes[keep]


def agent_classes(
    agents: list[AgentContract],
    types: ShiftTypes,
    mask: np.ndarray,
    rules: RosterRules,
    carry: CarryOver,
) -> list[AgentClass]:
    """Group interchangeable agents and enumerate each group's feasible patterns.

    Two agents are interchangeable when they have the same hours window, working-day
    cap, the same set of shift types they may work (length, availability, start window)
    and the same carry-over from last week. A class without any feasible pattern is
    returned with an empty ``lengths`` table (its agents cannot keep the weekly rules).
    """
    paid_by_length = {int(m): int(p) for m, p in zip(types.length_min, types.paid_min, strict=True)}
    keys: dict[tuple[object, ...], list[int]] = {}
    for a, agent in enumerate(agents):
        key = (agent.min_hours, agent.max_hours, agent.max_days, mask[a].tobytes(),
               carry.last_end_min.get(agent.agent_id), carry.worked_days.get(agent.agent_id, frozenset()))
        keys.setdefault(key, []).append(a)
    out: list[AgentClass] = []
    for members in keys.values():
        a = members[0]
        agent = agents[a]
        options = [sorted({int(m) for m in types.length_min[mask[a] & (types.day == d)]}) for d in range(DAYS)]
        history = carry.worked_days.get(agent.agent_id, frozenset())
        lengths = agent_patterns(agent, options, paid_by_length, rules, history)
        paid = _paid_hours(lengths, paid_by_length)
        out.append(AgentClass(
            members=tuple(members),
            lengths=lengths,
            paid_hours=paid,
            deviation_hours=np.abs(paid - target_hours(agent, rules)),
            weekend_days=(lengths[:, 5:7] > 0).sum(axis=1),
        ))
    return out
