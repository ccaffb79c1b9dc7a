"""The soft rules ``late_early_spread`` and ``target_hours_deviation`` (rules.py): one case
where each binds and one where it must not, on the horizon's first and last day.

The local search after stage 2 only improves coverage, so in a whole roster a soft rule
can only choose among coverage-equal rosters. The binding late/early case is therefore
solved on the rule's own model (the starts step's structure with hand-set costs standing
in for coverage); the target-hours cases run the whole roster on instances where
rosters tie on coverage (which agent takes which shift) and only the soft terms decide.
"""

from __future__ import annotations

import pandas as pd
import pulp
import pytest
from _roster_helpers import agent, inputs_of, requirement, small_rules, solve_checked

from staffing.roster import rules as R
from staffing.roster.assignment import _model
from staffing.roster.grid import MINUTES_PER_DAY
from staffing.roster.solve import run

QUIET = {"weekend_spread": 0.0, "late_spread": 0.0, "early_spread": 0.0, "target_hours_deviation": 0.0}
MON, SUN = 0, 6


def _type(inputs, day: int, hour: int) -> int:  # type: ignore[no-untyped-def]
    t = inputs.types
    hits = [k for k in range(len(t)) if t.day[k] == day and t.start_min[k] == day * MINUTES_PER_DAY + hour * 60]
    assert len(hits) == 1
    return hits[0]


def _spread_model(late_weight: float, early_weight: float):  # type: ignore[no-untyped-def]
    """Two agents each work Monday and Sunday; the four shifts Mon/Sun 06:00 (early: before
    08:00) and Mon/Sun 14:00 (late: from 14:00) are each worked exactly once (coverage).
    Hand-set costs: A2 pays 0.5 for Monday's late shift and 0.6 for Sunday's, the rest 0."""
    rules = small_rules(breaks=[], weights={**QUIET, "late_spread": late_weight, "early_spread": early_weight})
    agents = [agent("A1", max_hours=16), agent("A2", max_hours=16)]
    inputs = inputs_of(requirement(), agents, rules)
    shifts = {(d, h): _type(inputs, d, h) for d in (MON, SUN) for h in (6, 14)}
    by_day = {(a, d): [shifts[(d, 6)], shifts[(d, 14)]] for a in range(2) for d in (MON, SUN)}
    m = _model("spread", inputs, inputs.agents, by_day, False)
    R.one_shift_per_day(m)
    for (a, d), w in m.work.items():
        m.problem += (w == 1, f"works[{a},{d}]")
    for k in shifts.values():
        m.problem += (pulp.lpSum(m.z[(a, k)] for a in range(2)) == 1, f"covered[{k}]")
    cost = {(1, shifts[(MON, 14)]): 0.5, (1, shifts[(SUN, 14)]): 0.6}
    spread = R.late_early_spread(m)
    m.problem.setObjective(pulp.LpAffineExpression([(m.z[key], c) for key, c in cost.items()] + spread))
    # The roster's own solver call (HiGHS's thread pool is global to the process: same settings).
    assert run(m.problem, "highs", 30.0, rules.solver, gap=0.0).optimal
    chosen = {(inputs.agents[a].agent_id, int(inputs.types.start_min[k])) for (a, k), v in m.z.items()
              if (v.value() or 0) > 0.5}
    penalty = sum(c * (v.value() or 0.0) for v, c in spread)
    return chosen, penalty, float(pulp.value(m.problem.objective)), len(spread)


def _minutes(day: int, hour: int) -> int:
    return day * MINUTES_PER_DAY + hour * 60


@pytest.mark.parametrize(("late", "early"), [(1.0, 0.0), (0.0, 1.0)])
def test_late_early_spread_binds(late: float, early: float) -> None:
    # Without the rule the cheapest split gives A1 both late shifts (cost 0) and A2 both
    # early ones: late spread 2 - 0 = 2 and early spread 2 - 0 = 2, so a weight of 1 costs 2.
    # Balanced splits (one late and one early each, spread 0) cost A2's late shift:
    # Monday's 0.5 < Sunday's 0.6, so A2 takes Mon 14:00 + Sun 06:00: total 0.5 < 2.
    chosen, penalty, objective, n_terms = _spread_model(late, early)
    assert chosen == {("A1", _minutes(MON, 6)), ("A1", _minutes(SUN, 14)),
                      ("A2", _minutes(MON, 14)), ("A2", _minutes(SUN, 6))}
    assert penalty == pytest.approx(0.0)
    assert objective == pytest.approx(0.5)
    assert n_terms == 2  # weight x (max - min) of the one weighted family


def test_late_early_spread_weight_zero_changes_nothing() -> None:
    # Same model, both weights 0: the rule adds no terms and the cost-0 split wins (hand:
    # A1 takes Mon 14:00 and Sun 14:00, A2 the 06:00 shifts), spreads of 2 left unpenalised.
    chosen, penalty, objective, n_terms = _spread_model(0.0, 0.0)
    assert chosen == {("A1", _minutes(MON, 14)), ("A1", _minutes(SUN, 14)),
                      ("A2", _minutes(MON, 6)), ("A2", _minutes(SUN, 6))}
    assert penalty == 0.0 and objective == pytest.approx(0.0)
    assert n_terms == 0


