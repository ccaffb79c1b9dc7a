"""``staffing whatif --config``: the locked baseline of a planned week and the roster engine.

The baseline of a sweep is the forecast *published* for the week in the store (the one
the plan used and accuracy is judged against), so every scenario is measured against
the same numbers the planners published; when nothing is published for the week it is
forecast from the history with the config's settings (and the summary says so).
Scenarios never modify it. The roster evaluator builds each scenario's roster with the
site's agents and rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from staffing.config import Config
from staffing.forecast import forecast
from staffing.planning.model import Plan
from staffing.planning.week import roster_requirement
from staffing.roster import build_roster
from staffing.roster.config import RosterRules
from staffing.roster.types import AgentContract
from staffing.store import Store
from staffing.whatif.grid import Scenario


@dataclass(frozen=True)
class Baseline:
    """The baseline forecast (``interval_start, queue, calls, aht_seconds``) and its source."""

    frame: pd.DataFrame
    source: str


def week_baseline(config: Config, week_start: dt.date, store: Store | None, history: pd.DataFrame | None) -> Baseline:
    """The published forecast of the week for every configured queue, else a fresh forecast."""
    start = pd.Timestamp(week_start)
    end = start + pd.Timedelta(days=7)
    if store is not None:
        parts = []
        for queue in [q.name for q in config.queues]:
            zone = store.queue_timezone(queue)
            lo = start.tz_localize(zone) if zone else start
            hi = end.tz_localize(zone) if zone else end
            published = store.published_for(queue, lo, hi)
            if len(published):
                parts.append(published)
        if parts:
            frame = pd.concat(parts, ignore_index=True)
            return Baseline(frame[["interval_start", "queue", "calls", "aht_seconds"]],
                            f"published forecast in {store.url_display}")
    if history is None:
        raise ValueError("no published forecast for the week and no history to forecast it from")
    out = forecast(history, week_start, 7, config.forecast)
    frame = out.frame
    if "queue" not in frame.columns:
        frame = frame.assign(queue=config.queues[0].name)
    return Baseline(frame[["interval_start", "queue", "calls", "aht_seconds"]],
                    f"forecast from {config.history.path} (nothing published for the week)")


@dataclass(frozen=True)
class SiteRoster:
    """A picklable :class:`staffing.whatif.rostered.RosterEvaluator`: the site's roster per scenario."""

    agents: tuple[AgentContract, ...]
    rules: RosterRules
    week_start: dt.date
    time_limit_seconds: float
    solver: str = "highs"
    interval_minutes: int | None = None

    def __call__(self, scenario: Scenario, requirement: pd.DataFrame) -> pd.DataFrame:
        result = build_roster(roster_requirement(requirement), list(self.agents), self.rules,
                              pd.Timestamp(self.week_start), solver=self.solver,  # type: ignore[arg-type]
                              time_limit=self.time_limit_seconds, interval_minutes=self.interval_minutes)
        coverage = result.coverage[["interval_start", "scheduled"]]
        times = requirement["interval_start"]
        if getattr(times.dt, "tz", None) is not None:  # the roster works on wall time
            wall = times.dt.tz_localize(None)
            lookup = coverage.set_index("interval_start")["scheduled"]
            return pd.DataFrame({"interval_start": times.to_numpy(), "scheduled": wall.map(lookup).fillna(0.0).to_numpy()})
        return coverage


@dataclass(frozen=True)
class PlanRoster:
    """A picklable :class:`staffing.whatif.rostered.RosterEvaluator`: a published plan's roster, fixed.

    Every scenario is judged against the head count the plan already scheduled (the
    roster is not rebuilt), which answers "how does this week's rota hold if volume is
    10% higher?". Returns ``interval_start, scheduled`` on the requirement's times.
    """

    coverage: pd.DataFrame

    @classmethod
    def of(cls, plan: Plan) -> PlanRoster:
        """The evaluator for ``plan`` (only its coverage is kept, so it pickles small)."""
        return cls(plan.coverage[["interval_start", "scheduled"]].copy())

    def __call__(self, scenario: Scenario, requirement: pd.DataFrame) -> pd.DataFrame:
        times = requirement["interval_start"]
        wall = times.dt.tz_localize(None) if getattr(times.dt, "tz", None) is not None else times
        lookup = self.coverage.groupby("interval_start")["scheduled"].mean()
        scheduled = wall.map(lookup).fillna(0.0).to_numpy(dtype=float)
        frame = pd.DataFrame({"interval_start": times.to_numpy(), "scheduled": scheduled})
        return frame.drop_duplicates("interval_start").reset_index(drop=True)
