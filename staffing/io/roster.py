"""Readers and writers of the roster optimiser: requirements, agents, rules, plan files.

File formats
------------
requirements CSV: ``interval_start, agents`` (other Requirements-CSV columns ignored).
agents CSV: ``agent_id, min_hours, max_hours`` plus optional ``max_days``,
``shift_lengths`` (``"8;9"``), ``unavailable`` (``;``-separated dates ``2024-03-05`` or
windows ``2024-03-05T12:00/2024-03-05T18:00``) and ``skills`` (reserved, ``;``-separated).
roster CSV: ``agent_id, shift_start, shift_end, paid_minutes, breaks`` with ``breaks``
as ``start/end`` ISO date-times separated by ``;``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from staffing.errors import ConfigError, DataIssue
from staffing.io.tables import (
    FIRST_DATA_LINE,
    parse_datetime,
    parse_numeric,
    raise_if_issues,
    read_raw_table,
    require_columns,
    write_csv,
    write_json,
)
from staffing.roster.config import RosterRules, RosterSection
from staffing.roster.types import AgentContract, RosterResult

ISO = "%Y-%m-%dT%H:%M:%S"


def read_requirements_for_roster(path: str | Path) -> pd.DataFrame:
    """``interval_start`` (datetime) and ``agents`` (float >= 0) from a requirements file."""
    name = str(path)
    raw = read_raw_table(path)
    require_columns(raw, ["interval_start", "agents"], name)
    issues: list[DataIssue] = []
    starts = parse_datetime(raw, "interval_start", name, issues)
    agents = parse_numeric(raw, "agents", name, issues, minimum=0.0)
    raise_if_issues(issues)
    dup = starts.duplicated(keep="first").to_numpy().nonzero()[0]
    raise_if_issues([DataIssue(name, int(p) + FIRST_DATA_LINE, "interval_start", "duplicate interval") for p in dup])
    if getattr(starts.dt, "tz", None) is not None:
        starts = starts.dt.tz_localize(None)
    return pd.DataFrame({"interval_start": starts.to_numpy(), "agents": agents.to_numpy()})


def _split(cell: Any) -> list[str]:
    text = "" if cell is None else str(cell).strip()
    return [p.strip() for p in text.split(";") if p.strip()] if text and text.lower() != "nan" else []


def _window(part: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    if "/" in part:
        lo, hi = (pd.Timestamp(p.strip()) for p in part.split("/", 1))
        if hi <= lo:
            raise ValueError("window end must be after its start")
        return lo, hi
    day = pd.Timestamp(part)
    if day != day.normalize():
        raise ValueError("a single value must be a date")
    return day, day + pd.Timedelta(days=1)


def read_agents(path: str | Path) -> list[AgentContract]:
    """Agent contracts, validated row by row (every problem reported at once)."""
    name = str(path)
    raw = read_raw_table(path)
    require_columns(raw, ["agent_id", "min_hours", "max_hours"], name)
    issues: list[DataIssue] = []
    lo = parse_numeric(raw, "min_hours", name, issues, minimum=0.0)
    hi = parse_numeric(raw, "max_hours", name, issues, minimum=0.0)
    days = parse_numeric(raw, "max_days", name, issues, allow_blank=True, minimum=0.0) if "max_days" in raw else None
    out: list[AgentContract] = []
    seen: set[str] = set()
    for pos in range(len(raw)):
        line = pos + FIRST_DATA_LINE
        agent_id = str(raw["agent_id"].iloc[pos]).strip()
        if not agent_id:
            issues.append(DataIssue(name, line, "agent_id", "expected an agent id, got a blank cell"))
        elif agent_id in seen:
            issues.append(DataIssue(name, line, "agent_id", f"duplicate agent_id {agent_id!r}"))
        seen.add(agent_id)
        if pd.notna(lo.iloc[pos]) and pd.notna(hi.iloc[pos]) and lo.iloc[pos] > hi.iloc[pos]:
            issues.append(DataIssue(name, line, "max_hours", f"expected max_hours >= min_hours {lo.iloc[pos]:g}"))
        lengths: tuple[float, ...] | None = None
        if "shift_lengths" in raw:
            try:
                parts = tuple(float(p) for p in _split(raw["shift_lengths"].iloc[pos]))
                lengths = parts or None
            except ValueError:
                issues.append(DataIssue(name, line, "shift_lengths",
                                        f"expected hours separated by ';' like 8;9, got {raw['shift_lengths'].iloc[pos]!r}"))
        windows: list[tuple[pd.Timestamp, pd.Timestamp]] = []
        if "unavailable" in raw:
            for part in _split(raw["unavailable"].iloc[pos]):
                try:
                    windows.append(_window(part))
                except ValueError as exc:
                    issues.append(DataIssue(name, line, "unavailable",
                                            f"expected 2024-03-05 or 2024-03-05T12:00/2024-03-05T18:00, got {part!r} ({exc})"))
        max_days = None
        if days is not None and pd.notna(days.iloc[pos]):
            value = float(days.iloc[pos])
            if value != int(value) or value > 7:
                issues.append(DataIssue(name, line, "max_days", f"expected a whole number 0-7, got {value:g}"))
            max_days = int(value)
        skills = tuple(_split(raw["skills"].iloc[pos])) if "skills" in raw else ()
        out.append(AgentContract(agent_id, float(lo.iloc[pos]), float(hi.iloc[pos]), max_days, lengths,
                                 tuple(windows), skills))
    raise_if_issues(issues)
    return out


def roster_rules_from_mapping(data: Any, file: str) -> RosterRules:
    """Validate a mapping holding a ``roster:`` section; ConfigError names file and key."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping at the top level", file=file)
    try:
        return RosterSection.model_validate({"roster": data.get("roster") or {}}).roster
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{err['msg']} (got {err.get('input')!r})", file=file, key=key) from None


