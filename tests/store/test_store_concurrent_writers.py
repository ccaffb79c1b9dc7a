"""Two writers on one store at the same time (two connection pools, as two processes).

A write transaction takes the store's write lock when it begins (SQLite: ``BEGIN
IMMEDIATE``; PostgreSQL: a transaction-level advisory lock), so a second writer waits for
the first to commit and then sees its rows, instead of checking against a snapshot
without them and failing on the first duplicate key.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd

from staffing.errors import StoreError
from staffing.store import ImportResult, Store


def _history(n: int, queue: str = "q1") -> pd.DataFrame:
    times = pd.date_range("2024-03-04", periods=n, freq="15min")
    return pd.DataFrame({"interval_start": times, "queue": queue, "offered": np.arange(n, dtype=float)})


def _wait_until_blocked(store: Store, thread: threading.Thread) -> None:
    """Return once ``thread``'s writer waits for the store's write lock.

    PostgreSQL shows the waiting lock request in ``pg_locks``; SQLite's wait is inside
    the driver's busy handler and not visible, so the test gives it half a second.
    """
    if store.engine.dialect.name != "postgresql":
        time.sleep(0.5)
        assert thread.is_alive(), "the second writer did not wait for the first"
        return
    deadline = time.monotonic() + 30
    with store.engine.connect() as conn:
        while not conn.exec_driver_sql("SELECT count(*) FROM pg_locks WHERE NOT granted").scalar_one():
            assert thread.is_alive(), "the second writer finished without waiting for the first"
            assert time.monotonic() < deadline, "the second writer never waited for a lock"
            time.sleep(0.02)
            conn.rollback()  # new snapshot of pg_locks


def test_overlapping_imports_at_the_same_time(store: Store) -> None:
    other = Store.open(store.url)  # a second connection pool, like another process
    first_wrote, commit_first = threading.Event(), threading.Event()
    results: dict[str, ImportResult | BaseException] = {}

    def first() -> None:
        with store.unit_of_work() as work:
            results["first"] = work.import_history(_history(8))
            first_wrote.set()
            commit_first.wait(30)

    def second() -> None:
        try:
            results["second"] = other.import_history(_history(12))
        except BaseException as exc:  # reported by the assertions below
            results["second"] = exc

    a = threading.Thread(target=first)
    a.start()
    assert first_wrote.wait(30)
    b = threading.Thread(target=second)
    b.start()
    _wait_until_blocked(store, b)
    commit_first.set()
    a.join(30)
    b.join(30)
    other.close()
    # The first import wrote rows 0..7 (and queue q1); the second, waiting for it, finds
    # those 8 unchanged and adds rows 8..11.
    second_result = results["second"]
    assert not isinstance(second_result, BaseException), repr(second_result)
    assert (second_result.inserted, second_result.unchanged, second_result.conflicts) == (4, 8, ())
    assert store.history("q1")["offered"].tolist() == list(map(float, range(12)))
    assert store.queues() == ["q1"]


def test_writer_waiting_longer_than_the_busy_timeout_gets_a_store_error(store: Store) -> None:
    impatient = Store.open(store.url, busy_timeout_seconds=0.5)
    errors: list[BaseException] = []
    waited: list[float] = []

    def second() -> None:
        started = time.monotonic()
        try:
            impatient.import_history(_history(4))
        except BaseException as exc:  # reported by the assertions below
            errors.append(exc)
        waited.append(time.monotonic() - started)

    with store.unit_of_work() as work:
        work.import_history(_history(2))
        # In a thread, so that a writer that would wait forever fails the test instead of
        # hanging it: the first transaction ends after 30 s at most.
        b = threading.Thread(target=second)
        b.start()
        b.join(30)
    b.join(30)
    impatient.close()
    assert len(errors) == 1 and isinstance(errors[0], StoreError), errors
    assert "is busy: another process kept it locked" in str(errors[0])
    # It gave up after its busy timeout (0.5 s, above), long before the first writer ended.
    assert len(waited) == 1 and 0.5 <= waited[0] < 30
    assert len(store.history("q1")) == 2
