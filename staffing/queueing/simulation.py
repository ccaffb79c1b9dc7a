"""Discrete-event simulation of a contact-centre queue over consecutive intervals.

One FCFS queue served by a number of agents that changes at interval boundaries
(agents on the phones per interval), Poisson or given arrival counts, exponential or
lognormal handle times with the interval's AHT, and optional exponential patience.
Unlike the Erlang formulas, queues carry over from one interval to the next.

Model
-----
* Arrivals: with ``arrivals="poisson"`` the count of interval ``k`` is Poisson with mean
  ``calls[k]``; with ``arrivals="counts"`` it is ``calls[k]`` (rounded) exactly. Given a
  count, arrival times are uniform within the interval (the order statistics of a
  Poisson process). Per-call arrival times from a call log replace both.
* Handle times: mean ``aht_seconds`` of the arrival interval; ``exponential`` (the
  Erlang assumption) or ``lognormal`` with coefficient of variation ``service_cv``.
* Patience: exponential with mean ``patience_seconds`` (``None``: nobody hangs up). A
  caller is answered if an agent takes the call before their patience runs out.
* Agents: ``agents[k]`` whole agents take calls during interval ``k``. When the number
  falls, agents on a call finish it before leaving (no call is cut off); when it rises,
  waiting callers are answered at once.

Each call is counted in the interval it *arrived* in (the ACD convention): answered
within T, answered, abandoned, and its wait. Occupancy is the busy agent-time inside the
interval divided by the agent-time on duty.

The event loop is plain Python over three sorted streams (arrivals, completions from a
heap, staffing changes), about a microsecond-scale step per event; replications are
independent (``numpy.random.SeedSequence.spawn``) and can run in a process pool.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Arrivals = Literal["poisson", "counts"]
ServiceDistribution = Literal["exponential", "lognormal"]


@dataclass(frozen=True)
class QueueInput:
    """What is simulated: one value per interval (arrays of equal length).

    Attributes
    ----------
    calls
        Expected calls (``poisson``) or exact counts (``counts``) per interval.
    aht_seconds
        Mean handle time of calls arriving in the interval (> 0 where there are calls).
    agents
        Whole agents taking calls in the interval.
    interval_seconds
        Interval length in seconds.
    arrival_seconds
        Per-call arrival times (seconds from the start of the first interval) from a call
        log; when given they replace the drawn arrivals (``calls`` is then ignored) and
        every replication replays the same arrivals with fresh handle times and patience.
    """

    calls: FloatArray
    aht_seconds: FloatArray
    agents: npt.NDArray[np.int64]
    interval_seconds: float
    arrival_seconds: FloatArray | None = None


@dataclass(frozen=True)
class SimulationSettings:
    """How to simulate.

    ``answer_seconds`` is the T of the service level; ``patience_seconds`` ``None`` means
    callers never hang up; ``warmup_intervals`` of empty staffing history are not needed
    because the run starts empty, like a centre opening in the morning.
    """

    answer_seconds: float = 20.0
    patience_seconds: float | None = None
    arrivals: Arrivals = "poisson"
    service: ServiceDistribution = "exponential"
    service_cv: float = 1.0


@dataclass(frozen=True)
class IntervalStats:
    """Per-interval outcome of one replication (arrays over intervals).

    ``service_level`` is answered within T / offered (abandoned calls are misses; 1 when
    there were no calls), ``service_level_answered`` answered within T / answered,
    ``asa_seconds`` the mean wait of answered calls, ``abandon_rate`` abandoned / offered,
    ``occupancy`` busy agent-seconds / agent-seconds on duty in the interval.
    """

    offered: FloatArray
    answered: FloatArray
    answered_within: FloatArray
    abandoned: FloatArray
    wait_answered_seconds: FloatArray
    busy_seconds: FloatArray
    on_duty_seconds: FloatArray

    @property
    def service_level(self) -> FloatArray:
        return np.where(self.offered > 0, self.answered_within / np.maximum(self.offered, 1), 1.0)

    @property
    def service_level_answered(self) -> FloatArray:
        return np.where(self.answered > 0, self.answered_within / np.maximum(self.answered, 1), 1.0)

    @property
    def asa_seconds(self) -> FloatArray:
        return np.where(self.answered > 0, self.wait_answered_seconds / np.maximum(self.answered, 1), 0.0)

    @property
    def abandon_rate(self) -> FloatArray:
        return np.where(self.offered > 0, self.abandoned / np.maximum(self.offered, 1), 0.0)

    @property
    def occupancy(self) -> FloatArray:
        return np.where(self.on_duty_seconds > 0, self.busy_seconds / np.maximum(self.on_duty_seconds, 1e-9), 0.0)


def _draw_calls(
    queue: QueueInput, settings: SimulationSettings, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, FloatArray, npt.NDArray[np.int64]]:
    """Arrival times, handle times, patience and arrival interval of every call, by arrival."""
    if queue.arrival_seconds is not None:
        horizon = queue.calls.size * queue.interval_seconds
        arrival = np.sort(queue.arrival_seconds[(queue.arrival_seconds >= 0) & (queue.arrival_seconds < horizon)])
        interval = (arrival // queue.interval_seconds).astype(np.int64)
    else:
        if settings.arrivals == "poisson":
            counts = rng.poisson(np.maximum(queue.calls, 0.0))
        else:
            counts = np.rint(np.maximum(queue.calls, 0.0)).astype(np.int64)
        interval = np.repeat(np.arange(counts.size), counts)
        arrival = (interval + rng.random(interval.size)) * queue.interval_seconds
    order = np.argsort(arrival, kind="stable")
    arrival, interval = arrival[order], interval[order]
    mean = queue.aht_seconds[interval]
    if settings.service == "exponential":
        service = rng.exponential(1.0, interval.size) * mean
    else:
        sigma2 = np.log1p(settings.service_cv**2)
        service = mean * np.exp(rng.normal(-sigma2 / 2.0, np.sqrt(sigma2), interval.size))
    if settings.patience_seconds is None:
        patience = np.full(interval.size, np.inf)
    else:
        patience = rng.exponential(settings.patience_seconds, interval.size)
    return arrival, service, patience, interval


def _event_loop(
    arrival: FloatArray, service: FloatArray, patience: FloatArray, agents: Sequence[int], interval_seconds: float
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Start time of each call (NaN when it abandoned) under FCFS with time-varying agents."""
    n_calls = len(arrival)
    start = np.full(n_calls, np.nan)
    served = np.zeros(n_calls, dtype=bool)
    arrivals = arrival.tolist()
    services = service.tolist()
    deadlines = (arrival + patience).tolist()
    capacity_at = list(agents)
    n_intervals = len(capacity_at)
    completions: list[float] = []
    waiting: deque[int] = deque()
    busy = 0
    capacity = capacity_at[0] if n_intervals else 0
    next_boundary_index = 1
    next_boundary = interval_seconds if n_intervals > 1 else np.inf
    i = 0
    inf = float("inf")
    starts = [inf] * n_calls
    push, pop = heapq.heappush, heapq.heappop

    def serve(now: float) -> None:
        nonlocal busy
        while busy < capacity and waiting:
            call = waiting.popleft()
            if deadlines[call] < now:
                continue  # hung up while waiting
            starts[call] = now
            busy += 1
            push(completions, now + services[call])

    while True:
        t_arrival = arrivals[i] if i < n_calls else inf
        t_done = completions[0] if completions else inf
        t_staff = next_boundary
        if t_arrival == inf and t_done == inf and (not waiting or t_staff == inf):
            break
        if t_done <= t_arrival and t_done <= t_staff:
            pop(completions)
            busy -= 1
            serve(t_done)
        elif t_arrival <= t_staff:
            if busy < capacity and not waiting:
                starts[i] = t_arrival
                busy += 1
                push(completions, t_arrival + services[i])
            else:
                waiting.append(i)
            i += 1
        else:
            capacity = capacity_at[next_boundary_index]
            next_boundary_index += 1
            next_boundary = next_boundary_index * interval_seconds if next_boundary_index < n_intervals else inf
            serve(t_staff)
    start[:] = starts
    served = np.isfinite(start)
    start[~served] = np.nan
    return start, served


