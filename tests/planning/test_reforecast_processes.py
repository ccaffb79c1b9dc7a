"""Reforecast crash safety and locking with real processes (SIGKILL, concurrent runs).

Every test runs on SQLite (the lock is an ``flock`` beside the database file) and on
PostgreSQL (a session-level advisory lock), through the parametrised ``store_url``
fixture of tests/conftest.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from _store_helpers import SlowForecaster, seasonal_naive, synthetic_history

from staffing.errors import LockBusyError
from staffing.planning.nightly import ReforecastSettings, run_reforecast
from staffing.store import Store
from staffing.store import schema as store_schema

HELPER = Path(__file__).resolve().parents[1] / "_store_helpers.py"
SETTINGS = ReforecastSettings(horizon_days=7)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and flock")


def _start(url: str, history: Path, marker: Path, *, sleep: float, release: Path | None = None,
           lock_timeout: float = 0.0) -> subprocess.Popen[str]:
    cmd = [sys.executable, str(HELPER), url, "--history", str(history), "--marker", str(marker), "--sleep", str(sleep),
           "--lock-timeout", str(lock_timeout)]
    if release is not None:
        cmd += ["--release", str(release)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(marker: Path, proc: subprocess.Popen[str], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not marker.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"helper exited early ({proc.returncode}): {out}\n{err}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("helper never reached the forecaster")
        time.sleep(0.05)


def _snapshot(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t: conn.execute(sa.select(sa.func.count()).select_from(store_schema.metadata.tables[t])).scalar_one() for t in ("history", "forecast_versions", "forecast_values", "publications", "accuracy")}


def _assert_lock_freed_by_the_server(store: Store, seconds: float = 30.0) -> None:
    """PostgreSQL: wait until no advisory lock is held in the store's database.

    A killed client cannot unlock; its server session ends (freeing its advisory locks
    and rolling back its transaction) when the server sees the connection close, which
    happens just after the kill, not at once.
    """
    query = ("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
             "WHERE l.locktype = 'advisory' AND d.datname = current_database()")
    deadline = time.monotonic() + seconds
    with store.engine.connect() as conn:
        while conn.exec_driver_sql(query).scalar_one():
            assert time.monotonic() < deadline, f"the killed client's advisory lock was not freed in {seconds} s"
            time.sleep(0.05)
            conn.rollback()  # a fresh snapshot of pg_locks on the next poll


@pytest.fixture
def seeded(store: Store, tmp_path: Path) -> tuple[str, Path, Path]:
    """A store with one published reforecast, and a CSV of two more days of actuals."""
    data = synthetic_history(["a", "b"], "2024-01-01", 16)
    run_reforecast(store, data[data["interval_start"] < "2024-01-15"], seasonal_naive, SETTINGS)
    csv = tmp_path / "new.csv"
    data.to_csv(csv, index=False)
    return store.url, csv, tmp_path


def test_sigkill_mid_transaction_leaves_store_consistent(seeded: tuple[str, Path, Path], store: Store) -> None:
    url, csv, tmp = seeded
    before = _snapshot(store)
    published = store.published_for("a")
    marker = tmp / "fitting"
    proc = _start(url, csv, marker, sleep=120)
    # The helper is now inside the run's transaction: the new actuals are written (not
    # committed) and the forecaster is "fitting". Kill it without any chance to clean up.
    _wait_for(marker, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    else:
        _assert_lock_freed_by_the_server(store)
    assert _snapshot(store) == before
    pd.testing.assert_frame_equal(store.published_for("a"), published)
    killed = [r for r in store.list_runs("reforecast") if r.status == "running"]
    assert len(killed) == 1 and killed[0].pid == proc.pid
    # The lock died with the process: the next run proceeds, records the abandoned run.
    summary = run_reforecast(store, pd.read_csv(csv, parse_dates=["interval_start"]), seasonal_naive, SETTINGS)
    assert summary.abandoned_runs == (killed[0].run_id,)
    assert store.get_run(killed[0].run_id).status == "failed"
    assert len(summary.new_versions) == 2 and summary.history_inserted == 2 * 2 * 96
    # ... and releases the lock as usual: no holder left, free for the next run.
    assert store.lock_holder("reforecast") is None
    with store.lock("reforecast"):
        pass


def test_concurrent_reforecasts_second_exits_or_waits(seeded: tuple[str, Path, Path], store: Store) -> None:
    url, csv, tmp = seeded
    marker, release = tmp / "first", tmp / "release"
    # The first run holds the lock (inside its transaction) until the test creates `release`.
    first = _start(url, csv, marker, sleep=120, release=release)
    _wait_for(marker, first)
    # A second process with no lock timeout exits at once with a clear message.
    second = _start(url, csv, tmp / "second", sleep=0)
    _, err = second.communicate(timeout=60)
    assert second.returncode == LockBusyError.exit_code == 1
    assert "store lock 'reforecast' is held by run" in err and f"pid {first.pid}" in err
    assert not (tmp / "second").exists()
    # An in-process run with a lock timeout waits for the first to finish, then finds
    # the inputs unchanged (the first run made the versions with the same model).
    with pytest.raises(LockBusyError, match=r"after waiting 0\.2 s"):
        run_reforecast(store, None, seasonal_naive, SETTINGS.model_copy(update={"lock_timeout_seconds": 0.2}))
    started = time.monotonic()
    threading.Timer(1.0, release.write_text, args=("go",)).start()
    same_model = SlowForecaster(tmp / "third", 0.0)
    waited = run_reforecast(store, pd.read_csv(csv, parse_dates=["interval_start"]), same_model, SETTINGS.model_copy(update={"lock_timeout_seconds": 60}))
    assert first.wait(timeout=60) == 0
    assert time.monotonic() - started >= 1.0  # it waited for the release
    assert [q.status for q in waited.queues] == ["unchanged", "unchanged"]
    assert waited.history_inserted == 0 and not (tmp / "third").exists()


def test_processes_waiting_for_the_lock_create_each_version_once(seeded: tuple[str, Path, Path], store: Store) -> None:
    url, csv, tmp = seeded
    before = _snapshot(store)
    # Three processes with the same new actuals and model, started together, each willing
    # to wait for the lock: they run one after the other, and only the first to get the
    # lock has anything to do.
    procs = [_start(url, csv, tmp / f"marker{i}", sleep=0.5, lock_timeout=120) for i in range(3)]
    summaries = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        summaries.append(json.loads(out))
    statuses = sorted(tuple(q["status"] for q in s["queues"]) for s in summaries)
    assert statuses == [("created", "created"), ("unchanged", "unchanged"), ("unchanged", "unchanged")]
    # seeded: 14 days of history and 2 versions (queues a, b); the CSV adds days 15 and 16
    # for both queues, imported once, and one new version per queue.
    after = _snapshot(store)
    assert after["forecast_versions"] == before["forecast_versions"] + 2 == 4
    assert after["history"] == before["history"] + 2 * 2 * 96
    assert sorted(v for s in summaries for v in s["new_versions"]) == [3, 4]
    assert [(v.queue, v.status) for v in store.list_versions()] == [("a", "published"), ("b", "published")] * 2
    # Only the run that created versions called the forecaster (the others found every
    # input unchanged before fitting).
    fitted = [i for i in range(3) if (tmp / f"marker{i}").exists()]
    created = [i for i, s in enumerate(summaries) if s["new_versions"]]
    assert fitted == created
    # seeded's run and the three processes', all finished normally.
    assert [r.status for r in store.list_runs("reforecast")] == ["ok"] * 4
