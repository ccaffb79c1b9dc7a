"""Read a plan directory for the exports and the report; write the export files.

This module holds small plan-directory readers of its own (``read_plan_dir``) so the
exports did not have to wait for ``staffing.io.plan``; the two should be merged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from pydantic import ValidationError

from staffing.errors import ConfigError, DataError, DataIssue
from staffing.io.tables import (
    FIRST_DATA_LINE,
    atomic_path,
    parse_datetime,
    parse_numeric,
    raise_if_issues,
    read_raw_table,
    require_columns,
    write_csv,
)
from staffing.planning.model import COVERAGE_COLUMNS, ROSTER_COLUMNS, PlanContents, PlanMeta

_DEFAULT_INTERVAL_MINUTES = 15


def check_timezone(name: str, *, file: str | None = None, key: str | None = None) -> ZoneInfo:
    """Return the :class:`~zoneinfo.ZoneInfo` for ``name`` or raise :class:`ConfigError`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown time zone {name!r}: expected an IANA name like 'Europe/London'",
            file=file,
            key=key,
        ) from None


def to_local(values: pd.Series, timezone: str | None) -> pd.Series:
    """Naive local wall-clock times: aware values are converted to ``timezone``, naive kept."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        zone = timezone or "UTC"
        return values.dt.tz_convert(zone).dt.tz_localize(None)
    return values


def _timestamp(text: str, timezone: str | None) -> pd.Timestamp:
    stamp = pd.Timestamp(text.strip())
    if stamp is pd.NaT:
        raise ValueError(text)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(timezone or "UTC").tz_localize(None)
    return stamp


def parse_breaks(
    frame: pd.DataFrame, file: str, issues: list[DataIssue], timezone: str | None
) -> list[tuple[tuple[pd.Timestamp, pd.Timestamp], ...]]:
    """Parse the roster's ``breaks`` cells (``start/end`` pairs separated by ``;``)."""
    out: list[tuple[tuple[pd.Timestamp, pd.Timestamp], ...]] = []
    for pos, cell in enumerate(frame["breaks"].astype(str).tolist()):
        pairs: list[tuple[pd.Timestamp, pd.Timestamp]] = []
        for part in (p.strip() for p in cell.split(";")):
            if part in ("", "nan", "None"):
                continue
            try:
                start_text, end_text = part.split("/")
                start, end = _timestamp(start_text, timezone), _timestamp(end_text, timezone)
            except ValueError:
                issues.append(DataIssue(file, pos + FIRST_DATA_LINE, "breaks",
                                        f"expected start/end ISO date-times, got {part!r}"))
                continue
            if end <= start:
                issues.append(DataIssue(file, pos + FIRST_DATA_LINE, "breaks",
                                        f"break {part!r} ends before it starts"))
                continue
            pairs.append((start, end))
        out.append(tuple(sorted(pairs)))
    return out


def read_roster(path: Path, timezone: str | None) -> pd.DataFrame:
    """Read and validate ``roster.csv`` (see :attr:`PlanContents.roster`)."""
    name = str(path)
    raw = read_raw_table(path)
    if "breaks" not in raw.columns:
        raw = raw.assign(breaks="")
    require_columns(raw, ROSTER_COLUMNS, name)
    issues: list[DataIssue] = []
    start = to_local(parse_datetime(raw, "shift_start", name, issues), timezone)
    end = to_local(parse_datetime(raw, "shift_end", name, issues), timezone)
    paid = parse_numeric(raw, "paid_minutes", name, issues, minimum=0.0)
    breaks = parse_breaks(raw, name, issues, timezone)
    agent = raw["agent_id"].astype(str).str.strip()
    for pos in (agent == "").to_numpy().nonzero()[0]:
        issues.append(DataIssue(name, int(pos) + FIRST_DATA_LINE, "agent_id", "expected an agent id, got a blank cell"))
    bad_order = (end <= start).fillna(False).to_numpy()
    for pos in bad_order.nonzero()[0]:
        issues.append(DataIssue(name, int(pos) + FIRST_DATA_LINE, "shift_end", "shift ends before it starts"))
    raise_if_issues(issues)
    roster = pd.DataFrame({
        "agent_id": agent.to_numpy(dtype=object),
        "shift_start": start.to_numpy(),
        "shift_end": end.to_numpy(),
        "paid_minutes": paid.to_numpy(),
        "breaks": pd.Series(breaks, dtype=object).to_numpy(),
    })
    return roster.sort_values(["agent_id", "shift_start"], kind="stable").reset_index(drop=True)


def _read_numeric_table(
    path: Path, columns: tuple[str, ...], timezone: str | None, *, optional: tuple[str, ...] = ()
) -> pd.DataFrame:
    name = str(path)
    raw = read_raw_table(path)
    require_columns(raw, columns, name)
    issues: list[DataIssue] = []
    out = {"interval_start": to_local(parse_datetime(raw, "interval_start", name, issues), timezone)}
    for col in (*columns, *optional):
        if col == "interval_start" or col not in raw.columns:
            continue
        out[col] = parse_numeric(raw, col, name, issues, allow_blank=col not in columns)
    raise_if_issues(issues)
    return pd.DataFrame(out).sort_values("interval_start", kind="stable").reset_index(drop=True)


