"""Rolling-origin backtest: no leakage, metric formulas, auto selection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.errors import InvalidArgumentError
from staffing.forecast import BACKTEST_COLUMNS, ForecastSettings, backtest, forecast, parse_models
from staffing.forecast.metrics import bias, interval_coverage, mase, wape

ORIGIN = pd.Timestamp("2024-03-04")


def level_shift_history() -> pd.DataFrame:
    """Flat 10 calls per hour, 24/7, jumping to 1000 exactly at ORIGIN (deterministic)."""
    times = pd.date_range("2024-01-01", "2024-03-17 23:00", freq="60min")
    offered = np.where(times < ORIGIN, 10.0, 1000.0)
    return pd.DataFrame({"interval_start": times, "queue": "default", "offered": offered})


@pytest.mark.parametrize("model", ["seasonal_naive", "average4", "ewma", "level", "ewma_dom", "level_dom", "ets", "poisson", "negbin", "combo", "auto"])
def test_backtest_never_sees_data_at_or_after_the_origin(model: str) -> None:
    history = level_shift_history()
    settings = ForecastSettings(interval_minutes=60)
    result = backtest(history, ORIGIN, ORIGIN + pd.Timedelta(days=6), 7, (model,), settings)
    rows = result.rows
    assert list(rows.columns) == list(BACKTEST_COLUMNS)
    first = rows[rows["origin"] == ORIGIN]
    assert len(first) == 7 * 24 and (first["actual"] == 1000.0).all()
    # Any peek at the new level (1000) would pull forecasts far above the old 10.
    np.testing.assert_allclose(first["forecast"].to_numpy(), 10.0, rtol=1e-6)
    # And the fit equals a forecast from a history cut before the origin.
    cut = forecast(history[history["interval_start"] < ORIGIN], ORIGIN, 7, settings.model_copy(update={"model": model})).frame
    np.testing.assert_allclose(first["forecast"].to_numpy(), cut["calls"].to_numpy())


def test_daily_origins_for_day_horizon_and_scores() -> None:
    history = level_shift_history()
    result = backtest(history, "2024-03-05", "2024-03-08", 1, ("seasonal_naive", "average4"), ForecastSettings(interval_minutes=60))
    assert sorted(result.rows["origin"].unique()) == list(pd.date_range("2024-03-05", "2024-03-08"))
    naive = result.scores[0]
    assert naive.model == "seasonal_naive" and naive.origins == 4 and naive.intervals == 4 * 24
    # Same interval last week was 10 for every scored interval, actual 1000: WAPE 0.99,
    # bias -99%, MASE exactly 1 (the scale is that very naive forecast).
    assert naive.wape == pytest.approx(0.99)
    assert naive.bias == pytest.approx(-0.99)
    assert naive.mase == pytest.approx(1.0)


def test_special_days_can_be_left_out_of_the_scores() -> None:
    # 2024-03-06 is a holiday: forecast either way, but with score_special_days=False its
    # 24 intervals leave the rows and the pooled scores (3 of the 4 days remain).
    history = level_shift_history()
    settings = ForecastSettings(interval_minutes=60, holiday_dates=(pd.Timestamp("2024-03-06").date(),))
    every = backtest(history, "2024-03-05", "2024-03-08", 1, ("average4",), settings)
    ordinary = backtest(history, "2024-03-05", "2024-03-08", 1, ("average4",), settings, score_special_days=False)
    assert every.scores[0].intervals == 4 * 24 and ordinary.scores[0].intervals == 3 * 24
    assert not (ordinary.rows["interval_start"].dt.date == pd.Timestamp("2024-03-06").date()).any()


def test_metric_formulas_on_a_hand_example() -> None:
    a = np.array([10.0, 20.0, 30.0])
    f = np.array([12.0, 18.0, 33.0])
    n = np.array([8.0, 25.0, 30.0])
    assert wape(a, f) == pytest.approx((2 + 2 + 3) / 60)
    assert mase(a, f, n) == pytest.approx(7 / (2 + 5 + 0))
    assert bias(a, f) == pytest.approx((63 - 60) / 60)
    assert interval_coverage(a, np.array([9.0, 21.0, 30.0]), np.array([11.0, 25.0, 31.0])) == pytest.approx(2 / 3)


def test_parse_models() -> None:
    assert "combo" in parse_models("all") and "auto" not in parse_models("all")
    assert parse_models("average4, level") == ("average4", "level")
    with pytest.raises(InvalidArgumentError, match="models"):
        parse_models("average4,prophet")


def test_auto_picks_by_backtest_before_origin() -> None:
    # A centre whose level doubled 3 weeks ago: the level-adjusted model beats the
    # 8-week average before the origin, so auto must choose it (and report both).
    times = pd.date_range("2024-01-01", "2024-03-03 23:00", freq="60min")
    offered = np.where(times < pd.Timestamp("2024-02-12"), 10.0, 20.0)
    history = pd.DataFrame({"interval_start": times, "offered": offered})
    settings = ForecastSettings(model="auto", interval_minutes=60, auto_candidates=("average8", "level"), auto_origins=5)
    out = forecast(history, ORIGIN, "day", settings)
    scores = {c.model: c.wape for c in out.queues[0].candidates}
    assert out.model == "level" and scores["level"] < scores["average8"]


def test_backtest_rejects_reversed_window_and_several_queues() -> None:
    history = level_shift_history()
    with pytest.raises(InvalidArgumentError, match="test_end"):
        backtest(history, "2024-03-10", "2024-03-05", 1, ("average4",), ForecastSettings(interval_minutes=60))
    two = pd.concat([history, history.assign(queue="b")])
    with pytest.raises(InvalidArgumentError, match="several queues"):
        backtest(two, "2024-03-05", None, 1, ("average4",), ForecastSettings(interval_minutes=60))


def test_reforecast_adapter_returns_exactly_the_horizon() -> None:
    from staffing.planning.forecaster import SettingsForecaster

    history = level_shift_history()
    history = history[history["interval_start"] < ORIGIN]
    horizon = pd.date_range(ORIGIN + pd.Timedelta(hours=6), periods=30, freq="60min")
    forecaster = SettingsForecaster(ForecastSettings(model="average4", interval_minutes=60))
    result = forecaster(history, horizon)
    assert list(result.values["interval_start"]) == list(horizon)
    np.testing.assert_allclose(result.values["calls"].to_numpy(), 10.0)
    assert result.model_name == "average4" and "average4" in forecaster.fingerprint
