"""Rolling-origin backtest: each origin's forecast is fitted on history before it only.

One origin per day for a one-day horizon, one per week for longer horizons; each
origin forecasts ``horizon_days`` whole days (cut at the test end). Days without data
are not scored. The fit at an origin receives ``grid.before(origin)``, so data at or
after the origin cannot leak into it (Tashman 2000, "Out-of-sample tests of forecasting
accuracy", IJF 16).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.errors import InvalidArgumentError
from staffing.forecast.api import (
    _years,
    forecast_table,
    history_grids,
    parse_start,
    prepare_history,
)
from staffing.forecast.core import forecast_days
from staffing.forecast.grid import DayGrid, slot_positions
from staffing.forecast.metrics import bias, interval_coverage, mase, wape
from staffing.forecast.settings import MODEL_NAMES, ForecastSettings
from staffing.forecast.special_days import special_days

#: Columns of the per-interval backtest table.
BACKTEST_COLUMNS: tuple[str, ...] = ("model", "origin", "interval_start", "actual", "forecast", "lower80", "upper80")


@dataclass(frozen=True)
class ModelScore:
    """Pooled accuracy of one model over every scored interval (see ``metrics``)."""

    model: str
    wape: float
    mase: float
    bias: float
    coverage80: float
    seconds_per_fit: float
    origins: int
    intervals: int


@dataclass(frozen=True)
class BacktestResult:
    """Per-interval rows (:data:`BACKTEST_COLUMNS`) and one :class:`ModelScore` per model."""

    rows: pd.DataFrame
    scores: tuple[ModelScore, ...]

    def scores_frame(self) -> pd.DataFrame:
        """The scores as a table, one row per model."""
        return pd.DataFrame([s.__dict__ for s in self.scores])


def parse_models(spec: str | None) -> tuple[str, ...]:
    """``all`` (every model but ``auto``) or a comma list of model names."""
    if spec is None or spec.strip().lower() == "all":
        return MODEL_NAMES
    names = tuple(n.strip() for n in spec.split(",") if n.strip())
    bad = [n for n in names if n not in (*MODEL_NAMES, "auto")]
    if bad or not names:
        raise InvalidArgumentError("models", spec, f"'all' or a comma list of {', '.join((*MODEL_NAMES, 'auto'))}")
    return names


def backtest(
    history: pd.DataFrame,
    test_start: str | dt.date | pd.Timestamp,
    test_end: str | dt.date | pd.Timestamp | None,
    horizon_days: int,
    models: tuple[str, ...],
    settings: ForecastSettings | None = None,
    *,
    queue: str | None = None,
    score_special_days: bool = True,
) -> BacktestResult:
    """Score ``models`` by rolling origin over ``[test_start, test_end]`` (inclusive days;
    default: the last day of history) on one queue (``queue`` or the only one).

    With ``score_special_days=False`` holidays and special days are still forecast but
    left out of the rows and scores (accuracy on ordinary days only)."""
    settings = settings or ForecastSettings()
    frame = prepare_history(history, settings.interval_minutes)
    queues = sorted(frame["queue"].astype(str).unique())
    if queue is None and len(queues) > 1:
        raise InvalidArgumentError("queue", None, f"one of {', '.join(queues)} (the history has several queues)")
    frame = frame[frame["queue"].astype(str) == (queue or queues[0])]
    first = parse_start(test_start)
    times = pd.DatetimeIndex(frame["interval_start"])
    wall = times.tz_localize(None) if times.tz is not None else times
    last = parse_start(test_end) if test_end is not None else wall.max().normalize()
    if last < first:
        raise InvalidArgumentError("test_end", test_end, f"on or after test_start {first.date()}")
    tz = times.tz
    specials = special_days(settings, _years(frame, first, (last - first).days + 1))
    calls, _, _ = history_grids(frame, settings.interval_minutes, frozenset(specials), end=last + pd.Timedelta(days=1))
    step = 1 if horizon_days == 1 else 7
    origins = pd.date_range(first, last, freq=f"{step}D")
    actual_by_time = pd.Series(frame["offered"].to_numpy(dtype=float), index=times).groupby(level=0).sum()
    rows: list[pd.DataFrame] = []
    scores: list[ModelScore] = []
    for model in models:
        model_settings = replace_model(settings, model)
        seconds = 0.0
        model_rows: list[pd.DataFrame] = []
        for origin in origins:
            span = int(min(horizon_days, (last - origin).days + 1))
            t0 = time.perf_counter()
            result = forecast_days(calls, origin, span, model_settings, specials)
            seconds += time.perf_counter() - t0
            table = forecast_table(result, settings.interval_minutes, tz)
            pos, _ = slot_positions(pd.DatetimeIndex(table["interval_start"]), calls.dates, settings.interval_minutes)
            observed = calls.observed[pos] if score_special_days else calls.usable[pos]
            table = table[observed]
            model_rows.append(pd.DataFrame({
                "model": model,
                "origin": origin,
                "interval_start": table["interval_start"].to_numpy(),
                "actual": actual_by_time.reindex(pd.DatetimeIndex(table["interval_start"])).fillna(0.0).to_numpy(),
                "forecast": table["calls"].to_numpy(),
                "lower80": table["lower80"].to_numpy(),
                "upper80": table["upper80"].to_numpy(),
            }))
        part = pd.concat(model_rows, ignore_index=True)
        rows.append(part)
        scores.append(_score(model, part, calls, settings.interval_minutes, seconds, len(origins)))
    return BacktestResult(pd.concat(rows, ignore_index=True)[list(BACKTEST_COLUMNS)], tuple(scores))


def replace_model(settings: ForecastSettings, model: str) -> ForecastSettings:
    """``settings`` with another ``model`` (validated)."""
    return ForecastSettings.model_validate({**settings.model_dump(), "model": model})


def _score(model: str, part: pd.DataFrame, calls: DayGrid, interval_minutes: int, seconds: float, n_origins: int) -> ModelScore:

    a = part["actual"].to_numpy(dtype=float)
    f = part["forecast"].to_numpy(dtype=float)
    rows, slots = slot_positions(pd.DatetimeIndex(part["interval_start"]), calls.dates, interval_minutes)
    lag = rows - 7
    naive = np.full(a.size, np.nan)
    ok = lag >= 0
    naive[ok] = calls.values[lag[ok], slots[ok]]
    # Closed intervals (nothing forecast, nothing arrived) are trivially "covered"; leaving
    # them in would overstate coverage by the share of closed hours.
    open_ = (f > 0) | (a > 0)
    return ModelScore(
        model=model,
        wape=wape(a, f),
        mase=mase(a, f, naive),
        bias=bias(a, f),
        coverage80=interval_coverage(a[open_], part["lower80"].to_numpy(dtype=float)[open_], part["upper80"].to_numpy(dtype=float)[open_]),
        seconds_per_fit=seconds / max(n_origins, 1),
        origins=n_origins,
        intervals=int(a.size),
    )


__all__ = ["BACKTEST_COLUMNS", "BacktestResult", "ModelScore", "backtest", "parse_models"]
