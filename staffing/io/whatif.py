"""Files of ``staffing whatif``: the baseline forecast it reads and the sweep it writes.

Output directory::

    scenarios.csv      one row per scenario (parameters, agent-hours, FTE, peak, projected SL)
    daily.csv          scenario x date (calls, agent-hours, peak agents, SL)
    intervals.csv      tidy scenario x queue x interval requirement table (small sweeps)
    intervals.parquet  the same table for large sweeps (4x smaller, 10x faster to write)
    whatif.html        interactive cost-vs-service-level chart (works offline)
    sweep.json         how the sweep was run (base targets, grid, interval, FTE hours)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Literal

from staffing.io.tables import (
    atomic_path,
    write_atomic,
    write_csv,
    write_json,
)
from staffing.whatif.aggregate import SweepResult

#: With ``intervals_format="auto"``, interval tables with more rows than this are written
#: as Parquet instead of CSV (a 1,000-scenario queue-week is 672,000 rows: 100 MB of CSV).
PARQUET_MIN_ROWS: Final = 100_000

IntervalsFormat = Literal["auto", "csv", "parquet", "both"]


def write_sweep(
    result: SweepResult,
    out_dir: str | Path,
    *,
    chart_html: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    intervals_format: IntervalsFormat = "auto",
    parquet_min_rows: int = PARQUET_MIN_ROWS,
) -> list[Path]:
    """Write a sweep's tables (and chart) into ``out_dir``; return the paths written.

    Every file is written atomically. The interval table goes to ``intervals.csv``,
    ``intervals.parquet`` or both; ``"auto"`` picks Parquet above ``parquet_min_rows``
    rows and CSV otherwise.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [
        write_csv(result.scenarios, out / "scenarios.csv"),
        write_csv(result.daily, out / "daily.csv"),
    ]
    if intervals_format == "auto":
        intervals_format = "parquet" if len(result.intervals) > parquet_min_rows else "csv"
    if intervals_format in ("csv", "both"):
        written.append(write_csv(result.intervals, out / "intervals.csv"))
    if intervals_format in ("parquet", "both"):
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
