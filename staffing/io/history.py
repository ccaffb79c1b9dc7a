"""Reading interval history (CSV or Parquet) into the canonical history table.

Exports name their columns differently; :class:`HistoryMapping` maps canonical names to
the file's. Without a mapping, common export names are recognised when unambiguous
(``timestamp`` -> ``interval_start``, ``calls`` -> ``offered``, ``served`` ->
``answered``, ``aht_sec`` -> ``aht_seconds``...). Every problem found is reported with
file, line (header = line 1), column and what was expected, in one
:class:`~staffing.errors.DataError`. Gaps (closed hours, missing days) are not errors:
:func:`staffing.ingest.history.find_gaps` lists them and they are logged at INFO level.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from staffing.errors import DataError, DataIssue
from staffing.ingest.history import (
    CANONICAL_COLUMNS,
    find_gaps,
    infer_interval_minutes,
    wall_minutes,
)
from staffing.io.tables import (
    FIRST_DATA_LINE,
    MAX_AHT_SECONDS,
    MAX_CALLS_PER_INTERVAL,
    parse_datetime,
    parse_numeric,
    raise_if_issues,
    read_raw_table,
    to_local,
)
from staffing.tables import interval_lengths

log = logging.getLogger(__name__)

#: Export column names recognised without a mapping (lower-cased), per canonical column.
ALIASES: dict[str, tuple[str, ...]] = {
    "interval_start": ("timestamp", "datetime", "date_time", "interval", "start", "time"),
    "offered": ("calls", "offered_calls", "volume", "contacts", "arrivals"),
    "answered": ("served", "handled", "answered_calls"),
    "abandoned": ("abandons", "abandoned_calls"),
    "aht_seconds": ("aht", "aht_sec", "aht_s"),
    "handle_time_sum_seconds": ("handle_time", "handle_time_seconds", "total_handle_time"),
    "queue": ("skill", "split", "queue_name"),
}
NUMERIC_COLUMNS: tuple[str, ...] = ("offered", "answered", "abandoned", "aht_seconds", "handle_time_sum_seconds")
#: Largest plausible value per numeric column (see :data:`staffing.io.tables.MAX_CALLS_PER_INTERVAL`);
#: a handle-time sum is bounded by the two (calls x AHT).
MAXIMA: dict[str, float] = {
    "offered": MAX_CALLS_PER_INTERVAL, "answered": MAX_CALLS_PER_INTERVAL, "abandoned": MAX_CALLS_PER_INTERVAL,
    "aht_seconds": MAX_AHT_SECONDS, "handle_time_sum_seconds": MAX_CALLS_PER_INTERVAL * MAX_AHT_SECONDS,
}


class HistoryMapping(BaseModel):
    """How to read one history export (reusable as a config block).

    Attributes
    ----------
    columns
        Canonical name -> the file's column name, e.g. ``{"interval_start": "timestamp",
        "offered": "calls"}``. Unmapped canonical columns are looked up by name, then by
        :data:`ALIASES`.
    interval_minutes
        The file's interval length; inferred (most common step) when omitted.
    queue
        Queue name for a file without a ``queue`` column, or the queue to keep from one
        with several.
    timezone
        IANA zone (``Europe/London``). Naive timestamps are read as local time there
        (the repeated hour of a fall-back day must appear in order); offsets in the file
        (``2026-03-02T08:00:00+00:00``, or several across a daylight-saving change as
        ``staffing forecast --timezone`` writes) are converted to it. Omitted: naive
        stays naive local time, one offset throughout is kept as that fixed offset, and
        different offsets are refused (the intraday pattern is a wall-clock pattern:
        the zone is needed to know the wall clock).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: dict[str, str] = Field(default_factory=dict)
    interval_minutes: int | None = Field(default=None, gt=0, le=1440)
    queue: str | None = None
    timezone: str | None = None

    @field_validator("columns")
    @classmethod
    def _known(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k in value if k not in CANONICAL_COLUMNS]
        if bad:
            raise ValueError(f"unknown canonical column(s) {bad}; expected some of {list(CANONICAL_COLUMNS)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                pd.Timestamp("2000-01-01").tz_localize(value)
            except Exception as exc:
                raise ValueError(f"unknown time zone {value!r}") from exc
        return value


def parse_column_map(text: str | None) -> dict[str, str]:
    """``"interval_start=timestamp,offered=calls"`` -> dict (CLI syntax)."""
    if not text:
        return {}
    out: dict[str, str] = {}
    for part in text.split(","):
        if "=" not in part:
            raise ValueError(f"expected canonical=column pairs separated by commas, got {part!r}")
        key, value = (p.strip() for p in part.split("=", 1))
        out[key] = value
    return out


def _rename(raw: pd.DataFrame, mapping: HistoryMapping, file: str) -> pd.DataFrame:
    lower = {str(c).strip().lower(): str(c) for c in raw.columns}
    chosen: dict[str, str] = {}
    issues: list[DataIssue] = []
    for canonical, source in mapping.columns.items():
        if source not in raw.columns:
            have = ", ".join(map(str, raw.columns))
            issues.append(DataIssue(file, 1, source, f"mapped column for {canonical} is missing (columns are: {have})"))
        chosen[source] = canonical
    raise_if_issues(issues)
    mapped = set(mapping.columns)
    for canonical in CANONICAL_COLUMNS:
        if canonical in mapped or canonical in lower:
            if canonical in lower and canonical not in mapped and lower[canonical] not in chosen:
                chosen[lower[canonical]] = canonical
            continue
        hits = [lower[a] for a in ALIASES.get(canonical, ()) if a in lower and lower[a] not in chosen]
        if len(hits) == 1:
            chosen[hits[0]] = canonical
    return raw.rename(columns=chosen)[list(chosen.values())]


def read_history(
    path: str | Path,
    *,
    column_map: dict[str, str] | None = None,
    interval_minutes: int | None = None,
    queue: str | None = None,
    timezone: str | None = None,
) -> pd.DataFrame:
    """Read and validate an interval history file into the canonical table.

    Returns ``interval_start, queue, offered`` and whichever of ``answered, abandoned,
    aht_seconds, handle_time_sum_seconds`` the file has, sorted by queue and time, at
    the file's own interval (resample with :func:`staffing.ingest.history.resample_history`).

    Raises
    ------
    DataError
        Listing every problem: an unreadable file, missing columns, unparseable or
        misaligned timestamps, offsets that differ without a zone, duplicated
        intervals, negative, non-finite, non-numeric or implausible values (counts
        above :data:`~staffing.io.tables.MAX_CALLS_PER_INTERVAL`, AHT above a day),
        DST-impossible times, two interval lengths in one queue
        (:func:`staffing.tables.interval_lengths`).
    """
    mapping = HistoryMapping(columns=column_map or {}, interval_minutes=interval_minutes, queue=queue, timezone=timezone)
    return read_history_mapped(path, mapping)


def read_history_mapped(path: str | Path, mapping: HistoryMapping) -> pd.DataFrame:
    """:func:`read_history` with a validated :class:`HistoryMapping`."""
    file = str(path)
    raw = read_raw_table(path).reset_index(drop=True)
    if raw.empty:
        raise DataError([DataIssue(file, None, None, "has no data rows")])
    frame = _rename(raw, mapping, file)
    missing = [c for c in ("interval_start", "offered") if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, raw.columns))
        raise DataError([DataIssue(file, 1, c, f"required column is missing (columns are: {have}); map it with a column mapping such as {c}=<your column>") for c in missing])
    issues: list[DataIssue] = []
    out = pd.DataFrame(index=frame.index)
    out["interval_start"] = parse_datetime(frame, "interval_start", file, issues, mixed_offsets=mapping.timezone is not None)
    if "queue" in frame.columns:
        out["queue"] = frame["queue"].astype(str).str.strip().replace("", mapping.queue or "default")
    else:
        out["queue"] = mapping.queue or "default"
    for col in NUMERIC_COLUMNS:
        if col in frame.columns:
            out[col] = parse_numeric(frame, col, file, issues, allow_blank=col != "offered", minimum=0, maximum=MAXIMA[col]).to_numpy()
    raise_if_issues(issues)
    out["interval_start"] = _apply_timezone(out["interval_start"], mapping.timezone, file, issues)
    raise_if_issues(issues)
    if mapping.queue is not None and "queue" in frame.columns:
        out = out[out["queue"] == mapping.queue]
        if out.empty:
            raise DataError([DataIssue(file, None, "queue", f"no rows for queue {mapping.queue!r}")])
    # Two lengths first: the coarse rows of a mixed file would bury it under grid errors.
    _check_one_length(out, file, issues)
    raise_if_issues(issues)
    step = mapping.interval_minutes or _infer_step(out)
    if step is not None:
        _check_alignment(out, step, file, issues)
    _check_duplicates(out, file, issues)
    raise_if_issues(issues)
    out = out.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)
    gaps = find_gaps(out, step) if step is not None else []
    if gaps:
        log.info("%s: %d gap(s) in the history (closed hours or missing days are fine), first %s", file, len(gaps), gaps[0])
    cols = [c for c in CANONICAL_COLUMNS if c in out.columns]
    return out[cols]


