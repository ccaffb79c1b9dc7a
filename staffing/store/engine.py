"""Store URL resolution and engine set-up (SQLite pragmas, transactions that lock early)."""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

#: Environment variable that overrides the default store URL.
STORE_URL_ENV = "STAFFING_STORE_URL"
#: Default store, relative to the working directory.
DEFAULT_STORE_URL = "sqlite:///forecasts/staffing.db"
#: PostgreSQL advisory-lock key of the store's write lock (one per database). The run
#: locks of :mod:`staffing.store.lock` use ``crc32("staffing:<name>")`` in the same key
#: space; this name is not a run-lock name, so the keys differ.
PG_WRITE_LOCK_KEY = zlib.crc32(b"staffing.store:write-transaction") & 0x7FFFFFFF


def default_store_url() -> str:
    """``$STAFFING_STORE_URL`` when set, else ``sqlite:///forecasts/staffing.db``."""
    return os.environ.get(STORE_URL_ENV) or DEFAULT_STORE_URL


def resolve_store_url(url: str | None) -> str:
    """An explicit URL (``--store``) wins over the environment, which wins over the default."""
    return url or default_store_url()


def sqlite_file(url: URL) -> Path | None:
    """The database file of a file-backed SQLite URL, else ``None`` (memory or another backend)."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def create_store_engine(url: str, *, busy_timeout_seconds: float) -> sa.Engine:
    """An engine for ``url``.

    On SQLite: WAL journal (readers never block on the nightly writer), foreign keys on,
    a busy timeout, and write transactions opened with ``BEGIN IMMEDIATE`` so a writer
    takes the database write lock up front instead of failing half-way on an upgrade.

    On PostgreSQL the same rule: a write transaction first takes the store's write lock
    (a transaction-level advisory lock, waiting at most the busy timeout), so writers run
    one after the other as on SQLite. Readers are not affected.
    """
    parsed = make_url(url)
    path = sqlite_file(parsed)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": busy_timeout_seconds, "check_same_thread": False}
        if path is None:
            kwargs["poolclass"] = sa.StaticPool  # one shared in-memory database
    engine = sa.create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine, busy_timeout_seconds, wal=path is not None)
    elif parsed.get_backend_name() == "postgresql":
        _configure_postgres(engine, busy_timeout_seconds)
    return engine


def _configure_sqlite(engine: sa.Engine, busy_timeout_seconds: float, *, wal: bool) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own implicit BEGIN is turned off; SQLAlchemy's "begin" event below
        # emits BEGIN itself (the documented pysqlite recipe for real transactions).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_seconds * 1000)}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        immediate = connection.get_execution_options().get("staffing_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _configure_postgres(engine: sa.Engine, busy_timeout_seconds: float) -> None:
    # Without this, two writers of the store (say an import and a reforecast in another
    # process) each check for existing rows in their own READ COMMITTED snapshot, then
    # the second fails on a duplicate key of a row the first inserted meanwhile, or both
    # write publications computed from the same old state. SQLite's BEGIN IMMEDIATE
    # serialises writers; this lock does the same. Being transaction-level, it ends with
    # the transaction, and with the session of a process that dies.
    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        if not connection.get_execution_options().get("staffing_write", False):
            return
        # SET LOCAL: only for this transaction (then the server default applies again).
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, int(busy_timeout_seconds * 1000))}")
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK_KEY})")
