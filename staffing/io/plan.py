"""The plan directory: the one writer and the one reader of a :class:`~staffing.planning.model.Plan`.

Files: ``roster.csv``, ``coverage.csv``, ``agents.csv`` and ``summary.json`` (the
roster's), ``forecast.csv``, ``requirements.csv``, ``service.csv`` (projected service per
queue and interval), ``days.csv`` and ``plan.json`` (the :class:`PlanMeta` plus the per-day
projection and the under-staffed peak intervals). Times are naive local wall times.
:func:`read_plan` reads back everything :func:`write_plan` writes; ``roster.csv`` and
``coverage.csv`` are required, the rest optional (a hand-made roster directory).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from pydantic import ValidationError

from staffing.errors import ConfigError, DataError, DataIssue
from staffing.io.roster import read_roster
from staffing.io.tables import (
    parse_datetime,
    parse_numeric,
    raise_if_issues,
    read_raw_table,
    require_columns,
    to_local,
    write_csv,
    write_json,
)
from staffing.planning.model import COVERAGE_COLUMNS, DAY_COLUMNS, Plan, PlanMeta
from staffing.tables import ISO, UTC_OFFSET_COLUMN, infer_interval_minutes, roster_csv_frame

_FORECAST_OPTIONAL = ("lower80", "upper80", "lower95", "upper95", "aht_seconds", UTC_OFFSET_COLUMN)
_REQUIREMENT_OPTIONAL = ("calls", "aht_seconds", "load_erlangs", "service_level", "asa_seconds", "occupancy",
                         "prob_abandon", UTC_OFFSET_COLUMN)
_SERVICE_OPTIONAL = ("calls", "required", "scheduled", "on_phone", "service_level", "asa_seconds", "prob_abandon",
                     UTC_OFFSET_COLUMN)


def _iso(values: pd.Series) -> pd.Series:
    wall = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values
    return wall.dt.strftime(ISO)


def _finite(value: float | None) -> float | None:
    """JSON has no infinity: an unstable (overloaded) figure is written as null."""
    return None if value is None or not math.isfinite(value) else round(float(value), 6)


def _days_records(days: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in days.to_dict("records"):
        record: dict[str, Any] = {"date": row["date"].isoformat()}
        for column in days.columns[1:]:
            record[str(column)] = _finite(float(row[column]))
        out.append(record)
    return out


def _with_iso(frame: pd.DataFrame, column: str = "interval_start") -> pd.DataFrame:
    return frame.assign(**{column: _iso(frame[column])})


def write_plan(plan: Plan, out_dir: str | Path) -> list[Path]:
    """Write every file of the plan directory atomically (file by file).

    Returns
    -------
    list of Path
        The files written.
    """
    out = Path(out_dir)
    paths = [
        write_csv(roster_csv_frame(plan.roster), out / "roster.csv"),
        write_csv(_with_iso(plan.coverage), out / "coverage.csv", float_format="%.4f"),
        write_json(plan.summary, out / "summary.json"),
    ]
    if plan.agents is not None:
        paths.append(write_csv(plan.agents, out / "agents.csv", float_format="%.4f"))
    if plan.forecast is not None:
        paths.append(write_csv(_with_iso(plan.forecast), out / "forecast.csv", float_format="%.4f"))
    if plan.requirements is not None:
        paths.append(write_csv(_with_iso(plan.requirements), out / "requirements.csv", float_format="%.10g"))
    if plan.service is not None:
        paths.append(write_csv(_with_iso(plan.service), out / "service.csv", float_format="%.10g"))
    if plan.days is not None:
        paths.append(write_csv(plan.days, out / "days.csv", float_format="%.10g"))
    document: dict[str, Any] = plan.meta.model_dump(mode="json")
    if plan.days is not None:
        document["days"] = _days_records(plan.days)
    if plan.peak_misses is not None:
        document["peak_misses"] = [
            {"interval_start": r["interval_start"], "required": float(r["required"]),
             "scheduled": float(r["scheduled"]), "under": float(r["under"]),
             "service_level": _finite(float(r["service_level"]))}
            for r in _with_iso(plan.peak_misses).to_dict("records")
        ]
    paths.append(write_json(document, out / "plan.json"))
    return paths


def check_timezone(name: str, *, file: str | None = None, key: str | None = None) -> ZoneInfo:
    """Return the :class:`~zoneinfo.ZoneInfo` for ``name`` or raise :class:`ConfigError`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {name!r}: expected an IANA name like 'Europe/London'",
                          file=file, key=key) from None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError([DataIssue(str(path), None, None, f"cannot be read as JSON: {exc}")]) from None


def _read_object(path: Path) -> dict[str, Any]:
    data = _read_json(path)
    if not isinstance(data, dict):
        raise DataError([DataIssue(str(path), None, None, "expected a JSON object")])
    return data


def _read_table(path: Path, columns: tuple[str, ...], timezone: str | None, *,
                optional: tuple[str, ...] = (), text: tuple[str, ...] = ()) -> pd.DataFrame:
    """A table with ``interval_start`` parsed (naive local) and every other column numeric."""
    name = str(path)
    raw = read_raw_table(path)
    require_columns(raw, columns, name)
    issues: list[DataIssue] = []
    out: dict[str, Any] = {}
    for col in text:
        if col in raw.columns:
            out[col] = raw[col].astype(str).str.strip()
    out["interval_start"] = to_local(parse_datetime(raw, "interval_start", name, issues), timezone)
    for col in (*columns, *optional):
        if col == "interval_start" or col not in raw.columns:
            continue
        out[col] = parse_numeric(raw, col, name, issues, allow_blank=col not in columns,
                                 allow_infinite=col == "asa_seconds")
    raise_if_issues(issues)
    keys = [c for c in ("queue", "interval_start") if c in out]
    return pd.DataFrame(out).sort_values(keys, kind="stable").reset_index(drop=True)


