"""What last week's roster carries into this week: last shift end and days worked."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from staffing.roster.grid import MINUTES_PER_DAY
from staffing.roster.types import shift_rows


@dataclass(frozen=True)
class CarryOver:
    """Per agent: end of the last shift before this week (minutes after week start,
    usually negative) and the day offsets (-1 = last Sunday, ...) worked last week."""

    last_end_min: dict[str, int]
    worked_days: dict[str, frozenset[int]]

    @classmethod
    def empty(cls) -> CarryOver:
        return cls({}, {})


def carry_over(previous: pd.DataFrame | None, week_start: pd.Timestamp) -> CarryOver:
    """Summarise a roster-shaped frame of earlier shifts (``agent_id, shift_start, shift_end``)."""
    if previous is None or previous.empty:
        return CarryOver.empty()
    last: dict[str, int] = {}
    days: dict[str, set[int]] = {}
    for row in shift_rows(previous.sort_values(["agent_id", "shift_start"])):
        start_min = int((row.shift_start - week_start).total_seconds() // 60)
        if start_min >= 0:
            continue
        end_min = int((row.shift_end - week_start).total_seconds() // 60)
        agent = str(row.agent_id)
        last[agent] = max(last.get(agent, end_min), end_min)
        days.setdefault(agent, set()).add(start_min // MINUTES_PER_DAY)
    return CarryOver(last, {a: frozenset(d) for a, d in days.items()})
