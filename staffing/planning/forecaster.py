"""Adapter from :func:`staffing.forecast.forecast` to the nightly reforecast's ``Forecaster``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from staffing.forecast.api import FORECAST_COLUMNS, forecast
from staffing.forecast.settings import ForecastSettings

if TYPE_CHECKING:
    from staffing.planning.nightly import ForecastResult


@dataclass(frozen=True)
class SettingsForecaster:
    """``forecaster(history, horizon) -> ForecastResult`` for ``staffing.planning.nightly``.

    Forecasts the whole local days covering ``horizon`` with ``settings`` and returns
    exactly the requested interval starts. ``fingerprint`` identifies the settings.
    """

    settings: ForecastSettings

    @property
    def fingerprint(self) -> str:
        """Model and settings identity for idempotent versions."""
        return "staffing.forecast:" + self.settings.model_dump_json()

    def __call__(self, history: pd.DataFrame, horizon: pd.DatetimeIndex) -> ForecastResult:
        from staffing.planning.nightly import ForecastResult

        wall = horizon.tz_localize(None) if horizon.tz is not None else horizon
        first, last = wall.min().normalize(), wall.max().normalize()
        days = int((last - first).days) + 1
        out = forecast(history, first, days, self.settings)
        frame = out.frame.set_index("interval_start").reindex(horizon)
        values = frame.rename_axis("interval_start").reset_index()[list(FORECAST_COLUMNS)]
        return ForecastResult(values=values, model_name=out.model, model_params=self.settings.model_dump(mode="json"))
