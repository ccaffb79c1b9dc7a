"""``staffing erlang`` (one interval) and ``staffing requirements`` (a forecast file)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import numpy as np
from pydantic import ValidationError

from staffing.cli._app import main
from staffing.errors import InvalidArgumentError
from staffing.io.requirements import read_forecast, write_requirements
from staffing.queueing import erlang
from staffing.queueing.requirements import ServiceTargets, interval_requirements
from staffing.tables import infer_table_interval_minutes


def _targets_options(func: Any) -> Any:
    options = [
        click.option("--target-sl", type=float, default=0.8, show_default=True,
                     help="Service-level target: fraction answered within --answer-seconds (0.8 = 80%)."),
        click.option("--answer-seconds", type=float, default=20.0, show_default=True,
                     help="Answer-time target T in seconds (0 allowed: answered without waiting)."),
        click.option("--max-asa-seconds", type=float, default=None, help="Cap on the average speed of answer (s)."),
        click.option("--max-occupancy", type=float, default=None, help="Cap on occupancy, a fraction (0.85)."),
        click.option("--shrinkage", type=float, default=0.0, show_default=True,
                     help="Fraction of paid time off the phones; agents = ceil(N / (1 - shrinkage))."),
        click.option("--model", type=click.Choice(["erlang-c", "erlang-a"]), default="erlang-c", show_default=True,
                     help="erlang-c: callers never hang up; erlang-a: exponential patience (needs --patience-seconds)."),
        click.option("--patience-seconds", type=float, default=None, help="Mean caller patience (s), for Erlang A."),
        click.option("--max-abandon", type=float, default=None, help="Cap on the abandonment fraction (Erlang A)."),
        click.option("--fractional", is_flag=True, help="Continuous (fractional) agent requirement."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _targets(values: dict[str, Any]) -> ServiceTargets:
    try:
        return ServiceTargets(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "--" + str(err["loc"][0]).replace("_", "-") if err["loc"] else "--model"
        raise InvalidArgumentError(name, err.get("input"), f"a valid value ({err['msg']})") from None


def _check_interval(calls: float, aht_seconds: float, interval_minutes: float) -> None:
    if not calls >= 0 or not math.isfinite(calls):
        raise InvalidArgumentError("--calls", calls, "a number of calls >= 0")
    if not aht_seconds > 0 or not math.isfinite(aht_seconds):
        raise InvalidArgumentError("--aht-seconds", aht_seconds, "> 0 seconds")
    if not interval_minutes > 0:
        raise InvalidArgumentError("--interval-minutes", interval_minutes, "> 0 minutes")


def _json_number(value: float) -> float | None:
    """JSON has no infinity: an unbounded ASA (overloaded queue) is ``null``."""
    return None if not math.isfinite(value) else value


@main.command("erlang")
@click.option("--calls", type=float, required=True, help="Calls offered in the interval.")
@click.option("--interval-minutes", type=float, default=30.0, show_default=True, help="Interval length (min).")
@click.option("--aht-seconds", type=float, required=True, help="Average handle time (s).")
@click.option("--agents", type=float, default=None,
              help="Evaluate this many agents on the phones instead of finding the requirement.")
@_targets_options
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: agents, service_level, prob_wait, asa_seconds (null = unbounded), "
                   "occupancy (+ prob_abandon, service_level_answered for Erlang A).")
def erlang_command(calls: float, interval_minutes: float, aht_seconds: float, agents: float | None,
                   target_sl: float, answer_seconds: float, max_asa_seconds: float | None,
                   max_occupancy: float | None, shrinkage: float, model: str, patience_seconds: float | None,
                   max_abandon: float | None, fractional: bool, as_json: bool) -> None:
    """One interval both ways: the agents a target needs, or what N agents achieve.

    \b
    Examples:
      staffing erlang --calls 100 --interval-minutes 30 --aht-seconds 180 --target-sl 0.8 --answer-seconds 20
      staffing erlang --calls 100 --interval-minutes 30 --aht-seconds 180 --agents 13
      staffing erlang --calls 100 --aht-seconds 180 --model erlang-a --patience-seconds 120 --json
    """
    _check_interval(calls, aht_seconds, interval_minutes)
    targets = _targets({
        "target_sl": target_sl, "answer_seconds": answer_seconds, "max_asa_seconds": max_asa_seconds,
        "max_occupancy": max_occupancy, "shrinkage": shrinkage, "model": model,
        "patience_seconds": patience_seconds, "max_abandon": max_abandon, "fractional": fractional,
    })
    load = float(erlang.offered_load(calls, aht_seconds, interval_minutes))
    scheduled: float | None = None
    if agents is None:
        req = erlang.required_agents(
            calls, aht_seconds, interval_minutes, target_sl=targets.target_sl, answer_seconds=answer_seconds,
            max_asa_seconds=max_asa_seconds, max_occupancy=max_occupancy, model=targets.model,
            patience_seconds=patience_seconds, max_abandon=max_abandon, shrinkage=shrinkage, fractional=fractional,
        )
        n = float(req.agents_net)
        scheduled = float(req.agents)
    else:
        if not agents >= 0:
            raise InvalidArgumentError("--agents", agents, "a number of agents >= 0")
        n = agents
    result: dict[str, Any] = {"agents": n, "load_erlangs": load}
    if targets.model == "erlang-a":
        assert patience_seconds is not None
        m = erlang.erlang_a(n, load, aht_seconds, patience_seconds, answer_seconds)
        result |= {"service_level": float(m.service_level), "service_level_answered": float(m.service_level_answered),
                   "prob_wait": float(m.prob_wait), "prob_abandon": float(m.prob_abandon),
                   "asa_seconds": float(m.asa_seconds), "occupancy": float(m.occupancy)}
    else:
        result |= {"service_level": float(erlang.service_level(n, load, aht_seconds, answer_seconds)),
                   "prob_wait": float(erlang.erlang_c(n, load)),
                   "asa_seconds": float(erlang.asa_seconds(n, load, aht_seconds)),
                   "occupancy": float(erlang.occupancy(n, load))}
    if scheduled is not None:
        result["agents_with_shrinkage"] = scheduled
    if as_json:
        click.echo(json.dumps({k: _json_number(v) for k, v in result.items()}))
        return
    _print_interval(result, targets, agents is None)


def _print_interval(result: dict[str, Any], targets: ServiceTargets, solved: bool) -> None:
    n = result["agents"]
    shown = f"{n:.3f}" if n != int(n) else f"{int(n)}"
    head = "required agents" if solved else "agents"
    click.echo(f"offered load        {result['load_erlangs']:.4f} Erlangs ({targets.model})")
    click.echo(f"{head:<20}{shown}")
    if "agents_with_shrinkage" in result and targets.shrinkage > 0:
        click.echo(f"with shrinkage {targets.shrinkage:.0%}  {result['agents_with_shrinkage']:g}")
    click.echo(f"service level       {result['service_level']:.4f} within {targets.answer_seconds:g} s")
    if "service_level_answered" in result:
        click.echo(f"  of answered calls {result['service_level_answered']:.4f}")
    click.echo(f"P(wait)             {result['prob_wait']:.4f}")
    asa = result["asa_seconds"]
    click.echo(f"ASA                 {'unbounded (agents <= load)' if not math.isfinite(asa) else f'{asa:.2f} s'}")
    click.echo(f"occupancy           {result['occupancy']:.4f}")
    if "prob_abandon" in result:
        click.echo(f"P(abandon)          {result['prob_abandon']:.4f}")


@main.command("requirements")
@click.option("--forecast", "forecast_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Forecast CSV/Parquet: interval_start, calls, aht_seconds (+ queue; other columns ignored).")
@click.option("--interval-minutes", type=float, default=None,
              help="Interval length (min); default: inferred from the timestamps, and refused when it contradicts them.")
@_targets_options
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Requirements CSV: interval_start, calls, aht_seconds, load_erlangs, agents, service_level, "
                   "asa_seconds, occupancy (+ prob_abandon for Erlang A).")
def requirements_command(forecast_path: Path, interval_minutes: float | None, target_sl: float, answer_seconds: float,
                         max_asa_seconds: float | None, max_occupancy: float | None, shrinkage: float, model: str,
                         patience_seconds: float | None, max_abandon: float | None, fractional: bool,
                         out_path: Path) -> None:
    """Required agents for every interval of a forecast (agents = head count after shrinkage).

    \b
    Example:
      staffing requirements --forecast forecast.csv --target-sl 0.8 --answer-seconds 20 \\
        --max-occupancy 0.85 --shrinkage 0.3 --out requirements.csv
    """
    if interval_minutes is not None and not interval_minutes > 0:
        raise InvalidArgumentError("--interval-minutes", interval_minutes, "> 0 minutes")
    targets = _targets({
        "target_sl": target_sl, "answer_seconds": answer_seconds, "max_asa_seconds": max_asa_seconds,
        "max_occupancy": max_occupancy, "shrinkage": shrinkage, "model": model,
        "patience_seconds": patience_seconds, "max_abandon": max_abandon, "fractional": fractional,
    })
    frame = read_forecast(forecast_path)
    inferred = infer_table_interval_minutes(frame)
    if interval_minutes is not None and inferred is not None and interval_minutes != inferred:
        # Sizing 15-minute calls as 30-minute intervals halves the load: refuse, never pick one.
        raise InvalidArgumentError("--interval-minutes", interval_minutes,
                                   f"the forecast's own interval, {inferred} minutes between its timestamps "
                                   "(or omit the option to use it)")
    minutes = interval_minutes if interval_minutes is not None else inferred
    if minutes is None:
        raise InvalidArgumentError("--interval-minutes", None, "a value (the forecast has one interval per queue)")
    table = interval_requirements(frame, targets, minutes)
    write_requirements(table, out_path)
    hours = float(np.sum(table["agents"])) * minutes / 60.0
    click.echo(f"wrote {len(table)} intervals to {out_path}: peak {table['agents'].max():g} agents, "
               f"{hours:,.1f} agent-hours", err=True)