def _infer_step(frame: pd.DataFrame) -> int | None:
    """The smallest per-queue interval; ``None`` when no queue has two distinct times."""
    steps = [infer_interval_minutes(part["interval_start"]) for _, part in frame.groupby("queue") if part["interval_start"].nunique() > 1]
    return min(steps) if steps else None


def _check_one_length(frame: pd.DataFrame, file: str, issues: list[DataIssue]) -> None:
    """Refuse a queue whose rows are laid at two interval lengths (summing them would give a
    saw-tooth), naming the first row of each length; gaps are not lengths."""
    for queue, part in frame.groupby("queue", sort=True):
        found = interval_lengths(part["interval_start"])
        if len(found) < 2:
            continue
        times = part["interval_start"]
        where = [(minutes, int(part.index[np.flatnonzero((times == start).to_numpy())[0]]) + FIRST_DATA_LINE, start)
                 for minutes, start in found]
        listed = "; ".join(f"{m}-minute rows from line {line} ({start})" for m, line, start in where)
        coarsest = max(m for m, _, _ in where)
        for _length, line, _start in where[1:]:
            issues.append(DataIssue(file, line, "interval_start",
                                    f"queue {queue!r} mixes interval lengths: {listed}. A history must have one interval "
                                    f"length: sum the finer rows up to {coarsest} minutes, or split the file"))


