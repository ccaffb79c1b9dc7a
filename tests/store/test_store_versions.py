"""Store: immutable versions, publication semantics, accuracy against the published version."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest
import sqlalchemy as sa

from staffing.errors import StoreError
from staffing.store import Store

DAY = 96


def _actuals(start: str, days: int, value: float) -> pd.DataFrame:
    times = pd.date_range(start, periods=days * DAY, freq="15min")
    return pd.DataFrame({"interval_start": times, "queue": "q", "offered": value})


def _values(start: str, days: int, calls: float) -> pd.DataFrame:
    times = pd.date_range(start, periods=days * DAY, freq="15min")
    return pd.DataFrame({"interval_start": times, "calls": calls, "lower80": calls - 1, "upper80": calls + 1})


def _version(store: Store, start: str, days: int, calls: float, cutoff: str) -> int:
    v = store.create_forecast_version(
        "q", _values(start, days, calls), model_name="flat", model_params={"calls": calls},
        data_cutoff=pd.Timestamp(cutoff), interval_minutes=15,
    )
    return v.version_id


def test_version_round_trip_and_hash(store: Store) -> None:
    store.import_history(_actuals("2024-01-01", 1, 5.0))
    vid = _version(store, "2024-01-02", 2, 7.0, "2024-01-02")
    v = store.get_version(vid)
    assert (v.queue, v.status, v.n_intervals, v.model_params) == ("q", "draft", 2 * DAY, {"calls": 7.0})
    assert v.horizon_end == pd.Timestamp("2024-01-04")
    values = store.version_values(vid)
    assert len(values) == 2 * DAY and (values["calls"] == 7.0).all() and values["lower95"].isna().all()
    twin = _version(store, "2024-01-02", 2, 7.0, "2024-01-02")
    other = _version(store, "2024-01-02", 2, 7.5, "2024-01-02")
    assert store.get_version(twin).content_hash == v.content_hash
    assert store.get_version(other).content_hash != v.content_hash
    assert [x.version_id for x in store.list_versions("q", "draft")] == [vid, twin, other]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE forecast_values SET calls = 0",
        "DELETE FROM forecast_values",
        "UPDATE forecast_versions SET model_name = 'edited'",
        "UPDATE forecast_versions SET horizon_end_s = horizon_end_s + 900",
        "DELETE FROM forecast_versions",
        "UPDATE publications SET effective_to_s = effective_to_s + 900",
        "DELETE FROM publications",
    ],
)
def test_versions_are_immutable_in_the_database(store: Store, sql: str) -> None:
    store.import_history(_actuals("2024-01-01", 1, 5.0))
    vid = _version(store, "2024-01-02", 1, 7.0, "2024-01-02")
    store.publish(vid)
    before = store.version_values(vid)
    with pytest.raises(sa.exc.DBAPIError, match="immutable"), store.engine.begin() as conn:
        conn.exec_driver_sql(sql)
    pd.testing.assert_frame_equal(store.version_values(vid), before)
    assert len(store.publications("q")) == 1


def test_status_only_goes_draft_to_published(store: Store) -> None:
    store.import_history(_actuals("2024-01-01", 1, 5.0))
    vid = _version(store, "2024-01-02", 1, 7.0, "2024-01-02")
    store.publish(vid)
    assert store.get_version(vid).status == "published"
    with pytest.raises(sa.exc.DBAPIError, match="draft -> published"), store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE forecast_versions SET status = 'draft'")


def test_publication_keeps_the_past_and_supersedes_the_future(store: Store) -> None:
    store.import_history(_actuals("2024-01-01", 7, 10.0))
    a = _version(store, "2024-01-08", 14, 12.0, "2024-01-08")  # days 8..21
    store.publish(a)
    store.import_history(_actuals("2024-01-08", 7, 10.0))  # actuals for days 8..14 arrive
    b = _version(store, "2024-01-15", 14, 9.0, "2024-01-15")  # days 15..28
    pub_b = store.publish(b)
    assert pub_b.effective_from == pd.Timestamp("2024-01-15")
    in_force = store.published_for("q")
    by_day = in_force.groupby(in_force["interval_start"].dt.date)["version_id"].unique()
    assert all(list(v) == [a] for d, v in by_day.items() if pd.Timestamp(d) < pd.Timestamp("2024-01-15"))
    assert all(list(v) == [b] for d, v in by_day.items() if pd.Timestamp(d) >= pd.Timestamp("2024-01-15"))
    # Re-publishing A now only covers A's intervals without actuals (days 15..21): the
    # record of days 8..14 is unchanged, and A takes over 15..21 again.
    pub_a2 = store.publish(a)
    assert pub_a2.effective_from == pd.Timestamp("2024-01-15")
    assert pub_a2.effective_to == pd.Timestamp("2024-01-22")
    again = store.published_for("q", "2024-01-08", "2024-01-29")
    day = again["interval_start"].dt.normalize()
    assert (again.loc[day < "2024-01-22", "version_id"] == a).all()
    assert (again.loc[day >= "2024-01-22", "version_id"] == b).all()


def test_publishing_a_version_entirely_in_the_past_is_refused(store: Store) -> None:
    store.import_history(_actuals("2024-01-01", 7, 10.0))
    old = _version(store, "2024-01-02", 3, 12.0, "2024-01-02")
    with pytest.raises(StoreError, match="rewrite the record"):
        store.publish(old)


def test_accuracy_uses_the_version_published_for_each_date(store: Store) -> None:
    store.import_history(_actuals("2024-01-01", 7, 10.0))
    a = _version(store, "2024-01-08", 14, 12.0, "2024-01-08")
    store.publish(a)
    store.import_history(_actuals("2024-01-08", 7, 10.0))
    b = _version(store, "2024-01-15", 14, 9.0, "2024-01-15")
    store.publish(b)
    actual_15 = _actuals("2024-01-15", 3, 8.0)
    store.import_history(actual_15)
    report = store.accuracy_report("q", by="day")
    # Independent exact computation: A (12 calls) in force on days 8..14 vs 10 actual;
    # B (9 calls) on days 15..17 vs 8 actual. WAPE = sum|F-A|/sum A per day.
    expected = {}
    for d in range(8, 15):
        expected[pd.Timestamp(2024, 1, d).date()] = (str(a), Fraction(abs(12 - 10) * DAY, 10 * DAY), Fraction((12 - 10) * DAY, 10 * DAY))
    for d in range(15, 18):
        expected[pd.Timestamp(2024, 1, d).date()] = (str(b), Fraction(abs(9 - 8) * DAY, 8 * DAY), Fraction((9 - 8) * DAY, 8 * DAY))
    assert sorted(report["date"]) == sorted(expected)
    for row in report.itertuples():
        vid, wape, bias = expected[row.date]
        assert row.version_ids == vid
        assert row.wape == pytest.approx(float(wape), rel=1e-12)
        assert row.bias == pytest.approx(float(bias), rel=1e-12)
        assert row.n_intervals == DAY
    # Stored scores of every published version by horizon day: A is scored on days
    # 8..17 (horizon 1..10, the last three against B's era actuals of 8 calls).
    scores_a = store.score_published("q")
    a_rows = scores_a[scores_a["version_id"] == a].set_index("horizon_days")
    assert list(a_rows.index) == list(range(1, 11))
    assert a_rows.loc[10, "wape"] == pytest.approx(abs(12 - 8) / 8)
    assert a_rows.loc[10, "in_force_intervals"] == 0 and a_rows.loc[1, "in_force_intervals"] == DAY
    by_interval = store.accuracy_report("q", by="interval")
    assert len(by_interval) == 10 * DAY
    assert (by_interval["error_calls"] == by_interval["forecast_calls"] - by_interval["actual_calls"]).all()
    horizon = store.accuracy_report("q", by="horizon")
    h1 = horizon[horizon["horizon_days"] == 1].iloc[0]
    # Horizon day 1: A on Jan 8 (|12-10| per interval) and B on Jan 15 (|9-8|).
    assert h1["wape"] == pytest.approx((2 * DAY + 1 * DAY) / (10 * DAY + 8 * DAY))
    assert h1["n_versions"] == 2


def test_scoring_twice_writes_nothing_new(store: Store) -> None:
    store.import_history(_actuals("2024-01-01", 7, 10.0))
    a = _version(store, "2024-01-08", 7, 12.0, "2024-01-08")
    store.publish(a)
    store.import_history(_actuals("2024-01-08", 2, 10.0))
    assert len(store.score_published("q")) == 2
    assert len(store.score_published("q")) == 0
    assert len(store.accuracy_scores("q")) == 2


def test_plan_round_trip_and_write_once(store: Store) -> None:
    times = pd.date_range("2024-01-08 08:00", periods=4, freq="15min")
    req = pd.DataFrame({"interval_start": times, "calls": [10.0, 12, 14, 9], "aht_seconds": 300.0, "load_erlangs": [3.3, 4, 4.7, 3], "agents": [5.0, 6, 7, 5], "service_level": 0.8, "asa_seconds": 12.0, "occupancy": 0.7})
    roster = pd.DataFrame({"agent_id": ["a1", "a2"], "shift_start": pd.to_datetime(["2024-01-08 08:00", "2024-01-08 09:00"]), "shift_end": pd.to_datetime(["2024-01-08 16:30", "2024-01-08 17:30"]), "paid_minutes": [480.0, 480.0], "breaks": ["2024-01-08T12:00/2024-01-08T12:30", ""]})
    store.save_plan("w2", requirements=req, roster=roster, metadata={"week_start": "2024-01-08"})
    plan = store.load_plan("w2")
    assert plan.metadata == {"week_start": "2024-01-08"}
    assert plan.requirements["agents"].tolist() == [5.0, 6, 7, 5]
    assert (pd.DatetimeIndex(plan.requirements["interval_start"]) == times).all()
    assert plan.roster["breaks"].tolist() == roster["breaks"].tolist()
    assert (plan.roster["shift_end"] == roster["shift_end"]).all()
    with pytest.raises(StoreError, match="write-once"):
        store.save_plan("w2", requirements=req, roster=roster, metadata={})


def test_unknown_version_and_bad_url(store: Store) -> None:
    with pytest.raises(StoreError, match="no forecast version 42"):
        store.get_version(42)
    with pytest.raises(StoreError, match="store URL"):
        Store.open("not a url")


def test_revised_actuals_are_rescored(store: Store) -> None:
    store.import_history(_actuals("2024-01-01", 7, 10.0))
    a = _version(store, "2024-01-08", 7, 12.0, "2024-01-08")
    store.publish(a)
    store.import_history(_actuals("2024-01-08", 1, 10.0))
    assert store.score_published("q")["wape"].tolist() == [pytest.approx(0.2)]
    revised = _actuals("2024-01-08", 1, 10.0)
    revised.loc[0, "offered"] = 12.0 + 96 * 2  # one interval now has 194 actual calls
    store.import_history(revised, on_conflict="revise")
    assert store.accuracy_scores("q").empty  # the revised day's score was dropped
    rescored = store.score_published("q")
    # Exact: sum|F-A| = 95*2 + |12-204| = 382 over sum A = 95*10 + 204 = 1154.
    assert rescored["wape"].iloc[0] == pytest.approx(float(Fraction(95 * 2 + 192, 95 * 10 + 204)), rel=1e-12)
