"""What-if sweeps: batched results equal scenario-by-scenario runs; the baseline is untouched."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _whatif_helpers import INTERVAL_MINUTES, fixed_headcount, make_forecast

from staffing.errors import InvalidArgumentError
from staffing.queueing.erlang import required_agents, service_level
from staffing.queueing.requirements import ServiceTargets
from staffing.whatif import Scenario, ScenarioGrid, run_sweep


def one_by_one(forecast: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Reference: one scenario and one queue at a time, straight through required_agents."""
    t = scenario.targets
    rows = []
    for queue, part in forecast.groupby("queue", sort=True):
        part = part.sort_values("interval_start")
        calls = part["calls"].to_numpy(float) * scenario.volume_factor
        aht_base = part["aht_seconds"].to_numpy(float)
        busy = calls > 0
        # Zero-call rows have no AHT; any positive value gives the same zero requirement.
        aht_base = np.where(np.isnan(aht_base), 300.0, aht_base)
        aht = scenario.aht.apply(aht_base)
        req = required_agents(
            calls, aht, INTERVAL_MINUTES, target_sl=t.target_sl, answer_seconds=t.answer_seconds,
            max_asa_seconds=t.max_asa_seconds, max_occupancy=t.max_occupancy, model=t.model,
            patience_seconds=t.patience_seconds, max_abandon=t.max_abandon, shrinkage=t.shrinkage,
            fractional=t.fractional,
        )
        rows.append(pd.DataFrame({
            "queue": queue, "interval_start": part["interval_start"].to_numpy(), "calls": calls,
            "agents": np.asarray(req.agents, float), "agents_net": np.asarray(req.agents_net, float),
            "service_level": np.where(busy, np.asarray(req.service_level, float), np.nan),
            "load_erlangs": np.asarray(req.load_erlangs, float),
        }))
    return pd.concat(rows, ignore_index=True)


GRID = ScenarioGrid.parse([
    "target_sl=0.7,0.9",
    "answer_seconds=20,30",
    "volume=0.9,1.1",
    "aht=1.0,+20s",
    "shrinkage=0,0.3",
])


@pytest.fixture(scope="module")
def forecast() -> pd.DataFrame:
    return make_forecast(queues=("sales", "support"))


@pytest.fixture(scope="module")
def base() -> ServiceTargets:
    return ServiceTargets(target_sl=0.8, answer_seconds=20, max_occupancy=0.9)


def test_sweep_equals_one_by_one(forecast: pd.DataFrame, base: ServiceTargets) -> None:
    # A small batch size forces several tasks and several (queue, scenario-chunk) splits.
    result = run_sweep(forecast, base, GRID, interval_minutes=INTERVAL_MINUTES, batch_size=700)
    scenarios = GRID.scenarios(base)
    assert len(result.scenarios) == len(scenarios) == 32
    assert result.intervals["scenario"].is_monotonic_increasing
    for scenario in scenarios:
        got = result.intervals[result.intervals["scenario"] == scenario.scenario_id].reset_index(drop=True)
        ref = one_by_one(forecast, scenario)
        assert got["queue"].tolist() == ref["queue"].tolist()
        np.testing.assert_array_equal(got["interval_start"].to_numpy(), ref["interval_start"].to_numpy())
        np.testing.assert_array_equal(got["agents"].to_numpy(float), ref["agents"].to_numpy())
        np.testing.assert_array_equal(got["agents_net"].to_numpy(float), ref["agents_net"].to_numpy())
        np.testing.assert_allclose(got["calls"].to_numpy(), ref["calls"].to_numpy(), rtol=0, atol=1e-12)

        # Summary formulas written out independently of the library.
        row = result.scenarios.set_index("scenario").loc[scenario.scenario_id]
        hours = ref["agents"].sum() * INTERVAL_MINUTES / 60
        assert row["agent_hours"] == pytest.approx(hours)
        assert row["agent_hours_per_week"] == pytest.approx(hours * 7 / 2)  # two-day forecast
        assert row["fte"] == pytest.approx(hours * 7 / 2 / 37.5)
        assert row["peak_agents"] == ref.groupby("interval_start")["agents"].sum().max()
        busy = ref["calls"] > 0
        assert row["service_level"] == pytest.approx(
            np.average(ref.loc[busy, "service_level"], weights=ref.loc[busy, "calls"])
        )
        assert row["occupancy"] == pytest.approx(ref["load_erlangs"].sum() / ref["agents_net"].sum())


