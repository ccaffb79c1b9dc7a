"""Capacity honesty: the shortfall is named, the status says so, bad requirements are refused."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from _roster_helpers import WEEK, agent, requirement, small_rules, solve_checked

from staffing.errors import InvalidArgumentError
from staffing.roster import (
    RosterRules,
    RosterStatus,
    build_roster,
    check_roster,
    synthetic_instance,
)
from staffing.roster.summary import capacity_lines, roster_summary
from staffing.roster.types import BentRule

# small_rules: 8 h shifts with an unpaid 30-min lunch, so a shift is 7.5 paid hours and at
# most 7.5 h on the floor; default min_days_off = 2, so an agent works at most 5 days and
# at most 5 x 7.5 = 37.5 paid hours however large max_hours is.


def _daily(agents_needed: float) -> pd.DataFrame:
    """``agents_needed`` from 08:00 to 16:00 on each of the 7 days (7 x 8 h = 56 h of it)."""
    return requirement(*((f"2024-03-{4 + d:02d} 08:00", f"2024-03-{4 + d:02d} 16:00", agents_needed)
                         for d in range(7)))


def test_demand_the_team_can_cover_is_not_understaffed() -> None:
    # 1 agent x 56 h = 56 agent-h against 2 x 37.5 = 75 workable hours, and at most 1
    # agent is needed at a time with 2 able to work: no shortfall.
    result = solve_checked(_daily(1.0), [agent("A1", max_hours=40), agent("A2", max_hours=40)], small_rules())
    assert result.capacity.shortfall_agent_hours == 0.0
    assert result.capacity.workable_hours == pytest.approx(75.0)
    assert result.status in (RosterStatus.OPTIMAL, RosterStatus.FEASIBLE)
    assert capacity_lines(result) == []


def test_ten_times_the_demand_is_understaffed_with_the_shortfall_named() -> None:
    # 10 agents x 8 h x 7 days = 560 agent-h; the two agents can work 2 x 37.5 = 75 h:
    # 560 - 75 = 485 h short (the head-count bound, (10 - 2) x 56 h = 448 h, is smaller).
    result = solve_checked(_daily(10.0), [agent("A1", max_hours=40), agent("A2", max_hours=40)], small_rules())
    assert result.status is RosterStatus.UNDERSTAFFED
    assert result.capacity.required_agent_hours == pytest.approx(560.0)
    assert result.capacity.workable_hours == pytest.approx(75.0)
    assert result.capacity.shortfall_agent_hours == pytest.approx(485.0)
    assert "required 560.0 agent-h, the team can work at most 75.0 h: 485.0 h short" in result.capacity.problems
    # Every on-floor hour of both full weeks falls on demand: under = 560 - 75 = 485 exactly.
    assert result.under_agent_hours == pytest.approx(485.0)
    summary = roster_summary(result)
    assert summary["status"] == "understaffed"
    assert summary["capacity"]["shortfall_agent_hours"] == pytest.approx(485.0)
    assert summary["capacity"]["workable_hours"] == pytest.approx(75.0)
    assert capacity_lines(result) == ["capacity: required 560.0 agent-h, the team can work at most 75.0 h: 485.0 h short"]


def test_one_agent_against_round_the_clock_demand() -> None:
    # 1 agent 24 h x 7 days = 168 agent-h; one agent works at most 37.5 h: 130.5 h short.
    # Some shift covers every interval, so the head-count bound (1 needed, 1 can work) is 0.
    rules = small_rules()
    result = solve_checked(requirement(("2024-03-04 00:00", "2024-03-11 00:00", 1.0)), [agent("A1", max_hours=40)],
                           rules)
    assert result.status is RosterStatus.UNDERSTAFFED
    assert result.capacity.shortfall_agent_hours == pytest.approx(130.5)
    assert result.capacity.problems == ("required 168.0 agent-h, the team can work at most 37.5 h: 130.5 h short",)
    assert result.under_agent_hours == pytest.approx(130.5)


def test_more_agents_at_once_than_can_work_is_understaffed() -> None:
    # 3 agents needed Monday 08:00-16:00 (24 agent-h), one agent with 40 h: hours would do
    # (37.5 >= 24) but at most 1 can be on the floor: (3 - 1) x 8 h = 16 agent-h short.
    result = solve_checked(requirement(("2024-03-04 08:00", "2024-03-04 16:00", 3.0)), [agent("A1", max_hours=40)],
                           small_rules())
    assert result.status is RosterStatus.UNDERSTAFFED
    assert result.capacity.shortfall_agent_hours == pytest.approx(16.0)
    assert result.capacity.problems == (
        "32 interval(s) need more agents than can be working (first Mon 08:00: 3 required, 1 can work): "
        "at least 16.0 agent-h short",)
    # The shift covers 7.5 of the 8 h (lunch): under = 24 - 7.5 = 16.5 >= 16.
    assert result.under_agent_hours == pytest.approx(16.5)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan, -1.0])
def test_non_finite_or_negative_requirement_is_refused_naming_the_interval(bad: float) -> None:
    req = requirement(("2024-03-04 08:00", "2024-03-04 16:00", 1.0))
    req.loc[req["interval_start"] == pd.Timestamp("2024-03-05 09:15"), "agents"] = bad
    req.loc[req["interval_start"] == pd.Timestamp("2024-03-06 10:00"), "agents"] = bad  # only the first is named
    with pytest.raises(InvalidArgumentError) as err:
        build_roster(req, [agent()], small_rules(), WEEK, time_limit=10)
    assert err.value.name == "requirements"
    assert "2024-03-05 09:15:00" in str(err.value) and "2024-03-06" not in str(err.value)
    assert "finite number of agents >= 0" in err.value.expected


def test_requirement_without_agents_column_is_refused() -> None:
    req = requirement(("2024-03-04 08:00", "2024-03-04 16:00", 1.0)).rename(columns={"agents": "staff"})
    with pytest.raises(InvalidArgumentError) as err:
        build_roster(req, [agent()], small_rules(), WEEK, time_limit=10)
    assert err.value.name == "requirements" and "interval_start and agents" in err.value.expected


# --- one agent's absence costs about that agent's hours, no more --------------------------
#
# synthetic_instance(50, 40): 50 agents, A07 on a 26-30 h contract (index 6). Solved three
# ways: without A07, with A07 unavailable all week, and with A07 unavailable Monday to
# Thursday (3 days left, at most 3 x 8.5 = 25.5 paid hours < min_hours 26).
#
# The bound: an agent who can work no shift adds nothing and takes nothing, so "absent"
# and "without" are the same problem, and "partial" only adds capacity to it; their
# optima are equal, resp. no worse. The rosters are time-limited (not proven optimal), so
# they may differ by the solver's own variation: 10 % of the instance's under-staffing.
# Before the fix an unreachable minimum sent the whole week down the elastic route:
# absent 357.7 and partial 279.8 under-staffed agent-h against 242.6 without (+47 %, +15 %).
ABSENCE_TOLERANCE = 0.10
ABSENCE_TIME_LIMIT = 30.0


def _absence_case(days_unavailable: int | None) -> tuple[float, tuple[object, ...]]:
    inst = synthetic_instance(50, 40, seed=0)
    agents = list(inst.agents)
    assert agents[6].agent_id == "A07" and (agents[6].min_hours, agents[6].max_hours) == (26.0, 30.0)
    if days_unavailable is None:
        del agents[6]
    else:
        gone = (inst.week_start, inst.week_start + pd.Timedelta(days=days_unavailable))
        agents[6] = dataclasses.replace(agents[6], unavailable=(gone,))
    result = build_roster(inst.requirements, agents, RosterRules(), inst.week_start, time_limit=ABSENCE_TIME_LIMIT)
    others = result.roster[result.roster["agent_id"] != "A07"]
    assert check_roster(others, [a for a in agents if a.agent_id != "A07"], RosterRules(),
                        inst.week_start) == []  # every other agent keeps every rule
    return result.under_agent_hours, result.bent_rules


@pytest.mark.slow
def test_one_agents_absence_costs_about_their_hours() -> None:
    without, bent = _absence_case(None)
    assert bent == ()
    absent, bent = _absence_case(7)
    # The whole minimum is missed: 26 h, and it is the only rule bent.
    assert bent == (BentRule("hours_min", "A07", 26.0, "hours", "unavailable all week"),)
    assert abs(absent - without) <= ABSENCE_TOLERANCE * without
    partial, bent = _absence_case(4)
    # Fri-Sun, one 9 h shift a day with 30 min unpaid: 3 x 8.5 = 25.5 paid h, 0.5 h short of 26.
    assert bent == (BentRule("hours_min", "A07", 0.5, "hours",
                             "at most 25.5 paid hours within availability and working-time rules"),)
    assert partial <= without * (1 + ABSENCE_TOLERANCE)
