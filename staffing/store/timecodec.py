"""Interval times <-> the store's integer seconds (see :mod:`staffing.store.schema`)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd


def zone_name(times: pd.Series | pd.DatetimeIndex) -> str | None:
    """The timezone to record for ``times``: ``None`` when naive, an IANA name or ``"UTC"``."""
    tz = getattr(times.dtype, "tz", None)
    if tz is None:
        return None
    name = str(tz)
    # A fixed offset parsed from text ("UTC+01:00") cannot be rebuilt by name; show UTC.
    return name if "/" in name or name == "UTC" else "UTC"


def to_seconds(times: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Seconds since 1970-01-01 of naive wall times, or of the UTC instant of aware times."""
    index = pd.DatetimeIndex(times)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return np.asarray(index.as_unit("s").asi8, dtype=np.int64)


def from_seconds(seconds: np.ndarray | pd.Series | list[int], timezone: str | None) -> pd.DatetimeIndex:
    """Inverse of :func:`to_seconds` (aware in ``timezone`` when it is given)."""
    index = pd.DatetimeIndex(pd.to_datetime(np.asarray(seconds, dtype=np.int64), unit="s"))
    if timezone is not None:
        index = index.tz_localize("UTC").tz_convert(timezone)
    return index


def timestamp_seconds(ts: pd.Timestamp | dt.datetime | str) -> int:
    """One timestamp to stored seconds (same rule as :func:`to_seconds`)."""
    return int(to_seconds(pd.DatetimeIndex([pd.Timestamp(ts)]))[0])


def utcnow() -> dt.datetime:
    """Current time as naive UTC (the store's audit-time convention)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def naive_utc(moment: pd.Timestamp | dt.datetime | None) -> dt.datetime:
    """``moment`` (aware or naive-UTC) as naive UTC; ``None`` means now."""
    if moment is None:
        return utcnow()
    ts = pd.Timestamp(moment)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts.to_pydatetime()
