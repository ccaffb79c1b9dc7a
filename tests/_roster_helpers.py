"""Shared builders for the roster tests (small instances that solve in about a second)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.roster import (
    AgentContract,
    RosterResult,
    RosterRules,
    build_roster,
    check_roster,
    recompute_coverage,
)
from staffing.roster.inputs import RosterInputs, roster_inputs
from staffing.roster.service import ServiceCurves

WEEK = pd.Timestamp("2024-03-04")  # a Monday


def small_rules(**overrides: object) -> RosterRules:
    """8 h shifts starting on the hour, one unpaid 30-min lunch 3-5 h in; everything else default."""
    base: dict[str, object] = {
        "shift_lengths_hours": [8.0],
        "start_granularity_minutes": 60,
        "earliest_start": "00:00",
        "latest_start": "23:00",
        "breaks": [{"name": "lunch", "min_shift_hours": 6, "duration_minutes": 30, "paid": False,
                    "window_start_hours": 3, "window_end_hours": 5}],
    }
    base.update(overrides)
    return RosterRules.model_validate(base)


def requirement(*windows: tuple[str, str, float]) -> pd.DataFrame:
    """A week of 15-min intervals, 0 except ``(start, end, agents)`` windows (half-open)."""
    starts = pd.date_range(WEEK, periods=7 * 96, freq="15min")
    agents = np.zeros(starts.size)
    for lo, hi, value in windows:
        agents[(starts >= pd.Timestamp(lo)) & (starts < pd.Timestamp(hi))] = value
    return pd.DataFrame({"interval_start": starts, "agents": agents})


def agent(agent_id: str = "A1", min_hours: float = 0.0, max_hours: float = 60.0, **kw: object) -> AgentContract:
    return AgentContract(agent_id=agent_id, min_hours=min_hours, max_hours=max_hours, **kw)  # type: ignore[arg-type]


def solve_checked(req: pd.DataFrame, agents: list[AgentContract], rules: RosterRules,
                  previous: pd.DataFrame | None = None, solver: str = "highs") -> RosterResult:
    """Solve, then verify with the independent checker and the brute-force coverage."""
    result = build_roster(req, agents, rules, WEEK, previous_roster=previous, solver=solver,  # type: ignore[arg-type]
                          time_limit=30)
    if not result.bent_rules:
        assert check_roster(result.roster, agents, rules, WEEK, previous) == []
    scheduled = recompute_coverage(result.roster, pd.DatetimeIndex(result.coverage["interval_start"]), 15)
    base = result.coverage["scheduled"].to_numpy() - scheduled
    # The only coverage the roster itself does not explain is last week's spill-over.
    if previous is None:
        np.testing.assert_allclose(base, 0.0)
    return result


def shift(agent_id: str, start: str, end: str, paid: int, breaks: list[tuple[str, str]]) -> dict[str, object]:
    return {"agent_id": agent_id, "shift_start": pd.Timestamp(start), "shift_end": pd.Timestamp(end),
            "paid_minutes": paid, "breaks": [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in breaks]}


def inputs_of(req: pd.DataFrame, agents: list[AgentContract], rules: RosterRules, week_start: pd.Timestamp = WEEK,
              previous: pd.DataFrame | None = None, solver: str = "highs") -> RosterInputs:
    """The model input ``build_roster`` builds for these arguments (15-min requirement intervals)."""
    return roster_inputs(req, agents, rules, week_start, previous=previous, solver=solver,  # type: ignore[arg-type]
                         interval_minutes=15)


def erlang_like_curves(req: pd.DataFrame, week_start: pd.Timestamp = WEEK, *, calls_per_agent: float = 2.7,
                       target_sl: float = 0.8, interval_minutes: int = 15) -> ServiceCurves:
    """Hand-made concave service curves from a requirement frame (for measurements, not Erlang).

    ``calls_t = calls_per_agent * r_t`` (about 90% occupancy at a 5-min handle time on 15-min
    intervals) and ``answered_t(x) = calls_t (1 - exp(-x ln 5 / r_t))`` at integer
    ``x = 0 .. ceil(2 r_t) + 1``: concave, with SL 80% exactly at the Erlang minimum ``r_t``
    (``1 - exp(-ln 5) = 0.8``) and 96% at ``2 r_t``. Rows are padded to a common width by
    extending the breakpoints with the last value (flat, so still concave).
    """
    frame = req[req["agents"] > 0]
    r = frame["agents"].to_numpy(dtype=float)
    width = int(np.ceil(2 * r.max())) + 2
    agents = np.tile(np.arange(width, dtype=float), (r.size, 1))
    answered = (calls_per_agent * r)[:, None] * (1 - np.exp(-agents * np.log(5.0) / r[:, None]))
    return ServiceCurves(pd.DatetimeIndex(frame["interval_start"]), interval_minutes, agents, answered,
                         calls_per_agent * r, target_sl)
