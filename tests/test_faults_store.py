"""Store and nightly faults get a located error and lose nothing, never a traceback.

Each test builds the bad situation in ``tmp_path`` (a failing forecaster, a damaged store
file, a URL whose driver is missing, a store path that does not exist, a read-only store)
and runs the CLI on it, then checks the exit code (0 ok, 1 the run failed, 2 usage or
configuration: ``staffing.cli._app``), the message and what is (still) in the store.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _store_helpers import seasonal_naive, synthetic_history
from click.testing import CliRunner, Result

import staffing.cli.reforecast as reforecast_cli
from staffing.cli import main
from staffing.errors import DataError, DataIssue
from staffing.planning.forecaster import SettingsForecaster
from staffing.planning.nightly import ForecastResult, ReforecastSettings, run_reforecast
from staffing.store import Store

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
EXAMPLE = CONFIGS / "example.yaml"
QUEUE = "general"  # the one queue of configs/example.yaml


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _store_with_a_published_version(path: Path) -> int:
    """A store at ``path`` holding 15 days of one queue's history and one published version."""
    history = synthetic_history(["a"], "2024-01-01", 15)
    with Store.open(f"sqlite:///{path}") as store:
        summary = run_reforecast(store, history, seasonal_naive, ReforecastSettings(horizon_days=7))
    return summary.new_versions[0]


# 1 ------------------------------------------------------------------------------------------


class _FailingForecaster:
    """Stands in for ``SettingsForecaster(config.forecast)`` and raises ``error`` when fitting."""

    # A fingerprint of its own, so the run does not reuse the version of the first run
    # (same inputs -> same fingerprint -> no fit) and really calls the forecaster.
    fingerprint = "tests.failing-forecaster"
    error: Exception = ValueError("the fit diverged")

    def __init__(self, _settings: object) -> None:
        pass

    def __call__(self, history: pd.DataFrame, horizon: pd.DatetimeIndex) -> ForecastResult:
        raise self.error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        # Not a StaffingError: wrapped, naming the queue and the original exception.
        (ValueError("the fit diverged"), f"error: reforecast failed: queue '{QUEUE}': ValueError: the fit diverged"),
        # A StaffingError keeps its own message; a note names the queue.
        (DataError([DataIssue("model", None, None, "too little history")]), f"while forecasting queue '{QUEUE}'"),
    ],
    ids=["ValueError", "StaffingError"],
)
def test_failed_nightly_releases_the_lock_and_keeps_the_published_forecast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, expected: str
) -> None:
    url = f"sqlite:///{tmp_path / 'site.db'}"
    args = ["reforecast", "--config", str(EXAMPLE), "--store", url]
    first = _run(*args)
    assert first.exit_code == 0, first.output
    with Store.open(url) as store:
        published_before = store.published_for(QUEUE)
        versions_before = store.list_versions()
    assert len(published_before) > 0  # the first run published a forecast

    monkeypatch.setattr(_FailingForecaster, "error", error)
    monkeypatch.setattr(reforecast_cli, "SettingsForecaster", _FailingForecaster)
    failed = _run(*args)
    assert failed.exit_code == 1, failed.output  # a run failure, not a traceback
    assert not isinstance(failed.exception, Exception) or isinstance(failed.exception, SystemExit)
    assert expected in failed.output

    with Store.open(url) as store:
        assert store.lock_holder("reforecast") is None
        with store.lock("reforecast", timeout_seconds=0):  # the OS lock is free too
            pass
        pd.testing.assert_frame_equal(store.published_for(QUEUE), published_before)
        assert store.list_versions() == versions_before
        last = store.list_runs("reforecast")[0]
        assert last.status == "failed" and str(error) in (last.error or "")

    monkeypatch.setattr(reforecast_cli, "SettingsForecaster", SettingsForecaster)
    again = _run(*args)
    assert again.exit_code == 0, again.output
    assert "lock" not in again.output


