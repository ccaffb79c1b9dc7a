"""An independent checker of a weekly roster: every hard rule, and coverage.

Deliberately shares no code with the optimiser (no grid, no shift-type catalogue):
it reads roster.csv-shaped rows (``agent_id, shift_start, shift_end, paid_minutes,
breaks`` with ``breaks`` a list of ``(start, end)`` timestamps) and re-derives
everything with plain date arithmetic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple

import numpy as np
import pandas as pd

from staffing.roster.config import RosterRules
from staffing.roster.types import AgentContract


@dataclass(frozen=True)
class Violation:
    """One broken hard rule: family, agent, and what is wrong."""

    rule: str
    agent_id: str
    detail: str


class _Row(NamedTuple):
    agent_id: str
    shift_start: pd.Timestamp
    shift_end: pd.Timestamp
    paid_minutes: int
    breaks: list[tuple[pd.Timestamp, pd.Timestamp]]


def _rows(frame: pd.DataFrame) -> list[_Row]:
    return [
        _Row(str(a), pd.Timestamp(s), pd.Timestamp(e), int(p), [(pd.Timestamp(x), pd.Timestamp(y)) for x, y in b])
        for a, s, e, p, b in zip(frame["agent_id"], frame["shift_start"], frame["shift_end"],
                                 frame["paid_minutes"] if "paid_minutes" in frame else [0] * len(frame),
                                 frame["breaks"], strict=True)
    ]


def _hhmm(text: str) -> dt.time:
    return dt.time(int(text[:2]), int(text[3:5]))


def _minutes(delta: pd.Timedelta) -> float:
    return delta.total_seconds() / 60.0


def check_roster(
    roster: pd.DataFrame,
    agents: list[AgentContract],
    rules: RosterRules,
    week_start: pd.Timestamp,
    previous_roster: pd.DataFrame | None = None,
) -> list[Violation]:
    """Every hard-rule violation of ``roster`` (empty when the roster is valid)."""
    out: list[Violation] = []
    contracts = {a.agent_id: a for a in agents}
    week_end = week_start + pd.Timedelta(days=7)
    prev = previous_roster if previous_roster is not None else roster.iloc[0:0]
    for agent_id in sorted(set(roster["agent_id"]) - set(contracts)):
        out.append(Violation("unknown_agent", str(agent_id), "agent not in the agents table"))
    for agent_id, agent in sorted(contracts.items()):
        mine = roster[roster["agent_id"] == agent_id].sort_values("shift_start")
        before = prev[prev["agent_id"] == agent_id].sort_values("shift_start")
        before = before[before["shift_start"] < week_start]

        def bad(rule: str, detail: str, who: str = agent_id) -> None:
            out.append(Violation(rule, who, detail))

        paid_total = 0.0
        for row in _rows(mine):
            start, end = row.shift_start, row.shift_end
            out.extend(_check_shift(agent, rules, start, end, int(row.paid_minutes), list(row.breaks),
                                    week_start, week_end))
            paid_total += int(row.paid_minutes) / 60.0
        # hours
        if paid_total < agent.min_hours - 1e-6:
            bad("hours_min", f"{paid_total:g} paid hours < min_hours {agent.min_hours:g}")
        if paid_total > agent.max_hours + 1e-6:
            bad("hours_max", f"{paid_total:g} paid hours > max_hours {agent.max_hours:g}")
        # one shift per day, days off, consecutive days off
        dates = [s.normalize() for s in mine["shift_start"]]
        if len(set(dates)) != len(dates):
            bad("one_shift_per_day", "two shifts start on the same day")
        week_days = sorted({int((d - week_start).days) for d in dates})
        cap = 7 - rules.min_days_off
        if len(week_days) > cap:
            bad("days_off_min", f"works {len(week_days)} days, at most {cap} allowed")
        if agent.max_days is not None and len(week_days) > agent.max_days:
            bad("max_days", f"works {len(week_days)} days > max_days {agent.max_days}")
        if rules.consecutive_days_off and not any(
            d not in week_days and d + 1 not in week_days for d in range(6)
        ):
            bad("two_consecutive_days_off", f"days worked {week_days} leave no two consecutive days off")
        # consecutive working days including last week
        worked = sorted({int((s.normalize() - week_start).days) for s in before["shift_start"]} | set(week_days))
        run_length, longest = 0, 0
        previous_day = None
        for d in worked:
            run_length = run_length + 1 if previous_day is not None and d == previous_day + 1 else 1
            if d >= 0:
                longest = max(longest, run_length)
            previous_day = d
        if longest > rules.max_consecutive_days:
            bad("max_consecutive_days", f"{longest} consecutive days > {rules.max_consecutive_days}")
        # rest and overlap, including last week's final shift
        spans = [(r.shift_start, r.shift_end) for r in _rows(before)]
        spans += [(r.shift_start, r.shift_end) for r in _rows(mine)]
        for (_s1, e1), (s2, _e2) in pairwise(spans):
            gap = _minutes(s2 - e1)
            if gap < 0:
                bad("overlap", f"shift at {s2} starts before the shift ending {e1}")
            elif gap < rules.min_rest_hours * 60 - 1e-6 and s2 >= week_start:
                bad("min_rest", f"{gap / 60:g} h rest between {e1} and {s2} < {rules.min_rest_hours:g} h")
    return out


def _check_shift(
    agent: AgentContract,
    rules: RosterRules,
    start: pd.Timestamp,
    end: pd.Timestamp,
    paid_minutes: int,
    breaks: list[tuple[pd.Timestamp, pd.Timestamp]],
    week_start: pd.Timestamp,
    week_end: pd.Timestamp,
) -> list[Violation]:
    out: list[Violation] = []
    who = agent.agent_id

    def bad(rule: str, detail: str) -> None:
        out.append(Violation(rule, who, f"shift {start}: {detail}"))

    if not week_start <= start < week_end:
        bad("week", "starts outside the week")
    length_h = _minutes(end - start) / 60.0
    allowed = agent.shift_lengths_hours if agent.shift_lengths_hours is not None else tuple(rules.shift_lengths_hours)
    if not any(abs(length_h - h) < 1e-6 for h in allowed) or not any(
        abs(length_h - h) < 1e-6 for h in rules.shift_lengths_hours
    ):
        bad("shift_length", f"length {length_h:g} h not in {sorted(allowed)}")
    t = start.time()
    if not _hhmm(rules.earliest_start) <= t <= _hhmm(rules.latest_start):
        bad("start_window", f"starts at {t}, outside {rules.earliest_start}-{rules.latest_start}")
    if (start.hour * 60 + start.minute) % rules.start_granularity_minutes or start.second:
        bad("start_granularity", f"start not on the {rules.start_granularity_minutes}-minute grid")
    for lo, hi in agent.unavailable:
        if start < hi and end > lo:
            bad("unavailable", f"overlaps unavailability {lo} - {hi}")
    expected = sorted((b for b in rules.breaks if b.min_shift_hours <= length_h + 1e-9),
                      key=lambda b: b.window_start_hours)
    got = sorted(breaks)
    if len(got) != len(expected):
        bad("breaks", f"{len(got)} breaks, expected {len(expected)} ({', '.join(b.name for b in expected)})")
    else:
        for (b_lo, b_hi), rule in zip(got, expected, strict=True):
            if round(_minutes(b_hi - b_lo)) != rule.duration_minutes:
                bad("breaks", f"{rule.name} break lasts {_minutes(b_hi - b_lo):g} min, not {rule.duration_minutes}")
            if _minutes(b_lo - start) < rule.window_start_hours * 60 - 1e-6 or \
                    _minutes(b_hi - start) > rule.window_end_hours * 60 + 1e-6:
                bad("breaks", f"{rule.name} break {b_lo}-{b_hi} outside its window")
    for (_, e1), (s2, _) in pairwise(got):
        if s2 < e1:
            bad("breaks", "breaks overlap")
    unpaid = sum(r.duration_minutes for r in expected if not r.paid)
    if paid_minutes != round(_minutes(end - start)) - unpaid:
        bad("paid_minutes", f"paid_minutes {paid_minutes} != length minus unpaid breaks "
                            f"{round(_minutes(end - start)) - unpaid}")
    return out


def recompute_coverage(
    roster: pd.DataFrame, interval_starts: pd.DatetimeIndex, interval_minutes: int
) -> np.ndarray:
    """Agents on the floor per interval (on shift and not on a break), by brute force.

    An agent counts in an interval when on shift and not on break for the whole interval.
    """
    counts = np.zeros(len(interval_starts))
    step = pd.Timedelta(minutes=interval_minutes)
    for row in _rows(roster):
        for i, t0 in enumerate(interval_starts):
            t1 = t0 + step
            if row.shift_start <= t0 and t1 <= row.shift_end and not any(
                b0 < t1 and b1 > t0 for b0, b1 in row.breaks
            ):
                counts[i] += 1
    return counts
