"""Service curves: the exact answered-within curve, its expectation over the forecast's
arrival rate, the concave envelope and the head-count curve the roster maximises.

Every expected value comes from an independent computation: the scalar Erlang references
of ``tests/_erlang_reference.py`` (textbook recurrence, birth-death chain), a brute-force
O(K^3) envelope (the largest chord through each point), adaptive numeric integration
against scipy's gamma density, or a hand computation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from staffing.queueing.service_curve import (
    answered_within,
    concave_envelope,
    expected_answered_within,
    rate_quantile,
    service_curve,
)
from staffing.roster.service import ServiceCurves
from tests._erlang_reference import erlang_a_chain, sl_scalar


def brute_envelope(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least concave majorant at each x_j: the largest chord value over all i <= j <= k."""
    out = y.astype(float).copy()
    for j in range(x.size):
        for i in range(j + 1):
            for k in range(j, x.size):
                if k == i:
                    continue
                v = y[i] + (y[k] - y[i]) * (x[j] - x[i]) / (x[k] - x[i])
                out[j] = max(out[j], v)
    return out


def direct_expectation(n: int, mu: float, aht: float, answer: float, minutes: float, alpha: float) -> float:
    """E[Lambda SL_C(n, Lambda c)] over Lambda ~ Gamma(1/alpha, alpha mu) by scipy.integrate.quad,
    split at the kink Lambda = n / c (SL is 0 beyond)."""
    k, theta, c = 1.0 / alpha, alpha * mu, aht / (60.0 * minutes)

    def f(lam: float) -> float:
        return lam * sl_scalar(n, lam * c, aht, answer) * stats.gamma.pdf(lam, k, scale=theta)

    lo = stats.gamma.ppf(1e-14, k, scale=theta)
    hi = min(stats.gamma.isf(1e-14, k, scale=theta), n / c)
    if hi <= lo:
        return 0.0
    value, _ = integrate.quad(f, lo, hi, limit=500, epsabs=0.0, epsrel=1e-12)
    return float(value)


def test_tiny_envelope_by_hand() -> None:
    """y = [0, 0, 3, 4] at x = 0..3: the chord from (0, 0) to (2, 3) lifts x = 1 to 1.5;
    the slopes 1.5, 1 decrease, so (0, 0), (2, 3), (3, 4) are the vertices."""
    env, verts = concave_envelope(np.arange(4.0), np.array([[0.0, 0.0, 3.0, 4.0]]))
    np.testing.assert_allclose(env, [[0.0, 1.5, 3.0, 4.0]], rtol=0, atol=1e-15)
    assert verts.tolist() == [[True, False, True, True]]


def test_envelope_of_a_concave_row_is_itself_and_drops_collinear_points() -> None:
    """sqrt is strictly concave (every point a vertex); min(x, 3) on 0..6 is concave with
    collinear runs, whose only vertices are x = 0, 3 and 6 (by hand)."""
    x = np.arange(7.0)
    y = np.vstack([np.sqrt(x), np.minimum(x, 3.0)])
    env, verts = concave_envelope(x, y)
    np.testing.assert_allclose(env, y, rtol=0, atol=1e-14)
    assert verts[0].all()
    assert np.flatnonzero(verts[1]).tolist() == [0, 3, 6]


def test_envelope_matches_brute_force_on_random_rows() -> None:
    rng = np.random.default_rng(7)
    x = np.cumsum(rng.uniform(0.2, 2.0, size=12))
    y = rng.normal(size=(30, 12))
    env, verts = concave_envelope(x, y)
    expected = np.array([brute_envelope(x, row) for row in y])
    np.testing.assert_allclose(env, expected, rtol=0, atol=1e-12)
    # A vertex is where the envelope touches the data and its slope strictly drops.
    for row, e, v in zip(y, env, verts, strict=True):
        s = np.diff(e) / np.diff(x)
        kink = np.r_[True, s[1:] < s[:-1] - 1e-9, True]
        assert v.tolist() == (kink & np.isclose(e, row, atol=1e-12)).tolist()


