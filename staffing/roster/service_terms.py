"""The service objectives: expected calls answered within target, on the roster's grid.

:class:`~staffing.roster.service.ServiceCurves` give, per plan interval ``i``, a concave
piecewise-linear value ``f_i(x)`` of scheduled head count. The models see a finer grid
(``reps`` grid rows per plan interval); each row ``t`` of interval ``i`` gets the curve
scaled by ``1 / reps`` evaluated at that row's own head count ``x_t``::

    v_t(x_t) = f_i(x_t) / reps,    sum_{t in i} v_t(x_t) <= f_i(mean_{t in i} x_t)

by concavity (Jensen): the rows *under-credit* an interval whose head count changes
inside it (a break, a shift starting mid-interval), exactly credit one that does not.
Every figure the roster reports (objective, answered, SL) is this row-wise value, so
the bound, the objective and the reported service agree; the plan-interval value
``ServiceCurves.value`` of the interval's mean head count is at least as large.

Head count comes from the coverage row (:mod:`staffing.roster.coverage_terms`):
``x_t = r_t - u_t + o_t`` (scheduled agents incl. last week's spill-over). Per row with
calls, ``0 <= s_t <= min(calls_t, f_max) / reps`` and, for every segment ``j`` with slope
``m_j > 0``, ``s_t <= (a_j + m_j (x_t - b_j)) / reps`` (the model states this in the
equivalent incremental form and holds the missed calls ``calls_t - s_t``, see
:func:`add_service_terms`). Minimising ``-s_t`` makes
``s_t = v_t(x_t)`` because ``f`` is concave: the hypograph of a concave piecewise-linear
function is the intersection of its segments' half-planes, so the LP relaxation of the
model (with integer counts relaxed) is a relaxation of the exact problem and its optimum
a valid lower bound.

Objectives (``w`` = :class:`~staffing.roster.config.ObjectiveWeights`, ``h`` = grid hours):

``service``
    ``w.missed_call * sum_t (calls_t - s_t) + w.service_paid_hours * paid_hours
    + w.over_staffing * h * sum_t o_t`` (the fairness terms are added by the models).
``global_sl``
    ``w.service_paid_hours * paid_hours + SERVICE_TIE * w.missed_call * sum_t (calls_t - s_t)``
    subject to ``sum_{t in scope} s_t >= target_sl * sum_{t in scope} calls_t`` per scope
    (the week, or each day), ``s_t >= min_interval_sl * calls_t`` and
    ``x_t >= min_agents_when_open`` where calls are forecast. Each of these rows is
    elastic at :data:`FLOOR_PENALTY` per call (per agent-hour for the head-count floor):
    a team that cannot reach the target gets the roster of the best service it can
    reach, reported as such, instead of no roster.

Notes
-----
Piecewise-linear concave service in shift scheduling: G. Koole and E. van der Sluis,
"Optimal shift scheduling with a global service level constraint", IIE Transactions
35(11), 2003 (the global constraint, and the local search being optimal for it when the
curves are concave); L. Ingolfsson, F. Campello, X. Wu and E. Cabral, "Combining integer
programming and the randomization method to schedule employees", EJOR 202 (2010).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pulp

from staffing.errors import InvalidArgumentError
from staffing.roster.config import RosterRules
from staffing.roster.grid import DAYS, MINUTES_PER_DAY, WeekGrid
from staffing.roster.service import ServiceCurves

#: ``global_sl``: penalty per call below the service-level target or an interval floor (and
#: per agent-hour below the head-count floor), relative to ``missed_call``; it dwarfs the
#: paid-hours cost so the model reaches the target whenever the team can.
FLOOR_PENALTY = 100.0
#: ``global_sl``: weight per call missed, relative to ``missed_call``, so that hours the
#: contracts force beyond the target go where they answer most; an hour would only be
#: bought for it at more than ``service_paid_hours / (SERVICE_TIE * missed_call)`` (250)
#: calls an agent-hour, which no agent answers.
SERVICE_TIE = 1e-3


@dataclass(frozen=True)
class ServiceGrid:
    """The curves on the model grid, one row per grid interval with forecast calls.

    ``rows[i]`` is the grid interval of row ``i``; ``agents[i]`` its breakpoints,
    ``answered[i]`` and ``calls[i]`` already scaled by ``1 / reps``; ``day[i]`` its day;
    ``head_cap[i]`` the most agents that can be on the floor there (agents who may work a
    shift spanning it, plus last week's spill-over): segments starting at or beyond it
    never bind in a roster, so the models leave them out. (Dropping a segment's row only
    relaxes the hypograph, so bounds stay valid even where a relaxation exceeds the cap;
    every reported figure evaluates the full curves.)
    """

    rows: np.ndarray
    agents: np.ndarray
    answered: np.ndarray
    calls: np.ndarray
    day: np.ndarray
    reps: int
    target_sl: float
    n_intervals: int
    head_cap: np.ndarray

    def value(self, scheduled: np.ndarray) -> np.ndarray:
        """``v_t`` at the head counts ``scheduled`` (one per grid interval): per service row,
        the scaled curve, linear between breakpoints, flat after the last, at most the calls."""
        x = np.asarray(scheduled, dtype=float)[self.rows]
        top = np.minimum(self.answered[:, -1], self.calls)
        if self.agents.shape[1] < 2:
            return np.minimum(self.answered[:, 0], top)
        slopes = np.diff(self.answered, axis=1) / np.diff(self.agents, axis=1)
        lines = self.answered[:, :-1] + slopes * (x[:, None] - self.agents[:, :-1])
        return np.clip(lines.min(axis=1), 0.0, top)

    def scopes(self, rules: RosterRules) -> list[np.ndarray]:
        """Service rows of each scope of the global constraint (the week, or each day with calls)."""
        if rules.global_sl_scope == "week":
            return [np.arange(self.rows.size)]
        return [np.flatnonzero(self.day == d) for d in range(DAYS) if np.any(self.day == d)]


def service_grid(curves: ServiceCurves, grid: WeekGrid, week_intervals: int,
                 head_cap: np.ndarray | None = None) -> ServiceGrid:
    """Map ``curves`` onto ``grid`` (the model grid; rows past ``week_intervals`` get no calls).

    ``head_cap`` (per grid interval, default unbounded): the most agents who can be on the
    floor there.

    Raises
    ------
    InvalidArgumentError
        When a plan interval is not a whole number of grid intervals or is off the grid.
    """
    g = grid.step_minutes
    if curves.interval_minutes % g:
        raise InvalidArgumentError("service.interval_minutes", curves.interval_minutes, f"a multiple of {g} min")
    reps = curves.interval_minutes // g
    offsets = np.asarray((curves.interval_starts - grid.week_start).total_seconds(), dtype=float) / 60.0
    if np.any(offsets % g):
        raise InvalidArgumentError("service.interval_starts", "off the grid", f"aligned to the {g}-minute grid")
    rows, src = [], []
    for i, off in enumerate(offsets.astype(np.int64)):
        first = int(off) // g
        for t in range(max(first, 0), min(first + reps, week_intervals)):
            if curves.calls[i] > 0:
                rows.append(t)
                src.append(i)
    idx = np.array(src, dtype=np.int64)
    row = np.array(rows, dtype=np.int64)
    k = curves.agents.shape[1]
    return ServiceGrid(
        rows=row,
        agents=curves.agents[idx].astype(float) if idx.size else np.zeros((0, k)),
        answered=curves.answered[idx].astype(float) / reps if idx.size else np.zeros((0, k)),
        calls=curves.calls[idx].astype(float) / reps if idx.size else np.zeros(0),
        day=row * g // MINUTES_PER_DAY,
        reps=reps,
        target_sl=float(curves.target_sl),
        n_intervals=grid.n_intervals,
        head_cap=np.full(row.size, np.inf) if head_cap is None else np.asarray(head_cap, dtype=float)[row],
    )


@dataclass
class ServiceVars:
    """Handles to the service part of a model: ``missed[i]`` = ``calls_i - s_i`` of service row ``i``."""

    missed: list[pulp.LpVariable]


def add_service_terms(
    problem: pulp.LpProblem,
    under: list[pulp.LpVariable],
    over: list[pulp.LpVariable],
    paid_hours: pulp.LpAffineExpression,
    grid: WeekGrid,
    rules: RosterRules,
    service: ServiceGrid,
    *,
    prefix: str,
) -> tuple[pulp.LpAffineExpression, ServiceVars]:
    """Add the missed-call variables (and, in ``global_sl``, the service-level rows) on the
    coverage variables; return the mode's objective (module docstring).

    Incremental (delta) form of the concave curve: one bounded variable per segment,
    ``0 <= d_j <= b_{j+1} - b_j``, ``sum_j d_j <= x_t`` and ``s_t = a_0 + sum_j m_j d_j``.
    The slopes decrease, so the optimum fills the segments in order and ``s_t = f(x_t)``:
    an exact LP form of the hypograph (no binaries), with two rows per interval instead
    of one per segment (simplex handles the bounds implicitly). The variables are the
    calls *not* answered within target, ``m_t = calls_t - s_t``, so that the objective
    has no constant term (pulp's HiGHS interface drops objective constants, which would
    shift the bounds HiGHS reports).
    """
    w, h = rules.weights, grid.step_hours
    top = np.minimum(service.calls, service.answered[:, -1])
    m = [problem.add_variable(f"{prefix}missed_{int(t)}", lowBound=float(service.calls[i] - top[i]),
                              upBound=float(service.calls[i]))
         for i, t in enumerate(service.rows)]
    for i, t in enumerate(service.rows.tolist()):
        b, a = service.agents[i], service.answered[i]
        fill: list[tuple[pulp.LpVariable, float]] = []
        credit: list[tuple[pulp.LpVariable, float]] = []
        for j in range(b.size - 1):
            slope = float((a[j + 1] - a[j]) / (b[j + 1] - b[j]))
            if slope <= 0 or b[j] >= service.head_cap[i]:
                # concave: only flat segments remain (the bound on m holds them); or no
                # head count reachable here lies on this segment or beyond it
                break
            d = problem.add_variable(f"{prefix}seg_{t}_{j}", lowBound=0, upBound=float(b[j + 1] - b[j]))
            fill.append((d, 1.0))
            credit.append((d, slope))
        # sum_j d_j <= x_t = r_t - u_t + o_t; m_t = calls_t - a_0 - sum_j slope_j d_j
        problem += (pulp.LpAffineExpression([*fill, (under[t], 1.0), (over[t], -1.0)]) <= float(grid.required[t]),
                    f"{prefix}service_fill[{t}]")
        problem += (pulp.LpAffineExpression([(m[i], 1.0), *credit]) == float(service.calls[i] - a[0]),
                    f"{prefix}service_missed[{t}]")
    missed = pulp.LpAffineExpression([(v, 1.0) for v in m])
    if rules.objective_mode == "service":
        objective = (w.missed_call * missed + w.service_paid_hours * paid_hours
                     + pulp.LpAffineExpression([(o, w.over_staffing * h) for o in over]))
        return objective, ServiceVars(m)
    penalty = FLOOR_PENALTY * w.missed_call
    terms: list[tuple[pulp.LpVariable, float]] = []
    for q, scope in enumerate(service.scopes(rules)):
        # sum s >= target sum calls  <=>  sum m <= (1 - target) sum calls
        short = problem.add_variable(f"{prefix}sl_short_{q}", lowBound=0)
        terms.append((short, penalty))
        problem += (pulp.LpAffineExpression([(m[i], 1.0) for i in scope.tolist()] + [(short, -1.0)])
                    <= (1.0 - service.target_sl) * float(service.calls[scope].sum()), f"{prefix}global_sl[{q}]")
    for i, t in enumerate(service.rows.tolist()):
        if rules.min_interval_sl > 0:
            short = problem.add_variable(f"{prefix}interval_sl_short_{t}", lowBound=0)
            terms.append((short, penalty))
            problem += (m[i] - short <= (1.0 - rules.min_interval_sl) * float(service.calls[i]),
                        f"{prefix}interval_sl[{t}]")
        if rules.min_agents_when_open > 0:
            # x_t = r_t - u_t + o_t >= floor, elastic per agent-hour
            short = problem.add_variable(f"{prefix}open_short_{t}", lowBound=0)
            terms.append((short, penalty * h))
            problem += (pulp.LpAffineExpression([(under[t], -1.0), (over[t], 1.0), (short, 1.0)])
                        >= rules.min_agents_when_open - float(grid.required[t]), f"{prefix}open_floor[{t}]")
    objective = (w.service_paid_hours * paid_hours + SERVICE_TIE * w.missed_call * missed
                 + pulp.LpAffineExpression(terms))
    return objective, ServiceVars(m)


def penalties(scheduled: np.ndarray, service: ServiceGrid, rules: RosterRules, step_hours: float) -> tuple[float, float]:
    """``global_sl``: calls short of the service-level rows (target per scope, interval floors)
    and agent-hours short of the head-count floor, at head counts ``scheduled``."""
    v = service.value(scheduled)
    calls_short = sum(max(0.0, service.target_sl * float(service.calls[q].sum()) - float(v[q].sum()))
                      for q in service.scopes(rules))
    calls_short += float(np.maximum(rules.min_interval_sl * service.calls - v, 0.0).sum())
    x = np.asarray(scheduled, dtype=float)[service.rows]
    agent_hours_short = float(np.maximum(rules.min_agents_when_open - x, 0.0).sum()) * step_hours
    return calls_short, agent_hours_short


def objective_value(scheduled: np.ndarray, paid_hours: float, grid: WeekGrid, rules: RosterRules,
                    service: ServiceGrid) -> float:
    """The service mode's objective (module docstring) of a roster with head counts
    ``scheduled`` on ``grid`` (the model grid, tail included) and ``paid_hours``: the
    value the models' optimum and bound are comparable with."""
    w, h = rules.weights, grid.step_hours
    missed = float((service.calls - service.value(scheduled)).sum())
    if rules.objective_mode == "service":
        over = float(np.maximum(np.asarray(scheduled) - grid.required, 0.0).sum()) * h
        return w.missed_call * missed + w.service_paid_hours * paid_hours + w.over_staffing * over
    calls_short, agent_hours_short = penalties(scheduled, service, rules, h)
    return (w.service_paid_hours * paid_hours + SERVICE_TIE * w.missed_call * missed
            + FLOOR_PENALTY * w.missed_call * (calls_short + agent_hours_short))


@dataclass(frozen=True)
class ServiceReport:
    """The roster's service by the curves (row-wise values, see the module docstring).

    Attributes
    ----------
    mode
        ``rules.objective_mode``.
    objective
        The service-mode objective (:func:`objective_value`; ``nan`` in coverage mode).
    calls, answered
        Expected calls offered and answered within target over the week.
    projected_sl
        ``answered / calls`` (1 when there are no calls).
    day_sl
        The same per day (``nan`` on days without calls).
    target_sl
        The curves' target.
    target_met
        ``global_sl``: every scope reaches the target and every floor holds; other
        modes: the week's SL reaches the target.
    message
        Empty, or why the target was not met (the best service the roster reaches).
    """

    mode: str
    objective: float
    calls: float
    answered: float
    projected_sl: float
    day_sl: tuple[float, ...]
    target_sl: float
    target_met: bool
    message: str


def service_report(scheduled: np.ndarray, paid_hours: float, grid: WeekGrid, rules: RosterRules,
                   service: ServiceGrid) -> ServiceReport:
    """What the roster with head counts ``scheduled`` answers by the curves."""
    v = service.value(scheduled)
    calls, answered = float(service.calls.sum()), float(v.sum())
    sl = answered / calls if calls > 0 else 1.0
    day_sl = tuple(float(v[service.day == d].sum() / service.calls[service.day == d].sum())
                   if np.any(service.day == d) else float("nan") for d in range(DAYS))
    tol = 1e-6 * max(calls, 1.0)
    if rules.objective_mode == "global_sl":
        calls_short, hours_short = penalties(scheduled, service, rules, grid.step_hours)
        met = calls_short <= tol and hours_short <= 1e-9
        what = (f"the {rules.global_sl_scope}'s service level" if calls_short > tol else "")
        if hours_short > 1e-9:
            what += (" and " if what else "") + f"min_agents_when_open ({hours_short:g} agent-hours short)"
        message = "" if met else (f"target {service.target_sl:.1%} not reachable with these agents and rules: "
                                  f"{what} missed; best reached: week SL {sl:.2%}, "
                                  f"lowest day {np.nanmin(day_sl):.2%}")
    else:
        met = answered >= service.target_sl * calls - tol
        message = "" if met else f"week SL {sl:.2%} below the target {service.target_sl:.1%}"
    objective = (objective_value(scheduled, paid_hours, grid, rules, service)
                 if rules.objective_mode != "coverage" else float("nan"))
    return ServiceReport(rules.objective_mode, objective, calls, answered, sl, day_sl, service.target_sl, met, message)
