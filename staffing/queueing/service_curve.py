"""Service curves: expected calls answered within the target as a function of agents.

The roster's service objective maximises, over the week, the calls answered within the
target time. Per interval that is a function of the agents on the phones, which this
module computes exactly from the Erlang engine (:func:`answered_within`), in expectation
over the forecast's own uncertainty (:func:`expected_answered_within`), and turns into
the concave piecewise-linear curve a linear program can maximise
(:func:`concave_envelope`, :func:`service_curve`). Pure numpy: arrays in, arrays out.

Conventions are those of :mod:`staffing.queueing.erlang`: ``calls`` per interval,
``aht_seconds``, ``answer_seconds``, ``interval_minutes``, ``patience_seconds``; agents
are *on the phones* (net of shrinkage) except where a name says ``head``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from staffing.errors import InvalidArgumentError
from staffing.queueing._numerics import ArrayLike, FloatArray
from staffing.queueing._numerics import as_float_array as _f
from staffing.queueing.erlang_a import erlang_a
from staffing.queueing.erlang_c import service_level
from staffing.queueing.staffing_search import Model

#: Gauss-Legendre nodes of the expectation over the arrival rate (see
#: :func:`expected_answered_within`; 24 nodes: below 3e-9 relative error for alpha in [0.005, 1]).
DEFAULT_NODES = 24
#: Probability left out in each tail of the arrival-rate distribution by the quadrature.
TAIL = 1e-12
#: Dispersions below this are treated as none (the rate is the point forecast).
MIN_ALPHA = 1e-9
# Upper bound on the elements of one (rows, K, K) slope block of the hull.
_HULL_BLOCK = 4_000_000


def _clean_aht(calls: FloatArray, aht_seconds: FloatArray) -> FloatArray:
    """Closed intervals may carry no AHT; with no calls it is irrelevant (1 s)."""
    return np.where((calls == 0) & ~(aht_seconds > 0), 1.0, aht_seconds)


def _check(model: str, patience_seconds: float | None) -> None:
    if model not in ("erlang-c", "erlang-a"):
        raise InvalidArgumentError("model", model, "erlang-c or erlang-a")
    if model == "erlang-a" and patience_seconds is None:
        raise InvalidArgumentError("patience_seconds", None, "the mean caller patience (s) with erlang-a")


def answered_within(
    agents_on_phone: ArrayLike,
    calls: ArrayLike,
    aht_seconds: ArrayLike,
    answer_seconds: float,
    interval_minutes: float,
    model: Model = "erlang-c",
    patience_seconds: float | None = None,
) -> FloatArray:
    """Expected calls answered within ``answer_seconds`` per interval and agent count.

    Parameters
    ----------
    agents_on_phone
        ``(K,)`` agents taking calls ``n`` (>= 0, may be fractional).
    calls
        ``(T,)`` calls offered per interval (the Poisson arrival rate times the interval).
    aht_seconds
        ``(T,)`` mean handle time (s); ignored (may be NaN) where ``calls`` is 0.
    answer_seconds
        Answer-time target ``T`` (s).
    interval_minutes
        Interval length (min).
    model
        ``erlang-c`` or ``erlang-a``.
    patience_seconds
        Mean caller patience (s), required by Erlang A.

    Returns
    -------
    numpy.ndarray
        ``(T, K)`` expected calls answered within the target, in ``[0, calls]``.

    Notes
    -----
    Erlang C: ``calls * SL_C(n, A)`` with ``A = calls * AHT / (60 * interval_minutes)``
    and ``SL_C = 1 - C(n, A) exp(-(n - A) T / AHT)`` for ``n > A``, 0 for ``n <= A``
    (no steady state: the queue grows without bound; Cooper 1981, eq. 3.5.12).
    Erlang A: ``calls * SL_A(n, A)`` where ``SL_A`` is
    :attr:`~staffing.queueing.erlang_a.ErlangAMetrics.service_level`, the fraction of
    *offered* calls answered within ``T`` and before hanging up (abandoned calls are
    misses; Mandelbaum & Zeltyn 2007). Both tend to ``calls`` as ``n`` grows. Steady
    state within each interval is assumed, as in the requirement.
    """
    n = _f(agents_on_phone)
    lam = _f(calls)
    if n.ndim != 1 or lam.ndim != 1:
        raise InvalidArgumentError("answered_within", (n.shape, lam.shape), "(K,) agents and (T,) calls")
    _check(model, patience_seconds)
    aht = _clean_aht(lam, np.broadcast_to(_f(aht_seconds), lam.shape))
    load = lam * aht / (60.0 * float(interval_minutes))
    return lam[:, None] * _sl(n[None, :], load[:, None], aht[:, None], answer_seconds, model, patience_seconds)


def _sl(
    n: FloatArray, load: FloatArray, aht: FloatArray, answer_seconds: float, model: str, patience: float | None
) -> FloatArray:
    if model == "erlang-a":
        assert patience is not None
        return erlang_a(n, load, aht, patience, answer_seconds).service_level
    return service_level(n, load, aht, answer_seconds)


def rate_quantile(calls: ArrayLike, dispersion_alpha: ArrayLike, level: float) -> FloatArray:
    """The ``level`` quantile of the arrival rate ``Lambda ~ Gamma(1/alpha, alpha * calls)``.

    Notes
    -----
    The forecast's negative binomial (mean ``mu``, ``Var = mu + alpha mu^2``, see
    :mod:`staffing.forecast.intervals`) is the Poisson-gamma mixture with rate
    ``Lambda ~ Gamma(shape 1/alpha, scale alpha mu)`` (Cameron & Trivedi 2013, 4.2.2);
    ``alpha = 0`` is a known rate (the quantile is ``mu``).
    """
    mu = np.maximum(_f(calls), 0.0)
    alpha = np.broadcast_to(_f(dispersion_alpha), mu.shape)
    if not 0.0 < level < 1.0:
        raise InvalidArgumentError("risk_level", level, "a probability in (0, 1)")
    out = mu.copy()
    mixed = (alpha > MIN_ALPHA) & (mu > 0)
    shape = 1.0 / alpha[mixed]
    out[mixed] = special.gammaincinv(shape, level) * alpha[mixed] * mu[mixed]
    return out


def expected_answered_within(
    agents_on_phone: ArrayLike,
    calls: ArrayLike,
    aht_seconds: ArrayLike,
    answer_seconds: float,
    interval_minutes: float,
    model: Model = "erlang-c",
    patience_seconds: float | None = None,
    dispersion_alpha: ArrayLike = 0.0,
    nodes: int = DEFAULT_NODES,
) -> FloatArray:
    """Expected calls answered within the target when the arrival rate is uncertain.

    Parameters
    ----------
    agents_on_phone, calls, aht_seconds, answer_seconds, interval_minutes, model, patience_seconds
        As in :func:`answered_within`; ``calls`` is the forecast mean ``mu``.
    dispersion_alpha
        Scalar or ``(T,)`` NB2 dispersion ``alpha`` of the forecast (``Var = mu + alpha
        mu^2``, :class:`staffing.forecast.intervals.Dispersion`); 0 gives
        :func:`answered_within`.
    nodes
        Gauss-Legendre nodes per interval and agent count.

    Returns
    -------
    numpy.ndarray
        ``(T, K)`` ``E_Lambda[Lambda SL(n, Lambda AHT / (60 interval_minutes))]``.

    Notes
    -----
    The forecast's negative binomial for the calls of an interval is a Poisson count
    with a gamma-distributed rate, ``Lambda ~ Gamma(k = 1/alpha, theta = alpha mu)``
    (mean ``mu``, relative error ``sqrt(alpha)``; Cameron & Trivedi 2013, 4.2.2). Given
    the rate, the Erlang formula already accounts for the Poisson noise, so the
    expectation is over the *rate*, not over the count (averaging the Erlang curve over
    NB counts would count the Poisson noise twice)::

        E[answered(n)] = int Lambda SL(n, Lambda c) g(Lambda) dLambda,   c = AHT / (60 I)

    computed by Gauss-Legendre on ``[q_lo, q_hi]``, the ``TAIL`` and ``1 - TAIL``
    quantiles of the gamma. The Erlang C integrand has a kink at ``Lambda* = n / c``
    (service drops to 0 as the load reaches ``n``) and is 0 beyond, so its rule runs on
    ``[q_lo, min(q_hi, Lambda*)]``: the integrand is smooth on every rule's range and
    the rule converges geometrically: against adaptive integration (``scipy.integrate.quad``)
    of the same integral, 24 nodes are within 3e-9 relative for ``alpha`` in
    [0.005, 1] (9 nodes: 5e-2, 16 nodes: 9e-5, as the range spans +-7 standard
    deviations). Very dispersed forecasts (``alpha >= 2``, shape ``k <= 1/2``: a pole of
    the density at 0) converge slower: about 1e-4 x calls absolute with 24 nodes.
    """
    n = _f(agents_on_phone)
    mu = np.maximum(_f(calls), 0.0)
    alpha = np.broadcast_to(_f(dispersion_alpha), mu.shape)
    if np.any(~(alpha >= 0)):
        raise InvalidArgumentError("dispersion_alpha", alpha, "a dispersion >= 0")
    out = answered_within(n, mu, aht_seconds, answer_seconds, interval_minutes, model, patience_seconds)
    mixed = (alpha > MIN_ALPHA) & (mu > 0)
    if not mixed.any():
        return out
    aht = _clean_aht(mu, np.broadcast_to(_f(aht_seconds), mu.shape))[mixed]
    c = aht / (60.0 * float(interval_minutes))  # load per unit rate
    shape = 1.0 / alpha[mixed]
    theta = alpha[mixed] * mu[mixed]
    lo = special.gammaincinv(shape, TAIL) * theta
    hi = special.gammainccinv(shape, TAIL) * theta
    lo_b, hi_b = lo[:, None], np.broadcast_to(hi[:, None], (lo.size, n.size))
    if model == "erlang-c":
        hi_b = np.minimum(hi_b, n[None, :] / c[:, None])
    width = np.maximum(hi_b - lo_b, 0.0)  # (M, K)
    x, w = np.polynomial.legendre.leggauss(nodes)
    lam = lo_b[..., None] + width[..., None] * (x + 1.0) / 2.0  # (M, K, m)
    log_pdf = ((shape - 1.0)[:, None, None] * np.log(lam) - lam / theta[:, None, None]
               - (special.gammaln(shape) + shape * np.log(theta))[:, None, None])
    weight = width[..., None] / 2.0 * w * np.exp(log_pdf)
    sl = _sl(n[None, :, None], (lam * c[:, None, None]), aht[:, None, None], answer_seconds, model,
             patience_seconds)
    out[mixed] = np.sum(weight * lam * sl, axis=-1)
    return out


def concave_envelope(x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, np.ndarray]:
    """Upper concave envelope of each row of ``y`` over the common abscissae ``x``.

    Parameters
    ----------
    x
        ``(K,)`` strictly increasing abscissae.
    y
        ``(T, K)`` values.

    Returns
    -------
    envelope : numpy.ndarray
        ``(T, K)`` the least concave majorant of each row evaluated at ``x``.
    vertices : numpy.ndarray
        ``(T, K)`` bool, the breakpoints of each envelope: its hull vertices, collinear
        points dropped (the first and last points are always kept).

    Notes
    -----
    Jarvis's march on the upper hull, vectorised over rows: from vertex ``i`` the next
    vertex is the farthest ``j > i`` of largest slope ``(y_j - y_i) / (x_j - x_i)``
    (slopes within ``1e-12`` relative of the largest count as equal, which drops
    collinear points). The slope matrices are built in row blocks of bounded size.
    """
    xs = _f(x)
    ys = np.atleast_2d(_f(y))
    if xs.ndim != 1 or ys.shape[1] != xs.size or np.any(np.diff(xs) <= 0):
        raise InvalidArgumentError("concave_envelope", (xs.shape, ys.shape), "(K,) increasing x and (T, K) y")
    t, k = ys.shape
    env = ys.copy()
    verts = np.zeros((t, k), dtype=bool)
    if k == 0 or t == 0:
        return env, verts
    verts[:, 0] = True
    verts[:, -1] = True
    if k <= 2:
        return env, verts
    block = max(1, _HULL_BLOCK // (k * k))
    dx = xs[None, :] - xs[:, None]  # (K, K): x_j - x_i
    upper = dx > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_dx = np.where(upper, 1.0 / dx, 0.0)
    cols = np.arange(k)
    for start in range(0, t, block):
        yb = ys[start:start + block]
        slope = np.where(upper, (yb[:, None, :] - yb[:, :, None]) * inv_dx, -np.inf)  # (B, K, K)
        best = slope.max(axis=2, keepdims=True)
        tie = slope >= best - 1e-12 * np.maximum(np.abs(best), 1.0)
        nxt = k - 1 - np.argmax(tie[:, :, ::-1], axis=2)  # farthest j of (near) largest slope
        nxt[:, -1] = k - 1
        rows = np.arange(yb.shape[0])
        cur = np.zeros(yb.shape[0], dtype=int)
        vb = np.zeros(yb.shape, dtype=bool)
        vb[:, 0] = True
        while np.any(cur < k - 1):
            cur = nxt[rows, cur]
            vb[rows, cur] = True
        # Interpolate between consecutive vertices.
        left = np.maximum.accumulate(np.where(vb, cols, 0), axis=1)
        right = nxt[rows[:, None], left]
        right = np.where(vb & (cols == k - 1), cols, right)
        xl, xr = xs[left], xs[right]
        yl = np.take_along_axis(yb, left, axis=1)
        yr = np.take_along_axis(yb, right, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(xr > xl, (xs[None, :] - xl) / (xr - xl), 0.0)
        env[start:start + block] = np.where(vb, yb, yl + frac * (yr - yl))
        verts[start:start + block] = vb
    return env, verts


@dataclass(frozen=True)
class ServiceCurve:
    """Concave piecewise-linear service curves of a set of intervals (arrays, no pandas).

    Attributes
    ----------
    agents_head
        ``(T, K)`` breakpoints in scheduled head count, ``n / (1 - shrinkage)``: strictly
        increasing, the first 0. Rows with fewer envelope vertices than ``K`` are padded
        with flat points one head count apart beyond their last vertex.
    agents_on_phone
        ``(T, K)`` the same breakpoints in agents on the phones ``n``.
    answered
        ``(T, K)`` the concave envelope of the expected calls answered within target.
    calls
        ``(T,)`` the calls the curve tends to (the forecast mean, or the arrival-rate
        quantile with a risk level).
    over_credit
        ``(T,)`` the largest excess of the envelope over the exact expected curve on the
        integer grid ``n = 0..N`` (calls): the credit of the S-shaped part.
    residual
        ``(T,)`` ``calls - answered`` at each row's last breakpoint: what the flat
        extension beyond it under-credits (at most ``rtol * calls`` unless capped).
    """

    agents_head: FloatArray
    agents_on_phone: FloatArray
    answered: FloatArray
    calls: FloatArray
    over_credit: FloatArray
    residual: FloatArray


def service_curve(
    calls: ArrayLike,
    aht_seconds: ArrayLike,
    answer_seconds: float,
    interval_minutes: float,
    model: Model = "erlang-c",
    patience_seconds: float | None = None,
    shrinkage: ArrayLike = 0.0,
    dispersion_alpha: ArrayLike = 0.0,
    risk_level: float | None = None,
    rtol: float = 1e-6,
    max_agents: int | None = None,
    nodes: int = DEFAULT_NODES,
) -> ServiceCurve:
    """The concave piecewise-linear service curve of each interval, in head count.

    Parameters
    ----------
    calls, aht_seconds, answer_seconds, interval_minutes, model, patience_seconds
        As in :func:`answered_within` (``(T,)`` calls and AHT).
    shrinkage
        Scalar or ``(T,)`` fraction of scheduled time off the phones, in [0, 1).
    dispersion_alpha
        Scalar or ``(T,)`` NB2 dispersion of the forecast (0: the rate is known).
    risk_level
        ``None``: the curve is the expectation over the arrival rate
        (:func:`expected_answered_within`). A probability ``q``: the curve of a known
        rate at the ``q`` quantile of the rate (:func:`rate_quantile`), a planner's
        cautious choice (``0.8``: plan for a busier interval than 4 in 5).
    rtol
        The grid ``n = 0..N`` runs until every row is within ``rtol * calls`` of
        ``calls``; each row keeps its breakpoints up to its own such ``n``.
    max_agents
        Cap on ``N`` (agents on the phones); default ``4 * max(load) + 40``.
    nodes
        Quadrature nodes (:func:`expected_answered_within`).

    Returns
    -------
    ServiceCurve

    Notes
    -----
    The exact curve ``f(n)`` is built from the expectation over the rate *first*, then
    replaced by its upper concave envelope (:func:`concave_envelope`), which a linear
    program can maximise with one variable per segment. Erlang C's curve is S-shaped:
    0 up to ``n = A`` (no steady state), then convex, then concave, so the envelope
    credits more than the queue delivers below the inflection (a straight chord from
    ``(0, 0)``). Atlason, Epelman & Henderson (2004), "Call center staffing with
    simulation and cutting plane methods", Ann. Oper. Res. 127, meet the same
    non-concavity in their cutting-plane method, whose cuts are only valid where the
    service function is concave. The approximation matters only where an optimum would
    staff an interval at or below its load, which it never does when service counts:
    the envelope is exact at its vertices, and :attr:`ServiceCurve.over_credit` reports
    the largest excess per interval. The uncertainty smooths the S (the expectation
    over the rate is concave over a wider range), so it also shrinks the over-credit.
    Breakpoints convert to head count as ``n / (1 - shrinkage)`` (agents on the
    phones are the expected share of the scheduled head count).
    """
    _check(model, patience_seconds)
    mu = np.maximum(_f(calls), 0.0)
    if mu.ndim != 1:
        raise InvalidArgumentError("calls", mu.shape, "(T,) calls")
    t = mu.size
    aht = _clean_aht(mu, np.broadcast_to(_f(aht_seconds), mu.shape).astype(float))
    shrink = np.broadcast_to(_f(shrinkage), mu.shape)
    if np.any(~(shrink >= 0) | ~(shrink < 1)):
        raise InvalidArgumentError("shrinkage", shrink, "a fraction in [0, 1)")
    alpha = np.broadcast_to(_f(dispersion_alpha), mu.shape)
    if risk_level is not None:
        mu = rate_quantile(mu, alpha, risk_level)
        alpha = np.zeros(t)
    load = mu * aht / (60.0 * float(interval_minutes))
    # Grid end: the upper rate quantile of the tolerance plus a square-root safety margin.
    top = rate_quantile(mu, alpha, 1.0 - rtol) * aht / (60.0 * float(interval_minutes)) if t else load
    peak = float(np.max(top, initial=0.0))
    cap = max_agents if max_agents is not None else int(np.ceil(4.0 * float(np.max(load, initial=0.0)) + 40))
    n_max = int(min(cap, np.ceil(peak + 8.0 * np.sqrt(peak) + 20.0)))
    grid = np.arange(n_max + 1, dtype=float)
    exact = expected_answered_within(grid, mu, aht, answer_seconds, interval_minutes, model, patience_seconds,
                                     alpha, nodes)
    exact = np.minimum(np.maximum.accumulate(exact, axis=1), mu[:, None])  # rounding noise only
    env, verts = concave_envelope(grid, exact)
    over_credit = np.max(env - exact, axis=1, initial=0.0)
    # Each row ends at its first n within rtol * calls of the limit (a vertex from there on).
    close = (mu[:, None] - env) <= rtol * mu[:, None]
    last = np.where(close.any(axis=1), np.argmax(close, axis=1), n_max)
    keep = verts & (np.arange(n_max + 1)[None, :] <= last[:, None])
    keep[np.arange(t), last] = True
    counts = keep.sum(axis=1)
    width = int(np.max(counts, initial=1))
    n_out = np.empty((t, width))
    y_out = np.empty((t, width))
    for i in range(t):  # ragged rows -> padded rectangle (cheap: T small rows)
        idx = np.flatnonzero(keep[i])
        pad = width - idx.size
        n_out[i] = np.concatenate([grid[idx], grid[idx[-1]] + np.arange(1, pad + 1)])
        y_out[i] = np.concatenate([env[i, idx], np.full(pad, env[i, idx[-1]])])
    residual = mu - y_out[:, -1]
    return ServiceCurve(
        agents_head=n_out / (1.0 - shrink[:, None]),
        agents_on_phone=n_out,
        answered=y_out,
        calls=mu,
        over_credit=over_credit,
        residual=residual,
    )
