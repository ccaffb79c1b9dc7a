"""``staffing whatif``: sweep service targets and forecast changes, chart cost vs service level."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import click
import pandas as pd
from pydantic import ValidationError

from staffing.cli._app import main
from staffing.cli._common import flag_names
from staffing.errors import InvalidArgumentError
from staffing.executors import executor_options, open_executor
from staffing.queueing.requirements import ServiceTargets
from staffing.tables import infer_table_interval_minutes
from staffing.whatif import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_FTE_HOURS_PER_WEEK,
    GRID_AXES,
    ScenarioGrid,
    run_sweep,
)

if TYPE_CHECKING:
    from staffing.whatif.site import PlanRoster, SiteRoster

#: Below this many scenario x interval rows a staffing-only sweep runs in this process.
_POOL_MIN_ROWS: Final = 1_000_000

_OPTION_NAMES = {
    "target_sl": "--target-sl",
    "answer_seconds": "--answer-seconds",
    "max_asa_seconds": "--max-asa-seconds",
    "max_occupancy": "--max-occupancy",
    "max_abandon": "--max-abandon",
    "shrinkage": "--shrinkage",
    "model": "--model",
    "patience_seconds": "--patience-seconds",
    "fractional": "--fractional",
}

#: The library's argument names as this command's flags (errors are re-raised under these).
_SWEEP_FLAGS: Final = {
    "grid": "--grid",
    "interval_minutes": "--interval-minutes",
    "batch_size": "--batch-size",
    "fte_hours_per_week": "--fte-hours",
}


def _base_targets(values: dict[str, Any]) -> ServiceTargets:
    for name in ("target_sl", "answer_seconds"):
        if values[name] is None:
            raise InvalidArgumentError(_OPTION_NAMES[name], None, "a value (e.g. --target-sl 0.8 --answer-seconds 20)")
    try:
        return ServiceTargets(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "targets"
        raise InvalidArgumentError(
            _OPTION_NAMES.get(name, name), values.get(name), first["msg"].removeprefix("Value error, ")
        ) from None


def _from_config(config_path: Path, week_start: str | None, store_url: str | None, with_roster: bool,
                 roster_time_limit: float | None
                 ) -> tuple[pd.DataFrame, str, dict[str, dict[str, Any]], SiteRoster | None, float]:
    """Baseline, source, base targets per queue, roster evaluator and interval length from a site config."""
    from staffing.cli._common import open_store, parse_week_start
    from staffing.errors import NoStoreError
    from staffing.io.config import load_config, read_config_history
    from staffing.io.roster import read_agents
    from staffing.planning.week import default_week_start
    from staffing.store import Store
    from staffing.whatif.site import SiteRoster, week_baseline

    config = load_config(config_path)
    history = read_config_history(config)
    week = parse_week_start(week_start) or default_week_start(history, config)
    try:
        store: Store | None = open_store(config, store_url, read_only=True)
    except NoStoreError:
        # No store yet: nothing was ever published, so the baseline is a fresh forecast
        # (week_baseline says so in its source line) and none is created just to read it.
        store = None
    baseline = week_baseline(config, week, store, history)
    roster = None
    if with_roster:
        limit = roster_time_limit if roster_time_limit is not None else config.plan.time_limit_seconds
        if limit <= 0:
            raise InvalidArgumentError("--roster-time-limit", limit, "> 0 seconds")
        roster = SiteRoster(tuple(read_agents(config.agents)), config.roster, week, limit, config.plan.solver,
                            config.interval_minutes)
    targets = {q.name: q.targets.model_dump() for q in config.queues}
    return baseline.frame, baseline.source, targets, roster, float(config.interval_minutes)


def _from_plan(plan_dir: Path, with_roster: bool
               ) -> tuple[pd.DataFrame, str, dict[str, dict[str, Any]], PlanRoster | None, float]:
    """Baseline, source, targets per queue, the plan's fixed roster and interval length from a plan."""
    from staffing.io.plan import read_plan
    from staffing.whatif.site import PlanRoster

    plan = read_plan(plan_dir)
    if plan.forecast is None:
        raise InvalidArgumentError("--plan", str(plan_dir), "a plan directory with forecast.csv (from staffing plan)")
    frame = plan.forecast
    queues = plan.meta.queue_targets or {"default": plan.meta.targets}
    if "queue" not in frame.columns:
        frame = frame.assign(queue=next(iter(queues)))
    targets = {name: t.model_dump() for name, t in queues.items()}
    roster = PlanRoster.of(plan) if with_roster else None
    return frame, f"forecast of the plan in {plan_dir}", targets, roster, float(plan.meta.interval_minutes)


