"""``staffing report``: the weekly operations report as one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path

import click

from staffing.cli._app import main
from staffing.errors import InvalidArgumentError
from staffing.io.evaluation import read_evaluation_days
from staffing.io.plan import read_plan
from staffing.io.report import read_accuracy, read_actuals, write_html
from staffing.report import ReportInputs, render_report


@main.command("report")
@click.option("--plan", "plan_dir", default=None, type=click.Path(path_type=Path),
              help="Plan directory of the reported week (roster, coverage, forecast, requirements, plan.json).")
@click.option("--config", "config_path", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Site config: find the week's plan, actuals and accuracy in its store (instead of --plan).")
@click.option("--week", default=None, help="With --config: first day of the reported week, YYYY-MM-DD "
              "(default: the latest planned week).")
@click.option("--store", "store_url", default=None, metavar="URL", help="With --config: store URL overriding the config's.")
@click.option("--actuals", type=click.Path(path_type=Path), default=None,
              help="Canonical history CSV/Parquet (interval_start, offered, answered, abandoned, aht_seconds, "
                   "optional service_level, asa_seconds) covering the week and the week before.")
@click.option("--accuracy", type=click.Path(path_type=Path), default=None,
              help="Accuracy of the published forecast by day (date, wape, bias); default: computed "
                   "from --actuals against the plan's forecast.")
@click.option("--next-plan", "next_plan_dir", type=click.Path(path_type=Path), default=None,
              help="Plan directory of next week, summarised at the end.")
@click.option("--evaluation", "evaluation_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder of `staffing evaluate` for this week: adds the simulated service and the "
                   "attribution of missed intervals.")
@click.option("--timezone", default=None, help="IANA time zone overriding plan.json (e.g. Europe/London).")
@click.option("--title", default=None, help="Page title.")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output HTML file.")
def report_command(plan_dir: Path | None, config_path: Path | None, week: str | None, store_url: str | None,
                   actuals: Path | None, evaluation_dir: Path | None, accuracy: Path | None, next_plan_dir: Path | None,
                   timezone: str | None, title: str | None, out: Path) -> None:
    """Write the weekly report: volume and AHT vs forecast vs last week, service per day,
    a coverage heatmap, forecast accuracy, missed peaks, next week's plan and every KPI formula.

    The page works offline (plotly is inlined); open it in any browser.

    \b
    Example:
      staffing report --plan plans/2026-03-23 --actuals history.csv --out report.html
      staffing report --config configs/site.yaml --week 2026-03-23 --out report.html
    """
    if (plan_dir is None) == (config_path is None):
        raise InvalidArgumentError("--plan/--config", None, "exactly one of --plan DIR or --config C.yaml")
    stored_actuals = stored_accuracy = None
    if config_path is not None:
        from staffing.cli._common import open_store, parse_week_start
        from staffing.io.config import load_config
        from staffing.report.from_store import stored_week

        config = load_config(config_path)
        found = stored_week(open_store(config, store_url, read_only=True), parse_week_start(week, "--week"))
        plan_dir = found.plan_dir
        next_plan_dir = next_plan_dir or found.next_plan_dir
        stored_actuals, stored_accuracy = found.actuals, found.accuracy
        timezone = timezone or config.site.timezone
    elif week is not None:
        raise InvalidArgumentError("--week", week, "only with --config (a plan directory is one week)")
    assert plan_dir is not None
    plan = read_plan(plan_dir, timezone=timezone)
    inputs = ReportInputs(
        plan=plan,
        actuals=read_actuals(actuals, plan.meta.timezone) if actuals is not None else stored_actuals,
        accuracy=read_accuracy(accuracy) if accuracy is not None else stored_accuracy,
        next_plan=read_plan(next_plan_dir, timezone=timezone) if next_plan_dir is not None else None,
        title=title,
        evaluation=read_evaluation_days(evaluation_dir) if evaluation_dir is not None else None,
    )
    write_html(render_report(inputs), out)
    click.echo(f"wrote {out}")
