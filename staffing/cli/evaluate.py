"""``staffing evaluate``: simulate a plan against what happened and attribute every miss."""

from __future__ import annotations

from pathlib import Path

import click

from staffing.cli._app import main
from staffing.cli._common import flag_names
from staffing.errors import InvalidArgumentError
from staffing.io.evaluation import read_call_log, write_evaluation
from staffing.io.history import parse_column_map, read_history_local
from staffing.io.plan import read_plan
from staffing.planning.evaluation import EvaluationSettings, evaluate_plan


@main.command("evaluate")
@click.option("--plan", "plan_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Plan directory written by `staffing plan` (needs forecast.csv and requirements.csv).")
@click.option("--actuals", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="History CSV/Parquet of the week (interval_start, offered, optional answered, abandoned, "
                   "aht_seconds). Without it the plan is simulated against its own forecast.")
@click.option("--columns", "column_map", default=None, metavar="CANON=COL,...",
              help="Column mapping of --actuals, as for `staffing forecast` (e.g. interval_start=timestamp,offered=calls; "
                   "common names such as timestamp, calls, aht_sec are recognised without it).")
@click.option("--calls", "call_log", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Call log with one row per call (column arrival_time): replay the real arrival times "
                   "instead of spreading each interval's count uniformly (needs --actuals for AHT).")
@click.option("--patience-seconds", type=float, default=None,
              help="Mean caller patience (s). Default: estimated from the actuals' abandoned calls.")
@click.option("--replications", type=int, default=30, show_default=True, help="Independent simulation runs.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same result).")
@click.option("--service-time", type=click.Choice(["exponential", "lognormal"]), default="exponential",
              show_default=True, help="Handle-time distribution (mean = the interval's AHT).")
@click.option("--service-cv", type=float, default=1.0, show_default=True,
              help="Coefficient of variation of lognormal handle times.")
@click.option("--answer-seconds", type=float, default=None, help="Answer-time target T (default: the plan's).")
@click.option("--out-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for intervals.csv, days.csv and summary.json.")
def evaluate_command(plan_dir: Path, actuals: Path | None, column_map: str | None, call_log: Path | None, patience_seconds: float | None, replications: int,
                     seed: int, service_time: str, service_cv: float, answer_seconds: float | None,
                     out_dir: Path) -> None:
    """Did the plan hit its target? Where did it miss, and was it the forecast, the
    requirement model or the roster?

    A discrete-event simulation of the whole week (queues carry over between intervals)
    with the rostered agents on the phones, the actual calls and handle times, and caller
    patience. Every missed interval's shortfall is split exactly into margin + model +
    roster + forecast (see README, "Evaluating a plan").

    \b
    Example:
      staffing evaluate --plan out --actuals week_history.csv --replications 30 --out-dir eval
    """
    if replications < 1:
        raise InvalidArgumentError("--replications", replications, ">= 1")
    if patience_seconds is not None and not patience_seconds > 0:
        raise InvalidArgumentError("--patience-seconds", patience_seconds, "> 0 seconds")
    if not service_cv > 0:
        raise InvalidArgumentError("--service-cv", service_cv, "> 0")
    plan = read_plan(plan_dir)
    try:
        mapping = parse_column_map(column_map)
    except ValueError as exc:
        raise InvalidArgumentError("--columns", column_map, str(exc)) from None
    frame = (read_history_local(actuals, column_map=mapping, timezone=plan.meta.timezone)
             if actuals is not None else None)
    settings = EvaluationSettings(replications=replications, seed=seed, service=service_time,  # type: ignore[arg-type]
                                  service_cv=service_cv, patience_seconds=patience_seconds)
    if call_log is not None and frame is None:
        raise InvalidArgumentError("--calls", str(call_log), "together with --actuals (handle times and abandonment)")
    calls = read_call_log(call_log, plan.meta.timezone) if call_log is not None else None
    with flag_names({"actuals": "--actuals", "plan": "--plan", "answer_seconds": "--answer-seconds"}):
        result = evaluate_plan(plan, frame, settings, answer_seconds=answer_seconds, call_times=calls)
    write_evaluation(result, out_dir)
    what = "achieved" if result.achieved_service_level is not None else "simulated (against the forecast)"
    column = "achieved_service_level" if result.achieved_service_level is not None else "simulated_service_level"
    click.echo(f"target {result.target_sl:.0%} within {result.answer_seconds:g} s; patience "
               f"{'none' if result.patience_seconds is None else f'{result.patience_seconds:.0f} s'} "
               f"({result.patience_source}); {result.replications} replications")
    click.echo(f"{'day':<12}{'promised':>10}{what.split()[0]:>10}{'90% band':>16}{'missed':>8}"
               f"{'model':>8}{'roster':>8}{'forecast':>9}")
    for d in result.days.to_dict("records"):
        click.echo(f"{d['date']:%a %d %b}  {d['promised_service_level']:>9.1%}{d[column]:>10.1%}"
                   f"{d['band_low']:>8.1%}-{d['band_high']:<7.1%}{d['missed_intervals']:>7}"
                   f"{d['model_effect']:>+8.1%}{d['roster_effect']:>+8.1%}{d['forecast_effect']:>+9.1%}")
    click.echo(f"wrote {out_dir}/intervals.csv, days.csv, summary.json")
