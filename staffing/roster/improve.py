"""Local search after stage 2: move single shifts, or pairs of one agent's shifts, to a better
start, length or day.

Each move keeps every hard rule: the new shift is one the agent may work (length,
availability, start window), on the same day or on a day off whose swap keeps the days
rules (two consecutive days off, consecutive days incl. last week), with rest to the
agent's previous and next shift and weekly paid hours inside the contract. Breaks of the
moved shift go where removing one agent costs least. A move is taken when it lowers the
objective of the run's mode (:mod:`staffing.roster.search_cost`): in coverage mode
``sum_t f_t(c_t)``, ``f_t(c) = h (w_t (r_t - c)^+ + w_over (c - r_t)^+)``; in the service
modes the service objective by its deltas (calls answered within target gained or lost,
paid hours); passes repeat until no move improves or the time budget is spent.

When single moves are stuck, *pair moves* move two shifts of one agent to two of their
days off at once (e.g. from a Saturday-Sunday to a Monday-Tuesday when the agent's days off
were Monday and Tuesday): a single move cannot, because its intermediate week breaks the
two-consecutive-days-off rule. The two new shifts are chosen greedily (best first day,
then the best second day under rest and the contract hours) and the pair is taken when the
coverage objective falls.
"""

from __future__ import annotations

import time

import numpy as np

from staffing.roster.config import RosterRules
from staffing.roster.grid import MINUTES_PER_DAY, ShiftTypes, WeekGrid
from staffing.roster.inputs import RosterInputs
from staffing.roster.search_cost import SearchCost, search_cost

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


def _gains(ks: np.ndarray, prefix: np.ndarray, types: ShiftTypes, starts_idx: np.ndarray, ends_idx: np.ndarray,
           g: int, n: int) -> tuple[np.ndarray, list[list[int]]]:
    """Cost change of adding each shift type ``ks`` with its best break placement."""
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
    return gain, best_offsets


def _confirmed(cost: SearchCost, cov: np.ndarray, current: tuple[int, list[int]], new: tuple[int, list[int]]) -> bool:
    """True when ``new`` beats ``current`` by the exact objective (``cov`` holds neither)."""
    inputs = cost.inputs
    g, n = inputs.grid.step_minutes, inputs.grid.n_intervals
    totals = []
    for k, offsets in (current, new):
        _apply(cov, k, offsets, inputs.types, g, n, 1.0)
        totals.append(cost.total(cov) + cost.shift_cost[k])
        _apply(cov, k, offsets, inputs.types, g, n, -1.0)
    return totals[1] < totals[0] - 1e-9