def _baseline(forecast: Path | None) -> tuple[pd.DataFrame, str]:
    """The baseline forecast and where it came from (``--config`` will add the store)."""
    from staffing.io.requirements import read_forecast as read_baseline_forecast

    if forecast is None:
        raise InvalidArgumentError("--forecast", None, "a forecast CSV or Parquet file")
    return read_baseline_forecast(forecast), str(forecast)


@main.command("whatif")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Site config: the baseline is the forecast published for --week-start in its store (else "
                   "forecast from its history); each queue keeps its configured targets (target options given here "
                   "override them in every queue); --roster uses its agents and rules.")
@click.option("--week-start", default=None,
              help="With --config: the week, YYYY-MM-DD (default: the first whole week after the history ends).")
@click.option("--roster", "with_roster", is_flag=True,
              help="With --config: roster every scenario (slow: one optimisation per scenario) and report the "
                   "rostered coverage, projected SL and under-staffing.")
@click.option("--roster-time-limit", type=float, default=None,
              help="Roster budget per scenario in seconds (default: config plan.time_limit_seconds).")
@click.option("--store", "store_url", default=None, metavar="URL", help="With --config: store URL overriding the config's.")
@click.option("--plan", "plan_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A plan directory (staffing plan --out-dir): the baseline is its forecast with each queue's "
                   "targets and its interval length; --roster keeps its roster fixed and reports the service it "
                   "gives in every scenario.")
@click.option("--forecast", type=click.Path(dir_okay=False, path_type=Path),
              help="Baseline forecast CSV/Parquet: interval_start, calls, aht_seconds (+ queue). Never modified.")
@click.option("--interval-minutes", type=float, default=None,
              help="Interval length in minutes (default: inferred from the timestamps).")
@click.option("--target-sl", type=float, help="Base service-level target, a fraction (0.8 = 80%).")
@click.option("--answer-seconds", type=float, help="Base answer-time target T in seconds (80% within T s).")
@click.option("--max-asa-seconds", type=float, default=None, help="Base cap on average speed of answer (s).")
@click.option("--max-occupancy", type=float, default=None, help="Base cap on agent occupancy (0.85).")
@click.option("--max-abandon", type=float, default=None, help="Base cap on the abandonment fraction (Erlang A).")
@click.option("--shrinkage", type=float, default=None,
              help="Base shrinkage fraction (default 0); agents = ceil(net / (1 - shrinkage)).")
@click.option("--model", type=click.Choice(["erlang-c", "erlang-a"]), default=None,
              help="Base queueing model (default erlang-c).")
@click.option("--patience-seconds", type=float, default=None, help="Mean caller patience (s), for Erlang A.")
@click.option("--fractional", is_flag=True, help="Continuous (fractional) agent requirements.")
@click.option("--grid", "grid_specs", multiple=True, metavar="NAME=V1,V2,...",
              help=f"A scenario axis (repeat for more; the product of all axes is swept). NAME is one of "
                   f"{', '.join(GRID_AXES)}. Values: comma lists or start:stop:step; volume/aht take "
                   f"multipliers (1.1) or percentages (+10%); aht also added seconds (+20s); "
                   f"model takes erlang-c,erlang-a.")
