"""``staffing plan``: history -> forecast -> requirements -> roster -> plan directory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import pandas as pd

from staffing.cli._app import main
from staffing.cli._common import flag_names, open_store, parse_week_start, progress_reporter
from staffing.errors import InvalidArgumentError, StaffingError
from staffing.io.config import load_config, read_config_history
from staffing.io.evaluation import write_evaluation
from staffing.io.plan import write_plan
from staffing.io.roster import read_agents, read_roster
from staffing.planning.evaluation import Evaluation, simulate_plan
from staffing.planning.model import Plan
from staffing.planning.record import record_plan
from staffing.planning.week import run_plan, understaffed_stretches
from staffing.roster.summary import capacity_lines


def _provenance(plan: Plan, run_id: str, version_ids: list[int], config_path: Path) -> Plan:
    """The plan with this run's id, the stored forecast versions and the config path."""
    meta = plan.meta.model_copy(update={"plan_id": run_id, "forecast_version_ids": version_ids,
                                        "config": str(config_path)})
    return replace(plan, meta=meta)


def _fmt_pct(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.1%}"


def _fmt_seconds(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.0f}"


def _stretch(row: Mapping[Hashable, Any]) -> str:
    sl = "" if pd.isna(row["service_level"]) else f", SL {float(row['service_level']):.0%}"
    return f"{row['start']:%a %H:%M}-{row['end']:%H:%M} ({float(row['max_short_agents']):g} short{sl})"


def print_summary(result: Plan, out_dir: Path, evaluation: Evaluation | None = None) -> None:
    """The final summary: per day volume, hours, projected service; peak misses."""
    r = result.roster_result
    days = result.days
    assert r is not None and days is not None and result.peak_misses is not None  # a plan made in this process
    click.echo(f"plan for the week of {result.week_start:%a %d %b %Y} -> {out_dir}")
    click.echo(f"forecast: {result.total_calls:,.0f} calls (model {result.meta.forecast_model})")
    click.echo(
        f"roster: {r.status.value}, {len(r.roster)} shifts, required {days['required_agent_hours'].sum():,.1f} "
        f"agent-h, scheduled {days['scheduled_agent_hours'].sum():,.1f} agent-h, under {r.under_agent_hours:,.1f} "
        f"(peak {r.under_peak_agent_hours:,.1f}), over {r.over_agent_hours:,.1f}; gap {r.gap:.1%} "
        f"vs bound {r.lower_bound:,.2f} ({r.solve_seconds:.0f} s)"
    )
    for line in capacity_lines(r):
        click.echo(line)
    simulated = "simulated_service_level" in days.columns
    header = (f"{'day':<12}{'calls':>8}{'required h':>12}{'scheduled h':>13}{'under h':>9}{'peak under h':>14}"
              f"{'SL':>8}{'ASA s':>7}{'overloaded':>12}" + (f"{'simulated SL':>14}" if simulated else ""))
    click.echo(header)
    click.echo("  (SL: Erlang projection of the rostered head count; overloaded: intervals with agents on the "
               "phones <= offered load" + ("; simulated: discrete-event simulation of the week" if simulated else "")
               + ")")
    for row in days.to_dict("records"):
        click.echo(
            f"{row['date']:%a %d %b}  {row['calls']:>8,.0f}{row['required_agent_hours']:>12,.1f}"
            f"{row['scheduled_agent_hours']:>13,.1f}{row['under_agent_hours']:>9,.1f}"
            f"{row['peak_under_agent_hours']:>14,.1f}{_fmt_pct(float(row['service_level'])):>8}"
            f"{_fmt_seconds(float(row['asa_seconds'])):>7}{int(row['overloaded_intervals']):>12}"
            + (f"{_fmt_pct(float(row['simulated_service_level'])):>14}" if simulated else "")
        )
    stretches = understaffed_stretches(result)
    if len(stretches):
        total = float(stretches["short_agent_hours"].sum())
        listed = "; ".join(_stretch(row) for row in stretches.head(8).to_dict("records"))
        more = f"; ... and {len(stretches) - 8} more (all in {out_dir / 'coverage.csv'})" if len(stretches) > 8 else ""
        click.echo(f"under-staffed stretches: {len(stretches)} ({total:,.1f} agent-h short); worst: {listed}{more}")
    else:
        click.echo("under-staffed stretches: none")
    misses = result.peak_misses
    click.echo(f"under-staffed peak intervals: {len(misses) if len(misses) else 'none'}")
    if evaluation is not None:
        why = {"assumed": "assumed: the plan's queues give no patience and no abandonment was observed",
               "plan": "the queue's patience_seconds", "given": "given", "estimated": "estimated"}
        click.echo(f"simulation: {evaluation.replications} replications; caller patience "
                   f"{evaluation.patience_seconds:.0f} s ({why.get(evaluation.patience_source, evaluation.patience_source)})")
    for bent in r.bent_rules:
        click.echo(f"rule bent: {bent.rule} for {bent.agent_id} by {bent.amount:g} {bent.unit} ({bent.detail})")


