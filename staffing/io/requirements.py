"""Read a forecast table for ``staffing requirements`` and write the requirements table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from staffing.errors import DataIssue
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
    """A forecast CSV/Parquet: ``interval_start, calls, aht_seconds`` (+ optional ``queue``).

    Other columns (prediction intervals, ...) are ignored. Every bad cell is reported at
    once with its file, line and column: unparseable times, negative or non-numeric
    calls, AHT that is not positive where there are calls, duplicated intervals.
    """
    name = str(path)
    raw = read_raw_table(path)
    require_columns(raw, ["interval_start", "calls", "aht_seconds"], name)
    issues: list[DataIssue] = []
    starts = parse_datetime(raw, "interval_start", name, issues)
    calls = parse_numeric(raw, "calls", name, issues, minimum=0.0)
    aht = parse_numeric(raw, "aht_seconds", name, issues, allow_blank=True)
    for pos in ((calls > 0) & ~(aht > 0)).to_numpy().nonzero()[0]:
        value = raw["aht_seconds"].iloc[pos]
        issues.append(DataIssue(name, int(pos) + FIRST_DATA_LINE, "aht_seconds",
                                f"expected a handle time > 0 seconds where there are calls, got {value!r}"))
    frame = pd.DataFrame({"interval_start": starts, "calls": calls, "aht_seconds": aht})
    if "queue" in raw.columns:
        frame.insert(0, "queue", raw["queue"].astype(str))
    keys = ["queue", "interval_start"] if "queue" in frame.columns else ["interval_start"]
    for pos in frame.duplicated(keys, keep="first").to_numpy().nonzero()[0]:
        issues.append(DataIssue(name, int(pos) + FIRST_DATA_LINE, "interval_start", "duplicate interval"))
    raise_if_issues(issues)
    return frame


def write_requirements(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the requirements table (CSV, atomically; full float precision)."""
    return write_csv(frame, path, float_format="%.10g")
