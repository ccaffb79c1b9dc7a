"""Recording a plan in the store: its forecast versions (published when in force) and the plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from staffing.config import Config
from staffing.planning.model import Plan
from staffing.store import Store, record_forecast
from staffing.tables import UTC_OFFSET_COLUMN, instants_from_offset, roster_csv_frame


def record_plan(store: Store, config: Config, history: pd.DataFrame, plan: Plan, run_id: str,
                out_dir: Path) -> list[int]:
    """Store the plan's forecast versions (published when configured) and the plan itself.

    The forecast only saw history before the week, so its data cutoff is the end of the
    history; a week planned in the past (a re-plan, when the history already covers it)
    is kept as a draft and never put in force retroactively
    (:func:`staffing.store.record_forecast`).

    Returns
    -------
    list of int
        The forecast version ids, one per queue.
    """
    if plan.forecast is None or plan.requirements is None:
        raise ValueError("record_plan needs a plan made by run_plan (forecast and requirements)")
    end_of_history = pd.Timestamp(history["interval_start"].max()) + pd.Timedelta(minutes=plan.interval_minutes)
    queue = str(history["queue"].iloc[0]) if "queue" in history.columns else config.queues[0].name
    zone = getattr(history["interval_start"].dt, "tz", None)
    forecast, requirements = _on_time_line(plan.forecast, zone), _on_time_line(plan.requirements, zone)
    recorded = record_forecast(
        store, forecast, history_end=end_of_history, interval_minutes=plan.interval_minutes,
        model_name=plan.meta.forecast_model or "", model_params=config.forecast.model_dump(mode="json"),
        publish=config.plan.publish_forecast, queue=queue, run_id=run_id,
    )
    ids = list(recorded.version_ids)
    store.save_plan(
        run_id,
        requirements=requirements,
        roster=roster_csv_frame(plan.roster),
        metadata={"week_start": plan.week_start.isoformat(), "forecast_version_ids": ids,
                  "out_dir": str(out_dir.resolve())},
        run_id=run_id,
    )
    return ids


def _on_time_line(frame: pd.DataFrame, zone: dt.tzinfo | None) -> pd.DataFrame:
    """The plan's naive local table back on the zone's time line (its UTC offsets tell the
    autumn change's repeated hour apart), as the store keeps zoned queues."""
    if zone is None or UTC_OFFSET_COLUMN not in frame.columns:
        return frame
    return frame.assign(interval_start=instants_from_offset(frame).dt.tz_convert(zone)).drop(columns=UTC_OFFSET_COLUMN)
