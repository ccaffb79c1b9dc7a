"""The discrete-event simulator against Erlang C / A, carry-over, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from staffing.queueing import erlang
from staffing.queueing.simulation import QueueInput, SimulationSettings, simulate, simulate_interval

INTERVALS = 200
WARMUP = 20  # the run starts with an empty queue; skip the first 10% of intervals


def _steady(result, name: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Mean over replications of the pooled figure after warm-up, and its standard error."""
    groups = np.ones(INTERVALS, dtype=np.int64)
    groups[:WARMUP] = 0
    values = result.pooled(name, groups)[:, 1]
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


def test_stationary_mmn_matches_erlang_c() -> None:
    # 10 Erlangs (100 calls / 30 min, AHT 180 s), 14 agents: Erlang C SL(20 s) 0.8884,
    # ASA 7.84 s, occupancy 10/14. Tolerance: 4 standard errors of the replication mean
    # (plus 0.5% for the residual start-up bias), i.e. a false alarm about once in 15,000 runs.
    result = simulate_interval(100, 180, 30, 14, answer_seconds=20, intervals=INTERVALS, replications=12, seed=1)
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


def test_queue_carries_over_into_the_next_interval() -> None:
    # Pairs of intervals: 8 agents for 10 Erlangs (overloaded), then 14 agents. Erlang
    # treats the second interval alone (ASA 7.8 s); in the simulation it inherits the queue.
    pairs = 100
    agents = np.tile([8, 14], pairs).astype(np.int64)
    queue = QueueInput(calls=np.full(2 * pairs, 100.0), aht_seconds=np.full(2 * pairs, 180.0), agents=agents,
                       interval_seconds=1800.0)
    result = simulate(queue, SimulationSettings(answer_seconds=20), replications=6, seed=3)
    groups = np.tile([0, 1], pairs).astype(np.int64)
    after = result.pooled("asa_seconds", groups)[:, 1]
    assert after.mean() > 3 * float(erlang.asa_seconds(14, 10.0, 180.0))
    sl_after = result.pooled("service_level", groups)[:, 1]
    assert sl_after.mean() < float(erlang.service_level(14, 10.0, 180.0, 20.0)) - 0.1


def test_same_seed_same_result_and_counts_are_exact() -> None:
    queue = QueueInput(calls=np.array([30.0, 0.0, 55.0]), aht_seconds=np.array([200.0, 200.0, 150.0]),
                       agents=np.array([3, 0, 5], dtype=np.int64), interval_seconds=900.0)
    settings = SimulationSettings(arrivals="counts", patience_seconds=60.0, service="lognormal", service_cv=0.8)
    a = simulate(queue, settings, replications=3, seed=9)
    b = simulate(queue, settings, replications=3, seed=9)
    for x, y in zip(a.replications, b.replications, strict=True):
        np.testing.assert_array_equal(x.answered_within, y.answered_within)
    # Arrival counts are exactly the given counts; every call is answered or abandons.
    first = a.replications[0]
    np.testing.assert_array_equal(first.offered, [30, 0, 55])
    np.testing.assert_array_equal(first.answered + first.abandoned, first.offered)
    assert np.all((first.service_level >= 0) & (first.service_level <= 1))


def test_lognormal_handle_times_have_the_requested_mean() -> None:
    # Occupancy = load / agents when nobody abandons, whatever the handle-time law.
    queue = QueueInput(calls=np.full(100, 100.0), aht_seconds=np.full(100, 180.0),
                       agents=np.full(100, 14, dtype=np.int64), interval_seconds=1800.0)
    result = simulate(queue, SimulationSettings(service="lognormal", service_cv=0.6), replications=4, seed=4)
    groups = np.ones(100, dtype=np.int64)
    groups[:10] = 0
    assert result.pooled("occupancy", groups)[:, 1].mean() == pytest.approx(10 / 14, rel=0.02)
