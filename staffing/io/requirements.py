"""Read a forecast table for ``staffing requirements`` and write the requirements table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from staffing.errors import DataError, DataIssue
from staffing.io.tables import (
    parse_datetime,
    parse_numeric,
    raise_if_issues,
    read_raw_table,
    require_columns,
    write_csv,
)

FIRST_DATA_LINE = 2  # the header is line 1


def read_forecast(path: str | Path) -> pd.DataFrame:
    """Read a forecast CSV/Parquet: ``interval_start, calls, aht_seconds`` (+ ``queue``).

    Other columns (``lower80``, ...) are ignored. ``aht_seconds`` may be blank where
    ``calls`` is 0.

    Raises
    ------
    DataError
        Listing every bad cell with its line and column, or a duplicated
        (queue, interval_start).
    """
    name = str(path)
    raw = read_raw_table(path)
    require_columns(raw, ["interval_start", "calls", "aht_seconds"], name)
    issues: list[DataIssue] = []
    starts = parse_datetime(raw, "interval_start", name, issues)
    calls = parse_numeric(raw, "calls", name, issues, minimum=0.0)
    aht = parse_numeric(raw, "aht_seconds", name, issues, allow_blank=True, minimum=0.0, minimum_inclusive=False)
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
        raise DataError([
            DataIssue(name, int(pos) + FIRST_DATA_LINE, "interval_start", "repeats an earlier row's interval")
            for pos in dup
        ])
    return frame


def write_requirements(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the requirements table (CSV, atomically; full float precision)."""
    return write_csv(frame, path, float_format="%.10g")
