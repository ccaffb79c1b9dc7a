"""The forecast store: history, immutable forecast versions, publications, accuracy,
plans and run records in one SQL database (SQLite by default, PostgreSQL for teams).

Every method that writes takes an optional ``conn``: pass the connection of an open
:meth:`Store.transaction` to make it part of a larger all-or-nothing unit (the nightly
reforecast does all its writes in one transaction); without it the method commits its
own transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from staffing import __version__
from staffing.errors import DataError, DataIssue, StoreError
from staffing.io.tables import FIRST_DATA_LINE, parse_datetime, raise_if_issues
from staffing.store import schema
from staffing.store.engine import create_store_engine, resolve_store_url
from staffing.store.lock import LockHolder, StoreLock
from staffing.store.records import (
    ForecastVersion,
    HistoryConflict,
    ImportResult,
    PlanRecord,
    Publication,
    RunRecord,
    RunStatus,
    VersionStatus,
)
from staffing.store.scoring import DAY_SCORE_COLUMNS, ratio, score_days, summarise
from staffing.store.timecodec import (
    from_seconds,
    naive_utc,
    timestamp_seconds,
    to_seconds,
    zone_name,
)
from staffing.tables import REQUIREMENT_COLUMNS as TABLE_REQUIREMENT_COLUMNS

#: Columns of :meth:`Store.history` (the canonical history table).
HISTORY_COLUMNS = [
    "interval_start",
    "queue",
    "offered",
    "answered",
    "abandoned",
    "aht_seconds",
    "handle_time_sum_seconds",
]
_HISTORY_VALUES = HISTORY_COLUMNS[2:]
#: Columns of forecast values (the forecast CSV contract).
FORECAST_COLUMNS = ["interval_start", "calls", "lower80", "upper80", "lower95", "upper95", "aht_seconds"]
_FORECAST_VALUES = FORECAST_COLUMNS[1:]
#: Columns of :meth:`Store.published_for`.
PUBLISHED_COLUMNS = ["interval_start", "queue", "version_id", "publication_id", *_FORECAST_VALUES]
#: Columns of :meth:`Store.actual_vs_forecast`.
INTERVAL_ACCURACY_COLUMNS = [
    "queue",
    "interval_start",
    "version_id",
    "n_intervals",
    "forecast_calls",
    "actual_calls",
    "abs_error_calls",
    "error_calls",
]
#: A stored plan's requirements: the requirements table with its queue and Erlang A column.
REQUIREMENT_COLUMNS = ["queue", *TABLE_REQUIREMENT_COLUMNS, "prob_abandon"]
ROSTER_COLUMNS = ["agent_id", "shift_start", "shift_end", "paid_minutes", "breaks"]
AccuracyBy = Literal["day", "interval", "horizon"]
OnConflict = Literal["reject", "revise"]
_REL_TOL = 1e-9


def _none_if_nan(values: np.ndarray) -> list[Any]:
    out: list[Any] = values.tolist()
    if np.isnan(values).any():
        return [None if v != v else v for v in out]
    return out


def _column_lists(columns: Mapping[str, Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for name, values in columns.items():
        array = np.asarray(values)
        out[name] = _none_if_nan(array) if array.dtype.kind == "f" else array.tolist()
    return out


def _records(columns: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Column arrays -> list of row dicts with NaN as NULL (for ``executemany``)."""
    lists = _column_lists(columns)
    names = list(lists)
    return [dict(zip(names, row, strict=True)) for row in zip(*lists.values(), strict=True)]


def _bulk_insert(conn: sa.Connection, table: sa.Table, columns: Mapping[str, Any]) -> None:
    """Insert column arrays with one ``executemany``.

    On positional-parameter drivers (sqlite3) the statement is compiled once and rows go
    to the driver as tuples, skipping SQLAlchemy's per-row parameter processing (5x faster
    for a year of history); this is only done for columns that need no bind conversion.
    """
    lists = _column_lists(columns)
    if not lists or not len(next(iter(lists.values()))):
        return
    simple = all(not isinstance(table.c[name].type, sa.DateTime | sa.Date) for name in columns)
    if conn.dialect.positional and simple:
        compiled = sa.insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
        order = list(compiled.positiontup or [])
        if sorted(order) == sorted(columns):
            conn.exec_driver_sql(str(compiled), list(zip(*(lists[name] for name in order), strict=True)))
            return
    names = list(lists)
    conn.execute(sa.insert(table), [dict(zip(names, row, strict=True)) for row in zip(*lists.values(), strict=True)])


def _primary_key(result: sa.CursorResult[Any]) -> Any:
    key = result.inserted_primary_key
    if key is None:
        raise StoreError("the database did not return the new row's id")
    return key[0]


def _frame(result: sa.CursorResult[Any]) -> pd.DataFrame:
    # Building from plain tuples is ~15x faster than from SQLAlchemy Row objects.
    columns = list(result.keys())
    rows = [tuple(row) for row in result.all()]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame.from_records(rows, columns=columns)