@pytest.mark.parametrize("late_weight", [0.0, 5.0])
def test_late_spread_already_balanced_keeps_the_roster(late_weight: float) -> None:
    # A1 may only work Monday, A2 only Sunday, each exactly 8 h; demand one agent Mon 14-22
    # and Sun 14-22 (first and last day). The only perfect cover gives each agent one late
    # shift (spread 0), so any late-spread weight leaves the same roster.
    mon, sun = pd.Timestamp("2024-03-04"), pd.Timestamp("2024-03-10")
    a1 = agent("A1", min_hours=8, max_hours=8, unavailable=((mon + pd.Timedelta(days=1), sun + pd.Timedelta(days=1)),))
    a2 = agent("A2", min_hours=8, max_hours=8, unavailable=((mon, sun),))
    req = requirement(("2024-03-04 14:00", "2024-03-04 22:00", 1.0), ("2024-03-10 14:00", "2024-03-10 22:00", 1.0))
    result = solve_checked(req, [a1, a2], small_rules(breaks=[], weights={**QUIET, "late_spread": late_weight}))
    assert dict(zip(result.roster["agent_id"], result.roster["shift_start"], strict=True)) == {
        "A1": pd.Timestamp("2024-03-04 14:00"), "A2": pd.Timestamp("2024-03-10 14:00")}
    assert list(result.agents["late_shifts"]) == [1, 1]
    assert result.coverage_objective == pytest.approx(0.0)


def _target_rules(weight: float, target: str):  # type: ignore[no-untyped-def]
    # 4 h and 8 h shifts, no breaks (paid = length), over-staffing at its default 0.5 per agent-hour.
    return small_rules(shift_lengths_hours=[4.0, 8.0], breaks=[], target_hours=target,
                       weights={**QUIET, "target_hours_deviation": weight})


def test_target_hours_deviation_binds_on_the_first_day() -> None:
    # Monday (first day) needs 2 agents 09:00-13:00 and 1 agent 13:00-17:00: one 8 h shift
    # 09-17 plus one 4 h shift 09-13 cover it exactly, whoever takes which. Targets (midpoint):
    # A1 (4-12 h) 8 h, A2 (0-8 h) 4 h. A1 on 8 h and A2 on 4 h deviate by 0 + 0; the swap by
    # |4 - 8| + |8 - 4| = 8 h, i.e. a penalty of 8 at weight 1. Coverage and paid hours (12 h)
    # are equal, so without the rule both rosters are optimal; with it only the first.
    req = requirement(("2024-03-04 09:00", "2024-03-04 13:00", 2.0), ("2024-03-04 13:00", "2024-03-04 17:00", 1.0))
    agents = [agent("A1", min_hours=4, max_hours=12, max_days=1), agent("A2", min_hours=0, max_hours=8, max_days=1)]
    bound = solve_checked(req, agents, _target_rules(1.0, "midpoint"))
    shifts = {a: (s, e - s) for a, s, e in zip(bound.roster["agent_id"], bound.roster["shift_start"],
                                               bound.roster["shift_end"], strict=True)}
    assert shifts == {"A1": (pd.Timestamp("2024-03-04 09:00"), pd.Timedelta(hours=8)),
                      "A2": (pd.Timestamp("2024-03-04 09:00"), pd.Timedelta(hours=4))}
    assert bound.agents["target_deviation_hours"].tolist() == [0.0, 0.0]
    free = solve_checked(req, agents, _target_rules(0.0, "midpoint"))
    assert free.coverage_objective == pytest.approx(bound.coverage_objective) == pytest.approx(0.0)
    assert free.paid_hours == pytest.approx(12.0)


def test_target_hours_deviation_already_met_keeps_the_roster_on_the_last_day() -> None:
    # Demand Sun 09:00-13:00 (last day); target "min" = 4 h, which the 4 h shift already meets:
    # weight 1 or 0, the roster is Sun 09:00-13:00 (deviation 0, paid 4 h; an 8 h shift would
    # add 4 h over-staffing, 4 x 0.5 = 2, and with the rule 4 h deviation, 4 x 1).
    req = requirement(("2024-03-10 09:00", "2024-03-10 13:00", 1.0))
    one = agent(min_hours=4, max_hours=8, max_days=1)
    with_rule = solve_checked(req, [one], _target_rules(1.0, "min"))
    without = solve_checked(req, [one], _target_rules(0.0, "min"))
    pd.testing.assert_frame_equal(with_rule.roster, without.roster)
    assert list(with_rule.roster["shift_start"]) == [pd.Timestamp("2024-03-10 09:00")]
    assert list(with_rule.roster["paid_minutes"]) == [240]
    assert with_rule.agents["target_deviation_hours"].tolist() == [0.0]
