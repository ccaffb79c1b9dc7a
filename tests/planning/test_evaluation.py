"""Evaluating a plan: exact attribution on constructed weeks, patience estimate, the CLI."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from staffing.cli import main
from staffing.planning.evaluation import EvaluationSettings, estimate_patience, evaluate_plan
from staffing.planning.model import Plan, PlanMeta
from staffing.queueing import erlang
from staffing.queueing.simulation import QueueInput, SimulationSettings, simulate

STARTS = pd.date_range("2026-03-02 08:00", periods=48, freq="15min")
CALLS = np.where((np.arange(48) % 16) < 8, 60.0, 30.0)  # 12 and 6 Erlangs (AHT 180 s, 15 min)
AHT = 180.0


def _plan(scheduled: np.ndarray) -> Plan:
    """A two-interval-type day, sized by Erlang C 80/20 with no shrinkage."""
    req = erlang.required_agents(CALLS, AHT, 15, target_sl=0.8, answer_seconds=20)
    forecast = pd.DataFrame({"interval_start": STARTS, "calls": CALLS, "aht_seconds": AHT})
    requirements = forecast.assign(load_erlangs=req.load_erlangs, agents=req.agents, service_level=req.service_level)
    coverage = pd.DataFrame({"interval_start": STARTS, "required": req.agents, "scheduled": scheduled,
                             "under": np.maximum(req.agents - scheduled, 0), "over": np.maximum(scheduled - req.agents, 0)})
    meta = PlanMeta(week_start=date(2026, 3, 2), interval_minutes=15,
                    targets={"target_sl": 0.8, "answer_seconds": 20.0, "shrinkage": 0.0})
    roster = pd.DataFrame(columns=["agent_id", "shift_start", "shift_end", "paid_minutes", "breaks"])
    return Plan(meta=meta, roster=roster, coverage=coverage, forecast=forecast, requirements=requirements)


def _sums_exactly(frame: pd.DataFrame, outcome: str = "achieved_service_level") -> None:
    parts = frame["margin"] + frame["model_effect"] + frame["roster_effect"] + frame["forecast_effect"]
    np.testing.assert_allclose(parts, frame[outcome] - frame["target_sl"], atol=1e-12)


def test_only_the_forecast_is_wrong() -> None:
    # Erlang C callers (nobody hangs up): patience infinite, not the simulator's assumed default.
    required = erlang.required_agents(CALLS, AHT, 15, target_sl=0.8, answer_seconds=20).agents
    plan = _plan(required.copy())  # the roster is exactly the requirement
    actuals = pd.DataFrame({"interval_start": STARTS, "offered": np.rint(CALLS * 1.4), "aht_seconds": AHT})
    result = evaluate_plan(plan, actuals, EvaluationSettings(replications=8, seed=5, patience_seconds=math.inf))
    frame = result.intervals
    _sums_exactly(frame)
    _sums_exactly(result.days)
    # Same staffing and the same random streams: the roster adds exactly nothing.
    assert np.all(frame["roster_effect"] == 0.0)
    missed = frame[frame["missed"]]
    assert len(missed) > 20
    # 40% more calls than forecast: the forecast explains the misses.
    assert (missed["forecast_effect"] < -0.2).all()
    assert (missed["forecast_effect"].abs() > missed["model_effect"].abs()).all()


def test_only_the_roster_is_short() -> None:
    required = erlang.required_agents(CALLS, AHT, 15, target_sl=0.8, answer_seconds=20).agents
    short = required.copy()
    short[16:24] -= 3  # one busy stretch three agents short
    plan = _plan(short)
    actuals = pd.DataFrame({"interval_start": STARTS, "offered": CALLS, "aht_seconds": AHT})  # forecast was right
    result = evaluate_plan(plan, actuals, EvaluationSettings(replications=12, seed=6, patience_seconds=math.inf))
    frame = result.intervals
    _sums_exactly(frame)
    _sums_exactly(result.days)
    short_rows = frame.iloc[16:24]
    assert short_rows["missed"].all()
    assert (short_rows["roster_effect"] < -0.15).all()
    assert (short_rows["roster_effect"].abs() > short_rows["forecast_effect"].abs()).all()
    # Where the roster equals the requirement the roster term is exactly zero only if the
    # queue did not carry over from the short stretch; before it, it is exactly zero.
    assert np.all(frame["roster_effect"].iloc[:16] == 0.0)


def test_without_actuals_the_plan_is_simulated_against_its_forecast() -> None:
    required = erlang.required_agents(CALLS, AHT, 15, target_sl=0.8, answer_seconds=20).agents
    result = evaluate_plan(_plan(required), None, EvaluationSettings(replications=4))
    assert result.achieved_service_level is None
    assert result.intervals["achieved_service_level"].isna().all()
    _sums_exactly(result.intervals, "simulated_service_level")


def test_patience_is_recovered_from_abandoned_calls() -> None:
    # Simulate a stationary queue whose callers have a mean patience of 100 s, then estimate
    # the patience from the abandoned counts only: within 10% (Erlang A is exact for this
    # queue: Poisson arrivals, exponential handle times and patience, constant staffing).
    n = 120
    queue = QueueInput(calls=np.full(n, 100.0), aht_seconds=np.full(n, 180.0), agents=np.full(n, 10, dtype=np.int64),
                       interval_seconds=1800.0)
    sim = simulate(queue, SimulationSettings(patience_seconds=100.0), replications=3, seed=8)
    abandoned = np.sum([r.abandoned for r in sim.replications], axis=0)
    offered = np.sum([r.offered for r in sim.replications], axis=0)
    estimate = estimate_patience(offered, abandoned, np.full(n, 10.0), np.full(n, 10.0), np.full(n, 180.0), 20.0)
    assert estimate == pytest.approx(100.0, rel=0.1)
    assert estimate_patience(offered, np.zeros(n), np.full(n, 10.0), np.full(n, 10.0), np.full(n, 180.0), 20.0) is None


def test_evaluate_cli(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    plan.mkdir()
    required = erlang.required_agents(CALLS, AHT, 15, target_sl=0.8, answer_seconds=20).agents
    p = _plan(required)
    iso = "%Y-%m-%dT%H:%M:%S"
    p.coverage.assign(interval_start=STARTS.strftime(iso)).to_csv(plan / "coverage.csv", index=False)
    p.forecast.assign(interval_start=STARTS.strftime(iso)).to_csv(plan / "forecast.csv", index=False)
    p.requirements.assign(interval_start=STARTS.strftime(iso)).to_csv(plan / "requirements.csv", index=False)
    (plan / "roster.csv").write_text("agent_id,shift_start,shift_end,paid_minutes,breaks\n")
    (plan / "plan.json").write_text(json.dumps({"week_start": "2026-03-02", "interval_minutes": 15,
                                                "targets": {"target_sl": 0.8, "answer_seconds": 20}}))
    actuals = tmp_path / "actuals.csv"
    pd.DataFrame({"interval_start": STARTS.strftime("%Y-%m-%d %H:%M"), "offered": np.rint(CALLS * 1.2).astype(int),
                  "abandoned": 2, "aht_seconds": AHT}).to_csv(actuals, index=False)
    out = tmp_path / "eval"
    args = ["evaluate", "--plan", str(plan), "--actuals", str(actuals), "--replications", "4", "--out-dir", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["against"] == "actuals" and summary["patience_source"] == "estimated"
    assert len(pd.read_csv(out / "intervals.csv")) == 48
    again = CliRunner().invoke(main, [*args[:-1], str(tmp_path / "eval2")])
    assert again.exit_code == 0
    assert (out / "intervals.csv").read_text() == (tmp_path / "eval2" / "intervals.csv").read_text()
    bad = CliRunner().invoke(main, [*args[:-3], "0", "--out-dir", str(out)])
    assert bad.exit_code == 2 and "--replications" in bad.output
    log = tmp_path / "calls.csv"
    pd.DataFrame({"arrival_time": np.repeat(STARTS.strftime("%Y-%m-%d %H:%M:%S"), 3)}).to_csv(log, index=False)
    replay = CliRunner().invoke(main, [*args[:-1], str(tmp_path / "eval3"), "--calls", str(log)])
    assert replay.exit_code == 0, replay.output
    assert (pd.read_csv(tmp_path / "eval3" / "intervals.csv")["actual_calls"] == 3).all()
    alone = CliRunner().invoke(main, ["evaluate", "--plan", str(plan), "--calls", str(log), "--out-dir", str(out)])
    assert alone.exit_code == 2 and "--calls" in alone.output


def test_call_log_arrivals_are_replayed() -> None:
    # Every interval's calls arrive in one burst at its start (a call log), instead of
    # spread uniformly: the counts per interval are the same, the service is worse.
    required = erlang.required_agents(CALLS, AHT, 15, target_sl=0.8, answer_seconds=20).agents
    plan = _plan(required)
    actuals = pd.DataFrame({"interval_start": STARTS, "offered": CALLS, "aht_seconds": AHT})
    burst = pd.Series(np.repeat(STARTS.to_numpy(), CALLS.astype(int)))
    spread = evaluate_plan(plan, actuals, EvaluationSettings(replications=6, seed=2))
    bursty = evaluate_plan(plan, actuals, EvaluationSettings(replications=6, seed=2), call_times=burst)
    np.testing.assert_array_equal(bursty.intervals["actual_calls"], CALLS)
    assert bursty.days["achieved_service_level"].iloc[0] < spread.days["achieved_service_level"].iloc[0] - 0.1
    _sums_exactly(bursty.intervals)
