"""``staffing roster``: a week of named-agent shifts from a requirement."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd

from staffing.cli._app import main
from staffing.cli._common import flag_names
from staffing.errors import InvalidArgumentError
from staffing.io.plan import check_timezone
from staffing.io.roster import (
    read_agents,
    read_requirements_for_roster,
    read_roster,
    read_roster_rules,
    write_roster_outputs,
)
from staffing.planning.week import check_previous_roster
from staffing.roster import build_roster
from staffing.roster.config import RosterRules
from staffing.roster.summary import capacity_lines


@main.command("roster")
@click.option("--requirements", "requirements_path", required=True, type=click.Path(dir_okay=False),
              help="Requirements CSV/Parquet: interval_start, agents (agents needed on the floor).")
@click.option("--agents", "agents_path", required=True, type=click.Path(dir_okay=False),
              help="Agents CSV: agent_id, min_hours, max_hours [, max_days, shift_lengths, unavailable, skills].")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="YAML config with a 'roster:' section (defaults when omitted).")
@click.option("--week-start", required=True, help="First day of the week, YYYY-MM-DD.")
@click.option("--out-dir", required=True, type=click.Path(file_okay=False),
              help="Directory for roster.csv, coverage.csv, agents.csv, summary.json.")
@click.option("--time-limit", default=60.0, show_default=True, type=float, help="Wall seconds for the solver.")
@click.option("--solver", type=click.Choice(["highs", "cbc"]), default="highs", show_default=True,
              help="MIP solver (HiGHS via highspy; CBC as alternative).")
@click.option("--timezone", default=None, metavar="ZONE",
              help="IANA zone of the site (e.g. Europe/London): needed when the requirements carry several "
                   "UTC offsets (a week with a DST change); the roster works on local wall time.")
@click.option("--previous-roster", type=click.Path(dir_okay=False), default=None,
              help="Last week's roster.csv: rest, consecutive days and spill-over carry across the week start.")
def roster_command(requirements_path: str, agents_path: str, config_path: str | None, week_start: str,
                   out_dir: str, time_limit: float, solver: str, timezone: str | None,
                   previous_roster: str | None) -> None:
    """Build a weekly roster of named agents: shifts, breaks, rest and fairness rules.

    Minimises peak-weighted under-staffing, then over-staffing, then paid hours, with
    fairness terms; prints the optimality gap against a proven lower bound. When the
    rules cannot all hold, the roster is still produced and summary.json lists which
    rules bent, for whom and by how much (exit code 0, status "rules_bent"). When the team
    cannot cover the requirement the status is "understaffed" and the capacity shortfall is
    printed and listed in summary.json.
    """
    try:
        start = pd.Timestamp(week_start)
    except ValueError:
        raise InvalidArgumentError("--week-start", week_start, "a date YYYY-MM-DD") from None
    if start != start.normalize():
        raise InvalidArgumentError("--week-start", week_start, "a date YYYY-MM-DD (no time)")
    if time_limit <= 0:
        raise InvalidArgumentError("--time-limit", time_limit, "> 0 seconds")
    rules = read_roster_rules(config_path) if config_path else RosterRules()
    if timezone is not None:
        check_timezone(timezone, key="--timezone")
    requirements = read_requirements_for_roster(requirements_path, timezone)
    agents = read_agents(agents_path)
    previous = read_roster(previous_roster) if previous_roster else None
    if previous is not None:
        with flag_names({"previous_roster": "--previous-roster"}):
            check_previous_roster(previous, agents, start.date())
    console = None
    if sys.stderr.isatty():
        from rich.console import Console

        console = Console(stderr=True)
    if console is not None:
        with console.status("rostering...") as status:
            def progress(message: str) -> None:
                console.log(message)
                status.update(message)

            result = build_roster(requirements, agents, rules, start, previous_roster=previous,
                                  solver=solver, time_limit=time_limit, progress=progress)  # type: ignore[arg-type]
    else:
        result = build_roster(requirements, agents, rules, start, previous_roster=previous,
                              solver=solver, time_limit=time_limit)  # type: ignore[arg-type]
    write_roster_outputs(result, Path(out_dir))
    click.echo(
        f"{result.status.value}: {len(result.roster)} shifts, under {result.under_agent_hours:.1f} agent-h "
        f"(peak {result.under_peak_agent_hours:.1f}), over {result.over_agent_hours:.1f} agent-h, "
        f"objective {result.coverage_objective:.2f}, bound {result.lower_bound:.2f}, gap {result.gap:.2%}, "
        f"{result.solve_seconds:.1f} s"
    )
    for line in capacity_lines(result):
        click.echo(f"  {line}")
    for bent in result.bent_rules:
        click.echo(f"  rule bent: {bent.rule} for {bent.agent_id} by {bent.amount:g} {bent.unit} ({bent.detail})")
