"""Discrete-event simulation of a contact-centre queue over consecutive intervals.

One FCFS queue served by a number of agents that changes at interval boundaries
(agents on the phones per interval), Poisson or given arrival counts, exponential or
lognormal handle times with the interval's AHT, and exponential patience. Unlike the
Erlang formulas, queues carry over from one interval to the next.

Model
-----
* Arrivals: with ``arrivals="poisson"`` the count of interval ``k`` is Poisson with mean
  ``calls[k]``; with ``arrivals="counts"`` it is ``calls[k]`` (rounded) exactly. Given a
  count, arrival times are uniform within the interval (the order statistics of a
  Poisson process). Per-call arrival times from a call log replace both.
* Handle times: mean ``aht_seconds`` of the arrival interval; ``exponential`` (the
  Erlang assumption) or ``lognormal`` with coefficient of variation ``service_cv``.
* Patience: exponential with mean ``patience_seconds`` (``math.inf``: nobody hangs up,
  the Erlang C model; ``None``: unknown, :data:`DEFAULT_PATIENCE_SECONDS` is assumed and
  the result says so). A caller is answered if an agent takes the call before their
  patience runs out.
* Agents: ``agents[k]`` agents are on duty (taking calls) during interval ``k``; each is
  an individual server. When the number *falls* by ``d`` at a boundary, ``d`` of the
  on-duty agents go off duty, chosen uniformly at random (a shift's end does not depend
  on whether its agent is on a call): an idle leaver leaves at once; a busy leaver
  finishes the call in hand and then leaves, so that call neither occupies an on-duty
  seat after the boundary nor frees one when it ends. The agents who stay keep
  answering. When the number *rises*, the new agents answer waiting callers at once.
* Closing (``at_close``): an interval with 0 agents is a closed site. With ``"abandon"``
  (the default) callers still waiting when the site closes, and callers arriving while
  it is closed, are lost (counted as abandoned in their arrival interval); with
  ``"carry"`` they stay in the queue and are answered, FCFS, when agents return (unless
  their patience runs out first).

Each call is counted in the interval it *arrived* in (the ACD convention): answered
within T, answered, abandoned, and its wait. Occupancy is the busy time of on-duty agents
inside the interval divided by the agent-time on duty, so it never exceeds 1; the time
leavers spend finishing calls after their shift is reported apart (``overtime_seconds``).

The event loop is plain Python over three sorted streams (arrivals, on-duty completions
on a heap, staffing changes), a microsecond-scale step per event. Because a leaver's call
frees nothing, it leaves the heap at the boundary and needs no event of its own; its
busy time after the boundary is overtime. Replications are
independent (``numpy.random.SeedSequence.spawn``) and can run in a process pool.

References
----------
L. Brown, N. Gans, A. Mandelbaum, A. Sakov, H. Shen, S. Zeltyn, L. Zhao, "Statistical
analysis of a telephone call center: a queueing-science perspective", JASA 100(469)
(2005) 36-50 (Poisson arrivals, lognormal handle times, caller patience); O. Garnett,
A. Mandelbaum, M. Reiman, "Designing a call center with impatient customers", M&SOM 4(3)
(2002) (the M/M/n+M model, Erlang A).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from staffing.errors import InvalidArgumentError

FloatArray = npt.NDArray[np.float64]
Arrivals = Literal["poisson", "counts"]
ServiceDistribution = Literal["exponential", "lognormal"]
AtClose = Literal["abandon", "carry"]

DEFAULT_PATIENCE_SECONDS = 180.0
"""Mean caller patience (s) assumed when it is unknown (no abandonment data, Erlang C inputs).

