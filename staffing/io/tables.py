"""Reading and writing tables with row-level validation and atomic writes.

Every reader here reports problems as :class:`~staffing.errors.DataIssue` objects
naming the file, the 1-based line (header = line 1, so the first data row is line 2)
and the column, and raises one :class:`~staffing.errors.DataError` with all of them.
Every writer writes to a temporary file beside the target and renames it into place,
so a crash never leaves a half-written output.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import os
import re
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from staffing.errors import DataError, DataIssue

#: Line number in the file of the DataFrame row at position 0 (header is line 1).
FIRST_DATA_LINE = 2
#: Calls in one interval above this are refused as implausible. The largest contact
#: centres take of the order of 1e5-1e6 calls a *day*; 1e7 in one interval is a unit or
#: export error (a cumulative counter, a sum over a year), never a figure to plan with.
MAX_CALLS_PER_INTERVAL = 1e7
#: Average handle time above a day (86,400 s) is refused as implausible.
MAX_AHT_SECONDS = 86_400.0
#: Cells read as blank (case-insensitively) besides the empty cell: missing-value markers.
BLANK_MARKERS: frozenset[str] = frozenset({"", "nan", "none", "null", "na", "n/a"})
_HEAD_BYTES = 64 * 1024


def read_raw_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (``.csv``, ``.csv.gz``) or Parquet (``.parquet``) file as strings/objects.

    CSV files must be UTF-8 (a byte-order mark is allowed) and comma-separated. A header
    without a comma but with ``;`` or a tab is refused with a hint rather than sniffed:
    exports separated by ``;`` usually write decimal commas (``1,5``), and guessing the
    separator would then read ``1,5`` as two cells or as 15.

    Raises
    ------
    DataError
        When the file is missing, empty, binary, truncated (``.gz``), separated by
        something other than commas, or otherwise unreadable; the message names the file.
    """
    p = Path(path)
    name = str(p)
    if not p.is_file():
        raise DataError([DataIssue(name, None, None, "file not found")])
    try:
        if p.suffix.lower() in {".parquet", ".pq"}:
            return pd.read_parquet(p)
        _check_csv_head(p, name)
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig")
        # Undo the tool's own formula-injection quoting (write_csv) so files read back unchanged.
        return raw.apply(lambda col: col.map(_unquote)) if len(raw) else raw
    except pd.errors.EmptyDataError:
        raise DataError([DataIssue(name, None, None, "file is empty")]) from None
    # EOFError is a truncated .gz: left alone, click turns it into a bare "Aborted!".
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError, EOFError, zlib.error, csv.Error) as exc:
        raise DataError([DataIssue(name, None, None, f"cannot be read: {exc}")]) from None


