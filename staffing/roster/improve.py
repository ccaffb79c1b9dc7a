"""Local search after stage 2: move single shifts to a better start, length or day.

Each move keeps every hard rule: the new shift is one the agent may work (length,
availability, start window), on the same day or on a day off whose swap keeps the days
rules (two consecutive days off, consecutive days incl. last week), with rest to the
agent's previous and next shift and weekly paid hours inside the contract. Breaks of the
moved shift go where removing one agent costs least. A move is taken when it lowers the
coverage objective ``sum_t f_t(c_t)``, ``f_t(c) = h (w_t (r_t - c)^+ + w_over (c - r_t)^+)``;
passes repeat until no move improves or the time budget is spent.
"""

from __future__ import annotations

import time

import numpy as np

from staffing.roster.config import RosterRules
from staffing.roster.grid import MINUTES_PER_DAY, ShiftTypes, WeekGrid
from staffing.roster.types import AgentContract

Shift = tuple[int, int, list[int]]


def _coverage(shifts: list[Shift], types: ShiftTypes, grid: WeekGrid) -> np.ndarray:
    g, n = grid.step_minutes, grid.n_intervals
    cov = grid.baseline.astype(float).copy()
    for _, k, offsets in shifts:
        _apply(cov, k, offsets, types, g, n, 1.0)
    return cov


def _apply(cov: np.ndarray, k: int, offsets: list[int], types: ShiftTypes, g: int, n: int, sign: float) -> None:
    lo = int(types.start_min[k]) // g
    cov[lo:min(int(types.end_min[k]) // g, n)] += sign
    for off, placement in zip(offsets, types.breaks_by_length[int(types.length_min[k])], strict=True):
        b = (int(types.start_min[k]) + off) // g
        cov[b:min(b + placement.rule.duration_minutes // g, n)] -= sign


def _days_feasible(days: set[int], rules: RosterRules, history: frozenset[int]) -> bool:
    """Two consecutive days off (if required) and no run longer than ``max_consecutive_days``."""
    if rules.consecutive_days_off and not any(d not in days and d + 1 not in days for d in range(6)):
        return False
    run = 0
    for d in range(-7, 7):
        run = run + 1 if (d in days or d in history) else 0
        if d >= 0 and run > rules.max_consecutive_days:
            return False
    return True


def improve_shifts(
    shifts: list[Shift],
    types: ShiftTypes,
    grid: WeekGrid,
    agents: list[AgentContract],
    mask: np.ndarray,
    rules: RosterRules,
    last_end: dict[str, int],
    carry_days: dict[str, frozenset[int]],
    seconds: float,
) -> list[Shift]:
    """Return ``shifts`` after first-improvement moves (see module docstring)."""
    began = time.perf_counter()
    g, n = grid.step_minutes, grid.n_intervals
    h = grid.step_hours
    r, w, wo = grid.required, grid.weights, rules.weights.over_staffing
    rest = round(rules.min_rest_hours * 60)
    shifts = [(a, k, list(o)) for a, k, o in shifts]
    cov = _coverage(shifts, types, grid)
    paid = np.zeros(len(agents))
    for a, k, _ in shifts:
        paid[a] += types.paid_min[k]
    history = [carry_days.get(agent.agent_id, frozenset()) for agent in agents]
    starts_idx = types.start_min // g
    ends_idx = np.minimum(types.end_min // g, n)
    improved = True
    while improved and time.perf_counter() - began < seconds:
        improved = False
        order = sorted(range(len(shifts)), key=lambda i: (agents[shifts[i][0]].agent_id, types.start_min[shifts[i][1]]))
        for i in order:
            if time.perf_counter() - began >= seconds:
                break
            a, k, offsets = shifts[i]
            _apply(cov, k, offsets, types, g, n, -1.0)
            # marginal cost of one more agent per interval, and its prefix sums
            add = h * (wo * (np.maximum(cov + 1 - r, 0) - np.maximum(cov - r, 0))
                       - w * (np.maximum(r - cov, 0) - np.maximum(r - cov - 1, 0)))
            prefix = np.concatenate([[0.0], np.cumsum(add)])
            mine = sorted((int(types.start_min[kk]), int(types.end_min[kk])) for aa, kk, _ in shifts
                          if aa == a and kk != k)
            other_starts = np.array([-10**9] + [s for s, _ in mine] + [10**9])
            other_ends = np.array([last_end.get(agents[a].agent_id, -10**9)] + [e for _, e in mine] + [10**9])
            pos = np.searchsorted(other_starts, types.start_min, side="left")
            prev_end, next_start = other_ends[pos - 1], other_starts[pos]
            worked = {int(s) // MINUTES_PER_DAY for s, _ in mine}
            days_ok = np.array([(d not in worked and _days_feasible(worked | {d}, rules, history[a])) or
                                d == types.day[k] for d in range(7)])
            cand = mask[a] & days_ok[types.day]
            cand &= types.start_min >= prev_end + rest
            cand &= types.end_min + rest <= next_start
            hours = paid[a] - types.paid_min[k] + types.paid_min
            cand &= (hours >= agents[a].min_hours * 60 - 1e-6) & (hours <= agents[a].max_hours * 60 + 1e-6)
            cand[k] = True
            ks = np.flatnonzero(cand)
            gain = prefix[ends_idx[ks]] - prefix[starts_idx[ks]]
            best_offsets: list[list[int]] = [[] for _ in ks]
            for length in np.unique(types.length_min[ks]):
                sel = np.flatnonzero(types.length_min[ks] == length)
                for placement in types.breaks_by_length[int(length)]:
                    d = placement.rule.duration_minutes // g
                    b0 = starts_idx[ks[sel]][:, None] + placement.offsets_min[None, :] // g
                    saving = prefix[np.minimum(b0 + d, n)] - prefix[np.minimum(b0, n)]
                    pick = np.argmax(saving, axis=1)
                    gain[sel] -= saving[np.arange(sel.size), pick]
                    for j, p in zip(sel, pick, strict=True):
                        best_offsets[j].append(int(placement.offsets_min[p]))
            j_cur = int(np.flatnonzero(ks == k)[0])
            j_best = int(np.argmin(gain))
            if gain[j_best] < gain[j_cur] - 1e-9:
                k_new = int(ks[j_best])
                paid[a] += types.paid_min[k_new] - types.paid_min[k]
                shifts[i] = (a, k_new, best_offsets[j_best])
                improved = True
            _apply(cov, shifts[i][1], shifts[i][2], types, g, n, 1.0)
    return shifts