def read_coverage(path: Path, timezone: str | None) -> pd.DataFrame:
    """Read and validate ``coverage.csv`` (see :attr:`PlanContents.coverage`)."""
    return _read_numeric_table(path, COVERAGE_COLUMNS, timezone)


def read_agents(path: Path) -> pd.DataFrame:
    """Read ``agents.csv``: every column that is entirely numeric becomes float."""
    raw = read_raw_table(path)
    require_columns(raw, ("agent_id",), str(path))
    out = raw.copy()
    for col in out.columns:
        if col == "agent_id":
            continue
        numeric = pd.to_numeric(out[col], errors="coerce")
        text = out[col].astype(str).str.strip()
        if bool(numeric.notna().eq(text.ne("")).all()):
            out[col] = numeric.astype(float)
    out["agent_id"] = out["agent_id"].astype(str).str.strip()
    return out


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError([DataIssue(str(path), None, None, f"cannot be read as JSON: {exc}")]) from None


def read_plan_meta(path: Path) -> dict[str, Any]:
    """Read ``plan.json`` as a dict (validated by :class:`PlanMeta` by the caller)."""
    data = _read_json(path)
    if not isinstance(data, dict):
        raise ConfigError("expected a JSON object", file=str(path))
    return data


def _meta(directory: Path, timezone: str | None, coverage: pd.DataFrame, roster: pd.DataFrame) -> PlanMeta:
    meta_path = directory / "plan.json"
    data: dict[str, Any] = read_plan_meta(meta_path) if meta_path.is_file() else {}
    if timezone is not None:
        data["timezone"] = timezone
    if "interval_minutes" not in data:
        steps = coverage["interval_start"].diff().dropna()
        data["interval_minutes"] = (
            int(steps.min().total_seconds() // 60) if len(steps) and steps.min().total_seconds() > 0
            else _DEFAULT_INTERVAL_MINUTES
        )
    if "week_start" not in data:
        first = coverage["interval_start"].min() if len(coverage) else roster["shift_start"].min()
        data["week_start"] = date(1970, 1, 1) if pd.isna(first) else first.date()
    try:
        meta = PlanMeta.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise ConfigError(err["msg"], file=str(meta_path), key=key) from None
    if meta.timezone is not None:
        check_timezone(meta.timezone, file=str(meta_path), key="timezone")
    return meta


def read_plan_dir(directory: str | Path, *, timezone: str | None = None) -> PlanContents:
    """Read and validate a plan directory.

    Parameters
    ----------
    directory
        The plan directory (``roster.csv`` and ``coverage.csv`` are required; the other
        files are optional).
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
    zone = timezone
    if zone is None and (d / "plan.json").is_file():
        raw_zone = read_plan_meta(d / "plan.json").get("timezone")
        zone = raw_zone if isinstance(raw_zone, str) else None
    if zone is not None:
        check_timezone(zone, key="timezone")
    roster = read_roster(d / "roster.csv", zone)
    coverage = read_coverage(d / "coverage.csv", zone)
    meta = _meta(d, timezone, coverage, roster)
    agents = read_agents(d / "agents.csv") if (d / "agents.csv").is_file() else None
    summary = _read_json(d / "summary.json") if (d / "summary.json").is_file() else {}
    if not isinstance(summary, dict):
        raise DataError([DataIssue(str(d / "summary.json"), None, None, "expected a JSON object")])
    forecast = (
        _read_numeric_table(d / "forecast.csv", ("interval_start", "calls"), zone,
                            optional=("lower80", "upper80", "lower95", "upper95", "aht_seconds"))
        if (d / "forecast.csv").is_file() else None
    )
    requirements = (
        _read_numeric_table(d / "requirements.csv", ("interval_start", "agents"), zone,
                            optional=("calls", "aht_seconds", "load_erlangs", "service_level",
                                      "asa_seconds", "occupancy", "prob_abandon"))
        if (d / "requirements.csv").is_file() else None
    )
    return PlanContents(meta=meta, roster=roster, coverage=coverage, agents=agents,
                        summary=summary, forecast=forecast, requirements=requirements)


def write_bytes(data: bytes, path: str | Path) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_rota_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the flat rota (:func:`staffing.exports.rota.flat_rota`) as CSV atomically."""
    return write_csv(frame, path)


def read_calendar_folder(folder: str | Path) -> dict[str, bytes]:
    """The ``*.ics`` files already in ``folder`` (file name -> bytes); empty when none."""
    d = Path(folder)
    if not d.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in sorted(d.glob("*.ics"))}


def write_calendar_folder(files: Mapping[str, bytes], folder: str | Path) -> list[Path]:
    """Write one file per entry of ``files`` into ``folder`` atomically (each file)."""
    d = Path(folder)
    if d.exists() and not d.is_dir():
        raise DataError([DataIssue(str(d), None, None, "ICS output must be a folder, found a file")])
    d.mkdir(parents=True, exist_ok=True)
    return [write_bytes(data, d / name) for name, data in sorted(files.items())]
