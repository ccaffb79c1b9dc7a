"""Prediction intervals calibrated on the model's own errors before the origin.

Notes
-----
The predictive distribution of an interval's calls is negative binomial with the point
forecast ``mu`` as mean and ``Var = mu + alpha mu^2``: Poisson noise plus a relative
error of the rate with coefficient of variation ``sqrt(alpha)`` (the NB2 form, Cameron
& Trivedi 2013, 3.3). ``alpha`` is not taken from a model's likelihood, which ignores
the error of the forecast itself; it is chosen, separately for the 80% and the 95%
interval, so that the central interval covers its nominal share of the actuals in a
rolling-origin backtest of the same model on history before the origin (daily origins
over the last 14 days for a one-day horizon, weekly origins over the last
``interval_calibration_weeks`` weeks otherwise). Interval bounds are NB quantiles. When
even ``alpha = 0`` over-covers (pure Poisson data: integer bounds cover more than their
level), the Poisson quantile level is lowered instead until the coverage matches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Dispersion used when there is too little history to calibrate (about 15% rate error).
DEFAULT_ALPHA = 0.02
MIN_POINTS = 48


@dataclass(frozen=True)
class Dispersion:
    """Calibrated NB dispersions for the 80% and 95% intervals, and the central quantile
    levels used (below nominal only when even Poisson intervals over-cover, see
    :func:`calibrate_level`)."""

    alpha80: float
    alpha95: float
    n_points: int
    level80: float = 0.80
    level95: float = 0.95


def nb_bounds(mu: np.ndarray, alpha: float, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Central ``level`` interval of NB(mean ``mu``, ``Var = mu + alpha mu^2``); Poisson at ``alpha = 0``."""
    mu = np.maximum(np.asarray(mu, dtype=float), 0.0)
    tail = (1.0 - level) / 2.0
    positive = mu > 0
    lo = np.zeros_like(mu)
    hi = np.zeros_like(mu)
    m = mu[positive]
    if alpha <= 1e-9:
        lo[positive] = stats.poisson.ppf(tail, m)
        hi[positive] = stats.poisson.ppf(1.0 - tail, m)
    else:
        n = 1.0 / alpha
        p = n / (n + m)
        lo[positive] = stats.nbinom.ppf(tail, n, p)
        hi[positive] = stats.nbinom.ppf(1.0 - tail, n, p)
    return lo, hi


def coverage(actual: np.ndarray, mu: np.ndarray, alpha: float, level: float) -> float:
    """Share of ``actual`` inside the central ``level`` NB interval around ``mu``.

    Computed with the CDF instead of quantiles (same result, much faster): for the
    integer quantiles ``lo = F^-1(t)`` and ``hi = F^-1(1 - t)``, ``a >= lo`` iff
    ``F(floor a) >= t`` and ``a <= hi`` iff ``F(ceil a - 1) < 1 - t``.
    """
    tail = (1.0 - level) / 2.0
    mu = np.maximum(mu, 1e-12)
    below = np.floor(actual)
    above = np.ceil(actual) - 1.0
    if alpha <= 1e-9:
        f_lo = stats.poisson.cdf(below, mu)
        f_hi = stats.poisson.cdf(above, mu)
    else:
        n = 1.0 / alpha
        p = n / (n + mu)
        f_lo = stats.nbinom.cdf(below, n, p)
        f_hi = stats.nbinom.cdf(above, n, p)
    # Tiny slack: floating CDF values equal to the tail must count as inside.
    inside = (f_lo >= tail - 1e-12) & (f_hi < 1.0 - tail + 1e-12)
    return float(np.mean(inside))


def calibrate_alpha(actual: np.ndarray, mu: np.ndarray, level: float) -> float:
    """Smallest ``alpha`` in [0, 4] whose interval covers ``level`` of ``actual`` (bisection;
    coverage grows with ``alpha``)."""
    if coverage(actual, mu, 0.0, level) >= level:
        return 0.0
    lo, hi = 0.0, 4.0
    if coverage(actual, mu, hi, level) < level:
        return hi
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if coverage(actual, mu, mid, level) >= level:
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-3 * max(hi, 1e-2):
            break
    return hi


def calibrate_level(actual: np.ndarray, mu: np.ndarray, level: float) -> float:
    """Smallest Poisson central level in [level / 2, level] still covering ``level`` of
    ``actual`` (bisection). Integer bounds of a Poisson interval cover more than their
    nominal level, so on data with no extra dispersion the quantile level is lowered
    until the empirical coverage matches."""
    lo, hi = level / 2.0, level
    if coverage(actual, mu, 0.0, lo) >= level:
        return lo
    for _ in range(20):
        mid = 0.5 * (lo + hi)
        if coverage(actual, mu, 0.0, mid) >= level:
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-3:
            break
    return hi


def calibrate(actual: np.ndarray, mu: np.ndarray) -> Dispersion:
    """:class:`Dispersion` from paired backtest actuals and forecasts (open intervals only)."""
    keep = np.isfinite(actual) & np.isfinite(mu) & (mu > 0)
    a, m = actual[keep], mu[keep]
    if a.size < MIN_POINTS:
        return Dispersion(DEFAULT_ALPHA, DEFAULT_ALPHA, int(a.size))
    alpha80, alpha95 = calibrate_alpha(a, m, 0.80), calibrate_alpha(a, m, 0.95)
    level80 = calibrate_level(a, m, 0.80) if alpha80 == 0.0 else 0.80
    level95 = calibrate_level(a, m, 0.95) if alpha95 == 0.0 else 0.95
    return Dispersion(alpha80, alpha95, int(a.size), level80, level95)