def _neighbours(spans: list[tuple[int, int]], first_end: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted starts and the matching ends of an agent's other shifts, with sentinels."""
    spans = sorted(spans)
    starts = np.array([-10**9] + [a for a, _ in spans] + [10**9])
    ends = np.array([first_end] + [b for _, b in spans] + [10**9])
    return starts, ends


def _pair_moves(
    shifts: list[Shift],
    cov: np.ndarray,
    paid: np.ndarray,
    inputs: RosterInputs,
    history: list[frozenset[int]],
    began: float,
    seconds: float,
    cost: SearchCost,
) -> bool:
    """One pass of pair moves (see module docstring); ``shifts``, ``cov``, ``paid`` change in place."""
    types, grid, agents, rules = inputs.types, inputs.grid, inputs.agents, inputs.rules
    last_end = inputs.carry.last_end_min
    g, n = grid.step_minutes, grid.n_intervals
    starts_idx = types.start_min // g
    ends_idx = np.minimum(types.end_min // g, n)
    improved = False
    by_agent: dict[int, list[int]] = {}
    for i, (a, _, _) in enumerate(shifts):
        by_agent.setdefault(a, []).append(i)
    for a in sorted(by_agent, key=lambda x: agents[x].agent_id):
        mine = by_agent[a]
        if len(mine) < 2:
            continue
        for i, j in [(x, y) for pos, x in enumerate(mine) for y in mine[pos + 1:]]:
            if time.perf_counter() - began >= seconds:
                return improved
            worked = {int(types.day[shifts[m][1]]) for m in mine}
            keep_days = worked - {int(types.day[shifts[i][1]]), int(types.day[shifts[j][1]])}
            off = [d for d in range(7) if d not in worked]
            pairs = [(d1, d2) for x, d1 in enumerate(off) for d2 in off[x + 1:]
                     if _days_feasible(keep_days | {d1, d2}, rules, history[a])]
            if not pairs:
                continue
            (_, ki, oi), (_, kj, oj) = shifts[i], shifts[j]
            before = cost.total(cov) + cost.shift_cost[ki] + cost.shift_cost[kj]
            _apply(cov, ki, oi, types, g, n, -1.0)
            _apply(cov, kj, oj, types, g, n, -1.0)
            others = [(int(types.start_min[shifts[m][1]]), int(types.end_min[shifts[m][1]]))
                      for m in mine if m not in (i, j)]
            paid_rest = paid[a] - types.paid_min[ki] - types.paid_min[kj]
            lo_min, hi_min = agents[a].min_hours * 60 - 1e-6, agents[a].max_hours * 60 + 1e-6
            first_end = last_end.get(agents[a].agent_id, -10**9)
            best: tuple[float, int, list[int], int, list[int]] | None = None
            for d1, d2 in pairs:
                for first, second in ((d1, d2), (d2, d1)):
                    choice = _place_two(inputs, first, second, a, others, first_end, paid_rest, lo_min, hi_min, cov,
                                        starts_idx, ends_idx, cost)
                    if choice is not None and (best is None or choice[0] < best[0]):
                        best = choice
            if best is not None and best[0] < before - 1e-9:
                _, k1, o1, k2, o2 = best
                _apply(cov, k1, o1, types, g, n, 1.0)
                _apply(cov, k2, o2, types, g, n, 1.0)
                shifts[i], shifts[j] = (a, k1, o1), (a, k2, o2)
                paid[a] = paid_rest + types.paid_min[k1] + types.paid_min[k2]
                improved = True
            else:
                _apply(cov, ki, oi, types, g, n, 1.0)
                _apply(cov, kj, oj, types, g, n, 1.0)
    return improved


def _place_two(
    inputs: RosterInputs, first: int, second: int, a: int, others: list[tuple[int, int]], first_end: int,
    paid_rest: float, lo_min: float, hi_min: float, cov: np.ndarray, starts_idx: np.ndarray, ends_idx: np.ndarray,
    cost: SearchCost,
) -> tuple[float, int, list[int], int, list[int]] | None:
    """Best shift on day ``first``, then the best on ``second`` given it; the objective after
    both (with the two shifts' own costs)."""
    types, grid, mask, rest = inputs.types, inputs.grid, inputs.mask, inputs.rest_minutes
    g, n = grid.step_minutes, grid.n_intervals

    def allowed(day: int, spans: list[tuple[int, int]]) -> np.ndarray:
        starts, ends = _neighbours(spans, first_end)
        pos = np.searchsorted(starts, types.start_min, side="left")
        ok = mask[a] & (types.day == day)
        ok &= types.start_min >= ends[pos - 1] + rest
        ok &= types.end_min + rest <= starts[pos]
        return ok

    cand1 = allowed(first, others)
    # The first shift must leave room for some second shift inside the contract hours.
    cand1 &= (paid_rest + types.paid_min + types.paid_min[mask[a] & (types.day == second)].min(initial=10**9)
              <= hi_min)
    ks1 = np.flatnonzero(cand1)
    if ks1.size == 0:
        return None
    gain1, offs1 = _gains(ks1, cost.marginal_prefix(cov), types, starts_idx, ends_idx, g, n)
    gain1 = gain1 + cost.shift_cost[ks1]
    for pick in np.argsort(gain1, kind="stable")[:5]:
        k1, o1 = int(ks1[pick]), offs1[pick]
        cand2 = allowed(second, [*others, (int(types.start_min[k1]), int(types.end_min[k1]))])
        total = paid_rest + types.paid_min[k1] + types.paid_min
        cand2 &= (total >= lo_min) & (total <= hi_min)
        ks2 = np.flatnonzero(cand2)
        if ks2.size == 0:
            continue
        _apply(cov, k1, o1, types, g, n, 1.0)
        gain2, offs2 = _gains(ks2, cost.marginal_prefix(cov), types, starts_idx, ends_idx, g, n)
        gain2 = gain2 + cost.shift_cost[ks2]
        best2 = int(np.argmin(gain2))
        k2, o2 = int(ks2[best2]), offs2[best2]
        _apply(cov, k2, o2, types, g, n, 1.0)
        after = cost.total(cov) + cost.shift_cost[k1] + cost.shift_cost[k2]
        _apply(cov, k2, o2, types, g, n, -1.0)
        _apply(cov, k1, o1, types, g, n, -1.0)
        return after, k1, o1, k2, o2
    return None


def improve_shifts(shifts: list[Shift], inputs: RosterInputs, seconds: float) -> list[Shift]:
    """Return ``shifts`` after first-improvement moves (see module docstring), within ``seconds``."""
    began = time.perf_counter()
    types, grid, agents, mask, rules = inputs.types, inputs.grid, inputs.agents, inputs.mask, inputs.rules
    last_end, carry_days = inputs.carry.last_end_min, inputs.carry.worked_days
    g, n = grid.step_minutes, grid.n_intervals
    cost = search_cost(inputs)
    rest = round(rules.min_rest_hours * 60)
    shifts = [(a, k, list(o)) for a, k, o in shifts]
    cov = _coverage(shifts, types, grid)
    paid = np.zeros(len(agents))
    for a, k, _ in shifts:
        paid[a] += types.paid_min[k]
    history = [carry_days.get(agent.agent_id, frozenset()) for agent in agents]
    starts_idx = types.start_min // g
    ends_idx = np.minimum(types.end_min // g, n)
    while time.perf_counter() - began < seconds:
        improved = True
        while improved and time.perf_counter() - began < seconds:
            improved = False
            order = sorted(range(len(shifts)), key=lambda i: (agents[shifts[i][0]].agent_id, types.start_min[shifts[i][1]]))
            for i in order:
                if time.perf_counter() - began >= seconds:
                    break
                a, k, offsets = shifts[i]
                _apply(cov, k, offsets, types, g, n, -1.0)
                prefix = cost.marginal_prefix(cov)
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
                gain, best_offsets = _gains(ks, prefix, types, starts_idx, ends_idx, g, n)
                gain += cost.shift_cost[ks]
                j_cur = int(np.flatnonzero(ks == k)[0])
                j_best = int(np.argmin(gain))
                if gain[j_best] < gain[j_cur] - 1e-9 and (
                        not cost.exact_check or _confirmed(cost, cov, (k, offsets), (int(ks[j_best]), best_offsets[j_best]))):
                    k_new = int(ks[j_best])
                    paid[a] += types.paid_min[k_new] - types.paid_min[k]
                    shifts[i] = (a, k_new, best_offsets[j_best])
                    improved = True
                _apply(cov, shifts[i][1], shifts[i][2], types, g, n, 1.0)
        if not _pair_moves(shifts, cov, paid, inputs, history, began, seconds, cost):
            break
    return shifts
