"""Average handle time forecast per weekday and interval.

Notes
-----
For weekday ``w`` and slot ``j``, over the last ``aht_weeks`` usable days of that
weekday, the forecast is the volume-weighted median of the days' interval AHTs
(weights: answered calls, else offered), robust to the odd interval with one very long
call. Cells with no volume fall back to the volume-weighted mean AHT of that slot over
all weekdays, then of the whole window. AHT of interval ``(d, j)`` is
``handle_time_sum_seconds / volume`` (Koole, *Call Center Optimization*, 2013, ch. 9).
"""

from __future__ import annotations

import numpy as np

from staffing.forecast.baselines import same_weekday_rows
from staffing.forecast.grid import DayGrid


def weighted_median(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Column-wise weighted median of ``(n, m)`` arrays (NaN where a column has no weight).

    The smallest value whose cumulative weight reaches half the column's total weight.
    """
    order = np.argsort(np.where(weights > 0, values, np.inf), axis=0)
    v = np.take_along_axis(values, order, axis=0)
    w = np.take_along_axis(np.where(weights > 0, weights, 0.0), order, axis=0)
    cum = np.cumsum(w, axis=0)
    total = cum[-1]
    idx = np.argmax(cum >= 0.5 * total, axis=0)
    out = v[idx, np.arange(values.shape[1])]
    return np.where(total > 0, out, np.nan)


def aht_profile(handle: DayGrid, volume: DayGrid, weeks: int) -> np.ndarray:
    """``(7, slots)`` AHT seconds forecast from handle-time sums and volumes on the same grid."""
    slots = volume.slots
    med = np.full((7, slots), np.nan)
    hsum = np.zeros((7, slots))
    vsum = np.zeros((7, slots))
    for wd in range(7):
        rows = same_weekday_rows(volume, wd, weeks)
        if rows.size == 0:
            continue
        vol = np.nan_to_num(volume.values[rows])
        ht = np.nan_to_num(handle.values[rows])
        with np.errstate(invalid="ignore", divide="ignore"):
            aht = np.where(vol > 0, ht / vol, np.nan)
        med[wd] = weighted_median(np.nan_to_num(aht), np.where(np.isfinite(aht), vol, 0.0))
        hsum[wd] = ht.sum(axis=0)
        vsum[wd] = vol.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        slot_mean = hsum.sum(axis=0) / vsum.sum(axis=0)
        overall = hsum.sum() / vsum.sum() if vsum.sum() > 0 else np.nan
    fallback = np.where(np.isfinite(slot_mean), slot_mean, overall)
    return np.where(np.isfinite(med), med, fallback[None, :])
