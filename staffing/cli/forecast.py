"""``staffing forecast`` and ``staffing backtest``: parse options, call the library, write."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pandas as pd
from pydantic import ValidationError

from staffing.cli._app import main
from staffing.errors import InvalidArgumentError
from staffing.forecast import ForecastSettings, backtest, forecast, parse_horizon, parse_models
from staffing.forecast.backtest import ModelScore
from staffing.forecast.settings import MODEL_NAMES
from staffing.ingest.history import find_gaps, resample_history
from staffing.io.history import parse_column_map, read_history
from staffing.io.tables import write_csv
from staffing.tables import infer_interval_minutes


def _history_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--history", "history_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
                     help="Interval history, CSV or Parquet (canonical columns or mapped, see --columns)."),
        click.option("--columns", "column_map", default=None, metavar="CANON=COL,...",
                     help="Column mapping, e.g. interval_start=timestamp,offered=calls (common names are recognised without it)."),
        click.option("--queue", default=None, help="Queue to use (files with a queue column) or to name the file's single queue."),
        click.option("--timezone", default=None, metavar="ZONE", help="IANA zone of naive timestamps, e.g. Europe/London (DST days get 23/25 hours)."),
        click.option("--interval-minutes", type=int, default=30, show_default=True, help="Planning interval; finer history is summed up to it."),
        click.option("--split-intervals", is_flag=True,
                     help="Allow a planning interval that is not a multiple of the history's (6 -> 15 min) by splitting straddling intervals proportionally."),
        click.option("--holiday-country", default=None, metavar="CODE", help="Exclude and factor this country's public holidays (holidays package code: IL, GB, US...)."),
        click.option("--holiday-date", "holiday_dates", multiple=True, type=click.DateTime(["%Y-%m-%d"]), help="Extra holiday date (repeatable)."),
        click.option("--holiday-factor", type=float, default=1.0, show_default=True, help="Forecast multiplier of holidays."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _settings(**values: Any) -> ForecastSettings:
    try:
        return ForecastSettings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "--" + str(first["loc"][0]).replace("_", "-") if first["loc"] else "settings"
        raise InvalidArgumentError(name, first.get("input"), first["msg"]) from None


def _load(history_path: Path, column_map: str | None, queue: str | None, timezone: str | None, interval_minutes: int, split: bool) -> pd.DataFrame:
    try:
        mapping = parse_column_map(column_map)
    except ValueError as exc:
        raise InvalidArgumentError("--columns", column_map, str(exc)) from None
    frame = read_history(history_path, column_map=mapping, queue=queue, timezone=timezone)
    source = infer_interval_minutes(frame["interval_start"])
    if source < interval_minutes:
        frame = resample_history(frame, interval_minutes, split=split)
    gaps = find_gaps(frame, interval_minutes)
    if gaps:
        missing = sum(g.missing_intervals for g in gaps)
        click.echo(f"note: {len(gaps)} gap(s), {missing} interval(s) without rows (treated as closed hours or missing days)", err=True)
    return frame


def _common(holiday_country: str | None, holiday_dates: tuple[dt.datetime, ...], holiday_factor: float, interval_minutes: int) -> dict[str, Any]:
    return {
        "interval_minutes": interval_minutes,
        "holiday_country": holiday_country,
        "holiday_dates": tuple(d.date() for d in holiday_dates),
        "holiday_factor": holiday_factor,
    }


@main.command("forecast")
@_history_options
@click.option("--start", required=True, help="First forecast day (YYYY-MM-DD, local midnight).")
@click.option("--horizon", default="week", show_default=True, help="day, week, or Nd / Nw.")
@click.option("--model", type=click.Choice([*MODEL_NAMES, "auto"]), default="combo", show_default=True,
              help="Point model; auto picks by rolling-origin backtest on history before --start.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Forecast CSV: interval_start, calls, lower80, upper80, lower95, upper95, aht_seconds.")
@click.option("--store-version", "store_version", is_flag=True,
              help="Also keep the forecast as an immutable draft version in the store.")
@click.option("--publish", is_flag=True, help="Store the version and publish it (implies --store-version).")
@click.option("--store", "store_url", default=None, metavar="URL",
              help="Store URL (default: $STAFFING_STORE_URL, else sqlite:///forecasts/staffing.db).")
def forecast_command(history_path: Path, column_map: str | None, queue: str | None, timezone: str | None, interval_minutes: int,
                     split_intervals: bool, holiday_country: str | None, holiday_dates: tuple[dt.datetime, ...], holiday_factor: float,
                     start: str, horizon: str, model: str, out_path: Path, store_version: bool, publish: bool,
                     store_url: str | None) -> None:
    """Forecast interval calls with 80%/95% prediction intervals and AHT.

    \b
    Example:
      staffing forecast --history calls.csv --start 2024-03-04 --horizon week \\
        --interval-minutes 30 --model auto --out forecast.csv
    """
    days = parse_horizon(horizon)
    settings = _settings(model=model, **_common(holiday_country, holiday_dates, holiday_factor, interval_minutes))
    frame = _load(history_path, column_map, queue, timezone, interval_minutes, split_intervals)
    result = forecast(frame, start, days, settings)
    write_csv(result.frame, out_path)
    if store_version or publish:
        _store_versions(result.frame, frame, settings, publish, store_url)
    for q in result.queues:
        chosen = f" (auto: {', '.join(f'{c.model} {c.wape:.1%}' for c in q.candidates)})" if q.candidates else ""
        click.echo(f"queue {q.queue}: model {q.model}{chosen}", err=True)
    _print_daily(result.frame)
    click.echo(f"wrote {len(result.frame)} intervals to {out_path}", err=True)


def _store_versions(table: pd.DataFrame, history: pd.DataFrame, settings: ForecastSettings, publish: bool,
                    store_url: str | None) -> None:
    """Keep each queue's forecast as a version (data cutoff rule: :mod:`staffing.store.recording`)."""
    from staffing.errors import StaffingError
    from staffing.store import Store, default_store_url, record_forecast

    store = Store.open(store_url or default_store_url())
    run = store.start_run("forecast")
    history_end = pd.Timestamp(history["interval_start"].max()) + pd.Timedelta(minutes=settings.interval_minutes)
    queue = str(history["queue"].iloc[0]) if "queue" in history.columns else "default"
    try:
        recorded = record_forecast(store, table, history_end=history_end, interval_minutes=settings.interval_minutes,
                                   model_name=settings.model, model_params=settings.model_dump(mode="json"),
                                   publish=publish, queue=queue, run_id=run.run_id)
    except StaffingError as exc:
        store.finish_run(run.run_id, "failed", error=str(exc))
        raise
    for r in recorded.versions:
        click.echo(f"queue {r.queue}: stored version {r.version.version_id}{' (published)' if recorded.published else ' (draft)'}", err=True)
    if recorded.draft_reason is not None:
        click.echo(f"note: not published: {recorded.draft_reason} (a past week is never put in force)", err=True)
    store.finish_run(run.run_id, "ok")