def read_roster_rules(path: str | Path) -> RosterRules:
    """The ``roster:`` section of a YAML config file (defaults for what is absent)."""
    from staffing.io.config import read_yaml

    return roster_rules_from_mapping(read_yaml(path), str(path))


def read_roster(path: str | Path) -> pd.DataFrame:
    """A roster CSV (e.g. last week's) with ``breaks`` parsed into ``(start, end)`` lists."""
    name = str(path)
    raw = read_raw_table(path)
    require_columns(raw, ["agent_id", "shift_start", "shift_end"], name)
    if "breaks" not in raw:
        raw = raw.assign(breaks="")
    issues: list[DataIssue] = []
    starts = parse_datetime(raw, "shift_start", name, issues)
    ends = parse_datetime(raw, "shift_end", name, issues)
    breaks: list[list[tuple[pd.Timestamp, pd.Timestamp]]] = []
    for pos, cell in enumerate(raw["breaks"].tolist()):
        row: list[tuple[pd.Timestamp, pd.Timestamp]] = []
        for part in _split(cell):
            try:
                lo, hi = (pd.Timestamp(p) for p in part.split("/", 1))
                row.append((lo, hi))
            except ValueError:
                issues.append(DataIssue(name, pos + FIRST_DATA_LINE, "breaks",
                                        f"expected start/end date-times separated by ';', got {part!r}"))
        breaks.append(row)
    paid = (parse_numeric(raw, "paid_minutes", name, issues, minimum=0.0) if "paid_minutes" in raw
            else ((ends - starts).dt.total_seconds() / 60.0))
    raise_if_issues(issues)
    for pos in range(len(raw)):
        if ends.iloc[pos] <= starts.iloc[pos]:
            issues.append(DataIssue(name, pos + FIRST_DATA_LINE, "shift_end", "expected shift_end after shift_start"))
    raise_if_issues(issues)
    return pd.DataFrame({
        "agent_id": raw["agent_id"].astype(str).str.strip().to_numpy(),
        "shift_start": starts.to_numpy(),
        "shift_end": ends.to_numpy(),
        "paid_minutes": paid.round().astype(int).to_numpy(),
        "breaks": pd.Series(breaks, dtype=object).to_numpy(),
    })


def format_breaks(breaks: list[tuple[pd.Timestamp, pd.Timestamp]]) -> str:
    """``start/end`` ISO pairs separated by ``;``."""
    return ";".join(f"{lo.strftime(ISO)}/{hi.strftime(ISO)}" for lo, hi in breaks)


def roster_csv_frame(roster: pd.DataFrame) -> pd.DataFrame:
    """The roster as written to ``roster.csv`` (ISO date-times, breaks as text)."""
    return pd.DataFrame({
        "agent_id": roster["agent_id"],
        "shift_start": roster["shift_start"].dt.strftime(ISO),
        "shift_end": roster["shift_end"].dt.strftime(ISO),
        "paid_minutes": roster["paid_minutes"].astype(int),
        "breaks": [format_breaks(b) for b in roster["breaks"]],
    })


def summary_dict(result: RosterResult) -> dict[str, Any]:
    """The content of ``summary.json``."""
    return {
        "status": result.status.value,
        "solver": result.solver,
        "under_staffed_agent_hours": round(result.under_agent_hours, 4),
        "under_staffed_peak_agent_hours": round(result.under_peak_agent_hours, 4),
        "over_staffed_agent_hours": round(result.over_agent_hours, 4),
        "over_staffed_after_week_agent_hours": round(result.over_after_week_agent_hours, 4),
        "paid_hours": round(result.paid_hours, 4),
        "coverage_objective": round(result.coverage_objective, 4),
        "lower_bound": round(result.lower_bound, 4),
        "gap": round(result.gap, 6),
        "solve_seconds": round(result.solve_seconds, 3),
        "solver_status": {s.name: s.status for s in result.stages},
        "stages": [
            {"name": s.name, "solver": s.solver, "status": s.status, "seconds": round(s.seconds, 3),
             "objective": s.objective, "variables": s.variables, "constraints": s.constraints}
            for s in result.stages
        ],
        "capacity": {
            "required_agent_hours": round(result.capacity.required_agent_hours, 4),
            "contracted_min_hours": result.capacity.contracted_min_hours,
            "contracted_max_hours": result.capacity.contracted_max_hours,
            "problems": list(result.capacity.problems),
        },
        "rules_bent": [
            {"rule": b.rule, "agent_id": b.agent_id, "amount": b.amount, "unit": b.unit, "detail": b.detail}
            for b in result.bent_rules
        ],
    }


def write_roster_outputs(result: RosterResult, out_dir: str | Path) -> list[Path]:
    """Write ``roster.csv``, ``coverage.csv``, ``agents.csv`` and ``summary.json`` atomically."""
    out = Path(out_dir)
    coverage = result.coverage.assign(interval_start=result.coverage["interval_start"].dt.strftime(ISO))
    return [
        write_csv(roster_csv_frame(result.roster), out / "roster.csv"),
        write_csv(coverage, out / "coverage.csv", float_format="%.4f"),
        write_csv(result.agents, out / "agents.csv", float_format="%.4f"),
        write_json(summary_dict(result), out / "summary.json"),
    ]
