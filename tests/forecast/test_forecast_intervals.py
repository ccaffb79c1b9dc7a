"""Prediction intervals: NB quantiles, calibration on earlier errors, honest coverage."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from staffing.forecast import ForecastSettings, backtest
from staffing.forecast.intervals import calibrate, calibrate_alpha, coverage, nb_bounds
from staffing.ingest.synthetic import SyntheticSettings, synthetic_history


def test_nb_bounds_match_scipy_and_zero_mean_is_closed() -> None:
    mu = np.array([0.0, 4.0, 50.0])
    lo, hi = nb_bounds(mu, 0.1, 0.8)
    n = 10.0  # 1 / alpha
    assert lo[0] == hi[0] == 0.0
    assert lo[2] == stats.nbinom.ppf(0.1, n, n / (n + 50.0)) and hi[2] == stats.nbinom.ppf(0.9, n, n / (n + 50.0))
    plo, phi = nb_bounds(mu, 0.0, 0.95)
    assert plo[1] == stats.poisson.ppf(0.025, 4.0)
    assert phi[1] == stats.poisson.ppf(0.975, 4.0)


def test_calibration_recovers_the_coverage() -> None:
    # Actuals drawn from NB with alpha 0.05 around known means: the calibrated 80% interval
    # must cover 80% of the calibration sample and, on a fresh sample, 80% within
    # 3 binomial standard deviations sqrt(0.8 * 0.2 / 4000) = 0.6%, i.e. +-2%.
    rng = np.random.default_rng(0)
    mu = rng.uniform(2, 80, 4000)
    n = 1 / 0.05
    draw = lambda: rng.negative_binomial(n, n / (n + mu)).astype(float)  # noqa: E731
    alpha = calibrate_alpha(draw(), mu, 0.80)
    assert coverage(draw(), mu, alpha, 0.80) == pytest.approx(0.80, abs=0.02)
    disp = calibrate(draw(), mu)
    assert disp.alpha95 >= 0 and disp.n_points == 4000


def test_backtest_coverage_is_honest_on_overdispersed_synthetic_data() -> None:
    # Daily Gamma level effects (CV 10%) make counts overdispersed; intervals calibrated
    # on earlier weeks must cover about 80% of later actuals. 28 days x 14 open hours = 392
    # points: binomial sd 2%, so 3 sd plus calibration noise gives the 0.70-0.90 band.
    s = SyntheticSettings(start=dt.date(2024, 1, 1), days=18 * 7, interval_minutes=60, daily_calls=1500.0,
                          open_time=dt.time(8, 0), close_time=dt.time(22, 0), day_cv=0.1, seed=4)
    history = synthetic_history(s)
    result = backtest(history, "2024-04-08", "2024-05-05", 7, ("average8",), ForecastSettings(interval_minutes=60))
    assert 0.70 <= result.scores[0].coverage80 <= 0.90


def test_fast_coverage_equals_quantile_reference() -> None:
    # The CDF shortcut must agree exactly with counting actuals between NB quantiles,
    # including fractional actuals (interpolated counts occur in real exports).
    rng = np.random.default_rng(1)
    mu = rng.uniform(0.05, 60, 3000)
    actual = rng.poisson(mu * rng.gamma(5, 0.2, 3000)).astype(float)
    actual[:50] += 0.4
    for alpha in (0.0, 0.01, 0.1, 0.5):
        for level in (0.8, 0.95):
            lo, hi = nb_bounds(mu, alpha, level)
            assert coverage(actual, mu, alpha, level) == np.mean((actual >= lo) & (actual <= hi))


def test_pure_poisson_data_does_not_over_cover() -> None:
    # Integer Poisson bounds at the nominal 80% level cover more than 80% of Poisson
    # draws; calibration must lower the level so a fresh sample is covered 80% +- 2%
    # (3 binomial sd of 4000 points is 1.9%).
    rng = np.random.default_rng(5)
    mu = rng.uniform(5, 40, 4000)
    assert coverage(rng.poisson(mu).astype(float), mu, 0.0, 0.80) > 0.82
    disp = calibrate(rng.poisson(mu).astype(float), mu)
    assert disp.alpha80 == 0.0 and disp.level80 < 0.80
    assert coverage(rng.poisson(mu).astype(float), mu, 0.0, disp.level80) == pytest.approx(0.80, abs=0.02)
