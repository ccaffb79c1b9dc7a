"""Reading and writing tables with row-level validation and atomic writes.

Every reader here reports problems as :class:`~staffing.errors.DataIssue` objects
naming the file, the 1-based line (header = line 1, so the first data row is line 2)
and the column, and raises one :class:`~staffing.errors.DataError` with all of them.
Every writer writes to a temporary file beside the target and renames it into place,
so a crash never leaves a half-written output.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pandas as pd

from staffing.errors import DataError, DataIssue

#: Line number in the file of the DataFrame row at position 0 (header is line 1).
FIRST_DATA_LINE = 2


def read_raw_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (``.csv``, ``.csv.gz``) or Parquet (``.parquet``) file as strings/objects.

    Raises
    ------
    DataError
        When the file is missing, empty or unreadable.
    """
    p = Path(path)
    name = str(p)
    if not p.is_file():
        raise DataError([DataIssue(name, None, None, "file not found")])
    try:
        if p.suffix.lower() in {".parquet", ".pq"}:
            return pd.read_parquet(p)
        return pd.read_csv(p, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DataError([DataIssue(name, None, None, "file is empty")]) from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as exc:
        raise DataError([DataIssue(name, None, None, f"cannot be read: {exc}")]) from None


def require_columns(frame: pd.DataFrame, columns: Sequence[str], file: str) -> None:
    """Raise :class:`DataError` naming every column of ``columns`` missing from ``frame``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns))
        raise DataError(
            [DataIssue(file, 1, c, f"required column is missing (columns are: {have})") for c in missing]
        )


def _line(position: int) -> int:
    return position + FIRST_DATA_LINE


def parse_numeric(
    frame: pd.DataFrame,
    column: str,
    file: str,
    issues: list[DataIssue],
    *,
    allow_blank: bool = False,
    minimum: float | None = None,
    minimum_inclusive: bool = True,
) -> pd.Series:
    """Parse ``frame[column]`` to float, appending a :class:`DataIssue` for each bad cell.

    Blank cells become NaN when ``allow_blank`` else they are reported. Values below
    ``minimum`` (or equal to it when ``minimum_inclusive`` is false) are reported.
    """
    raw = frame[column]
    text = raw.astype(str).str.strip() if raw.dtype == object or pd.api.types.is_string_dtype(raw) else raw
    blank = text.isin(["", "nan", "NaN", "None"]) if text.dtype == object or pd.api.types.is_string_dtype(text) else raw.isna()
    values = pd.to_numeric(text.where(~blank), errors="coerce").astype(float)
    bad = values.isna() & ~blank
    for pos in bad.to_numpy().nonzero()[0]:
        issues.append(DataIssue(file, _line(int(pos)), column, f"expected a number, got {str(raw.iloc[pos])!r}"))
    if not allow_blank:
        for pos in blank.to_numpy().nonzero()[0]:
            issues.append(DataIssue(file, _line(int(pos)), column, "expected a number, got a blank cell"))
    if minimum is not None:
        low = values < minimum if minimum_inclusive else values <= minimum
        word = ">=" if minimum_inclusive else ">"
        for pos in low.fillna(False).to_numpy().nonzero()[0]:
            issues.append(DataIssue(file, _line(int(pos)), column, f"expected a value {word} {minimum}, got {values.iloc[pos]:g}"))
    return values


def parse_datetime(
    frame: pd.DataFrame, column: str, file: str, issues: list[DataIssue]
) -> pd.Series:
    """Parse ``frame[column]`` to datetimes (ISO 8601 or ``YYYY-MM-DD HH:MM[:SS]``).

    Offsets in the text are kept (the result is timezone-aware when every cell has
    one); naive text stays naive local time. Unparseable cells are reported.
    """
    raw = frame[column]
    if pd.api.types.is_datetime64_any_dtype(raw):
        return raw
    text = raw.astype(str).str.strip()
    parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
    bad = parsed.isna()
    for pos in bad.to_numpy().nonzero()[0]:
        issues.append(DataIssue(file, _line(int(pos)), column, f"expected a date-time like 2024-01-31 08:30, got {str(raw.iloc[pos])!r}"))
    return parsed


def to_local(values: pd.Series, timezone: str | None) -> pd.Series:
    """Naive local wall-clock times: aware values are converted to ``timezone``, naive kept."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        zone = timezone or "UTC"
        return values.dt.tz_convert(zone).dt.tz_localize(None)
    return values


def raise_if_issues(issues: Sequence[DataIssue]) -> None:
    """Raise one :class:`DataError` carrying ``issues`` when there are any."""
    if issues:
        raise DataError(issues)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it onto ``path``.

    On an exception the temporary file is removed and ``path`` is left as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates the file 0600; give the result the mode a plain open() would.
        tmp.chmod(0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_atomic(path: str | Path, writer: Callable[[IO[str]], Any]) -> Path:
    """Write a text file atomically by calling ``writer(handle)``."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        writer(handle)
    return Path(path)


def write_csv(frame: pd.DataFrame, path: str | Path, *, float_format: str | None = None) -> Path:
    """Write ``frame`` (without its index) as CSV atomically."""
    return write_atomic(path, lambda h: frame.to_csv(h, index=False, float_format=float_format))


def write_json(obj: Any, path: str | Path) -> Path:
    """Write ``obj`` as indented JSON atomically (non-finite floats become ``null``)."""
    return write_atomic(path, lambda h: h.write(json.dumps(_finite(obj), indent=2, default=str) + "\n"))


def _finite(obj: Any) -> Any:
    if isinstance(obj, float) and (obj != obj or obj in (float("inf"), float("-inf"))):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj
