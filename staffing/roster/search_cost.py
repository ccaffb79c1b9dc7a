"""The objective the local search and the solver-free roster move shifts against.

A roster's objective as seen by the heuristics is ``F(c) + sum_shifts p_k`` with ``c`` the
head count per grid interval and ``p_k`` a cost per shift of type ``k``. The heuristics
need ``F`` and its *marginal* ``F(c + e_t) - F(c)`` per interval ``t`` (one more agent),
summed along a shift's span by prefix sums.

``coverage``: ``F(c) = h sum_t (w_t (r_t - c_t)^+ + w_over (c_t - r_t)^+)``, ``p_k = 0`` (the
paid-hours tie-breaker is not part of the coverage objective reported).

``service``: ``F(c) = sum_t (w_mc (calls_t - v_t(c_t)) + h w_over (c_t - r_t)^+)`` and
``p_k = w_paid * paid_hours_k``: the service objective of
:mod:`staffing.roster.service_terms`, separable per interval, so the marginals are exact.

``global_sl``: ``F`` adds the elastic service-level rows, which are not separable (a scope's
shortfall depends on all its intervals). The marginal prices a call answered in interval
``t`` at ``SERVICE_TIE * w_mc`` plus the floor penalty while ``t``'s scope is short of
the target at the current roster (the local linearisation of ``F``; the floors per interval
are separable and exact); a move chosen by it is taken only when the exact ``F`` falls
(:attr:`SearchCost.exact_check`).

Notes
-----
Local search on coverage deltas under a global service-level constraint: Koole and van der
Sluis (2003), "Optimal shift scheduling with a global service level constraint", IIE
Transactions 35 (they show it is optimal for concave service without shift-change rules).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from staffing.roster.inputs import RosterInputs
from staffing.roster.service_terms import FLOOR_PENALTY, SERVICE_TIE, ServiceGrid, objective_value


@dataclass(frozen=True)
class SearchCost:
    """``F`` and its marginals for one run (module docstring).

    ``shift_cost[k]`` is ``p_k``; ``exact_check`` says the marginals are a linearisation
    and a move must be confirmed with :meth:`total`.
    """

    inputs: RosterInputs
    shift_cost: np.ndarray
    exact_check: bool

    @property
    def _service(self) -> ServiceGrid | None:
        rules = self.inputs.rules
        return self.inputs.service if rules.objective_mode != "coverage" else None

    def total(self, cov: np.ndarray) -> float:
        """``F(cov)`` (without the per-shift costs)."""
        grid, rules = self.inputs.grid, self.inputs.rules
        h, r, wo = grid.step_hours, grid.required, rules.weights.over_staffing
        service = self._service
        if service is None:
            return float(h * (grid.weights * np.maximum(r - cov, 0) + wo * np.maximum(cov - r, 0)).sum())
        return objective_value(cov, 0.0, grid, rules, service)

    def marginal_prefix(self, cov: np.ndarray) -> np.ndarray:
        """Prefix sums of the marginal ``F(c + e_t) - F(c)`` over the grid intervals."""
        grid, rules = self.inputs.grid, self.inputs.rules
        h, r, w, wo = grid.step_hours, grid.required, grid.weights, rules.weights.over_staffing
        service = self._service
        if service is None:
            add = h * (wo * (np.maximum(cov + 1 - r, 0) - np.maximum(cov - r, 0))
                       - w * (np.maximum(r - cov, 0) - np.maximum(r - cov - 1, 0)))
            return np.concatenate([[0.0], np.cumsum(add)])
        gained = service.value(cov + 1.0) - service.value(cov)
        add = np.zeros(grid.n_intervals)
        wm = rules.weights.missed_call
        if rules.objective_mode == "service":
            np.add.at(add, service.rows, -wm * gained)
            add += h * wo * (np.maximum(cov + 1 - r, 0) - np.maximum(cov - r, 0))
            return np.concatenate([[0.0], np.cumsum(add)])
        price = np.full(service.rows.size, SERVICE_TIE * wm)
        value = service.value(cov)
        for scope in service.scopes(rules):
            if service.target_sl * service.calls[scope].sum() - value[scope].sum() > 1e-9:
                price[scope] += FLOOR_PENALTY * wm
        # Interval floors (separable): the part of the gain below the floor is worth the penalty.
        floor = rules.min_interval_sl * service.calls
        below = np.clip(floor - value, 0.0, gained)
        np.add.at(add, service.rows, -(price * gained + FLOOR_PENALTY * wm * below))
        x = cov[service.rows]
        np.add.at(add, service.rows, -FLOOR_PENALTY * wm * h * ((x < rules.min_agents_when_open - 1e-9)
                                                               * np.minimum(1.0, rules.min_agents_when_open - x)))
        return np.concatenate([[0.0], np.cumsum(add)])


def search_cost(inputs: RosterInputs) -> SearchCost:
    """The heuristics' objective for ``inputs.rules.objective_mode`` (module docstring)."""
    rules = inputs.rules
    if rules.objective_mode == "coverage" or inputs.service is None:
        return SearchCost(inputs, np.zeros(len(inputs.types)), False)
    paid = inputs.types.paid_min.astype(float) / 60.0
    return SearchCost(inputs, rules.weights.service_paid_hours * paid, rules.objective_mode == "global_sl")