Brown et al. (2005, section 5) estimate the patience of the Israeli bank's callers,
treating the waits of answered calls as censored patience times, and find it of the order
of minutes, well beyond the typical wait; S. Zeltyn's Erlang A lecture notes ("Abandonment
and customers' patience in tele-queues", Wharton STAT 991, 2005) work with 2 minutes.
Three minutes is such an order-of-minutes value. It is an assumption, never a
measurement, which is why a result that used it says so
(:attr:`SimulationResult.patience_assumed`). Infinite patience (Erlang C) is not used
instead: it lets the queue of an understaffed evening or a closed night grow without bound
and wait for hours, which no caller does.
"""


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
        Whole agents on duty (taking calls) in the interval; 0 means the site is closed.
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


def _check_choice(name: str, value: object, choices: tuple[object, ...]) -> None:
    if value not in choices:
        raise InvalidArgumentError(name, value, "one of " + ", ".join(repr(c) for c in choices))


@dataclass(frozen=True)
class SimulationSettings:
    """How to simulate (validated on construction).

    Attributes
    ----------
    answer_seconds
        The T of the service level (>= 0).
    patience_seconds
        Mean of the exponential patience (> 0); ``math.inf``: nobody hangs up (Erlang C);
        ``None``: unknown, ``assumed_patience_seconds`` is used and reported as assumed.
    assumed_patience_seconds
        The mean patience used when ``patience_seconds`` is ``None``; default
        :data:`DEFAULT_PATIENCE_SECONDS` (180 s, see there for the source).
    arrivals
        ``"poisson"`` counts with mean ``calls`` or the exact ``"counts"``.
    service, service_cv
        Handle-time law and, for ``"lognormal"``, its coefficient of variation (> 0).
    at_close
        What happens to callers waiting when the site closes (an interval with 0 agents):
        ``"abandon"`` (default) they are lost, as are callers arriving while it is closed;
        ``"carry"`` they wait for the next open interval.

    Raises
    ------
    InvalidArgumentError
        A value outside its domain.
    """

    answer_seconds: float = 20.0
    patience_seconds: float | None = None
    assumed_patience_seconds: float = DEFAULT_PATIENCE_SECONDS
    arrivals: Arrivals = "poisson"
    service: ServiceDistribution = "exponential"
    service_cv: float = 1.0
    at_close: AtClose = "abandon"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.answer_seconds) and self.answer_seconds >= 0):
            raise InvalidArgumentError("answer_seconds", self.answer_seconds, ">= 0 seconds")
        if self.patience_seconds is not None and not self.patience_seconds > 0:
            raise InvalidArgumentError("patience_seconds", self.patience_seconds, "> 0 seconds, inf or None")
        if not (math.isfinite(self.assumed_patience_seconds) and self.assumed_patience_seconds > 0):
            raise InvalidArgumentError("assumed_patience_seconds", self.assumed_patience_seconds, "> 0 seconds")
        if not (math.isfinite(self.service_cv) and self.service_cv > 0):
            raise InvalidArgumentError("service_cv", self.service_cv, "> 0")
        _check_choice("arrivals", self.arrivals, get_args(Arrivals))
        _check_choice("service", self.service, get_args(ServiceDistribution))
        _check_choice("at_close", self.at_close, get_args(AtClose))

    @property
    def patience_assumed(self) -> bool:
        """Whether the patience is unknown and the assumed default is used."""
        return self.patience_seconds is None

    @property
    def patience_seconds_used(self) -> float:
        """The mean patience the simulation uses (``inf``: nobody hangs up)."""
        return self.assumed_patience_seconds if self.patience_seconds is None else self.patience_seconds


@dataclass(frozen=True)
class IntervalStats:
    """Per-interval outcome of one replication (arrays over intervals).

    ``service_level`` is answered within T / offered (abandoned calls, including callers
    lost at a close, are misses; 1 when there were no calls), ``service_level_answered``
    answered within T / answered, ``asa_seconds`` the mean wait of answered calls,
    ``abandon_rate`` abandoned / offered, ``occupancy`` busy seconds of on-duty agents /
    agent-seconds on duty in the interval (at most 1). ``overtime_seconds`` is the time
    agents spent finishing calls after their shift ended, in the interval it fell in.
    """

    offered: FloatArray
    answered: FloatArray
    answered_within: FloatArray
    abandoned: FloatArray
    wait_answered_seconds: FloatArray
    busy_seconds: FloatArray
    on_duty_seconds: FloatArray
    overtime_seconds: FloatArray

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
    patience_seconds = settings.patience_seconds_used
    if math.isinf(patience_seconds):
        patience = np.full(interval.size, np.inf)
    else:
        patience = rng.exponential(patience_seconds, interval.size)
    return arrival, service, patience, interval


def _event_loop(
    arrival: FloatArray, service: FloatArray, patience: FloatArray, agents: Sequence[int], interval_seconds: float,
    abandon_at_close: bool, rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """FCFS with individual agents whose number changes at interval boundaries.

    Returns
    -------
    start
        Start time of each call's service (NaN when it was not answered).
    off_duty
        When the agent of each call went off duty during it (``inf``: it did not).

    Notes
    -----
    ``completions`` holds ``(end time, call)`` of the calls of *on-duty* busy agents, so
    its length is the number of busy on-duty agents and never exceeds ``capacity``. At a
    drop of ``d`` agents the number of busy agents among the ``d`` leavers is
    hypergeometric (``d`` drawn without replacement from ``busy`` busy and
    ``capacity - busy`` idle agents); those calls, chosen uniformly among the busy ones,
    leave the heap, so their completions free no seat: exactly as if every on-duty agent
    were tracked and each leaver logged off at the end of its call.
    """
    n_calls = len(arrival)
    arrivals = arrival.tolist()
    services = service.tolist()
    deadlines = (arrival + patience).tolist()
    capacity_at = [int(a) for a in agents]
    n_intervals = len(capacity_at)
    inf = math.inf
    completions: list[tuple[float, int]] = []
    waiting: deque[int] = deque()
    capacity = capacity_at[0] if n_intervals else 0
    next_boundary_index = 1
    next_boundary = interval_seconds if n_intervals > 1 else inf
    i = 0
    starts = [math.nan] * n_calls
    off_duty = [inf] * n_calls
    push, pop = heapq.heappush, heapq.heappop

    def serve(now: float) -> None:
        while len(completions) < capacity and waiting:
            call = waiting.popleft()
            if deadlines[call] < now:
                continue  # hung up while waiting
            starts[call] = now
            push(completions, (now + services[call], call))

    while True:
        t_arrival = arrivals[i] if i < n_calls else inf
        t_done = completions[0][0] if completions else inf
        if t_arrival == inf and t_done == inf and (not waiting or next_boundary == inf):
            break
        if t_done <= t_arrival and t_done <= next_boundary:
            pop(completions)
            serve(t_done)
        elif t_arrival <= next_boundary:
            if len(completions) < capacity and not waiting:
                starts[i] = t_arrival
                push(completions, (t_arrival + services[i], i))
            elif capacity > 0 or not abandon_at_close:
                waiting.append(i)
            # else: the site is closed and the caller is lost
            i += 1
        else:
            now = next_boundary
            new_capacity = capacity_at[next_boundary_index]
            busy = len(completions)
            if new_capacity < capacity and busy > 0:
                leaving = capacity - new_capacity
                busy_leaving = busy if new_capacity == 0 else int(rng.hypergeometric(busy, capacity - busy, leaving))
                if busy_leaving > 0:
                    chosen = set(rng.choice(busy, size=busy_leaving, replace=False).tolist())
                    for j, (_, call) in enumerate(completions):
                        if j in chosen:
                            off_duty[call] = now
                    completions[:] = [c for j, c in enumerate(completions) if j not in chosen]
                    heapq.heapify(completions)
            capacity = new_capacity
            if capacity == 0 and abandon_at_close:
                waiting.clear()  # the site closes: callers still waiting are lost
            next_boundary_index += 1
            next_boundary = next_boundary_index * interval_seconds if next_boundary_index < n_intervals else inf
            serve(now)
    return np.asarray(starts, dtype=float), np.asarray(off_duty, dtype=float)


def _time_per_interval(begin: FloatArray, end: FloatArray, interval_seconds: float, n: int) -> FloatArray:
    """Total length of the segments ``[begin, end)`` inside each of ``n`` intervals.

    Each segment adds non-negative pieces (its head, its tail and whole intervals between)
    to the intervals it overlaps, so an interval nobody was busy in gets exactly 0.
    """
    horizon = n * interval_seconds
    end = np.minimum(end, horizon)
    keep = (end > begin) & (begin < horizon)
    begin, end = begin[keep], end[keep]
    if begin.size == 0:
        return np.zeros(n)
    first = np.minimum((begin // interval_seconds).astype(np.int64), n - 1)
    last = np.clip((end // interval_seconds).astype(np.int64), first, n - 1)
    same = first == last
    f, la, b, e = first[~same], last[~same], begin[~same], end[~same]
    total = (np.bincount(first[same], weights=end[same] - begin[same], minlength=n).astype(float)
             + np.bincount(f, weights=np.maximum((f + 1) * interval_seconds - b, 0.0), minlength=n)
             + np.bincount(la, weights=np.maximum(e - la * interval_seconds, 0.0), minlength=n))
    covers = np.cumsum(np.bincount(f + 1, minlength=n + 1) - np.bincount(la, minlength=n + 1))[:n]
    return total + covers * interval_seconds


def simulate_once(queue: QueueInput, settings: SimulationSettings, seed: np.random.SeedSequence | int) -> IntervalStats:
    """One replication of the whole period; see the module docstring for the model."""
    rng = np.random.default_rng(seed)
    arrival, service, patience, interval = _draw_calls(queue, settings, rng)
    start, off_duty = _event_loop(arrival, service, patience, queue.agents.tolist(), queue.interval_seconds,
                                  settings.at_close == "abandon", rng)
    served = np.isfinite(start)
    n = queue.calls.size
    wait = np.where(served, start - arrival, 0.0)
    within = served & (wait <= settings.answer_seconds + 1e-9)
    offered = np.bincount(interval, minlength=n).astype(float)
    answered = np.bincount(interval, weights=served.astype(float), minlength=n).astype(float)
    answered_within = np.bincount(interval, weights=within.astype(float), minlength=n).astype(float)
    wait_sum = np.bincount(interval, weights=wait, minlength=n).astype(float)
    begin, end, left = start[served], start[served] + service[served], off_duty[served]
    # On duty until the call ends or the agent's shift does; the rest is overtime.
    busy = _time_per_interval(begin, np.minimum(end, left), queue.interval_seconds, n)
    overtime = _time_per_interval(left, end, queue.interval_seconds, n)
    on_duty = queue.agents.astype(float) * queue.interval_seconds
    return IntervalStats(offered, answered, answered_within, offered - answered, wait_sum, busy, on_duty, overtime)


@dataclass(frozen=True)
class SimulationResult:
    """Replications of one simulated period.

    Attributes
    ----------
    replications
        Each replication's :class:`IntervalStats`; :meth:`mean`, :meth:`band` and
        :meth:`pooled` give per-interval means, 5% / 95% quantiles (a 90% band) and pooled
        ratios across replications.
    patience_seconds_used
        The mean patience simulated (``inf``: nobody hung up).
    patience_assumed
        ``True`` when the patience was unknown and :data:`DEFAULT_PATIENCE_SECONDS` (or the
        settings' ``assumed_patience_seconds``) was used instead: callers of the simulator
        should say so next to its figures.
    """

    replications: tuple[IntervalStats, ...]
    patience_seconds_used: float
    patience_assumed: bool

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

    Returns
    -------
    SimulationResult
        The replications, and the patience simulated with ``patience_assumed`` telling
        whether it was the assumed default (report it next to the figures).

    Notes
    -----
    The model (individual agents, leavers finishing their call off duty, closing, FCFS
    with exponential patience) is described in the module docstring; with constant
    staffing it is the M/M/n (Erlang C) or M/M/n+M (Erlang A, Garnett et al. 2002) queue,
    which ``tests/queueing/test_simulation.py`` checks.
    """
    seeds = np.random.SeedSequence(seed).spawn(replications)
    jobs = [(queue, settings, s) for s in seeds]
    stats = list(executor.map(_replicate, jobs)) if executor is not None else [_replicate(j) for j in jobs]
    return SimulationResult(tuple(stats), settings.patience_seconds_used, settings.patience_assumed)


def simulate_interval(
    calls: float,
    aht_seconds: float,
    interval_minutes: float,
    agents: int,
    *,
    answer_seconds: float = 20.0,
    patience_seconds: float | None = math.inf,
    intervals: int = 200,
    replications: int = 10,
    seed: int = 0,
) -> SimulationResult:
    """A stationary M/M/n (or M/M/n+M) queue: the same interval repeated ``intervals`` times.

    Used to check the Erlang formulas: pooled over all intervals but the first 10% (the
    queue starts empty), the service level, ASA and abandonment estimate the
    steady-state figures of one interval with that load and staffing. ``patience_seconds``
    ``math.inf`` (the default) is Erlang C's M/M/n; ``None`` assumes the default patience.
    """
    queue = QueueInput(
        calls=np.full(intervals, float(calls)),
        aht_seconds=np.full(intervals, float(aht_seconds)),
        agents=np.full(intervals, int(agents), dtype=np.int64),
        interval_seconds=interval_minutes * 60.0,
    )
    settings = SimulationSettings(answer_seconds=answer_seconds, patience_seconds=patience_seconds)
    return simulate(queue, settings, replications=replications, seed=seed)
