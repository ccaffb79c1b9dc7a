"""The discrete-event simulator against Erlang C / A, an independent per-agent simulation,
closing, the assumed patience, occupancy bounds and determinism."""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import pairwise

import mpmath
import numpy as np
import pytest
from _per_agent_sim import pooled, simulate_per_agent
from hypothesis import given, settings
from hypothesis import strategies as st

from staffing.errors import InvalidArgumentError
from staffing.queueing import erlang
from staffing.queueing.simulation import (
    DEFAULT_PATIENCE_SECONDS,
    QueueInput,
    SimulationResult,
    SimulationSettings,
    simulate,
    simulate_interval,
)

INTERVALS = 200
WARMUP = 20  # the run starts with an empty queue; skip the first 10% of intervals
ERLANG_C = SimulationSettings(answer_seconds=20, patience_seconds=math.inf)  # nobody hangs up


def _steady(result: SimulationResult, name: str) -> tuple[float, float]:
    """Mean over replications of the pooled figure after warm-up, and its standard error."""
    groups = np.ones(INTERVALS, dtype=np.int64)
    groups[:WARMUP] = 0
    values = result.pooled(name, groups)[:, 1]  # type: ignore[arg-type]
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


def _agree(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Difference of two independent replication means and 4 standard errors of it."""
    (ma, sa), (mb, sb) = _mean_se(a), _mean_se(b)
    return abs(ma - mb), 4 * math.hypot(sa, sb)


def _erlang_c_service_level_exact(agents: int, calls: int, interval_seconds: int, aht_seconds: int,
                                  answer_seconds: int) -> float:
    """Erlang C SL from the Erlang B recurrence in exact fractions, exp by mpmath (not staffing.queueing.erlang)."""
    load = Fraction(calls * aht_seconds, interval_seconds)
    b = Fraction(1)
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    wait_probability = agents * b / (agents - load * (1 - b))
    exponent = (agents - load) * answer_seconds / aht_seconds
    decay = mpmath.exp(-mpmath.mpf(exponent.numerator) / exponent.denominator)
    return float(1 - mpmath.mpf(wait_probability.numerator) / wait_probability.denominator * decay)


# --- steady state: Erlang C and Erlang A ---------------------------------------------


def test_stationary_mmn_matches_erlang_c() -> None:
    # 10 Erlangs (100 calls / 30 min, AHT 180 s), 14 agents: Erlang C SL(20 s) 0.8884,
    # ASA 7.84 s, occupancy 10/14. Tolerance: 4 standard errors of the replication mean
    # (plus 0.5% for the residual start-up bias), i.e. a false alarm about once in 15,000 runs.
    result = simulate_interval(100, 180, 30, 14, answer_seconds=20, intervals=INTERVALS, replications=12, seed=1)
    assert not result.patience_assumed and result.patience_seconds_used == math.inf
    for name, expected in (("service_level", erlang.service_level(14, 10.0, 180.0, 20.0)),
                           ("asa_seconds", erlang.asa_seconds(14, 10.0, 180.0)),
                           ("occupancy", erlang.occupancy(14, 10.0))):
        mean, se = _steady(result, name)
        assert abs(mean - float(expected)) <= 4 * se + 0.005 * float(expected), name


def test_stationary_mmn_plus_m_matches_erlang_a() -> None:
    # 12 agents, mean patience 120 s: Erlang A P(Ab) 0.0616 and SL 0.8256 (staffing.queueing.erlang,
    # itself checked against the truncated birth-death chain in test_erlang_reference.py).
    result = simulate_interval(100, 180, 30, 12, answer_seconds=20, patience_seconds=120,
                               intervals=INTERVALS, replications=12, seed=2)
    m = erlang.erlang_a(12, 10.0, 180.0, 120.0, 20.0)
    for name, expected in (("abandon_rate", float(m.prob_abandon)), ("service_level", float(m.service_level))):
        mean, se = _steady(result, name)
        assert abs(mean - expected) <= 4 * se + 0.005 * expected, name


def test_unknown_patience_uses_the_reported_default() -> None:
    # Patience None = unknown: the simulator assumes DEFAULT_PATIENCE_SECONDS (180 s) and says
    # so. The abandonment must be Erlang A's at 180 s: 12 agents, 10 Erlangs, AHT 180 s give
    # P(Ab) 0.0531 (staffing.queueing.erlang); infinite patience would give 0 and 120 s 0.0616.
    assert DEFAULT_PATIENCE_SECONDS == 180.0
    result = simulate_interval(100, 180, 30, 12, answer_seconds=20, patience_seconds=None,
                               intervals=INTERVALS, replications=12, seed=6)
    assert result.patience_assumed and result.patience_seconds_used == DEFAULT_PATIENCE_SECONDS
    expected = float(erlang.erlang_a(12, 10.0, 180.0, DEFAULT_PATIENCE_SECONDS, 20.0).prob_abandon)
    assert expected == pytest.approx(0.0531, abs=5e-4)
    mean, se = _steady(result, "abandon_rate")
    assert abs(mean - expected) <= 4 * se + 0.005 * expected
    given_patience = simulate_interval(100, 180, 30, 12, patience_seconds=120, intervals=4, replications=2)
    assert not given_patience.patience_assumed and given_patience.patience_seconds_used == 120.0
    custom = SimulationSettings(assumed_patience_seconds=60.0)
    assert custom.patience_assumed and custom.patience_seconds_used == 60.0


@pytest.mark.parametrize("bad", [{"patience_seconds": 0.0}, {"assumed_patience_seconds": math.inf},
                                 {"at_close": "queue"}, {"service": "gamma"}, {"service_cv": 0.0},
                                 {"answer_seconds": -1.0}, {"arrivals": "fixed"}])
def test_settings_are_validated(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidArgumentError, match=next(iter(bad))):
        SimulationSettings(**bad)  # type: ignore[arg-type]


# --- staffing changes against the independent per-agent simulation --------------------

PAIRS = 100
AHT = 120.0
INTERVAL = 900.0


def _pairs(calls: tuple[float, float], agents: tuple[int, int]) -> QueueInput:
    return QueueInput(calls=np.tile(calls, PAIRS), aht_seconds=np.full(2 * PAIRS, AHT),
                      agents=np.tile(agents, PAIRS).astype(np.int64), interval_seconds=INTERVAL)


def _reference(queue: QueueInput, patience_seconds: float, runs: int, at_close: str = "abandon",
               first_seed: int = 0) -> list:  # type: ignore[type-arg]
    return [simulate_per_agent(queue.calls.tolist(), queue.aht_seconds.tolist(), queue.agents.tolist(),
                               queue.interval_seconds, answer_seconds=20.0, patience_seconds=patience_seconds,
                               at_close=at_close, seed=first_seed + s) for s in range(runs)]


def test_drop_from_40_to_14_agents_matches_per_agent_simulation_and_erlang_c() -> None:
    # 264 calls / 15 min (35.2 Erlangs at AHT 120 s; Erlang C 80/20 needs 40 agents), then
    # 82 calls / 15 min (10.93 Erlangs) with 14 agents, repeated. At the drop 26 of the
    # 40 agents go off duty; the busy ones finish their call without holding a seat.
    # Erlang C for 14 agents, 82 calls / 900 s, AHT 120 s, T 20 s: SL 0.82435 (exact
    # fractions + mpmath below; staffing.queueing.erlang gives 0.824352). The per-agent
    # reference (tests/_per_agent_sim.py) puts the interval after the drop at about 0.795:
    # the stayers start holding about 14 x 35.2 / 40 = 12.3 calls, above the 10.9 of the
    # steady state, a start-up transient of about 0.03. The bookkeeping this replaces (the
    # leavers' calls counted against the stayers' seats) gave 0.40 and occupancy 1.00.
    erlang_c = _erlang_c_service_level_exact(14, 82, 900, 120, 20)
    assert erlang_c == pytest.approx(0.82435, abs=1e-5)
    assert erlang_c == pytest.approx(float(erlang.service_level(14, 82 * 120 / 900, 120.0, 20.0)), abs=1e-9)
    queue = _pairs((264.0, 82.0), (40, 14))
    groups = np.tile([0, 1], PAIRS)
    sim = simulate(queue, ERLANG_C, replications=32, seed=11)
    ref = _reference(queue, math.inf, runs=10)
    sl = sim.pooled("service_level", groups)[:, 1]
    sl_ref = np.array(pooled(ref, groups.tolist(), "answered_within", "offered"))[:, 1]
    diff, tol = _agree(sl, sl_ref)
    assert diff <= tol, (sl.mean(), sl_ref.mean(), tol)
    # Erlang C within the start-up transient (0.03) plus 4 standard errors of the mean.
    assert abs(sl.mean() - erlang_c) <= 0.03 + 4 * _mean_se(sl)[1]
    occupancy = sim.pooled("occupancy", groups)[:, 1]
    occupancy_ref = np.array(pooled(ref, groups.tolist(), "busy_seconds", "on_duty_seconds"))[:, 1]
    diff, tol = _agree(occupancy, occupancy_ref)
    assert diff <= tol, (occupancy.mean(), occupancy_ref.mean(), tol)
    assert max(float(r.occupancy.max()) for r in sim.replications) <= 1 + 1e-9
    # Overtime: the leavers are a random 26 of the 40, and at the drop about A = 35.2 of the
    # 40 are busy (the mean number busy in M/M/n is the load; 900 s = 7.5 AHT after the rise
    # the transient is e^-7.5 of it), each finishing an exponential residual of mean 120 s:
    # 26/40 x 35.2 x 120 = 2745.6 s per drop.
    per_drop = np.array([r.overtime_seconds.sum() / PAIRS for r in sim.replications])
    mean, se = _mean_se(per_drop)
    assert abs(mean - 26 / 40 * 264 * 120 / 900 * 120) <= 4 * se, (mean, se)


def test_rise_from_10_to_14_agents_matches_per_agent_simulation() -> None:
    # 82 calls / 15 min, AHT 120 s (10.93 Erlangs) with 10 agents (overloaded: a queue
    # builds) then 14, repeated, mean patience 180 s. The four new agents answer the
    # inherited queue at the rise. Reference: the per-agent simulation (same model, written
    # independently); compared on SL, abandonment and ASA after the rise, within 4 SE.
    queue = _pairs((82.0, 82.0), (10, 14))
    groups = np.tile([0, 1], PAIRS)
    sim = simulate(queue, SimulationSettings(answer_seconds=20, patience_seconds=180.0), replications=32, seed=12)
    ref = _reference(queue, 180.0, runs=12, first_seed=100)
    for name, num, den in (("service_level", "answered_within", "offered"),
                           ("abandon_rate", "abandoned", "offered"),
                           ("asa_seconds", "wait_answered_seconds", "answered")):
        ours = sim.pooled(name, groups)[:, 1]  # type: ignore[arg-type]
        theirs = np.array(pooled(ref, groups.tolist(), num, den))[:, 1]
        diff, tol = _agree(ours, theirs)
        assert diff <= tol, (name, ours.mean(), theirs.mean(), tol)


# --- closing --------------------------------------------------------------------------


def _closing_queue(aht_first: float, agents: tuple[int, int, int]) -> QueueInput:
    return QueueInput(calls=np.array([10.0, 0.0, 0.0]), aht_seconds=np.array([aht_first, 1.0, 1.0]),
                      agents=np.array(agents, dtype=np.int64), interval_seconds=900.0)


@pytest.mark.parametrize(("at_close", "answered", "busy_last"), [("abandon", 1, 0.0), ("carry", 10, 900.0)])
def test_callers_waiting_at_close_abandon_or_carry_exactly(at_close: str, answered: int, busy_last: float) -> None:
    # One agent, 10 calls, the first lasting 100,000 s: 9 callers are waiting when the site
    # closes (interval 1 has no agents). "abandon": they are lost at the close (1 answered,
    # 9 abandoned); "carry": the agent of interval 2 answers them one after the other (all
    # 10 answered, the queue running on after the last interval). Either way the first
    # agent finishes its call after its shift: overtime 900 s in intervals 1 and 2.
    queue = _closing_queue(1e5, (1, 0, 1))
    settings_ = SimulationSettings(arrivals="counts", patience_seconds=math.inf, at_close=at_close)  # type: ignore[arg-type]
    run = simulate(queue, settings_, replications=1, seed=3).replications[0]
    np.testing.assert_array_equal(run.offered, [10, 0, 0])
    np.testing.assert_array_equal(run.answered, [answered, 0, 0])
    np.testing.assert_array_equal(run.abandoned, [10 - answered, 0, 0])
    np.testing.assert_allclose(run.overtime_seconds, [0.0, 900.0, 900.0])
    np.testing.assert_allclose(run.busy_seconds[1:], [0.0, busy_last])


def test_callers_arriving_while_closed_are_lost() -> None:
    # A closed interval with calls: with "abandon" nobody is waiting when agents return.
    queue = QueueInput(calls=np.array([5.0, 5.0]), aht_seconds=np.array([60.0, 60.0]),
                       agents=np.array([0, 3], dtype=np.int64), interval_seconds=900.0)
    run = simulate(queue, SimulationSettings(arrivals="counts", patience_seconds=math.inf), replications=1,
                   seed=4).replications[0]
    np.testing.assert_array_equal(run.abandoned, [5, 0])
    np.testing.assert_array_equal(run.answered, [0, 5])


def test_next_morning_starts_fresh_after_a_close() -> None:
    # Days of three intervals: an overloaded evening (82 calls, 8 agents for 10.93 Erlangs,
    # nobody hangs up: about 20 callers are queued at the close), a closed night, a morning
    # of 82 calls with 14 agents. With "abandon" the evening's queue is lost at the close
    # and the morning matches a fresh start: the per-agent reference run on the morning
    # interval alone, from an empty centre, gives SL 0.903 +- 0.002 (7,000 runs, the 1,000
    # below among them; the simulator alone, 3,000 runs: 0.907). With "carry" the morning
    # inherits the queue; both modes match the per-agent reference on the whole day.
    days = 40
    queue = QueueInput(calls=np.tile([82.0, 0.0, 82.0], days), aht_seconds=np.full(3 * days, AHT),
                       agents=np.tile([8, 0, 14], days).astype(np.int64), interval_seconds=INTERVAL)
    groups = np.tile([0, 1, 2], days)
    morning = QueueInput(calls=np.array([82.0]), aht_seconds=np.array([AHT]), agents=np.array([14], dtype=np.int64),
                         interval_seconds=INTERVAL)
    fresh_runs = _reference(morning, math.inf, runs=1000, first_seed=5000)
    # Calls within T over calls offered, pooled over the fresh mornings (the simulator's
    # estimand), with the delta-method standard error of that ratio.
    within = np.array([r.answered_within[0] for r in fresh_runs], dtype=float)
    offered = np.array([r.offered[0] for r in fresh_runs], dtype=float)
    fresh = within.sum() / offered.sum()
    fresh_se = float(np.sqrt(np.sum((within - fresh * offered) ** 2) / (offered.size * (offered.size - 1)))
                     / offered.mean())
    assert abs(fresh - 0.903) <= 4 * fresh_se, (fresh, fresh_se)
    morning_sl: dict[str, np.ndarray] = {}
    for mode, first_seed in (("abandon", 200), ("carry", 300)):
        settings_ = SimulationSettings(patience_seconds=math.inf, at_close=mode)  # type: ignore[arg-type]
        sim = simulate(queue, settings_, replications=30, seed=first_seed)
        ref = _reference(queue, math.inf, runs=10, at_close=mode, first_seed=first_seed)
        for name, num, den, k in (("service_level", "answered_within", "offered", 2),
                                  ("abandon_rate", "abandoned", "offered", 0)):
            ours = sim.pooled(name, groups)[:, k]  # type: ignore[arg-type]
            theirs = np.array(pooled(ref, groups.tolist(), num, den))[:, k]
            diff, tol = _agree(ours, theirs)
            assert diff <= tol, (mode, name, ours.mean(), theirs.mean(), tol)
        morning_sl[mode] = sim.pooled("service_level", groups)[:, 2]
    mean, se = _mean_se(morning_sl["abandon"])
    assert abs(mean - fresh) <= 4 * math.hypot(se, fresh_se), (mean, fresh, se, fresh_se)
    # The queue carried into the morning costs it about 0.4 of SL (0.51 against 0.90 in
    # the simulator; the reference comparison above is the check of the figure itself).
    assert morning_sl["carry"].mean() < fresh - 0.3


# --- invariants -----------------------------------------------------------------------


@settings(max_examples=60, deadline=2000)
@given(
    agents=st.lists(st.integers(0, 4), min_size=1, max_size=6),
    calls=st.lists(st.integers(0, 12), min_size=6, max_size=6),
    aht_seconds=st.floats(5.0, 900.0),
    interval_seconds=st.sampled_from([60.0, 300.0, 900.0]),
    patience=st.sampled_from([None, math.inf, 30.0]),
    at_close=st.sampled_from(["abandon", "carry"]),
    service=st.sampled_from(["exponential", "lognormal"]),
    seed=st.integers(0, 2**16),
)
def test_occupancy_never_exceeds_one(agents: list[int], calls: list[int], aht_seconds: float,
                                     interval_seconds: float, patience: float | None, at_close: str,
                                     service: str, seed: int) -> None:
    # Random staffing paths (rises, drops, closed intervals), exact counts, short or long
    # calls: at every moment at most the scheduled agents are on a call, so busy on-duty
    # time <= agents x interval (1e-12 relative: float rounding of a sum of a few dozen terms).
    n = len(agents)
    queue = QueueInput(calls=np.array(calls[:n], dtype=float), aht_seconds=np.full(n, aht_seconds),
                       agents=np.array(agents, dtype=np.int64), interval_seconds=interval_seconds)
    sim_settings = SimulationSettings(arrivals="counts", patience_seconds=patience, at_close=at_close,  # type: ignore[arg-type]
                                      service=service, service_cv=1.5)  # type: ignore[arg-type]
    run = simulate(queue, sim_settings, replications=1, seed=seed).replications[0]
    assert np.all(run.busy_seconds <= run.on_duty_seconds * (1 + 1e-12))
    assert np.all((run.occupancy >= 0) & (run.occupancy <= 1 + 1e-12))
    assert np.all(run.busy_seconds >= 0) and np.all(run.overtime_seconds >= 0)
    assert np.all(run.busy_seconds[np.array(agents) == 0] == 0)  # a closed site has nobody on duty
    np.testing.assert_array_equal(run.offered, calls[:n])
    np.testing.assert_array_equal(run.answered + run.abandoned, run.offered)
    assert np.all(run.answered_within <= run.answered)
    # Overtime only follows a drop: with staffing that never falls nobody works past a shift.
    if all(b >= a for a, b in pairwise(agents)):
        assert np.all(run.overtime_seconds == 0)


def test_same_seed_same_result_and_counts_are_exact() -> None:
    queue = QueueInput(calls=np.array([30.0, 0.0, 55.0]), aht_seconds=np.array([200.0, 200.0, 150.0]),
                       agents=np.array([3, 0, 5], dtype=np.int64), interval_seconds=900.0)
    settings_ = SimulationSettings(arrivals="counts", patience_seconds=60.0, service="lognormal", service_cv=0.8)
    a = simulate(queue, settings_, replications=3, seed=9)
    b = simulate(queue, settings_, replications=3, seed=9)
    for x, y in zip(a.replications, b.replications, strict=True):
        np.testing.assert_array_equal(x.answered_within, y.answered_within)
        np.testing.assert_array_equal(x.busy_seconds, y.busy_seconds)
    # Arrival counts are exactly the given counts; every call is answered or abandons.
    first = a.replications[0]
    np.testing.assert_array_equal(first.offered, [30, 0, 55])
    np.testing.assert_array_equal(first.answered + first.abandoned, first.offered)
    assert np.all((first.service_level >= 0) & (first.service_level <= 1))


def test_lognormal_handle_times_have_the_requested_mean() -> None:
    # Occupancy = load / agents when nobody abandons, whatever the handle-time law.
    queue = QueueInput(calls=np.full(100, 100.0), aht_seconds=np.full(100, 180.0),
                       agents=np.full(100, 14, dtype=np.int64), interval_seconds=1800.0)
    result = simulate(queue, SimulationSettings(service="lognormal", service_cv=0.6, patience_seconds=math.inf),
                      replications=4, seed=4)
    groups = np.ones(100, dtype=np.int64)
    groups[:10] = 0
    assert result.pooled("occupancy", groups)[:, 1].mean() == pytest.approx(10 / 14, rel=0.02)
