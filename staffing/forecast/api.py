"""Public entry points: :func:`forecast` and :func:`prepare_history`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.errors import InvalidArgumentError
from staffing.forecast.aht import aht_profile
from staffing.forecast.core import CandidateScore, DayForecast, forecast_days
from staffing.forecast.grid import DayGrid, build_grid, grid_to_series
from staffing.forecast.intervals import Dispersion
from staffing.forecast.settings import ForecastSettings, SpecialDay
from staffing.forecast.special_days import special_days
from staffing.ingest.history import (
    infer_interval_minutes,
    resample_history,
    volume_column,
    with_handle_time,
)

#: Columns of a forecast table, in order (``queue`` is added when there are several queues).
FORECAST_COLUMNS: tuple[str, ...] = ("interval_start", "calls", "lower80", "upper80", "lower95", "upper95", "aht_seconds")


@dataclass(frozen=True)
class QueueForecast:
    """How one queue was forecast."""

    queue: str
    model: str
    dispersion: Dispersion
    candidates: tuple[CandidateScore, ...]


@dataclass(frozen=True)
class ForecastOutput:
    """Result of :func:`forecast`.

    Attributes
    ----------
    frame
        ``interval_start, calls, lower80, upper80, lower95, upper95, aht_seconds`` (+
        ``queue`` when several), one row per interval of the horizon on true instants
        (23/25-hour DST days in a tz-aware history). ``calls`` is the expected number of
        offered calls; bounds are central 80%/95% prediction intervals; ``aht_seconds``
        is NaN when the history has no handle time.
    queues
        Per queue: model used (``auto`` resolved) and interval calibration.
    settings
        The settings used.
    """

    frame: pd.DataFrame
    queues: tuple[QueueForecast, ...]
    settings: ForecastSettings

    @property
    def model(self) -> str:
        """The model of the first queue (the only one, usually)."""
        return self.queues[0].model if self.queues else self.settings.model


def parse_horizon(horizon: int | str) -> int:
    """Days of a horizon: an int, ``day``, ``week`` or ``<N>d`` / ``<N>w``."""
    if isinstance(horizon, int) and not isinstance(horizon, bool):
        if horizon >= 1:
            return horizon
    elif isinstance(horizon, str):
        text = horizon.strip().lower()
        if text == "day":
            return 1
        if text == "week":
            return 7
        m = re.fullmatch(r"(\d+)\s*([dw])", text)
        if m and int(m.group(1)) >= 1:
            return int(m.group(1)) * (7 if m.group(2) == "w" else 1)
    raise InvalidArgumentError("horizon", horizon, "day, week, <N>d or <N>w with N >= 1")


def parse_start(start: str | dt.date | pd.Timestamp) -> pd.Timestamp:
    """A forecast origin as a naive local midnight."""
    try:
        ts = pd.Timestamp(start)
    except (ValueError, TypeError):
        raise InvalidArgumentError("start", start, "a date like 2024-03-04") from None
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    if ts != ts.normalize():
        raise InvalidArgumentError("start", start, "a date (forecasts start at local midnight)")
    return ts


def prepare_history(history: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    """Check the canonical columns and resample to ``interval_minutes`` when finer."""
    for col in ("interval_start", "offered"):
        if col not in history.columns:
            raise InvalidArgumentError("history", list(history.columns), f"a canonical history table with column {col!r}")
    frame = history if "queue" in history.columns else history.assign(queue="default")
    if frame.empty:
        raise InvalidArgumentError("history", "empty table", "at least one interval of history")
    source = infer_interval_minutes(frame["interval_start"])
    if source < interval_minutes:
        frame = resample_history(frame, interval_minutes)
    elif source > interval_minutes or interval_minutes % source:
        raise InvalidArgumentError("interval_minutes", interval_minutes, f"a multiple of the history's {source}-minute interval")
    return frame


def _check_history_before(frame: pd.DataFrame, origin: pd.Timestamp, start: object) -> None:
    """Refuse a start with no history before it in some queue: the models would see an
    empty past and forecast zeros, which look like a real (closed) forecast."""
    for queue, part in frame.groupby("queue", sort=True):
        times = pd.DatetimeIndex(part["interval_start"])
        wall = times.tz_localize(None) if times.tz is not None else times
        first, last = wall.min(), wall.max()
        if first >= origin:
            which = f"queue {queue!r}'s history" if frame["queue"].nunique() > 1 else "the history"
            raise InvalidArgumentError(
                "start", str(start),
                f"a date after the first interval of {which}, which runs from {first} to {last} "
                "(only intervals before the start are used)")


def history_grids(
    frame: pd.DataFrame, interval_minutes: int, excluded: frozenset[dt.date], end: pd.Timestamp | None = None
) -> tuple[DayGrid, DayGrid | None, DayGrid | None]:
    """Calls, handle-time and volume grids of one queue's history (``None`` without AHT)."""
    calls = build_grid(frame, interval_minutes, excluded_dates=excluded, end=end)
    data = with_handle_time(frame)
    if "handle_time_sum_seconds" not in data.columns:
        return calls, None, None
    handle = build_grid(data, interval_minutes, column="handle_time_sum_seconds", excluded_dates=excluded, end=end)
    volume = build_grid(data, interval_minutes, column=volume_column(data), excluded_dates=excluded, end=end)
    return calls, handle, volume


