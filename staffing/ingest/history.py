"""Pure operations on the canonical history table (no file access; see ``staffing.io.history``).

The canonical table has ``interval_start`` (naive local wall time or tz-aware), ``queue``
(str), ``offered`` (float >= 0) and optionally ``answered``, ``abandoned``,
``aht_seconds`` (volume-weighted mean handle time of the interval) and
``handle_time_sum_seconds``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.errors import InvalidArgumentError
from staffing.tables import HISTORY_COLUMNS, infer_interval_minutes

COUNT_COLUMNS: tuple[str, ...] = ("offered", "answered", "abandoned")
CANONICAL_COLUMNS = HISTORY_COLUMNS


@dataclass(frozen=True)
class Gap:
    """A stretch of missing intervals inside the history's span (information, not an error:
    closed hours and missing days are normal)."""

    queue: str
    start: pd.Timestamp
    end: pd.Timestamp
    missing_intervals: int


def wall_minutes(times: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Minutes after local midnight (fractions kept) of each time."""
    idx = pd.DatetimeIndex(times)
    wall = idx.tz_localize(None) if idx.tz is not None else idx
    return np.asarray((wall - wall.normalize()).total_seconds(), dtype=float) / 60.0


def volume_column(frame: pd.DataFrame) -> str:
    """The calls AHT is averaged over: ``answered`` when present and filled, else ``offered``."""
    if "answered" in frame.columns and frame["answered"].notna().any():
        return "answered"
    return "offered"


def with_handle_time(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``handle_time_sum_seconds = aht_seconds * volume`` when only AHT is given
    (volume: :func:`volume_column`); an interval without volume contributes 0 seconds."""
    if "handle_time_sum_seconds" in frame.columns or "aht_seconds" not in frame.columns:
        return frame
    vol = frame[volume_column(frame)].fillna(0.0)
    out = frame.copy()
    out["handle_time_sum_seconds"] = (frame["aht_seconds"].fillna(0.0) * vol).where(vol > 0, 0.0)
    return out


def _bin_starts(times: pd.Series, interval_minutes: int) -> pd.Series:
    """Start of the ``interval_minutes`` wall-clock bin holding each time (tz kept)."""
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        wall = times.dt.tz_localize(None)
        return times - (wall - wall.dt.floor(f"{interval_minutes}min"))
    return times.dt.floor(f"{interval_minutes}min")


def resample_history(frame: pd.DataFrame, interval_minutes: int, *, split: bool = False) -> pd.DataFrame:
    """Aggregate a finer canonical history to ``interval_minutes`` intervals.

    Counts are summed; AHT is volume-weighted: ``handle_time_sum_seconds`` (or
    ``aht_seconds * volume`` when only AHT is given, volume = answered else offered) is
    summed and ``aht_seconds = handle_time_sum / volume`` of the coarse interval.

    When ``interval_minutes`` is not a multiple of the source interval (6-min data to
    15-min), source intervals straddle the coarse boundaries: that is refused unless
    ``split`` is true, which shares each straddling interval's counts between the two
    coarse intervals in proportion to the overlap (arrivals assumed uniform within the
    source interval: an approximation, not the truth). 6 -> 30 and 6 -> 60 are exact.

    Raises
    ------
    InvalidArgumentError
        When the target is finer than the data, or does not divide the day, or is not a
        multiple of the source interval and ``split`` is false.
    """
    if 1440 % interval_minutes:
        raise InvalidArgumentError("interval_minutes", interval_minutes, "a divisor of 1440 (15, 30, 60...)")
    if frame.empty:
        return frame.copy()
    source = infer_interval_minutes(frame["interval_start"])
    if source == interval_minutes:
        return frame.copy()
    if source > interval_minutes:
        raise InvalidArgumentError("interval_minutes", interval_minutes, f">= the history's own interval of {source} minutes")
    data = with_handle_time(frame)
    sums = [c for c in (*COUNT_COLUMNS, "handle_time_sum_seconds") if c in data.columns]
    times = data["interval_start"]
    start_bin = _bin_starts(times, interval_minutes)
    if interval_minutes % source == 0:
        parts = data[sums].assign(interval_start=start_bin.to_numpy(), queue=data["queue"].to_numpy())
    else:
        if not split:
            raise InvalidArgumentError(
                "interval_minutes", interval_minutes,
                f"a multiple of the history's {source}-minute interval (e.g. {source * (60 // math.gcd(60, source)) if 60 % source else 60}); "
                "or allow proportional splitting of straddling intervals",
            )
        parts = _split_parts(data, sums, start_bin, source, interval_minutes)
    grouped = parts.groupby(["queue", "interval_start"], sort=True, dropna=False)[sums].sum(min_count=1)
    out = grouped.reset_index()
    if "handle_time_sum_seconds" in out.columns:
        vol = out[volume_column(out)]
        out["aht_seconds"] = (out["handle_time_sum_seconds"] / vol).where(vol > 0)
    cols = [c for c in CANONICAL_COLUMNS if c in out.columns]
    return out[cols]


def _split_parts(data: pd.DataFrame, sums: list[str], start_bin: pd.Series, source: int, target: int) -> pd.DataFrame:
    """Rows split at coarse boundaries with counts shared by overlap (source < target)."""
    offset = (data["interval_start"] - start_bin).dt.total_seconds().to_numpy() / 60.0
    first_share = np.clip((target - offset) / source, 0.0, 1.0)
    head = data[sums].mul(first_share, axis=0).assign(interval_start=start_bin.to_numpy(), queue=data["queue"].to_numpy())
    spill = first_share < 1.0
    tail = data.loc[spill, sums].mul(1.0 - first_share[spill], axis=0)
    tail = tail.assign(interval_start=(start_bin[spill] + pd.Timedelta(minutes=target)).to_numpy(), queue=data.loc[spill, "queue"].to_numpy())
    return pd.concat([head, tail], ignore_index=True)


def find_gaps(frame: pd.DataFrame, interval_minutes: int) -> list[Gap]:
    """Missing stretches per queue between the first and last interval (informational)."""
    gaps: list[Gap] = []
    step = pd.Timedelta(minutes=interval_minutes)
    for queue, part in frame.groupby("queue", sort=True):
        times = pd.DatetimeIndex(part["interval_start"]).sort_values()
        if len(times) < 2:
            continue
        delta = times[1:] - times[:-1]
        big = np.flatnonzero(delta > step)
        for i in (int(b) for b in big):
            missing = int(delta[i] / step) - 1
            gaps.append(Gap(str(queue), times[i] + step, times[i + 1], missing))
    return gaps
