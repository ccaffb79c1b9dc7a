"""Profile forecasts: seasonal naive, N-week average, exponentially weighted profile.

Every point model here has the signature ``model(grid, targets, weekdays, settings)``:
``grid`` is the history strictly before the origin, ``targets`` the days to forecast
(naive midnights after the grid), ``weekdays`` the weekday whose pattern each target
follows (its own, or a special day's ``like``), and the result is a
``(len(targets), slots)`` array of expected calls. A weekday never seen in the usable
history forecasts zero (a closed day).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.forecast.grid import DayGrid
from staffing.forecast.settings import ForecastSettings


def same_weekday_rows(grid: DayGrid, weekday: int, n: int) -> np.ndarray:
    """Positions of the last ``n`` usable rows of ``weekday`` (oldest first)."""
    rows = np.flatnonzero(grid.usable & (grid.weekdays == weekday))
    return rows[-n:]


def weighted_profiles(grid: DayGrid, weeks: int, halflife_weeks: float | None) -> np.ndarray:
    """``(7, slots)`` mean calls per weekday and slot over the last ``weeks`` usable days of
    each weekday, weighted ``0.5 ** (age / halflife_weeks)`` (age in occurrences, newest 0)
    or equally when ``halflife_weeks`` is None. Unseen weekdays are zero."""
    out = np.zeros((7, grid.slots))
    for wd in range(7):
        rows = same_weekday_rows(grid, wd, weeks)
        if rows.size == 0:
            continue
        age = np.arange(rows.size)[::-1]
        w = np.ones(rows.size) if halflife_weeks is None else 0.5 ** (age / halflife_weeks)
        out[wd] = w @ grid.values[rows] / w.sum()
    return out


def seasonal_naive(grid: DayGrid, targets: pd.DatetimeIndex, weekdays: np.ndarray, settings: ForecastSettings) -> np.ndarray:
    """Same interval on the last usable day of the same weekday ("same interval last week")."""
    return weighted_profiles(grid, 1, None)[weekdays]


def average4(grid: DayGrid, targets: pd.DatetimeIndex, weekdays: np.ndarray, settings: ForecastSettings) -> np.ndarray:
    """Mean of the same weekday and interval over the last 4 usable weeks."""
    return weighted_profiles(grid, 4, None)[weekdays]


def average8(grid: DayGrid, targets: pd.DatetimeIndex, weekdays: np.ndarray, settings: ForecastSettings) -> np.ndarray:
    """Mean of the same weekday and interval over the last 8 usable weeks."""
    return weighted_profiles(grid, 8, None)[weekdays]


def ewma(grid: DayGrid, targets: pd.DatetimeIndex, weekdays: np.ndarray, settings: ForecastSettings) -> np.ndarray:
    """Exponentially weighted mean of the same weekday and interval (``ewma_halflife_weeks``,
    over ``profile_weeks``)."""
    return weighted_profiles(grid, settings.profile_weeks, settings.ewma_halflife_weeks)[weekdays]
