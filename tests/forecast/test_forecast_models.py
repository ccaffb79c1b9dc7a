"""Point models recover a known synthetic truth; holidays, closed days and closed hours."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from staffing.forecast import ForecastSettings, SpecialDay, forecast
from staffing.forecast.grid import build_grid
from staffing.forecast.models import POINT_MODELS
from staffing.ingest.synthetic import SyntheticSettings, synthetic_history, true_rates

# A seeded non-homogeneous Poisson centre: weekly and daily cycles, 60-minute intervals,
# open 07:00-21:00 every day, one holiday (Wednesday 2024-02-14, rate x 0.2), 12 weeks.
TRUTH = SyntheticSettings(start=dt.date(2024, 1, 1), days=84, interval_minutes=60, daily_calls=3000.0,
                          open_time=dt.time(7, 0), close_time=dt.time(21, 0), holidays=(dt.date(2024, 2, 14),), seed=11)
START = pd.Timestamp("2024-03-25")  # Monday after the 12 weeks


def truth_next_week() -> pd.DataFrame:
    week = SyntheticSettings.model_validate({**TRUTH.model_dump(), "start": START.date(), "days": 7, "holidays": ()})
    return true_rates(week)


@pytest.mark.parametrize("model", ["average8", "ewma", "level", "ewma_dom", "level_dom", "ets", "poisson", "negbin", "combo"])
def test_known_truth_is_recovered(model: str) -> None:
    history = synthetic_history(TRUTH)
    settings = ForecastSettings(model=model, interval_minutes=60, holiday_dates=(dt.date(2024, 2, 14),))
    out = forecast(history, START, "week", settings).frame
    rate = truth_next_week()["rate"].to_numpy()
    assert len(out) == len(rate) == 7 * 24
    # Tolerance from the Poisson variance: a profile of n >= 8 same-weekday days has a
    # daily-total standard error of sqrt(lambda_day / 8) (ewma/level/ets weight fewer
    # days effectively, about 4), so each day total must lie within 4 sd of
    # sqrt(lambda_day / 4), i.e. 2 sqrt(lambda_day), plus 2% for the models' level damping.
    got = out["calls"].to_numpy().reshape(7, 24).sum(axis=1)
    want = rate.reshape(7, 24).sum(axis=1)
    assert np.all(np.abs(got - want) <= 2.0 * np.sqrt(want) + 0.02 * want), (got, want)
    # Closed hours (before 07:00, from 21:00) forecast zero; open hours within 4 sd per cell.
    closed = rate == 0
    assert np.all(out["calls"].to_numpy()[closed] == 0)
    cell_tol = 4.0 * np.sqrt(rate[~closed] / 4.0) + 0.05 * rate[~closed]
    assert np.mean(np.abs(out["calls"].to_numpy()[~closed] - rate[~closed]) <= cell_tol) > 0.97


def test_holiday_is_excluded_from_profiles() -> None:
    history = synthetic_history(TRUTH)
    grid_with = build_grid(history, 60, excluded_dates=frozenset({dt.date(2024, 2, 14)}))
    past = grid_with.before(pd.Timestamp("2024-02-21"))
    target = pd.DatetimeIndex([pd.Timestamp("2024-02-21")])  # the Wednesday after
    got = POINT_MODELS["average4"](past, target, np.array([2]), ForecastSettings())
    # Independent computation: the 4 previous non-holiday Wednesdays.
    weds = pd.to_datetime(["2024-01-24", "2024-01-31", "2024-02-07", "2024-01-17"])
    rows = past.values[past.dates.get_indexer(weds)]
    np.testing.assert_allclose(got[0], rows.mean(axis=0))


def test_holiday_and_special_day_forecasts() -> None:
    history = synthetic_history(TRUTH)
    base = ForecastSettings(model="average4", interval_minutes=60)
    plain = forecast(history, START, "week", base).frame.set_index("interval_start")["calls"]
    special = ForecastSettings(model="average4", interval_minutes=60, holiday_dates=(dt.date(2024, 3, 27),), holiday_factor=0.5,
                               special_days=(SpecialDay(date=dt.date(2024, 3, 28), like="sunday", factor=1.0),))
    got = forecast(history, START, "week", special).frame.set_index("interval_start")["calls"]
    wed = slice("2024-03-27 00:00", "2024-03-27 23:00")
    np.testing.assert_allclose(got[wed].to_numpy(), 0.5 * plain[wed].to_numpy())
    thu = slice("2024-03-28 00:00", "2024-03-28 23:00")
    sun = slice("2024-03-31 00:00", "2024-03-31 23:00")
    np.testing.assert_allclose(got[thu].to_numpy(), plain[sun].to_numpy())


def test_country_holidays_come_from_the_holidays_package() -> None:
    from staffing.forecast.special_days import special_days

    table = special_days(ForecastSettings(holiday_country="GB", holiday_factor=0.1), [2024])
    assert dt.date(2024, 12, 25) in table and table[dt.date(2024, 12, 25)].factor == 0.1


def test_weekday_only_centre_with_missing_days() -> None:
    # Sun-Thu centre, 07:00-21:00, weekends absent from the file, 10% of days missing.
    s = SyntheticSettings(start=dt.date(2024, 1, 7), days=12 * 7, interval_minutes=60, daily_calls=2000.0,
                          open_time=dt.time(7, 0), close_time=dt.time(21, 0), open_weekdays=(6, 0, 1, 2, 3),
                          missing_day_fraction=0.1, seed=5)
    history = synthetic_history(s)
    start = pd.Timestamp("2024-03-31")
    out = forecast(history, start, "week", ForecastSettings(model="combo", interval_minutes=60)).frame
    daily = out.groupby(out["interval_start"].dt.date)["calls"].sum()
    week = SyntheticSettings.model_validate({**s.model_dump(), "start": start.date(), "days": 7, "missing_day_fraction": 0.0})
    truth = true_rates(week).groupby(lambda i: i // 24)["rate"].sum().to_numpy()
    # Fri/Sat (closed) exactly 0; open days within 2 sqrt(lambda_day) + 2% (see above).
    assert np.all(daily.to_numpy()[truth == 0] == 0)
    assert np.all(np.abs(daily.to_numpy() - truth) <= 2.0 * np.sqrt(truth) + 0.02 * truth)


def test_profile_poisson_glm_equals_statsmodels_dummy_glm() -> None:
    # Slow reference: the full dummy-coded Poisson GLM fitted by statsmodels IRLS.
    s = SyntheticSettings(start=dt.date(2024, 1, 1), days=21, interval_minutes=240, daily_calls=500.0, weekly_growth=0.05, seed=2)
    grid = build_grid(synthetic_history(s), 240)
    settings = ForecastSettings(interval_minutes=240, glm_weeks=3)
    target = pd.DatetimeIndex([pd.Timestamp("2024-01-22")])
    got = POINT_MODELS["poisson"](grid, target, np.array([0]), settings)
    y = grid.values.ravel()
    cell = (grid.weekdays[:, None] * grid.slots + np.arange(grid.slots)).ravel()
    t = np.repeat((np.arange(21) - 20) / 21.0, grid.slots)
    x = np.zeros((y.size, 7 * grid.slots + 1))
    x[np.arange(y.size), cell] = 1.0
    x[:, -1] = t
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    params = np.asarray(ref.params)
    want = np.exp(params[:6] + params[-1] * 1.0 / 21.0)  # Monday cells, one day ahead
    np.testing.assert_allclose(got[0], want, rtol=1e-5)


def test_several_queues_are_forecast_separately() -> None:
    # Constant histories: every profile model must return the constant of its own queue.
    t = pd.date_range("2024-01-01", periods=24 * 28, freq="60min")
    history = pd.concat([pd.DataFrame({"interval_start": t, "queue": q, "offered": v}) for q, v in (("a", 5.0), ("b", 7.0))])
    out = forecast(history, "2024-01-29", "day", ForecastSettings(model="combo", interval_minutes=60))
    assert list(out.frame.columns[:2]) == ["interval_start", "queue"] and [q.queue for q in out.queues] == ["a", "b"]
    means = out.frame.groupby("queue")["calls"].agg(["min", "max"])
    np.testing.assert_allclose(means.to_numpy(), [[5.0, 5.0], [7.0, 7.0]])


def test_combo_weights() -> None:
    # Weights (1, 0) give the first model alone; equal weights the plain mean of both.
    history = synthetic_history(SyntheticSettings(days=10 * 7, interval_minutes=30, seed=4))
    start = history["interval_start"].max().normalize() + pd.Timedelta(days=1)
    def calls(**kw: object) -> np.ndarray:
        settings = ForecastSettings(interval_minutes=30, **kw)  # type: ignore[arg-type]
        return forecast(history, start, 2, settings).frame["calls"].to_numpy()
    level = calls(model="level")
    ewma = calls(model="ewma")
    np.testing.assert_allclose(calls(model="combo", combo=("level", "ewma"), combo_weights=(1.0, 0.0)), level)
    np.testing.assert_allclose(calls(model="combo", combo=("level", "ewma")), (level + ewma) / 2)
    np.testing.assert_allclose(calls(model="combo", combo=("level", "ewma"), combo_weights=(3.0, 1.0)),
                               0.75 * level + 0.25 * ewma)
    with pytest.raises(ValueError, match="combo_weights"):
        ForecastSettings(combo=("level", "ewma"), combo_weights=(1.0,))


def test_profile_memory_is_twenty_weeks_and_stops_at_the_origin() -> None:
    # Noise-free truth (no Poisson draw): 30 weeks of hourly calls, open 07:00-21:00, where
    # every interval of the week that is `a` weeks before the origin (a = 0: the last week)
    # carries `shape[hour] x weekday[wd] x g(a)`, g(a) = 1 + 0.05 a for a < 20 and 1000 for
    # older weeks (which must not count); from the origin on, everything is x 10 (must not
    # count either). The weekday profile is then exactly
    # shape x weekday x sum_{a<20} 0.5^(a/6) g(a) / sum_{a<20} 0.5^(a/6)
    # (staffing.forecast.baselines.weighted_profiles, default half-life 6 weeks over
    # profile_weeks = 20, the session-4 default chosen in benchmarks/RESULTS.md), so the
    # tolerance is float rounding only.
    origin = pd.Timestamp("2024-07-01")  # a Monday
    days = pd.date_range(origin - pd.Timedelta(weeks=30), origin + pd.Timedelta(days=13), freq="D")
    hours = np.arange(7, 21)
    shape = 1.0 + np.sin(np.pi * (hours - 7) / 14.0)
    weekday = np.array([1.0, 0.95, 0.9, 0.92, 0.85, 0.4, 0.3]) * 50.0
    before = np.asarray((origin - days).days)  # 1 = the day before the origin
    age = (before - 1) // 7  # weeks before the origin (the same-weekday occurrence, newest 0)
    g = np.where(before <= 0, 10.0, np.where(age < 20, 1.0 + 0.05 * age, 1000.0))
    rows = []
    for day, gd in zip(days, g, strict=True):
        for h, sh in zip(hours, shape, strict=True):
            rows.append((day + pd.Timedelta(hours=int(h)), sh * weekday[day.day_of_week] * gd))
    history = pd.DataFrame(rows, columns=["interval_start", "offered"]).assign(queue="default")
    settings = ForecastSettings(model="ewma", interval_minutes=60)
    assert settings.profile_weeks == 20
    out = forecast(history, origin, "week", settings).frame
    a = np.arange(20)
    w = 0.5 ** (a / 6.0)
    level = float(w @ (1.0 + 0.05 * a) / w.sum())
    got = out["calls"].to_numpy().reshape(7, 24)
    want = np.zeros((7, 24))
    for i, day in enumerate(pd.date_range(origin, periods=7, freq="D")):
        want[i, hours] = shape * weekday[day.day_of_week] * level
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    # The 14-week memory of earlier versions gives a visibly different (more recent) profile.
    short = forecast(history, origin, "week", ForecastSettings(model="ewma", interval_minutes=60, profile_weeks=14)).frame
    assert np.all(short["calls"].to_numpy().reshape(7, 24)[:, hours] < got[:, hours] - 1e-6)
