"""Weekly patterns and the stage-1 model that chooses agents' weeks (patterns.py, tours.py).

Expected values come from a plain-Python enumeration written separately from the
vectorised one, from hand counts stated in each test, or from the full LP solved
directly (against the column-generation LP).
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pulp
import pytest
from _roster_helpers import WEEK, agent, inputs_of

from staffing.roster import RosterRules, build_roster, check_roster, synthetic_instance
from staffing.roster.budget import Budget
from staffing.roster.covering import covering_lp, solve_covering
from staffing.roster.grid import agent_type_mask, build_shift_types
from staffing.roster.patterns import agent_classes, agent_patterns
from staffing.roster.previous import CarryOver
from staffing.roster.tours import _bound_lp, _build, reduced_costs, round_patterns, solve_tours

PAID = {240: 240, 360: 330, 480: 450, 540: 510}  # default rules: 4/6/8/9 h, unpaid 30-min lunch from 6 h


def reference_patterns(min_h: float, max_h: float, cap: int, options: list[list[int]], rules: RosterRules,
                       history: frozenset[int]) -> set[tuple[int, ...]]:
    """Slow scalar reference: every week, each rule checked with plain loops."""
    out = set()
    for week in itertools.product(*[[0, *day] for day in options]):
        paid = sum(PAID[m] for m in week if m) / 60.0
        if not min_h - 1e-9 <= paid <= max_h + 1e-9:
            continue
        if sum(1 for m in week if m) > cap:
            continue
        if rules.consecutive_days_off and not any(week[d] == 0 and week[d + 1] == 0 for d in range(6)):
            continue
        run, longest = 0, 0
        for d in range(-7, 7):
            worked = (d in history) if d < 0 else bool(week[d])
            run = run + 1 if worked else 0
            if d >= 0:
                longest = max(longest, run)
        if longest > rules.max_consecutive_days:
            continue
        out.add(tuple(week))
    return out


@pytest.mark.parametrize(("min_h", "max_h", "max_days", "lengths", "off_day", "history", "max_consec"), [
    (36, 40, None, (240, 360, 480, 540), None, frozenset(), 6),
    (16, 20, 5, (240, 360), None, frozenset(), 6),
    (20, 24, None, (240, 360, 480, 540), 2, frozenset({-1, -2, -3, -4}), 5),
    (0, 60, None, (480,), None, frozenset({-1, -2, -3, -4, -5, -6}), 6),
])
def test_patterns_equal_scalar_reference(min_h, max_h, max_days, lengths, off_day, history, max_consec) -> None:  # type: ignore[no-untyped-def]
    rules = RosterRules(max_consecutive_days=max_consec)
    options = [[] if d == off_day else list(lengths) for d in range(7)]
    got = agent_patterns(agent(min_hours=min_h, max_hours=max_h, max_days=max_days), options, PAID, rules, history)
    cap = 5 if max_days is None else min(5, max_days)
    expected = reference_patterns(min_h, max_h, cap, options, rules, history)
    assert {tuple(int(m) for m in row) for row in got} == expected
    assert len(got) == len(expected) > 0


def test_one_length_full_week_has_six_patterns() -> None:
    # Only 8 h shifts (7.5 paid), 37.5-40 h: exactly 5 days, so 2 days off, which must be
    # consecutive inside Mon-Sun: Mon-Tue, Tue-Wed, ..., Sat-Sun = 6 weeks (hand count).
    got = agent_patterns(agent(min_hours=37.5, max_hours=40), [[480]] * 7, PAID, RosterRules(), frozenset())
    assert len(got) == 6
    assert all((row > 0).sum() == 5 for row in got)


def test_worked_last_days_of_previous_week_limit_the_first_days() -> None:
    # Last week's Tue-Sun worked (6 days) and max 6 in a row: Monday must be off in every
    # pattern (the run would be 7); without the history some patterns work Monday.
    rules = RosterRules()
    history = frozenset(range(-6, 0))
    got = agent_patterns(agent(min_hours=30, max_hours=40), [[480]] * 7, PAID, rules, history)
    assert len(got) and (got[:, 0] == 0).all()
    free = agent_patterns(agent(min_hours=30, max_hours=40), [[480]] * 7, PAID, rules, frozenset())
    assert (free[:, 0] > 0).any()


def _setup(n_agents: int, peak: float, seed: int = 0, solver: str = "highs"):  # type: ignore[no-untyped-def]
    inst = synthetic_instance(n_agents, peak, seed=seed)
    rules = RosterRules()
    inputs = inputs_of(inst.requirements, inst.agents, rules, inst.week_start, solver=solver)  # as build_roster does
    return inst, rules, inputs


def test_identical_agents_share_a_class() -> None:
    rules = RosterRules()
    types = build_shift_types(rules, 15)
    day = WEEK + pd.Timedelta(days=2)
    agents = [agent("A1", 30, 40), agent("A2", 30, 40), agent("A3", 30, 40, unavailable=((day, day + pd.Timedelta(days=1)),))]
    mask = agent_type_mask(types, agents, WEEK, {})
    classes = agent_classes(agents, types, mask, rules, CarryOver.empty())
    assert sorted(c.members for c in classes) == [(0, 1), (2,)]
    alone = next(c for c in classes if c.members == (2,))
    assert (alone.lengths[:, 2] == 0).all()  # never works the unavailable Wednesday


def test_round_patterns_keeps_class_sizes() -> None:
    _, _, inputs = _setup(30, 24)
    classes = inputs.classes
    rng = np.random.default_rng(1)
    lp_v = {}
    for c, cls in enumerate(classes):
        share = rng.dirichlet(np.ones(min(5, cls.lengths.shape[0]))) * cls.size
        lp_v.update({(c, p): float(x) for p, x in enumerate(share)})
    rounded = round_patterns(classes, lp_v)
    for c, cls in enumerate(classes):
        assert sum(n for (cc, _), n in rounded.items() if cc == c) == cls.size
        for (cc, p), n in rounded.items():
            if cc == c:
                assert n >= np.floor(lp_v[(c, p)] + 1e-9)


def test_reduced_costs_match_the_solver_column_duals() -> None:
    _inst, rules, inputs = _setup(12, 10)
    classes = inputs.classes
    active = [np.arange(c.lengths.shape[0]) for c in classes]
    problem, _, rows, cov = _build(inputs, None, active, soft_terms=False)
    problem.setObjective(cov.objective)
    # Same thread count as the roster code: HiGHS's thread pool is global to the process.
    problem.solve(pulp.HiGHS(msg=False, mip=False, solver="ipm", threads=rules.solver.threads))
    assert problem.status == pulp.LpStatusOptimal
    rcs = reduced_costs(classes, [r.pi for r in rows.class_rows], {k: r.pi for k, r in rows.link_rows.items()})
    ours = np.array([rcs[c][p] for (c, p) in rows.v])
    solver = np.array([var.dj for var in rows.v.values()])
    np.testing.assert_allclose(ours, solver, atol=1e-6)


@pytest.mark.slow
def test_column_generation_reaches_the_full_lp_optimum() -> None:
    _inst, _rules, inputs = _setup(20, 16)
    classes = inputs.classes
    full = _bound_lp(replace(inputs, solver="cbc"), Budget(120))  # CBC: every pattern at once
    cg = _bound_lp(inputs, Budget(120))
    assert full is not None and cg is not None
    assert cg.rounds >= 1  # it really priced patterns in
    assert sum(a.size for a in cg.active) < sum(c.lengths.shape[0] for c in classes) / 3
    assert cg.bound == pytest.approx(full.bound, rel=2e-4)  # BOUND_TOLERANCE plus LP tolerances
    assert cg.bound <= full.bound + 1e-6 * max(1.0, full.bound)


@pytest.mark.slow
def test_pattern_bound_is_valid_and_tighter_than_the_covering_bound() -> None:
    inst, rules, inputs = _setup(20, 16)
    # Enough time for column generation to converge on a loaded machine: then the tour bound
    # is the pattern LP's optimum, which no valid bound of build_roster's can exceed. (Cut
    # short, the Lagrangian bound of the first restricted LP was 54.7 here, below the covering
    # LP's 70.7: that is what solve_tours now floors with the covering LP.)
    tour = solve_tours(inputs, Budget(30))
    assert tour is not None
    # The covering LP gets time to finish on a loaded machine (about 2 s when quiet); its MIP 5 s.
    old = solve_covering(inputs, Budget(5), covering_lp(inputs, Budget(30)))
    assert old.lower_bound > 0
    assert tour.lower_bound >= old.lower_bound - 1e-6
    result = build_roster(inst.requirements, inst.agents, rules, inst.week_start, time_limit=15)
    assert check_roster(result.roster, inst.agents, rules, inst.week_start) == []
    # Valid: no roster found beats either bound (build_roster's is the same LP, or its
    # Lagrangian bound if column generation ran out of time on a loaded machine).
    assert tour.lower_bound <= result.coverage_objective + 1e-6
    assert old.lower_bound - 1e-6 <= result.lower_bound <= tour.lower_bound + 1e-6


@pytest.mark.slow
def test_synthetic_week_is_within_two_percent_of_the_bound() -> None:
    # Issue 4's acceptance criterion at a size the test suite can afford (the 50/150/300
    # agent runs are in benchmarks/bench_roster.py).
    # 90 s: stage 1 stops at its time limit here. Since stage 1 also solves the covering LP
    # (the floor under a cut-short column generation's bound) the integer model gets about
    # 4 s less: measured 2026-12-02 on a quiet machine, 5.3% at 60 s (the code before that
    # change: 2.3%), 0.43% at 90 s (66 s wall), so the check does not depend on machine load.
    inst = synthetic_instance(30, 24, seed=2)
    rules = RosterRules()
    result = build_roster(inst.requirements, inst.agents, rules, inst.week_start, time_limit=90)
    assert check_roster(result.roster, inst.agents, rules, inst.week_start) == []
    assert result.stages[0].name == "covering_patterns"
    assert 0 < result.lower_bound <= result.coverage_objective
    assert result.gap <= 0.02
