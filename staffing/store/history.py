"""History in the store: import (idempotent, conflicts, revisions), reads, queues.

The module-level functions take the connection of an open transaction and are used by
the other store modules; :class:`HistoryOps` is the public face (part of
:class:`~staffing.store.Store` and :class:`~staffing.store.UnitOfWork`).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
import sqlalchemy as sa

from staffing.errors import DataError, DataIssue
from staffing.io.tables import FIRST_DATA_LINE, parse_datetime, raise_if_issues
from staffing.store import schema
from staffing.store._db import (
    Operations,
    bulk_insert,
    ensure_queue,
    fetch_frame,
    frame,
    queue_zones,
    records,
    same,
)
from staffing.store.records import HistoryConflict, ImportResult
from staffing.store.timecodec import (
    from_seconds,
    naive_utc,
    timestamp_seconds,
    to_seconds,
    zone_name,
)

__all__ = ["HISTORY_COLUMNS", "HistoryOps", "OnConflict"]

#: Columns of :meth:`HistoryOps.history` (the canonical history table).
HISTORY_COLUMNS = [
    "interval_start",
    "queue",
    "offered",
    "answered",
    "abandoned",
    "aht_seconds",
    "handle_time_sum_seconds",
]
HISTORY_VALUES = HISTORY_COLUMNS[2:]
OnConflict = Literal["reject", "revise"]


# -- connection-level functions (used inside the store package) ---------------------------
def queues(conn: sa.Connection) -> list[str]:
    """Names of the stored queues, sorted."""
    return list(conn.execute(sa.select(schema.queues.c.queue).order_by(schema.queues.c.queue)).scalars())


def queue_timezone(conn: sa.Connection, queue: str) -> str | None:
    """The zone of ``queue`` (``None``: naive local times or unknown queue)."""
    return conn.execute(sa.select(schema.queues.c.timezone).where(schema.queues.c.queue == queue)).scalar()


def last_actual_seconds(conn: sa.Connection, queue: str) -> int | None:
    """Stored seconds of the queue's newest history interval (``None`` when it has none)."""
    h = schema.history
    value = conn.execute(sa.select(sa.func.max(h.c.interval_start_s)).where(h.c.queue == queue)).scalar()
    return None if value is None else int(value)


def _shown(value: Any) -> str:
    """A cell as the user wrote it: text quoted, a number plain (``inf``, not ``np.float64(inf)``)."""
    return repr(value) if isinstance(value, str) else str(value)


