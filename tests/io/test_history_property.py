"""Property: any CSV given to the history reader ends in a canonical table or a DataError.

Generated files mix known, aliased and unknown columns in any order, cells that are
numbers, blanks, ``nan``, ``inf``, huge, negative or text, and timestamps that are naive,
offset (``Z``, ``+01:00``, ``+0000``), duplicated, off-grid or garbage. No other exception
may escape, and the reader must answer within the deadline.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from staffing.errors import DataError
from staffing.io.history import read_history
from staffing.tables import HISTORY_COLUMNS

COLUMNS = ("interval_start", "timestamp", "queue", "offered", "calls", "answered", "abandoned",
           "aht_seconds", "handle_time_sum_seconds", "notes", "Unnamed: 0")
PLAIN_NUMBER = st.integers(min_value=0, max_value=500).map(str)
NUMBER_TEXT = st.one_of(
    PLAIN_NUMBER, PLAIN_NUMBER, PLAIN_NUMBER,  # weighted: most files are mostly right
    st.integers(min_value=-5, max_value=500).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "nan", "NaN", "inf", "-inf", "Infinity", "1e12", "1e308", "-0", "abc", "1,5", "None"]),
    st.text(max_size=6),
)
OFFSETS = st.sampled_from(["", "", "", "Z", "+00:00", "+01:00", "-05:30", "+0100"])
GRID_TIME = st.builds(lambda step: str(pd.Timestamp("2026-10-24") + pd.Timedelta(minutes=15 * step)),
                      st.integers(min_value=0, max_value=200))
TIMESTAMP = st.one_of(
    GRID_TIME, GRID_TIME, GRID_TIME,
    st.builds(lambda step, sep, off: f"{pd.Timestamp('2026-10-24') + pd.Timedelta(minutes=15 * step)}".replace(" ", sep) + off,
              st.integers(min_value=0, max_value=200), st.sampled_from([" ", "T"]), OFFSETS),
    st.builds(lambda minute: f"2026-03-02 08:{minute:02d}", st.integers(min_value=0, max_value=59)),
    st.sampled_from(["", "not a date", "2026-02-30 08:00", "NaT", "9999-12-31 23:59", "2026-10-25 01:30"]),
    st.text(max_size=12),
)
CELL = {"interval_start": TIMESTAMP, "timestamp": TIMESTAMP, "queue": st.sampled_from(["", "a", "b", "sales, east"]),
        "notes": st.text(max_size=8)}


@st.composite
def history_csv(draw: st.DrawFn) -> str:
    # Half the files are clean apart from their extra columns, order and duplicated times,
    # so that the success path (a canonical table) is exercised as well as the refusals.
    noisy = draw(st.booleans())
    required = draw(st.sampled_from([(), ("interval_start", "offered"), ("timestamp", "calls")] if noisy else
                                    [("interval_start", "offered"), ("timestamp", "calls")]))
    extra = draw(st.lists(st.sampled_from(COLUMNS), unique=True, max_size=len(COLUMNS)))
    columns = draw(st.permutations(list(dict.fromkeys((*required, *extra)))))
    clean = {"interval_start": GRID_TIME, "timestamp": GRID_TIME, "queue": st.sampled_from(["a", "b"])}
    cells = [(CELL.get(c, NUMBER_TEXT) if noisy else clean.get(c, PLAIN_NUMBER)) for c in columns]
    keys = [i for i, c in enumerate(columns) if c in ("interval_start", "timestamp", "queue")]
    rows = draw(st.lists(st.tuples(*cells), min_size=0 if noisy else 1, max_size=25,
                         unique_by=None if noisy else (lambda row: tuple(row[i] for i in keys))))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def _assert_canonical(frame: pd.DataFrame) -> None:
    columns = list(frame.columns)
    assert columns[:3] == ["interval_start", "queue", "offered"]
    assert columns == [c for c in HISTORY_COLUMNS if c in columns]
    assert pd.api.types.is_datetime64_any_dtype(frame["interval_start"]) and frame["interval_start"].notna().all()
    assert not frame.duplicated(["queue", "interval_start"]).any()
    offered = frame["offered"].to_numpy(dtype=float)
    assert np.isfinite(offered).all() and (offered >= 0).all()
    for col in columns[3:]:
        values = frame[col].to_numpy(dtype=float)
        present = values[~np.isnan(values)]
        assert np.isfinite(present).all() and (present >= 0).all()


@settings(max_examples=100, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(text=history_csv(), timezone=st.sampled_from([None, "Europe/London"]))
def test_any_csv_ends_in_a_canonical_table_or_a_data_error(text: str, timezone: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.csv"
        path.write_text(text, encoding="utf-8")
        try:
            frame = read_history(path, timezone=timezone)
        except DataError as exc:
            assert exc.issues and all(issue.file == str(path) for issue in exc.issues)
            assert all(issue.row is None or issue.row >= 1 for issue in exc.issues)
            event("DataError")
            return
    event("canonical table")
    _assert_canonical(frame)
    assert not math.isnan(float(frame["offered"].sum()))