def test_erlang_c_curve_against_the_scalar_reference() -> None:
    """calls x SL_C(n, A) with SL 0 for n <= A, from the textbook Erlang B recurrence."""
    calls = np.array([0.0, 3.0, 40.0, 233.0])
    aht = np.array([200.0, 240.0, 180.0, 300.0])
    n = np.arange(0, 100, dtype=float)
    got = answered_within(n, calls, aht, 20.0, 15)
    for t in range(calls.size):
        load = calls[t] * aht[t] / 900.0
        expected = [calls[t] * sl_scalar(int(k), load, aht[t], 20.0) for k in n]
        np.testing.assert_allclose(got[t], expected, rtol=1e-10, atol=1e-12)


def test_erlang_a_curve_against_the_birth_death_chain() -> None:
    """calls x the fraction of offered calls answered within T (abandoned calls are misses),
    from the truncated M/M/n+M chain and the phase-type virtual wait."""
    calls, aht, patience = 30.0, 240.0, 120.0
    n = np.arange(0, 16, dtype=float)
    got = answered_within(n, np.array([calls]), np.array([aht]), 20.0, 15, "erlang-a", patience)[0]
    load = calls * aht / 900.0
    expected = [0.0] + [calls * erlang_a_chain(int(k), load, aht, patience, 20.0)[2] for k in n[1:]]
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-10)


def test_the_gamma_rate_is_the_forecasts_negative_binomial() -> None:
    """The Poisson-gamma mixture with Lambda ~ Gamma(1/alpha, alpha mu) has the pmf of
    intervals.nb_bounds's NB (n = 1/alpha, p = n / (n + mu)), by numeric integration; and
    rate_quantile is that gamma's quantile (scipy.stats.gamma)."""
    mu, alpha = 40.0, 0.05
    for count in (20, 40, 65):
        mixed, _ = integrate.quad(
            lambda lam, c=count: stats.poisson.pmf(c, lam) * stats.gamma.pdf(lam, 1 / alpha, scale=alpha * mu),
            0.0, 200.0, limit=200, epsrel=1e-12)
        n = 1.0 / alpha
        assert mixed == pytest.approx(stats.nbinom.pmf(count, n, n / (n + mu)), rel=1e-9)
    q = rate_quantile(np.array([mu, 0.0, 12.0]), np.array([alpha, alpha, 0.0]), 0.8)
    np.testing.assert_allclose(q, [stats.gamma.ppf(0.8, 1 / alpha, scale=alpha * mu), 0.0, 12.0], rtol=1e-12)


@pytest.mark.parametrize("alpha", [0.005, 0.03, 0.2])
def test_expected_service_equals_a_direct_integral_over_the_rate(alpha: float) -> None:
    """24-node Gauss-Legendre against adaptive quadrature of the same integral: 1e-6 relative
    (measured: below 3e-9 for alpha in [0.005, 1])."""
    mu, aht = np.array([5.0, 40.0, 300.0]), np.array([240.0, 180.0, 200.0])
    n = np.r_[0:110:5, 66:72].astype(float)  # every fifth count, and each around the largest load
    got = expected_answered_within(n, mu, aht, 20.0, 15, dispersion_alpha=alpha)
    for t in range(mu.size):
        ref = np.array([direct_expectation(int(k), mu[t], aht[t], 20.0, 15, alpha) for k in n])
        big = ref > 1e-3 * mu[t]
        np.testing.assert_allclose(got[t, big], ref[big], rtol=1e-6)
        np.testing.assert_allclose(got[t, ~big], ref[~big], rtol=0, atol=1e-6 * mu[t])


def test_zero_dispersion_is_the_exact_curve() -> None:
    n = np.arange(0, 30, dtype=float)
    calls, aht = np.array([40.0, 0.0]), np.array([180.0, np.nan])
    np.testing.assert_array_equal(expected_answered_within(n, calls, aht, 20.0, 15, dispersion_alpha=0.0),
                                  answered_within(n, calls, aht, 20.0, 15))


