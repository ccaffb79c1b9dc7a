"""The plan model in the library: run_plan without the CLI, the write/read pair, the
plan's interval carried downstream, per-queue targets, evaluate's refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from staffing.config import Config
from staffing.errors import InvalidArgumentError
from staffing.ingest.synthetic import SyntheticSettings, synthetic_history
from staffing.io.plan import read_plan, write_plan
from staffing.planning.evaluation import EvaluationSettings, evaluate_plan, simulate_plan
from staffing.planning.model import Plan, PlanMeta
from staffing.planning.week import run_plan
from staffing.queueing.requirements import ServiceTargets
from staffing.roster.types import AgentContract

WEEK = dt.date(2024, 4, 1)  # a Monday, after eight weeks of synthetic history


def _config(tmp_path: Path, interval_minutes: int) -> Config:
    return Config.model_validate({
        "site": {"name": "test site", "timezone": "Europe/London"},
        "interval_minutes": interval_minutes,
        "history": {"path": str(tmp_path / "unused.csv")},
        "queues": [{"name": "general", "targets": {"target_sl": 0.8, "answer_seconds": 20, "shrinkage": 0.25}}],
        "forecast": {"model": "seasonal_naive"},
        "agents": str(tmp_path / "unused_agents.csv"),
        "roster": {"shift_lengths_hours": [8], "earliest_start": "07:00", "latest_start": "12:00",
                   "start_granularity_minutes": 15},
        "plan": {"time_limit_seconds": 8, "simulation_replications": 0},
    })


def _history(interval_minutes: int) -> pd.DataFrame:
    settings = SyntheticSettings(start=dt.date(2024, 2, 5), days=56, interval_minutes=interval_minutes,
                                 daily_calls=400.0, seed=3)
    return synthetic_history(settings)


def _team(n: int = 12) -> list[AgentContract]:
    return [AgentContract(f"A{i:02d}", min_hours=32.0, max_hours=40.0) for i in range(n)]


@pytest.mark.slow
def test_thirty_minute_plan_counts_its_agent_hours_once(tmp_path: Path) -> None:
    """A 30-minute plan on a roster with quarter-hour starts: the day table's hours equal the
    requirement's own (agents x 0.5 h per interval) and the roster's fine-grid coverage
    (agents x 0.25 h per quarter-hour), not twice them (the bug of a 15-minute coverage
    read as 30-minute intervals)."""
    config = _config(tmp_path, 30)
    plan = run_plan(config, _history(30), _team(), week_start=WEEK)
    assert plan.meta.interval_minutes == 30
    steps = plan.coverage["interval_start"].diff().dropna().unique()
    assert list(steps) == [pd.Timedelta(minutes=30)]
    assert plan.days is not None and plan.requirements is not None and plan.roster_result is not None
    # Independent: the requirement table summed at its own 30-minute grain.
    assert plan.days["required_agent_hours"].sum() == pytest.approx(plan.requirements["agents"].sum() * 0.5)
    fine = plan.roster_result.coverage
    assert plan.days["scheduled_agent_hours"].sum() == pytest.approx(fine["scheduled"].sum() * 0.25)
    assert plan.days["under_agent_hours"].sum() == pytest.approx(fine["under"].sum() * 0.25)


@pytest.mark.slow
def test_run_plan_round_trips_through_the_plan_directory(tmp_path: Path) -> None:
    config = _config(tmp_path, 15)
    plan = run_plan(config, _history(15), _team(), week_start=WEEK)
    write_plan(plan, tmp_path / "out")
    back = read_plan(tmp_path / "out")
    assert back.meta == plan.meta
    assert back.meta.targets_of("general") == ServiceTargets(target_sl=0.8, answer_seconds=20, shrinkage=0.25)
    for name in ("coverage", "forecast", "requirements", "service"):
        mine, theirs = getattr(plan, name), getattr(back, name)
        assert mine is not None and theirs is not None
        pd.testing.assert_frame_equal(
            theirs.reset_index(drop=True), mine.reset_index(drop=True)[list(theirs.columns)],
            check_dtype=False, check_exact=False, rtol=1e-4, atol=1e-4)
    assert plan.days is not None and back.days is not None
    pd.testing.assert_frame_equal(back.days, plan.days, check_dtype=False, rtol=1e-6)
    assert back.roster["agent_id"].tolist() == plan.roster["agent_id"].tolist()
    assert (back.roster["shift_start"].to_numpy() == plan.roster["shift_start"].to_numpy()).all()
    assert [len(b) for b in back.roster["breaks"]] == [len(b) for b in plan.roster["breaks"]]
    assert back.roster_result is None and plan.roster_result is not None
    # Simulated in memory, the plan lines its forecast up with its coverage exactly as the
    # plan read from disk does: every forecast call reaches the simulation (a tz-aware
    # forecast against naive coverage once gave 0 calls and a simulated SL of 100%).
    assert plan.forecast is not None
    _, in_memory = simulate_plan(plan, replications=2)
    _, from_disk = simulate_plan(back, replications=2)
    assert in_memory.intervals["forecast_calls"].sum() == pytest.approx(float(plan.forecast["calls"].sum()), rel=1e-9)
    pd.testing.assert_frame_equal(in_memory.days, from_disk.days, check_exact=False, rtol=1e-6)


STARTS = pd.date_range("2026-03-02 08:00", periods=8, freq="15min")


def _two_queue_plan(shrinkage: tuple[float, float], answer_seconds: tuple[float, float] = (20.0, 20.0)) -> Plan:
    """Two queues needing 4 agents each per interval; 10 agents scheduled."""
    rows = []
    for queue in ("en", "es"):
        rows.append(pd.DataFrame({"queue": queue, "interval_start": STARTS, "calls": 30.0, "aht_seconds": 180.0,
                                  "load_erlangs": 6.0, "agents": 4.0}))
    requirements = pd.concat(rows, ignore_index=True)
    forecast = requirements[["queue", "interval_start", "calls", "aht_seconds"]]
    coverage = pd.DataFrame({"interval_start": STARTS, "required": 8.0, "scheduled": 10.0, "under": 0.0,
                             "over": 2.0})
    targets = {q: ServiceTargets(target_sl=0.8, answer_seconds=t, shrinkage=s)
               for q, s, t in zip(("en", "es"), shrinkage, answer_seconds, strict=True)}
    meta = PlanMeta(week_start=dt.date(2026, 3, 2), interval_minutes=15, queue_targets=targets)
    roster = pd.DataFrame(columns=["agent_id", "shift_start", "shift_end", "paid_minutes", "breaks"])
    return Plan(meta=meta, roster=roster, coverage=coverage, forecast=forecast, requirements=requirements)


def test_per_queue_targets_survive_the_round_trip_and_set_agents_on_the_phones(tmp_path: Path) -> None:
    plan = _two_queue_plan((0.2, 0.4))
    write_plan(plan, tmp_path / "p")
    back = read_plan(tmp_path / "p")
    assert back.meta.targets_of("en").shrinkage == 0.2
    assert back.meta.targets_of("es").shrinkage == 0.4
    result = evaluate_plan(back, None, EvaluationSettings(replications=2, seed=1))
    # Half the requirement is each queue's, so (1 - 0.2) / 2 + (1 - 0.4) / 2 = 0.7 of the
    # 10 scheduled agents are on the phones: 7 (the first queue's 0.8 would give 8).
    assert result.intervals["on_phone"].tolist() == [7.0] * len(STARTS)


def test_queues_with_different_answer_times_are_refused_by_the_pooled_simulation() -> None:
    plan = _two_queue_plan((0.3, 0.3), answer_seconds=(20.0, 60.0))
    with pytest.raises(InvalidArgumentError, match="share one service target"):
        evaluate_plan(plan, None, EvaluationSettings(replications=1))
    # One override of the answer time makes them one target again.
    result = evaluate_plan(plan, None, EvaluationSettings(replications=1), answer_seconds=30.0)
    assert result.answer_seconds == 30.0


def _single_queue_plan() -> Plan:
    plan = _two_queue_plan((0.3, 0.3))
    assert plan.requirements is not None and plan.forecast is not None
    req = plan.requirements[plan.requirements["queue"] == "en"].drop(columns="queue").reset_index(drop=True)
    meta = plan.meta.model_copy(update={"queue_targets": {"en": plan.meta.targets_of("en")}})
    return Plan(meta=meta, roster=plan.roster, coverage=plan.coverage, requirements=req,
                forecast=req[["interval_start", "calls", "aht_seconds"]])


def test_coarser_actuals_are_refused_not_floored() -> None:
    thirty = pd.DataFrame({"interval_start": pd.date_range("2026-03-02 08:00", periods=4, freq="30min"),
                           "offered": 60.0, "aht_seconds": 180.0})
    with pytest.raises(InvalidArgumentError, match="30-minute intervals"):
        evaluate_plan(_single_queue_plan(), thirty, EvaluationSettings(replications=1))


def test_finer_actuals_are_summed_exactly() -> None:
    # Five-minute actuals of 10 calls each: 30 calls per 15-minute plan interval.
    five = pd.DataFrame({"interval_start": pd.date_range("2026-03-02 08:00", periods=24, freq="5min"),
                         "offered": 10.0, "aht_seconds": 180.0})
    result = evaluate_plan(_single_queue_plan(), five, EvaluationSettings(replications=1))
    assert result.intervals["actual_calls"].tolist() == [30.0] * len(STARTS)


def test_actuals_of_another_week_are_refused() -> None:
    other = pd.DataFrame({"interval_start": STARTS + pd.Timedelta(days=7), "offered": 30.0, "aht_seconds": 180.0})
    with pytest.raises(InvalidArgumentError, match="open interval"):
        evaluate_plan(_single_queue_plan(), other, EvaluationSettings(replications=1))
    np.testing.assert_array_equal(STARTS.hour.unique(), [8, 9])


def test_every_understaffed_stretch_is_named_not_only_peaks() -> None:
    """Monday 07:00-07:45 half staffed at the opening (3 quarter-hours, 4 short then 2, 2),
    and one short quarter-hour at 12:00 (1 short); 09:00 is over-staffed, the rest exact.
    Hand-computed: stretch 1 = 4 + 2 + 2 = 8 agent-quarter-hours = 2.0 agent-h, max 4;
    stretch 2 = 0.25 agent-h. Calls and SL come from the service rows of the stretch."""
    starts = pd.date_range("2026-03-02 07:00", "2026-03-02 12:45", freq="15min")
    under = pd.Series(0.0, index=starts)
    under[pd.Timestamp("2026-03-02 07:00")] = 4.0
    under[pd.Timestamp("2026-03-02 07:15")] = 2.0
    under[pd.Timestamp("2026-03-02 07:30")] = 2.0
    under[pd.Timestamp("2026-03-02 12:00")] = 1.0
    required = pd.Series(8.0, index=starts)
    coverage = pd.DataFrame({"interval_start": starts, "required": required.to_numpy(),
                             "scheduled": (required - under).to_numpy(), "under": under.to_numpy(), "over": 0.0})
    service = pd.DataFrame({"queue": "q", "interval_start": starts, "calls": 20.0,
                            "service_level": np.where(under.to_numpy() > 0, 0.5, 0.9)})
    meta = PlanMeta(week_start=dt.date(2026, 3, 2), interval_minutes=15)
    plan = Plan(meta=meta, roster=pd.DataFrame(columns=["agent_id", "shift_start", "shift_end", "paid_minutes",
                                                           "breaks"]), coverage=coverage, service=service)
    from staffing.planning.week import understaffed_stretches

    stretches = understaffed_stretches(plan)
    assert stretches["start"].tolist() == [pd.Timestamp("2026-03-02 07:00"), pd.Timestamp("2026-03-02 12:00")]
    assert stretches["end"].tolist() == [pd.Timestamp("2026-03-02 07:45"), pd.Timestamp("2026-03-02 12:15")]
    assert stretches["intervals"].tolist() == [3, 1]
    assert stretches["max_short_agents"].tolist() == [4.0, 1.0]
    assert stretches["short_agent_hours"].tolist() == [2.0, 0.25]
    assert stretches["calls"].tolist() == [60.0, 20.0]
    assert stretches["service_level"].tolist() == [0.5, 0.5]
