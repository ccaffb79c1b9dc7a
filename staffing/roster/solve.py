"""Running a PuLP problem on HiGHS (highspy) or CBC with reproducible settings."""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import pulp

from staffing.errors import SolverError
from staffing.roster.config import SolverSettings

SolverName = Literal["highs", "cbc"]


@dataclass(frozen=True)
class SolveOutcome:
    """What a solver returned: whether a solution exists, whether it is proven optimal,
    the solver's dual bound on the objective when it reports one, and the wall time."""

    solver: SolverName
    status: str
    has_solution: bool
    optimal: bool
    infeasible: bool
    objective: float
    dual_bound: float | None
    seconds: float


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send whatever is written to file descriptor 1 meanwhile to descriptor 2.

    Compiled code (HiGHS prints its banner with C++ I/O when a ``highspy.Highs`` object
    is created, before any option can silence it) writes to the descriptor, not to
    ``sys.stdout``: only a descriptor-level redirect keeps it out of a command's output.
    C's stdio buffer is flushed before descriptor 1 is restored, else text still buffered
    (stdout is block-buffered on a pipe) would reach the real stdout later. Does nothing
    when descriptor 1 or 2 is not open.
    """
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    try:
        if sys.stdout is not None:
            sys.stdout.flush()  # what Python wrote before goes where it was meant to
        os.dup2(2, 1)
    except OSError:
        os.close(saved)
        yield
        return
    try:
        yield
    finally:
        _flush_c_stdio()
        os.dup2(saved, 1)
        os.close(saved)


def _flush_c_stdio() -> None:
    """``fflush(NULL)``: push C's buffered output to its descriptors (no-op where libc is not found)."""
    with contextlib.suppress(OSError, AttributeError, TypeError):  # Windows: no process-wide libc handle
        ctypes.CDLL(None).fflush(None)


class _QuietHiGHS(pulp.HiGHS):
    """pulp's HiGHS API class whose ``highspy.Highs`` object is created with fd 1 sent to fd 2.

    ``msg=False`` sets ``output_flag`` only after the object exists, too late for the
    banner ("Running HiGHS ... Copyright ...") that its constructor prints once per
    process; it would land in the middle of ``staffing plan``'s output.
    """

    def createAndConfigureSolver(self, lp: pulp.LpProblem) -> None:
        with stdout_to_stderr():
            super().createAndConfigureSolver(lp)


class _HiGHSWithStart(_QuietHiGHS):
    """pulp's HiGHS API class, handing HiGHS a MIP start before it runs."""

    def __init__(self, start: dict[str, float], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.start = start

    def callSolver(self, lp: pulp.LpProblem) -> None:
        import highspy

        solution = highspy.HighsSolution()
        values = [0.0] * len(lp.variables())
        for var in lp.variables():
            values[var.index] = float(self.start.get(var.name, 0.0))
        solution.col_value = values
        lp.solverModel.setSolution(solution)
        lp.solverModel.run()


def _make(solver: SolverName, time_limit: float, settings: SolverSettings, mip: bool,
          ipm: bool, gap: float | None, start: dict[str, float] | None = None) -> pulp.LpSolver:
    limit = max(1.0, float(time_limit))
    if solver == "highs":
        # Dual simplex stalls on these degenerate covering LPs; the interior-point
        # solver takes a second or two, at the root and in the LP relaxation alike.
        # (Simplex stays the better choice inside the covering and pattern MIPs.)
        extra: dict[str, Any] = {}
        if ipm:
            extra = {"mip_lp_solver": "ipm"} if mip else {"solver": "ipm"}
        cls = _QuietHiGHS if not start or not mip else _HiGHSWithStart
        kwargs: dict[str, Any] = {} if cls is _QuietHiGHS else {"start": start}
        return cls(
            **kwargs,
            **extra,
            mip=mip,
            msg=False,
            timeLimit=limit,
            threads=settings.threads,
            gapRel=settings.mip_rel_gap if gap is None else gap,
            random_seed=settings.random_seed,
        )
    return pulp.PULP_CBC_CMD(
        mip=mip,
        msg=False,
        timeLimit=max(1, math.ceil(limit)),
        threads=settings.threads,
        gapRel=settings.mip_rel_gap if gap is None else gap,
        warmStart=bool(start),
        options=[f"randomSeed {settings.random_seed + 1}", f"randomCbcSeed {settings.random_seed + 1}"],
    )


def highs_available() -> bool:
    """True when pulp's HiGHS API class (highspy) can be used."""
    try:
        return bool(pulp.HiGHS(msg=False).available())
    except pulp.PulpSolverError:
        return False


def run(
    problem: pulp.LpProblem,
    solver: SolverName,
    time_limit: float,
    settings: SolverSettings,
    *,
    mip: bool = True,
    ipm: bool = False,
    gap: float | None = None,
    start: dict[str, float] | None = None,
) -> SolveOutcome:
    """Solve ``problem`` and describe the outcome; raise :class:`SolverError` on a crash."""
    if solver == "highs" and not highs_available():
        solver = "cbc"
    began = time.perf_counter()
    if start and solver == "cbc":
        for var in problem.variables():
            if var.name in start:
                var.setInitialValue(start[var.name])
    try:
        problem.solve(_make(solver, time_limit, settings, mip, ipm, gap, start))
    except pulp.PulpSolverError as exc:
        raise SolverError(f"{solver} failed on {problem.name}: {exc}") from exc
    seconds = time.perf_counter() - began
    sol_status = problem.sol_status
    has_solution = sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    infeasible = sol_status == pulp.LpSolutionInfeasible or problem.status == pulp.LpStatusInfeasible
    dual_bound: float | None = None
    if solver == "highs" and mip and hasattr(problem, "solverModel"):
        info = problem.solverModel.getInfo()
        bound = float(info.mip_dual_bound)
        dual_bound = bound if math.isfinite(bound) else None
    objective = float(pulp.value(problem.objective) or 0.0) if has_solution else math.nan
    optimal = sol_status == pulp.LpSolutionOptimal
    if optimal and dual_bound is None:
        dual_bound = objective
    return SolveOutcome(
        solver=solver,
        status=pulp.LpSolution[sol_status] if sol_status in pulp.LpSolution else str(sol_status),
        has_solution=has_solution,
        optimal=optimal,
        infeasible=infeasible and not has_solution,
        objective=objective,
        dual_bound=dual_bound,
        seconds=seconds,
    )


def complete_start(
    problem: pulp.LpProblem,
    fixed: dict[str, float],
    solver: SolverName,
    settings: SolverSettings,
    time_limit: float,
) -> dict[str, float] | None:
    """A full MIP start from values of the integer variables: fix them, solve the LP for the rest.

    Returns ``None`` when the fixed values admit no solution.
    """
    saved = {}
    for var in problem.variables():
        if var.cat == pulp.LpInteger:
            value = float(fixed.get(var.name, 0.0))
            saved[var.name] = (var.lowBound, var.upBound)
            var.lowBound = var.upBound = value
    try:
        outcome = run(problem, solver, time_limit, settings, mip=False, ipm=True)
    finally:
        for var in problem.variables():
            if var.name in saved:
                var.lowBound, var.upBound = saved[var.name]
    if not outcome.has_solution:
        return None
    return {var.name: float(var.value() or 0.0) for var in problem.variables()}
