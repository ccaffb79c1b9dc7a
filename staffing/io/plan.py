"""Write a plan directory: the roster files plus forecast, requirements, service and plan.json."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from staffing.io.roster import ISO, write_roster_outputs
from staffing.io.tables import write_csv, write_json
from staffing.planning.week import PlanResult


def _iso(values: pd.Series) -> pd.Series:
    wall = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values
    return wall.dt.strftime(ISO)


def _finite(value: float | None) -> float | None:
    """JSON has no infinity: an unstable (overloaded) figure is written as null."""
    return None if value is None or not math.isfinite(value) else round(float(value), 6)


def days_records(result: PlanResult) -> list[dict[str, Any]]:
    """Per-day projection as JSON-ready records."""
    out = []
    for row in result.days.to_dict("records"):
        record: dict[str, Any] = {"date": row["date"].isoformat()}
        for column in result.days.columns[1:]:
            record[str(column)] = _finite(float(row[column]))
        out.append(record)
    return out


def write_plan_dir(result: PlanResult, out_dir: str | Path, meta: dict[str, Any]) -> list[Path]:
    """Write every file of the plan directory atomically (file by file).

    Files: ``roster.csv``, ``coverage.csv``, ``agents.csv``, ``summary.json`` (roster),
    ``forecast.csv``, ``requirements.csv``, ``service.csv`` (projected service per queue
    and interval), ``days.csv`` and ``plan.json`` (``meta`` plus the per-day projection
    and the under-staffed peak intervals). Times are naive local wall times.
    """
    out = Path(out_dir)
    paths = write_roster_outputs(result.roster, out)
    forecast = result.forecast.assign(interval_start=_iso(result.forecast["interval_start"]))
    requirements = result.requirements.assign(interval_start=_iso(result.requirements["interval_start"]))
    service = result.service.assign(interval_start=_iso(result.service["interval_start"]))
    paths.append(write_csv(forecast, out / "forecast.csv", float_format="%.4f"))
    paths.append(write_csv(requirements, out / "requirements.csv", float_format="%.10g"))
    paths.append(write_csv(service, out / "service.csv", float_format="%.10g"))
    paths.append(write_csv(result.days, out / "days.csv", float_format="%.10g"))
    misses = result.peak_misses.assign(interval_start=_iso(result.peak_misses["interval_start"]))
    document = {
        **meta,
        "days": days_records(result),
        "peak_misses": [
            {"interval_start": r["interval_start"], "required": float(r["required"]),
             "scheduled": float(r["scheduled"]), "under": float(r["under"]),
             "service_level": _finite(float(r["service_level"]))}
            for r in misses.to_dict("records")
        ],
    }
    paths.append(write_json(document, out / "plan.json"))
    return paths