def _check_csv_head(path: Path, name: str) -> None:
    """Refuse binary content and a header separated by ``;`` or tabs, before pandas sees it."""
    if path.suffix.lower() == ".gz":
        with gzip.open(path, "rb") as packed:
            head = packed.read(_HEAD_BYTES)
    else:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    if b"\x00" in head:
        raise DataError([DataIssue(name, None, None, "cannot be read: binary content (NUL bytes); expected a UTF-8 CSV text file, or a .parquet name for Parquet")])
    header = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    if "," in header:
        return
    for sep, word in ((";", "';'"), ("\t", "tabs")):
        if sep in header:
            raise DataError([DataIssue(name, 1, None,
                                       f"the file seems to be separated by {word} (header {header.strip()!r}); "
                                       "save it comma-separated with '.' as the decimal point")])


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
    maximum: float | None = None,
    allow_infinite: bool = False,
) -> pd.Series:
    """Parse ``frame[column]`` to float, appending a :class:`DataIssue` for each bad cell.

    Blank cells (empty or a :data:`BLANK_MARKERS` marker such as ``nan``) become NaN when
    ``allow_blank`` else they are reported. ``inf``/``-inf`` are always reported: no count
    or duration is infinite, and one infinite cell poisons every sum and fit downstream.
    Values below ``minimum`` (or equal to it when ``minimum_inclusive`` is false) or above
    ``maximum`` are reported. ``allow_infinite`` admits ``inf`` for the one figure the
    tool itself writes as infinite: the ASA of an overloaded interval (agents <= load).
    """
    raw = frame[column]
    if raw.dtype == object or pd.api.types.is_string_dtype(raw):
        text = raw.astype(str).str.strip()
        blank = text.str.lower().isin(BLANK_MARKERS) | raw.isna()
        values = pd.to_numeric(text.where(~blank), errors="coerce").astype(float)
    else:
        blank = raw.isna()
        values = pd.to_numeric(raw, errors="coerce").astype(float)
    bad = values.isna() & ~blank
    for pos in bad.to_numpy().nonzero()[0]:
        issues.append(DataIssue(file, _line(int(pos)), column, f"expected a number, got {str(raw.iloc[pos])!r}"))
    infinite = np.isinf(values.to_numpy()) & (not allow_infinite)
    for pos in infinite.nonzero()[0]:
        issues.append(DataIssue(file, _line(int(pos)), column, f"expected a finite number, got {str(raw.iloc[pos])!r}"))
    if not allow_blank:
        for pos in blank.to_numpy().nonzero()[0]:
            issues.append(DataIssue(file, _line(int(pos)), column, "expected a number, got a blank cell"))
    finite = values.where(~infinite)
    if minimum is not None:
        low = finite < minimum if minimum_inclusive else finite <= minimum
        word = ">=" if minimum_inclusive else ">"
        for pos in low.fillna(False).to_numpy().nonzero()[0]:
            issues.append(DataIssue(file, _line(int(pos)), column, f"expected a value {word} {minimum:g}, got {values.iloc[pos]:g}"))
    if maximum is not None:
        for pos in (finite > maximum).fillna(False).to_numpy().nonzero()[0]:
            issues.append(DataIssue(file, _line(int(pos)), column,
                                    f"expected a value <= {maximum:g} (larger is implausible: a unit or export error?), got {values.iloc[pos]:g}"))
    return values


#: A UTC offset (or ``Z``) written after a time of day, at the end of the cell.
_OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?P<offset>[zZ]|[+-]\d{2}(?::?\d{2})?)$")


def _offset_minutes(text: str) -> int:
    """Minutes east of UTC of an offset matched by :data:`_OFFSET` (``Z`` = 0)."""
    if text in ("z", "Z"):
        return 0
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
    return -minutes if text[0] == "-" else minutes


def _to_datetime(text: pd.Series, *, utc: bool) -> pd.Series:
    """ISO 8601 parse; unparseable cells are NaT (cell by cell when the batch refuses)."""
    try:
        return pd.to_datetime(text, errors="coerce", format="ISO8601", utc=utc)
    except (ValueError, TypeError, OverflowError):
        pass
    cells: list[pd.Timestamp | None] = []
    for cell in text:
        try:
            stamp = pd.to_datetime(cell, format="ISO8601", utc=utc)
        except (ValueError, TypeError, OverflowError):
            stamp = None
        # Without utc, a zone the offset pattern missed would mix naive and aware: unreadable.
        cells.append(None if stamp is None or (not utc and stamp.tzinfo is not None) else stamp)
    return pd.to_datetime(pd.Series(cells, index=text.index, dtype=object), errors="coerce", utc=utc)