def _fetch_frame(conn: sa.Connection, query: sa.Select[Any]) -> pd.DataFrame:
    """Run a large SELECT on the raw driver cursor (same transaction) into a DataFrame.

    Skips building one SQLAlchemy ``Row`` per result row (the bulk of read time for a
    year of history). The callers only bind integers and queue names, which need no
    bind processing, so the compiled parameters go to the driver as they are.
    """
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    bound: Any = [params[k] for k in compiled.positiontup or []] if conn.dialect.positional else params
    columns = [c.name for c in query.selected_columns]
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), bound)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame.from_records(rows, columns=columns)


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise equality of floats with NaN == NaN and a tiny relative tolerance."""
    both_nan = np.isnan(a) & np.isnan(b)
    close = np.abs(a - b) <= _REL_TOL * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
    return both_nan | np.nan_to_num(close, nan=0.0).astype(bool)


class Store:
    """Handle on one forecast store database. Open with :meth:`Store.open`."""

    def __init__(self, engine: sa.Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.url_display = make_url(url).render_as_string(hide_password=True)

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str | None = None, *, busy_timeout_seconds: float = 60.0) -> Store:
        """Open (and on first use create) the store at ``url``.

        ``url`` defaults to ``$STAFFING_STORE_URL``, else ``sqlite:///forecasts/staffing.db``
        relative to the working directory. PostgreSQL: ``postgresql+psycopg://user@host/db``.

        Raises
        ------
        StoreError
            The database cannot be reached or holds an unknown schema version.
        """
        resolved = resolve_store_url(url)
        try:
            engine = create_store_engine(resolved, busy_timeout_seconds=busy_timeout_seconds)
            store = cls(engine, resolved)
            store._ensure_schema()
        except sa.exc.ArgumentError as exc:
            raise StoreError(f"invalid store URL {resolved!r}: {exc}") from None
        except (sa.exc.OperationalError, sa.exc.NoSuchModuleError) as exc:
            raise StoreError(f"cannot open store {resolved!r}: {exc.args[0] if exc.args else exc}") from None
        return store

    def _ensure_schema(self) -> None:
        if sa.inspect(self.engine).has_table("meta"):
            version = self.schema_version()
        else:
            with self.transaction() as conn:
                schema.metadata.create_all(conn)
                for statement in schema.trigger_statements(conn.dialect.name):
                    conn.execute(sa.text(statement))
                exists = conn.execute(
                    sa.select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")
                ).scalar()
                if exists is None:
                    conn.execute(
                        sa.insert(schema.meta),
                        [
                            {"key": "schema_version", "value": str(schema.SCHEMA_VERSION)},
                            {"key": "created_at", "value": naive_utc(None).isoformat()},
                            {"key": "created_by", "value": f"staffing {__version__}"},
                        ],
                    )
            version = self.schema_version()
        if version != schema.SCHEMA_VERSION:
            raise StoreError(
                f"store {self.url_display} has schema version {version}; this staffing "
                f"{__version__} reads version {schema.SCHEMA_VERSION}"
            )

    def schema_version(self) -> int:
        """The ``schema_version`` recorded in the ``meta`` table."""
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")
            ).scalar()
        if value is None:
            raise StoreError(f"store {self.url_display} has no schema_version in its meta table")
        return int(value)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions and the lock ---------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite): commit on success, else roll back."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(staffing_write=True)
                with conn.begin():
                    yield conn
        except sa.exc.OperationalError as exc:
            if "locked" in str(exc.orig) or "busy" in str(exc.orig):
                raise StoreError(
                    f"store {self.url_display} is busy: another process kept it locked for "
                    "longer than the busy timeout (a long reforecast or import?); try again later"
                ) from exc
            raise

    @contextmanager
    def _write(self, conn: sa.Connection | None) -> Iterator[sa.Connection]:
        if conn is not None:
            yield conn
        else:
            with self.transaction() as own:
                yield own

    @contextmanager
    def _read(self, conn: sa.Connection | None) -> Iterator[sa.Connection]:
        if conn is not None:
            yield conn
        else:
            with self.engine.connect() as own:
                yield own

    def lock(self, name: str = "reforecast", *, timeout_seconds: float = 0.0, run_id: str | None = None) -> StoreLock:
        """The named run lock (use as a context manager); see :mod:`staffing.store.lock`."""
        return StoreLock(self, name, timeout_seconds=timeout_seconds, run_id=run_id)

    def lock_holder(self, name: str = "reforecast") -> LockHolder | None:
        """The recorded holder of lock ``name``, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(schema.locks).where(schema.locks.c.name == name)).mappings().first()
        return LockHolder(**dict(row)) if row else None

    # -- queues --------------------------------------------------------------------------
    def queues(self, conn: sa.Connection | None = None) -> list[str]:
        """Names of the queues with history or forecasts, sorted."""
        with self._read(conn) as c:
            return list(c.execute(sa.select(schema.queues.c.queue).order_by(schema.queues.c.queue)).scalars())

    def queue_timezone(self, queue: str, conn: sa.Connection | None = None) -> str | None:
        """The zone the queue's times are shown in (``None``: naive local times)."""
        with self._read(conn) as c:
            return c.execute(
                sa.select(schema.queues.c.timezone).where(schema.queues.c.queue == queue)
            ).scalar()

    def _queue_zones(self, conn: sa.Connection) -> dict[str, str | None]:
        rows = conn.execute(sa.select(schema.queues.c.queue, schema.queues.c.timezone)).all()
        return {r[0]: r[1] for r in rows}

    def _ensure_queue(self, conn: sa.Connection, queue: str, zone: str | None) -> None:
        if queue not in self._queue_zones(conn):
            conn.execute(sa.insert(schema.queues).values(queue=queue, timezone=zone, created_at=naive_utc(None)))

    # -- history -------------------------------------------------------------------------
    def import_history(
        self,
        frame: pd.DataFrame,
        *,
        on_conflict: OnConflict = "reject",
        source: str = "history",
        run_id: str | None = None,
        conn: sa.Connection | None = None,
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

        Returns
        -------
        ImportResult
        """
        work = self._validate_history(frame, source)
        with self._write(conn) as c:
            zones = self._queue_zones(c)
            issues: list[DataIssue] = []
            plans: list[tuple[str, str | None, pd.DataFrame, pd.DataFrame, pd.DataFrame]] = []
            conflicts: list[HistoryConflict] = []
            unchanged = 0
            for queue, rows in work.groupby("queue", sort=True):
                qname = str(queue)
                zone = zone_name(rows["interval_start"])
                if qname in zones and (zones[qname] is None) != (zone is None):
                    kind = "naive local times" if zones[qname] is None else f"times in {zones[qname]}"
                    issues.append(DataIssue(source, None, "interval_start", f"queue {qname!r} is stored with {kind}; the import has {'naive' if zone is None else 'timezone-aware'} times"))
                    continue
                new, same, changed = self._classify(c, qname, rows)
                unchanged += len(same)
                conflicts.extend(self._conflicts(qname, changed, zones.get(qname, zone)))
                plans.append((qname, zone, new, changed, rows))
            raise_if_issues(issues)
            if conflicts and on_conflict == "reject":
                raise DataError(
                    [
                        DataIssue(source, k.line, k.column, f"queue {k.queue!r} interval {k.interval_start}: stored value {k.stored} differs from imported {k.imported} (history is append-only; import with on_conflict='revise' / --on-conflict revise to record a revision)")
                        for k in conflicts
                    ]
                )
            inserted = revised = 0
            present = [col for col in _HISTORY_VALUES if col in work.columns]
            for qname, zone, new, changed, _rows in plans:
                self._ensure_queue(c, qname, zone)
                if len(new):
                    cols: dict[str, Any] = {"queue": [qname] * len(new), "interval_start_s": new["interval_start_s"].to_numpy()}
                    cols.update({col: new[col].to_numpy(dtype=float) for col in present})
                    cols["run_id"] = [run_id] * len(new)
                    _bulk_insert(c, schema.history, cols)
                    inserted += len(new)
                if len(changed):
                    revised += self._revise(c, qname, changed, present, run_id, zones.get(qname, zone))
        return ImportResult(
            inserted=inserted,
            unchanged=unchanged,
            conflicts=tuple(conflicts),
            revised=revised,
            queues=tuple(p[0] for p in plans),
        )

    def _validate_history(self, frame: pd.DataFrame, source: str) -> pd.DataFrame:
        issues: list[DataIssue] = []
        for col in ("interval_start", "offered"):
            if col not in frame.columns:
                issues.append(DataIssue(source, 1, col, "required column is missing"))
        raise_if_issues(issues)
        # File line of each row: an integer index is taken as the row's position in the file
        # (kept when a caller filtered the rows), anything else as file order.
        index = frame.index
        positions = index.to_numpy(dtype=np.int64) if pd.api.types.is_integer_dtype(index) else np.arange(len(frame))
        lines = positions + FIRST_DATA_LINE
        parse_issues: list[DataIssue] = []
        times = parse_datetime(frame.reset_index(drop=True), "interval_start", source, parse_issues)
        issues.extend(DataIssue(i.file, int(lines[i.row - FIRST_DATA_LINE]) if i.row else None, i.column, i.problem) for i in parse_issues)
        work = pd.DataFrame({"interval_start": times.reset_index(drop=True)})
        work["queue"] = frame["queue"].astype(str).to_numpy() if "queue" in frame.columns else "default"
        for col in _HISTORY_VALUES:
            if col in frame.columns:
                raw = frame[col].reset_index(drop=True)
                work[col] = pd.to_numeric(raw, errors="coerce").astype(float).to_numpy()
                bad = work[col].isna() & raw.notna() & (raw.astype(str).str.strip() != "")
                negative = work[col] < 0
                for pos in np.flatnonzero((bad | negative).to_numpy()):
                    issues.append(DataIssue(source, int(lines[pos]), col, f"expected a number >= 0, got {raw.iloc[pos]!r}"))
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

    def _classify(self, conn: sa.Connection, queue: str, rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Split ``rows`` into new, unchanged and changed (the last with ``stored_*`` columns)."""
        h = schema.history
        lo, hi = int(rows["interval_start_s"].min()), int(rows["interval_start_s"].max())
        stored = _frame(
            conn.execute(
                sa.select(h.c.interval_start_s, h.c.revision, *[h.c[col] for col in _HISTORY_VALUES]).where(
                    h.c.queue == queue, h.c.interval_start_s >= lo, h.c.interval_start_s <= hi
                )
            )
        )
        if stored.empty:
            return rows, rows.iloc[:0], rows.iloc[:0]
        stored = stored.rename(columns={col: f"stored_{col}" for col in [*_HISTORY_VALUES, "revision"]})
        merged = rows.merge(stored, on="interval_start_s", how="left", indicator=True)
        is_new = (merged["_merge"] == "left_only").to_numpy()
        old = merged[~is_new]
        equal = np.ones(len(old), dtype=bool)
        for col in _HISTORY_VALUES:
            if col in rows.columns:
                equal &= _same(old[col].to_numpy(dtype=float), old[f"stored_{col}"].to_numpy(dtype=float))
        return merged[is_new], old[equal], old[~equal]

    def _conflicts(self, queue: str, changed: pd.DataFrame, zone: str | None) -> list[HistoryConflict]:
        out: list[HistoryConflict] = []
        if changed.empty:
            return out
        times = from_seconds(changed["interval_start_s"].to_numpy(), zone)
        for i, (_, row) in enumerate(changed.iterrows()):
            for col in _HISTORY_VALUES:
                if col in changed.columns and not _same(np.array([row[col]], dtype=float), np.array([row[f"stored_{col}"]], dtype=float))[0]:
                    stored = row[f"stored_{col}"]
                    new = row[col]
                    out.append(HistoryConflict(queue, times[i], col, None if pd.isna(stored) else float(stored), None if pd.isna(new) else float(new), int(row["line"])))
                    break
        return out

    def _revise(self, conn: sa.Connection, queue: str, changed: pd.DataFrame, present: list[str], run_id: str | None, zone: str | None) -> int:
        now = naive_utc(None)
        archive: dict[str, Any] = {
            "queue": [queue] * len(changed),
            "interval_start_s": changed["interval_start_s"].to_numpy(),
            "revision": changed["stored_revision"].to_numpy(dtype=np.int64),
        }
        archive.update({col: changed[f"stored_{col}"].to_numpy(dtype=float) for col in _HISTORY_VALUES})
        archive["superseded_at"] = [now] * len(changed)
        archive["run_id"] = [run_id] * len(changed)
        conn.execute(sa.insert(schema.history_revisions), _records(archive))
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
        conn.execute(update, _records(params))
        days = sorted(set(from_seconds(changed["interval_start_s"].to_numpy(), zone).tz_localize(None).normalize().date) if zone else set(from_seconds(changed["interval_start_s"].to_numpy(), None).normalize().date))
        a = schema.accuracy
        conn.execute(sa.delete(a).where(a.c.queue == queue, a.c.day.in_(days)))
        return len(changed)

    def history(
        self,
        queue: str | None = None,
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
        *,
        conn: sa.Connection | None = None,
    ) -> pd.DataFrame:
        """Stored history as the canonical table (:data:`HISTORY_COLUMNS`), sorted by queue and time.

        ``start`` is inclusive, ``end`` exclusive; times are naive local or aware in the
        queue's zone, as imported.
        """
        h = schema.history
        parts = []
        with self._read(conn) as c:
            zones = self._queue_zones(c)
            for qname in [queue] if queue is not None else sorted(zones):
                query = sa.select(h.c.interval_start_s, *[h.c[col] for col in _HISTORY_VALUES]).where(h.c.queue == qname)
                if start is not None:
                    query = query.where(h.c.interval_start_s >= timestamp_seconds(start))
                if end is not None:
                    query = query.where(h.c.interval_start_s < timestamp_seconds(end))
                rows = _fetch_frame(c, query.order_by(h.c.interval_start_s))
                rows.insert(0, "interval_start", from_seconds(rows.pop("interval_start_s").to_numpy(dtype=np.int64), zones.get(qname)))
                rows.insert(1, "queue", pd.Series([qname] * len(rows), dtype="str"))
                parts.append(rows)
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype="datetime64[s]" if c == "interval_start" else "float") for c in HISTORY_COLUMNS})
        out = pd.concat(parts, ignore_index=True)
        for col in _HISTORY_VALUES:
            out[col] = out[col].astype(float)
        return out

    def last_actual_seconds(self, queue: str, conn: sa.Connection | None = None) -> int | None:
        """Stored seconds of the queue's newest history interval (``None`` when it has none)."""
        h = schema.history
        with self._read(conn) as c:
            value = c.execute(sa.select(sa.func.max(h.c.interval_start_s)).where(h.c.queue == queue)).scalar()
        return None if value is None else int(value)

    # -- forecast versions -------------------------------------------------------------------
    def create_forecast_version(
        self,
        queue: str,
        values: pd.DataFrame,
        *,
        model_name: str,
        model_params: dict[str, Any],
        data_cutoff: pd.Timestamp,
        interval_minutes: int,
        horizon_start: pd.Timestamp | None = None,
        horizon_end: pd.Timestamp | None = None,
        run_id: str | None = None,
        input_fingerprint: str | None = None,
        created_at: dt.datetime | pd.Timestamp | None = None,
        conn: sa.Connection | None = None,
    ) -> ForecastVersion:
        """Store a new immutable draft version with its ``values`` (:data:`FORECAST_COLUMNS`).

        ``data_cutoff`` is the first interval whose actuals were not used (the end of the
        history). ``horizon_start``/``horizon_end`` default to the first value interval and
        one interval past the last. The content hash covers the values and the metadata.
        """
        if interval_minutes <= 0:
            raise StoreError(f"interval_minutes must be > 0, got {interval_minutes}")
        missing = [col for col in ("interval_start", "calls") if col not in values.columns]
        if missing:
            raise StoreError(f"forecast values for queue {queue!r} lack column(s) {', '.join(missing)}")
        seconds = to_seconds(values["interval_start"])
        order = np.argsort(seconds, kind="stable")
        seconds = seconds[order]
        if len(seconds) == 0:
            raise StoreError(f"forecast for queue {queue!r} has no intervals")
        if np.any(np.diff(seconds) == 0):
            raise StoreError(f"forecast for queue {queue!r} repeats an interval")
        matrix = {col: (values[col].to_numpy(dtype=float)[order] if col in values.columns else np.full(len(seconds), np.nan)) for col in _FORECAST_VALUES}
        calls = matrix["calls"]
        if not np.all(np.isfinite(calls)) or np.any(calls < 0):
            raise StoreError(f"forecast for queue {queue!r} has calls that are negative or not finite")
        step = interval_minutes * 60
        h_start = timestamp_seconds(horizon_start) if horizon_start is not None else int(seconds[0])
        h_end = timestamp_seconds(horizon_end) if horizon_end is not None else int(seconds[-1]) + step
        if seconds[0] < h_start or seconds[-1] >= h_end:
            raise StoreError(f"forecast for queue {queue!r} has intervals outside its horizon")
        cutoff_s = timestamp_seconds(data_cutoff)
        zone = zone_name(values["interval_start"])
        params_json = json.dumps(model_params, sort_keys=True, default=str)
        digest = hashlib.sha256()
        digest.update(json.dumps([queue, h_start, h_end, cutoff_s, interval_minutes, model_name, params_json]).encode())
        digest.update(seconds.astype("<i8").tobytes())
        for col in _FORECAST_VALUES:
            col_values = matrix[col]
            digest.update(np.isnan(col_values).tobytes())
            digest.update(np.nan_to_num(col_values, nan=0.0).astype("<f8").tobytes())
        created = naive_utc(created_at)
        with self._write(conn) as c:
            self._ensure_queue(c, queue, zone)
            result = c.execute(
                sa.insert(schema.forecast_versions).values(
                    run_id=run_id,
                    queue=queue,
                    created_at=created,
                    data_cutoff_s=cutoff_s,
                    horizon_start_s=h_start,
                    horizon_end_s=h_end,
                    interval_minutes=interval_minutes,
                    n_intervals=len(seconds),
                    model_name=model_name,
                    model_params_json=params_json,
                    code_version=__version__,
                    input_fingerprint=input_fingerprint,
                    content_hash=digest.hexdigest(),
                    status="draft",
                )
            )
            version_id = int(_primary_key(result))
            cols: dict[str, Any] = {"version_id": [version_id] * len(seconds), "interval_start_s": seconds}
            cols.update(matrix)
            _bulk_insert(c, schema.forecast_values, cols)
            return self.get_version(version_id, conn=c)

    def _version(self, row: Any, zones: dict[str, str | None]) -> ForecastVersion:
        zone = zones.get(row.queue)
        times = from_seconds([row.data_cutoff_s, row.horizon_start_s, row.horizon_end_s], zone)
        return ForecastVersion(
            version_id=int(row.version_id),
            run_id=row.run_id,
            queue=row.queue,
            created_at=row.created_at,
            data_cutoff=times[0],
            horizon_start=times[1],
            horizon_end=times[2],
            interval_minutes=int(row.interval_minutes),
            n_intervals=int(row.n_intervals),
            model_name=row.model_name,
            model_params=json.loads(row.model_params_json),
            code_version=row.code_version,
            input_fingerprint=row.input_fingerprint,
            content_hash=row.content_hash,
            status=row.status,
        )

    def get_version(self, version_id: int, *, conn: sa.Connection | None = None) -> ForecastVersion:
        """The version ``version_id``; :class:`StoreError` when there is none."""
        v = schema.forecast_versions
        with self._read(conn) as c:
            row = c.execute(sa.select(v).where(v.c.version_id == version_id)).first()
            if row is None:
                raise StoreError(f"no forecast version {version_id} in store {self.url_display}")
            return self._version(row, self._queue_zones(c))

    def list_versions(
        self,
        queue: str | None = None,
        status: VersionStatus | None = None,
        *,
        conn: sa.Connection | None = None,
    ) -> list[ForecastVersion]:
        """Versions, oldest first, optionally of one queue and/or status."""
        v = schema.forecast_versions
        query = sa.select(v).order_by(v.c.version_id)
        if queue is not None:
            query = query.where(v.c.queue == queue)
        if status is not None:
            query = query.where(v.c.status == status)
        with self._read(conn) as c:
            zones = self._queue_zones(c)
            return [self._version(row, zones) for row in c.execute(query)]

    def find_version(self, queue: str, input_fingerprint: str, *, conn: sa.Connection | None = None) -> ForecastVersion | None:
        """The newest version of ``queue`` made from inputs with this fingerprint, if any."""
        v = schema.forecast_versions
        with self._read(conn) as c:
            row = c.execute(
                sa.select(v).where(v.c.queue == queue, v.c.input_fingerprint == input_fingerprint).order_by(v.c.version_id.desc()).limit(1)
            ).first()
            return None if row is None else self._version(row, self._queue_zones(c))

    def version_values(self, version_id: int, *, conn: sa.Connection | None = None) -> pd.DataFrame:
        """The forecast of a version as :data:`FORECAST_COLUMNS` (+ ``queue``)."""
        fv = schema.forecast_values
        with self._read(conn) as c:
            version = self.get_version(version_id, conn=c)
            rows = _frame(c.execute(sa.select(fv.c.interval_start_s, *[fv.c[col] for col in _FORECAST_VALUES]).where(fv.c.version_id == version_id).order_by(fv.c.interval_start_s)))
            zone = self._queue_zones(c).get(version.queue)
        rows.insert(0, "interval_start", from_seconds(rows.pop("interval_start_s").to_numpy(dtype=np.int64), zone))
        for col in _FORECAST_VALUES:
            rows[col] = rows[col].astype(float)
        rows["queue"] = version.queue
        return rows

    # -- publication --------------------------------------------------------------------------
    def publish(
        self,
        version_id: int,
        *,
        run_id: str | None = None,
        now: dt.datetime | pd.Timestamp | None = None,
        conn: sa.Connection | None = None,
    ) -> Publication:
        """Put a version in force for its horizon's intervals that have no actuals yet.

        A later publication supersedes earlier ones only from its own effective start, so
        what was in force for each past interval stays on record. Publishing the version
        that is already the queue's latest publication is a no-op.

        Raises
        ------
        StoreError
            When every interval of the version already has actuals (publishing it would
            rewrite what was in force for past dates).
        """
        with self._write(conn) as c:
            version = self.get_version(version_id, conn=c)
            p = schema.publications
            latest = c.execute(sa.select(p).where(p.c.queue == version.queue).order_by(p.c.publication_id.desc()).limit(1)).first()
            if latest is not None and latest.version_id == version_id:
                return self._publication(latest, self._queue_zones(c))
            v = schema.forecast_versions
            row = c.execute(sa.select(v.c.horizon_start_s, v.c.horizon_end_s).where(v.c.version_id == version_id)).one()
            last = self.last_actual_seconds(version.queue, conn=c)
            start = int(row.horizon_start_s)
            if last is not None:
                start = max(start, last + version.interval_minutes * 60)
            if start >= int(row.horizon_end_s):
                raise StoreError(
                    f"version {version_id} ({version.queue}) ends at {version.horizon_end}, and actuals are "
                    "already stored up to then; publishing it would rewrite the record of what was "
                    "in force for those dates"
                )
            result = c.execute(
                sa.insert(p).values(
                    version_id=version_id,
                    queue=version.queue,
                    published_at=naive_utc(now),
                    effective_from_s=start,
                    effective_to_s=int(row.horizon_end_s),
                    run_id=run_id,
                )
            )
            if version.status == "draft":
                c.execute(sa.update(v).where(v.c.version_id == version_id).values(status="published"))
            pid = int(_primary_key(result))
            return self._publication(c.execute(sa.select(p).where(p.c.publication_id == pid)).one(), self._queue_zones(c))

    def _publication(self, row: Any, zones: dict[str, str | None]) -> Publication:
        times = from_seconds([row.effective_from_s, row.effective_to_s], zones.get(row.queue))
        return Publication(
            publication_id=int(row.publication_id),
            version_id=int(row.version_id),
            queue=row.queue,
            published_at=row.published_at,
            effective_from=times[0],
            effective_to=times[1],
            run_id=row.run_id,
        )

    def publications(self, queue: str | None = None, *, conn: sa.Connection | None = None) -> list[Publication]:
        """Publications, oldest first."""
        p = schema.publications
        query = sa.select(p).order_by(p.c.publication_id)
        if queue is not None:
            query = query.where(p.c.queue == queue)
        with self._read(conn) as c:
            zones = self._queue_zones(c)
            return [self._publication(row, zones) for row in c.execute(query)]

    def _in_force(self, conn: sa.Connection, queue: str, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For sorted unique interval ``seconds``: the publication and version in force (-1: none)."""
        p = schema.publications
        query = sa.select(p.c.publication_id, p.c.version_id, p.c.effective_from_s, p.c.effective_to_s).where(p.c.queue == queue)
        if len(seconds):
            query = query.where(p.c.effective_to_s > int(seconds[0]), p.c.effective_from_s <= int(seconds[-1]))
        pub_ids = np.full(len(seconds), -1, dtype=np.int64)
        versions = np.full(len(seconds), -1, dtype=np.int64)
        for row in conn.execute(query.order_by(p.c.publication_id)):
            lo, hi = np.searchsorted(seconds, [row.effective_from_s, row.effective_to_s], side="left")
            pub_ids[lo:hi] = row.publication_id
            versions[lo:hi] = row.version_id
        return pub_ids, versions

    def published_for(
        self,
        queue: str,
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
        *,
        conn: sa.Connection | None = None,
    ) -> pd.DataFrame:
        """The forecast that was in force for each interval of ``[start, end)`` (:data:`PUBLISHED_COLUMNS`).

        For every interval, the latest publication whose effective range covers it wins;
        intervals no publication covers are absent.
        """
        with self._read(conn) as c:
            zone = self._queue_zones(c).get(queue)
            lo = timestamp_seconds(start) if start is not None else None
            hi = timestamp_seconds(end) if end is not None else None
            values = self._published_values(c, queue, lo, hi)
        values.insert(0, "interval_start", from_seconds(values.pop("interval_start_s").to_numpy(dtype=np.int64), zone))
        values.insert(1, "queue", pd.Series([queue] * len(values), dtype="str"))
        return values[PUBLISHED_COLUMNS]

    def _published_values(self, conn: sa.Connection, queue: str, lo: int | None, hi: int | None) -> pd.DataFrame:
        p, fv = schema.publications, schema.forecast_values
        pubs = sa.select(p.c.version_id).where(p.c.queue == queue)
        if lo is not None:
            pubs = pubs.where(p.c.effective_to_s > lo)
        if hi is not None:
            pubs = pubs.where(p.c.effective_from_s < hi)
        query = sa.select(fv.c.version_id, fv.c.interval_start_s, *[fv.c[col] for col in _FORECAST_VALUES]).where(fv.c.version_id.in_(pubs.distinct()))
        if lo is not None:
            query = query.where(fv.c.interval_start_s >= lo)
        if hi is not None:
            query = query.where(fv.c.interval_start_s < hi)
        values = _frame(conn.execute(query))
        seconds = np.unique(values["interval_start_s"].to_numpy(dtype=np.int64))
        pub_ids, versions = self._in_force(conn, queue, seconds)
        pos = np.searchsorted(seconds, values["interval_start_s"].to_numpy(dtype=np.int64))
        keep = values["version_id"].to_numpy(dtype=np.int64) == versions[pos] if len(values) else np.zeros(0, dtype=bool)
        out = values[keep].copy()
        out["publication_id"] = pub_ids[pos[keep]]
        out = out.sort_values("interval_start_s", kind="stable").reset_index(drop=True)
        for col in _FORECAST_VALUES:
            out[col] = out[col].astype(float)
        out["version_id"] = out["version_id"].astype(np.int64)
        return out

    # -- accuracy -----------------------------------------------------------------------------
    def score_published(
        self,
        queue: str,
        *,
        run_id: str | None = None,
        now: dt.datetime | pd.Timestamp | None = None,
        conn: sa.Connection | None = None,
    ) -> pd.DataFrame:
        """(Re)score every published version of ``queue`` that has unscored actuals.

        Scores each (version, local day) over all the version's intervals with actuals
        (see :mod:`staffing.store.scoring`) and stores them, replacing the version's older
        rows. Returns the rows written (:data:`~staffing.store.scoring.DAY_SCORE_COLUMNS`).
        """
        v, a, fv, h = schema.forecast_versions, schema.accuracy, schema.forecast_values, schema.history
        with self._write(conn) as c:
            last = self.last_actual_seconds(queue, conn=c)
            if last is None:
                return pd.DataFrame(columns=DAY_SCORE_COLUMNS)
            scored = sa.select(a.c.version_id, sa.func.sum(a.c.n_intervals).label("n")).group_by(a.c.version_id).subquery()
            candidates = _frame(
                c.execute(
                    sa.select(v.c.version_id, v.c.data_cutoff_s, v.c.interval_minutes, sa.func.coalesce(scored.c.n, 0).label("scored_n"))
                    .select_from(v.outerjoin(scored, scored.c.version_id == v.c.version_id))
                    .where(
                        v.c.queue == queue,
                        v.c.status == "published",
                        v.c.horizon_start_s <= last,
                        sa.func.coalesce(scored.c.n, 0) < v.c.n_intervals,
                    )
                )
            )
            if candidates.empty:
                return pd.DataFrame(columns=DAY_SCORE_COLUMNS)
            ids = [int(i) for i in candidates["version_id"]]
            # Two range reads merged in pandas: predictable plans on SQLite and PostgreSQL.
            forecast = _fetch_frame(
                c,
                sa.select(fv.c.version_id, fv.c.interval_start_s, fv.c.calls).where(
                    fv.c.version_id.in_(ids), fv.c.interval_start_s <= last
                ),
            )
            first = int(forecast["interval_start_s"].min()) if len(forecast) else last
            actual = _fetch_frame(
                c,
                sa.select(h.c.interval_start_s, h.c.offered).where(
                    h.c.queue == queue, h.c.interval_start_s >= first, h.c.interval_start_s <= last
                ),
            )
            pairs = forecast.merge(actual, on="interval_start_s", how="inner")
            # Only versions with actuals not yet scored (the same data twice writes nothing).
            counts = pairs.groupby("version_id").size()
            stale = candidates.set_index("version_id")["scored_n"].reindex(counts.index) != counts
            ids = [int(i) for i in counts.index[stale.to_numpy()]]
            if not ids:
                return pd.DataFrame(columns=DAY_SCORE_COLUMNS)
            pairs = pairs[pairs["version_id"].isin(ids)].reset_index(drop=True)
            zone = self._queue_zones(c).get(queue)
            seconds = np.unique(pairs["interval_start_s"].to_numpy(dtype=np.int64))
            _, versions = self._in_force(c, queue, seconds)
            pos = np.searchsorted(seconds, pairs["interval_start_s"].to_numpy(dtype=np.int64))
            pairs["in_force"] = pairs["version_id"].to_numpy(dtype=np.int64) == versions[pos]
            pairs["queue"] = queue
            pairs["local_time"] = _wall_time(pairs["interval_start_s"].to_numpy(dtype=np.int64), zone)
            cutoff = candidates.set_index("version_id")
            last_actual = cutoff["data_cutoff_s"] - cutoff["interval_minutes"] * 60
            pairs["last_actual_day"] = _wall_time(last_actual.reindex(pairs["version_id"]).to_numpy(dtype=np.int64), zone).normalize()
            scores = score_days(pairs)
            c.execute(sa.delete(a).where(a.c.version_id.in_(ids)))
            if len(scores):
                cols: dict[str, Any] = {col: scores[col].to_numpy() for col in DAY_SCORE_COLUMNS}
                cols["version_id"] = scores["version_id"].to_numpy(dtype=np.int64)
                cols["scored_at"] = [naive_utc(now)] * len(scores)
                cols["run_id"] = [run_id] * len(scores)
                c.execute(sa.insert(a), _records(cols))
            return scores

    def record_accuracy(self, scores: pd.DataFrame, *, run_id: str | None = None, now: dt.datetime | pd.Timestamp | None = None, conn: sa.Connection | None = None) -> int:
        """Store externally computed day scores (:data:`DAY_SCORE_COLUMNS`), replacing the same (version, day)."""
        a = schema.accuracy
        with self._write(conn) as c:
            for version_id, day in zip(scores["version_id"], scores["day"], strict=True):
                c.execute(sa.delete(a).where(a.c.version_id == int(version_id), a.c.day == day))
            cols: dict[str, Any] = {col: scores[col].to_numpy() for col in DAY_SCORE_COLUMNS}
            cols["scored_at"] = [naive_utc(now)] * len(scores)
            cols["run_id"] = [run_id] * len(scores)
            if len(scores):
                c.execute(sa.insert(a), _records(cols))
        return len(scores)

    def accuracy_scores(self, queue: str | None = None, version_id: int | None = None, *, conn: sa.Connection | None = None) -> pd.DataFrame:
        """Stored day scores (:data:`DAY_SCORE_COLUMNS` + ``scored_at``, ``run_id``)."""
        a = schema.accuracy
        query = sa.select(a).order_by(a.c.queue, a.c.version_id, a.c.day)
        if queue is not None:
            query = query.where(a.c.queue == queue)
        if version_id is not None:
            query = query.where(a.c.version_id == version_id)
        with self._read(conn) as c:
            out = _frame(c.execute(query))
        for col in ("wape", "bias", "forecast_calls", "actual_calls", "abs_error_calls"):
            out[col] = out[col].astype(float)
        return out

    def actual_vs_forecast(
        self,
        queue: str | None = None,
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
        *,
        conn: sa.Connection | None = None,
    ) -> pd.DataFrame:
        """Per interval with actuals: the forecast in force vs the offered calls
        (:data:`INTERVAL_ACCURACY_COLUMNS`; ``error_calls`` = forecast - actual)."""
        parts = []
        with self._read(conn) as c:
            zones = self._queue_zones(c)
            for qname in [queue] if queue is not None else sorted(zones):
                lo = timestamp_seconds(start) if start is not None else None
                hi = timestamp_seconds(end) if end is not None else None
                values = self._published_values(c, qname, lo, hi)
                if values.empty:
                    continue
                h = schema.history
                first, last = int(values["interval_start_s"].min()), int(values["interval_start_s"].max())
                actual = _frame(c.execute(sa.select(h.c.interval_start_s, h.c.offered).where(h.c.queue == qname, h.c.interval_start_s >= first, h.c.interval_start_s <= last)))
                merged = values.merge(actual, on="interval_start_s", how="inner")
                part = pd.DataFrame(
                    {
                        "queue": pd.Series([qname] * len(merged), dtype="str"),
                        "interval_start": from_seconds(merged["interval_start_s"].to_numpy(dtype=np.int64), zones.get(qname)),
                        "version_id": merged["version_id"].to_numpy(dtype=np.int64),
                        "n_intervals": np.ones(len(merged), dtype=np.int64),
                        "forecast_calls": merged["calls"].to_numpy(dtype=float),
                        "actual_calls": merged["offered"].to_numpy(dtype=float),
                    }
                )
                part["error_calls"] = part["forecast_calls"] - part["actual_calls"]
                part["abs_error_calls"] = part["error_calls"].abs()
                parts.append(part[INTERVAL_ACCURACY_COLUMNS])
        if not parts:
            return pd.DataFrame(columns=INTERVAL_ACCURACY_COLUMNS)
        return pd.concat(parts, ignore_index=True)

    def accuracy_report(
        self,
        queue: str | None = None,
        *,
        by: AccuracyBy = "day",
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
    ) -> pd.DataFrame:
        """Forecast vs actual of the published forecasts.

        ``by="interval"``: :meth:`actual_vs_forecast` plus ``wape``/``bias`` per row.
        ``by="day"``: per queue and local day, the forecast in force for each interval
        (``version_ids`` lists the versions, usually one) — columns ``queue, date,
        version_ids, n_intervals, forecast_calls, actual_calls, abs_error_calls, wape, bias``.
        ``by="horizon"``: stored scores of every published version per queue and
        ``horizon_days`` (1 = the day after the data cutoff) — columns ``queue,
        horizon_days, n_versions, n_intervals, forecast_calls, actual_calls,
        abs_error_calls, wape, bias``.
        """
        if by == "horizon":
            scores = self.accuracy_scores(queue)
            if scores.empty:
                return pd.DataFrame(columns=["queue", "horizon_days", "n_versions", "n_intervals", "forecast_calls", "actual_calls", "abs_error_calls", "wape", "bias"])
            out = summarise(scores, ["queue", "horizon_days"])
            out.insert(2, "n_versions", scores.groupby(["queue", "horizon_days"])["version_id"].nunique().to_numpy())
            return out
        intervals = self.actual_vs_forecast(queue, start, end)
        if by == "interval":
            intervals["wape"] = ratio(intervals["abs_error_calls"], intervals["actual_calls"])
            intervals["bias"] = ratio(intervals["error_calls"], intervals["actual_calls"])
            return intervals
        if by != "day":
            raise StoreError(f"accuracy 'by' must be day, interval or horizon, got {by!r}")
        cols = ["queue", "date", "version_ids", "n_intervals", "forecast_calls", "actual_calls", "abs_error_calls", "wape", "bias"]
        if intervals.empty:
            return pd.DataFrame(columns=cols)
        times = pd.DatetimeIndex(intervals["interval_start"])
        intervals["day"] = (times.tz_localize(None) if times.tz is not None else times).normalize().date
        out = summarise(intervals, ["queue", "day"])
        versions = intervals.groupby(["queue", "day"], sort=True)["version_id"].agg(lambda s: ",".join(str(x) for x in sorted(set(s))))
        out.insert(2, "version_ids", versions.to_numpy())
        # ``date`` (not ``day``) so the CSV feeds ``staffing report``'s accuracy input.
        return out.rename(columns={"day": "date"})[cols]

    # -- plans --------------------------------------------------------------------------------
    def save_plan(
        self,
        plan_id: str,
        *,
        requirements: pd.DataFrame,
        roster: pd.DataFrame,
        metadata: dict[str, Any],
        run_id: str | None = None,
        now: dt.datetime | pd.Timestamp | None = None,
        conn: sa.Connection | None = None,
    ) -> str:
        """Store a plan's requirements (Requirements CSV columns, ``queue`` optional) and
        roster (``agent_id, shift_start, shift_end, paid_minutes, breaks``) under ``plan_id``.

        Plans are write-once: an existing ``plan_id`` raises :class:`StoreError`.
        """
        req = requirements
        zone = zone_name(req["interval_start"]) if len(req) else None
        with self._write(conn) as c:
            pl = schema.plans
            if c.execute(sa.select(pl.c.plan_id).where(pl.c.plan_id == plan_id)).first() is not None:
                raise StoreError(f"plan {plan_id!r} already exists in store {self.url_display}; plans are write-once")
            c.execute(sa.insert(pl).values(plan_id=plan_id, created_at=naive_utc(now), timezone=zone, metadata_json=json.dumps(metadata, sort_keys=True, default=str), run_id=run_id))
            if len(req):
                cols: dict[str, Any] = {
                    "plan_id": [plan_id] * len(req),
                    "queue": req["queue"].astype(str).to_numpy() if "queue" in req.columns else ["default"] * len(req),
                    "interval_start_s": to_seconds(req["interval_start"]),
                }
                for col in REQUIREMENT_COLUMNS[2:]:
                    cols[col] = req[col].to_numpy(dtype=float) if col in req.columns else np.full(len(req), np.nan)
                _bulk_insert(c, schema.plan_requirements, cols)
            if len(roster):
                _bulk_insert(
                    c,
                    schema.plan_roster,
                    {
                            "plan_id": [plan_id] * len(roster),
                            "row_number": np.arange(len(roster)),
                            "agent_id": roster["agent_id"].astype(str).to_numpy(),
                            "shift_start_s": to_seconds(roster["shift_start"]),
                            "shift_end_s": to_seconds(roster["shift_end"]),
                            "paid_minutes": roster["paid_minutes"].to_numpy(dtype=float),
                        "breaks": roster["breaks"].fillna("").astype(str).to_numpy() if "breaks" in roster.columns else [""] * len(roster),
                    },
                )
        return plan_id

    def load_plan(self, plan_id: str) -> PlanRecord:
        """A stored plan (requirements: :data:`REQUIREMENT_COLUMNS`; roster: :data:`ROSTER_COLUMNS`)."""
        pl, pr, ro = schema.plans, schema.plan_requirements, schema.plan_roster
        with self.engine.connect() as c:
            row = c.execute(sa.select(pl).where(pl.c.plan_id == plan_id)).first()
            if row is None:
                raise StoreError(f"no plan {plan_id!r} in store {self.url_display}")
            req = _frame(c.execute(sa.select(pr).where(pr.c.plan_id == plan_id).order_by(pr.c.queue, pr.c.interval_start_s)))
            ros = _frame(c.execute(sa.select(ro).where(ro.c.plan_id == plan_id).order_by(ro.c.row_number)))
        req["interval_start"] = from_seconds(req["interval_start_s"].to_numpy(dtype=np.int64), row.timezone)
        ros["shift_start"] = from_seconds(ros["shift_start_s"].to_numpy(dtype=np.int64), row.timezone)
        ros["shift_end"] = from_seconds(ros["shift_end_s"].to_numpy(dtype=np.int64), row.timezone)
        return PlanRecord(
            plan_id=plan_id,
            created_at=row.created_at,
            metadata=json.loads(row.metadata_json),
            requirements=req[REQUIREMENT_COLUMNS],
            roster=ros[ROSTER_COLUMNS],
            run_id=row.run_id,
        )

    def list_plans(self) -> pd.DataFrame:
        """Stored plans: ``plan_id, created_at, run_id``."""
        pl = schema.plans
        with self.engine.connect() as c:
            return _frame(c.execute(sa.select(pl.c.plan_id, pl.c.created_at, pl.c.run_id).order_by(pl.c.created_at)))

    # -- runs ---------------------------------------------------------------------------------
    def start_run(self, command: str, *, run_id: str | None = None, now: dt.datetime | pd.Timestamp | None = None) -> RunRecord:
        """Record (and commit) the start of a run; returns its record with status ``running``."""
        rid = run_id or str(uuid.uuid4())
        with self.transaction() as c:
            c.execute(sa.insert(schema.runs).values(run_id=rid, command=command, started_at=naive_utc(now), status="running", pid=os.getpid(), host=socket.gethostname()))
        return self.get_run(rid)

    def finish_run(
        self,
        run_id: str,
        status: RunStatus,
        *,
        summary: dict[str, Any] | None = None,
        error: str | None = None,
        now: dt.datetime | pd.Timestamp | None = None,
    ) -> RunRecord:
        """Record (and commit) the end of a run."""
        r = schema.runs
        with self.transaction() as c:
            c.execute(
                sa.update(r)
                .where(r.c.run_id == run_id)
                .values(finished_at=naive_utc(now), status=status, summary_json=None if summary is None else json.dumps(summary, default=str), error=error)
            )
        return self.get_run(run_id)

    def mark_abandoned(self, command: str, *, except_run_id: str | None = None, now: dt.datetime | pd.Timestamp | None = None) -> list[str]:
        """Mark ``running`` runs of ``command`` failed (call while holding its lock: they died)."""
        r = schema.runs
        with self.transaction() as c:
            query = sa.select(r.c.run_id).where(r.c.command == command, r.c.status == "running")
            if except_run_id is not None:
                query = query.where(r.c.run_id != except_run_id)
            ids: list[str] = list(c.execute(query).scalars())
            if ids:
                c.execute(
                    sa.update(r).where(r.c.run_id.in_(ids)).values(status="failed", finished_at=naive_utc(now), error="abandoned: the process ended without finishing (killed or crashed); its transaction was rolled back")
                )
        return ids

    def _run(self, row: Any) -> RunRecord:
        return RunRecord(
            run_id=row.run_id,
            command=row.command,
            started_at=row.started_at,
            finished_at=row.finished_at,
            status=row.status,
            pid=int(row.pid),
            host=row.host,
            summary=None if row.summary_json is None else json.loads(row.summary_json),
            error=row.error,
        )

    def get_run(self, run_id: str) -> RunRecord:
        """The run ``run_id``; :class:`StoreError` when unknown."""
        r = schema.runs
        with self.engine.connect() as c:
            row = c.execute(sa.select(r).where(r.c.run_id == run_id)).first()
        if row is None:
            raise StoreError(f"no run {run_id!r} in store {self.url_display}")
        return self._run(row)

    def list_runs(self, command: str | None = None, *, limit: int | None = None) -> list[RunRecord]:
        """Runs, newest first."""
        r = schema.runs
        query = sa.select(r).order_by(r.c.started_at.desc(), r.c.run_id)
        if command is not None:
            query = query.where(r.c.command == command)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as c:
            return [self._run(row) for row in c.execute(query)]


def _wall_time(seconds: np.ndarray, zone: str | None) -> pd.DatetimeIndex:
    """Naive local wall-clock times of stored seconds (for calendar days)."""
    times = from_seconds(seconds, zone)
    return times.tz_localize(None) if zone is not None else times
