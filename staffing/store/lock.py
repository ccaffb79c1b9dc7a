"""The store's run lock: at most one nightly reforecast (or other locked command) at a time.

The lock itself is held by the operating system or the database server, so it is
released when the holder dies, even by ``SIGKILL``; there is no stale lock to clean up:

* SQLite file store: an exclusive ``flock`` on ``<database>.<name>.lock`` beside the file
  (:mod:`filelock`); only valid on a local filesystem (not NFS), like SQLite itself.
* PostgreSQL: a session-level ``pg_try_advisory_lock`` on a dedicated connection.
* In-memory SQLite: a process-local lock.

A row in the ``locks`` table records the holder (run id, pid, host, acquired/heartbeat
time) so a refused run can say who holds the lock. When a run acquires the lock and finds
a row left by another run, that run died holding it (the lock was free): the row is
returned as :attr:`StoreLock.stale_holder` and the caller marks that run failed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import zlib
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

import filelock
import sqlalchemy as sa

from staffing.errors import LockBusyError, StoreError
from staffing.store import schema
from staffing.store._db import write_transaction
from staffing.store.engine import sqlite_file
from staffing.store.timecodec import utcnow

if TYPE_CHECKING:
    import datetime as dt

    from staffing.store.store import Store

log = logging.getLogger(__name__)

_PROCESS_LOCKS: dict[str, threading.Lock] = {}
_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or last held) a named store lock."""

    name: str
    run_id: str | None
    pid: int
    host: str
    acquired_at: dt.datetime
    heartbeat_at: dt.datetime

    def describe(self) -> str:
        """``run R (pid P on host H, since T UTC)``."""
        since = self.acquired_at.strftime("%Y-%m-%d %H:%M:%S")
        return f"run {self.run_id or '?'} (pid {self.pid} on host {self.host}, since {since} UTC)"


class StoreLock:
    """Context manager holding the named lock of ``store``.

    Parameters
    ----------
    store
        The open store.
    name
        Lock name (``"reforecast"``); different names do not exclude each other.
    timeout_seconds
        How long to wait for a busy lock; ``0`` fails at once with :class:`LockBusyError`.
    run_id
        The run that will hold the lock (recorded for messages).
    """

    def __init__(
        self, store: Store, name: str, *, timeout_seconds: float = 0.0, run_id: str | None = None
    ) -> None:
        if timeout_seconds < 0:
            raise StoreError(f"lock timeout must be >= 0 seconds, got {timeout_seconds}")
        self.store = store
        self.name = name
        self.timeout_seconds = timeout_seconds
        self.run_id = run_id
        self.stale_holder: LockHolder | None = None
        self._file_lock: filelock.BaseFileLock | None = None
        self._pg_conn: sa.Connection | None = None
        self._thread_lock: threading.Lock | None = None
        self._pg_key = 0

    # -- acquiring ---------------------------------------------------------------------
    def acquire(self) -> StoreLock:
        """Take the lock (waiting up to ``timeout_seconds``) and record the holder row."""
        engine = self.store.engine
        path = sqlite_file(engine.url)
        if path is not None:
            self._acquire_file(path)
        elif engine.dialect.name == "postgresql":
            self._acquire_postgres()
        else:
            self._acquire_process()
        try:
            self._record_holder()
        except BaseException:
            self._release_os_lock()
            raise
        return self

    def _busy(self) -> LockBusyError:
        holder = self.store.lock_holder(self.name)
        who = holder.describe() if holder else "another process"
        waited = f" after waiting {self.timeout_seconds:g} s" if self.timeout_seconds else ""
        return LockBusyError(
            f"the store lock '{self.name}' is held by {who}{waited}; another {self.name} is "
            f"running on {self.store.url_display}. Try again when it has finished "
            "(or give a lock timeout to wait for it)."
        )

    def _acquire_file(self, db_path: os.PathLike[str]) -> None:
        lock_path = f"{os.fspath(db_path)}.{self.name}.lock"
        lock = filelock.FileLock(lock_path, is_singleton=False)
        try:
            lock.acquire(timeout=self.timeout_seconds, poll_interval=_POLL_SECONDS)
        except filelock.Timeout:
            raise self._busy() from None
        except OSError as exc:
            # The lock file lives beside the database: a read-only directory refuses it.
            raise StoreError(
                f"cannot create the lock file {lock_path} of store {os.fspath(db_path)} "
                f"({exc.strerror or exc}); the store's directory is read-only? A {self.name} "
                "writes to the store and needs write access to the file and its directory"
            ) from None
        self._file_lock = lock

    def _acquire_postgres(self) -> None:
        key = zlib.crc32(f"staffing:{self.name}".encode()) & 0x7FFFFFFF
        conn = self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            if got:
                self._pg_conn = conn
                self._pg_key = key
                return
            if time.monotonic() >= deadline:
                conn.close()
                raise self._busy()
            time.sleep(_POLL_SECONDS)

    def _acquire_process(self) -> None:
        lock = _PROCESS_LOCKS.setdefault(f"{self.store.url_display}:{self.name}", threading.Lock())
        if self.timeout_seconds > 0:
            acquired = lock.acquire(timeout=self.timeout_seconds)
        else:
            acquired = lock.acquire(blocking=False)
        if not acquired:
            raise self._busy()
        self._thread_lock = lock

    def _record_holder(self) -> None:
        now = utcnow()
        table = schema.locks
        with write_transaction(self.store.engine, self.store.url_display) as conn:
            row = conn.execute(sa.select(table).where(table.c.name == self.name)).mappings().first()
            if row is not None:
                self.stale_holder = LockHolder(**dict(row))
                conn.execute(sa.delete(table).where(table.c.name == self.name))
            conn.execute(
                sa.insert(table).values(
                    name=self.name,
                    run_id=self.run_id,
                    pid=os.getpid(),
                    host=socket.gethostname(),
                    acquired_at=now,
                    heartbeat_at=now,
                )
            )

    # -- releasing ---------------------------------------------------------------------
    def release(self) -> None:
        """Delete the holder row and release the lock.

        The lock is released even when the row cannot be deleted (the database is busy or
        gone): the operating-system or server lock is what excludes other runs, and the next
        run takes a row left behind over as :attr:`stale_holder`. That failure is logged,
        not raised, so it never hides the error that ended the run.
        """
        try:
            with write_transaction(self.store.engine, self.store.url_display) as conn:
                table = schema.locks
                conn.execute(
                    sa.delete(table).where(table.c.name == self.name, table.c.pid == os.getpid())
                )
        except (StoreError, sa.exc.SQLAlchemyError) as exc:
            log.warning("could not delete the holder row of lock %r on %s: %s", self.name, self.store.url_display, exc)
        finally:
            self._release_os_lock()

    def _release_os_lock(self) -> None:
        if self._file_lock is not None:
            self._file_lock.release()
            self._file_lock = None
        if self._pg_conn is not None:
            # The pooled session outlives close(): unlock explicitly (a dead process's
            # session ends with it, which frees the lock).
            try:
                self._pg_conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": self._pg_key})
            finally:
                self._pg_conn.close()
                self._pg_conn = None
        if self._thread_lock is not None:
            self._thread_lock.release()
            self._thread_lock = None

    def __enter__(self) -> StoreLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
