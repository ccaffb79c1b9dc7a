"""Erlang A (M/M/n+M): the Erlang C queue with exponentially impatient callers.

The public import path is :mod:`staffing.queueing.erlang`, which documents the
conventions and references (Garnett, Mandelbaum & Reiman 2002; Mandelbaum & Zeltyn 2007).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from staffing.queueing._numerics import ArrayLike, FloatArray, log_gammainc_lower
from staffing.queueing._numerics import as_float_array as _f
from staffing.queueing.erlang_c import erlang_b


@dataclass(frozen=True)
class ErlangAMetrics:
    """Steady-state figures of an Erlang A (M/M/n+M) queue; arrays broadcast together.

    Attributes
    ----------
    prob_wait
        P(W > 0), the fraction of calls that find every agent busy.
    prob_abandon
        P(Ab), the fraction of offered calls that hang up before an answer.
    service_level
        Fraction of *offered* calls answered within ``answer_seconds`` (abandoned calls
        count as misses).
    service_level_answered
        Fraction of *answered* calls answered within ``answer_seconds``.
    asa_seconds
        Mean wait of all offered calls (answered or abandoned), ``E[W] = P(Ab) / theta``.
    occupancy
        Busy fraction of agents, ``A (1 - P(Ab)) / n``.
    """

    prob_wait: FloatArray
    prob_abandon: FloatArray
    service_level: FloatArray
    service_level_answered: FloatArray
    asa_seconds: FloatArray
    occupancy: FloatArray


def erlang_a(
    agents: ArrayLike,
    load_erlangs: ArrayLike,
    aht_seconds: ArrayLike,
    patience_seconds: ArrayLike,
    answer_seconds: ArrayLike = 0.0,
) -> ErlangAMetrics:
    """Erlang A (M/M/n+M): Poisson arrivals, exponential service and exponential patience.

    Parameters
    ----------
    agents
        Number of agents ``n`` (>= 0, may be fractional).
    load_erlangs
        Offered load ``A = lambda / mu`` in Erlangs.
    aht_seconds
        Mean handle time ``1 / mu`` (s).
    patience_seconds
        Mean patience ``1 / theta`` (s, > 0). As it grows Erlang A tends to Erlang C.
    answer_seconds
        Answer-time target ``T`` (s, >= 0) of the service levels.

    Returns
    -------
    ErlangAMetrics

    Notes
    -----
    With ``x = n mu / theta``, ``y = lambda / theta``, ``E = B(n, A)`` (Erlang B),
    ``P(a, z)`` the regularised lower incomplete gamma and
    ``J = Gamma(x+1) e^y y^-x P(x, y)`` (the sum of the queue-state probabilities
    relative to state n), Garnett, Mandelbaum & Reiman (2002) and Mandelbaum & Zeltyn give::

        P(W > 0)        = J E / (1 + (J - 1) E)
        P(Ab | W > 0)   = 1 / (rho J) + 1 - 1 / rho,           rho = A / n
        P(V > t | W > 0) = P(x, y e^{-theta t}) / P(x, y)      (virtual wait V)

    so the fraction of offered calls answered within ``T`` (``V <= T`` and patience
    ``> V``) is ``1 - P(W>0) + P(W>0) (x / y) [P(x+1, y) - P(x+1, y e^{-theta T})] / P(x, y)``;
    dividing by ``1 - P(Ab)`` gives the service level of answered calls. The mean wait of
    all calls follows from Little's law applied to the abandonment flow:
    ``E[W] = P(Ab) / theta``. Everything is computed with log-space ratios, so it is
    stable for any load. Unlike Erlang C the queue is stable for every ``n``.
    """
    n, a, h, pat, t = np.broadcast_arrays(
        _f(agents), _f(load_erlangs), _f(aht_seconds), _f(patience_seconds), _f(answer_seconds)
    )
    shape = n.shape
    prob_wait = np.zeros(shape)
    prob_ab = np.zeros(shape)
    sl = np.ones(shape)
    sl_ans = np.ones(shape)
    # n = 0: nobody answers; every caller waits until they hang up.
    none = (a > 0) & (n <= 0)
    prob_wait[none] = 1.0
    prob_ab[none] = 1.0
    sl[none] = 0.0
    sl_ans[none] = 0.0
    live = (a > 0) & (n > 0)
    if live.any():
        nn, aa, hh, pp, tt = n[live], a[live], h[live], pat[live], t[live]
        x = nn * pp / hh  # n mu / theta
        y = aa * pp / hh  # lambda / theta
        log_p_xy = log_gammainc_lower(x, y)
        log_j = special.gammaln(x + 1.0) + y - x * np.log(y) + log_p_xy
        e = erlang_b(nn, aa)
        # P(W>0) = J E / (1 + (J-1) E) = 1 / (1 + (1/E - 1) / J), computed without overflow.
        with np.errstate(divide="ignore", over="ignore"):
            ratio = np.where(e > 0, (1.0 / e - 1.0) * np.exp(-log_j), np.inf)
        pw = 1.0 / (1.0 + ratio)
        rho = aa / nn
        inv_j = np.exp(-log_j)
        ab_given_wait = np.clip(inv_j / rho + 1.0 - 1.0 / rho, 0.0, 1.0)
        pab = pw * ab_given_wait
        # P(x+1, .) / P(x, y) as log-space ratios.
        r_all = np.exp(log_gammainc_lower(x + 1.0, y) - log_p_xy)
        r_t = np.exp(log_gammainc_lower(x + 1.0, y * np.exp(-tt / pp)) - log_p_xy)
        answered_late_free = (x / y) * np.maximum(r_all - r_t, 0.0)
        s = np.clip(1.0 - pw + pw * answered_late_free, 0.0, 1.0)
        answered = 1.0 - pab
        with np.errstate(divide="ignore", invalid="ignore"):
            s_ans = np.where(answered > 0, np.clip(s / answered, 0.0, 1.0), 0.0)
        prob_wait[live] = pw
        prob_ab[live] = pab
        sl[live] = s
        sl_ans[live] = s_ans
    asa = prob_ab * pat
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(n > 0, np.minimum(a * (1.0 - prob_ab) / n, 1.0), np.where(a > 0, 1.0, 0.0))
    occ = np.where(a > 0, occ, 0.0)
    return ErlangAMetrics(
        prob_wait=np.clip(prob_wait, 0.0, 1.0),
        prob_abandon=np.clip(prob_ab, 0.0, 1.0),
        service_level=sl,
        service_level_answered=sl_ans,
        asa_seconds=asa,
        occupancy=occ,
    )
