"""The week's service curves for the roster: built from the forecast table and the queues'
targets, pooled over queues, and passed to the roster only in a service objective mode."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from staffing.config import Config
from staffing.forecast.api import ForecastOutput, QueueForecast
from staffing.forecast.intervals import Dispersion
from staffing.forecast.settings import ForecastSettings
from staffing.planning import week
from staffing.planning.week import plan_service_curves, service_curves
from staffing.queueing.requirements import ServiceTargets
from staffing.queueing.service_curve import service_curve
from staffing.roster.service import ServiceCurves
from tests._erlang_reference import sl_scalar


def _frame(calls: list[float], aht: list[float], start: str = "2024-04-01 08:00") -> pd.DataFrame:
    stamps = pd.date_range(start, periods=len(calls), freq="15min")
    return pd.DataFrame({"interval_start": stamps, "calls": calls, "aht_seconds": aht})


def test_single_queue_curves_carry_the_frames_calls_and_validate() -> None:
    frame = _frame([0.0, 8.0, 40.0, 25.5], [np.nan, 240.0, 180.0, 200.0])
    targets = ServiceTargets(target_sl=0.8, answer_seconds=20, shrinkage=0.3)
    curves = service_curves(frame, targets, 15, Dispersion(alpha80=0.02, alpha95=0.03, n_points=500))
    assert isinstance(curves, ServiceCurves)  # __post_init__ validated shapes and concavity
    np.testing.assert_array_equal(curves.calls, frame["calls"].to_numpy())
    assert list(curves.interval_starts) == list(frame["interval_start"])
    assert curves.interval_minutes == 15 and curves.target_sl == 0.8
    assert np.all(curves.agents[:, 0] == 0.0)


def test_without_dispersion_the_vertices_are_exact_erlang_c_values_in_head_count() -> None:
    """No uncertainty: every breakpoint's value is calls x SL_C at n = head x (1 - shrinkage)
    on the phones (scalar textbook reference)."""
    frame = _frame([40.0], [180.0])
    curves = service_curves(frame, ServiceTargets(answer_seconds=20, shrinkage=0.2), 15, None)
    n = curves.agents[0] * 0.8
    inside = curves.answered[0] < 40.0 - 1e-4  # the flat padding after the last vertex is not a vertex
    expected = [40.0 * sl_scalar(round(k), 8.0, 180.0, 20.0) for k in n[inside]]
    np.testing.assert_allclose(n, np.round(n), atol=1e-12)
    np.testing.assert_allclose(curves.answered[0][inside], expected, rtol=1e-10, atol=1e-12)


def test_queues_pool_into_summed_calls_with_call_weighted_aht() -> None:
    """Two queues: 10 calls at 200 s and 30 at 100 s pool into 40 calls at
    (10 x 200 + 30 x 100) / 40 = 125 s; shrinkage (10 x 0.2 + 30 x 0.4) / 40 = 0.35; the
    global target (10 x 0.9 + 30 x 0.8) / 40 = 0.825; comonotone dispersion
    ((10 sqrt(0.04) + 30 sqrt(0.01)) / 40)^2 = 0.015625 (all by hand)."""
    a = _frame([10.0, 0.0], [200.0, np.nan]).assign(queue="a")
    b = _frame([30.0, 0.0], [100.0, np.nan]).assign(queue="b")
    frame = pd.concat([a, b], ignore_index=True)
    targets = {"a": ServiceTargets(target_sl=0.9, answer_seconds=20, shrinkage=0.2),
               "b": ServiceTargets(target_sl=0.8, answer_seconds=20, shrinkage=0.4)}
    dispersion = {"a": Dispersion(0.04, 0.05, 500), "b": Dispersion(0.01, 0.02, 500)}
    curves = service_curves(frame, targets.__getitem__, 15, dispersion)
    np.testing.assert_allclose(curves.calls, [40.0, 0.0])
    assert curves.target_sl == pytest.approx(0.825, rel=1e-15)
    ref = service_curve(np.array([40.0, 0.0]), np.array([125.0, 1.0]), 20.0, 15,
                        shrinkage=np.array([0.35, 0.3]), dispersion_alpha=np.array([0.015625, 0.0]))
    np.testing.assert_allclose(curves.agents, ref.agents_head, rtol=1e-12)
    np.testing.assert_allclose(curves.answered, ref.answered, rtol=1e-12)


def _output(frame: pd.DataFrame) -> ForecastOutput:
    return ForecastOutput(frame, (QueueForecast("general", "seasonal_naive", Dispersion(0.02, 0.03, 500), ()),),
                          ForecastSettings())


def _config(tmp_path: Path, plan: dict[str, Any] | None = None) -> Config:
    return Config.model_validate({
        "history": {"path": str(tmp_path / "unused.csv")},
        "agents": str(tmp_path / "unused_agents.csv"),
        "queues": [{"name": "general", "targets": {"target_sl": 0.8, "answer_seconds": 20, "shrinkage": 0.25}}],
        "plan": plan or {},
    })


def test_plan_curves_follow_uncertainty_and_risk_level(tmp_path: Path) -> None:
    frame = _frame([40.0], [180.0])
    targets = ServiceTargets(target_sl=0.8, answer_seconds=20, shrinkage=0.25)
    mean = plan_service_curves(_output(frame), _config(tmp_path))
    certain = plan_service_curves(_output(frame), _config(tmp_path, {"uncertainty": "none"}))
    risky = plan_service_curves(_output(frame), _config(tmp_path, {"risk_level": 0.8}))
    for got, alpha, risk in ((mean, 0.02, None), (certain, 0.0, None), (risky, 0.02, 0.8)):
        ref = service_curves(frame, targets, 15, Dispersion(alpha, alpha, 500) if alpha else None, risk_level=risk)
        np.testing.assert_array_equal(got.answered, ref.answered)
        np.testing.assert_array_equal(got.agents, ref.agents)


class _Stop(Exception):
    pass


@pytest.mark.parametrize("mode", ["coverage", "service"])
def test_run_plan_passes_curves_only_outside_coverage_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    frame = _frame([0.0, 12.0, 40.0], [np.nan, 200.0, 180.0], start="2024-04-01 00:00")
    seen: dict[str, Any] = {}

    def fake_build_roster(requirements: pd.DataFrame, *args: Any, **kwargs: Any) -> None:
        seen.update(kwargs, requirements=requirements)
        raise _Stop

    monkeypatch.setattr(week, "forecast", lambda *args, **kwargs: _output(frame))
    monkeypatch.setattr(week, "build_roster", fake_build_roster)
    config = _config(tmp_path)
    config = config.model_copy(update={"roster": config.roster.model_copy(update={"objective_mode": mode})})
    with pytest.raises(_Stop):
        week.run_plan(config, frame, [], week_start=dt.date(2024, 4, 1))
    if mode == "coverage":
        assert seen["service"] is None
    else:
        curves = seen["service"]
        assert isinstance(curves, ServiceCurves)
        np.testing.assert_array_equal(curves.calls, [0.0, 12.0, 40.0])
        assert list(curves.interval_starts) == list(seen["requirements"]["interval_start"])