def _print_daily(frame: pd.DataFrame) -> None:
    times = pd.DatetimeIndex(frame["interval_start"])
    wall = times.tz_localize(None) if times.tz is not None else times
    daily = frame.assign(day=wall.date).groupby("day")[["calls", "lower80", "upper80"]].sum()
    rows = [[str(day), f"{r.calls:,.0f}", f"{r.lower80:,.0f}", f"{r.upper80:,.0f}"] for day, r in zip(daily.index, daily.itertuples(), strict=True)]
    _table("Forecast by day (interval bounds summed, not a daily interval)", ["day", "calls", "sum lower80", "sum upper80"], rows)


def _table(title: str, header: list[str], rows: list[list[str]]) -> None:
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for h in header:
            table.add_column(h, justify="left" if h in ("day", "model") else "right")
        for r in rows:
            table.add_row(*r)
        Console().print(table)
        return
    click.echo(title)
    click.echo("| " + " | ".join(header) + " |")
    click.echo("|" + "---|" * len(header))
    for r in rows:
        click.echo("| " + " | ".join(r) + " |")


@main.command("backtest")
@_history_options
@click.option("--test-start", required=True, help="First day scored (YYYY-MM-DD).")
@click.option("--test-end", default=None, help="Last day scored (default: last day of history).")
@click.option("--horizon", default="day", show_default=True, help="day (one origin per day) or week (one per week); Nd also works.")
@click.option("--models", default="all", show_default=True, help=f"all or a comma list of: {', '.join((*MODEL_NAMES, 'auto'))}.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Per-interval CSV: model, origin, interval_start, actual, forecast, lower80, upper80.")
def backtest_command(history_path: Path, column_map: str | None, queue: str | None, timezone: str | None, interval_minutes: int,
                     split_intervals: bool, holiday_country: str | None, holiday_dates: tuple[dt.datetime, ...], holiday_factor: float,
                     test_start: str, test_end: str | None, horizon: str, models: str, out_path: Path) -> None:
    """Rolling-origin backtest: each model refitted on data before each origin only.

    Prints per model: WAPE = sum|a-f|/sum a, MASE against same-interval-last-week,
    bias = (sum f - sum a)/sum a (shown as a percentage), share of actuals inside the 80% interval, and
    seconds per fit (model, interval calibration and, for auto, selection).

    \b
    Example:
      staffing backtest --history calls.csv --test-start 2024-02-01 --horizon day \\
        --models seasonal_naive,average4,combo --out backtest.csv
    """
    days = parse_horizon(horizon)
    names = parse_models(models)
    settings = _settings(**_common(holiday_country, holiday_dates, holiday_factor, interval_minutes))
    frame = _load(history_path, column_map, queue, timezone, interval_minutes, split_intervals)
    result = backtest(frame, test_start, test_end, days, names, settings, queue=queue)
    write_csv(result.rows, out_path)
    _table(f"Backtest {test_start}..{test_end or 'end'}, horizon {days} day(s)",
           ["model", "WAPE", "MASE", "bias %", "80% cover", "s/fit", "origins"],
           [_score_row(s) for s in result.scores])
    click.echo(f"wrote {len(result.rows)} scored intervals to {out_path}", err=True)


def _score_row(s: ModelScore) -> list[str]:
    return [s.model, f"{s.wape:.1%}", f"{s.mase:.3f}", f"{s.bias:+.1%}", f"{s.coverage80:.1%}", f"{s.seconds_per_fit:.3f}", str(s.origins)]
