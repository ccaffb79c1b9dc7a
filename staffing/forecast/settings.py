"""Validated forecast settings (reusable as the ``forecast:`` block of a config file)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from staffing.tables import divides_day

#: Point models by name (``auto`` picks one of ``auto_candidates`` by backtest).
ModelName = Literal[
    "seasonal_naive", "average4", "average8", "ewma", "level", "ewma_dom", "level_dom", "ets", "poisson", "negbin",
    "combo", "auto",
]
MODEL_NAMES: tuple[str, ...] = (
    "seasonal_naive", "average4", "average8", "ewma", "level", "ewma_dom", "level_dom", "ets", "poisson", "negbin",
    "combo",
)
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class SpecialDay(BaseModel):
    """One holiday or special day.

    It is left out of fitting and profiles; its forecast is the model's forecast for
    that date times ``factor``, or, with ``like``, the forecast the date would get if it
    were that weekday (a "named day profile": Christmas Eve ``like: saturday``) times
    ``factor``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: dt.date
    factor: float = Field(default=1.0, ge=0.0, le=20.0)
    like: Weekday | None = None
    name: str = ""


class ForecastSettings(BaseModel):
    """Settings of :func:`staffing.forecast.forecast` and the ``forecast``/``backtest`` commands.

    Attributes
    ----------
    model
        Point model; ``auto`` chooses by rolling-origin backtest before the origin.
    interval_minutes
        Planning interval (15, 30 or 60 usual; divides 1440).
    horizon_days
        Default horizon in whole days.
    ewma_halflife_weeks
        Half-life (weeks) of the exponentially weighted same-weekday profile.
    profile_weeks
        Weeks of history the profile models (ewma, level, ets intraday shares) look back.
    level_halflife_days, level_damping
        ``level`` model: half-life (days) of the recent-level ratio and its per-lead-day
        damping towards 1 (``1``: no damping).
    dom_months, dom_prior_days
        ``ewma_dom`` / ``level_dom``: months of history the day-of-month factors are
        averaged over, and the pseudo-days of "factor 1" each day of the month is shrunk
        with (see ``staffing.forecast.month_day``).
    glm_weeks
        Weeks of history the GLMs fit on.
    ets_weeks
        Weeks of daily totals the ETS top-down model fits on.
    combo, combo_weights
        Models averaged by ``combo`` and their weights (``None``: equal weights).
    auto_candidates, auto_origins
        Models ``auto`` compares, and how many rolling origins (days for a horizon of
        one day, else weeks) before the forecast origin it scores them on.
    interval_calibration_weeks
        Weekly origins before the forecast origin whose errors calibrate the prediction
        intervals (negative-binomial dispersion per lead day).
    holiday_country, holiday_subdivision
        ``holidays`` package country code (``IL``, ``GB``, ``US``...) and optional
        subdivision; its public holidays are excluded and forecast with ``holiday_factor``.
    holiday_dates
        Extra dates treated as holidays (``holiday_factor``).
    holiday_factor
        Forecast multiplier for holidays without their own entry in ``special_days``.
    special_days
        Days with their own factor or weekday profile.
    aht_weeks
        Weeks of history the AHT profile uses.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: ModelName = "combo"
    interval_minutes: int = Field(default=30, gt=0, le=1440)
    horizon_days: int = Field(default=7, ge=1, le=400)
    ewma_halflife_weeks: float = Field(default=6.0, gt=0, le=52)
    profile_weeks: int = Field(default=20, ge=1, le=104)
    level_halflife_days: float = Field(default=1.0, gt=0, le=60)
    level_damping: float = Field(default=0.9, ge=0, le=1)
    dom_months: int = Field(default=12, ge=1, le=60)
    dom_prior_days: float = Field(default=2.0, ge=0, le=100)
    glm_weeks: int = Field(default=8, ge=2, le=104)
    ets_weeks: int = Field(default=16, ge=3, le=260)
    combo: tuple[ModelName, ...] = ("level_dom", "ewma_dom")
    combo_weights: tuple[float, ...] | None = None
    auto_candidates: tuple[ModelName, ...] = ("average4", "average8", "ewma", "level", "ets", "combo")
    auto_origins: int = Field(default=14, ge=1, le=200)
    interval_calibration_weeks: int = Field(default=8, ge=2, le=104)
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    holiday_dates: tuple[dt.date, ...] = ()
    holiday_factor: float = Field(default=1.0, ge=0, le=20)
    special_days: tuple[SpecialDay, ...] = ()
    aht_weeks: int = Field(default=8, ge=1, le=104)

    _divides_day = field_validator("interval_minutes")(divides_day)

    @model_validator(mode="after")
    def _no_recursion(self) -> ForecastSettings:
        if "auto" in self.combo or "combo" in self.combo:
            raise ValueError("combo may not contain 'combo' or 'auto'")
        if "auto" in self.auto_candidates:
            raise ValueError("auto_candidates may not contain 'auto'")
        if not self.combo:
            raise ValueError("combo needs at least one model")
        if self.combo_weights is not None and (
            len(self.combo_weights) != len(self.combo) or min(self.combo_weights) < 0 or sum(self.combo_weights) <= 0
        ):
            raise ValueError("combo_weights needs one weight >= 0 per combo model, not all zero")
        return self