@main.command("plan")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Site config YAML (see configs/example.yaml).")
@click.option("--week-start", default=None,
              help="First day of the week to plan, YYYY-MM-DD. Default: the first whole week after the history ends.")
@click.option("--out-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Plan directory to write (roster.csv, coverage.csv, forecast.csv, requirements.csv, plan.json, ...).")
@click.option("--time-limit", type=float, default=None, help="Roster wall-clock budget in seconds (default: config plan.time_limit_seconds).")
@click.option("--previous-roster", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Last week's roster.csv, so rest and consecutive-day rules carry across the week start.")
@click.option("--store", "store_url", default=None, metavar="URL",
              help="Store URL (default: config store.url, else $STAFFING_STORE_URL, else sqlite:///forecasts/staffing.db).")
@click.option("--no-store", is_flag=True, help="Do not import history or record the plan in the store.")
@click.option("--quiet", is_flag=True, help="No progress messages.")
def plan_command(config_path: Path, week_start: str | None, out_dir: Path, time_limit: float | None,
                 previous_roster: Path | None, store_url: str | None, no_store: bool, quiet: bool) -> None:
    """Plan a week in one command: ingest history, forecast, size, roster, write the plan.

    Imports the history into the store (idempotent), forecasts the week, turns it into
    required agents per interval with each queue's service targets, builds the roster
    and projects the service level it gives per day. The forecast version used is
    stored (and published, unless plan.publish_forecast is false) and the plan is
    recorded, so `staffing accuracy` later judges the forecast that was actually used.

    \b
    Example:
      staffing plan --config configs/example.yaml --out-dir out
    """
    if time_limit is not None and time_limit <= 0:
        raise InvalidArgumentError("--time-limit", time_limit, "> 0 seconds")
    start = parse_week_start(week_start)
    config = load_config(config_path)
    history = read_config_history(config)
    agents = read_agents(config.agents)
    previous = read_roster(previous_roster) if previous_roster else None
    store = None if no_store else open_store(config, store_url)
    run_id = f"plan-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{id(config) % 10_000:04d}"
    if store is not None:
        run_id = store.start_run("plan").run_id
    try:
        with progress_reporter(quiet) as say:
            if store is not None:
                imported = store.import_history(history, source=str(config.history.path), run_id=run_id)
                say(f"history: {imported.inserted} new interval(s), {imported.unchanged} already stored")
            with flag_names({"previous_roster": "--previous-roster"}):
                result = run_plan(config, history, agents, week_start=start, previous_roster=previous,
                                  time_limit_seconds=time_limit, progress=say)
            version_ids = record_plan(store, config, history, result, run_id, out_dir) if store is not None else []
            result = _provenance(result, run_id, version_ids, config_path)
            evaluation = None
            if config.plan.simulation_replications > 0:
                say(f"simulating the rostered week ({config.plan.simulation_replications} replications)")
                result, evaluation = simulate_plan(result, config.plan.simulation_replications)
                write_evaluation(evaluation, out_dir / "simulation")
            write_plan(result, out_dir)
    except StaffingError as exc:
        if store is not None:
            store.finish_run(run_id, "failed", error=str(exc))
        raise
    if store is not None:
        store.finish_run(run_id, "ok", summary={"week_start": result.week_start.isoformat(), "out_dir": str(out_dir)})
    print_summary(result, out_dir, evaluation)
