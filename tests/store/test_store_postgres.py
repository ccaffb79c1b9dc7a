"""PostgreSQL-specific store behaviour (the advisory lock, end to end on one database).

The rest of the store suite runs on PostgreSQL too, through the parametrised ``store``
fixture. ``pg_url`` (tests/conftest.py) is a fresh database on the server named by
``$STAFFING_TEST_POSTGRES_URL`` (``.ci/postgres.sh start``); without one these tests
skip, except in CI where they fail.
"""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from _store_helpers import seasonal_naive, synthetic_history

from staffing.errors import DataError, LockBusyError, StaffingError
from staffing.planning.nightly import ReforecastSettings, run_reforecast
from staffing.store import Store, UnitOfWork


def test_postgres_history_versions_and_immutability(pg_url: str) -> None:
    store = Store.open(pg_url)
    data = synthetic_history(["a"], "2024-01-01", 15)
    first = data[data["interval_start"] < "2024-01-15"]
    assert store.import_history(first).inserted == 14 * 96
    assert store.import_history(first).unchanged == 14 * 96
    changed = first.copy()
    changed.loc[changed.index[0], "offered"] += 1
    with pytest.raises(DataError, match="stored value"):
        store.import_history(changed)
    settings = ReforecastSettings(horizon_days=7)
    summary = run_reforecast(store, None, seasonal_naive, settings)
    again = run_reforecast(store, None, seasonal_naive, settings)
    assert len(summary.new_versions) == 1 and again.new_versions == ()
    vid = summary.new_versions[0]
    # The messages of the triggers in staffing.store.schema (the same on SQLite).
    guarded = {
        "UPDATE forecast_values SET calls = 0": "forecast_values rows are immutable",
        "DELETE FROM publications": "publications rows are immutable",
        "UPDATE forecast_versions SET model_name = 'x'": "forecast_versions rows are immutable",
        "UPDATE forecast_versions SET status = 'draft'": "status only goes draft -> published",
    }
    for sql, message in guarded.items():
        with pytest.raises(sa.exc.DBAPIError, match=message), store.engine.begin() as conn:
            conn.exec_driver_sql(sql)
    assert store.get_version(vid).status == "published"
    later = run_reforecast(store, data, seasonal_naive, settings)
    assert later.scores_written == 1 and len(later.new_versions) == 1
    report = store.accuracy_report("a", by="day")
    assert report["version_ids"].tolist() == [str(vid)]


def test_postgres_rollback_and_advisory_lock(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(pg_url)
    data = synthetic_history(["a"], "2024-01-01", 15)
    settings = ReforecastSettings(horizon_days=7)
    run_reforecast(store, data[data["interval_start"] < "2024-01-15"], seasonal_naive, settings)
    published = store.published_for("a")

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(UnitOfWork, "score_published", boom)
    with pytest.raises(StaffingError, match="boom"):
        run_reforecast(store, data, seasonal_naive, settings)
    monkeypatch.undo()
    assert len(store.history("a")) == 14 * 96
    pd.testing.assert_frame_equal(store.published_for("a"), published)
    other = Store.open(pg_url)
    with store.lock("reforecast"), pytest.raises(LockBusyError, match="is held by"):
        other.lock("reforecast").acquire()
    with other.lock("reforecast"):  # released: free again
        pass


def test_postgres_queue_names_with_quotes_and_percent(pg_url: str) -> None:
    store = Store.open(pg_url)
    name = "o'brien 100% sales"
    frame = synthetic_history([name], "2024-01-01", 1)
    store.import_history(frame)
    assert store.history(name)["offered"].tolist() == frame["offered"].tolist()
