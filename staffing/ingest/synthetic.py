"""Seeded synthetic contact-centre history with a known truth (tests, examples, demos).

Notes
-----
Calls of interval ``j`` of day ``d`` are Poisson with rate

.. math:: \\lambda_{dj} = C\\, w_{wd(d)}\\, (1 + g)^{t_d / 7}\\, h_d\\, u_d\\, s_j

``C`` = ``daily_calls`` (a Monday-level day), ``w`` the weekday factors, ``g`` the weekly
growth, ``h_d`` = ``holiday_factor`` on holidays else 1, ``u_d`` a Gamma day effect with
mean 1 and coefficient of variation ``day_cv`` (0: plain non-homogeneous Poisson; > 0:
overdispersed, ``Var = lambda + day_cv^2 lambda^2`` per interval), and ``s_j`` the intraday
shape: a morning peak at 10:30 and an afternoon peak at 14:30 (Gaussian bumps, widths
1.5 h and 2 h, heights 1 and 0.8) over a floor of 0.15, normalised to sum to 1 over the
open slots of the day; outside opening hours the rate is 0. Handle time per interval
is the sum of answered calls' Gamma(shape 2) service times with mean ``aht_seconds``
times a time-of-day factor (``1 + 0.15 cos(2 pi (m - 14 h)/24 h)``: longer calls mid-day),
abandonment binomial with ``abandon_rate``. This is the standard doubly stochastic
Poisson arrival model of call centres (Brown et al. 2005, JASA 100(469); Ibrahim et al.
2016, "Modeling and forecasting call center arrivals: a literature survey", IJF 32).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from staffing.tables import horizon_index


class SyntheticSettings(BaseModel):
    """Shape of a synthetic history (all fields validated; unknown keys are errors).

    ``open_weekdays`` uses Monday = 0; days not open, holidays with ``holiday_factor`` 0
    and the randomly dropped ``missing_day_fraction`` of days have no rows at all, and
    closed hours of open days have no rows unless ``closed_rows`` (then zero rows).
    ``close_time`` ``None`` means midnight (open until the end of the day).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: dt.date = dt.date(2024, 1, 1)
    days: int = Field(default=16 * 7, ge=1, le=3660)
    interval_minutes: int = Field(default=15, gt=0, le=1440)
    daily_calls: float = Field(default=2000.0, ge=0)
    weekday_factors: tuple[float, float, float, float, float, float, float] = (1.0, 0.95, 0.92, 0.9, 0.85, 0.45, 0.3)
    weekly_growth: float = Field(default=0.0, ge=-0.5, le=0.5)
    day_cv: float = Field(default=0.0, ge=0, le=2)
    open_time: dt.time = dt.time(0, 0)
    close_time: dt.time | None = None
    open_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    holidays: tuple[dt.date, ...] = ()
    holiday_factor: float = Field(default=0.2, ge=0, le=5)
    missing_day_fraction: float = Field(default=0.0, ge=0, lt=1)
    closed_rows: bool = False
    aht_seconds: float = Field(default=240.0, gt=0)
    abandon_rate: float = Field(default=0.05, ge=0, lt=1)
    timezone: str | None = None
    queue: str = "default"
    seed: int = 0

    @model_validator(mode="after")
    def _check(self) -> SyntheticSettings:
        if 1440 % self.interval_minutes:
            raise ValueError("interval_minutes must divide 1440")
        if any(not 0 <= d <= 6 for d in self.open_weekdays):
            raise ValueError("open_weekdays are 0 (Monday) .. 6 (Sunday)")
        return self


def intraday_shape(minutes: np.ndarray) -> np.ndarray:
    """Relative rate at ``minutes`` after midnight (unnormalised two-peak curve)."""
    hours = minutes / 60.0
    return 0.15 + np.exp(-0.5 * ((hours - 10.5) / 1.5) ** 2) + 0.8 * np.exp(-0.5 * ((hours - 14.5) / 2.0) ** 2)


