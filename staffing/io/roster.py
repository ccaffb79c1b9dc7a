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
    to_local,
    write_csv,
    write_json,
)
from staffing.roster.config import RosterRules, RosterSection
from staffing.roster.summary import roster_summary
from staffing.roster.types import AgentContract, RosterResult
from staffing.tables import ISO, UTC_OFFSET_COLUMN, roster_csv_frame


def read_requirements_for_roster(path: str | Path, timezone: str | None = None) -> pd.DataFrame:
    """``interval_start`` (naive local wall time) and ``agents`` (float >= 0) from a requirements file.

    The roster works on local wall time. Times written with one UTC offset are read as
    the wall times written; times with several offsets (a week with a DST change, as
    ``staffing forecast --timezone`` writes them) are converted to ``timezone``, which is
    then required.
    """
    name = str(path)
    raw = read_raw_table(path)
    require_columns(raw, ["interval_start", "agents"], name)
    issues: list[DataIssue] = []
    starts = parse_datetime(raw, "interval_start", name, issues)
    agents = parse_numeric(raw, "agents", name, issues, minimum=0.0)
    raise_if_issues(issues)
    if getattr(starts.dt, "tz", None) is not None:
        if timezone is not None:
            return _one_row_per_wall_time(starts.dt.tz_convert(timezone).dt.tz_localize(None), agents)
        offsets = raw["interval_start"].astype(str).str.strip().str.extract(r"(Z|[+-]\d\d:?\d\d)$")[0]
        if offsets.nunique() > 1:
            raise_if_issues([DataIssue(name, None, "interval_start",
                                       f"times carry {offsets.nunique()} different UTC offsets (a DST change): "
                                       "give the site's time zone to read them as local wall time")])
        starts = starts.dt.tz_localize(None)
    elif UTC_OFFSET_COLUMN in raw.columns:
        # A plan's own requirements.csv: naive wall time with each interval's UTC offset, so a
        # repeated wall time is the fall-back hour, not a duplicate.
        return _one_row_per_wall_time(starts, agents)
    dup = starts.duplicated(keep="first").to_numpy().nonzero()[0]
    raise_if_issues([DataIssue(name, int(p) + FIRST_DATA_LINE, "interval_start", "duplicate interval") for p in dup])
    return pd.DataFrame({"interval_start": starts.to_numpy(), "agents": agents.to_numpy()})


def _one_row_per_wall_time(wall: pd.Series, agents: pd.Series) -> pd.DataFrame:
    """The fall-back hour occurs twice in wall time; the roster covers each wall-clock
    interval once, so it takes the larger of the two requirements."""
    frame = pd.DataFrame({"interval_start": wall.to_numpy(), "agents": agents.to_numpy()})
    return frame.groupby("interval_start", sort=True)["agents"].max().reset_index()


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


def read_roster(path: str | Path, timezone: str | None = None) -> pd.DataFrame:
    """Read and validate a roster CSV (a plan's ``roster.csv``, or last week's).

    Parameters
    ----------
    path
        ``agent_id, shift_start, shift_end`` plus ``paid_minutes`` (default: the shift's
        length) and ``breaks`` (``start/end`` ISO pairs separated by ``;``).
    timezone
        Zone that date-times with a UTC offset are converted to (then kept naive local).

    Returns
    -------
    pandas.DataFrame
        :data:`staffing.tables.ROSTER_COLUMNS`, sorted by ``agent_id, shift_start``;
        ``breaks`` is a tuple of ``(start, end)`` timestamps per shift.
    """
    name = str(path)
    raw = read_raw_table(path)
    require_columns(raw, ("agent_id", "shift_start", "shift_end"), name)
    if "breaks" not in raw.columns:
        raw = raw.assign(breaks="")
    issues: list[DataIssue] = []
    start = to_local(parse_datetime(raw, "shift_start", name, issues), timezone)
    end = to_local(parse_datetime(raw, "shift_end", name, issues), timezone)
    paid = (parse_numeric(raw, "paid_minutes", name, issues, minimum=0.0) if "paid_minutes" in raw.columns
            else (end - start).dt.total_seconds() / 60.0)
    breaks = parse_breaks(raw, name, issues, timezone)
    agent = raw["agent_id"].astype(str).str.strip()
    for pos in (agent == "").to_numpy().nonzero()[0]:
        issues.append(DataIssue(name, int(pos) + FIRST_DATA_LINE, "agent_id", "expected an agent id, got a blank cell"))
    bad_order = (end <= start).fillna(False).to_numpy()
    for pos in bad_order.nonzero()[0]:
        issues.append(DataIssue(name, int(pos) + FIRST_DATA_LINE, "shift_end", "shift ends before it starts: expected shift_end after shift_start"))
    raise_if_issues(issues)
    roster = pd.DataFrame({
        "agent_id": agent.to_numpy(dtype=object),
        "shift_start": start.to_numpy(),
        "shift_end": end.to_numpy(),
        "paid_minutes": paid.to_numpy(dtype=float),
        "breaks": pd.Series(breaks, dtype=object).to_numpy(),
    })
    return roster.sort_values(["agent_id", "shift_start"], kind="stable").reset_index(drop=True)


def write_roster_outputs(result: RosterResult, out_dir: str | Path) -> list[Path]:
    """Write ``roster.csv``, ``coverage.csv``, ``agents.csv`` and ``summary.json`` atomically."""
    out = Path(out_dir)
    coverage = result.coverage.assign(interval_start=result.coverage["interval_start"].dt.strftime(ISO))
    return [
        write_csv(roster_csv_frame(result.roster), out / "roster.csv"),
        write_csv(coverage, out / "coverage.csv", float_format="%.4f"),
        write_csv(result.agents, out / "agents.csv", float_format="%.4f"),
        write_json(roster_summary(result), out / "summary.json"),
    ]
