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

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from staffing import __version__
from staffing.errors import StoreError
from staffing.store import schema
from staffing.store._db import write_transaction
from staffing.store.accuracy import AccuracyOps
from staffing.store.engine import create_store_engine, resolve_store_url
from staffing.store.history import HistoryOps
from staffing.store.lock import LockHolder, StoreLock
from staffing.store.plans import PlanOps
from staffing.store.runs import RunOps
from staffing.store.timecodec import naive_utc
from staffing.store.versions import VersionOps

__all__ = ["Store", "UnitOfWork"]


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
        return self.engine.connect()

    def _writing(self) -> AbstractContextManager[sa.Connection]:
        return write_transaction(self.engine, self.url_display)

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
        with write_transaction(self.engine, self.url_display) as conn:
            work = UnitOfWork(conn, self.url_display)
            try:
                yield work
            finally:
                work._end()

    def lock(self, name: str = "reforecast", *, timeout_seconds: float = 0.0, run_id: str | None = None) -> StoreLock:
        """The named run lock (use as a context manager); see :mod:`staffing.store.lock`."""
        return StoreLock(self, name, timeout_seconds=timeout_seconds, run_id=run_id)

    def lock_holder(self, name: str = "reforecast") -> LockHolder | None:
        """The recorded holder of lock ``name``, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(schema.locks).where(schema.locks.c.name == name)).mappings().first()
        return LockHolder(**dict(row)) if row else None