def test_requirement_meets_each_scenario_target(forecast: pd.DataFrame, base: ServiceTargets) -> None:
    result = run_sweep(forecast, base, GRID, interval_minutes=INTERVAL_MINUTES)
    merged = result.intervals.merge(result.scenarios[["scenario", "target_sl"]], on="scenario")
    busy = merged["calls"] > 0
    assert (merged.loc[busy, "service_level"] >= merged.loc[busy, "target_sl"] - 1e-12).all()
    assert (merged.loc[~busy, "agents"] == 0).all()


def test_baseline_is_never_modified(forecast: pd.DataFrame, base: ServiceTargets) -> None:
    before = forecast.copy(deep=True)
    base_before = base.model_copy(deep=True)
    run_sweep(forecast, base, GRID, interval_minutes=INTERVAL_MINUTES)
    pd.testing.assert_frame_equal(forecast, before, check_exact=True)
    assert base == base_before


def test_more_volume_or_higher_target_never_costs_less(forecast: pd.DataFrame, base: ServiceTargets) -> None:
    grid = ScenarioGrid.parse(["target_sl=0.7,0.8,0.9", "volume=0.9,1.0,1.1"])
    summary = run_sweep(forecast, base, grid, interval_minutes=INTERVAL_MINUTES).scenarios
    table = summary.pivot(index="target_sl", columns="volume", values="agent_hours")
    assert (np.diff(table.to_numpy(), axis=0) >= 0).all()
    assert (np.diff(table.to_numpy(), axis=1) >= 0).all()


def exact_erlang_c_sl(agents: int, load: float, aht: float, answer: float) -> float:
    """Independent Erlang C service level with mpmath (50 digits), straight from the formula.

    C(N, A) = (A^N/N! * N/(N-A)) / (sum_{k<N} A^k/k! + A^N/N! * N/(N-A));
    SL = 1 - C(N, A) * exp(-(N - A) * T / AHT)  (Gross & Harris, Fundamentals of Queueing Theory).
    """
    import mpmath

    mpmath.mp.dps = 50
    a = mpmath.mpf(load)
    top = a**agents / mpmath.factorial(agents) * agents / (agents - a)
    wait = top / (mpmath.fsum(a**k / mpmath.factorial(k) for k in range(agents)) + top)
    return float(1 - wait * mpmath.exp(-(agents - a) * answer / aht))


def test_textbook_interval_through_a_sweep() -> None:
    # Textbook case of issue 2: 100 calls in 30 min at AHT 180 s is 10 Erlangs; 80% in
    # 20 s needs 14 agents (SL 0.8884; 13 agents give 0.7956), recomputed exactly here.
    assert exact_erlang_c_sl(14, 10.0, 180.0, 20.0) == pytest.approx(0.8884, abs=5e-5)
    assert exact_erlang_c_sl(13, 10.0, 180.0, 20.0) < 0.8
    frame = pd.DataFrame({"interval_start": pd.to_datetime(["2026-03-02 09:00"]), "calls": [100.0],
                          "aht_seconds": [180.0]})
    result = run_sweep(frame, ServiceTargets(target_sl=0.8, answer_seconds=20), ScenarioGrid(),
                       interval_minutes=30)
    row = result.intervals.iloc[0]
    assert row["load_erlangs"] == pytest.approx(10.0)
    assert row["agents"] == 14
    assert row["service_level"] == pytest.approx(exact_erlang_c_sl(14, 10.0, 180.0, 20.0), rel=1e-9)
    assert result.scenarios["is_baseline"].tolist() == [True]


def test_daily_table_adds_up(forecast: pd.DataFrame, base: ServiceTargets) -> None:
    result = run_sweep(forecast, base, GRID, interval_minutes=INTERVAL_MINUTES)
    per_scenario = result.daily.groupby("scenario")["agent_hours"].sum()
    np.testing.assert_allclose(per_scenario.to_numpy(), result.scenarios["agent_hours"].to_numpy())
    assert len(result.daily) == 32 * 2


