"""Forecast accuracy measures (pure, vectorised).

Notes
-----
For forecasts :math:`F_i` and actual offered calls :math:`A_i` over a set of intervals,

.. math::

    \\mathrm{WAPE} = \\frac{\\sum_i |F_i - A_i|}{\\sum_i A_i}, \\qquad
    \\mathrm{bias} = \\frac{\\sum_i (F_i - A_i)}{\\sum_i A_i},

both fractions (0.12 = 12 %); a positive bias means over-forecasting. Both are undefined
(NaN) when no calls were offered. WAPE is the MAD/mean ratio of Kolassa & Schütz (2007),
"Advantages of the MAD/MEAN ratio over the MAPE", Foresight 6, 40-43; see also Hyndman &
Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., section 5.8.

The horizon of a day is counted in whole days after the day of the version's last
actual interval: the day after the data cutoff is horizon day 1.
"""

from __future__ import annotations

import pandas as pd

from staffing.forecast.metrics import bias_from_sums, wape_from_sums

#: Columns of :func:`score_days`' result.
DAY_SCORE_COLUMNS = [
    "version_id",
    "queue",
    "day",
    "horizon_days",
    "n_intervals",
    "in_force_intervals",
    "forecast_calls",
    "actual_calls",
    "abs_error_calls",
    "wape",
    "bias",
]


def score_days(pairs: pd.DataFrame) -> pd.DataFrame:
    """Score forecast/actual pairs by version and local calendar day.

    Parameters
    ----------
    pairs
        One row per (version, interval) with actuals: ``version_id``, ``queue``,
        ``local_time`` (naive wall-clock interval start), ``calls`` (forecast),
        ``offered`` (actual), ``in_force`` (bool: the version was the published one for
        that interval) and ``last_actual_day`` (``datetime64`` midnight of the version's
        last actual interval).

    Returns
    -------
    pandas.DataFrame
        :data:`DAY_SCORE_COLUMNS`; ``day`` is a ``datetime.date``.
    """
    if pairs.empty:
        return pd.DataFrame(columns=DAY_SCORE_COLUMNS)
    work = pd.DataFrame(
        {
            "version_id": pairs["version_id"].to_numpy(),
            "queue": pairs["queue"].to_numpy(),
            "day": pd.DatetimeIndex(pairs["local_time"]).normalize(),
            "last_actual_day": pd.DatetimeIndex(pairs["last_actual_day"]),
            "forecast_calls": pairs["calls"].astype(float).to_numpy(),
            "actual_calls": pairs["offered"].astype(float).to_numpy(),
            "in_force": pairs["in_force"].astype(bool).to_numpy(),
        }
    )
    diff = work["forecast_calls"] - work["actual_calls"]
    work["abs_error_calls"] = diff.abs()
    grouped = work.groupby(["version_id", "queue", "day", "last_actual_day"], sort=True)
    out = grouped.agg(
        n_intervals=("forecast_calls", "size"),
        in_force_intervals=("in_force", "sum"),
        forecast_calls=("forecast_calls", "sum"),
        actual_calls=("actual_calls", "sum"),
        abs_error_calls=("abs_error_calls", "sum"),
    ).reset_index()
    out["horizon_days"] = (out["day"] - out["last_actual_day"]).dt.days.astype(int)
    out["wape"] = wape_from_sums(out["abs_error_calls"], out["actual_calls"])
    out["bias"] = bias_from_sums(out["forecast_calls"] - out["actual_calls"], out["actual_calls"])
    out["day"] = out["day"].dt.date
    out["n_intervals"] = out["n_intervals"].astype(int)
    out["in_force_intervals"] = out["in_force_intervals"].astype(int)
    return out[DAY_SCORE_COLUMNS]


def summarise(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Aggregate interval or day rows (``forecast_calls``, ``actual_calls``, ``abs_error_calls``,
    ``n_intervals``) by ``by`` and recompute WAPE and bias from the sums."""
    out = (
        frame.groupby(by, sort=True)[["n_intervals", "forecast_calls", "actual_calls", "abs_error_calls"]]
        .sum()
        .reset_index()
    )
    out["wape"] = wape_from_sums(out["abs_error_calls"], out["actual_calls"])
    out["bias"] = bias_from_sums(out["forecast_calls"] - out["actual_calls"], out["actual_calls"])
    return out
