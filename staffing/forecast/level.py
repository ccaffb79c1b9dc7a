"""Level-adjusted profile: the weekday x interval profile scaled by the recent level.

Notes
-----
The day-ahead idea of Taylor (2008): the intraday shape is stable, the level drifts.
For each of the last ``4 * level_halflife_days`` usable days ``d`` the expectation
``E_d`` is the exponentially weighted same-weekday profile built from the days before
``d`` only, and the level is the weighted ratio of sums

.. math:: L = \\frac{\\sum_d w_d\\, y_d}{\\sum_d w_d\\, E_d}, \\qquad w_d = 0.5^{a_d / h}

with ``y_d`` the day's calls, ``a_d`` its age in days and ``h`` the half-life. A target
``k`` days after the last history day gets ``P_{weekday} * (1 + (L - 1) phi^(k-1))``
(``phi = level_damping``), ``L`` clipped to [0.5, 2].

J. W. Taylor (2008), "A comparison of univariate time series methods for forecasting
intraday arrivals at a call center", Management Science 54(2), 253-265.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.forecast.baselines import weighted_profiles
from staffing.forecast.grid import DayGrid
from staffing.forecast.settings import ForecastSettings


def recent_level(grid: DayGrid, settings: ForecastSettings) -> float:
    """The ratio ``L`` of recent daily calls to their profile expectation (1 when unknown)."""
    window = int(np.ceil(4 * settings.level_halflife_days))
    usable = np.flatnonzero(grid.usable)
    recent = usable[usable >= len(grid.dates) - window]
    if recent.size == 0:
        return 1.0
    num = den = 0.0
    last = len(grid.dates) - 1
    wd = grid.weekdays
    for row in recent:
        mask = grid.usable[:row] & (wd[:row] == wd[row])
        prior = np.flatnonzero(mask)[-settings.profile_weeks :]
        if prior.size == 0:
            continue
        age = np.arange(prior.size)[::-1]
        w = 0.5 ** (age / settings.ewma_halflife_weeks)
        expected = float((w @ grid.values[prior]).sum() / w.sum())
        weight = 0.5 ** ((last - row) / settings.level_halflife_days)
        num += weight * float(np.nansum(grid.values[row]))
        den += weight * expected
    if den <= 0:
        return 1.0
    return float(np.clip(num / den, 0.5, 2.0))


def level(grid: DayGrid, targets: pd.DatetimeIndex, weekdays: np.ndarray, settings: ForecastSettings) -> np.ndarray:
    """Exponentially weighted weekday x interval profile times the damped recent level."""
    profile = weighted_profiles(grid, settings.profile_weeks, settings.ewma_halflife_weeks)
    if len(grid.dates) == 0:
        return profile[weekdays]
    lvl = recent_level(grid, settings)
    lead = np.asarray((targets - grid.dates[-1]).days, dtype=float)
    factor = 1.0 + (lvl - 1.0) * settings.level_damping ** np.maximum(lead - 1.0, 0.0)
    return profile[weekdays] * factor[:, None]