def test_erlang_a_scenarios_match_direct_calls(forecast: pd.DataFrame) -> None:
    base = ServiceTargets(target_sl=0.8, answer_seconds=20, model="erlang-a", patience_seconds=120)
    grid = ScenarioGrid.parse(["model=erlang-c,erlang-a", "patience_seconds=60,180"])
    result = run_sweep(forecast, base, grid, interval_minutes=INTERVAL_MINUTES)
    for scenario in grid.scenarios(base):
        got = result.intervals[result.intervals["scenario"] == scenario.scenario_id]
        ref = one_by_one(forecast, scenario)
        np.testing.assert_array_equal(got["agents"].to_numpy(float), ref["agents"].to_numpy())
    by_model = result.scenarios.groupby("model")["agent_hours"].max()
    # Abandoning callers lighten the queue: Erlang A never needs more than Erlang C.
    assert by_model["erlang-a"] <= by_model["erlang-c"]
    assert result.scenarios.loc[result.scenarios["model"] == "erlang-c", "prob_abandon"].isna().all() or (
        result.scenarios.loc[result.scenarios["model"] == "erlang-c", "prob_abandon"] == 0).all()


def test_timezone_aware_forecast_keeps_local_days() -> None:
    frame = make_forecast(days=2)
    frame["interval_start"] = frame["interval_start"].dt.tz_localize("Europe/London")
    result = run_sweep(frame, ServiceTargets(target_sl=0.8, answer_seconds=20), ScenarioGrid(),
                       interval_minutes=INTERVAL_MINUTES)
    assert str(result.intervals["interval_start"].dt.tz) == "Europe/London"
    assert [str(d) for d in result.daily["date"]] == ["2026-03-02", "2026-03-03"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="calls"), "columns including calls"),
        (lambda f: f.assign(calls=-1.0), "a number >= 0"),
        (lambda f: f.assign(aht_seconds=np.nan, calls=5.0), "where calls > 0"),
        (lambda f: pd.concat([f, f.iloc[:1]]), "one row per queue and interval_start"),
    ],
)
def test_bad_forecast_is_rejected(change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgumentError, match=message):
        run_sweep(change(make_forecast(days=1)), ServiceTargets(target_sl=0.8, answer_seconds=20),
                  ScenarioGrid(), interval_minutes=INTERVAL_MINUTES)


def test_aht_change_that_makes_handle_time_negative_is_rejected() -> None:
    with pytest.raises(InvalidArgumentError, match="shortest forecast AHT"):
        run_sweep(make_forecast(days=1), ServiceTargets(target_sl=0.8, answer_seconds=20),
                  ScenarioGrid.parse(["aht=-1000s"]), interval_minutes=INTERVAL_MINUTES)


def test_roster_hook_projects_service_level_from_coverage(forecast: pd.DataFrame) -> None:
    base = ServiceTargets(target_sl=0.8, answer_seconds=20, shrinkage=0.25)
    grid = ScenarioGrid.parse(["volume=0.8,1.2"])
    result = run_sweep(forecast, base, grid, interval_minutes=INTERVAL_MINUTES, roster=fixed_headcount)
    rows = result.intervals
    # 12 on shift at 25% shrinkage leave 12 x 0.75 = 9 on the phones (plan's projection, staffing.planning.week Notes).
    expected_sl = service_level(np.full(len(rows), 9.0), rows["load_erlangs"].to_numpy(),
                                rows["aht_seconds"].to_numpy(), 20.0)
    np.testing.assert_allclose(rows["scheduled_service_level"].to_numpy(), expected_sl)
    np.testing.assert_array_equal(rows["under"].to_numpy(), np.maximum(rows["agents"] - 12.0, 0))
    summary = result.scenarios.set_index("scenario")
    for sid in (1, 2):
        part = rows[rows["scenario"] == sid]
        assert summary.loc[sid, "under_staffed_hours"] == pytest.approx(part["under"].sum() / 4)
        assert summary.loc[sid, "scheduled_agent_hours"] == pytest.approx(12 * len(part) / 4)
    # The same roster serves more calls worse.
    assert summary.loc[2, "scheduled_service_level"] < summary.loc[1, "scheduled_service_level"]


