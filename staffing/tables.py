"""Table contracts shared by every stage, and the one interval-length rule.

Every table that crosses a package boundary is a :class:`pandas.DataFrame` whose columns
are named here, once. The interval length of a run is decided once, at the boundary
(the site config, an explicit argument, or the data through :func:`infer_interval_minutes`),
and then carried in the objects passed downstream (the plan model carries it); nothing
downstream guesses it again.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

MINUTES_PER_DAY = 24 * 60

#: The canonical history table (:mod:`staffing.ingest.history`, the store's history).
HISTORY_COLUMNS: tuple[str, ...] = (
    "interval_start", "queue", "offered", "answered", "abandoned", "aht_seconds", "handle_time_sum_seconds",
)
#: A forecast of one queue (``queue`` first when a table holds several).
FORECAST_COLUMNS: tuple[str, ...] = ("interval_start", "calls", "lower80", "upper80", "lower95", "upper95", "aht_seconds")
#: The requirements table, in order (``queue`` first with several queues; ``prob_abandon``
#: follows for Erlang A).
REQUIREMENT_COLUMNS: tuple[str, ...] = (
    "interval_start", "calls", "aht_seconds", "load_erlangs", "agents", "service_level", "asa_seconds", "occupancy",
)
#: One row per shift of a roster.
ROSTER_COLUMNS: tuple[str, ...] = ("agent_id", "shift_start", "shift_end", "paid_minutes", "breaks")
#: Date-time format of every file the tool writes (naive local wall time).
ISO = "%Y-%m-%dT%H:%M:%S"
#: Scheduled against required head count per interval.
COVERAGE_COLUMNS: tuple[str, ...] = ("interval_start", "required", "scheduled", "under", "over")


def divides_day(value: int) -> int:
    """Validate an interval length in minutes: it must tile a day exactly (15, 30, 60, ...).

    Raises
    ------
    ValueError
        When ``value`` does not divide 1,440 (pydantic turns it into a located config error).
    """
    if value <= 0 or MINUTES_PER_DAY % value:
        raise ValueError(f"interval_minutes must divide 1440 (a day), got {value}")
    return value


def interval_steps_minutes(times: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Positive steps, in minutes, between consecutive distinct interval starts.

    Time-zone-aware starts are compared on the absolute time line, so a DST change
    does not create a step of 0 or 120 minutes.
    """
    values = np.unique(pd.DatetimeIndex(times).as_unit("ns").asi8)
    steps = np.diff(values) / 60e9
    return np.asarray(steps[steps > 0], dtype=float)


def infer_interval_minutes(times: pd.Series | pd.DatetimeIndex) -> int:
    """The interval length of a column of interval starts, in whole minutes.

    This is the project's one rule for reading an interval length from data: the most
    common positive step between consecutive distinct starts (robust to gaps such as
    closed nights). A single start gives 1,440 (one interval a day).

    Parameters
    ----------
    times
        Interval starts of one queue (naive local or time-zone-aware).

    Returns
    -------
    int
        Minutes; 1 when every step is shorter than a minute.
    """
    steps = np.round(interval_steps_minutes(times)).astype(np.int64)
    if pd.DatetimeIndex(times).nunique() < 2:
        return MINUTES_PER_DAY
    steps = steps[steps > 0]
    if steps.size == 0:
        return 1
    uniq, counts = np.unique(steps, return_counts=True)
    return int(uniq[np.argmax(counts)])


def infer_table_interval_minutes(frame: pd.DataFrame, column: str = "interval_start") -> int | None:
    """:func:`infer_interval_minutes` over every queue of a table (``queue`` column optional).

    Returns the shortest per-queue length, or ``None`` when no queue has two distinct
    starts (the caller must then be told the length).
    """
    if "queue" in frame.columns:
        parts = [part[column] for _, part in frame.groupby("queue", sort=True)]
    else:
        parts = [frame[column]]
    lengths = [infer_interval_minutes(p) for p in parts if pd.DatetimeIndex(p).nunique() > 1]
    return min(lengths) if lengths else None


def format_breaks(breaks: list[tuple[pd.Timestamp, pd.Timestamp]]) -> str:
    """``start/end`` ISO pairs separated by ``;``."""
    return ";".join(f"{lo.strftime(ISO)}/{hi.strftime(ISO)}" for lo, hi in breaks)


def roster_csv_frame(roster: pd.DataFrame) -> pd.DataFrame:
    """The roster as written to ``roster.csv`` (ISO date-times, breaks as text)."""
    return pd.DataFrame({
        "agent_id": roster["agent_id"],
        "shift_start": pd.to_datetime(roster["shift_start"]).dt.strftime(ISO),
        "shift_end": pd.to_datetime(roster["shift_end"]).dt.strftime(ISO),
        "paid_minutes": roster["paid_minutes"].astype(float).round().astype(int),
        "breaks": [format_breaks(b) for b in roster["breaks"]],
    })


def horizon_index(days: pd.DatetimeIndex, interval_minutes: int, tz: dt.tzinfo | str | None) -> pd.DatetimeIndex:
    """Interval starts of whole local ``days`` (naive midnights), in time zone ``tz`` if given.

    With a zone the index runs over true instants from local midnight to the next local
    midnight, so DST days have 23 or 25 hours of intervals.
    """
    if len(days) == 0:
        return pd.DatetimeIndex([], tz=tz)
    step = pd.Timedelta(minutes=interval_minutes)
    if tz is None:
        offsets = np.arange(0, 1440, interval_minutes, dtype="int64") * 60_000_000_000
        return pd.DatetimeIndex((np.asarray(days.as_unit("ns").asi8)[:, None] + offsets[None, :]).ravel().astype("datetime64[ns]"))
    parts: list[pd.DatetimeIndex] = []
    for d in days:
        start = pd.Timestamp(d).tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
        stop = (pd.Timestamp(d) + pd.Timedelta(days=1)).tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
        parts.append(pd.date_range(start.tz_convert("UTC"), stop.tz_convert("UTC"), freq=step, inclusive="left").tz_convert(tz))
    return pd.DatetimeIndex(parts[0].append(parts[1:]) if len(parts) > 1 else parts[0])
