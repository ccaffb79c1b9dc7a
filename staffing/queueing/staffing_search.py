"""Staffing search: the smallest number of agents meeting every service target, per interval.

:func:`required_agents` searches whole (or fractional) agent counts against Erlang C or
Erlang A targets at once, vectorised over intervals. The public import path is
:mod:`staffing.queueing.erlang`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special

from staffing.errors import InvalidArgumentError
from staffing.queueing._numerics import ArrayLike, FloatArray
from staffing.queueing._numerics import as_float_array as _f
from staffing.queueing.erlang_a import erlang_a
from staffing.queueing.erlang_c import erlang_b, offered_load

Model = Literal["erlang-c", "erlang-a"]
# Whether agent counts meet every target: (agents, which intervals) -> one flag per agent count.
_Check = Callable[..., npt.NDArray[np.bool_]]


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


def _bisect_whole_agents(load: FloatArray, max_occupancy: float | None, check: _Check) -> FloatArray:
    """Smallest whole n meeting every target by vectorised bisection (figures are monotone in n)."""
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


def _fractional(whole: FloatArray, load: FloatArray, check: _Check) -> FloatArray:
    """Smallest real n in (N-1, N] meeting every target, by 40 bisection steps."""
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
