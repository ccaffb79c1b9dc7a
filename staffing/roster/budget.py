"""One wall-clock budget for a whole roster run, shared by every sub-solve.

:func:`~staffing.roster.build.build_roster` creates one :class:`Budget` from its
``time_limit``; each stage takes a :meth:`Budget.share` of what is left and every solver
call is given the ``remaining()`` seconds of its stage, so the stages together end
near the caller's deadline instead of each having a fixed allowance.

Overhead beyond the deadline: a solver call is never given less than
:data:`MIN_SOLVE_SECONDS` (HiGHS and CBC need some time to return even their start), and
building a model or reading its solution is not interrupted. Steps that are only
heuristics (the exact hand-out, local search) are skipped once the budget is spent.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: The least time a solver call gets even when its budget is spent (seconds).
MIN_SOLVE_SECONDS = 1.0


class Budget:
    """A deadline on a monotonic clock.

    Parameters
    ----------
    seconds
        Time from now until the deadline (>= 0).
    clock
        Seconds on a monotonic clock; :func:`time.monotonic` unless a test supplies one.
    """

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._began = clock()
        self.deadline = self._began + max(0.0, float(seconds))

    def remaining(self) -> float:
        """Seconds left until the deadline, 0 once it has passed."""
        return max(0.0, self.deadline - self._clock())

    def elapsed(self) -> float:
        """Seconds since this budget was created."""
        return self._clock() - self._began

    def expired(self) -> bool:
        """True once the deadline has passed."""
        return self.remaining() <= 0.0

    def share(self, fraction: float, *, cap_seconds: float | None = None) -> Budget:
        """A sub-budget of ``fraction`` of the time left (at most ``cap_seconds``); never past this deadline."""
        seconds = max(0.0, min(1.0, fraction)) * self.remaining()
        if cap_seconds is not None:
            seconds = min(seconds, max(0.0, cap_seconds))
        return Budget(seconds, clock=self._clock)

    def solve_seconds(self) -> float:
        """The time limit to hand a solver call: the time left, at least :data:`MIN_SOLVE_SECONDS`."""
        return max(MIN_SOLVE_SECONDS, self.remaining())
