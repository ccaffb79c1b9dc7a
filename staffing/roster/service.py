"""The service the roster buys: per interval, a concave piecewise-linear value of head count.

This is the contract between the planning stage, which builds the curves from the
forecast with the queueing engine, and the roster, which maximises their sum. The roster
knows nothing of Erlang: it sees, for every requirement interval, breakpoints of
scheduled head count and the expected number of calls answered within the target time
there (concave and non-decreasing in head count along each row).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.errors import InvalidArgumentError


@dataclass(frozen=True)
class ServiceCurves:
    """Expected calls answered within the target time as a function of scheduled head count.

    Attributes
    ----------
    interval_starts
        Naive local starts of the requirement intervals (the plan's intervals), length ``T``.
    interval_minutes
        The plan's interval length.
    agents
        ``(T, K)`` breakpoints of scheduled head count (before shrinkage), increasing along
        each row, the first 0.
    answered
        ``(T, K)`` expected calls answered within the target at those head counts: the upper
        concave envelope of the exact curve (so non-decreasing and concave along each row).
        Beyond the last breakpoint the value stays at its last value.
    calls
        ``(T,)`` expected calls offered (the ceiling of ``answered``).
    target_sl
        The service-level target (fraction) the global service-level mode must reach.
    """

    interval_starts: pd.DatetimeIndex
    interval_minutes: int
    agents: np.ndarray
    answered: np.ndarray
    calls: np.ndarray
    target_sl: float

    def __post_init__(self) -> None:
        t = len(self.interval_starts)
        if self.agents.shape != self.answered.shape or self.agents.ndim != 2 or self.agents.shape[0] != t:
            raise InvalidArgumentError("service", self.agents.shape, f"(T, K) breakpoints with T = {t} intervals")
        if self.calls.shape != (t,):
            raise InvalidArgumentError("service.calls", self.calls.shape, f"({t},)")
        if np.any(np.diff(self.agents, axis=1) <= 0):
            raise InvalidArgumentError("service.agents", "not increasing", "increasing breakpoints along each row")
        slopes = np.diff(self.answered, axis=1) / np.diff(self.agents, axis=1)
        if np.any(slopes < -1e-9) or np.any(np.diff(slopes, axis=1) > 1e-9):
            raise InvalidArgumentError("service.answered", "not concave", "non-decreasing concave rows")

    def slopes(self) -> np.ndarray:
        """``(T, K - 1)`` slope of each segment (calls answered within target per extra agent)."""
        return np.diff(self.answered, axis=1) / np.diff(self.agents, axis=1)

    def value(self, scheduled: np.ndarray) -> np.ndarray:
        """The curves evaluated at ``scheduled`` head count per interval (linear between
        breakpoints, flat after the last)."""
        return np.array([np.interp(s, a, v) for s, a, v in zip(scheduled, self.agents, self.answered, strict=True)])
