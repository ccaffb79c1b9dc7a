"""record_forecast (the one data cutoff rule) and the store's unit of work."""

from __future__ import annotations

import pandas as pd
import pytest

from staffing.errors import InvalidArgumentError, StoreError
from staffing.store import RecordedForecast, Store, UnitOfWork, record_forecast

DAY = 96  # quarter-hours per day


def _forecast(start: str, days: int, calls: dict[str, float]) -> pd.DataFrame:
    times = pd.date_range(start, periods=days * DAY, freq="15min")
    return pd.concat([pd.DataFrame({"interval_start": times, "queue": q, "calls": c, "lower80": c - 1}) for q, c in calls.items()], ignore_index=True)


def _actuals(start: str, days: int, queue: str) -> pd.DataFrame:
    times = pd.date_range(start, periods=days * DAY, freq="15min")
    return pd.DataFrame({"interval_start": times, "queue": queue, "offered": 10.0})


def _record(target: Store | UnitOfWork, forecast: pd.DataFrame, history_end: str, *, publish: bool = True) -> RecordedForecast:
    return record_forecast(target, forecast, history_end=pd.Timestamp(history_end), interval_minutes=15,
                           model_name="flat", model_params={"level": 1}, publish=publish, run_id=None)


def test_future_week_is_published_per_queue_with_the_history_end_as_cutoff(store: Store) -> None:
    # History ends Sunday 21:45, so history_end = 22:00; the forecast starts Monday 00:00.
    recorded = record_forecast(store, _forecast("2024-01-08", 7, {"b": 9.0, "a": 12.0}),
                               history_end=pd.Timestamp("2024-01-07 22:00"), interval_minutes=15,
                               model_name="flat", model_params={"level": 1}, publish=True)
    # min(history_end, first interval) = min(Sun 22:00, Mon 00:00) = Sun 22:00.
    assert recorded.data_cutoff == pd.Timestamp("2024-01-07 22:00")
    assert recorded.published and recorded.draft_reason is None
    assert [r.queue for r in recorded.versions] == ["a", "b"]  # queue order
    for r, calls in zip(recorded.versions, (12.0, 9.0), strict=True):
        assert r.version.status == "published" and r.version.n_intervals == 7 * DAY
        assert r.version.data_cutoff == pd.Timestamp("2024-01-07 22:00")
        assert r.publication is not None and r.publication.effective_from == pd.Timestamp("2024-01-08")
        values = store.version_values(r.version.version_id)
        assert values["calls"].tolist() == [calls] * 7 * DAY and values["lower80"].tolist() == [calls - 1] * 7 * DAY
    assert recorded.version_ids == [v.version_id for v in store.list_versions()]


def test_week_planned_in_the_past_stays_a_draft(store: Store) -> None:
    store.import_history(_actuals("2024-01-01", 10, "a"))  # actuals up to Wed 10 Jan 00:00
    recorded = _record(store, _forecast("2024-01-08", 7, {"a": 12.0}), "2024-01-10")
    versions = store.list_versions("a")
    # min(history_end = 10 Jan, first = 8 Jan) = 8 Jan; publish asked but the week began before the history ended.
    assert [v.status for v in versions] == ["draft"] and versions[0].data_cutoff == pd.Timestamp("2024-01-08")
    assert store.publications() == []
    assert recorded.published is False and recorded.draft_reason is not None
    assert "2024-01-10" in recorded.draft_reason


def test_one_bad_queue_writes_no_version_at_all(store: Store) -> None:
    forecast = _forecast("2024-01-08", 1, {"a": 12.0, "b": 5.0})
    forecast.loc[forecast["queue"] == "b", "calls"] = -1.0
    with pytest.raises(StoreError, match="negative or not finite"):
        _record(store, forecast, "2024-01-08")
    assert store.list_versions() == [] and store.queues() == []


def test_unit_of_work_commits_together_or_not_at_all(store: Store) -> None:
    other = Store.open(store.url)  # a second connection pool, like another process
    with pytest.raises(RuntimeError, match="after the writes"), store.unit_of_work() as work:
        work.import_history(_actuals("2024-01-01", 7, "a"))
        _record(work, _forecast("2024-01-08", 7, {"a": 12.0}), "2024-01-08")
        # The unit reads its own writes; nobody else sees them before the commit.
        assert len(work.list_versions()) == 1 and len(work.history("a")) == 7 * DAY
        assert other.list_versions() == [] and other.queues() == []
        raise RuntimeError("after the writes")
    assert store.list_versions() == [] and store.queues() == [] and store.publications() == []
    with store.unit_of_work() as work:
        work.import_history(_actuals("2024-01-01", 7, "a"))
        _record(work, _forecast("2024-01-08", 7, {"a": 12.0}), "2024-01-08")
    assert [v.status for v in other.list_versions()] == ["published"] and len(other.history("a")) == 7 * DAY
    with pytest.raises(StoreError, match="has ended"):
        work.queues()


def test_invalid_arguments_are_named() -> None:
    # Arguments are refused before the database is touched: one backend (in-memory SQLite) suffices.
    store = Store.open("sqlite://")
    with pytest.raises(InvalidArgumentError, match="invalid forecast="):
        _record(store, pd.DataFrame({"interval_start": []}), "2024-01-08")
    with pytest.raises(InvalidArgumentError, match="invalid interval_minutes=0"):
        record_forecast(store, _forecast("2024-01-08", 1, {"a": 1.0}), history_end=pd.Timestamp("2024-01-08"),
                        interval_minutes=0, model_name="flat", model_params={})
    aware = _forecast("2024-01-08", 1, {"a": 1.0}).assign(interval_start=lambda f: f["interval_start"].dt.tz_localize("Europe/London"))
    with pytest.raises(InvalidArgumentError, match="invalid history_end="):
        _record(store, aware, "2024-01-08")
    assert store.list_versions() == []
