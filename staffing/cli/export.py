"""``staffing export``: the plan as an Excel workbook, iCalendar files or a flat CSV rota."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from staffing.cli._app import main
from staffing.exports.calendar import build_calendars
from staffing.exports.rota import flat_rota
from staffing.exports.workbook import build_workbook
from staffing.io.exports import (
    read_calendar_folder,
    write_bytes,
    write_calendar_folder,
    write_rota_csv,
)
from staffing.io.plan import read_plan


@main.command("export")
@click.option("--plan", "plan_dir", required=True, type=click.Path(path_type=Path),
              help="Plan directory (roster.csv, coverage.csv, agents.csv, summary.json, plan.json).")
@click.option("--format", "fmt", required=True, type=click.Choice(["xlsx", "ics", "csv"]),
              help="xlsx: workbook (rota, coverage heatmap, agents, summary); ics: one calendar per "
                   "agent; csv: flat rota (agent, date, start, end, paid hours, breaks).")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Output file (xlsx, csv) or folder (ics; previous files there are updated).")
@click.option("--timezone", default=None,
              help="IANA time zone of the plan's times, overriding plan.json (e.g. Europe/London).")
@click.option("--uid-domain", default="staffing", show_default=True,
              help="Right-hand side of the calendar event UIDs (e.g. your domain).")
def export_command(plan_dir: Path, fmt: str, out: Path, timezone: str | None, uid_domain: str) -> None:
    """Export a plan directory for planners (Excel), agents (calendars) or other tools (CSV).

    Calendar events keep a stable UID per agent and shift day, so importing or subscribing
    again updates events instead of duplicating them; a changed shift gets a higher SEQUENCE
    and a shift no longer planned is published as cancelled.

    \b
    Examples:
      staffing export --plan plans/2026-03-23 --format xlsx --out rota.xlsx
      staffing export --plan plans/2026-03-23 --format ics --out calendars/
    """
    plan = read_plan(plan_dir, timezone=timezone)
    if fmt == "xlsx":
        write_bytes(build_workbook(plan), out)
        click.echo(f"wrote {out}")
    elif fmt == "csv":
        write_rota_csv(flat_rota(plan.roster, plan.meta.timezone), out)
        click.echo(f"wrote {out}")
    else:
        files = build_calendars(plan, now=datetime.now(UTC), previous=read_calendar_folder(out),
                                uid_domain=uid_domain)
        write_calendar_folder(files, out)
        click.echo(f"wrote {len(files)} calendar(s) to {out}")
