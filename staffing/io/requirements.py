"""Read a forecast table for ``staffing requirements`` and write the requirements table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from staffing.errors import DataError, DataIssue
from staffing.io.tables import (
    MAX_AHT_SECONDS,
    MAX_CALLS_PER_INTERVAL,
    parse_datetime,
    parse_numeric,
    raise_if_issues,
    read_raw_table,
    require_columns,
    write_csv,
)
from staffing.tables import UTC_OFFSET_COLUMN, instants_from_offset

FIRST_DATA_LINE = 2  # the header is line 1


def read_forecast(path: str | Path) -> pd.DataFrame:
    """Read a forecast CSV/Parquet: ``interval_start, calls, aht_seconds`` (+ ``queue``).

    Other columns (``lower80``, ...) are ignored. ``aht_seconds`` may be blank where
    ``calls`` is 0.

    ``interval_start`` follows :func:`staffing.io.tables.parse_datetime`: naive local
    times as written; one UTC offset throughout kept as that fixed offset; different
    offsets (a daylight-saving change, as ``staffing forecast --timezone`` writes) read
    as their instants in UTC, so the 25-hour day's two 01:00 intervals stay distinct and
    the requirements table carries exact instants.

    A naive file that repeats a wall time within a queue is refused: naive times name no
    instant, so the repeated hour of a daylight-saving change cannot be told from a
    duplicated row (row order is no proof: files get sorted). The message says to write
    UTC offsets.

    Raises
    ------
    DataError
        Listing every bad cell with its line and column (non-finite values, calls
        above :data:`~staffing.io.tables.MAX_CALLS_PER_INTERVAL`, AHT above a day), or a
        duplicated (queue, interval_start).
    """
    name = str(path)
    raw = read_raw_table(path)
    require_columns(raw, ["interval_start", "calls", "aht_seconds"], name)
    issues: list[DataIssue] = []
    starts = parse_datetime(raw, "interval_start", name, issues)
    if UTC_OFFSET_COLUMN in raw.columns and not isinstance(starts.dtype, pd.DatetimeTZDtype):
        # The tool's own plan files: naive local times with each interval's UTC offset beside
        # them, so the autumn change's repeated hour reads back as two distinct instants.
        offsets = parse_numeric(raw, UTC_OFFSET_COLUMN, name, issues, minimum=-24 * 60, maximum=24 * 60)
        if not offsets.isna().any():
            starts = instants_from_offset(pd.DataFrame({"interval_start": starts, UTC_OFFSET_COLUMN: offsets}))
    calls = parse_numeric(raw, "calls", name, issues, minimum=0.0, maximum=MAX_CALLS_PER_INTERVAL)
    aht = parse_numeric(raw, "aht_seconds", name, issues, allow_blank=True, minimum=0.0, minimum_inclusive=False,
                        maximum=MAX_AHT_SECONDS)
    for pos in (aht.isna() & (calls > 0)).to_numpy().nonzero()[0]:
        issues.append(DataIssue(name, int(pos) + FIRST_DATA_LINE, "aht_seconds", "blank where calls > 0"))
    frame = pd.DataFrame({"interval_start": starts, "calls": calls, "aht_seconds": aht})
    if "queue" in raw.columns:
        queue = raw["queue"].astype(str).str.strip()
        for pos in (queue == "").to_numpy().nonzero()[0]:
            issues.append(DataIssue(name, int(pos) + FIRST_DATA_LINE, "queue", "blank queue name"))
        frame.insert(0, "queue", queue.astype("string"))
    raise_if_issues(issues)
    keys = ["queue", "interval_start"] if "queue" in frame.columns else ["interval_start"]
    dup = frame.duplicated(keys, keep="first").to_numpy().nonzero()[0]
    if dup.size:
        naive = not isinstance(starts.dtype, pd.DatetimeTZDtype)
        hint = ("; naive local times cannot tell the repeated hour of a daylight-saving change from a duplicated row: "
                "if that is what it is, write the times with UTC offsets (e.g. 01:00+01:00 then 01:00+00:00), "
                "as staffing forecast --timezone does; else remove the row") if naive else ""
        first_line: dict[tuple[object, ...], int] = {}
        for row, key in enumerate(frame[keys].itertuples(index=False, name=None)):
            first_line.setdefault(key, row + FIRST_DATA_LINE)
        raise DataError([
            DataIssue(name, int(pos) + FIRST_DATA_LINE, "interval_start",
                      f"{frame['interval_start'].iloc[pos]} repeats line "
                      f"{first_line[tuple(frame[keys].iloc[pos])]}'s interval{hint}")
            for pos in dup
        ])
    return frame


def write_requirements(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the requirements table (CSV, atomically; full float precision)."""
    return write_csv(frame, path, float_format="%.10g")
