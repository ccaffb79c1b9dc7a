"""Files of ``staffing whatif``: the baseline forecast it reads and the sweep it writes.

Output directory::

    scenarios.csv      one row per scenario (parameters, agent-hours, FTE, peak, projected SL)
    daily.csv          scenario x date (calls, agent-hours, peak agents, SL)
    intervals.csv      tidy scenario x queue x interval requirement table
    intervals.parquet  the same table, also written when it is large (faster to load)
    whatif.html        interactive cost-vs-service-level chart (works offline)
    sweep.json         how the sweep was run (base targets, grid, interval, FTE hours)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import pandas as pd

from staffing.errors import DataError, DataIssue
from staffing.io.tables import (
    FIRST_DATA_LINE,
    atomic_path,
    parse_datetime,
    parse_numeric,
    raise_if_issues,
    read_raw_table,
    require_columns,
    write_atomic,
    write_csv,
    write_json,
)
from staffing.whatif import SweepResult

#: Interval tables with more rows than this are also written as Parquet.
PARQUET_MIN_ROWS: Final = 100_000


def read_baseline_forecast(path: str | Path) -> pd.DataFrame:
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


def write_sweep(
    result: SweepResult,
    out_dir: str | Path,
    *,
    chart_html: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    parquet_min_rows: int = PARQUET_MIN_ROWS,
) -> list[Path]:
    """Write a sweep's tables (and chart) into ``out_dir``; return the paths written.

    Every file is written atomically. ``intervals.parquet`` is added when the interval
    table has more than ``parquet_min_rows`` rows.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [
        write_csv(result.scenarios, out / "scenarios.csv"),
        write_csv(result.daily, out / "daily.csv"),
        write_csv(result.intervals, out / "intervals.csv"),
    ]
    if len(result.intervals) > parquet_min_rows:
        with atomic_path(out / "intervals.parquet") as tmp:
            result.intervals.to_parquet(tmp, index=False)
        written.append(out / "intervals.parquet")
    if chart_html is not None:
        written.append(write_atomic(out / "whatif.html", lambda h: h.write(chart_html)))
    meta = {
        "scenarios": len(result.scenarios),
        "varying": list(result.varying),
        "interval_minutes": result.interval_minutes,
        "fte_hours_per_week": result.fte_hours_per_week,
        "days": result.days,
        "files": [p.name for p in written],
        **(metadata or {}),
    }
    written.append(write_json(meta, out / "sweep.json"))
    return written
