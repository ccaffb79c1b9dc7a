"""Intraday reforecast: rescale the rest of today from the actuals so far.

Notes
-----
With ``A`` calls observed and ``F`` forecast for the elapsed intervals of the day, the
update ratio is shrunk towards 1 by ``prior_calls`` pseudo-calls, damped and clipped:

.. math:: r = \\operatorname{clip}\\Big(1 + \\delta\\Big(\\frac{A + k}{F + k} - 1\\Big),\\ r_{min},\\ r_{max}\\Big)

(``k = prior_calls``, ``delta = damping``). A near-empty morning (``F`` of a few calls)
therefore barely moves the afternoon, and no morning can scale it beyond ``r_max``. The
remaining intervals' calls and bounds are multiplied by ``r``; elapsed intervals are
left as forecast. This is the multiplicative day-level update of Gans, Koole & Mandelbaum
(2003, "Telephone call centers: tutorial, review and research prospects", MSOM 5(2), 4.1)
with Bayesian-style shrinkage.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from staffing.errors import InvalidArgumentError

_SCALED = ("calls", "lower80", "upper80", "lower95", "upper95")


class IntradaySettings(BaseModel):
    """Shrinkage, damping and clipping of :func:`reforecast_intraday`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prior_calls: float = Field(default=30.0, ge=0)
    damping: float = Field(default=0.8, ge=0, le=1)
    min_ratio: float = Field(default=0.5, gt=0, le=1)
    max_ratio: float = Field(default=2.0, ge=1, le=10)

    @model_validator(mode="after")
    def _ordered(self) -> IntradaySettings:
        if self.min_ratio > self.max_ratio:
            raise ValueError("min_ratio must be <= max_ratio")
        return self


@dataclass(frozen=True)
class IntradayUpdate:
    """The reforecast table and the ratio applied to the remaining intervals."""

    frame: pd.DataFrame
    ratio: float
    actual_so_far: float
    forecast_so_far: float


def reforecast_intraday(
    day_forecast: pd.DataFrame, actuals: pd.DataFrame, now: pd.Timestamp, settings: IntradaySettings | None = None
) -> IntradayUpdate:
    """Rescale the intervals of ``day_forecast`` starting at or after ``now``.

    Parameters
    ----------
    day_forecast
        One day's forecast table (``interval_start, calls, lower80, ...``).
    actuals
        ``interval_start, offered`` for the elapsed intervals (missing ones count as 0).
    now
        The first interval not yet observed (same time zone convention as the tables).
    """
    settings = settings or IntradaySettings()
    for col in ("interval_start", "offered"):
        if col not in actuals.columns:
            raise InvalidArgumentError("actuals", list(actuals.columns), f"a table with column {col!r}")
    times = day_forecast["interval_start"]
    elapsed = (times < now).to_numpy()
    f = float(day_forecast.loc[elapsed, "calls"].sum())
    observed = actuals[(actuals["interval_start"] < now) & actuals["interval_start"].isin(times[elapsed])]
    a = float(observed["offered"].sum())
    k = settings.prior_calls
    raw = (a + k) / (f + k) if f + k > 0 else 1.0
    ratio = min(max(1.0 + settings.damping * (raw - 1.0), settings.min_ratio), settings.max_ratio)
    out = day_forecast.copy()
    cols = [c for c in _SCALED if c in out.columns]
    out.loc[~elapsed, cols] = out.loc[~elapsed, cols] * ratio
    return IntradayUpdate(out, ratio, a, f)
