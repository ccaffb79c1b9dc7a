"""Seeded synthetic roster instances shaped like a real contact centre.

The requirement follows a weekday double hump (mid-morning and mid-afternoon peaks,
quiet evenings, closed at night) scaled down at the weekend, with multiplicative
noise; the agents hold a mix of 20-40 h contracts, some part-timers only work short
shifts or a few days, and a few are unavailable on one day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.roster.grid import DAYS, MINUTES_PER_DAY
from staffing.roster.types import AgentContract

#: Demand of each weekday relative to Monday.
DAY_FACTORS = (1.0, 0.93, 0.9, 0.88, 0.85, 0.5, 0.35)


@dataclass(frozen=True)
class RosterInstance:
    """A requirement frame (``interval_start, agents``), agents and the week start."""

    requirements: pd.DataFrame
    agents: list[AgentContract]
    week_start: pd.Timestamp


def daily_shape(hours: np.ndarray, open_hour: float = 7.0, close_hour: float = 23.0) -> np.ndarray:
    """Relative demand at ``hours`` of the day (max about 1, 0 when closed)."""
    morning = 0.8 * np.exp(-0.5 * ((hours - 10.75) / 1.6) ** 2)
    afternoon = 0.55 * np.exp(-0.5 * ((hours - 14.75) / 1.9) ** 2)
    evening = 0.22 * np.exp(-0.5 * ((hours - 19.5) / 2.0) ** 2)
    shape = 0.04 + morning + afternoon + evening
    return np.where((hours >= open_hour) & (hours < close_hour), shape, 0.0)


def synthetic_requirements(
    week_start: pd.Timestamp, peak_agents: float, *, seed: int = 0, interval_minutes: int = 15
) -> pd.DataFrame:
    """A week of agents required per interval, peaking near ``peak_agents``."""
    rng = np.random.default_rng(seed)
    per_day = MINUTES_PER_DAY // interval_minutes
    hours = (np.arange(per_day) + 0.5) * interval_minutes / 60.0
    base = daily_shape(hours)
    week = np.concatenate([base * f for f in DAY_FACTORS])
    noise = rng.lognormal(0.0, 0.05, week.size)
    agents = week * noise
    agents = agents / agents.max() * peak_agents
    starts = pd.date_range(week_start, periods=DAYS * per_day, freq=f"{interval_minutes}min")
    return pd.DataFrame({"interval_start": starts, "agents": np.round(agents, 2)})


def synthetic_agents(
    n_agents: int, week_start: pd.Timestamp, *, seed: int = 0, unavailable_share: float = 0.05
) -> list[AgentContract]:
    """``n_agents`` contracts of 20-40 paid hours (min = max - 4 h)."""
    rng = np.random.default_rng(seed + 7919)
    contracts = rng.choice([20, 24, 30, 32, 36, 40], size=n_agents, p=[0.1, 0.1, 0.15, 0.15, 0.2, 0.3])
    out = []
    width = len(str(n_agents))
    for i, hours in enumerate(contracts):
        lengths: tuple[float, ...] | None = None
        max_days: int | None = None
        if hours <= 24 and rng.random() < 0.5:
            lengths = (4.0, 6.0)
            max_days = 5
        unavailable: tuple[tuple[pd.Timestamp, pd.Timestamp], ...] = ()
        if rng.random() < unavailable_share:
            day = week_start + pd.Timedelta(days=int(rng.integers(0, DAYS)))
            unavailable = ((day, day + pd.Timedelta(days=1)),)
        out.append(
            AgentContract(
                agent_id=f"A{i + 1:0{width}d}",
                min_hours=float(hours - 4),
                max_hours=float(hours),
                max_days=max_days,
                shift_lengths_hours=lengths,
                unavailable=unavailable,
            )
        )
    return out


def synthetic_instance(
    n_agents: int, peak_agents: float, *, seed: int = 0, week_start: str = "2024-03-04"
) -> RosterInstance:
    """A seeded instance: requirement peaking near ``peak_agents`` and ``n_agents`` agents."""
    start = pd.Timestamp(week_start)
    return RosterInstance(
        requirements=synthetic_requirements(start, peak_agents, seed=seed),
        agents=synthetic_agents(n_agents, start, seed=seed),
        week_start=start,
    )
