"""Planner-facing views of the roster: a flat shift list and an agent x day grid.

Pure functions of :attr:`staffing.planning.model.Plan.roster`. A shift belongs
to the calendar day on which it *starts* (a 22:00-06:00 night shift is Monday's shift
when it starts on Monday); its end is shown with ``(+1)`` when it ends on a later day.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

Break = tuple[pd.Timestamp, pd.Timestamp]


@dataclass(frozen=True)
class Shift:
    """One roster row, typed (times are naive local)."""

    agent_id: str
    start: pd.Timestamp
    end: pd.Timestamp
    paid_minutes: float
    breaks: tuple[Break, ...]


def iter_shifts(roster: pd.DataFrame) -> Iterator[Shift]:
    """The roster's rows as :class:`Shift` objects, in frame order."""
    columns = zip(roster["agent_id"].tolist(), roster["shift_start"].tolist(), roster["shift_end"].tolist(),
                  roster["paid_minutes"].tolist(), roster["breaks"].tolist(), strict=True)
    for agent, start, end, paid, breaks in columns:
        yield Shift(str(agent), pd.Timestamp(start), pd.Timestamp(end), float(paid),
                    cast("tuple[Break, ...]", tuple(breaks)))

#: Columns of :func:`flat_rota`.
FLAT_ROTA_COLUMNS = ("agent_id", "date", "weekday", "start", "end", "paid_hours", "shift_hours", "breaks")


def _clock(stamp: pd.Timestamp, day: pd.Timestamp) -> str:
    extra = (stamp.normalize() - day.normalize()).days
    return stamp.strftime("%H:%M") + (f" (+{extra})" if extra > 0 else "")


def format_breaks(breaks: Iterable[tuple[pd.Timestamp, pd.Timestamp]], day: pd.Timestamp) -> str:
    """``"12:00-12:30; 15:00-15:15"`` (clock times, ``(+1)`` on a later day than ``day``)."""
    return "; ".join(f"{_clock(s, day)}-{_clock(e, day)}" for s, e in breaks)


def elapsed_hours(start: pd.Timestamp, end: pd.Timestamp, timezone: str | None) -> float:
    """Real hours between two naive local times in ``timezone`` (DST-aware; naive when ``None``)."""
    if timezone is not None:
        start = start.tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
        end = end.tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
    return (end - start).total_seconds() / 3600.0


def elapsed_hours_series(start: pd.Series, end: pd.Series, timezone: str | None) -> pd.Series:
    """Vectorised :func:`elapsed_hours` (ambiguous times = first occurrence, gaps shifted forward)."""
    if timezone is not None and len(start):
        first = np.ones(len(start), dtype=bool)
        start = start.dt.tz_localize(timezone, ambiguous=first, nonexistent="shift_forward")
        end = end.dt.tz_localize(timezone, ambiguous=first, nonexistent="shift_forward")
    return (end - start).dt.total_seconds() / 3600.0


def flat_rota(roster: pd.DataFrame, timezone: str | None = None) -> pd.DataFrame:
    """One row per shift, ready for a spreadsheet.

    Returns
    -------
    DataFrame
        ``agent_id``, ``date`` (ISO day the shift starts), ``weekday`` (Mon..Sun), ``start``
        and ``end`` (``HH:MM``, end with ``(+1)`` past midnight), ``paid_hours`` =
        ``paid_minutes / 60``, ``shift_hours`` = real elapsed hours from start to end in
        ``timezone`` (a night shift across a spring DST change is one hour shorter), and ``breaks``
        (``HH:MM-HH:MM`` separated by ``; ``). Sorted by agent then start.
    """
    hours = elapsed_hours_series(roster["shift_start"], roster["shift_end"], timezone).round(4).tolist()
    rows = []
    for rec, shift_hours in zip(iter_shifts(roster), hours, strict=True):
        start, end = rec.start, rec.end
        rows.append((
            rec.agent_id,
            start.date().isoformat(),
            start.strftime("%a"),
            start.strftime("%H:%M"),
            _clock(end, start),
            round(rec.paid_minutes / 60.0, 4),
            shift_hours,
            format_breaks(rec.breaks, start),
        ))
    return pd.DataFrame(rows, columns=list(FLAT_ROTA_COLUMNS))


def rota_days(roster: pd.DataFrame, week_start: pd.Timestamp | None = None) -> list[pd.Timestamp]:
    """The days shown in a rota grid: the seven days from ``week_start`` plus any shift day outside."""
    days = set(pd.to_datetime(roster["shift_start"]).dt.normalize().tolist())
    if week_start is not None:
        base = pd.Timestamp(week_start).normalize()
        days |= {base + pd.Timedelta(days=i) for i in range(7)}
    return sorted(days)


def rota_grid(roster: pd.DataFrame, week_start: pd.Timestamp | None = None) -> pd.DataFrame:
    """Agent x day grid of shift texts (``"08:00-16:30"`` then a line ``"breaks 12:00-12:30"``).

    Index: ``agent_id``; columns: the days of :func:`rota_days`; empty string = day off.
    Several shifts starting on one day are joined by a blank line.
    """
    days = rota_days(roster, week_start)
    agents = sorted(set(roster["agent_id"].astype(str)))
    grid = pd.DataFrame("", index=pd.Index(agents, name="agent_id"), columns=days, dtype=object)
    for rec in iter_shifts(roster):
        start, end = rec.start, rec.end
        text = f"{start:%H:%M}-{_clock(end, start)}"
        if rec.breaks:
            text += "\nbreaks " + format_breaks(rec.breaks, start)
        day = start.normalize()
        current = str(grid.at[rec.agent_id, day])
        grid.at[rec.agent_id, day] = f"{current}\n\n{text}" if current else text
    return grid
