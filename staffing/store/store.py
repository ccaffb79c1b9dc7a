"""The forecast store: history, immutable forecast versions, publications, accuracy,
plans and run records in one SQL database (SQLite by default, PostgreSQL for teams).

:class:`Store` is a facade over one module per concern (:mod:`~staffing.store.history`,
:mod:`~staffing.store.versions`, :mod:`~staffing.store.accuracy`,
:mod:`~staffing.store.plans`, :mod:`~staffing.store.runs`). Each of its writing methods
commits its own transaction. Several writes that must succeed or fail together go
through one :class:`UnitOfWork` (:meth:`Store.unit_of_work`), which has the same
history, version, accuracy and plan methods; connections never leave this package.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from staffing import __version__
from staffing.errors import NoStoreError, StoreError
from staffing.store import schema
from staffing.store._db import database_error, read_connection, write_transaction
from staffing.store.accuracy import AccuracyOps
from staffing.store.engine import (
    create_store_engine,
    parse_store_url,
    resolve_store_url,
    sqlite_file,
    store_location,
)
from staffing.store.history import HistoryOps
from staffing.store.lock import LockHolder, StoreLock
from staffing.store.plans import PlanOps
from staffing.store.runs import RunOps
from staffing.store.timecodec import naive_utc
from staffing.store.versions import VersionOps

__all__ = ["Store", "UnitOfWork"]

log = logging.getLogger(__name__)


class UnitOfWork(HistoryOps, VersionOps, AccuracyOps, PlanOps):
    """Store operations that all commit together, or not at all.

    Obtain one from :meth:`Store.unit_of_work`; it has the store's history, version,
    accuracy and plan methods (``import_history``, ``create_forecast_version``,
    ``publish``, ``score_published``, ``save_plan`` ...), all in the one open database
    transaction (on SQLite ``BEGIN IMMEDIATE``: the write lock is taken up front). Reads
    see the unit's own uncommitted writes. Run records (:meth:`Store.start_run` ...) are
    not part of it: they commit on their own so a failed run stays on record. Using the
    object after its ``with`` block raises :class:`StoreError`.
    """

    def __init__(self, conn: sa.Connection, url_display: str) -> None:
        self._conn: sa.Connection | None = conn
        self.url_display = url_display

    def _connection(self) -> AbstractContextManager[sa.Connection]:
        if self._conn is None:
            raise StoreError(f"this unit of work on store {self.url_display} has ended (committed or rolled back)")
        return nullcontext(self._conn)

    def _reading(self) -> AbstractContextManager[sa.Connection]:
        return self._connection()

    def _writing(self) -> AbstractContextManager[sa.Connection]:
        return self._connection()

    def _end(self) -> None:
        self._conn = None


class Store(HistoryOps, VersionOps, AccuracyOps, PlanOps, RunOps):
    """Handle on one forecast store database. Open with :meth:`Store.open`.

    ``engine`` is the SQLAlchemy engine, for the store's own modules and for tests that
    inspect the database directly; library callers use the methods.
    """

    def __init__(self, engine: sa.Engine, url: str, *, read_only: bool = False) -> None:
        self.engine = engine
        self.url = url
        self.url_display = make_url(url).render_as_string(hide_password=True)
        #: Opened for reading only (:meth:`open` with ``read_only=True``).
        self.read_only = read_only

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str | None = None, *, busy_timeout_seconds: float = 60.0, read_only: bool = False) -> Store:
        """Open (and, unless ``read_only``, on first use create) the store at ``url``.

        ``url`` defaults to ``$STAFFING_STORE_URL``, else ``sqlite:///forecasts/staffing.db``
        relative to the working directory. PostgreSQL: ``postgresql+psycopg://user@host/db``.

        Parameters
        ----------
        url
            Store URL (see above).
        busy_timeout_seconds
            How long a write waits for another writer (SQLite).
        read_only
            For commands that only read: the store must already exist (it is never
            created, nor its directory), a SQLite file is opened ``mode=ro`` without
            switching its journal mode or migrating its schema, so a read-only file or
            directory can be read. Writing through the returned store raises
            :class:`StoreError`.

        Raises
        ------
        StoreConfigError
            The URL is malformed or names an unsupported backend, or its database driver
            is not installed (exit code 2).
        NoStoreError
            ``read_only`` and no store there (no file, or a database without the store's tables).
        StoreError
            The file is not a staffing store (damaged or
            another kind of file), the store is read-only and must be written, the
            database cannot be reached, or it holds an unknown schema version.
        """
        resolved = resolve_store_url(url)
        parsed = parse_store_url(resolved)
        where = store_location(parsed)
        display = parsed.render_as_string(hide_password=True)
        path = sqlite_file(parsed)
        if read_only and path is not None and not path.is_file():
            what = "a directory" if path.is_dir() else "no such file"
            raise NoStoreError(
                f"no store at {path} ({what}); a read command never creates one: give the "
                "right --store / store.url, or create the store with `staffing history import`, "
                "`staffing plan` or `staffing reforecast`"
            )
        engine = create_store_engine(parsed, busy_timeout_seconds=busy_timeout_seconds, read_only=read_only)
        store = cls(engine, resolved, read_only=read_only)
        try:
            store._ensure_schema()
        except sa.exc.OperationalError as exc:
            engine.dispose()
            error = database_error(exc, engine, store.url_display)
            if error is not None:
                raise error from None
            raise StoreError(f"cannot open store {where}: {exc.orig}") from None
        except sa.exc.DBAPIError as exc:
            # Not an outage but the wrong kind of file (SQLite NOTADB/CORRUPT): a located message.
            engine.dispose()
            error = database_error(exc, engine, store.url_display)
            raise (error or StoreError(f"{where} is not a staffing store ({exc.orig})")) from None
        except BaseException:
            engine.dispose()
            raise
        log.debug("opened store %s%s", display, " read-only" if read_only else "")
        return store

    def _ensure_schema(self) -> None:
        if sa.inspect(self.engine).has_table("meta"):
            version = self.schema_version()
        elif self.read_only:
            raise NoStoreError(
                f"{store_location(self.engine.url)} is not a staffing store (it has no meta "
                "table); a read command never creates one: give the right --store / store.url"
            )
        else:
            with write_transaction(self.engine, self.url_display) as conn:
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

    # -- connections, units of work and the lock -------------------------------------------
    def _reading(self) -> AbstractContextManager[sa.Connection]:
        return read_connection(self.engine, self.url_display)

    def _writing(self) -> AbstractContextManager[sa.Connection]:
        self._check_writable()
        return write_transaction(self.engine, self.url_display)

    def _check_writable(self) -> None:
        # A read-only open would fail in the database anyway (mode=ro); on PostgreSQL it
        # would not, so the store refuses itself, naming the caller's mistake.
        if self.read_only:
            raise StoreError(f"store {self.url_display} was opened read-only; open it without read_only to write")

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """One all-or-nothing transaction: commits when the ``with`` block ends normally,
        rolls back when it raises (or the process dies).

        Examples
        --------
        >>> with store.unit_of_work() as work:  # doctest: +SKIP
        ...     version = work.create_forecast_version("sales", values, ...)
        ...     work.publish(version.version_id)
        """
        self._check_writable()
        with write_transaction(self.engine, self.url_display) as conn:
            work = UnitOfWork(conn, self.url_display)
            try:
                yield work
            finally:
                work._end()

    def lock(self, name: str = "reforecast", *, timeout_seconds: float = 0.0, run_id: str | None = None) -> StoreLock:
        """The named run lock (use as a context manager); see :mod:`staffing.store.lock`."""
        self._check_writable()
        return StoreLock(self, name, timeout_seconds=timeout_seconds, run_id=run_id)

    def lock_holder(self, name: str = "reforecast") -> LockHolder | None:
        """The recorded holder of lock ``name``, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(schema.locks).where(schema.locks.c.name == name)).mappings().first()
        return LockHolder(**dict(row)) if row else None
