"""Day-of-month models (``ewma_dom``, ``level_dom``): known monthly cycle recovered, no
monthly cycle left alone, no data at or after the origin used."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from staffing.forecast import ForecastSettings, forecast
from staffing.forecast.grid import build_grid
from staffing.forecast.month_day import day_of_month_factors, prior_expectations
from staffing.ingest.synthetic import SyntheticSettings, true_rates

# 40 weeks of a seeded Poisson centre (every day 07:00-21:00, 60-minute intervals, weekly
# cycle of staffing.ingest.synthetic, 3000 calls on a Monday) times a known monthly cycle.
BASE = SyntheticSettings(start=dt.date(2023, 5, 1), days=40 * 7, interval_minutes=60, daily_calls=3000.0,
                         open_time=dt.time(7, 0), close_time=dt.time(21, 0), seed=21)
START = pd.Timestamp("2024-02-05")  # the Monday after the 40 weeks (2023-05-01 + 280 days)


def monthly_cycle(days: pd.DatetimeIndex) -> np.ndarray:
    """True day-of-month multiplier: +30% on days 1-5 (month start), -15% from day 20."""
    dom = np.asarray(days.day)
    return np.where(dom <= 5, 1.3, np.where(dom >= 20, 0.85, 1.0))


def history_with_cycle(settings: SyntheticSettings, cycle: bool = True) -> pd.DataFrame:
    truth = true_rates(settings)
    times = pd.DatetimeIndex(truth["interval_start"])
    rate = truth["rate"].to_numpy() * (monthly_cycle(times.normalize()) if cycle else 1.0)
    offered = np.random.default_rng(settings.seed).poisson(rate).astype(float)
    keep = truth["open"].to_numpy()
    return pd.DataFrame({"interval_start": times[keep], "queue": "default", "offered": offered[keep]})


def test_prior_expectations_equal_the_plain_loop() -> None:
    # Independent reference: the loop of staffing.forecast.level (last `weeks` usable
    # same-weekday days strictly before the row, weights 0.5 ** (age / half-life)).
    history = history_with_cycle(BASE.model_copy(update={"days": 10 * 7}))
    history = history[history["interval_start"].dt.date != dt.date(2023, 5, 17)]  # a missing day
    grid = build_grid(history, 60, excluded_dates=frozenset({dt.date(2023, 6, 7)}))  # and a holiday
    totals, expected = prior_expectations(grid, 4, 2.0)
    for row in range(len(grid.dates)):
        prior = np.flatnonzero(grid.usable[:row] & (grid.weekdays[:row] == grid.weekdays[row]))[-4:]
        if prior.size == 0:
            assert np.isnan(expected[row])
            continue
        w = 0.5 ** (np.arange(prior.size)[::-1] / 2.0)
        assert expected[row] == pytest.approx(float(w @ totals[prior] / w.sum()), rel=1e-12)


def noise_free_factors(days: pd.DatetimeIndex, rate: np.ndarray, weeks: int, halflife: float) -> np.ndarray:
    """The module's formula written out on the TRUE daily rates (no Poisson noise, no
    shrinkage): expectation of each day from the same weekday's preceding weeks, ratio of
    sums per day of the month, (1/4, 1/2, 1/4) smoothing, over the overall ratio."""
    num = np.zeros(33)
    den = np.zeros(33)
    for i, day in enumerate(days):
        prior = np.arange(i - 7, -1, -7)[:weeks]  # newest first
        if prior.size == 0:
            continue
        w = 0.5 ** (np.arange(prior.size) / halflife)
        num[day.day] += rate[i]
        den[day.day] += float(w @ rate[prior] / w.sum())
    smooth = [(0.25 * num[m - 1] + 0.5 * num[m] + 0.25 * num[m + 1]) / (0.25 * den[m - 1] + 0.5 * den[m] + 0.25 * den[m + 1])
              for m in range(1, 32)]
    return np.asarray(smooth) / (num.sum() / den.sum())


def test_known_monthly_cycle_is_recovered() -> None:
    grid = build_grid(history_with_cycle(BASE), 60)
    factors = day_of_month_factors(grid, ForecastSettings(interval_minutes=60, dom_prior_days=0.0))
    days = pd.date_range(BASE.start, periods=BASE.days, freq="D")
    daily = true_rates(BASE).groupby(lambda i: i // 24)["rate"].sum().to_numpy() * monthly_cycle(days)
    defaults = ForecastSettings()
    want = noise_free_factors(days, daily, defaults.profile_weeks, defaults.ewma_halflife_weeks)
    # M measures each day against the profile of the weeks before it, so a month start
    # (preceded by the quiet month end) comes out above the bare +30% (about 1.35).
    # Tolerance: each factor sums about 9 months x 2 (smoothed) days of ~3000 Poisson
    # calls (0.6% sd) against expectations of ~10 days each (0.6% sd): 3% is 3.5 sd.
    np.testing.assert_allclose(factors[1:], want, rtol=0.03)
    # And the planner-level reading: month start busy, month end quiet.
    assert factors[1:6].min() > 1.2 and factors[22:32].max() < 0.95


def test_no_monthly_cycle_leaves_factors_near_one() -> None:
    grid = build_grid(history_with_cycle(BASE, cycle=False), 60)
    factors = day_of_month_factors(grid, ForecastSettings(interval_minutes=60))
    # Pure Poisson noise: 0.6% sd per factor (see above), so 3% is 5 sd.
    np.testing.assert_allclose(factors[1:], 1.0, atol=0.03)
    # Under a week of history there is no expectation yet: every factor is exactly 1.
    short = build_grid(history_with_cycle(BASE.model_copy(update={"days": 6})), 60)
    np.testing.assert_array_equal(day_of_month_factors(short, ForecastSettings()), np.ones(32))


@pytest.mark.parametrize("model", ["ewma_dom", "level_dom", "combo"])
def test_month_start_week_is_forecast_from_the_cycle(model: str) -> None:
    history = history_with_cycle(BASE)
    out = forecast(history, START - pd.Timedelta(days=4), "week", ForecastSettings(model=model, interval_minutes=60)).frame
    got = out.groupby(out["interval_start"].dt.normalize())["calls"].sum()
    days = pd.DatetimeIndex(got.index)
    week = BASE.model_copy(update={"start": days[0].date(), "days": 7})
    want = true_rates(week).groupby(lambda i: i // 24)["rate"].sum().to_numpy() * monthly_cycle(days)
    # Days 2024-02-01..07, days 1-5 at +30%. Tolerance 2 sqrt(lambda) (Poisson error of
    # the profile, as in test_forecast_models) + 6% (the 5% factor tolerance above plus
    # level damping); days 5 and 6 get 10% because the (1/4, 1/2, 1/4) smoothing across
    # the cycle's step gives them 1.3/4 + 1.3/2 + 1/4 = 1.225 (6% low) and
    # 1.3/4 + 1/2 + 1/4 = 1.075 (7.5% high).
    tol = 2.0 * np.sqrt(want) + np.where(np.isin(days.day, [5, 6]), 0.10, 0.06) * want
    assert np.all(np.abs(got.to_numpy() - want) <= tol), (got.to_numpy(), want)
    # The plain weekday profile misses the month start by about the cycle's 30%.
    plain = forecast(history, days[0], "week", ForecastSettings(model="ewma", interval_minutes=60)).frame
    plain_days = plain.groupby(plain["interval_start"].dt.normalize())["calls"].sum().to_numpy()
    assert np.all(np.abs(plain_days[:3] / want[:3] - 1.0) > 0.15)


@pytest.mark.parametrize("model", ["ewma_dom", "level_dom"])
def test_data_at_or_after_the_origin_is_never_used(model: str) -> None:
    # From the origin on every count is multiplied by 10 (and two more such weeks are
    # appended): a forecast from the full table must equal one from the table cut
    # before the origin.
    history = history_with_cycle(BASE)
    origin = START - pd.Timedelta(days=4)  # 2024-02-01, a month start
    spiked = history.copy()
    spiked.loc[spiked["interval_start"] >= origin, "offered"] *= 10.0
    extra = history_with_cycle(BASE.model_copy(update={"start": START.date(), "days": 14}))
    full = pd.concat([spiked, extra.assign(offered=extra["offered"] * 10.0)], ignore_index=True)
    cut_at = full[full["interval_start"] < origin]
    settings = ForecastSettings(model=model, interval_minutes=60)
    got = forecast(full, origin, "week", settings).frame["calls"].to_numpy()
    want = forecast(cut_at, origin, "week", settings).frame["calls"].to_numpy()
    np.testing.assert_array_equal(got, want)


def test_one_odd_day_is_clipped(monkeypatch: pytest.MonkeyPatch) -> None:
    # A flat centre (no monthly cycle) with one unannounced closure on 2023-11-15 (every
    # interval 0). Clipped at E/2, the day removes at most half its expectation from the
    # numerator of M_15, whose smoothed denominator holds about 9 months of 1/2 E (the
    # 15ths) + 1/4 E (14ths and 16ths) + 2 pseudo-days, i.e. 0.5 * 0.5 / (9 + 2) = 2.3%;
    # the zero also lowers the expectation of the next Wednesdays, raising R (and so
    # lowering every M) by up to about 1%: 4% in all. Unclipped it would remove all of it.
    import staffing.forecast.month_day as month_day

    history = history_with_cycle(BASE, cycle=False)
    settings = ForecastSettings(interval_minutes=60)
    before = day_of_month_factors(build_grid(history, 60), settings)
    history.loc[history["interval_start"].dt.date == dt.date(2023, 11, 15), "offered"] = 0.0
    grid = build_grid(history, 60)
    clipped = day_of_month_factors(grid, settings)
    monkeypatch.setattr(month_day, "CLIP", (0.0, np.inf))
    unclipped = day_of_month_factors(grid, settings)
    assert 0.0 < before[15] - clipped[15] < 0.04
    assert before[15] - unclipped[15] > 1.5 * (before[15] - clipped[15])


def test_default_combo_is_the_mean_of_the_two_day_of_month_models() -> None:
    history = history_with_cycle(BASE)
    assert ForecastSettings().combo == ("level_dom", "ewma_dom") and ForecastSettings().model == "combo"

    def calls(model: str) -> np.ndarray:
        return forecast(history, START, "week", ForecastSettings(model=model, interval_minutes=60)).frame["calls"].to_numpy()

    np.testing.assert_allclose(calls("combo"), (calls("level_dom") + calls("ewma_dom")) / 2)