def parse_datetime(
    frame: pd.DataFrame, column: str, file: str, issues: list[DataIssue], *, mixed_offsets: bool = True
) -> pd.Series:
    """Parse ``frame[column]`` to datetimes (ISO 8601 or ``YYYY-MM-DD HH:MM[:SS]``).

    The contract, decided here for every reader:

    * no cell has a UTC offset: naive local wall-clock times, as written;
    * every cell has the same offset (``+01:00``, ``Z``): times aware in that fixed offset;
    * cells carry different offsets (a daylight-saving change, as ``staffing forecast
      --timezone`` writes): the instants, in UTC. Readers that need local wall time
      convert with :func:`to_local` and the site's zone. With ``mixed_offsets`` false
      this is reported instead (naming the first line whose offset differs), for
      readers that have no zone to convert to;
    * some cells with an offset and some without: reported (the naive ones name no
      instant), naming the lines of the less common kind.

    Unparseable cells are reported.
    """
    raw = frame[column]
    if pd.api.types.is_datetime64_any_dtype(raw):
        return raw
    text = raw.astype(str).str.strip()
    offsets = text.str.extract(_OFFSET)["offset"]
    aware = offsets.notna()
    naive_part = _to_datetime(text[~aware], utc=False)
    aware_part = _to_datetime(text[aware], utc=True)
    if isinstance(naive_part.dtype, pd.DatetimeTZDtype):
        # A zone spelt in a way the offset pattern does not know: keep the instants.
        aware_part = pd.concat([aware_part, naive_part.dt.tz_convert("UTC")])
        aware = aware | naive_part.reindex(text.index).notna()
        naive_part = naive_part.iloc[:0].dt.tz_localize(None)
    bad = pd.concat([naive_part, aware_part]).reindex(text.index).isna()
    for pos in bad.to_numpy().nonzero()[0]:
        issues.append(DataIssue(file, _line(int(pos)), column, f"expected a date-time like 2024-01-31 08:30, got {str(raw.iloc[pos])!r}"))
    good_aware = (aware & ~bad).to_numpy()
    good_naive = (~aware & ~bad).to_numpy()
    if good_aware.any() and good_naive.any():
        minority = good_aware if good_aware.sum() <= good_naive.sum() else good_naive
        kind = "has a UTC offset" if minority is good_aware else "has no UTC offset"
        for pos in np.flatnonzero(minority):
            issues.append(DataIssue(file, _line(int(pos)), column,
                                    f"{str(raw.iloc[pos])!r} {kind} unlike most rows: write every time with an offset, or none"))
        return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if not good_aware.any():
        return naive_part.reindex(text.index)
    parsed = aware_part.reindex(text.index)
    minutes = np.array([_offset_minutes(o) if isinstance(o, str) else 0 for o in offsets], dtype=np.int64)
    rows = np.flatnonzero(good_aware)
    distinct = np.unique(minutes[rows])
    if distinct.size == 1:
        return parsed.dt.tz_convert(dt.timezone(dt.timedelta(minutes=int(distinct[0]))))
    if not mixed_offsets:
        first = int(rows[0])
        pos = int(rows[np.flatnonzero(minutes[rows] != minutes[first])[0]])
        issues.append(DataIssue(file, _line(pos), column,
                                f"offset {offsets.iloc[pos]} differs from line {_line(first)}'s {offsets.iloc[first]} "
                                "(a daylight-saving change?): give the time zone the times are local to"))
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


#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, prefixed with ``'`` (shown as text).

    Follows OWASP's CSV-injection guidance: text starting with ``=``, ``+``, ``-``, ``@``,
    a tab or a carriage return gets a leading single quote. Numbers are left alone (a
    negative number is data, not a formula). :func:`read_raw_table` removes the quote
    again, so every file the tool writes reads back unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _unquote(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS) else value


#: Columns that carry text from outside the tool (HR and ACD identifiers): the cells an
#: attacker controls, neutralised by :func:`write_csv`. The tool's own labels (``+20s``) are not.
USER_TEXT_COLUMNS: tuple[str, ...] = ("agent_id", "queue", "site", "skills", "name")


def write_csv(frame: pd.DataFrame, path: str | Path, *, float_format: str | None = None) -> Path:
    """Write ``frame`` (without its index) as CSV atomically, the :data:`USER_TEXT_COLUMNS`
    neutralised against formula injection (:func:`neutralise_cell`)."""
    text = [c for c in frame.columns if c in USER_TEXT_COLUMNS]
    safe = frame.assign(**{str(c): frame[c].map(neutralise_cell) for c in text}) if text else frame
    return write_atomic(path, lambda h: safe.to_csv(h, index=False, float_format=float_format))


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