def _apply_timezone(times: pd.Series, zone: str | None, file: str, issues: list[DataIssue]) -> pd.Series:
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        return times.dt.tz_convert(zone) if zone else times
    if zone is None:
        return times
    try:
        return times.dt.tz_localize(zone, ambiguous="infer", nonexistent="raise")
    except Exception:
        pass
    # Report the offending rows one by one.
    result = times.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    for pos in np.flatnonzero(result.isna().to_numpy()):
        issues.append(DataIssue(file, int(pos) + FIRST_DATA_LINE, "interval_start",
                                f"{times.iloc[pos]} does not exist or is ambiguous in {zone} (daylight-saving change); "
                                "give offsets or keep the repeated hour's rows in order"))
    return result


def _check_alignment(frame: pd.DataFrame, step: int, file: str, issues: list[DataIssue]) -> None:
    minutes = wall_minutes(frame["interval_start"])
    bad = np.flatnonzero((np.abs(minutes - np.round(minutes)) > 1e-9) | (np.round(minutes) % step != 0))
    for pos in (int(b) for b in bad):
        line = int(frame.index[pos]) + FIRST_DATA_LINE
        issues.append(DataIssue(file, line, "interval_start",
                                f"{frame['interval_start'].iloc[pos]} is not on the {step}-minute interval grid (intervals start at multiples of {step} minutes after midnight)"))


def _check_duplicates(frame: pd.DataFrame, file: str, issues: list[DataIssue]) -> None:
    key = frame[["queue", "interval_start"]]
    dup = key.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    first_line: dict[tuple[str, pd.Timestamp], int] = {}
    for pos in (int(d) for d in np.flatnonzero(dup)):
        k = (str(key["queue"].iloc[pos]), key["interval_start"].iloc[pos])
        line = int(frame.index[pos]) + FIRST_DATA_LINE
        if k not in first_line:
            first_line[k] = line
            continue
        hint = ("" if isinstance(frame["interval_start"].dtype, pd.DatetimeTZDtype) else
                "; if it is the repeated hour of a daylight-saving change, give the time zone (rows in order) or write UTC offsets")
        issues.append(DataIssue(file, line, "interval_start",
                                f"duplicate interval {k[1]} for queue {k[0]!r} (also on line {first_line[k]}){hint}"))


def read_history_local(path: str | Path, *, column_map: dict[str, str] | None = None,
                       timezone: str | None = None) -> pd.DataFrame:
    """:func:`read_history` with ``interval_start`` as naive local wall time in ``timezone``.

    For judging a plan (whose times are naive local) against actuals given in any of the
    layouts ``staffing forecast`` reads: the same aliases and column mapping.
    """
    frame = read_history(path, column_map=column_map, timezone=timezone)
    return frame.assign(interval_start=to_local(frame["interval_start"], timezone))