def _busy_integral(starts: FloatArray, ends: FloatArray, edges: FloatArray) -> FloatArray:
    """``F(x) = sum over calls of the busy time before x``, at each edge (vectorised)."""
    s = np.sort(starts)
    e = np.sort(ends)
    cs = np.concatenate([[0.0], np.cumsum(s)])
    ce = np.concatenate([[0.0], np.cumsum(e)])
    ks = np.searchsorted(s, edges, side="left")
    ke = np.searchsorted(e, edges, side="left")
    return (edges * ks - cs[ks]) - (edges * ke - ce[ke])


def simulate_once(queue: QueueInput, settings: SimulationSettings, seed: np.random.SeedSequence | int) -> IntervalStats:
    """One replication of the whole period; see the module docstring for the model."""
    rng = np.random.default_rng(seed)
    arrival, service, patience, interval = _draw_calls(queue, settings, rng)
    start, served = _event_loop(arrival, service, patience, queue.agents.tolist(), queue.interval_seconds)
    n = queue.calls.size
    wait = np.where(served, start - arrival, 0.0)
    within = served & (wait <= settings.answer_seconds + 1e-9)
    offered = np.bincount(interval, minlength=n).astype(float)
    answered = np.bincount(interval, weights=served.astype(float), minlength=n).astype(float)
    answered_within = np.bincount(interval, weights=within.astype(float), minlength=n).astype(float)
    wait_sum = np.bincount(interval, weights=wait, minlength=n).astype(float)
    edges = np.arange(n + 1, dtype=float) * queue.interval_seconds
    busy = np.diff(_busy_integral(start[served], start[served] + service[served], edges))
    on_duty = queue.agents.astype(float) * queue.interval_seconds
    return IntervalStats(offered, answered, answered_within, offered - answered, wait_sum, busy, on_duty)


