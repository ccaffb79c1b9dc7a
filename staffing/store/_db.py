"""Internal helpers of the store modules: transactions, bulk inserts, fast reads, queues.

Only modules of :mod:`staffing.store` use this; it is where SQLAlchemy connections are
opened and passed around. Everything outside the package goes through
:class:`~staffing.store.Store` and :class:`~staffing.store.UnitOfWork`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from staffing.errors import StoreError
from staffing.store import schema
from staffing.store.engine import store_location
from staffing.store.timecodec import naive_utc

_REL_TOL = 1e-9


def database_error(exc: sa.exc.DBAPIError, engine: sa.Engine, url_display: str) -> StoreError | None:
    """The :class:`StoreError` for a database error a user can act on, else ``None``.

    Busy (another writer), read-only (file, directory or ``mode=ro`` open) and damaged
    or foreign files (SQLite's NOTADB/CORRUPT) each get a message naming the store; any
    other database error is a bug or an outage and keeps its own exception.
    """
    text = str(exc.orig)
    # sqlite3 errors carry their result code name (Python 3.11+); the texts are the fallback.
    code = str(getattr(exc.orig, "sqlite_errorname", ""))
    where = store_location(engine.url)
    # SQLite: "database is locked"; PostgreSQL: "canceling statement due to lock timeout".
    if "locked" in text or "busy" in text or "lock timeout" in text:
        return StoreError(
            f"store {url_display} is busy: another process kept it locked for "
            "longer than the busy timeout (a long reforecast or import?); try again later"
        )
    if code.startswith("SQLITE_READONLY") or "readonly database" in text:
        return StoreError(
            f"store {where} is read-only (SQLite says: {text}); this command writes to the "
            "store and needs write access to the file and its directory (read commands such "
            "as `staffing versions list` and `staffing accuracy` work on a read-only store)"
        )
    if code.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or "not a database" in text or "malformed" in text:
        return StoreError(
            f"{where} is not a staffing store (SQLite says: {text}): the file is damaged or "
            "is not a SQLite database; restore it from a backup or give the right store URL"
        )
    return None


@contextmanager
def translate_errors(engine: sa.Engine, url_display: str) -> Iterator[None]:
    """Turn the database errors :func:`database_error` knows into :class:`StoreError`."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        error = database_error(exc, engine, url_display)
        if error is None:
            raise
        raise error from exc


@contextmanager
def read_connection(engine: sa.Engine, url_display: str) -> Iterator[sa.Connection]:
    """A connection for reading (errors translated as in :func:`translate_errors`)."""
    with translate_errors(engine, url_display), engine.connect() as conn:
        yield conn


@contextmanager
def write_transaction(engine: sa.Engine, url_display: str) -> Iterator[sa.Connection]:
    """A write transaction: commit on success, else roll back.

    It takes the store's write lock first (``BEGIN IMMEDIATE`` on SQLite, an advisory
    lock on PostgreSQL: see :func:`~staffing.store.engine.create_store_engine`); waiting
    longer than the busy timeout raises :class:`StoreError` (via :func:`database_error`).
    """
    with translate_errors(engine, url_display), engine.connect() as conn:
        conn.execution_options(staffing_write=True)
        with conn.begin():
            yield conn


class Operations:
    """Base of the per-concern operation mixins (history, versions, accuracy, plans).

    A mixin's public methods get their connection from :meth:`_reading` or
    :meth:`_writing`: :class:`~staffing.store.Store` opens one per call (each write
    commits on its own), :class:`~staffing.store.UnitOfWork` hands out the connection of
    its one open transaction.
    """

    url_display: str

    def _reading(self) -> AbstractContextManager[sa.Connection]:
        raise NotImplementedError

    def _writing(self) -> AbstractContextManager[sa.Connection]:
        raise NotImplementedError


def _none_if_nan(values: np.ndarray) -> list[Any]:
    out: list[Any] = values.tolist()
    if np.isnan(values).any():
        return [None if v != v else v for v in out]
    return out


def column_lists(columns: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Column arrays -> Python lists, float NaN as ``None`` (SQL NULL)."""
    out: dict[str, list[Any]] = {}
    for name, values in columns.items():
        array = np.asarray(values)
        out[name] = _none_if_nan(array) if array.dtype.kind == "f" else array.tolist()
    return out


def records(columns: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Column arrays -> list of row dicts with NaN as NULL (for ``executemany``)."""
    lists = column_lists(columns)
    names = list(lists)
    return [dict(zip(names, row, strict=True)) for row in zip(*lists.values(), strict=True)]


def bulk_insert(conn: sa.Connection, table: sa.Table, columns: Mapping[str, Any]) -> None:
    """Insert column arrays with one ``executemany``.

    On positional-parameter drivers (sqlite3) the statement is compiled once and rows go
    to the driver as tuples, skipping SQLAlchemy's per-row parameter processing (5x faster
    for a year of history); this is only done for columns that need no bind conversion.
    """
    lists = column_lists(columns)
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


def primary_key(result: sa.CursorResult[Any]) -> Any:
    """The id of the row an INSERT created."""
    key = result.inserted_primary_key
    if key is None:
        raise StoreError("the database did not return the new row's id")
    return key[0]


def frame(result: sa.CursorResult[Any]) -> pd.DataFrame:
    """A result as a DataFrame (empty results keep their column names)."""
    # Building from plain tuples is ~15x faster than from SQLAlchemy Row objects.
    columns = list(result.keys())
    rows = [tuple(row) for row in result.all()]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame.from_records(rows, columns=columns)


def fetch_frame(conn: sa.Connection, query: sa.Select[Any]) -> pd.DataFrame:
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


def same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise equality of floats with NaN == NaN and a tiny relative tolerance."""
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        close = np.abs(a - b) <= _REL_TOL * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
    # The relative tolerance of an infinite value is infinite: only inf == inf is the same.
    infinite = np.isinf(a) | np.isinf(b)
    close = np.where(infinite, a == b, close)
    return both_nan | np.nan_to_num(close, nan=0.0).astype(bool)


def queue_zones(conn: sa.Connection) -> dict[str, str | None]:
    """Every stored queue and its zone (``None``: naive local times)."""
    rows = conn.execute(sa.select(schema.queues.c.queue, schema.queues.c.timezone)).all()
    return {r[0]: r[1] for r in rows}


def ensure_queue(conn: sa.Connection, queue: str, zone: str | None) -> None:
    """Register ``queue`` with ``zone`` unless it is already stored."""
    if queue not in queue_zones(conn):
        conn.execute(sa.insert(schema.queues).values(queue=queue, timezone=zone, created_at=naive_utc(None)))
