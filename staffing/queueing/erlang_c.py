"""Erlang B and Erlang C (M/M/n): blocking, P(wait), service level, ASA and occupancy.

Vectorised numpy functions that broadcast over arrays of intervals; ``agents`` may be
fractional (Jagerman's continuous extension of Erlang B). The public import path is
:mod:`staffing.queueing.erlang`, which documents the conventions and references.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from staffing.queueing._numerics import SERIES_MAX_TERMS, TINY, ArrayLike, FloatArray
from staffing.queueing._numerics import as_float_array as _f


def offered_load(calls: ArrayLike, aht_seconds: ArrayLike, interval_minutes: ArrayLike) -> FloatArray:
    """Offered load in Erlangs.

    Parameters
    ----------
    calls
        Calls offered in the interval (>= 0).
    aht_seconds
        Average handle time in seconds (> 0).
    interval_minutes
        Interval length in minutes (> 0).

    Returns
    -------
    numpy.ndarray
        ``A = calls * aht_seconds / (60 * interval_minutes)``.

    Notes
    -----
    The offered load is the mean number of agents the calls would keep busy if every
    call were answered at once (Erlangs = hours of work per hour).
    """
    return _f(calls) * _f(aht_seconds) / (60.0 * _f(interval_minutes))


def erlang_b(agents: ArrayLike, load_erlangs: ArrayLike) -> FloatArray:
    """Erlang B blocking probability of an M/M/n/n loss system.

    Parameters
    ----------
    agents
        Number of servers ``n`` (>= 0; fractional values use the gamma extension).
    load_erlangs
        Offered load ``A`` in Erlangs (>= 0).

    Returns
    -------
    numpy.ndarray
        ``B(n, A)`` in [0, 1].

    Notes
    -----
    ``B(n, A) = (A^n / n!) / sum_{k=0}^n A^k / k! = e^-A A^n / Gamma(n+1) / Q(n+1, A)``
    with ``Q`` the regularised upper incomplete gamma function (the Poisson cdf). Both
    are evaluated in log space, so there is no factorial or power to overflow. For
    fractional ``n`` this is Jagerman's (1974) continuous extension.
    """
    n, a = np.broadcast_arrays(_f(agents), _f(load_erlangs))
    out = np.zeros(n.shape)
    out[a > 0] = 1.0
    pos = (a > 0) & (n > 0)
    if pos.any():
        nn, aa = n[pos], a[pos]
        log_pmf = nn * np.log(aa) - aa - special.gammaln(nn + 1.0)
        q = special.gammaincc(nn + 1.0, aa)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            b = np.exp(log_pmf - np.log(q))
        bad = ~(q > TINY) | ~np.isfinite(b)
        if bad.any():
            # Far below the load Q underflows; use 1/B = sum_k n!/((n-k)! A^k), which
            # converges geometrically there (ratio ~ n / A < 1).
            b = b.copy()
            b[bad] = 1.0 / _inverse_b_series(nn[bad], aa[bad])
        out[pos] = np.clip(b, 0.0, 1.0)
    return out


def _inverse_b_series(n: FloatArray, a: FloatArray) -> FloatArray:
    total = np.ones_like(n)
    term = np.ones_like(n)
    active = np.ones(n.shape, dtype=bool)
    k = 0
    while active.any() and k < SERIES_MAX_TERMS:
        term = np.where(active, term * np.maximum(n - k, 0.0) / a, 0.0)
        k += 1
        total = total + term
        active &= term > 1e-17 * total
    return total


def erlang_c(agents: ArrayLike, load_erlangs: ArrayLike) -> FloatArray:
    """Erlang C probability that a call waits, P(W > 0), in an M/M/n queue.

    Parameters
    ----------
    agents
        Number of agents ``n`` (>= 0, may be fractional).
    load_erlangs
        Offered load ``A`` in Erlangs (>= 0).

    Returns
    -------
    numpy.ndarray
        ``C(n, A)`` in [0, 1]; 1 when ``n <= A`` (unstable queue: every call waits),
        0 when ``A = 0``.

    Notes
    -----
    ``C(n, A) = n B(n, A) / (n - A (1 - B(n, A)))`` for ``n > A`` (e.g. Cooper,
    *Introduction to Queueing Theory*, 1981, eq. 3.5.7), computed from the stable Erlang B.
    """
    n, a = np.broadcast_arrays(_f(agents), _f(load_erlangs))
    b = erlang_b(n, a)
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(stable, n * b / (n - a * (1.0 - b)), 1.0)
    c = np.where(a > 0, c, 0.0)
    return np.clip(c, 0.0, 1.0)


def service_level(
    agents: ArrayLike, load_erlangs: ArrayLike, aht_seconds: ArrayLike, answer_seconds: ArrayLike
) -> FloatArray:
    """Erlang C service level: the fraction of calls answered within ``answer_seconds``.

    Returns
    -------
    numpy.ndarray
        ``SL = 1 - C(n, A) exp(-(n - A) T / AHT)`` in [0, 1]; 0 when ``n <= A > 0``,
        1 when ``A = 0``.

    Notes
    -----
    The waiting time of an M/M/n queue given it waits is exponential with rate
    ``(n - A) / AHT`` (Cooper 1981, eq. 3.5.12). ``T = 0`` gives ``1 - C``.
    """
    n, a, h, t = np.broadcast_arrays(_f(agents), _f(load_erlangs), _f(aht_seconds), _f(answer_seconds))
    c = erlang_c(n, a)
    with np.errstate(over="ignore", invalid="ignore"):
        sl = np.where(n > a, 1.0 - c * np.exp(-(n - a) * t / h), 0.0)
    sl = np.where(a > 0, sl, 1.0)
    return np.clip(sl, 0.0, 1.0)


def asa_seconds(agents: ArrayLike, load_erlangs: ArrayLike, aht_seconds: ArrayLike) -> FloatArray:
    """Erlang C average speed of answer (mean wait of all calls) in seconds.

    Returns
    -------
    numpy.ndarray
        ``ASA = C(n, A) AHT / (n - A)``; ``inf`` when ``n <= A > 0`` (the queue grows
        without bound), 0 when ``A = 0``.

    Notes
    -----
    Cooper (1981), eq. 3.5.13.
    """
    n, a, h = np.broadcast_arrays(_f(agents), _f(load_erlangs), _f(aht_seconds))
    c = erlang_c(n, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = np.where(n > a, c * h / (n - a), np.inf)
    return np.where(a > 0, asa, 0.0)


def occupancy(agents: ArrayLike, load_erlangs: ArrayLike) -> FloatArray:
    """Erlang C agent occupancy, the busy fraction of agents' time.

    Returns
    -------
    numpy.ndarray
        ``min(A / n, 1)``; 0 when ``A = 0`` and 1 when ``n = 0 < A``.

    Notes
    -----
    Every offered call is eventually served in M/M/n, so agents are busy ``A`` Erlangs
    out of ``n``; at ``n <= A`` they are busy all the time.
    """
    n, a = np.broadcast_arrays(_f(agents), _f(load_erlangs))
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(n > a, a / n, 1.0)
    return np.where(a > 0, occ, 0.0)