def true_rates(settings: SyntheticSettings) -> pd.DataFrame:
    """Expected calls per interval before the Gamma day effect: ``interval_start, rate, open``
    for every interval of every day (closed intervals have rate 0 and ``open`` False)."""
    s = settings
    days = pd.date_range(pd.Timestamp(s.start), periods=s.days, freq="D")
    index = horizon_index(days, s.interval_minutes, s.timezone)
    wall = index.tz_localize(None) if index.tz is not None else index
    day = wall.normalize()
    minutes = np.asarray((wall - day).total_seconds(), dtype=float) / 60.0
    mid = minutes + s.interval_minutes / 2.0
    open_from = s.open_time.hour * 60 + s.open_time.minute
    open_to = 1440 if s.close_time is None else s.close_time.hour * 60 + s.close_time.minute
    weekday = np.asarray(day.day_of_week)
    is_open = (minutes >= open_from) & (mid < open_to) & np.isin(weekday, s.open_weekdays)
    # Normalise the shape over one full day's open slots so a day's expected calls is C w.
    grid_minutes = np.arange(0, 1440, s.interval_minutes, dtype=float)
    grid_open = (grid_minutes >= open_from) & (grid_minutes + s.interval_minutes / 2.0 < open_to)
    norm = float(intraday_shape(grid_minutes + s.interval_minutes / 2.0)[grid_open].sum()) or 1.0
    shape = intraday_shape(mid) / norm
    age_weeks = np.asarray((day - days[0]).days, dtype=float) / 7.0
    holiday = np.isin(day.date, np.array(s.holidays, dtype=object)) if s.holidays else np.zeros(len(day), dtype=bool)
    level = s.daily_calls * np.asarray(s.weekday_factors)[weekday] * (1.0 + s.weekly_growth) ** age_weeks
    rate = np.where(is_open, level * shape * np.where(holiday, s.holiday_factor, 1.0), 0.0)
    return pd.DataFrame({"interval_start": index, "rate": rate, "open": is_open})


def synthetic_history(settings: SyntheticSettings | None = None) -> pd.DataFrame:
    """A canonical history table drawn from :func:`true_rates` (see module Notes)."""
    s = settings or SyntheticSettings()
    rng = np.random.default_rng(s.seed)
    truth = true_rates(s)
    wall = pd.DatetimeIndex(truth["interval_start"])
    wall = wall.tz_localize(None) if wall.tz is not None else wall
    day = wall.normalize()
    day_codes, day_index = np.unique(np.asarray(day.asi8), return_inverse=True)
    if s.day_cv > 0:
        k = 1.0 / s.day_cv**2
        effect = rng.gamma(k, 1.0 / k, size=day_codes.size)
    else:
        effect = np.ones(day_codes.size)
    dropped = rng.random(day_codes.size) < s.missing_day_fraction
    rate = truth["rate"].to_numpy() * effect[day_index]
    offered = rng.poisson(rate).astype(float)
    abandoned = rng.binomial(offered.astype(int), s.abandon_rate).astype(float)
    answered = offered - abandoned
    minutes = np.asarray((wall - day).total_seconds(), dtype=float) / 60.0 + s.interval_minutes / 2.0
    aht_true = s.aht_seconds * (1.0 + 0.15 * np.cos(2 * np.pi * (minutes - 14 * 60) / 1440.0))
    handle = np.where(answered > 0, rng.gamma(np.maximum(2.0 * answered, 1e-9), aht_true / 2.0), 0.0)
    frame = pd.DataFrame({
        "interval_start": truth["interval_start"],
        "queue": s.queue,
        "offered": offered,
        "answered": answered,
        "abandoned": abandoned,
        "aht_seconds": np.where(answered > 0, handle / np.maximum(answered, 1.0), np.nan),
        "handle_time_sum_seconds": handle,
    })
    day_open = pd.Series(truth["open"].to_numpy()).groupby(day_index).transform("any").to_numpy()
    holiday_closed = (truth["rate"].to_numpy() == 0) & truth["open"].to_numpy()
    keep = day_open & ~dropped[day_index] & ~(holiday_closed & (s.holiday_factor == 0))
    if not s.closed_rows:
        keep &= truth["open"].to_numpy()
    return frame[keep].reset_index(drop=True)
