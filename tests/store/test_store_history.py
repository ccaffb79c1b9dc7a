"""Store: history import (idempotent, conflicts, revisions, validation), URL and schema."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from staffing.errors import DataError
from staffing.store import SCHEMA_VERSION, Store, default_store_url
from staffing.store import schema as store_schema


def _history(n: int = 8, queue: str = "q1", start: str = "2024-03-04") -> pd.DataFrame:
    times = pd.date_range(start, periods=n, freq="15min")
    return pd.DataFrame({"interval_start": times, "queue": queue, "offered": np.arange(n, dtype=float), "aht_seconds": 300.0})


# SQLite only: the default URL is a SQLite file, and WAL and foreign-key pragmas are
# SQLite settings (PostgreSQL has neither).
def test_default_url_env_and_schema_meta(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STAFFING_STORE_URL", raising=False)
    assert default_store_url() == "sqlite:///forecasts/staffing.db"
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("STAFFING_STORE_URL", url)
    assert default_store_url() == url
    store = Store.open()
    assert store.url == url and (tmp_path / "env.db").is_file()
    assert store.schema_version() == SCHEMA_VERSION
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    # Re-opening an existing store does not recreate anything.
    assert Store.open(url).schema_version() == SCHEMA_VERSION


# SQLite only: a relative database file path and SQLite's PRAGMA database_list.
def test_relative_default_url_resolves_under_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STAFFING_STORE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    store = Store.open()
    # The documented default (staffing.store.engine.DEFAULT_STORE_URL, README): a path
    # relative to the working directory, kept as given.
    assert store.url == "sqlite:///forecasts/staffing.db"
    with store.engine.connect() as conn:
        # SQLite reports the absolute file it opened for the main database.
        opened = {row[1]: row[2] for row in conn.exec_driver_sql("PRAGMA database_list")}["main"]
    expected_file = (tmp_path / "forecasts" / "staffing.db").resolve()
    assert Path(opened).resolve() == expected_file
    # Hand-written values; a version written through the relative URL must be the one
    # read back through the absolute path of that file from another working directory.
    values = pd.DataFrame({"interval_start": pd.date_range("2024-03-04 08:00", periods=4, freq="15min"), "calls": [1.5, 2.0, 0.0, 7.25]})
    written = store.create_forecast_version("q1", values, model_name="hand", model_params={"source": "test"}, data_cutoff=pd.Timestamp("2024-03-04 08:00"), interval_minutes=15)
    store.close()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    again = Store.open(f"sqlite:///{expected_file}")
    assert again.get_version(written.version_id) == written
    back = again.version_values(written.version_id)
    assert back["calls"].tolist() == [1.5, 2.0, 0.0, 7.25]
    assert back["interval_start"].tolist() == values["interval_start"].tolist()
    assert back["upper95"].isna().all()  # not given -> NULL, read back as NaN


def test_reimport_is_idempotent(store: Store) -> None:
    frame = _history()
    first = store.import_history(frame)
    assert (first.inserted, first.unchanged) == (8, 0)
    again = store.import_history(frame)
    assert (again.inserted, again.unchanged, again.conflicts, again.revised) == (0, 8, (), 0)
    overlapping = _history(12)  # 8 known + 4 new
    third = store.import_history(overlapping)
    assert (third.inserted, third.unchanged) == (4, 8)
    stored = store.history("q1")
    assert len(stored) == 12
    assert stored["offered"].tolist() == list(map(float, range(12)))


def test_conflicting_reimport_is_rejected_and_nothing_written(store: Store) -> None:
    store.import_history(_history())
    changed = _history(10)
    changed.loc[3, "offered"] = 99.0  # line 5 of the file (header = line 1)
    with pytest.raises(DataError) as info:
        store.import_history(changed, source="h.csv")
    issue = info.value.issues[0]
    assert (issue.file, issue.row, issue.column) == ("h.csv", 5, "offered")
    assert "stored value 3.0 differs from imported 99.0" in issue.problem
    # The two new rows of the rejected import were not written either.
    assert len(store.history("q1")) == 8


def test_revise_records_revision_and_keeps_old_values(store: Store) -> None:
    store.import_history(_history())
    changed = _history()
    changed.loc[2, "offered"] = 50.0
    result = store.import_history(changed, on_conflict="revise")
    assert (result.inserted, result.unchanged, result.revised) == (0, 7, 1)
    assert result.conflicts[0].stored == 2.0 and result.conflicts[0].imported == 50.0
    assert store.history("q1")["offered"].iloc[2] == 50.0
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(store_schema.history_revisions.c.offered, store_schema.history_revisions.c.revision)).all()
        rev = conn.execute(sa.select(store_schema.history.c.revision).where(store_schema.history.c.offered == 50.0)).scalar()
    assert rows == [(2.0, 0)] and rev == 1


def test_invalid_rows_are_reported_with_lines(store: Store) -> None:
    frame = pd.DataFrame(
        {
            "interval_start": ["2024-01-01 00:00", "not a time", "2024-01-01 00:30", "2024-01-01 00:00"],
            "offered": ["1", "2", "-3", "4"],
        }
    )
    with pytest.raises(DataError) as info:
        store.import_history(frame, source="bad.csv")
    found = {(i.row, i.column) for i in info.value.issues}
    assert (3, "interval_start") in found and (4, "offered") in found
    assert store.queues() == []


def test_duplicate_key_in_one_import_is_reported(store: Store) -> None:
    frame = pd.concat([_history(2), _history(1)], ignore_index=True)
    with pytest.raises(DataError, match="duplicate interval"):
        store.import_history(frame, source="dup.csv")


def test_timezone_aware_history_round_trips(store: Store) -> None:
    times = pd.date_range("2024-03-30 22:00", periods=16, freq="15min", tz="Europe/Paris")  # spans DST
    frame = pd.DataFrame({"interval_start": times, "queue": "fr", "offered": 1.0})
    store.import_history(frame)
    back = store.history("fr")
    assert str(back["interval_start"].dt.tz) == "Europe/Paris"
    assert (pd.DatetimeIndex(back["interval_start"]) == times).all()
    naive = _history(2, queue="fr")
    with pytest.raises(DataError, match="stored with times in Europe/Paris; the import has naive"):
        store.import_history(naive)


def test_bulk_path_equals_row_by_row_reference(store: Store, tmp_path: Path) -> None:
    """The executemany fast path stores exactly what one INSERT per row stores.

    The reference is always written row by row to SQLite; on the ``postgresql`` run the
    store under test is PostgreSQL, so this also checks both backends read back the same.
    """
    frame = _history(20)
    frame.loc[5, "aht_seconds"] = np.nan
    store.import_history(frame)
    ref = Store.open(f"sqlite:///{tmp_path / 'ref.db'}")
    with ref.engine.begin() as conn:
        conn.execute(sa.insert(store_schema.queues).values(queue="q1", timezone=None, created_at=pd.Timestamp("2024-01-01").to_pydatetime()))
        for row in frame.itertuples():
            aht = None if pd.isna(row.aht_seconds) else float(row.aht_seconds)
            conn.execute(sa.insert(store_schema.history).values(queue="q1", interval_start_s=int(pd.Timestamp(row.interval_start).timestamp()), offered=float(row.offered), aht_seconds=aht))
    pd.testing.assert_frame_equal(store.history("q1"), ref.history("q1"))


def test_queue_names_with_quotes_and_percent(store: Store) -> None:
    name = "o'brien 100% sales"
    store.import_history(_history(3, queue=name))
    assert store.history(name)["offered"].tolist() == [0.0, 1.0, 2.0]
    assert store.queues() == [name]