def _years(frame: pd.DataFrame, start: pd.Timestamp, days: int) -> range:
    first = int(pd.DatetimeIndex(frame["interval_start"]).min().year)
    last = int((start + pd.Timedelta(days=days)).year)
    return range(min(first, start.year), last + 1)


def forecast(
    history: pd.DataFrame,
    start: str | dt.date | pd.Timestamp,
    horizon: int | str,
    settings: ForecastSettings | None = None,
) -> ForecastOutput:
    """Forecast interval calls, prediction intervals and AHT for whole days from ``start``.

    Parameters
    ----------
    history
        Canonical history (``interval_start``, ``offered``, optional ``queue``,
        ``answered``, ``aht_seconds``/``handle_time_sum_seconds``) at
        ``settings.interval_minutes`` or finer (it is resampled). Rows at or after
        ``start`` are ignored.
    start
        First forecast day (local midnight; a date).
    horizon
        Days: an int, ``"day"``, ``"week"`` or ``"<N>d"``.
    settings
        :class:`ForecastSettings`; defaults apply when omitted.

    Returns
    -------
    ForecastOutput
        Typed result; ``.frame`` is the forecast table (see :data:`FORECAST_COLUMNS`).

    Raises
    ------
    InvalidArgumentError
        A bad horizon or start, or a start with no history before it in some queue
        (the message gives the history's first and last intervals).

    Notes
    -----
    Models, interval calibration and ``auto`` selection are documented in their modules
    (``staffing.forecast.baselines``, ``level``, ``month_day``, ``topdown``, ``glm``, ``intervals``).
    """
    settings = settings or ForecastSettings()
    origin = parse_start(start)
    days = parse_horizon(horizon)
    frame = prepare_history(history, settings.interval_minutes)
    _check_history_before(frame, origin, start)
    tz = frame["interval_start"].dt.tz if isinstance(frame["interval_start"].dtype, pd.DatetimeTZDtype) else None
    specials = special_days(settings, _years(frame, origin, days))
    tables: list[pd.DataFrame] = []
    outcomes: list[QueueForecast] = []
    queues = sorted(frame["queue"].astype(str).unique())
    for queue in queues:
        part = frame[frame["queue"].astype(str) == queue]
        table, outcome = _forecast_queue(part, origin, days, settings, specials, tz)
        if len(queues) > 1:
            table.insert(1, "queue", queue)
        tables.append(table)
        outcomes.append(QueueForecast(queue, outcome.model, outcome.dispersion, outcome.candidates))
    return ForecastOutput(pd.concat(tables, ignore_index=True), tuple(outcomes), settings)


def _forecast_queue(
    part: pd.DataFrame, origin: pd.Timestamp, days: int, settings: ForecastSettings,
    specials: dict[dt.date, SpecialDay], tz: dt.tzinfo | None,
) -> tuple[pd.DataFrame, DayForecast]:
    excluded = frozenset(specials)
    calls, handle, volume = history_grids(part, settings.interval_minutes, excluded)
    result = forecast_days(calls, origin, days, settings, specials)
    table = forecast_table(result, settings.interval_minutes, tz)
    if handle is not None and volume is not None:
        profile = aht_profile(handle.before(origin), volume.before(origin), settings.aht_weeks)
        aht = profile[np.asarray(result.days.day_of_week)]
        table["aht_seconds"] = grid_to_series(aht, result.days, settings.interval_minutes, tz)["value"].to_numpy()
    return table, result


def forecast_table(result: DayForecast, interval_minutes: int, tz: dt.tzinfo | None) -> pd.DataFrame:
    """The long forecast table of a :class:`DayForecast` (``aht_seconds`` NaN)."""
    base = grid_to_series(result.calls, result.days, interval_minutes, tz).rename(columns={"value": "calls"})
    for name in ("lower80", "upper80", "lower95", "upper95"):
        base[name] = grid_to_series(getattr(result, name), result.days, interval_minutes, tz)["value"].to_numpy()
    base["aht_seconds"] = np.nan
    return base[list(FORECAST_COLUMNS)]
