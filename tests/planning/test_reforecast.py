"""Nightly reforecast engine: idempotency, one transaction, scoring, drift, run records."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from _store_helpers import seasonal_naive, seasonal_naive_values, synthetic_history

from staffing.errors import DataError, StaffingError
from staffing.planning.nightly import (
    ForecastResult,
    ReforecastSettings,
    forecast_horizon,
    run_reforecast,
)
from staffing.store import Store, UnitOfWork
from staffing.store import schema as store_schema

SETTINGS = ReforecastSettings(horizon_days=7, drift_wape_threshold=0.05, drift_window_days=3)


@pytest.fixture
def data() -> pd.DataFrame:
    return synthetic_history(["a", "b"], "2024-01-01", 21)


def _until(frame: pd.DataFrame, end: str) -> pd.DataFrame:
    return frame[frame["interval_start"] < end].reset_index(drop=True)


def _table_counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t: conn.execute(sa.select(sa.func.count()).select_from(store_schema.metadata.tables[t])).scalar_one() for t in ("history", "forecast_versions", "forecast_values", "publications", "accuracy")}


def test_reforecast_twice_creates_one_version_per_queue(store: Store, data: pd.DataFrame) -> None:
    first = run_reforecast(store, _until(data, "2024-01-15"), seasonal_naive, SETTINGS)
    assert [q.status for q in first.queues] == ["created", "created"]
    assert len(first.new_versions) == 2 and first.history_inserted == 2 * 14 * 96
    counts = _table_counts(store)
    second = run_reforecast(store, _until(data, "2024-01-15"), seasonal_naive, SETTINGS)
    assert second.new_versions == () and [q.status for q in second.queues] == ["unchanged", "unchanged"]
    assert [q.version_id for q in second.queues] == [q.version_id for q in first.queues]
    assert second.history_unchanged == 2 * 14 * 96 and second.history_inserted == 0
    assert _table_counts(store) == counts
    # New data -> a new version per queue.
    third = run_reforecast(store, _until(data, "2024-01-16"), seasonal_naive, SETTINGS)
    assert len(third.new_versions) == 2


def test_version_content_and_horizon(store: Store, data: pd.DataFrame) -> None:
    summary = run_reforecast(store, _until(data, "2024-01-15"), seasonal_naive, SETTINGS)
    vid = summary.queues[0].version_id
    assert vid is not None
    version = store.get_version(vid)
    assert (version.horizon_start, version.horizon_end) == (pd.Timestamp("2024-01-15"), pd.Timestamp("2024-01-22"))
    assert version.data_cutoff == pd.Timestamp("2024-01-15") and version.status == "published"
    assert version.run_id == summary.run_id and version.model_name == "seasonal_naive"
    history = store.history("a")
    expected = seasonal_naive_values(history, forecast_horizon(history["interval_start"].iloc[-1], SETTINGS))
    got = store.version_values(vid)
    assert got["calls"].tolist() == expected["calls"].tolist()
    run = store.get_run(summary.run_id)
    assert run.status == "ok" and run.summary is not None and run.summary["new_versions"] == list(summary.new_versions)


def test_horizon_starts_at_next_midnight() -> None:
    settings = ReforecastSettings(horizon_days=2, interval_minutes=30)
    h = forecast_horizon(pd.Timestamp("2024-01-10 13:30"), settings)
    assert h[0] == pd.Timestamp("2024-01-11") and len(h) == 96 and h[-1] == pd.Timestamp("2024-01-12 23:30")
    h = forecast_horizon(pd.Timestamp("2024-01-10 23:30"), settings)
    assert h[0] == pd.Timestamp("2024-01-11")
    dst = forecast_horizon(pd.Timestamp("2024-03-30 23:45", tz="Europe/Paris"), ReforecastSettings(horizon_days=1))
    assert len(dst) == 92  # 23-hour day


def test_failure_inside_the_transaction_writes_nothing(store: Store, data: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    first = run_reforecast(store, _until(data, "2024-01-15"), seasonal_naive, SETTINGS)
    before_counts = _table_counts(store)
    published_before = store.published_for("a")

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    # Fails after the import, the new versions and their publication were written.
    monkeypatch.setattr(UnitOfWork, "score_published", boom)
    with pytest.raises(StaffingError, match="disk on fire"):
        run_reforecast(store, _until(data, "2024-01-17"), seasonal_naive, SETTINGS)
    assert _table_counts(store) == before_counts
    pd.testing.assert_frame_equal(store.published_for("a"), published_before)
    failed = store.list_runs("reforecast")[0]
    assert failed.status == "failed" and "disk on fire" in (failed.error or "")
    assert store.lock_holder() is None
    monkeypatch.undo()
    # The next run works and supersedes.
    ok = run_reforecast(store, _until(data, "2024-01-17"), seasonal_naive, SETTINGS)
    assert len(ok.new_versions) == 2 and set(ok.new_versions).isdisjoint(first.new_versions)


def test_conflicting_actuals_fail_the_run_without_writes(store: Store, data: pd.DataFrame) -> None:
    run_reforecast(store, _until(data, "2024-01-15"), seasonal_naive, SETTINGS)
    counts = _table_counts(store)
    bad = _until(data, "2024-01-16").copy()
    bad.loc[0, "offered"] += 1
    with pytest.raises(DataError, match="stored value"):
        run_reforecast(store, bad, seasonal_naive, SETTINGS)
    assert _table_counts(store) == counts
    revised = run_reforecast(store, bad, seasonal_naive, SETTINGS.model_copy(update={"on_conflict": "revise"}))
    assert revised.history_revised == 1


def test_scores_and_drift(store: Store, data: pd.DataFrame) -> None:
    run_reforecast(store, _until(data, "2024-01-15"), seasonal_naive, SETTINGS)
    later = run_reforecast(store, _until(data, "2024-01-18"), seasonal_naive, SETTINGS)
    # The versions published on the 15th are scored on the 15th..17th (3 days x 2 queues).
    assert later.scores_written == 6
    scores = store.accuracy_scores("a")
    assert sorted(scores["horizon_days"]) == [1, 2, 3]
    # Independent check of one day: WAPE = sum|F-A| / sum A over the day's 96 intervals.
    first_version = int(scores["version_id"].iloc[0])
    f = store.version_values(first_version).set_index("interval_start")["calls"]
    a = store.history("a").set_index("interval_start")["offered"]
    day = pd.date_range("2024-01-16", periods=96, freq="15min")
    wape = sum(abs(f[t] - a[t]) for t in day) / sum(a[t] for t in day)
    assert scores.set_index("horizon_days").loc[2, "wape"] == pytest.approx(wape, rel=1e-12)
    # Drift: the in-force WAPE over the last 3 days exceeds the (deliberately low) 5 % threshold.
    drift = {d.queue: d for d in later.drift}
    assert set(drift) == {"a", "b"}
    window = pd.date_range("2024-01-15", periods=3 * 96, freq="15min")
    wape_window = sum(abs(f[t] - a[t]) for t in window) / sum(a[t] for t in window)
    assert drift["a"].wape == pytest.approx(wape_window, rel=1e-12)
    assert (drift["a"].window_start, drift["a"].window_end) == ("2024-01-15", "2024-01-17")
    assert "exceeds the threshold 5.0%" in later.to_json()["warnings"][0]
    relaxed = run_reforecast(store, _until(data, "2024-01-18"), seasonal_naive, SETTINGS.model_copy(update={"drift_wape_threshold": 5.0}))
    assert relaxed.drift == ()


def test_queue_errors_skip_keeps_other_queues(store: Store, data: pd.DataFrame) -> None:
    def picky(history: pd.DataFrame, horizon: pd.DatetimeIndex) -> ForecastResult:
        if history["queue"].iloc[0] == "b":
            raise ValueError("model did not converge")
        return seasonal_naive(history, horizon)

    with pytest.raises(StaffingError, match="did not converge"):
        run_reforecast(store, _until(data, "2024-01-15"), picky, SETTINGS)
    assert store.list_versions() == []
    summary = run_reforecast(store, _until(data, "2024-01-15"), picky, SETTINGS.model_copy(update={"queue_errors": "skip"}))
    assert [q.status for q in summary.queues] == ["created", "failed"]
    assert "did not converge" in (summary.queues[1].message or "")


def test_forecast_not_covering_the_horizon_is_refused(store: Store, data: pd.DataFrame) -> None:
    def short(history: pd.DataFrame, horizon: pd.DatetimeIndex) -> ForecastResult:
        return seasonal_naive(history, horizon[:-1])

    with pytest.raises(StaffingError, match="has 671 intervals; the horizon"):
        run_reforecast(store, _until(data, "2024-01-15"), short, SETTINGS)


def test_draft_mode_then_publish(store: Store, data: pd.DataFrame) -> None:
    drafts = run_reforecast(store, _until(data, "2024-01-15"), seasonal_naive, SETTINGS.model_copy(update={"publish": False}))
    assert all(not q.published for q in drafts.queues) and store.publications() == []
    again = run_reforecast(store, _until(data, "2024-01-15"), seasonal_naive, SETTINGS)
    assert again.new_versions == () and all(q.published for q in again.queues)
    assert {p.version_id for p in store.publications()} == set(drafts.new_versions)


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="divide 1440"):
        ReforecastSettings(interval_minutes=7)
    with pytest.raises(ValueError, match="Extra inputs"):
        ReforecastSettings(horizon=3)  # type: ignore[call-arg]


def test_timezone_aware_queue_across_dst(store: Store) -> None:
    data = synthetic_history(["fr"], "2024-03-11", 22)
    times = pd.DatetimeIndex(data["interval_start"]).tz_localize("Europe/Paris", nonexistent="NaT", ambiguous="NaT")
    data = data.assign(interval_start=times).dropna(subset=["interval_start"]).reset_index(drop=True)
    paris = "Europe/Paris"
    first = run_reforecast(store, data[data["interval_start"] < pd.Timestamp("2024-03-29", tz=paris)], seasonal_naive, SETTINGS)
    version = store.get_version(first.new_versions[0])
    # 7 local days from 29 March; 31 March has 23 hours (92 quarter-hours).
    assert version.horizon_start == pd.Timestamp("2024-03-29", tz=paris)
    assert version.horizon_end == pd.Timestamp("2024-04-05", tz=paris)
    assert version.n_intervals == 7 * 96 - 4
    later = run_reforecast(store, data, seasonal_naive, SETTINGS)
    scores = store.accuracy_scores("fr").set_index("horizon_days")
    assert later.scores_written == 4 and scores.loc[3, "n_intervals"] == 92
    assert str(scores.loc[3, "day"]) == "2024-03-31"
    assert later.drift[0].window_start == "2024-03-30" and later.drift[0].window_end == "2024-04-01"
