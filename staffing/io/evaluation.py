"""Write the outputs of ``staffing evaluate``: intervals.csv, days.csv, summary.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffing.errors import DataIssue
from staffing.io.tables import (
    parse_datetime,
    parse_numeric,
    raise_if_issues,
    read_raw_table,
    require_columns,
    write_csv,
    write_json,
)
from staffing.planning.evaluation import Evaluation
from staffing.tables import ISO


def read_call_log(path: str | Path, timezone: str | None = None) -> pd.Series:
    """Per-call arrival times from a call log (CSV/Parquet with an ``arrival_time`` column).

    Offsets are converted to ``timezone`` and dropped (naive local time like the plan);
    every unparseable cell is reported with its line.
    """
    from staffing.io.tables import to_local

    name = str(path)
    raw = read_raw_table(path)
    require_columns(raw, ["arrival_time"], name)
    issues: list[DataIssue] = []
    times = parse_datetime(raw, "arrival_time", name, issues)
    raise_if_issues(issues)
    return to_local(times, timezone).rename("arrival_time")


def read_evaluation_days(folder: str | Path) -> pd.DataFrame:
    """``days.csv`` of an evaluation folder, validated (file, line and column on error)."""
    name = str(Path(folder) / "days.csv")
    raw = read_raw_table(name)
    columns = ["date", "target_sl", "promised_service_level", "simulated_required_service_level",
               "simulated_service_level", "achieved_service_level", "band_low", "band_high", "missed_intervals",
               "margin", "model_effect", "roster_effect", "forecast_effect"]
    require_columns(raw, columns, name)
    issues: list[DataIssue] = []
    out = pd.DataFrame({"date": parse_datetime(raw, "date", name, issues).dt.date})
    for column in columns[1:]:
        out[column] = parse_numeric(raw, column, name, issues, allow_blank=column == "achieved_service_level")
    raise_if_issues(issues)
    return out


def evaluation_summary(result: Evaluation) -> dict[str, Any]:
    """The content of ``summary.json``."""
    frame = result.intervals
    missed = frame[frame["missed"]]
    days = result.days
    outcome = "achieved_service_level" if result.achieved_service_level is not None else "simulated_service_level"
    return {
        "target_sl": result.target_sl,
        "answer_seconds": result.answer_seconds,
        "replications": result.replications,
        "patience_seconds": result.patience_seconds,
        "patience_source": result.patience_source,
        "against": "actuals" if result.achieved_service_level is not None else "forecast",
        "achieved_service_level": result.achieved_service_level,
        "achieved_band_90": list(result.achieved_band) if result.achieved_band is not None else None,
        "intervals": len(frame),
        "missed_intervals": len(missed),
        "missed_attribution_mean": {
            "margin": float(missed["margin"].mean()) if len(missed) else 0.0,
            "model": float(missed["model_effect"].mean()) if len(missed) else 0.0,
            "roster": float(missed["roster_effect"].mean()) if len(missed) else 0.0,
            "forecast": float(missed["forecast_effect"].mean()) if len(missed) else 0.0,
        },
        "days": [
            {"date": str(d["date"]), "service_level": float(d[outcome]), "band_90": [float(d["band_low"]), float(d["band_high"])],
             "promised": float(d["promised_service_level"]), "missed_intervals": int(d["missed_intervals"]),
             "margin": float(d["margin"]), "model": float(d["model_effect"]), "roster": float(d["roster_effect"]),
             "forecast": float(d["forecast_effect"])}
            for d in days.to_dict("records")
        ],
    }


def write_evaluation(result: Evaluation, out_dir: str | Path) -> list[Path]:
    """Write ``intervals.csv``, ``days.csv`` and ``summary.json`` (atomically, file by file)."""
    out = Path(out_dir)
    intervals = result.intervals.assign(interval_start=result.intervals["interval_start"].dt.strftime(ISO))
    days = result.days.assign(date=result.days["date"].astype(str))
    return [
        write_csv(intervals.replace({np.inf: np.nan}), out / "intervals.csv", float_format="%.6g"),
        write_csv(days, out / "days.csv", float_format="%.6g"),
        write_json(evaluation_summary(result), out / "summary.json"),
    ]
