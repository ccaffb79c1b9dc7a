"""Store URL resolution and engine set-up (SQLite pragmas, transactions that lock early).

The store runs on two backends, each with the one driver it is tested with: SQLite
(Python's ``sqlite3``) and PostgreSQL (``psycopg`` 3, the ``staffing[postgres]`` extra).
Any other URL is refused up front by :func:`parse_store_url` with a
:class:`~staffing.errors.StoreConfigError` that says what is supported, rather than
failing later inside SQLAlchemy with a driver traceback.
"""

from __future__ import annotations

import os
import re
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from staffing.errors import StoreConfigError, StoreError

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


#: Backend -> the one driver the store supports for it.
SUPPORTED_DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg"}
#: How to install each supported driver that is not part of Python.
DRIVER_INSTALL = {"psycopg": 'pip install "staffing[postgres]"'}
_SUPPORTED_WORDS = (
    "SQLite (sqlite:///path/to/staffing.db) or PostgreSQL (postgresql+psycopg://user@host/db)"
)
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@/]*@")


def parse_store_url(url: str) -> URL:
    """``url`` parsed and checked: a supported backend and driver, the driver importable.

    ``postgresql://`` is taken as ``postgresql+psycopg://``: the ``postgres`` extra
    installs psycopg 3, while SQLAlchemy 2.0 would otherwise pick psycopg2.

    Raises
    ------
    StoreConfigError
        The URL is malformed, names a backend or driver the store does not support, or
        its driver is not installed (the message says which extra to install).
    """
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        shown = _PASSWORD.sub(r"\1***@", url)
        raise StoreConfigError(f"invalid store URL {shown!r}: expected {_SUPPORTED_WORDS}") from None
    display = parsed.render_as_string(hide_password=True)
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_DRIVERS:
        raise StoreConfigError(
            f"store URL {display}: the {backend!r} backend is not supported; the store runs on "
            f"{_SUPPORTED_WORDS}"
        )
    driver = SUPPORTED_DRIVERS[backend]
    if "+" not in parsed.drivername:
        parsed = parsed.set(drivername=f"{backend}+{driver}")
    elif parsed.get_driver_name() != driver:
        raise StoreConfigError(
            f"store URL {display}: the driver {parsed.get_driver_name()!r} is not supported; "
            f"use {backend}+{driver}:// (or {backend}://)"
        )
    try:
        parsed.get_dialect().import_dbapi()
    except ImportError as exc:
        install = DRIVER_INSTALL.get(driver, f"install the {driver} package")
        raise StoreConfigError(
            f"store URL {display} needs the {driver} database driver, which is not "
            f"installed ({exc}); install it with: {install}"
        ) from None
    return parsed


def sqlite_file(url: URL) -> Path | None:
    """The database file of a file-backed SQLite URL, else ``None`` (memory or another backend)."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def read_only_sqlite_url(path: Path) -> URL:
    """A URL opening the SQLite file ``path`` read-only (``mode=ro``): never created, never written.

    When the file's directory is not writable and there is no write-ahead log with
    content beside the file, the file is also opened ``immutable``: SQLite then needs
    no ``-shm`` file (which it could not create there). With a non-empty ``-wal`` it is
    not, since immutable would ignore the transactions that log holds.
    """
    query = {"mode": "ro", "uri": "true"}
    wal = Path(f"{path}-wal")
    wal_has_data = wal.exists() and wal.stat().st_size > 0
    if not os.access(path.parent, os.W_OK) and not wal_has_data:
        query["immutable"] = "1"
    return URL.create("sqlite", database=f"file:{quote(os.fspath(path))}", query=query)


def store_location(url: URL) -> str:
    """Where a store is, for messages: the file of a SQLite store, else the URL (no password)."""
    path = sqlite_file(url)
    if path is not None:
        return os.fspath(path)
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database.startswith("file:"):
        # A read-only open (read_only_sqlite_url): show the file, not the URI.
        return unquote(database.removeprefix("file:").split("?", 1)[0])
    return url.render_as_string(hide_password=True)


def create_store_engine(url: str | URL, *, busy_timeout_seconds: float, read_only: bool = False) -> sa.Engine:
    """An engine for ``url`` (checked by :func:`parse_store_url`).

    On SQLite: WAL journal (readers never block on the nightly writer), foreign keys on,
    a busy timeout, and write transactions opened with ``BEGIN IMMEDIATE`` so a writer
    takes the database write lock up front instead of failing half-way on an upgrade.

    ``read_only``: a SQLite file is opened with ``mode=ro`` (see
    :func:`read_only_sqlite_url`) and its journal mode is left as it is, so a read
    command works on a read-only file or directory and never creates the file or its
    directory. The caller checks that the file exists.

    On PostgreSQL the same rule: a write transaction first takes the store's write lock
    (a transaction-level advisory lock, waiting at most the busy timeout), so writers run
    one after the other as on SQLite. Readers are not affected.
    """
    parsed = parse_store_url(url) if isinstance(url, str) else url
    path = sqlite_file(parsed)
    memory = path is None
    if path is not None and read_only:
        parsed = read_only_sqlite_url(path)
    elif path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the directory {path.parent} of store {path}: {exc.strerror}") from None
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": busy_timeout_seconds, "check_same_thread": False}
        if memory:
            kwargs["poolclass"] = sa.StaticPool  # one shared in-memory database
    engine = sa.create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        # Switching to WAL is a write: never on a read-only open.
        _configure_sqlite(engine, busy_timeout_seconds, wal=not memory and not read_only)
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
