"""The day x slot grid every forecast model works on.

History (the canonical table, one queue) becomes a matrix with one row per calendar
day and one column per wall-clock slot of ``interval_minutes``. Rows are consecutive
days; a day absent from the history (a closed day, an outage) is a row of NaN so models
skip it, while an interval absent inside a day that has data counts as zero calls
(closed hours are data). Timezone-aware history is placed on its local wall clock: on a
fall-back day the repeated hour's two intervals are averaged (one rate per slot), on a
spring-forward day the skipped hour is filled by linear interpolation between its
neighbours. :func:`horizon_index` maps slots back to the true instants, so a forecast
day has 23 or 25 hours where the clock says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from staffing.errors import InvalidArgumentError
from staffing.tables import horizon_index


@dataclass(frozen=True)
class DayGrid:
    """Counts (or any per-interval quantity) on a day x wall-slot grid.

    Attributes
    ----------
    dates
        Consecutive naive midnights, one per row.
    values
        ``(n_days, slots_per_day)`` floats; a NaN row is a day without data.
    interval_minutes
        Slot length; divides 1440.
    excluded
        ``(n_days,)`` booleans: holidays and special days, kept for scoring but left
        out of fitting and profiles.
    """

    dates: pd.DatetimeIndex
    values: np.ndarray
    interval_minutes: int
    excluded: np.ndarray

    @property
    def slots(self) -> int:
        """Intervals per day."""
        return 1440 // self.interval_minutes

    @property
    def observed(self) -> np.ndarray:
        """Days with data (boolean per row)."""
        return ~np.isnan(self.values).all(axis=1)

    @property
    def usable(self) -> np.ndarray:
        """Days with data that are not excluded: the days models learn from."""
        return self.observed & ~self.excluded

    @property
    def weekdays(self) -> np.ndarray:
        """Weekday of each row (Monday = 0)."""
        return np.asarray(self.dates.day_of_week)

    def before(self, origin: pd.Timestamp) -> DayGrid:
        """The rows strictly before ``origin`` (a midnight): all a model may see."""
        n = int(self.dates.searchsorted(origin))
        return replace(self, dates=self.dates[:n], values=self.values[:n], excluded=self.excluded[:n])

    def rows(self, dates: pd.DatetimeIndex) -> np.ndarray:
        """Values of ``dates`` (NaN rows for dates outside the grid)."""
        out = np.full((len(dates), self.slots), np.nan)
        pos = self.dates.get_indexer(dates)
        ok = pos >= 0
        out[ok] = self.values[pos[ok]]
        return out


def _wall_clock(times: pd.Series) -> pd.Series:
    """Naive local wall time of ``times`` (tz-aware times lose their zone, keep the clock)."""
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        return times.dt.tz_localize(None)
    return times


def build_grid(
    history: pd.DataFrame,
    interval_minutes: int,
    *,
    column: str = "offered",
    excluded_dates: frozenset[dt.date] = frozenset(),
    end: pd.Timestamp | None = None,
) -> DayGrid:
    """Place ``history[column]`` on a :class:`DayGrid`.

    ``history`` holds one queue at ``interval_minutes`` resolution (resample first).
    ``end`` (a midnight) extends the grid with NaN days up to, not including, it.
    """
    if 1440 % interval_minutes:
        raise InvalidArgumentError("interval_minutes", interval_minutes, "a divisor of 1440")
    wall = _wall_clock(history["interval_start"])
    day = wall.dt.normalize()
    minutes = (wall - day).dt.total_seconds().to_numpy() / 60.0
    slot = (minutes // interval_minutes).astype(int)
    first = day.min() if len(day) else (end if end is not None else pd.Timestamp("2000-01-01"))
    last = day.max() if len(day) else first - pd.Timedelta(days=1)
    if end is not None:
        last = max(last, end - pd.Timedelta(days=1))
    dates = pd.date_range(first, last, freq="D")
    slots = 1440 // interval_minutes
    row = dates.get_indexer(day)
    sums = np.zeros((len(dates), slots))
    counts = np.zeros((len(dates), slots))
    vals = history[column].to_numpy(dtype=float)
    ok = ~np.isnan(vals)
    np.add.at(sums, (row[ok], slot[ok]), vals[ok])
    np.add.at(counts, (row[ok], slot[ok]), 1.0)
    seen = np.zeros(len(dates), dtype=bool)
    seen[row[ok]] = True
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    values[~seen] = np.nan
    if isinstance(history["interval_start"].dtype, pd.DatetimeTZDtype):
        _fill_skipped_hour(values, dates, history["interval_start"].dt.tz, interval_minutes)
    excluded = np.asarray([d.date() in excluded_dates for d in dates], dtype=bool)
    return DayGrid(dates=dates, values=values, interval_minutes=interval_minutes, excluded=excluded)


def _fill_skipped_hour(values: np.ndarray, dates: pd.DatetimeIndex, tz: dt.tzinfo, interval_minutes: int) -> None:
    """Interpolate wall slots that do not exist on spring-forward days (in place)."""
    slots = values.shape[1]
    for i, day in enumerate(dates):
        if np.isnan(values[i, 0]):
            continue
        present = _existing_slots(day, tz, interval_minutes)
        if present.all():
            continue
        good = np.flatnonzero(present)
        values[i] = np.interp(np.arange(slots), good, values[i, good])


def _existing_slots(day: pd.Timestamp, tz: dt.tzinfo, interval_minutes: int) -> np.ndarray:
    instants = horizon_index(pd.DatetimeIndex([day]), interval_minutes, tz)
    wall = instants.tz_localize(None) if instants.tz is not None else instants
    present = np.zeros(1440 // interval_minutes, dtype=bool)
    present[((wall - day).total_seconds() // (60 * interval_minutes)).astype(int)] = True
    return present


def grid_to_series(values: np.ndarray, days: pd.DatetimeIndex, interval_minutes: int, tz: dt.tzinfo | None) -> pd.DataFrame:
    """Long table ``interval_start, value`` of a ``(len(days), slots)`` matrix on true instants."""
    index = horizon_index(days, interval_minutes, tz)
    wall = index.tz_localize(None) if index.tz is not None else index
    day = wall.normalize()
    row = days.get_indexer(day)
    slot = ((wall - day).total_seconds() // (60 * interval_minutes)).astype(int)
    return pd.DataFrame({"interval_start": index, "value": values[row, slot]})


def slot_positions(index: pd.DatetimeIndex, days: pd.DatetimeIndex, interval_minutes: int) -> tuple[np.ndarray, np.ndarray]:
    """Row (in ``days``) and wall slot of each instant in ``index``."""
    wall = index.tz_localize(None) if index.tz is not None else index
    day = wall.normalize()
    return days.get_indexer(day), ((wall - day).total_seconds() // (60 * interval_minutes)).to_numpy().astype(int)
