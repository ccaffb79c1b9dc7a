"""Top-down forecast: daily totals by exponential smoothing times intraday profiles.

Notes
-----
Daily totals of the last ``ets_weeks`` weeks (days without data or excluded days are
filled with their exponentially weighted weekday expectation, so holidays do not
distort the level) are smoothed by Holt-Winters exponential smoothing with weekly
seasonality (``statsmodels.tsa.holtwinters.ExponentialSmoothing``, additive level, no
trend, multiplicative season; additive when some weekday is closed; heuristic
initial states, which fits in a tenth of the time of the MLE start). Each day's total is
spread over the day with the weekday's intraday shares
``s_{w,j} = sum_d v_d y_{d,j} / sum_d v_d y_d`` (exponentially weighted, same weeks as
the profile models).

Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., ch. 8.3.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from staffing.forecast.baselines import weighted_profiles
from staffing.forecast.grid import DayGrid
from staffing.forecast.settings import ForecastSettings


def daily_totals(grid: DayGrid, days: int, settings: ForecastSettings) -> np.ndarray:
    """The last ``days`` daily totals, unusable days replaced by their weekday expectation."""
    profile = weighted_profiles(grid, settings.profile_weeks, settings.ewma_halflife_weeks).sum(axis=1)
    start = max(0, len(grid.dates) - days)
    totals = np.nansum(grid.values[start:], axis=1)
    usable = grid.usable[start:]
    return np.where(usable, totals, profile[grid.weekdays[start:]])


def ets(grid: DayGrid, targets: pd.DatetimeIndex, weekdays: np.ndarray, settings: ForecastSettings) -> np.ndarray:
    """Holt-Winters daily totals x exponentially weighted intraday shares."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    profile = weighted_profiles(grid, settings.profile_weeks, settings.ewma_halflife_weeks)
    day_sum = profile.sum(axis=1, keepdims=True)
    shares = np.divide(profile, day_sum, out=np.zeros_like(profile), where=day_sum > 0)
    totals = daily_totals(grid, 7 * settings.ets_weeks, settings)
    if totals.size < 21 or not np.isfinite(totals).all():
        return profile[weekdays]
    lead = np.asarray((targets - grid.dates[-1]).days, dtype=int)
    steps = int(lead.max()) + 3
    seasonal = "mul" if (totals > 0).all() else "add"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(
            totals, trend=None, seasonal=seasonal, seasonal_periods=7, initialization_method="heuristic"
        ).fit()
        path = np.maximum(np.asarray(fit.forecast(steps), dtype=float), 0.0)
    # The forecast path's weekday at step k is the weekday of (last day + k).
    step_weekday = (grid.weekdays[-1] + np.arange(1, steps + 1)) % 7
    own = weekdays == np.asarray(targets.day_of_week)
    day_total = np.empty(len(targets))
    for i, (k, wd) in enumerate(zip(lead, weekdays, strict=True)):
        if own[i]:
            day_total[i] = path[k - 1]
        else:  # a special day "like" another weekday: that weekday's nearest step
            near = np.flatnonzero(step_weekday == wd)
            day_total[i] = path[near[np.argmin(np.abs(near - (k - 1)))]]
    # Closed weekdays (no history) stay closed whatever the smoother says.
    day_total = np.where(day_sum[weekdays, 0] > 0, day_total, 0.0)
    return shares[weekdays] * day_total[:, None]
