"""An independent per-agent reference simulation of the multi-interval queue (tests only).

Written from the model's statement, not from ``staffing.queueing.simulation``: a plain
Python event loop over the sorted arrivals and a ``heapq`` of events (end of a call,
staffing change, a caller's patience running out), with every agent an object that is idle, busy or
gone. Arrivals are a Poisson process drawn from exponential inter-arrival times (the
simulator draws a Poisson count and uniform times instead), abandonment is an explicit
event (the simulator discards impatient callers lazily), and busy time is summed interval
by interval from each agent's on-duty busy spells (the simulator integrates sorted
start and end times). Random numbers come from :class:`random.Random`.

Model (the same as the simulator's): one FCFS queue; at a staffing drop of ``d``, ``d``
on-duty agents chosen uniformly at random go off duty, idle ones at once and busy ones
when their call ends (their busy time after the boundary is not on-duty time); at a rise
the new agents take waiting callers at once; with ``at_close="abandon"`` an interval with
no agents loses every waiting caller and every caller arriving in it.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

_ARRIVAL, _DONE, _STAFF, _PATIENCE = 0, 1, 2, 3


@dataclass
class _Agent:
    busy: bool = False
    leaving: bool = False
    spell_start: float = 0.0  # start of the current on-duty busy spell


@dataclass
class PerAgentStats:
    """Per-interval sums of one replication (lists over intervals)."""

    offered: list[int]
    answered: list[int]
    answered_within: list[int]
    abandoned: list[int]
    wait_answered_seconds: list[float]
    busy_seconds: list[float]
    on_duty_seconds: list[float]
    spells: list[tuple[float, float]] = field(default_factory=list)


def simulate_per_agent(
    calls: Sequence[float],
    aht_seconds: Sequence[float],
    agents: Sequence[int],
    interval_seconds: float,
    *,
    answer_seconds: float,
    patience_seconds: float,
    at_close: str,
    seed: int,
) -> PerAgentStats:
    """One replication: Poisson arrivals at rate ``calls[k] / interval_seconds`` in interval k.

    Handle times are exponential with the arrival interval's mean, patience exponential
    with mean ``patience_seconds`` (``math.inf``: nobody hangs up).
    """
    rng = random.Random(seed)
    n = len(calls)
    horizon = n * interval_seconds
    events: list[tuple[float, int, int, int]] = []
    seq = 0

    def schedule(time: float, kind: int, item: int) -> None:
        nonlocal seq
        heapq.heappush(events, (time, seq, kind, item))
        seq += 1

    # Arrivals: a piecewise-constant-rate Poisson process, interval by interval
    # (memorylessness lets each interval restart its exponential clock at its start).
    arrival: list[float] = []
    for k in range(n):
        rate = calls[k] / interval_seconds
        if rate <= 0:
            continue
        t = k * interval_seconds + rng.expovariate(rate)
        while t < (k + 1) * interval_seconds:
            arrival.append(t)
            t += rng.expovariate(rate)
    arrival_interval = [min(int(t // interval_seconds), n - 1) for t in arrival]
    for k in range(1, n):
        schedule(k * interval_seconds, _STAFF, k)

    stats = PerAgentStats([0] * n, [0] * n, [0] * n, [0] * n, [0.0] * n, [0.0] * n,
                          [a * interval_seconds for a in agents])
    state = ["new"] * len(arrival)  # new -> waiting -> answered | lost
    team: dict[int, _Agent] = {}
    on_duty: set[int] = set()
    idle: set[int] = set()  # on-duty agents without a call
    queue: deque[int] = deque()
    next_id = 0

    def hire(count: int, now: float) -> None:
        nonlocal next_id
        for _ in range(count):
            team[next_id] = _Agent()
            on_duty.add(next_id)
            idle.add(next_id)
            next_id += 1

    def start_call(agent_id: int, c: int, now: float) -> None:
        agent = team[agent_id]
        agent.busy, agent.spell_start = True, now
        idle.discard(agent_id)
        state[c] = "answered"
        k = arrival_interval[c]
        wait = now - arrival[c]
        stats.answered[k] += 1
        stats.answered_within[k] += wait <= answer_seconds + 1e-9
        stats.wait_answered_seconds[k] += wait
        schedule(now + rng.expovariate(1.0 / aht_seconds[k]), _DONE, agent_id)

    def next_waiting() -> int | None:
        while queue:
            c = queue.popleft()
            if state[c] == "waiting":
                return c
        return None

    def idle_agent() -> int | None:
        return min(idle) if idle else None

    def fill_idle(now: float) -> None:
        while True:
            agent_id = idle_agent()
            if agent_id is None:
                return
            c = next_waiting()
            if c is None:
                return
            start_call(agent_id, c, now)

    hire(agents[0] if n else 0, 0.0)
    closed = n > 0 and agents[0] == 0
    next_arrival = 0  # arrivals are already sorted: a stream beside the event heap
    while events or next_arrival < len(arrival):
        if next_arrival < len(arrival) and (not events or arrival[next_arrival] < events[0][0]):
            now, kind, item = arrival[next_arrival], _ARRIVAL, next_arrival
            next_arrival += 1
        else:
            now, _, kind, item = heapq.heappop(events)
        if kind == _ARRIVAL:
            stats.offered[arrival_interval[item]] += 1
            agent_id = idle_agent()
            if agent_id is not None:
                start_call(agent_id, item, now)
            elif closed and at_close == "abandon":
                state[item] = "lost"
            else:
                state[item] = "waiting"
                queue.append(item)
                if math.isfinite(patience_seconds):
                    schedule(now + rng.expovariate(1.0 / patience_seconds), _PATIENCE, item)
        elif kind == _PATIENCE:
            if state[item] == "waiting":
                state[item] = "lost"
        elif kind == _DONE:
            agent = team[item]
            if agent.leaving:
                del team[item]  # its on-duty spell was closed when its shift ended
                continue
            stats.spells.append((agent.spell_start, now))
            agent.busy = False
            idle.add(item)
            c = next_waiting()
            if c is not None:
                start_call(item, c, now)
        else:
            wanted = agents[item]
            if wanted < len(on_duty):
                for agent_id in rng.sample(sorted(on_duty), len(on_duty) - wanted):
                    on_duty.discard(agent_id)
                    idle.discard(agent_id)
                    agent = team[agent_id]
                    if agent.busy:
                        agent.leaving = True
                        stats.spells.append((agent.spell_start, now))
                    else:
                        del team[agent_id]
            elif wanted > len(on_duty):
                hire(wanted - len(on_duty), now)
            closed = wanted == 0
            if closed and at_close == "abandon":
                while (c := next_waiting()) is not None:
                    state[c] = "lost"
            fill_idle(now)
    for k in range(n):
        stats.abandoned[k] = stats.offered[k] - stats.answered[k]
    # Busy time of on-duty spells, clipped to each interval they overlap.
    for begin, end in stats.spells:
        k = int(begin // interval_seconds)
        while k < n and k * interval_seconds < min(end, horizon):
            lo, hi = max(begin, k * interval_seconds), min(end, (k + 1) * interval_seconds)
            stats.busy_seconds[k] += max(hi - lo, 0.0)
            k += 1
    return stats


def pooled(runs: Sequence[PerAgentStats], groups: Sequence[int], numerator: str, denominator: str) -> list[list[float]]:
    """Per run and group the ratio of sums (e.g. ``answered_within`` / ``offered``)."""
    size = max(groups) + 1
    out = []
    for run in runs:
        num, den = [0.0] * size, [0.0] * size
        for k, g in enumerate(groups):
            num[g] += getattr(run, numerator)[k]
            den[g] += getattr(run, denominator)[k]
        out.append([n / d if d > 0 else math.nan for n, d in zip(num, den, strict=True)])
    return out