def read_ledger(path: str | Path) -> pd.DataFrame:
    """Read the roster's ``agents.csv`` ledger: every column that is entirely numeric becomes float."""
    raw = read_raw_table(path)
    require_columns(raw, ("agent_id",), str(path))
    out = raw.copy()
    for col in out.columns:
        if col == "agent_id":
            continue
        numeric = pd.to_numeric(out[col], errors="coerce")
        filled = out[col].astype(str).str.strip()
        if bool(numeric.notna().eq(filled.ne("")).all()):
            out[col] = numeric.astype(float)
    out["agent_id"] = out["agent_id"].astype(str).str.strip()
    return out


def _meta(directory: Path, timezone: str | None, coverage: pd.DataFrame, roster: pd.DataFrame) -> PlanMeta:
    meta_path = directory / "plan.json"
    data: dict[str, Any] = _read_object(meta_path) if meta_path.is_file() else {}
    if timezone is not None:
        data["timezone"] = timezone
    if "interval_minutes" not in data:
        # A hand-made directory without plan.json: the boundary reads the length from the
        # coverage with the project's one rule, and refuses when it cannot.
        if coverage["interval_start"].nunique() < 2:
            raise DataError([DataIssue(str(meta_path), None, "interval_minutes",
                                       "plan.json is missing and coverage.csv has fewer than two intervals, "
                                       "so the interval length is unknown")])
        data["interval_minutes"] = infer_interval_minutes(coverage["interval_start"])
    if "week_start" not in data:
        first = coverage["interval_start"].min() if len(coverage) else roster["shift_start"].min()
        if pd.isna(first):
            raise DataError([DataIssue(str(meta_path), None, "week_start",
                                       "plan.json is missing and the roster and coverage are empty")])
        data["week_start"] = first.date()
    try:
        meta = PlanMeta.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{err['msg']} (got {err.get('input')!r})", file=str(meta_path), key=key) from None
    if meta.timezone is not None:
        check_timezone(meta.timezone, file=str(meta_path), key="timezone")
    return meta


def _days(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    name = str(path)
    raw = read_raw_table(path)
    require_columns(raw, DAY_COLUMNS, name)
    issues: list[DataIssue] = []
    days = pd.to_datetime(raw["date"], format="%Y-%m-%d", errors="coerce")
    for pos in days.isna().to_numpy().nonzero()[0]:
        issues.append(DataIssue(name, int(pos) + 2, "date", f"expected a date YYYY-MM-DD, got {raw['date'].iloc[pos]!r}"))
    out: dict[str, Any] = {"date": days.dt.date}
    for col in raw.columns:
        if col != "date":
            out[col] = parse_numeric(raw, col, name, issues, allow_blank=True, allow_infinite=col == "asa_seconds")
    raise_if_issues(issues)
    return pd.DataFrame(out)


def _peak_misses(document: dict[str, Any]) -> pd.DataFrame | None:
    rows = document.get("peak_misses")
    if not isinstance(rows, list):
        return None
    frame = pd.DataFrame(rows, columns=["interval_start", "required", "scheduled", "under", "service_level"])
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    frame["service_level"] = frame["service_level"].astype(float)
    return frame


def read_plan(directory: str | Path, *, timezone: str | None = None) -> Plan:
    """Read and validate a plan directory (every file :func:`write_plan` writes).

    Parameters
    ----------
    directory
        The plan directory (``roster.csv`` and ``coverage.csv`` are required).
    timezone
        IANA zone overriding ``plan.json``'s ``timezone`` (e.g. ``"Europe/London"``).

    Raises
    ------
    DataError
        A table is missing or has bad cells (file, line and column are named).
    ConfigError
        ``plan.json`` does not validate or names an unknown time zone.
    """
    d = Path(directory)
    if not d.is_dir():
        raise DataError([DataIssue(str(d), None, None, "plan directory not found")])
    document = _read_object(d / "plan.json") if (d / "plan.json").is_file() else {}
    zone = timezone
    if zone is None and isinstance(document.get("timezone"), str):
        zone = document["timezone"]
    if zone is not None:
        check_timezone(zone, key="timezone")
    roster = read_roster(d / "roster.csv", zone)
    coverage = _read_table(d / "coverage.csv", COVERAGE_COLUMNS, zone)
    meta = _meta(d, timezone, coverage, roster)

    def optional(name: str, columns: tuple[str, ...], extra: tuple[str, ...]) -> pd.DataFrame | None:
        path = d / name
        return _read_table(path, columns, zone, optional=extra, text=("queue",)) if path.is_file() else None

    return Plan(
        meta=meta,
        roster=roster,
        coverage=coverage,
        agents=read_ledger(d / "agents.csv") if (d / "agents.csv").is_file() else None,
        summary=_read_object(d / "summary.json") if (d / "summary.json").is_file() else {},
        forecast=optional("forecast.csv", ("interval_start", "calls"), _FORECAST_OPTIONAL),
        requirements=optional("requirements.csv", ("interval_start", "agents"), _REQUIREMENT_OPTIONAL),
        service=optional("service.csv", ("interval_start",), _SERVICE_OPTIONAL),
        days=_days(d / "days.csv"),
        peak_misses=_peak_misses(document),
    )
