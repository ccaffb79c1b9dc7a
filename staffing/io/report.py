"""Read the report's optional inputs (actuals, accuracy) and write the HTML page."""

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
    to_local,
    write_atomic,
)

#: Optional numeric columns of the actuals the report uses.
ACTUALS_OPTIONAL = ("answered", "abandoned", "aht_seconds", "handle_time_sum_seconds", "service_level", "asa_seconds")


def read_actuals(path: str | Path, timezone: str | None = None) -> pd.DataFrame:
    """Read a canonical history table (``interval_start, offered`` + optional columns).

    Offsets in ``interval_start`` are converted to ``timezone`` and dropped, so the result
    is naive local time like the plan. ``queue`` is kept when present.
    """
    name = str(path)
    raw = read_raw_table(path)
    require_columns(raw, ("interval_start", "offered"), name)
    issues: list[DataIssue] = []
    out = pd.DataFrame({"interval_start": to_local(parse_datetime(raw, "interval_start", name, issues), timezone)})
    out["offered"] = parse_numeric(raw, "offered", name, issues, minimum=0.0)
    for col in ACTUALS_OPTIONAL:
        if col in raw.columns:
            out[col] = parse_numeric(raw, col, name, issues, allow_blank=True, minimum=0.0)
    if "service_level" in out:
        for pos in (out["service_level"] > 1).to_numpy().nonzero()[0]:
            issues.append(DataIssue(name, int(pos) + 2, "service_level", "expected a fraction in [0, 1]"))
    if "queue" in raw.columns:
        out["queue"] = raw["queue"].astype(str)
    raise_if_issues(issues)
    return out


def read_accuracy(path: str | Path) -> pd.DataFrame:
    """Read an accuracy table by day: ``date, wape, bias`` (fractions); sorted by date."""
    name = str(path)
    raw = read_raw_table(path)
    require_columns(raw, ("date", "wape", "bias"), name)
    issues: list[DataIssue] = []
    out = pd.DataFrame({
        "date": parse_datetime(raw, "date", name, issues).dt.normalize(),
        "wape": parse_numeric(raw, "wape", name, issues, minimum=0.0),
        "bias": parse_numeric(raw, "bias", name, issues),
    })
    raise_if_issues(issues)
    return out.sort_values("date", kind="stable").reset_index(drop=True)


def write_html(html: str, path: str | Path) -> Path:
    """Write an HTML page atomically (UTF-8)."""
    return write_atomic(path, lambda h: h.write(html))