@click.option("--fte-hours", type=float, default=DEFAULT_FTE_HOURS_PER_WEEK, show_default=True,
              help="Paid hours per week of one FTE (FTE = weekly agent-hours / this).")
@click.option("--workers", type=int, default=None,
              help="Local worker processes (default: one per CPU for sweeps of 1,000,000+ scenario x interval "
                   "rows or with --roster; smaller sweeps run in this process). Use --serial for none.")
@click.option("--serial", is_flag=True, help="Run in this process (no worker pool).")
@click.option("--scheduler", default=None, envvar="STAFFING_SCHEDULER", metavar="tcp://HOST:PORT",
              help='Run on a Dask distributed cluster (needs pip install "staffing[dask]"). '
                   "Env: STAFFING_SCHEDULER.")
@click.option("--batch-size", type=click.IntRange(min=1), default=DEFAULT_BATCH_SIZE, show_default=True,
              help="Scenario x interval rows evaluated per task.")
@click.option("--intervals-format", type=click.Choice(["auto", "csv", "parquet", "both"]), default="auto",
              show_default=True,
              help="File format of the scenario x queue x interval table; auto: CSV up to 100,000 rows, "
                   "Parquet above (a 1,000-scenario queue-week is 100 MB of CSV).")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory for scenarios.csv, daily.csv, intervals.csv/.parquet, whatif.html, sweep.json.")
