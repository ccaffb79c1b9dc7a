"""Day-of-month factor: the recurring monthly cycle (pay days, statements, billing).

Notes
-----
Many centres, banks above all, see the same days of every month busier (the first
working days, salary days) and the end of the month quieter, on top of the weekly cycle.
With ``y_d`` the calls of day ``d`` and ``E_d`` its expectation from the exponentially
weighted same-weekday profile of the days *before* ``d`` (as in ``level``), the factor of
day-of-month ``m`` over the usable days of the last ``dom_months`` months is

.. math::

    M_m = \\frac{1}{R}\\,
          \\frac{\\sum_{j=-1}^{1} k_j N_{m+j} + \\tau \\bar E R}{\\sum_{j=-1}^{1} k_j D_{m+j} + \\tau \\bar E},
    \\qquad N_m = \\sum_{d:\\,dom(d)=m} \\tilde y_d,\\quad D_m = \\sum_{d:\\,dom(d)=m} E_d

with ``~y_d = clip(y_d, E_d / 2, 2 E_d)`` (one odd day cannot dominate), smoothing
weights ``k = (1/4, 1/2, 1/4)`` over neighbouring days of the month (not across month
ends), ``R = sum N / sum D`` the overall ratio (so ``M`` is a pure calendar shape, mean
about 1, and not a level correction), ``E-bar`` the mean daily expectation and
``tau = dom_prior_days`` pseudo-days that shrink a sparsely observed day towards 1. Without
a monthly cycle ``M`` stays near 1 (exactly 1 with under a week of history). ``M`` measures a
day against the profile of the weeks *before* it, which is how the forecast uses it: the
profile at the origin is built from the weeks before the target too (so a month start,
preceded by a quiet month end, gets a little more than its bare calendar effect).

``ewma_dom`` forecasts ``P_{w,j} M_{dom}``; ``level_dom`` multiplies that by the damped
recent level of ``level``, computed against the day-of-month-adjusted expectations
``E_d M_{dom(d)}`` so that a busy month start is not mistaken for a level shift:

.. math:: L = \\frac{\\sum_d w_d y_d}{\\sum_d w_d E_d M_{dom(d)}}, \\qquad
          \\hat y_{t,j} = P_{w(t),j}\\, M_{dom(t)}\\,\\big(1 + (L - 1)\\,\\phi^{k-1}\\big).

A dynamic level times multiplicative calendar effects is the model of Antipov & Meade
(2002), "Forecasting call frequency at a financial services call centre", JORS 53(9),
953-960; for call-centre arrival models in general see Ibrahim, Ye, L'Ecuyer & Shen (2016),
"Modeling and forecasting call center arrivals: a literature survey and a case study",
IJF 32(3), 865-874.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from staffing.forecast.baselines import weighted_profiles
from staffing.forecast.grid import DayGrid
from staffing.forecast.settings import ForecastSettings

#: Weights of the day itself and its neighbours (previous, same, next day of the month).
SMOOTHING = (0.25, 0.5, 0.25)
#: Each day's calls are clipped to this range of its expectation before averaging.
CLIP = (0.5, 2.0)
#: Mean days per month (``dom_months`` months of history are ``30.44 * dom_months`` days).
DAYS_PER_MONTH = 30.44


def prior_expectations(grid: DayGrid, weeks: int, halflife_weeks: float) -> tuple[np.ndarray, np.ndarray]:
    """Daily totals ``y`` and, for every row, the expectation ``E`` from the last ``weeks``
    usable same-weekday rows strictly before it, weighted ``0.5 ** (age / halflife_weeks)``
    (NaN when there is none). Vectorised per weekday."""
    totals = np.nansum(grid.values, axis=1)
    expected = np.full(len(grid.dates), np.nan)
    age = np.arange(weeks)[::-1]
    weights = 0.5 ** (age / halflife_weeks)
    for wd in range(7):
        rows = np.flatnonzero(grid.weekdays == wd)
        used = rows[grid.usable[rows]]
        if used.size == 0:
            continue
        # Window i holds the usable totals of occurrences i - weeks .. i - 1 (NaN padded).
        padded = np.concatenate([np.full(weeks, np.nan), totals[used]])
        windows = sliding_window_view(padded, weeks)
        present = ~np.isnan(windows)
        den = present @ weights
        num = np.where(present, windows, 0.0) @ weights
        mean = np.divide(num, den, out=np.full(den.shape, np.nan), where=den > 0)
        before = np.searchsorted(used, rows)  # usable same-weekday rows before each row
        expected[rows] = mean[before]
    return totals, expected


def day_of_month_factors(grid: DayGrid, settings: ForecastSettings) -> np.ndarray:
    """``(32,)`` factors ``M`` indexed by day of the month (index 0 is unused and 1)."""
    totals, expected = prior_expectations(grid, settings.profile_weeks, settings.ewma_halflife_weeks)
    return _factors(grid, totals, expected, settings)


def _factors(grid: DayGrid, totals: np.ndarray, expected: np.ndarray, settings: ForecastSettings) -> np.ndarray:
    n = len(grid.dates)
    dom = np.asarray(grid.dates.day)
    recent = np.arange(n) >= n - round(DAYS_PER_MONTH * settings.dom_months)
    ok = grid.usable & recent & np.isfinite(expected) & (np.nan_to_num(expected) > 0)
    factors = np.ones(32)
    if not ok.any():
        return factors
    e = expected[ok]
    y = np.clip(totals[ok], CLIP[0] * e, CLIP[1] * e)
    num = np.bincount(dom[ok], weights=y, minlength=33)
    den = np.bincount(dom[ok], weights=e, minlength=33)
    num[0] = den[0] = num[32] = den[32] = 0.0  # padding either side of days 1..31
    prev, same, nxt = SMOOTHING
    snum = prev * num[:-2] + same * num[1:-1] + nxt * num[2:]  # index m - 1 for day m
    sden = prev * den[:-2] + same * den[1:-1] + nxt * den[2:]
    ratio = num.sum() / den.sum()
    prior = settings.dom_prior_days * den.sum() / ok.sum()
    factors[1:] = (snum + prior * ratio) / (sden + prior) / ratio
    return factors


def _recent_level(grid: DayGrid, totals: np.ndarray, expected: np.ndarray, factors: np.ndarray,
                  settings: ForecastSettings) -> float:
    """``L`` of ``level`` against the expectations ``E_d M_{dom(d)}`` (1 when unknown)."""
    n = len(grid.dates)
    window = int(np.ceil(4 * settings.level_halflife_days))
    rows = np.arange(max(0, n - window), n)
    rows = rows[grid.usable[rows] & np.isfinite(expected[rows])]
    if rows.size == 0:
        return 1.0
    w = 0.5 ** ((n - 1 - rows) / settings.level_halflife_days)
    den = float(w @ (expected[rows] * factors[np.asarray(grid.dates.day)[rows]]))
    if den <= 0:
        return 1.0
    return float(np.clip(float(w @ totals[rows]) / den, 0.5, 2.0))


def ewma_dom(grid: DayGrid, targets: pd.DatetimeIndex, weekdays: np.ndarray, settings: ForecastSettings) -> np.ndarray:
    """The ``ewma`` profile times the day-of-month factor of each target day."""
    profile = weighted_profiles(grid, settings.profile_weeks, settings.ewma_halflife_weeks)
    factors = day_of_month_factors(grid, settings)
    return profile[weekdays] * factors[np.asarray(targets.day)][:, None]


def level_dom(grid: DayGrid, targets: pd.DatetimeIndex, weekdays: np.ndarray, settings: ForecastSettings) -> np.ndarray:
    """``ewma_dom`` times the damped recent level measured against day-of-month-adjusted
    expectations."""
    profile = weighted_profiles(grid, settings.profile_weeks, settings.ewma_halflife_weeks)
    if len(grid.dates) == 0:
        return profile[weekdays]
    totals, expected = prior_expectations(grid, settings.profile_weeks, settings.ewma_halflife_weeks)
    factors = _factors(grid, totals, expected, settings)
    lvl = _recent_level(grid, totals, expected, factors, settings)
    lead = np.asarray((targets - grid.dates[-1]).days, dtype=float)
    damped = 1.0 + (lvl - 1.0) * settings.level_damping ** np.maximum(lead - 1.0, 0.0)
    return profile[weekdays] * (factors[np.asarray(targets.day)] * damped)[:, None]