def test_infinite_count_never_reaches_the_forecaster(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    _store_with_a_published_version(path)
    url = f"sqlite:///{path}"
    with Store.open(url) as store:
        published_before = store.published_for("a")
        # Two more days; row 3 of the new table gets an infinite count.
        more = synthetic_history(["a"], "2024-01-01", 17)
        more = more[more["interval_start"] >= "2024-01-16"].reset_index(drop=True)
        more.loc[3, "offered"] = np.inf
        calls: list[int] = []

        def counting(history: pd.DataFrame, horizon: pd.DatetimeIndex) -> ForecastResult:
            calls.append(len(history))
            return seasonal_naive(history, horizon)

        with pytest.raises(DataError) as raised:
            run_reforecast(store, more, counting, ReforecastSettings(horizon_days=7), source="new.csv")
        # Row 3 of the table is file line 5 (header on line 1, first row on line 2).
        assert "new.csv:5: column 'offered': expected a finite number >= 0, got inf" in str(raised.value)
        assert calls == []
        assert store.lock_holder("reforecast") is None
        pd.testing.assert_frame_equal(store.published_for("a"), published_before)
        assert store.list_runs("reforecast")[0].status == "failed"


# 2 ------------------------------------------------------------------------------------------


def test_random_bytes_are_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "staffing.db"
    path.write_bytes(np.random.default_rng(7).bytes(8192))
    before = _sha256(path)
    for args in (["versions", "list"], ["accuracy"], ["versions", "publish", "1"]):
        result = _run(*args, "--store", f"sqlite:///{path}")
        assert result.exit_code == 1, (args, result.output)
        assert f"error: {path} is not a staffing store (SQLite says: file is not a database)" in result.output
    assert _sha256(path) == before  # nothing was written to it


def test_truncated_store_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "staffing.db"
    _store_with_a_published_version(path)
    # 50 bytes: half of SQLite's 100-byte file header, as a copy cut short leaves it.
    path.write_bytes(path.read_bytes()[:50])
    result = _run("versions", "list", "--store", f"sqlite:///{path}")
    assert result.exit_code == 1, result.output
    assert f"error: {path} is not a staffing store (SQLite says: " in result.output
    assert "Traceback" not in result.output


# 3 ------------------------------------------------------------------------------------------


def test_unsupported_backend_says_what_is_supported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = _run("versions", "list", "--store", "mysql://wfm:secret@db/staffing")
    assert result.exit_code == 2, result.output
    assert "error: store URL mysql://wfm:***@db/staffing: the 'mysql' backend is not supported" in result.output
    assert "SQLite (sqlite:///path/to/staffing.db) or PostgreSQL (postgresql+psycopg://user@host/db)" in result.output
    assert "secret" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["postgresql://wfm@db/staffing", "postgresql+psycopg://wfm@db/staffing"])
def test_missing_postgres_driver_names_the_extra(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` now fails: not installed
    result = _run("versions", "list", "--store", url)
    assert result.exit_code == 2, result.output
    assert "needs the psycopg database driver, which is not installed" in result.output
    assert 'pip install "staffing[postgres]"' in result.output


# 4 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [["versions", "list"], ["versions", "show", "1"], ["accuracy"], ["accuracy", "--by", "horizon"]]
)
def test_read_command_on_a_missing_store_creates_nothing(command: list[str], tmp_path: Path) -> None:
    path = tmp_path / "forecasts" / "staffing.db"
    result = _run(*command, "--store", f"sqlite:///{path}")
    assert result.exit_code == 1, result.output
    assert f"error: no store at {path} (no such file)" in result.output
    assert list(tmp_path.iterdir()) == []  # not even the forecasts/ directory


def test_write_command_still_creates_the_store(tmp_path: Path) -> None:
    path = tmp_path / "forecasts" / "staffing.db"
    csv = tmp_path / "h.csv"
    synthetic_history(["a"], "2024-01-01", 1).to_csv(csv, index=False)
    result = _run("history", "import", "--file", str(csv), "--store", f"sqlite:///{path}")
    assert result.exit_code == 0, result.output
    assert "imported 96 new interval(s)" in result.output  # 1 day of 15-minute intervals
    assert path.is_file()


# 5 ------------------------------------------------------------------------------------------


def test_read_command_on_a_read_only_store_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "staffing.db"
    version_id = _store_with_a_published_version(path)
    # A store left in rollback-journal mode: a read command must not switch it to WAL
    # (a write), nor create or migrate anything.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    before = _sha256(path)
    path.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        listed = _run("versions", "list", "--store", f"sqlite:///{path}", "--json")
        shown = _run("versions", "show", str(version_id), "--store", f"sqlite:///{path}")
        accuracy = _run("accuracy", "--store", f"sqlite:///{path}")
    finally:
        tmp_path.chmod(0o755)
        path.chmod(0o644)
    assert listed.exit_code == 0, listed.output
    assert f'"version_id": {version_id}' in listed.output
    assert shown.exit_code == 0, shown.output
    assert accuracy.exit_code == 0, accuracy.output
    assert _sha256(path) == before
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_write_command_on_a_read_only_store_says_read_only(tmp_path: Path) -> None:
    path = tmp_path / "staffing.db"
    _store_with_a_published_version(path)
    before = _sha256(path)
    csv = tmp_path / "h.csv"
    synthetic_history(["a"], "2024-01-16", 1).to_csv(csv, index=False)
    # SQLite's own read-only open (what a read-only file gives a non-root user).
    result = _run("history", "import", "--file", str(csv), "--store", f"sqlite:///file:{path}?mode=ro&uri=true")
    assert result.exit_code == 1, result.output
    assert f"error: store {path} is read-only (SQLite says: attempt to write a readonly database)" in result.output
    assert _sha256(path) == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes to a 0444 file regardless")
def test_write_command_on_a_chmod_read_only_store(tmp_path: Path) -> None:
    path = tmp_path / "staffing.db"
    _store_with_a_published_version(path)
    csv = tmp_path / "h.csv"
    synthetic_history(["a"], "2024-01-16", 1).to_csv(csv, index=False)
    path.chmod(0o444)
    try:
        result = _run("history", "import", "--file", str(csv), "--store", f"sqlite:///{path}")
    finally:
        path.chmod(0o644)
    assert result.exit_code == 1, result.output
    assert f"store {path} is read-only" in result.output
