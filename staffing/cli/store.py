"""Commands of the forecast store: ``history import``, ``versions list/show/publish``, ``accuracy``.

Every command takes ``--store URL``; without it ``$STAFFING_STORE_URL``, else
``sqlite:///forecasts/staffing.db`` (relative to the working directory).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pandas as pd

from staffing.errors import StaffingError
from staffing.io.store_history import load_history_file
from staffing.io.tables import write_csv
from staffing.store import ForecastVersion, Store, default_store_url

STORE_HELP = (
    "Store database URL (SQLite file or postgresql+psycopg://user@host/db). "
    "Default: $STAFFING_STORE_URL, else sqlite:///forecasts/staffing.db."
)


def _remember_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        from staffing.io.config import load_config

        ctx.meta["staffing.config_store_url"] = load_config(value).store.url


def _store_option(func: Any) -> Any:
    func = click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        expose_value=False, callback=_remember_config, is_eager=True,
                        help="Site config YAML: use its store.url (--store wins).")(func)
    return click.option("--store", "store_url", metavar="URL", default=None, help=STORE_HELP)(func)


def _open(store_url: str | None, *, read_only: bool = False) -> Store:
    """The store of ``--store``, else the ``--config`` file's, else the default.

    ``read_only`` for the commands that only read: a missing store is an error, not a new
    empty one, and a read-only file still serves them (see :meth:`Store.open`).
    """
    configured = click.get_current_context().meta.get("staffing.config_store_url")
    return Store.open(store_url or configured or default_store_url(), read_only=read_only)


def _echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, default=str))


@click.group("history")
def history_group() -> None:
    """Interval history held in the forecast store."""


@history_group.command("import")
@click.option("--file", "file", type=click.Path(path_type=Path), required=True, help="Canonical history CSV/Parquet (interval_start, queue, offered, ...).")
@click.option("--queue", default=None, help="Queue of a file without a queue column; with one, import only this queue.")
@click.option("--on-conflict", type=click.Choice(["reject", "revise"]), default="reject", show_default=True, help="Rows already stored with different values: reject the import (nothing written) or record them as revisions.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@_store_option
def history_import(file: Path, queue: str | None, on_conflict: str, as_json: bool, store_url: str | None) -> None:
    """Append interval history to the store (re-importing the same rows changes nothing).

    The file is validated first; any bad row is reported with its line and column and
    nothing is written. Rows whose interval is already stored with different values are
    conflicts: by default the import is rejected listing them; with --on-conflict revise
    the new values are stored and the old ones kept in the history_revisions table.
    """
    frame = load_history_file(file, queue=queue)
    store = _open(store_url)
    run = store.start_run("history import")
    try:
        result = store.import_history(frame, on_conflict=on_conflict, source=str(file), run_id=run.run_id)  # type: ignore[arg-type]
    except StaffingError as exc:
        store.finish_run(run.run_id, "failed", error=str(exc))
        raise
    summary = {
        "run_id": run.run_id,
        "file": str(file),
        "store": store.url_display,
        "inserted": result.inserted,
        "unchanged": result.unchanged,
        "revised": result.revised,
        "queues": list(result.queues),
    }
    store.finish_run(run.run_id, "ok", summary=summary)
    if as_json:
        _echo_json(summary)
    else:
        click.echo(
            f"imported {result.inserted} new interval(s), {result.unchanged} unchanged, {result.revised} revised "
            f"for queue(s) {', '.join(result.queues) or '-'} into {store.url_display}"
        )


@click.group("versions")
def versions_group() -> None:
    """Immutable forecast versions and their publication."""


def _version_row(v: ForecastVersion) -> dict[str, Any]:
    return {
        "version_id": v.version_id,
        "queue": v.queue,
        "status": v.status,
        "created_at": v.created_at.strftime("%Y-%m-%d %H:%M"),
        "data_cutoff": str(v.data_cutoff),
        "horizon": f"{v.horizon_start} .. {v.horizon_end}",
        "model": v.model_name,
    }


@versions_group.command("list")
@click.option("--queue", default=None, help="Only this queue.")
@click.option("--status", type=click.Choice(["draft", "published"]), default=None, help="Only versions with this status.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per version).")
@_store_option
def versions_list(queue: str | None, status: str | None, as_json: bool, store_url: str | None) -> None:
    """List forecast versions, oldest first."""
    versions = _open(store_url, read_only=True).list_versions(queue, status)  # type: ignore[arg-type]
    if as_json:
        _echo_json([v.to_json() for v in versions])
    elif not versions:
        click.echo("no forecast versions")
    else:
        click.echo(pd.DataFrame([_version_row(v) for v in versions]).to_string(index=False))


@versions_group.command("show")
@click.argument("version_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with --values, the values too).")
@click.option("--values", "with_values", is_flag=True, help="Also print the forecast values.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write the values to this CSV (forecast CSV format).")
@_store_option
def versions_show(version_id: int, as_json: bool, with_values: bool, out: Path | None, store_url: str | None) -> None:
    """Show one version: metadata, publications, and optionally its values."""
    store = _open(store_url, read_only=True)
    version = store.get_version(version_id)
    pubs = [p for p in store.publications(version.queue) if p.version_id == version_id]
    values = store.version_values(version_id) if (with_values or out) else None
    if out is not None and values is not None:
        write_csv(values, out)
    if as_json:
        obj = version.to_json()
        obj["publications"] = [
            {"publication_id": p.publication_id, "published_at": p.published_at.isoformat(), "effective_from": str(p.effective_from), "effective_to": str(p.effective_to), "run_id": p.run_id}
            for p in pubs
        ]
        if with_values and values is not None:
            obj["values"] = json.loads(values.assign(interval_start=values["interval_start"].astype(str)).to_json(orient="records"))
        _echo_json(obj)
        return
    for key, value in version.to_json().items():
        click.echo(f"{key:>18}: {value}")
    for p in pubs:
        click.echo(f"{'published':>18}: #{p.publication_id} at {p.published_at:%Y-%m-%d %H:%M} UTC, in force {p.effective_from} .. {p.effective_to}")
    if with_values and values is not None:
        click.echo(values.to_string(index=False))


@versions_group.command("publish")
@click.argument("version_id", type=int)
@_store_option
def versions_publish(version_id: int, store_url: str | None) -> None:
    """Publish a version for its horizon's intervals that have no actuals yet.

    Later publications supersede earlier ones only from their own start, so the record
    of what was in force for past dates (against which accuracy is judged) never changes.
    """
    pub = _open(store_url).publish(version_id)
    click.echo(f"version {pub.version_id} ({pub.queue}) in force for {pub.effective_from} .. {pub.effective_to} (publication #{pub.publication_id})")


@click.command("accuracy")
@click.option("--queue", default=None, help="Only this queue.")
@click.option("--by", type=click.Choice(["day", "interval", "horizon"]), default="day", show_default=True, help="day/interval: the forecast in force vs actual; horizon: every published version by days ahead.")
@click.option("--start", default=None, help="First interval (date-time, inclusive) for --by day/interval.")
@click.option("--end", default=None, help="End (exclusive) for --by day/interval.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write the table to this CSV instead of printing it.")
@_store_option
def accuracy_command(queue: str | None, by: str, start: str | None, end: str | None, out: Path | None, store_url: str | None) -> None:
    """Forecast vs actual for published forecasts: WAPE = sum|F-A|/sum A, bias = sum(F-A)/sum A.

    Each date is judged against the version that was published for it (in force),
    not the latest version.
    """
    table = _open(store_url, read_only=True).accuracy_report(queue, by=by, start=start, end=end)  # type: ignore[arg-type]
    if out is not None:
        write_csv(table, out)
        click.echo(f"wrote {len(table)} row(s) to {out}")
    elif table.empty:
        click.echo("no published forecast has actuals yet")
    else:
        click.echo(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))


def _register() -> None:
    from staffing.cli._app import main

    main.add_command(history_group)
    main.add_command(versions_group)
    main.add_command(accuracy_command)


_register()