def whatif(
    config_path: Path | None,
    week_start: str | None,
    with_roster: bool,
    roster_time_limit: float | None,
    store_url: str | None,
    plan_dir: Path | None,
    forecast: Path | None,
    interval_minutes: float | None,
    target_sl: float | None,
    answer_seconds: float | None,
    max_asa_seconds: float | None,
    max_occupancy: float | None,
    max_abandon: float | None,
    shrinkage: float | None,
    model: str | None,
    patience_seconds: float | None,
    fractional: bool,
    grid_specs: tuple[str, ...],
    fte_hours: float,
    workers: int | None,
    serial: bool,
    scheduler: str | None,
    batch_size: int,
    intervals_format: Literal["auto", "csv", "parquet", "both"],
    out_dir: Path,
) -> None:
    """Sweep service targets and forecast changes; chart cost against service level.

    Every combination of the --grid axes is one scenario, evaluated against the
    baseline forecast (which is never changed). Writes a scenario summary (agent-hours
    per day and week, FTE, peak, projected SL/ASA/abandonment), the tidy
    scenario x queue x interval table and an interactive chart.

    \b
    Example:
      staffing whatif --forecast forecast.csv --target-sl 0.8 --answer-seconds 20 \\
        --shrinkage 0.3 --grid target_sl=0.7,0.8,0.9 --grid answer_seconds=20,30 \\
        --grid volume=0.9,1.0,1.1 --grid aht=1.0,+20s --grid model=erlang-c,erlang-a \\
        --patience-seconds 120 --out-dir whatif/
    """
    from staffing.io.whatif import write_sweep
    from staffing.report import render_scenarios

    with flag_names(_SWEEP_FLAGS):
        grid = ScenarioGrid.parse(grid_specs)
    values = {
        "target_sl": target_sl, "answer_seconds": answer_seconds, "max_asa_seconds": max_asa_seconds,
        "max_occupancy": max_occupancy, "max_abandon": max_abandon, "shrinkage": shrinkage,
        "model": model, "patience_seconds": patience_seconds, "fractional": fractional,
    }
    roster: SiteRoster | PlanRoster | None = None
    queue_targets: dict[str, ServiceTargets] | None = None
    if config_path is not None and plan_dir is not None:
        raise InvalidArgumentError("--plan", str(plan_dir), "not together with --config (choose one baseline)")
    if config_path is not None or plan_dir is not None:
        if forecast is not None:
            raise InvalidArgumentError("--forecast", str(forecast),
                                       "not together with --config or --plan (they name the baseline)")
        if config_path is not None:
            frame, source, config_targets, roster, config_minutes = _from_config(
                config_path, week_start, store_url, with_roster, roster_time_limit)
        else:
            assert plan_dir is not None
            frame, source, config_targets, roster, config_minutes = _from_plan(plan_dir, with_roster)
        # Options given on the command line override the config's targets (--fractional only turns it on).
        overrides = {k: v for k, v in values.items() if v is not None and not (k == "fractional" and not v)}
        # Each queue keeps its own targets; the first queue's are the summary's base.
        present = set(frame["queue"].astype(str))
        queue_targets = {name: _base_targets({**own, **overrides})
                         for name, own in config_targets.items() if name in present}
        values = {**next(iter(config_targets.values())), **overrides}
        interval_minutes = interval_minutes if interval_minutes is not None else config_minutes
    elif week_start is not None or with_roster:
        raise InvalidArgumentError("--week-start/--roster", None, "--config or --plan (the site's agents or a plan's roster)")
    else:
        frame, source = _baseline(forecast)
    base = _base_targets(values)
    # The interval length is decided here, once: the flag (or the config), else the project's
    # rule (the most common step per queue, the shortest over queues).
    minutes = interval_minutes if interval_minutes is not None else infer_table_interval_minutes(frame)
    if minutes is None:
        raise InvalidArgumentError("--interval-minutes", None, "a value (the forecast has one interval per queue)")
    # Starting a pool costs more than it saves below about a million rows (benchmarks/bench_whatif.py);
    # --workers asks for one anyway. Each rostered scenario is a long task: always worth a pool.
    small = scheduler is None and workers is None and roster is None and len(frame) * len(grid) < _POOL_MIN_ROWS
    options = executor_options(workers=workers, scheduler=scheduler, serial=serial or small)
    from staffing.whatif.site import SiteRoster as RebuiltRoster

    if isinstance(roster, RebuiltRoster):
        click.echo(f"--roster: {len(grid)} roster optimisation(s) of up to about {roster.time_limit_seconds:g} s "
                   f"each ({options.describe()}); lower --roster-time-limit or the grid to go faster", err=True)
    started = time.perf_counter()
    with open_executor(options) as executor, flag_names(_SWEEP_FLAGS):
        result = run_sweep(frame, base, grid, interval_minutes=minutes, executor=executor,
                           batch_size=batch_size, fte_hours_per_week=fte_hours, roster=roster,
                           queue_targets=queue_targets)
    seconds = time.perf_counter() - started
    view = "rostered coverage" if result.rostered else "requirement"
    html = render_scenarios(result.scenario_page(),
                            title=f"What-if: {len(result.scenarios)} scenarios, cost vs service level ({view})")
    written = write_sweep(result, out_dir, chart_html=html, intervals_format=intervals_format, metadata={
        "forecast": source, "base_targets": base.model_dump(), "grid": list(grid_specs),
        "executor": options.describe(), "seconds": round(seconds, 3),
    })
    s = result.scenarios
    click.echo(f"{len(s)} scenario(s) x {len(frame)} forecast interval(s) in {seconds:.2f} s "
               f"[{options.describe()}]")
    cost = s["agent_hours_per_week"].to_numpy(dtype=float)
    cheap, dear = s.iloc[int(cost.argmin())], s.iloc[int(cost.argmax())]
    for word, row in (("cheapest", cheap), ("dearest", dear)):
        click.echo(f"  {word}: scenario {row['scenario']} ({row['label']}): "
                   f"{row['agent_hours_per_week']:,.0f} agent-hours/week, {row['fte']:,.1f} FTE, "
                   f"peak {row['peak_agents']:,.0f}, projected SL {row['service_level']:.1%}")
    for path in written:
        click.echo(f"wrote {path}")
