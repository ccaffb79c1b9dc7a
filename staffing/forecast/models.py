"""The registry of point models and the ``combo`` average.

Notes
-----
``combo`` is the equally weighted mean of the ``settings.combo`` forecasts; averaging
forecasts with different error sources is routinely more accurate than any one of them
(Bates & Granger 1969; Taylor 2008 on this kind of data).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from staffing.forecast.baselines import average4, average8, ewma, seasonal_naive
from staffing.forecast.glm import negbin, poisson
from staffing.forecast.grid import DayGrid
from staffing.forecast.level import level
from staffing.forecast.month_day import ewma_dom, level_dom
from staffing.forecast.settings import ForecastSettings
from staffing.forecast.topdown import ets

#: ``model(grid, targets, weekdays, settings) -> (len(targets), slots)`` expected calls.
PointModel = Callable[[DayGrid, pd.DatetimeIndex, np.ndarray, ForecastSettings], np.ndarray]


def combo(grid: DayGrid, targets: pd.DatetimeIndex, weekdays: np.ndarray, settings: ForecastSettings) -> np.ndarray:
    """Weighted mean of the ``settings.combo`` models' forecasts (``combo_weights``; equal by default)."""
    parts = [POINT_MODELS[name](grid, targets, weekdays, settings) for name in settings.combo]
    weights = settings.combo_weights or (1.0,) * len(parts)
    return np.average(parts, axis=0, weights=weights)


POINT_MODELS: dict[str, PointModel] = {
    "seasonal_naive": seasonal_naive,
    "average4": average4,
    "average8": average8,
    "ewma": ewma,
    "level": level,
    "ewma_dom": ewma_dom,
    "level_dom": level_dom,
    "ets": ets,
    "poisson": poisson,
    "negbin": negbin,
    "combo": combo,
}
