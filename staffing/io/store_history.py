"""Minimal reader of the canonical history table for ``staffing history import``.

Used until/unless :func:`staffing.io.history.read_history` (the forecasting area's full
reader) is available; see :func:`load_history_file`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from staffing.io.tables import (
    parse_datetime,
    parse_numeric,
    raise_if_issues,
    read_raw_table,
    require_columns,
)

_OPTIONAL = ("answered", "abandoned", "aht_seconds", "handle_time_sum_seconds")


def read_canonical_history(path: str | Path, *, queue: str | None = None) -> pd.DataFrame:
    """Read a canonical history CSV/Parquet file, validating every row.

    Columns: ``interval_start`` (date-time), ``offered`` (>= 0), optional ``queue``
    (default ``queue`` argument or ``"default"``), ``answered``, ``abandoned``,
    ``aht_seconds``, ``handle_time_sum_seconds`` (>= 0, blank allowed).

    Raises
    ------
    DataError
        Every bad cell, with file, line and column; nothing is returned.
    """
    name = str(path)
    raw = read_raw_table(path)
    require_columns(raw, ["interval_start", "offered"], name)
    issues: list = []
    out = pd.DataFrame({"interval_start": parse_datetime(raw, "interval_start", name, issues)})
    if "queue" in raw.columns:
        out["queue"] = raw["queue"].astype(str).str.strip().to_numpy()
        blank = out["queue"] == ""
        out.loc[blank, "queue"] = queue or "default"
    else:
        out["queue"] = queue or "default"
    out["offered"] = parse_numeric(raw, "offered", name, issues, minimum=0).to_numpy()
    for col in _OPTIONAL:
        if col in raw.columns:
            out[col] = parse_numeric(raw, col, name, issues, allow_blank=True, minimum=0).to_numpy()
    raise_if_issues(issues)
    return out


def load_history_file(path: str | Path, *, queue: str | None = None) -> pd.DataFrame:
    """The canonical history of ``path``: via ``staffing.io.history.read_history`` when that
    module exists, else :func:`read_canonical_history`. With ``queue`` and a file that has
    a ``queue`` column, only that queue's rows are kept (row numbers in errors stay the file's)."""
    try:
        from staffing.io.history import read_history  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        frame = read_canonical_history(path, queue=queue)
    else:
        frame = read_history(path)
        if "queue" not in frame.columns:
            frame["queue"] = queue or "default"
    if queue is not None:
        frame = frame[frame["queue"] == queue]
    return frame
