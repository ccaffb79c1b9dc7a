"""Exact, vectorised queueing formulas: Erlang B, Erlang C (M/M/n) and Erlang A (M/M/n+M).

Every function is a pure numpy function that broadcasts over arrays of intervals; no
pandas, no files. All formulas are evaluated through the regularised incomplete gamma
function (``scipy.special``) in log space, so nothing overflows: results are exact to
float precision for loads of many tens of thousands of Erlangs, and the number of
agents may be fractional (the continuous extension of Erlang B through the gamma
function, Jagerman 1974), which the fractional requirement uses.

Conventions
-----------
``agents`` is the number of agents taking calls (``n``, >= 0, may be fractional),
``load_erlangs`` the offered load ``A = calls * aht_seconds / (60 * interval_minutes)``,
``aht_seconds`` the mean handle time, ``answer_seconds`` the answer-time target ``T`` and
``patience_seconds`` the mean caller patience ``1 / theta``. Service levels and
probabilities are fractions in [0, 1].

Defined results at the edges, never exceptions: zero load needs zero agents and has
service level 1, P(wait) 0, ASA 0; with Erlang C, ``agents <= load`` is an unstable
queue: service level 0, P(wait) 1, ASA ``inf``, occupancy 1.

References
----------
A. K. Erlang (1917); G. Jagerman, "Some properties of the Erlang loss function", Bell
System Technical Journal 53 (1974); O. Garnett, A. Mandelbaum, M. Reiman, "Designing a
call center with impatient customers", M&SOM 4(3) (2002); A. Mandelbaum, S. Zeltyn,
"The Palm/Erlang-A queue, with applications to call centers" (2007 lecture notes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special

from staffing.errors import InvalidArgumentError

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]
Model = Literal["erlang-c", "erlang-a"]

# Below this the regularised incomplete gamma is computed from its power series in
# log space instead (scipy's value would lose relative precision or underflow).
_TINY = 1e-250
_SERIES_MAX_TERMS = 100_000


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _log_series_sum(a: FloatArray, x: FloatArray) -> FloatArray:
    """``log sum_{k>=0} x^k / ((a+1)(a+2)...(a+k))`` for ``x < a + 1`` (Kummer 1F1(1; a+1; x))."""
    total = np.ones_like(x)
    term = np.ones_like(x)
    active = np.ones(x.shape, dtype=bool)
    k = 0
    while active.any() and k < _SERIES_MAX_TERMS:
        k += 1
        term = np.where(active, term * x / (a + k), 0.0)
        total = total + term
        active &= term > 1e-17 * total
    return np.log(total)


def _log_gammainc_lower(a: FloatArray, x: FloatArray) -> FloatArray:
    """Log of the regularised lower incomplete gamma ``P(a, x)`` (``a > 0``, ``x >= 0``).

    Uses scipy's ``gammainc`` where it is comfortably representable and otherwise the
    series ``P(a, x) = x^a e^-x / Gamma(a+1) * sum_k x^k / ((a+1)...(a+k))``
    (Abramowitz & Stegun 6.5.29), which converges fast exactly where P is tiny (x << a).
    """
    a, x = np.broadcast_arrays(_f(a), _f(x))
    with np.errstate(divide="ignore"):
        p = special.gammainc(a, x)
        out = np.log(p)
    small = (p < _TINY) & (x > 0)
    if small.any():
        aa, xx = a[small], x[small]
        out = out.copy()
        out[small] = aa * np.log(xx) - xx - special.gammaln(aa + 1.0) + _log_series_sum(aa, xx)
    return out


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
        bad = ~(q > _TINY) | ~np.isfinite(b)
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
    while active.any() and k < _SERIES_MAX_TERMS:
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
        log_p_xy = _log_gammainc_lower(x, y)
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
        r_all = np.exp(_log_gammainc_lower(x + 1.0, y) - log_p_xy)
        r_t = np.exp(_log_gammainc_lower(x + 1.0, y * np.exp(-tt / pp)) - log_p_xy)
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


@dataclass(frozen=True)
class StaffingRequirement:
    """Required agents per interval and the figures they achieve (arrays of one shape).

    Attributes
    ----------
    agents_net
        Agents needed on the phones (whole, or fractional with ``fractional=True``).
    agents
        Agents to schedule after shrinkage: ``ceil(agents_net / (1 - shrinkage))``
        (``agents_net / (1 - shrinkage)`` when fractional).
    load_erlangs
        Offered load ``A``.
    service_level, prob_wait, asa_seconds, occupancy
        Achieved with ``agents_net`` agents (Erlang A: the service level of offered calls).
    prob_abandon
        Erlang A abandonment fraction; ``None`` for Erlang C.
    """

    agents_net: FloatArray
    agents: FloatArray
    load_erlangs: FloatArray
    service_level: FloatArray
    prob_wait: FloatArray
    asa_seconds: FloatArray
    occupancy: FloatArray
    prob_abandon: FloatArray | None


@dataclass(frozen=True)
class _Metrics:
    service_level: FloatArray
    prob_wait: FloatArray
    asa_seconds: FloatArray
    occupancy: FloatArray
    prob_abandon: FloatArray | None


def _c_metrics_from_b(n: FloatArray, a: FloatArray, h: FloatArray, t: FloatArray, b: FloatArray) -> _Metrics:
    """Erlang C figures from a known Erlang B value (one B evaluation serves them all)."""
    stable = n > a
    live = a > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c = np.where(stable, n * b / (n - a * (1.0 - b)), 1.0)
        c = np.clip(np.where(live, c, 0.0), 0.0, 1.0)
        sl = np.where(stable, 1.0 - c * np.exp(-(n - a) * t / h), 0.0)
        asa = np.where(stable, c * h / (n - a), np.inf)
        occ = np.where(stable, a / n, 1.0)
    return _Metrics(
        service_level=np.clip(np.where(live, sl, 1.0), 0.0, 1.0),
        prob_wait=c,
        asa_seconds=np.where(live, asa, 0.0),
        occupancy=np.where(live, occ, 0.0),
        prob_abandon=None,
    )


def _metrics(
    n: FloatArray, a: FloatArray, h: FloatArray, t: FloatArray, model: Model, patience: FloatArray | None
) -> _Metrics:
    if model == "erlang-a":
        assert patience is not None
        m = erlang_a(n, a, h, patience, t)
        return _Metrics(m.service_level, m.prob_wait, m.asa_seconds, m.occupancy, m.prob_abandon)
    return _c_metrics_from_b(n, a, h, t, erlang_b(n, a))


# Relative slack when comparing an achieved figure with its target, so a target met
# exactly in exact arithmetic (e.g. occupancy 8/10 = 0.8) is not missed by rounding.
_RTOL = 1e-12


def _meets(
    m: _Metrics,
    target_sl: FloatArray | None,
    max_asa_seconds: float | None,
    max_occupancy: float | None,
    max_abandon: float | None,
) -> npt.NDArray[np.bool_]:
    ok = np.ones(m.service_level.shape, dtype=bool)
    if target_sl is not None:
        ok &= m.service_level >= target_sl * (1.0 - _RTOL)
    if max_asa_seconds is not None:
        ok &= m.asa_seconds <= max_asa_seconds * (1.0 + _RTOL)
    if max_occupancy is not None:
        ok &= m.occupancy <= max_occupancy * (1.0 + _RTOL)
    if max_abandon is not None and m.prob_abandon is not None:
        ok &= m.prob_abandon <= max_abandon * (1.0 + _RTOL)
    return ok


def _check_inputs(
    calls: FloatArray,
    aht: FloatArray,
    interval_minutes: FloatArray,
    target_sl: FloatArray | None,
    answer_seconds: FloatArray,
    max_asa_seconds: float | None,
    max_occupancy: float | None,
    model: str,
    patience_seconds: FloatArray | None,
    max_abandon: float | None,
    shrinkage: float,
) -> None:
    def first_bad(values: FloatArray, bad: npt.NDArray[np.bool_]) -> float:
        return float(values[bad].flat[0])

    bad = ~(calls >= 0) | ~np.isfinite(calls)
    if bad.any():
        raise InvalidArgumentError("calls", first_bad(calls, bad), "a finite number >= 0")
    bad = ~(aht > 0) | ~np.isfinite(aht)
    if bad.any():
        raise InvalidArgumentError("aht_seconds", first_bad(aht, bad), "a finite number > 0")
    bad = ~(interval_minutes > 0) | ~np.isfinite(interval_minutes)
    if bad.any():
        raise InvalidArgumentError("interval_minutes", first_bad(interval_minutes, bad), "> 0")
    bad = ~(answer_seconds >= 0) | ~np.isfinite(answer_seconds)
    if bad.any():
        raise InvalidArgumentError("answer_seconds", first_bad(answer_seconds, bad), "a finite number >= 0")
    if target_sl is not None:
        bad = ~((target_sl > 0.0) & (target_sl < 1.0))
        if bad.any():
            raise InvalidArgumentError("target_sl", first_bad(target_sl, bad), "a fraction in (0, 1), e.g. 0.8 for 80%")
    if max_asa_seconds is not None and not max_asa_seconds > 0:
        raise InvalidArgumentError("max_asa_seconds", max_asa_seconds, "> 0")
    if max_occupancy is not None and not 0.0 < max_occupancy <= 1.0:
        raise InvalidArgumentError("max_occupancy", max_occupancy, "a fraction in (0, 1]")
    if not 0.0 <= shrinkage < 1.0:
        raise InvalidArgumentError("shrinkage", shrinkage, "a fraction in [0, 1)")
    if model not in ("erlang-c", "erlang-a"):
        raise InvalidArgumentError("model", model, "'erlang-c' or 'erlang-a'")
    if model == "erlang-a":
        if patience_seconds is None:
            raise InvalidArgumentError("patience_seconds", None, "a mean patience in seconds (> 0) for Erlang A")
        bad = ~(patience_seconds > 0) | ~np.isfinite(patience_seconds)
        if bad.any():
            raise InvalidArgumentError("patience_seconds", first_bad(patience_seconds, bad), "a finite number > 0")
        if max_abandon is not None and not 0.0 < max_abandon < 1.0:
            raise InvalidArgumentError("max_abandon", max_abandon, "a fraction in (0, 1)")
    elif max_abandon is not None:
        raise InvalidArgumentError("max_abandon", max_abandon, "only with model='erlang-a' (Erlang C has no abandonment)")
    if target_sl is None and max_asa_seconds is None and max_occupancy is None and max_abandon is None:
        raise InvalidArgumentError("targets", None, "at least one of target_sl, max_asa_seconds, max_occupancy, max_abandon")


def required_agents(
    calls: ArrayLike,
    aht_seconds: ArrayLike,
    interval_minutes: ArrayLike,
    *,
    target_sl: ArrayLike | None = 0.8,
    answer_seconds: ArrayLike = 20.0,
    max_asa_seconds: float | None = None,
    max_occupancy: float | None = None,
    model: Model = "erlang-c",
    patience_seconds: ArrayLike | None = None,
    max_abandon: float | None = None,
    shrinkage: float = 0.0,
    fractional: bool = False,
) -> StaffingRequirement:
    """Smallest number of agents meeting every target at once, per interval.

    Parameters
    ----------
    calls
        Calls offered per interval (>= 0).
    aht_seconds
        Average handle time (s, > 0).
    interval_minutes
        Interval length (min, > 0).
    target_sl
        Service-level target: fraction of calls answered within ``answer_seconds``,
        in (0, 1); ``None`` for no SL target. An array broadcasts against the intervals
        (e.g. ten targets x one week in one call).
    answer_seconds
        Answer-time target ``T`` (s, >= 0; 0 means "answered without waiting").
    max_asa_seconds
        Cap on the average speed of answer (s).
    max_occupancy
        Cap on occupancy, in (0, 1].
    model
        ``"erlang-c"`` (M/M/n) or ``"erlang-a"`` (M/M/n+M, needs ``patience_seconds``).
    patience_seconds
        Mean caller patience (s) for Erlang A.
    max_abandon
        Cap on the abandonment fraction (Erlang A only).
    shrinkage
        Fraction of paid time agents are not available for calls, in [0, 1).
    fractional
        Return the continuous requirement instead of whole agents.

    Returns
    -------
    StaffingRequirement

    Raises
    ------
    InvalidArgumentError
        Negative calls, AHT <= 0, a target outside its domain, shrinkage outside [0, 1),
        Erlang A without patience.

    Notes
    -----
    Every figure is monotone in ``n``, so the whole-agent answer is found by a
    vectorised bisection on ``n`` between a failing and a meeting bound. Zero calls need
    zero agents. Shrinkage: ``agents = ceil(agents_net / (1 - shrinkage))`` (the only
    rounding rule; a value within 1e-9 of a whole number is taken as that number so
    ``7 / 0.7`` gives 10, not 11). The fractional requirement is the smallest real
    ``n`` meeting every target under the gamma-function extension of Erlang B
    (Jagerman 1974), found by bisection between ``N - 1`` and ``N``; it is never above
    the whole-agent answer and is not rounded after shrinkage.
    """
    tsl_in = _f(0.5 if target_sl is None else target_sl)
    pat_in = _f(1.0 if patience_seconds is None else patience_seconds)
    calls_a, aht_a, im_a, t_a, tsl_b, pat_b = np.broadcast_arrays(
        _f(calls), _f(aht_seconds), _f(interval_minutes), _f(answer_seconds), tsl_in, pat_in
    )
    shape = calls_a.shape
    pat_a: FloatArray | None = None if patience_seconds is None else pat_b.ravel()
    tsl: FloatArray | None = None if target_sl is None else tsl_b.ravel()
    calls_a, aht_a, im_a, t_a = (np.ravel(v) for v in (calls_a, aht_a, im_a, t_a))
    _check_inputs(
        calls_a, aht_a, im_a, tsl, t_a, max_asa_seconds, max_occupancy, model, pat_a, max_abandon, shrinkage
    )
    load = offered_load(calls_a, aht_a, im_a)

    def meets(n: FloatArray, idx: npt.NDArray[np.bool_] | slice = slice(None)) -> npt.NDArray[np.bool_]:
        m = _metrics(n, load[idx], aht_a[idx], t_a[idx], model, None if pat_a is None else pat_a[idx])
        return _meets(m, None if tsl is None else tsl[idx], max_asa_seconds, max_occupancy, max_abandon)

    b_net: FloatArray | None = None
    if model == "erlang-c":
        hi, b_net = _erlang_c_whole_agents(load, aht_a, t_a, tsl, max_asa_seconds, max_occupancy)
    else:
        hi = _bisect_whole_agents(load, max_occupancy, meets)
    net = hi
    if fractional:
        net = _fractional(net, load, meets)
    if b_net is not None and not fractional:  # Erlang B at n is known from the search
        m = _c_metrics_from_b(net, load, aht_a, t_a, b_net)
    else:
        m = _metrics(net, load, aht_a, t_a, model, pat_a)
    if fractional:
        gross = net / (1.0 - shrinkage)
    else:
        gross = np.ceil(net / (1.0 - shrinkage) - 1e-9) + 0.0  # + 0.0 turns -0.0 into 0.0
    return StaffingRequirement(
        agents_net=net.reshape(shape),
        agents=gross.reshape(shape),
        load_erlangs=load.reshape(shape),
        service_level=m.service_level.reshape(shape),
        prob_wait=m.prob_wait.reshape(shape),
        asa_seconds=m.asa_seconds.reshape(shape),
        occupancy=m.occupancy.reshape(shape),
        prob_abandon=None if m.prob_abandon is None else m.prob_abandon.reshape(shape),
    )


def _erlang_c_whole_agents(
    load: FloatArray,
    aht: FloatArray,
    answer_seconds: FloatArray,
    target_sl: FloatArray | None,
    max_asa_seconds: float | None,
    max_occupancy: float | None,
) -> tuple[FloatArray, FloatArray]:
    """Smallest whole n meeting the Erlang C targets, and Erlang B at that n.

    Start from a square-root-staffing guess ``A + c sqrt(A)`` (Halfin & Whitt 1981;
    ``c = 0.6 max(Phi^-1(target), 0)``, never below the first stable n nor the occupancy
    bound), evaluate B there exactly, then walk one agent at a time with the exact
    recurrences ``B(n+1) = A B(n) / (n + 1 + A B(n))`` upwards where a target is missed
    and ``B(n-1) = n B(n) / (A (1 - B(n)))`` downwards while n - 1 still meets them
    (Cooper 1981). The guess only saves steps; the walk makes the answer exact.
    """
    live = load > 0
    lowest = np.where(live, np.floor(load) + 1.0, 0.0)
    if max_occupancy is not None:
        lowest = np.maximum(lowest, np.ceil(load / max_occupancy * (1.0 - _RTOL)))
    c_guess = 0.0 if target_sl is None else 0.6 * np.maximum(special.ndtri(np.clip(target_sl, 1e-12, 1 - 1e-12)), 0.0)
    n = np.where(live, np.maximum(lowest, np.ceil(load + c_guess * np.sqrt(load))), 0.0)
    b = erlang_b(n, load)
    result = n.copy()
    result_b = b.copy()
    idx = np.flatnonzero(live)
    n, b, low = n[idx], b[idx], lowest[idx]
    a, h, t = load[idx], aht[idx], answer_seconds[idx]
    floor = np.zeros(idx.size) if target_sl is None else target_sl[idx] * (1.0 - _RTOL)
    asa_cap = None if max_asa_seconds is None else max_asa_seconds * (1.0 + _RTOL)

    def meets(n: FloatArray, b: FloatArray, a: FloatArray, h: FloatArray, t: FloatArray,
              floor: FloatArray) -> npt.NDArray[np.bool_]:
        # Every queue here is stable (n > A > 0) and occupancy holds from `lowest` up.
        c = n * b / (n - a * (1.0 - b))
        ok = np.ones(n.size, dtype=bool)
        if target_sl is not None:
            ok &= 1.0 - c * np.exp(-(n - a) * t / h) >= floor
        if asa_cap is not None:
            ok &= c * h / (n - a) <= asa_cap
        return ok

    ok = meets(n, b, a, h, t, floor)
    # Downwards: intervals whose guess already meets every target.
    down = np.flatnonzero(ok)
    dn, db, da, dh, dt_, df, dlow = n[down], b[down], a[down], h[down], t[down], floor[down], low[down]
    while down.size:
        can = dn - 1.0 >= dlow
        pb = np.where(can, dn * db / (da * (1.0 - db)), db)
        step = can & meets(np.where(can, dn - 1.0, dn), pb, da, dh, dt_, df)
        if not step.any():
            break
        dn, db = np.where(step, dn - 1.0, dn), np.where(step, pb, db)
        keep = step
        result[idx[down[~keep]]] = dn[~keep]
        result_b[idx[down[~keep]]] = db[~keep]
        down, dn, db, da, dh, dt_, df, dlow = (down[keep], dn[keep], db[keep], da[keep], dh[keep], dt_[keep],
                                               df[keep], dlow[keep])
    result[idx[down]] = dn
    result_b[idx[down]] = db
    # Upwards: the rest.
    up = ~ok
    idx, n, b, a, h, t, floor = idx[up], n[up], b[up], a[up], h[up], t[up], floor[up]
    while idx.size:
        b = a * b / (n + 1.0 + a * b)
        n = n + 1.0
        ok = meets(n, b, a, h, t, floor)
        if ok.any():
            result[idx[ok]] = n[ok]
            result_b[idx[ok]] = b[ok]
            keep = ~ok
            idx, n, b, a, h, t, floor = idx[keep], n[keep], b[keep], a[keep], h[keep], t[keep], floor[keep]
    return result, result_b


def _bisect_whole_agents(load: FloatArray, max_occupancy: float | None, meets: object) -> FloatArray:
    """Smallest whole n meeting every target by vectorised bisection (figures are monotone in n)."""
    from collections.abc import Callable

    assert callable(meets)
    check: Callable[..., npt.NDArray[np.bool_]] = meets
    lo = np.full(load.shape, -1.0)  # -1: "zero agents may do"
    hi = np.maximum(np.ceil(load + 4.0 * np.sqrt(load) + 4.0), 1.0)
    if max_occupancy is not None:
        hi = np.maximum(hi, np.ceil(load / max_occupancy) + 1.0)
    hi = np.where(load > 0, hi, 0.0)
    for _ in range(64):
        bad = ~check(hi)
        if not bad.any():
            break
        lo = np.where(bad, hi, lo)
        hi = np.where(bad, hi * 2.0 + 1.0, hi)
    while True:
        gap = hi - lo > 1.0
        if not gap.any():
            return hi
        mid = np.floor((lo + hi) / 2.0)
        ok = np.zeros(load.shape, dtype=bool)
        ok[gap] = check(np.maximum(mid[gap], 0.0), gap)
        hi = np.where(gap & ok, mid, hi)
        lo = np.where(gap & ~ok, mid, lo)


def _fractional(
    whole: FloatArray, load: FloatArray, meets: object
) -> FloatArray:
    """Smallest real n in (N-1, N] meeting every target, by 40 bisection steps."""
    from collections.abc import Callable

    assert callable(meets)
    check: Callable[..., npt.NDArray[np.bool_]] = meets
    lo = np.maximum(whole - 1.0, 0.0)
    hi = whole.copy()
    live = whole > 0
    if not live.any():
        return hi
    # Erlang C is unstable at n <= A, so the continuous answer lies above the load.
    lo = np.where(live, lo, 0.0)
    for _ in range(40):  # 2^-40 of an agent
        mid = (lo + hi) / 2.0
        ok = np.zeros(load.shape, dtype=bool)
        ok[live] = check(mid[live], live)
        hi = np.where(live & ok, mid, hi)
        lo = np.where(live & ~ok, mid, lo)
    return hi
