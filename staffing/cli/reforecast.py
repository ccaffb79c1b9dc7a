"""``staffing reforecast``: the nightly job for cron or a systemd timer."""

from __future__ import annotations

import json
from pathlib import Path

import click

from staffing.cli._app import main
from staffing.cli._common import open_store
from staffing.errors import ConfigError
from staffing.io.config import load_config, read_config_history
from staffing.io.tables import write_json
from staffing.planning.forecaster import SettingsForecaster
from staffing.planning.nightly import ReforecastSettings, run_reforecast


@main.command("reforecast")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Site config YAML (its reforecast: section, history/actuals file and store).")
@click.option("--actuals", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="New actuals file to import (default: config reforecast.actuals, else history.path).")
@click.option("--store", "store_url", default=None, metavar="URL",
              help="Store URL (default: config store.url, else $STAFFING_STORE_URL, else sqlite:///forecasts/staffing.db).")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON run summary on stdout.")
@click.option("--summary", "summary_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the JSON run summary to this file (default: config reforecast.summary_path).")
def reforecast_command(config_path: Path, actuals: Path | None, store_url: str | None, as_json: bool,
                       summary_path: Path | None) -> None:
    """Import new actuals, refit, store a new forecast version, score published ones.

    One transaction under the store lock: a crash or kill at any point leaves the last
    published forecast and the store as they were. Running it again on the same data
    changes nothing. Drift (the in-force forecast's WAPE over the last days above the
    threshold) is a `warning:` line and part of the summary. Exit codes: 0 ok (also
    with drift warnings), 1 the run failed (nothing written), 2 configuration error.

    \b
    cron:  15 2 * * *  cd /srv/wfm && staffing reforecast --config configs/site.yaml
    """
    config = load_config(config_path)
    r = config.reforecast
    try:
        # The config's reforecast: section is the library's settings model; the interval
        # and the model come from the site's top-level interval_minutes and forecast:.
        settings = ReforecastSettings.model_validate(
            {**r.model_dump(), "interval_minutes": config.interval_minutes, "model": config.forecast.model_dump(mode="json")}
        )
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise ConfigError(str(exc), file=str(config_path), key="reforecast") from None
    history = read_config_history(config, actuals or config.actuals_path)
    store = open_store(config, store_url)
    summary = run_reforecast(store, history, SettingsForecaster(config.forecast), settings,
                             source=str(actuals or config.actuals_path))
    document = summary.to_json()
    target = summary_path or r.summary_path
    if target is not None:
        write_json(document, target)
    for line in document.get("warnings", []):
        click.echo(f"warning: {line}", err=True)
    if as_json:
        click.echo(json.dumps(document, indent=2, default=str))
    else:
        created = [q for q in document["queues"] if q["status"] == "created"]
        click.echo(
            f"reforecast {document['run_id']}: {document['history_inserted']} new interval(s) imported, "
            f"{len(created)} new version(s), {document['scores_written']} score(s) written, "
            f"{document['seconds']['total']:.1f} s"
        )
