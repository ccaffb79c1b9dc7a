"""Accuracy metrics used by WFM teams (all pooled over the scored intervals).

Notes
-----
With actuals ``a_t``, forecasts ``f_t`` and ``n_t = a_{t - 7 days}`` (same interval
last week):

- WAPE = sum|a - f| / sum a
- MASE = sum|a - f| / sum|a - n|  (the seasonal-naive error on the same intervals, so the
  same-interval-last-week forecast scores 1; Hyndman & Koehler 2006 with an out-of-sample
  scale)
- bias = (sum f - sum a) / sum a  (a fraction; positive: over-forecast)
- coverage80 = share of ``a`` with lower80 <= a <= upper80, over open intervals (forecast
  or actual > 0: closed hours would be covered trivially)
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Weighted absolute percentage error as a fraction (NaN when the actuals sum to 0)."""
    total = float(np.sum(actual))
    return float(np.sum(np.abs(actual - forecast)) / total) if total > 0 else float("nan")


def mase(actual: np.ndarray, forecast: np.ndarray, naive: np.ndarray) -> float:
    """Mean absolute scaled error against ``naive`` (pairs with a NaN naive are dropped)."""
    ok = np.isfinite(naive)
    scale = float(np.sum(np.abs(actual[ok] - naive[ok])))
    return float(np.sum(np.abs(actual[ok] - forecast[ok])) / scale) if scale > 0 else float("nan")


def bias(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Over- (+) or under- (-) forecast of the total, as a fraction of the actual total."""
    total = float(np.sum(actual))
    return float((np.sum(forecast) - total) / total) if total > 0 else float("nan")


def wape_from_sums(abs_error_sum: pd.Series, actual_sum: pd.Series) -> pd.Series:
    """WAPE of pre-aggregated rows: ``sum|a - f| / sum a`` per row, NaN where ``sum a <= 0``.

    The same definition as :func:`wape`, for tables that already hold the sums (the
    store's accuracy by day, the report's by day and week).
    """
    den = actual_sum.astype(float)
    return (abs_error_sum.astype(float) / den.where(den > 0)).astype(float)


def bias_from_sums(error_sum: pd.Series, actual_sum: pd.Series) -> pd.Series:
    """Bias of pre-aggregated rows: ``sum(f - a) / sum a`` per row, NaN where ``sum a <= 0``."""
    return wape_from_sums(error_sum, actual_sum)


def interval_coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of actuals inside ``[lower, upper]``."""
    return float(np.mean((actual >= lower) & (actual <= upper))) if actual.size else float("nan")
