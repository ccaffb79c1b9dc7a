"""Independent slow references for the Erlang tests (plain Python floats and mpmath).

Nothing here calls ``staffing.queueing.erlang``: Erlang B comes from the textbook recurrence
``B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1))`` (Cooper 1981, eq. 2.4.10) or, in mpmath,
from the defining sums; Erlang A from the truncated birth-death chain of M/M/n+M and the
phase-type virtual waiting time.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
from scipy.linalg import expm


def erlang_b_recurrence(n: int, load: float) -> float:
    b = 1.0
    for k in range(1, n + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c_scalar(n: int, load: float) -> float:
    if load == 0:
        return 0.0
    if n <= load:
        return 1.0
    b = erlang_b_recurrence(n, load)
    return n * b / (n - load * (1 - b))


def sl_scalar(n: int, load: float, aht: float, t: float) -> float:
    if load == 0:
        return 1.0
    if n <= load:
        return 0.0
    return 1.0 - erlang_c_scalar(n, load) * math.exp(-(n - load) * t / aht)


def asa_scalar(n: int, load: float, aht: float) -> float:
    if load == 0:
        return 0.0
    if n <= load:
        return math.inf
    return erlang_c_scalar(n, load) * aht / (n - load)


def required_scalar(load: float, aht: float, t: float, target_sl: float | None, max_asa: float | None,
                    max_occ: float | None) -> int:
    """Smallest n meeting every Erlang C target, stepping n = 0, 1, 2, ... (one interval)."""
    if load == 0:
        return 0
    n = 0
    while True:
        ok = n > load
        if ok and target_sl is not None:
            ok = sl_scalar(n, load, aht, t) >= target_sl * (1 - 1e-12)
        if ok and max_asa is not None:
            ok = asa_scalar(n, load, aht) <= max_asa * (1 + 1e-12)
        if ok and max_occ is not None:
            ok = load / n <= max_occ * (1 + 1e-12)
        if ok:
            return n
        n += 1


def erlang_b_mp(n: int, load: str | float, dps: int = 40) -> mpmath.mpf:
    """Erlang B from its definition, ``(A^n/n!) / sum_k A^k/k!``, summed exactly-ish at ``dps`` digits."""
    with mpmath.workdps(dps):
        a = mpmath.mpf(load)
        term = mpmath.mpf(1)
        total = mpmath.mpf(1)
        for k in range(1, n + 1):
            term = term * a / k
            total += term
        return term / total


def erlang_c_mp(n: int, load: str | float, dps: int = 40) -> mpmath.mpf:
    with mpmath.workdps(dps):
        a = mpmath.mpf(load)
        b = erlang_b_mp(n, load, dps)
        return n * b / (n - a * (1 - b))


def erlang_a_chain(n: int, load: float, aht: float, patience: float, t: float) -> tuple[float, float, float]:
    """``(P(wait), P(abandon), SL of offered calls)`` of M/M/n+M from the truncated chain.

    Stationary distribution of the number in system (birth rate lambda; death rate
    ``min(k, n) mu + max(k - n, 0) theta``), truncated where it is below 1e-18; then, by
    PASTA, an arrival finding ``n + j`` in system has ``j`` callers ahead, and its chance
    of being answered within ``t`` is that of the absorbing chain "position in queue"
    (moves up at ``n mu + i theta`` with ``i`` ahead, answered from position 0 at rate
    ``n mu``, abandons at rate ``theta``), computed by a matrix exponential.
    """
    mu, theta = 1.0 / aht, 1.0 / patience
    lam = load * mu
    log_p = [0.0]
    k = 0
    while True:
        k += 1
        death = min(k, n) * mu + max(k - n, 0) * theta
        log_p.append(log_p[-1] + math.log(lam / death))
        if k > n + 10 and log_p[-1] < max(log_p) - 42:
            break
    logs = np.array(log_p)
    p = np.exp(logs - logs.max())
    p /= p.sum()
    states = np.arange(len(p))
    queue = np.maximum(states - n, 0)
    prob_wait = float(p[states >= n].sum())
    prob_abandon = float(theta * (queue * p).sum() / lam)
    j_max = int(queue.max())
    # Transient states: position j = 0..j_max; absorbing: answered (index j_max+1), abandoned (j_max+2).
    size = j_max + 3
    q = np.zeros((size, size))
    for j in range(j_max + 1):
        if j == 0:
            q[0, j_max + 1] = n * mu
        else:
            q[j, j - 1] = n * mu + j * theta
        q[j, j_max + 2] = theta
        q[j, j] = -q[j].sum()
    answered_by_t = expm(q * t)[: j_max + 1, j_max + 1] if t > 0 else np.zeros(j_max + 1)
    sl = float(p[states < n].sum() + sum(p[n + j] * answered_by_t[j] for j in range(j_max + 1)))
    return prob_wait, prob_abandon, sl
