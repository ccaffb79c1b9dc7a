"""One time budget for the whole roster: the deadline object and a roster on a tiny budget."""

from __future__ import annotations

import time

import pytest

from staffing.roster import RosterRules, build_roster, check_roster, synthetic_instance
from staffing.roster.budget import MIN_SOLVE_SECONDS, Budget


class _Clock:
    """A hand-driven monotonic clock (seconds)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_budget_shares_what_is_left_and_never_runs_past_its_deadline() -> None:
    clock = _Clock()
    budget = Budget(10.0, clock=clock)
    clock.now += 4.0
    assert budget.remaining() == pytest.approx(6.0)  # 10 - 4
    half = budget.share(0.5)
    assert half.remaining() == pytest.approx(3.0)  # 0.5 x 6
    capped = budget.share(0.5, cap_seconds=1.0)
    assert capped.remaining() == pytest.approx(1.0)  # min(3, 1)
    clock.now += 3.5
    assert half.remaining() == 0.0 and half.expired()
    assert budget.remaining() == pytest.approx(2.5)  # 10 - 7.5
    assert half.solve_seconds() == MIN_SOLVE_SECONDS  # a solver call still gets its floor
    assert budget.share(2.0).remaining() == pytest.approx(2.5)  # a share is never more than what is left


#: Allowed overrun: one solver call started as the budget ran out keeps its floor
#: (MIN_SOLVE_SECONDS = 1 s), plus building the result tables (well under 1 s at 30 agents).
TINY_BUDGET_TOLERANCE_SECONDS = 2.0


def test_tiny_budget_is_respected_and_the_roster_keeps_every_rule() -> None:
    # 30 agents, 3 s: the stage-1 LPs alone take longer here (about 2 s for the covering LP,
    # 3 s for the first pattern LP), so the run must fall back (solver-free roster plus local
    # search) and still end within its budget.
    inst = synthetic_instance(30, 24, seed=2)
    rules = RosterRules()
    began = time.perf_counter()
    result = build_roster(inst.requirements, inst.agents, rules, inst.week_start, time_limit=3.0)
    wall = time.perf_counter() - began
    assert wall <= 3.0 + TINY_BUDGET_TOLERANCE_SECONDS
    assert check_roster(result.roster, inst.agents, rules, inst.week_start) == []
    # Every agent works within their contract (the checker's hours rule), so hours are paid.
    assert result.paid_hours >= sum(a.min_hours for a in inst.agents) - 1e-9
    assert 0.0 <= result.lower_bound <= result.coverage_objective
