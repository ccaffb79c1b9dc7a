"""Interval forecasting: baselines, top-down ETS, GLMs, level-adjusted and day-of-month profiles, combos,
holidays, AHT, calibrated prediction intervals, rolling-origin backtests, intraday update.

Entry points: :func:`forecast`, :func:`backtest`, :func:`reforecast_intraday`,
:class:`ForecastSettings`.
"""

from staffing.forecast.api import (
    FORECAST_COLUMNS,
    ForecastOutput,
    QueueForecast,
    forecast,
    parse_horizon,
)
from staffing.forecast.backtest import (
    BACKTEST_COLUMNS,
    BacktestResult,
    ModelScore,
    backtest,
    parse_models,
)
from staffing.forecast.intraday import IntradaySettings, reforecast_intraday
from staffing.forecast.settings import MODEL_NAMES, ForecastSettings, SpecialDay

__all__ = [
    "BACKTEST_COLUMNS",
    "FORECAST_COLUMNS",
    "MODEL_NAMES",
    "BacktestResult",
    "ForecastOutput",
    "ForecastSettings",
    "IntradaySettings",
    "ModelScore",
    "QueueForecast",
    "SpecialDay",
    "backtest",
    "forecast",
    "parse_horizon",
    "parse_models",
    "reforecast_intraday",
]