@dataclass(frozen=True)
class SimulationResult:
    """Replications of one simulated period.

    ``replications`` holds each replication's :class:`IntervalStats`; the properties give
    per-interval means and the 5% / 95% quantiles (a 90% band) across replications.
    """

    replications: tuple[IntervalStats, ...]

    def _stack(self, name: str) -> FloatArray:
        return np.vstack([getattr(r, name) for r in self.replications])

    def mean(self, name: str) -> FloatArray:
        """Mean over replications of a per-interval figure (e.g. ``"service_level"``)."""
        return self._stack(name).mean(axis=0)

    def band(self, name: str) -> tuple[FloatArray, FloatArray]:
        """5% and 95% quantiles over replications (a 90% band)."""
        values = self._stack(name)
        return np.quantile(values, 0.05, axis=0), np.quantile(values, 0.95, axis=0)

    def pooled(self, name: Literal["service_level", "abandon_rate", "asa_seconds", "occupancy"],
               groups: npt.NDArray[np.int64]) -> FloatArray:
        """Per replication and group (e.g. day) the pooled ratio, shape (replications, groups).

        Pooled means ratios of sums (answered within T over offered for the whole day),
        not means of interval ratios.
        """
        size = int(groups.max()) + 1 if groups.size else 0
        out = []
        num_den = {
            "service_level": ("answered_within", "offered"),
            "abandon_rate": ("abandoned", "offered"),
            "asa_seconds": ("wait_answered_seconds", "answered"),
            "occupancy": ("busy_seconds", "on_duty_seconds"),
        }[name]
        for r in self.replications:
            num = np.bincount(groups, weights=getattr(r, num_den[0]), minlength=size)
            den = np.bincount(groups, weights=getattr(r, num_den[1]), minlength=size)
            empty = 1.0 if name == "service_level" else 0.0
            out.append(np.where(den > 0, num / np.where(den > 0, den, 1.0), empty))
        return np.vstack(out)


def _replicate(args: tuple[QueueInput, SimulationSettings, np.random.SeedSequence]) -> IntervalStats:
    return simulate_once(*args)


def simulate(
    queue: QueueInput,
    settings: SimulationSettings,
    *,
    replications: int = 30,
    seed: int = 0,
    executor: Executor | None = None,
) -> SimulationResult:
    """Run ``replications`` independent replications (seeded; identical for the same seed).

    With ``executor`` (e.g. a process pool) the replications run in parallel; results
    do not depend on it.
    """
    seeds = np.random.SeedSequence(seed).spawn(replications)
    jobs = [(queue, settings, s) for s in seeds]
    stats = list(executor.map(_replicate, jobs)) if executor is not None else [_replicate(j) for j in jobs]
    return SimulationResult(tuple(stats))


def simulate_interval(
    calls: float,
    aht_seconds: float,
    interval_minutes: float,
    agents: int,
    *,
    answer_seconds: float = 20.0,
    patience_seconds: float | None = None,
    intervals: int = 200,
    replications: int = 10,
    seed: int = 0,
) -> SimulationResult:
    """A stationary M/M/n (or M/M/n+M) queue: the same interval repeated ``intervals`` times.

    Used to check the Erlang formulas: pooled over all intervals but the first 10% (the
    queue starts empty), the service level, ASA and abandonment estimate the
    steady-state figures of one interval with that load and staffing.
    """
    queue = QueueInput(
        calls=np.full(intervals, float(calls)),
        aht_seconds=np.full(intervals, float(aht_seconds)),
        agents=np.full(intervals, int(agents), dtype=np.int64),
        interval_seconds=interval_minutes * 60.0,
    )
    settings = SimulationSettings(answer_seconds=answer_seconds, patience_seconds=patience_seconds)
    return simulate(queue, settings, replications=replications, seed=seed)
