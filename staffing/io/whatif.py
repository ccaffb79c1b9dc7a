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

from staffing.io.tables import (
    atomic_path,
    write_atomic,
    write_csv,
    write_json,
)
from staffing.whatif import SweepResult

#: Interval tables with more rows than this are also written as Parquet.
PARQUET_MIN_ROWS: Final = 100_000


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
