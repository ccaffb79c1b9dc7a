"""``staffing.queueing.erlang`` against independent references (see tests/_erlang_reference.py)."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from _erlang_reference import (
    asa_scalar,
    erlang_a_chain,
    erlang_b_mp,
    erlang_b_recurrence,
    erlang_c_mp,
    erlang_c_scalar,
    required_scalar,
    sl_scalar,
)

from staffing.queueing import erlang


def test_textbook_case_100_calls_30_min_180_s() -> None:
    # 100 calls in 30 min at 180 s = 10 Erlangs; 80/20. The widely quoted worked example
    # (e.g. Koole, "Call Center Optimization", 2013, ch. 5; every Erlang C calculator)
    # gives 14 agents at SL 88.8% and 13 agents at 79.6%. Exact values from mpmath below.
    req = erlang.required_agents(100, 180, 30, target_sl=0.8, answer_seconds=20)
    assert req.agents == 14 and req.agents_net == 14
    for n, quoted in ((14, 0.8884), (13, 0.7956)):
        with mpmath.workdps(40):
            c = erlang_c_mp(n, 10)
            exact = 1 - c * mpmath.exp(-(n - 10) * mpmath.mpf(20) / 180)
        assert float(exact) == pytest.approx(quoted, abs=5e-5)
        assert float(erlang.service_level(n, 10.0, 180.0, 20.0)) == pytest.approx(float(exact), rel=1e-12)
    assert float(req.service_level) == pytest.approx(0.8884, abs=5e-5)


@pytest.mark.parametrize(
    ("n", "load"),
    [(1, "0.33"), (12, "10.6"), (700, "666.7"), (3400, "3333"), (16900, "16667"), (20250, "20000")],
)
def test_erlang_b_and_c_exact_at_large_loads(n: int, load: str) -> None:
    # Reference: the defining sums in 40-digit arithmetic; the float result must agree to
    # ~1e-10 relative (log-space evaluation of numbers around 20000 loses ~5 digits at most).
    b_exact = float(erlang_b_mp(n, load))
    c_exact = float(erlang_c_mp(n, load))
    assert float(erlang.erlang_b(n, float(load))) == pytest.approx(b_exact, rel=1e-9)
    assert float(erlang.erlang_c(n, float(load))) == pytest.approx(c_exact, rel=1e-9)


def test_vectorised_equals_scalar_reference_on_random_intervals() -> None:
    rng = np.random.default_rng(2026)
    loads = np.concatenate([rng.gamma(2.0, 20.0, 1500), [0.0, 0.33, 10.6, 666.7, 3333.0, 16667.0]])
    aht = rng.uniform(60, 600, loads.size)
    t = rng.choice([0.0, 10.0, 20.0, 60.0], loads.size)
    extra = np.ceil(loads) + rng.integers(0, 40, loads.size)
    n = np.where(loads > 0, extra, rng.integers(0, 3, loads.size)).astype(float)
    sl = erlang.service_level(n, loads, aht, t)
    asa = erlang.asa_seconds(n, loads, aht)
    c = erlang.erlang_c(n, loads)
    for i in range(loads.size):
        ni, ai = int(n[i]), float(loads[i])
        assert c[i] == pytest.approx(erlang_c_scalar(ni, ai), rel=1e-9, abs=1e-300)
        assert sl[i] == pytest.approx(sl_scalar(ni, ai, aht[i], t[i]), rel=1e-9, abs=1e-12)
        ref = asa_scalar(ni, ai, aht[i])
        assert asa[i] == ref if math.isinf(ref) else asa[i] == pytest.approx(ref, rel=1e-9, abs=1e-300)


def test_required_agents_equals_stepping_reference() -> None:
    rng = np.random.default_rng(7)
    size = 600
    calls = np.concatenate([rng.gamma(1.5, 60.0, size - 4), [0.0, 1.0, 4000.0, 33334.0]])
    aht = rng.uniform(60, 600, calls.size)
    for target_sl, max_asa, max_occ in ((0.8, None, None), (0.9, 15.0, None), (0.7, None, 0.85), (None, 30.0, 0.9)):
        req = erlang.required_agents(calls, aht, 15, target_sl=target_sl, answer_seconds=20,
                                     max_asa_seconds=max_asa, max_occupancy=max_occ)
        load = calls * aht / 900
        for i in range(calls.size):
            assert req.agents[i] == required_scalar(load[i], aht[i], 20.0, target_sl, max_asa, max_occ), i


@pytest.mark.parametrize(
    ("n", "load", "aht", "patience", "t"),
    [(14, 10.0, 180.0, 120.0, 20.0), (12, 10.0, 180.0, 60.0, 0.0), (8, 10.0, 180.0, 90.0, 30.0),
     (3, 5.0, 300.0, 30.0, 20.0), (60, 55.0, 240.0, 200.0, 15.0), (1, 0.4, 100.0, 500.0, 60.0)],
)
def test_erlang_a_equals_truncated_chain(n: int, load: float, aht: float, patience: float, t: float) -> None:
    pw, pab, sl = erlang_a_chain(n, load, aht, patience, t)
    m = erlang.erlang_a(n, load, aht, patience, t)
    assert float(m.prob_wait) == pytest.approx(pw, rel=1e-9)
    assert float(m.prob_abandon) == pytest.approx(pab, rel=1e-8)
    assert float(m.service_level) == pytest.approx(sl, rel=1e-8)
    assert float(m.service_level_answered) == pytest.approx(sl / (1 - pab), rel=1e-8)
    # Little's law on the abandonment flow: E[W] = P(Ab) x mean patience.
    assert float(m.asa_seconds) == pytest.approx(pab * patience, rel=1e-12)
    # Agents are busy with the calls that are answered.
    assert float(m.occupancy) == pytest.approx(load * (1 - pab) / n, rel=1e-12)


def test_erlang_a_tends_to_erlang_c_as_patience_grows() -> None:
    n, load, aht, t = 14, 10.0, 180.0, 20.0
    gaps = []
    for patience in (1e3, 1e5, 1e7):
        m = erlang.erlang_a(n, load, aht, patience, t)
        gaps.append(abs(float(m.service_level) - sl_scalar(n, load, aht, t)))
        assert float(m.prob_wait) == pytest.approx(erlang_c_scalar(n, load), rel=10 * aht / patience + 1e-9)
    # The gap shrinks like 1/patience (abandonment is O(AHT / patience)).
    assert gaps[0] > 50 * gaps[1] > 2500 * gaps[2]
    assert gaps[2] < 2e-6


def test_erlang_b_matches_recurrence_for_fractional_neighbours() -> None:
    # The gamma extension agrees with the recurrence at whole n and lies between its neighbours.
    for n, load in ((5, 3.2), (40, 37.5), (300, 290.0)):
        whole = erlang_b_recurrence(n, load)
        assert float(erlang.erlang_b(n, load)) == pytest.approx(whole, rel=1e-10)
        half = float(erlang.erlang_b(n + 0.5, load))
        assert erlang_b_recurrence(n + 1, load) < half < whole
