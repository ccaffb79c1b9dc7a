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
#: Optional column beside a naive local ``interval_start``: the interval's UTC offset in
#: minutes, so the fall-back hour's two occurrences stay distinct in a naive file.
UTC_OFFSET_COLUMN = "utc_offset_minutes"
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


#: Consecutive steps of one length that make it an interval length of the data, not a gap.
MIN_RUN_STEPS = 4


def interval_lengths(times: pd.Series | pd.DatetimeIndex) -> list[tuple[int, pd.Timestamp]]:
    """Every interval length the starts of one queue are laid at, with where each begins.

    The rule (the companion of :func:`infer_interval_minutes`): the base length ``m`` is
    the most common step. Another step length ``L`` is a *second interval length* when
    it occurs as a run of at least :data:`MIN_RUN_STEPS` consecutive steps whose starts
    all lie inside the queue's usual opening hours (between the median over days of the
    day's first start and the median of its last start, wall clock). Anything else is a
    gap and stays accepted: a closed night, weekend or missing day is one long step; a
    lunchtime hole or a missing interval is one step; sparse overnight rows of a
    day-time centre lie outside the opening hours. Four 30-minute steps in a row inside
    the open day of a 15-minute history mean 30-minute rows, which summed with
    15-minute rows give a saw-tooth.

    Parameters
    ----------
    times
        Interval starts of one queue (naive local or time-zone-aware; steps are measured
        on the absolute time line, opening hours on the wall clock).

    Returns
    -------
    list of (int, pandas.Timestamp)
        ``(minutes, first start)`` of the base length first, then of each second length
        (by first start); empty with fewer than two distinct starts. More than one entry
        means the data mixes interval lengths.
    """
    idx = pd.DatetimeIndex(times).dropna().unique().sort_values()
    if len(idx) < 2:
        return []
    steps = np.round(np.diff(idx.as_unit("ns").asi8) / 60e9).astype(np.int64)
    base = infer_interval_minutes(idx)
    wall = idx.tz_localize(None) if idx.tz is not None else idx
    minute = np.asarray((wall - wall.normalize()).total_seconds(), dtype=float) / 60.0
    by_day = pd.Series(minute).groupby(np.asarray(wall.normalize()))
    open_lo, open_hi = float(by_day.min().median()), float(by_day.max().median())
    inside = (minute >= open_lo) & (minute <= open_hi)
    found: dict[int, int] = {}
    change = np.flatnonzero(np.diff(steps) != 0) + 1
    for lo, hi in zip(np.r_[0, change], np.r_[change, steps.size], strict=True):
        length = int(steps[lo])
        if length == base:
            found.setdefault(length, int(lo))
        elif hi - lo >= MIN_RUN_STEPS and inside[lo:hi + 1].all() and length not in found:
            found[length] = int(lo)
    if base not in found:
        found[base] = int(np.flatnonzero(steps == base)[0])
    order = sorted(found, key=lambda length: (length != base, found[length]))
    return [(length, idx[found[length]]) for length in order]


def to_wall_with_offset(frame: pd.DataFrame, column: str = "interval_start") -> pd.DataFrame:
    """``frame`` with time-zone-aware ``column`` as naive local wall time plus its UTC offset
    in minutes (:data:`UTC_OFFSET_COLUMN`); a naive column is returned unchanged."""
    times = frame[column]
    if getattr(times.dt, "tz", None) is None:
        return frame
    offsets = [int(t.utcoffset().total_seconds() // 60) for t in times]
    return frame.assign(**{column: times.dt.tz_localize(None), UTC_OFFSET_COLUMN: offsets})


def instants_from_offset(frame: pd.DataFrame, column: str = "interval_start") -> pd.Series:
    """The UTC instants of a naive local ``column`` with :data:`UTC_OFFSET_COLUMN` beside it."""
    wall = pd.to_datetime(frame[column])
    offset = pd.to_timedelta(frame[UTC_OFFSET_COLUMN].astype(float), unit="min")
    return (wall - offset).dt.tz_localize("UTC")
