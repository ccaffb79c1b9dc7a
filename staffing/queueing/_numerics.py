"""Numerical building blocks of the Erlang formulas: float arrays and the log-space incomplete gamma.

Shared by :mod:`staffing.queueing.erlang_c` and :mod:`staffing.queueing.erlang_a`; not a
public interface.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

# Below this the regularised incomplete gamma is computed from its power series in
# log space instead (scipy's value would lose relative precision or underflow).
TINY = 1e-250
SERIES_MAX_TERMS = 100_000


def as_float_array(x: ArrayLike) -> FloatArray:
    """``x`` as a float64 array (no copy when it already is one)."""
    return np.asarray(x, dtype=np.float64)


def log_series_sum(a: FloatArray, x: FloatArray) -> FloatArray:
    """``log sum_{k>=0} x^k / ((a+1)(a+2)...(a+k))`` for ``x < a + 1`` (Kummer 1F1(1; a+1; x))."""
    total = np.ones_like(x)
    term = np.ones_like(x)
    active = np.ones(x.shape, dtype=bool)
    k = 0
    while active.any() and k < SERIES_MAX_TERMS:
        k += 1
        term = np.where(active, term * x / (a + k), 0.0)
        total = total + term
        active &= term > 1e-17 * total
    return np.log(total)


def log_gammainc_lower(a: FloatArray, x: FloatArray) -> FloatArray:
    """Log of the regularised lower incomplete gamma ``P(a, x)`` (``a > 0``, ``x >= 0``).

    Uses scipy's ``gammainc`` where it is comfortably representable and otherwise the
    series ``P(a, x) = x^a e^-x / Gamma(a+1) * sum_k x^k / ((a+1)...(a+k))``
    (Abramowitz & Stegun 6.5.29), which converges fast exactly where P is tiny (x << a).
    """
    a, x = np.broadcast_arrays(as_float_array(a), as_float_array(x))
    with np.errstate(divide="ignore"):
        p = special.gammainc(a, x)
        out = np.log(p)
    small = (p < TINY) & (x > 0)
    if small.any():
        aa, xx = a[small], x[small]
        out = out.copy()
        out[small] = aa * np.log(xx) - xx - special.gammaln(aa + 1.0) + log_series_sum(aa, xx)
    return out

