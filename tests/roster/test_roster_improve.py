"""Local search: a pair move escapes the two-consecutive-days-off trap single moves cannot."""

from __future__ import annotations

import numpy as np
import pandas as pd
from _roster_helpers import WEEK, agent, inputs_of, requirement, small_rules

from staffing.roster import check_roster
from staffing.roster.improve import improve_shifts
from staffing.roster.outputs import roster_frame


def _setup(req: pd.DataFrame, rules):  # type: ignore[no-untyped-def]
    agents = [agent("A1", min_hours=40.0, max_hours=40.0)]
    inputs = inputs_of(req, agents, rules)
    return inputs, inputs.types, agents


def _shift(types, day: int, hour: int) -> int:  # type: ignore[no-untyped-def]
    return int(np.flatnonzero((types.day == day) & (types.start_min == day * 1440 + hour * 60))[0])


def test_pair_move_swaps_the_days_off_block() -> None:
    # One agent on a 5 x 8 h week, working Wed-Sun 09:00-17:00 with Mon and Tue off, while
    # the requirement is one agent 09:00-17:00 on Mon-Fri. Moving only Sunday to Monday
    # would leave Tue and Sun off (not consecutive), so no single move is allowed; moving
    # Sat and Sun to Mon and Tue at once gives Sat-Sun off and covers the whole week.
    rules = small_rules(breaks=[])
    days = [f"2024-03-0{4 + d}" for d in range(5)]
    req = requirement(*[(f"{d} 09:00", f"{d} 17:00", 1.0) for d in days])
    inputs, types, agents = _setup(req, rules)
    start = [(0, _shift(types, d, 9), []) for d in (2, 3, 4, 5, 6)]
    out = improve_shifts(start, inputs, seconds=30.0)
    assert sorted(int(types.day[k]) for _, k, _ in out) == [0, 1, 2, 3, 4]
    roster = roster_frame(out, types, agents, rules, WEEK)
    assert check_roster(roster, agents, rules, WEEK) == []


def test_pair_move_not_taken_when_it_does_not_help() -> None:
    # The requirement is on Wed-Sun already: the starting roster is optimal and must stay.
    rules = small_rules(breaks=[])
    days = [f"2024-03-{6 + d:02d}" for d in range(5)]
    req = requirement(*[(f"{d} 09:00", f"{d} 17:00", 1.0) for d in days])
    inputs, types, _ = _setup(req, rules)
    start = [(0, _shift(types, d, 9), []) for d in (2, 3, 4, 5, 6)]
    out = improve_shifts(start, inputs, seconds=30.0)
    assert sorted(k for _, k, _ in out) == sorted(k for _, k, _ in start)