@pytest.mark.parametrize("alpha", [0.0, 0.02])
def test_curve_is_the_envelope_of_the_engine_values_and_lies_above_the_exact_curve(alpha: float) -> None:
    """The PWL in agents on the phones, read on the integer grid, equals the brute-force
    envelope of the engine's (expected) values there, and is >= the exact Erlang C curve of
    the scalar reference (alpha = 0) everywhere on the grid, up to the rtol tail."""
    calls = np.array([0.0, 2.0, 40.0, 120.0])
    aht = np.array([np.nan, 300.0, 180.0, 240.0])
    curve = service_curve(calls, aht, 20.0, 15, dispersion_alpha=alpha)
    n_max = int(curve.agents_on_phone.max())
    grid = np.arange(n_max + 1, dtype=float)
    engine = expected_answered_within(grid, calls, aht, 20.0, 15, dispersion_alpha=alpha)
    for t in range(calls.size):
        pwl = np.interp(grid, curve.agents_on_phone[t], curve.answered[t])
        np.testing.assert_allclose(pwl, brute_envelope(grid, engine[t]), rtol=0, atol=1e-6 * calls[t] + 1e-12)
        assert np.all(pwl >= engine[t] - 1e-6 * calls[t] - 1e-12)
        if alpha == 0.0 and calls[t] > 0:
            load = calls[t] * aht[t] / 900.0
            exact = np.array([calls[t] * sl_scalar(int(k), load, aht[t], 20.0) for k in grid])
            assert np.all(pwl >= exact - 1e-6 * calls[t])
        assert curve.residual[t] <= 1e-6 * calls[t] + 1e-12


def test_realistic_interval_over_credit_by_brute_force() -> None:
    """40 calls / 15 min, AHT 180 s, 80/20 (A = 8 Erlangs): the exact curve is 0 up to n = 8
    and the envelope's first segment is the chord from (0, 0) to the tangent vertex, so the
    largest over-credit is that chord's value at n = 8 (brute-force envelope of sl_scalar)."""
    curve = service_curve(np.array([40.0]), np.array([180.0]), 20.0, 15)
    grid = np.arange(0, 40)
    exact = np.array([40.0 * sl_scalar(int(k), 8.0, 180.0, 20.0) for k in grid])
    env = brute_envelope(grid.astype(float), exact)
    assert curve.over_credit[0] == pytest.approx(np.max(env - exact), rel=1e-9)
    assert int(np.argmax(env - exact)) == 8
    assert curve.agents_on_phone[0, 1] == 12.0  # tangent vertex: slope of (0,0)->(n, f(n)) is largest at 12
    slopes = exact[1:] / np.arange(1, 40)
    assert int(np.argmax(slopes)) + 1 == 12


def test_head_count_breakpoints_and_contract() -> None:
    """Breakpoints in head count are n / (1 - shrinkage); the curves validate as the roster's
    ServiceCurves (increasing from 0, concave, non-decreasing), with zero-call rows and Erlang A."""
    calls = np.array([0.0, 0.4, 12.0, 40.0, 90.0, 0.0])
    aht = np.array([np.nan, 300.0, 240.0, 180.0, 200.0, np.nan])
    shrink = np.array([0.3, 0.3, 0.3, 0.25, 0.25, 0.0])
    starts = pd.date_range("2024-04-01 08:00", periods=calls.size, freq="15min")
    for model, patience in (("erlang-c", None), ("erlang-a", 90.0)):
        curve = service_curve(calls, aht, 20.0, 15, model, patience, shrinkage=shrink, dispersion_alpha=0.02)  # type: ignore[arg-type]
        np.testing.assert_allclose(curve.agents_head, curve.agents_on_phone / (1.0 - shrink[:, None]), rtol=1e-15)
        assert np.all(curve.agents_head[:, 0] == 0.0)
        np.testing.assert_array_equal(curve.calls, calls)
        sc = ServiceCurves(starts, 15, curve.agents_head, curve.answered, curve.calls, 0.8)
        assert sc.value(np.full(calls.size, 1e6)) == pytest.approx(calls, abs=1e-5 * 90)


def test_risk_level_is_the_curve_at_the_rate_quantile() -> None:
    """plan.risk_level q: the exact curve at calls = Gamma(1/alpha, alpha mu).ppf(q) (scipy)."""
    mu, alpha = 40.0, 0.05
    curve = service_curve(np.array([mu]), np.array([180.0]), 20.0, 15, dispersion_alpha=alpha, risk_level=0.8)
    q = stats.gamma.ppf(0.8, 1 / alpha, scale=alpha * mu)
    assert curve.calls[0] == pytest.approx(q, rel=1e-12)
    grid = np.arange(0, 40)
    exact = np.array([q * sl_scalar(int(k), q * 0.2, 180.0, 20.0) for k in grid])
    vertices = curve.agents_on_phone[0][curve.agents_on_phone[0] < 40].astype(int)
    np.testing.assert_allclose(curve.answered[0][: vertices.size], exact[vertices], rtol=1e-10)
    assert math.isclose(float(curve.answered[0, 0]), 0.0)
