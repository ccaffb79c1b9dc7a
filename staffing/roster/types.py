"""Typed inputs and results of the roster optimiser."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

import pandas as pd

if TYPE_CHECKING:
    from staffing.roster.service_terms import ServiceReport


@dataclass(frozen=True)
class AgentContract:
    """One agent's weekly contract and availability.

    ``unavailable`` holds half-open ``[start, end)`` windows of naive local time (a
    whole unavailable day is the window from its midnight to the next).
    ``shift_lengths_hours`` of ``None`` means every length of the rules.
    """

    agent_id: str
    min_hours: float
    max_hours: float
    max_days: int | None = None
    shift_lengths_hours: tuple[float, ...] | None = None
    unavailable: tuple[tuple[pd.Timestamp, pd.Timestamp], ...] = ()
    skills: tuple[str, ...] = ()


class RosterStatus(StrEnum):
    """How the roster was obtained, the first that applies of:

    ``rules_bent``
        Rules could not all hold; see ``RosterResult.bent_rules``.
    ``understaffed``
        Every rule holds, but the team cannot cover the requirement: the capacity check
        proves at least ``RosterResult.capacity.shortfall_agent_hours`` of under-staffing
        for any roster (``capacity.problems`` says why). The roster is the best found for
        the team there is; ``gap`` says how near it is to the best that team allows.
    ``optimal``
        Every rule holds, the team can cover the requirement, and the coverage objective
        is proven within the MIP gap setting of the lower bound.
    ``feasible``
        Every rule holds; a time limit stopped a stage before optimality was proven.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    UNDERSTAFFED = "understaffed"
    RULES_BENT = "rules_bent"


@dataclass(frozen=True)
class BentRule:
    """One rule that had to bend: which family, for whom, and by how much.

    ``amount`` is in ``unit`` (hours, days, shifts).
    """

    rule: str
    agent_id: str
    amount: float
    unit: str
    detail: str


@dataclass(frozen=True)
class CapacityCheck:
    """Hours needed by the requirement against hours the team can work (paid hours).

    Attributes
    ----------
    required_agent_hours
        The week's requirement in agent-hours.
    contracted_min_hours, contracted_max_hours
        Sums of the contracts' ``min_hours`` and ``max_hours``.
    problems
        Contracts that cannot be kept, and the capacity shortfall when there is one, in words.
    workable_hours
        The most paid hours the team can work: per agent ``min(max_hours, reachable)``,
        reachable within their availability and working days.
    shortfall_agent_hours
        A proven lower bound on the under-staffing of every roster for lack of capacity
        (0 when the team can cover the requirement); see :mod:`staffing.roster.capacity`.
    """

    required_agent_hours: float
    contracted_min_hours: float
    contracted_max_hours: float
    problems: tuple[str, ...]
    workable_hours: float
    shortfall_agent_hours: float

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class StageReport:
    """What one solver stage did."""

    name: str
    solver: str
    status: str
    seconds: float
    objective: float
    variables: int
    constraints: int


@dataclass(frozen=True)
class RosterResult:
    """A solved week.

    Attributes
    ----------
    roster
        One row per shift: ``agent_id, shift_start, shift_end, paid_minutes, breaks``
        (``breaks`` is a list of ``(start, end)`` timestamps), sorted by agent and start.
    coverage
        ``interval_start, required, scheduled, under, over`` (agents; breaks excluded).
    agents
        Per-agent ledger, see :func:`staffing.roster.ledger.agent_ledger`.
    under_agent_hours, under_peak_agent_hours, over_agent_hours
        Totals from ``coverage`` (interval agents x interval hours).
    over_after_week_agent_hours
        Over-staffing of shifts running past the week end, against next week's first day
        taken to be like this week's first day.
    coverage_objective
        ``sum_t (w_t * under_t + over_weight * over_t) * interval_hours`` over the week,
        plus ``over_weight * over_after_week_agent_hours``.
    lower_bound
        Proven lower bound on ``coverage_objective`` over every roster obeying the
        rules: the LP relaxation of the covering model with agents' weekly patterns
        (or, where patterns do not apply, of the covering model alone), strengthened by
        integer-coverage cuts. In the service modes, on ``service.objective`` instead.
    gap
        ``(coverage_objective - lower_bound) / max(coverage_objective, 1e-9)`` (service
        modes: with ``service.objective``).
    service
        With service curves: expected calls answered within target, the projected SL and
        the service objective (:class:`~staffing.roster.service_terms.ServiceReport`).
    """

    roster: pd.DataFrame
    coverage: pd.DataFrame
    agents: pd.DataFrame
    status: RosterStatus
    under_agent_hours: float
    under_peak_agent_hours: float
    over_agent_hours: float
    over_after_week_agent_hours: float
    paid_hours: float
    coverage_objective: float
    lower_bound: float
    gap: float
    solve_seconds: float
    solver: str
    stages: tuple[StageReport, ...]
    capacity: CapacityCheck
    bent_rules: tuple[BentRule, ...] = field(default=())
    service: ServiceReport | None = None


class ShiftRow(NamedTuple):
    """One row of a roster-shaped frame, typed."""

    agent_id: str
    shift_start: pd.Timestamp
    shift_end: pd.Timestamp
    paid_minutes: int
    breaks: list[tuple[pd.Timestamp, pd.Timestamp]]


def shift_rows(frame: pd.DataFrame) -> list[ShiftRow]:
    """The rows of a roster-shaped frame (``agent_id, shift_start, shift_end, paid_minutes, breaks``)."""
    paid = frame["paid_minutes"] if "paid_minutes" in frame else pd.Series(0, index=frame.index)
    return [
        ShiftRow(str(a), pd.Timestamp(s), pd.Timestamp(e), int(p), [(pd.Timestamp(x), pd.Timestamp(y)) for x, y in b])
        for a, s, e, p, b in zip(frame["agent_id"], frame["shift_start"], frame["shift_end"], paid,
                                 frame["breaks"], strict=True)
    ]
