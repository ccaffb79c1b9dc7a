"""The forecast engine on a :class:`~staffing.forecast.grid.DayGrid`: point model, special
days, model choice by backtest and calibrated intervals. Everything here sees only the
grid rows strictly before the origin (:meth:`DayGrid.before` is the first step)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.forecast.grid import DayGrid
from staffing.forecast.intervals import Dispersion, calibrate, nb_bounds
from staffing.forecast.metrics import wape
from staffing.forecast.models import POINT_MODELS
from staffing.forecast.settings import ForecastSettings, SpecialDay
from staffing.forecast.special_days import like_weekday

#: Daily origins that calibrate a one-day horizon's intervals.
DAY_CALIBRATION_ORIGINS = 14


@dataclass(frozen=True)
class CandidateScore:
    """One candidate's WAPE in ``auto``'s backtest before the origin."""

    model: str
    wape: float


@dataclass(frozen=True)
class DayForecast:
    """Forecast on the day x slot grid (arrays are ``(len(days), slots)``)."""

    days: pd.DatetimeIndex
    calls: np.ndarray
    lower80: np.ndarray
    upper80: np.ndarray
    lower95: np.ndarray
    upper95: np.ndarray
    model: str
    dispersion: Dispersion
    candidates: tuple[CandidateScore, ...] = ()


def point_forecast(
    grid: DayGrid, days: pd.DatetimeIndex, model: str, settings: ForecastSettings, specials: dict[dt.date, SpecialDay]
) -> np.ndarray:
    """Expected calls of ``days`` by ``model`` from ``grid`` (already cut at the origin),
    with special days forecast by their ``like`` weekday and ``factor``."""
    weekdays = np.asarray(days.day_of_week).copy()
    factor = np.ones(len(days))
    for i, day in enumerate(days):
        special = specials.get(day.date())
        if special is not None:
            weekdays[i] = like_weekday(special, int(weekdays[i]))
            factor[i] = special.factor
    raw = POINT_MODELS[model](grid, days, weekdays, settings)
    return np.maximum(np.nan_to_num(raw, nan=0.0) * factor[:, None], 0.0)


def _origins(origin: pd.Timestamp, horizon_days: int, count: int) -> list[tuple[pd.Timestamp, int]]:
    """Earlier ``(origin, days)`` pairs whose targets all end by ``origin``."""
    if horizon_days == 1:
        return [(origin - pd.Timedelta(days=k), 1) for k in range(1, count + 1)]
    span = min(horizon_days, 7)
    return [(origin - pd.Timedelta(days=7 * k), span) for k in range(1, count + 1)]


def backtest_pairs(
    grid: DayGrid, origins: list[tuple[pd.Timestamp, int]], model: str, settings: ForecastSettings,
    specials: dict[dt.date, SpecialDay],
) -> tuple[np.ndarray, np.ndarray]:
    """Actuals and forecasts over usable target days of ``origins`` (each model fit sees
    only ``grid.before(origin)``)."""
    actual: list[np.ndarray] = []
    fcst: list[np.ndarray] = []
    for o, span in origins:
        past = grid.before(o)
        if not past.usable.any():
            continue
        days = pd.date_range(o, periods=span, freq="D")
        pos = grid.dates.get_indexer(days)
        ok = pos >= 0
        ok[ok] = grid.usable[pos[ok]]
        if not ok.any():
            continue
        f = point_forecast(past, days[ok], model, settings, specials)
        actual.append(grid.values[pos[ok]].ravel())
        fcst.append(f.ravel())
    if not actual:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(actual), np.concatenate(fcst)


def choose_model(
    grid: DayGrid, origin: pd.Timestamp, horizon_days: int, settings: ForecastSettings, specials: dict[dt.date, SpecialDay]
) -> tuple[str, tuple[CandidateScore, ...]]:
    """The ``auto_candidates`` model with the lowest WAPE over ``auto_origins`` rolling
    origins before ``origin`` (daily for a one-day horizon, else weekly); ties and
    no-data cases go to the first candidate."""
    origins = _origins(origin, horizon_days, settings.auto_origins)
    scores = []
    for name in settings.auto_candidates:
        a, f = backtest_pairs(grid, origins, name, settings, specials)
        scores.append(CandidateScore(name, wape(a, f) if a.size else float("nan")))
    finite = [s for s in scores if np.isfinite(s.wape)]
    best = min(finite, key=lambda s: s.wape).model if finite else settings.auto_candidates[0]
    return best, tuple(scores)


def forecast_days(
    grid: DayGrid, origin: pd.Timestamp, horizon_days: int, settings: ForecastSettings,
    specials: dict[dt.date, SpecialDay],
) -> DayForecast:
    """Forecast ``horizon_days`` whole days from ``origin`` using only data before it."""
    past = grid.before(origin)
    model: str = settings.model
    candidates: tuple[CandidateScore, ...] = ()
    if model == "auto":
        model, candidates = choose_model(past, origin, horizon_days, settings, specials)
    days = pd.date_range(origin, periods=horizon_days, freq="D")
    calls = point_forecast(past, days, model, settings, specials)
    count = DAY_CALIBRATION_ORIGINS if horizon_days == 1 else settings.interval_calibration_weeks
    a, f = backtest_pairs(past, _origins(origin, horizon_days, count), model, settings, specials)
    disp = calibrate(a, f)
    lo80, hi80 = nb_bounds(calls, disp.alpha80, disp.level80)
    lo95, hi95 = nb_bounds(calls, disp.alpha95, disp.level95)
    return DayForecast(days, calls, lo80, hi80, lo95, hi95, model, disp, candidates)
