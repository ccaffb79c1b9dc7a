"""A roster keeping every hard rule, built without a solver: the fallback when time runs out.

Agent by agent (in ``agent_id`` order), each agent takes one of its class's feasible
weekly patterns (hours, working days, two consecutive days off, consecutive days incl.
last week: :mod:`staffing.roster.patterns`) and then, by dynamic programming over its
worked days, the starts of that pattern that lower the coverage objective most while
keeping the minimum rest between consecutive shifts. Patterns are tried best first,
scored by the best start of each (day, length) against the coverage still missing.
Availability, lengths and rest after last week's final shift are in ``inputs.mask``.
Breaks go where the agent's absence costs least. The local search
(:func:`~staffing.roster.improve.improve_shifts`) improves the result.
"""

from __future__ import annotations

import numpy as np

from staffing.roster.grid import DAYS
from staffing.roster.improve import Shift, _apply, _gains
from staffing.roster.inputs import RosterInputs
from staffing.roster.search_cost import search_cost

#: Patterns tried per agent (best score first) before the agent is given up.
PATTERNS_TRIED = 50


def _best_chain(
    days: list[int], options: list[np.ndarray], gains: list[np.ndarray], inputs: RosterInputs
) -> list[int] | None:
    """Positions into ``options[i]`` minimising the summed gain under the rest rule, or ``None``."""
    types, rest = inputs.types, inputs.rest_minutes
    cost = gains[0].copy()
    back: list[np.ndarray] = []
    for i in range(1, len(days)):
        prev, cur = options[i - 1], options[i]
        ok = types.start_min[cur][None, :] >= types.end_min[prev][:, None] + rest
        total = np.where(ok, cost[:, None], np.inf)
        arg = np.argmin(total, axis=0)
        cost = total[arg, np.arange(cur.size)] + gains[i]
        back.append(arg)
    if not np.isfinite(cost).any():
        return None
    pick = [int(np.argmin(cost))]
    for arg in reversed(back):
        pick.append(int(arg[pick[-1]]))
    return pick[::-1]


def greedy_roster(inputs: RosterInputs) -> list[Shift] | None:
    """Shifts ``(agent, type, break offsets)`` keeping every hard rule, or ``None`` when the
    weekly patterns are not enumerated or some agent gets no rest-feasible week this way."""
    if inputs.classes is None:
        return None
    types, grid, mask = inputs.types, inputs.grid, inputs.mask
    g, n = grid.step_minutes, grid.n_intervals
    cost = search_cost(inputs)
    starts_idx = types.start_min // g
    ends_idx = np.minimum(types.end_min // g, n)
    lengths = np.unique(types.length_min)
    class_of = {a: c for c, cls in enumerate(inputs.classes) for a in cls.members}
    cov = grid.baseline.astype(float).copy()
    shifts: list[Shift] = []
    for a in range(len(inputs.agents)):
        cls = inputs.classes[class_of[a]]
        if cls.lengths.shape[0] == 0:
            return None
        ks = np.flatnonzero(mask[a])
        gain, offsets = _gains(ks, cost.marginal_prefix(cov), types, starts_idx, ends_idx, g, n)
        gain += cost.shift_cost[ks]
        # best[d, i]: the best gain of a start of length ``lengths[i - 1]`` on day d (column 0: off).
        best = np.full((DAYS, lengths.size + 1), np.inf)
        best[:, 0] = 0.0
        col = np.searchsorted(lengths, types.length_min[ks]) + 1
        np.minimum.at(best, (types.day[ks], col), gain)
        table = np.where(cls.lengths > 0, np.searchsorted(lengths, cls.lengths) + 1, 0)
        scores = best[np.arange(DAYS)[None, :], table].sum(axis=1)
        chosen: list[tuple[int, list[int]]] | None = None
        for p in np.argsort(scores, kind="stable")[:PATTERNS_TRIED]:
            if not np.isfinite(scores[p]):
                break
            days = [d for d in range(DAYS) if cls.lengths[p, d]]
            if not days:
                chosen = []
                break
            pos = [np.flatnonzero((types.day[ks] == d) & (types.length_min[ks] == cls.lengths[p, d])) for d in days]
            chain = _best_chain(days, [ks[i] for i in pos], [gain[i] for i in pos], inputs)
            if chain is not None:
                chosen = [(int(ks[pos[i][j]]), offsets[pos[i][j]]) for i, j in enumerate(chain)]
                break
        if chosen is None:
            return None
        for k, offs in chosen:
            _apply(cov, k, offs, types, g, n, 1.0)
            shifts.append((a, k, list(offs)))
    return shifts
