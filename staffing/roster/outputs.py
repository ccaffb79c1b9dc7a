"""The result tables: roster, coverage and the per-agent ledger (pure functions)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.roster.config import RosterRules, minutes_of_day
from staffing.roster.grid import MINUTES_PER_DAY, ShiftTypes, WeekGrid
from staffing.roster.rules import target_hours
from staffing.roster.types import AgentContract, shift_rows

ROSTER_COLUMNS = ["agent_id", "shift_start", "shift_end", "paid_minutes", "breaks"]


def roster_frame(
    shifts: list[tuple[int, int, list[int]]],
    types: ShiftTypes,
    agents: list[AgentContract],
    rules: RosterRules,
    week_start: pd.Timestamp,
) -> pd.DataFrame:
    """One row per shift; ``breaks`` is a list of ``(start, end)`` timestamps in time order."""
    rows = []
    for a, k, offsets in shifts:
        start = week_start + pd.Timedelta(minutes=int(types.start_min[k]))
        placements = types.breaks_by_length[int(types.length_min[k])]
        breaks = sorted(
            (start + pd.Timedelta(minutes=off), start + pd.Timedelta(minutes=off + p.rule.duration_minutes))
            for off, p in zip(offsets, placements, strict=True)
        )
        rows.append((agents[a].agent_id, start, start + pd.Timedelta(minutes=int(types.length_min[k])),
                     int(types.paid_min[k]), breaks))
    frame = pd.DataFrame(rows, columns=ROSTER_COLUMNS)
    if frame.empty:
        frame = frame.astype({"shift_start": "datetime64[ns]", "shift_end": "datetime64[ns]", "paid_minutes": "int64"})
    return frame.sort_values(["agent_id", "shift_start"], kind="stable").reset_index(drop=True)


def scheduled_agents(roster: pd.DataFrame, grid: WeekGrid) -> np.ndarray:
    """Agents on the floor per interval: shifts spanning it minus breaks, plus last week's spill-over."""
    g, n = grid.step_minutes, grid.n_intervals
    delta = np.zeros(n + 1)

    def idx(ts: pd.Timestamp) -> int:
        return int(np.clip((ts - grid.week_start).total_seconds() // 60 // g, 0, n))

    for row in shift_rows(roster):
        delta[idx(row.shift_start)] += 1
        delta[idx(row.shift_end)] -= 1
        for lo, hi in row.breaks:
            delta[idx(lo)] -= 1
            delta[idx(hi)] += 1
    return np.cumsum(delta)[:n] + grid.baseline


def coverage_frame(roster: pd.DataFrame, grid: WeekGrid) -> pd.DataFrame:
    """``interval_start, required, scheduled, under, over`` per grid interval."""
    scheduled = scheduled_agents(roster, grid)
    return pd.DataFrame({
        "interval_start": grid.interval_starts(),
        "required": grid.required,
        "scheduled": scheduled,
        "under": np.maximum(grid.required - scheduled, 0.0),
        "over": np.maximum(scheduled - grid.required, 0.0),
    })


def agent_ledger(roster: pd.DataFrame, agents: list[AgentContract], rules: RosterRules,
                 week_start: pd.Timestamp, last_end: dict[str, int]) -> pd.DataFrame:
    """Per agent: contract, paid hours, days, weekend days, late/early shifts, rest gaps, deviations.

    ``*_deviation`` columns are the agent's value minus the mean over agents;
    ``target_deviation_hours`` is paid hours minus the target (midpoint/min/max of the contract).
    Rest gaps include the gap after last week's final shift when known.
    """
    late_from, early_before = minutes_of_day(rules.late_start_from), minutes_of_day(rules.early_start_before)
    by_agent = {aid: grp for aid, grp in roster.groupby("agent_id", sort=True)}
    rows = []
    for agent in agents:
        grp = by_agent.get(agent.agent_id, roster.iloc[0:0])
        starts = [(s - week_start).total_seconds() / 60.0 for s in grp["shift_start"]]
        ends = [(e - week_start).total_seconds() / 60.0 for e in grp["shift_end"]]
        tod = [s % MINUTES_PER_DAY for s in starts]
        days = [int(s // MINUTES_PER_DAY) for s in starts]
        prior = [float(last_end[agent.agent_id])] if agent.agent_id in last_end and starts else []
        previous_ends = prior + ends[:-1]
        gaps = [(b - a) / 60.0 for a, b in zip(previous_ends, starts[len(starts) - len(previous_ends):], strict=True)]
        paid = float(grp["paid_minutes"].sum()) / 60.0
        rows.append({
            "agent_id": agent.agent_id,
            "min_hours": agent.min_hours,
            "max_hours": agent.max_hours,
            "target_hours": target_hours(agent, rules),
            "paid_hours": paid,
            "shifts": len(starts),
            "days_worked": len(set(days)),
            "weekend_days": sum(1 for d in set(days) if d in (5, 6)),
            "late_shifts": sum(1 for t in tod if t >= late_from),
            "early_shifts": sum(1 for t in tod if t < early_before),
            "shortest_rest_hours": min(gaps) if gaps else np.nan,
            "longest_rest_hours": max(gaps) if gaps else np.nan,
        })
    ledger = pd.DataFrame(rows)
    if ledger.empty:
        return ledger
    ledger["target_deviation_hours"] = ledger["paid_hours"] - ledger["target_hours"]
    for col in ("weekend_days", "late_shifts", "early_shifts"):
        ledger[f"{col}_deviation"] = ledger[col] - ledger[col].mean()
    return ledger