def test_each_queue_keeps_its_own_targets(forecast: pd.DataFrame, base: ServiceTargets) -> None:
    support = ServiceTargets(target_sl=0.9, answer_seconds=30, shrinkage=0.2, max_occupancy=0.85)
    grid = ScenarioGrid.parse(["target_sl=0.7,0.85", "volume=1.0,1.2"])
    result = run_sweep(forecast, base, grid, interval_minutes=INTERVAL_MINUTES, queue_targets={"support": support})
    for scenario in grid.scenarios(base):
        got = result.intervals[result.intervals["scenario"] == scenario.scenario_id]
        # The grid replaces target_sl only; support keeps its 30 s, 20% shrinkage and 0.85 cap.
        own = Scenario(scenario.scenario_id, support.model_copy(update={"target_sl": scenario.targets.target_sl}),
                       scenario.volume_factor, scenario.aht)
        for queue, ref_scenario in (("sales", scenario), ("support", own)):
            ref = one_by_one(forecast[forecast["queue"] == queue], ref_scenario)
            np.testing.assert_array_equal(got.loc[got["queue"] == queue, "agents"].to_numpy(float),
                                          ref["agents"].to_numpy())
    # The summary's parameters are the base targets with the grid's values.
    assert set(result.scenarios["answer_seconds"]) == {20.0}
    with pytest.raises(InvalidArgumentError, match="queues of the forecast"):
        run_sweep(forecast, base, grid, interval_minutes=INTERVAL_MINUTES, queue_targets={"billing": support})


def test_queue_without_patience_cannot_take_erlang_a(forecast: pd.DataFrame, base: ServiceTargets) -> None:
    patient = base.model_copy(update={"patience_seconds": 90.0})
    with pytest.raises(InvalidArgumentError, match=r"queue support"):
        run_sweep(forecast, patient, ScenarioGrid.parse(["model=erlang-a"]), interval_minutes=INTERVAL_MINUTES,
                  queue_targets={"support": base})


def shared_headcount(scenario: Scenario, requirement: pd.DataFrame) -> pd.DataFrame:
    """A stand-in roster for a team taking every queue's calls: 30 agents on shift throughout."""
    starts = requirement["interval_start"].drop_duplicates()
    return pd.DataFrame({"interval_start": starts, "scheduled": 30.0})


def test_shared_roster_is_split_between_queues_like_the_plan(forecast: pd.DataFrame) -> None:
    sales = ServiceTargets(target_sl=0.8, answer_seconds=20, shrinkage=0.25)
    support = ServiceTargets(target_sl=0.8, answer_seconds=20, shrinkage=0.4)
    result = run_sweep(forecast, sales, ScenarioGrid(), interval_minutes=INTERVAL_MINUTES,
                       roster=shared_headcount, queue_targets={"support": support})
    rows = result.intervals
    wide = rows.pivot(index="interval_start", columns="queue", values=["agents", "scheduled"])
    need_sales, need_support = wide["agents"]["sales"].to_numpy(float), wide["agents"]["support"].to_numpy(float)
    total = need_sales + need_support
    # staffing.planning.week Notes: the head count is shared in proportion to each queue's requirement
    # in the interval, equally when neither queue needs anyone.
    expected_sales = np.where(total > 0, 30 * need_sales / np.where(total > 0, total, 1), 15.0)
    np.testing.assert_allclose(wide["scheduled"]["sales"].to_numpy(float), expected_sales)
    np.testing.assert_allclose(wide["scheduled"].sum(axis=1).to_numpy(float), 30.0)
    # The team is counted once, not once per queue: 30 agents x 2 days x 24 h.
    assert result.scenarios.loc[0, "scheduled_agent_hours"] == pytest.approx(30 * 48)
    # Each queue's projected SL uses its own shrinkage on its share.
    part = rows[rows["queue"] == "support"]
    expected_sl = service_level(part["scheduled"].to_numpy() * 0.6, part["load_erlangs"].to_numpy(),
                                part["aht_seconds"].to_numpy(), 20.0)
    np.testing.assert_allclose(part["scheduled_service_level"].to_numpy(), expected_sl)