def validate_history(frame_in: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check and normalise a canonical history table; :class:`DataError` lists bad rows by file line."""
    issues: list[DataIssue] = []
    for col in ("interval_start", "offered"):
        if col not in frame_in.columns:
            issues.append(DataIssue(source, 1, col, "required column is missing"))
    raise_if_issues(issues)
    # File line of each row: an integer index is taken as the row's position in the file
    # (kept when a caller filtered the rows), anything else as file order.
    index = frame_in.index
    positions = index.to_numpy(dtype=np.int64) if pd.api.types.is_integer_dtype(index) else np.arange(len(frame_in))
    lines = positions + FIRST_DATA_LINE
    parse_issues: list[DataIssue] = []
    times = parse_datetime(frame_in.reset_index(drop=True), "interval_start", source, parse_issues)
    issues.extend(DataIssue(i.file, int(lines[i.row - FIRST_DATA_LINE]) if i.row else None, i.column, i.problem) for i in parse_issues)
    work = pd.DataFrame({"interval_start": times.reset_index(drop=True)})
    work["queue"] = frame_in["queue"].astype(str).to_numpy() if "queue" in frame_in.columns else "default"
    for col in HISTORY_VALUES:
        if col in frame_in.columns:
            raw = frame_in[col].reset_index(drop=True)
            work[col] = pd.to_numeric(raw, errors="coerce").astype(float).to_numpy()
            bad = work[col].isna() & raw.notna() & (raw.astype(str).str.strip() != "")
            # An infinite count would be stored, then compare equal to any re-import and
            # poison every forecast and score of its queue: refused like a negative one.
            out_of_range = (work[col] < 0) | np.isinf(work[col])
            for pos in np.flatnonzero((bad | out_of_range).to_numpy()):
                issues.append(DataIssue(source, int(lines[pos]), col, f"expected a finite number >= 0, got {_shown(raw.iloc[pos])}"))
    for pos in np.flatnonzero(work["offered"].isna().to_numpy()):
        issues.append(DataIssue(source, int(lines[pos]), "offered", "expected a number, got a blank cell"))
    raise_if_issues(issues)
    work["interval_start_s"] = to_seconds(work["interval_start"])
    work["line"] = lines
    dup = work.duplicated(["queue", "interval_start_s"], keep="first")
    for pos in np.flatnonzero(dup.to_numpy()):
        issues.append(DataIssue(source, int(lines[pos]), "interval_start", f"duplicate interval {work['interval_start'].iloc[pos]} for queue {work['queue'].iloc[pos]!r}"))
    raise_if_issues(issues)
    return work


def import_validated(conn: sa.Connection, work: pd.DataFrame, *, on_conflict: OnConflict, source: str, run_id: str | None) -> ImportResult:
    """Write rows checked by :func:`validate_history` (see :meth:`HistoryOps.import_history`)."""
    zones = queue_zones(conn)
    issues: list[DataIssue] = []
    plans: list[tuple[str, str | None, pd.DataFrame, pd.DataFrame]] = []
    conflicts: list[HistoryConflict] = []
    unchanged = 0
    for queue, rows in work.groupby("queue", sort=True):
        qname = str(queue)
        zone = zone_name(rows["interval_start"])
        if qname in zones and (zones[qname] is None) != (zone is None):
            kind = "naive local times" if zones[qname] is None else f"times in {zones[qname]}"
            issues.append(DataIssue(source, None, "interval_start", f"queue {qname!r} is stored with {kind}; the import has {'naive' if zone is None else 'timezone-aware'} times"))
            continue
        new, unchanged_rows, changed = _classify(conn, qname, rows)
        unchanged += len(unchanged_rows)
        conflicts.extend(_conflicts(qname, changed, zones.get(qname, zone)))
        plans.append((qname, zone, new, changed))
    raise_if_issues(issues)
    if conflicts and on_conflict == "reject":
        raise DataError(
            [
                DataIssue(source, k.line, k.column, f"queue {k.queue!r} interval {k.interval_start}: stored value {k.stored} differs from imported {k.imported} (history is append-only; import with on_conflict='revise' / --on-conflict revise to record a revision)")
                for k in conflicts
            ]
        )
    inserted = revised = 0
    present = [col for col in HISTORY_VALUES if col in work.columns]
    for qname, zone, new, changed in plans:
        ensure_queue(conn, qname, zone)
        if len(new):
            cols: dict[str, Any] = {"queue": [qname] * len(new), "interval_start_s": new["interval_start_s"].to_numpy()}
            cols.update({col: new[col].to_numpy(dtype=float) for col in present})
            cols["run_id"] = [run_id] * len(new)
            bulk_insert(conn, schema.history, cols)
            inserted += len(new)
        if len(changed):
            revised += _revise(conn, qname, changed, present, run_id, zones.get(qname, zone))
    return ImportResult(
        inserted=inserted,
        unchanged=unchanged,
        conflicts=tuple(conflicts),
        revised=revised,
        queues=tuple(p[0] for p in plans),
    )


def _classify(conn: sa.Connection, queue: str, rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split ``rows`` into new, unchanged and changed (the last with ``stored_*`` columns)."""
    h = schema.history
    lo, hi = int(rows["interval_start_s"].min()), int(rows["interval_start_s"].max())
    stored = frame(
        conn.execute(
            sa.select(h.c.interval_start_s, h.c.revision, *[h.c[col] for col in HISTORY_VALUES]).where(
                h.c.queue == queue, h.c.interval_start_s >= lo, h.c.interval_start_s <= hi
            )
        )
    )
    if stored.empty:
        return rows, rows.iloc[:0], rows.iloc[:0]
    stored = stored.rename(columns={col: f"stored_{col}" for col in [*HISTORY_VALUES, "revision"]})
    merged = rows.merge(stored, on="interval_start_s", how="left", indicator=True)
    is_new = (merged["_merge"] == "left_only").to_numpy()
    old = merged[~is_new]
    equal = np.ones(len(old), dtype=bool)
    for col in HISTORY_VALUES:
        if col in rows.columns:
            equal &= same(old[col].to_numpy(dtype=float), old[f"stored_{col}"].to_numpy(dtype=float))
    return merged[is_new], old[equal], old[~equal]


def _conflicts(queue: str, changed: pd.DataFrame, zone: str | None) -> list[HistoryConflict]:
    out: list[HistoryConflict] = []
    if changed.empty:
        return out
    times = from_seconds(changed["interval_start_s"].to_numpy(), zone)
    for i, (_, row) in enumerate(changed.iterrows()):
        for col in HISTORY_VALUES:
            if col in changed.columns and not same(np.array([row[col]], dtype=float), np.array([row[f"stored_{col}"]], dtype=float))[0]:
                stored = row[f"stored_{col}"]
                new = row[col]
                out.append(HistoryConflict(queue, times[i], col, None if pd.isna(stored) else float(stored), None if pd.isna(new) else float(new), int(row["line"])))
                break
    return out


def _revise(conn: sa.Connection, queue: str, changed: pd.DataFrame, present: list[str], run_id: str | None, zone: str | None) -> int:
    now = naive_utc(None)
    archive: dict[str, Any] = {
        "queue": [queue] * len(changed),
        "interval_start_s": changed["interval_start_s"].to_numpy(),
        "revision": changed["stored_revision"].to_numpy(dtype=np.int64),
    }
    archive.update({col: changed[f"stored_{col}"].to_numpy(dtype=float) for col in HISTORY_VALUES})
    archive["superseded_at"] = [now] * len(changed)
    archive["run_id"] = [run_id] * len(changed)
    conn.execute(sa.insert(schema.history_revisions), records(archive))
    h = schema.history
    update = (
        sa.update(h)
        .where(h.c.queue == sa.bindparam("b_queue"), h.c.interval_start_s == sa.bindparam("b_s"))
        .values(**{col: sa.bindparam(f"b_{col}") for col in present}, revision=sa.bindparam("b_revision"), run_id=sa.bindparam("b_run_id"))
    )
    params: dict[str, Any] = {
        "b_queue": [queue] * len(changed),
        "b_s": changed["interval_start_s"].to_numpy(),
        "b_revision": changed["stored_revision"].to_numpy(dtype=np.int64) + 1,
        "b_run_id": [run_id] * len(changed),
    }
    params.update({f"b_{col}": changed[col].to_numpy(dtype=float) for col in present})
    conn.execute(update, records(params))
    days = sorted(set(from_seconds(changed["interval_start_s"].to_numpy(), zone).tz_localize(None).normalize().date) if zone else set(from_seconds(changed["interval_start_s"].to_numpy(), None).normalize().date))
    a = schema.accuracy
    conn.execute(sa.delete(a).where(a.c.queue == queue, a.c.day.in_(days)))
    return len(changed)


def read_history(conn: sa.Connection, queue: str | None, start: pd.Timestamp | str | None, end: pd.Timestamp | str | None) -> pd.DataFrame:
    """See :meth:`HistoryOps.history`."""
    h = schema.history
    parts = []
    zones = queue_zones(conn)
    for qname in [queue] if queue is not None else sorted(zones):
        query = sa.select(h.c.interval_start_s, *[h.c[col] for col in HISTORY_VALUES]).where(h.c.queue == qname)
        if start is not None:
            query = query.where(h.c.interval_start_s >= timestamp_seconds(start))
        if end is not None:
            query = query.where(h.c.interval_start_s < timestamp_seconds(end))
        rows = fetch_frame(conn, query.order_by(h.c.interval_start_s))
        rows.insert(0, "interval_start", from_seconds(rows.pop("interval_start_s").to_numpy(dtype=np.int64), zones.get(qname)))
        rows.insert(1, "queue", pd.Series([qname] * len(rows), dtype="str"))
        parts.append(rows)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[s]" if c == "interval_start" else "float") for c in HISTORY_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    for col in HISTORY_VALUES:
        out[col] = out[col].astype(float)
    return out


# -- public operations ----------------------------------------------------------------------
class HistoryOps(Operations):
    """History and queues (mixed into :class:`~staffing.store.Store` and :class:`~staffing.store.UnitOfWork`)."""

    def queues(self) -> list[str]:
        """Names of the queues with history or forecasts, sorted."""
        with self._reading() as c:
            return queues(c)

    def queue_timezone(self, queue: str) -> str | None:
        """The zone the queue's times are shown in (``None``: naive local times)."""
        with self._reading() as c:
            return queue_timezone(c, queue)

    def import_history(
        self,
        frame: pd.DataFrame,
        *,
        on_conflict: OnConflict = "reject",
        source: str = "history",
        run_id: str | None = None,
    ) -> ImportResult:
        """Append canonical history rows; re-importing identical rows is a no-op.

        Parameters
        ----------
        frame
            Canonical history table: ``interval_start``, ``offered``, optional ``queue``
            (default ``"default"``), ``answered``, ``abandoned``, ``aht_seconds``,
            ``handle_time_sum_seconds``. Only the columns present are compared and stored.
        on_conflict
            What to do with rows whose key ``(queue, interval_start)`` is stored with
            different values: ``"reject"`` (default) raises :class:`DataError` listing them
            and writes nothing; ``"revise"`` keeps the old values in ``history_revisions``,
            stores the new ones (``revision`` + 1) and drops accuracy scores of those days
            so they are re-scored.
        source
            Name used in error messages (the file name); row numbers assume ``frame`` is in
            file order with a header line.
        run_id
            The run recorded on the new rows.

        Returns
        -------
        ImportResult
        """
        work = validate_history(frame, source)
        with self._writing() as c:
            return import_validated(c, work, on_conflict=on_conflict, source=source, run_id=run_id)

    def history(
        self,
        queue: str | None = None,
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
    ) -> pd.DataFrame:
        """Stored history as the canonical table (:data:`HISTORY_COLUMNS`), sorted by queue and time.

        ``start`` is inclusive, ``end`` exclusive; times are naive local or aware in the
        queue's zone, as imported.
        """
        with self._reading() as c:
            return read_history(c, queue, start, end)

    def last_actual_seconds(self, queue: str) -> int | None:
        """Stored seconds of the queue's newest history interval (``None`` when it has none)."""
        with self._reading() as c:
            return last_actual_seconds(c, queue)
