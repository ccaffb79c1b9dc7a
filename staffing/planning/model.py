"""The plan model: one week's plan in memory, shared by plan, evaluate, report and export.

A :class:`Plan` is built by :func:`staffing.planning.week.run_plan`, written and read back
by the one pair :func:`staffing.io.plan.write_plan` / :func:`staffing.io.plan.read_plan`,
and taken as it is by :func:`staffing.planning.evaluation.evaluate_plan`, the report, the
exports and ``whatif --roster``. It carries the interval length and every queue's service
targets, so nothing downstream guesses them.

All timestamps in a :class:`Plan` are *naive local wall-clock time in*
:attr:`PlanMeta.timezone`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from staffing.queueing.requirements import ServiceTargets
from staffing.roster.types import RosterResult
from staffing.tables import COVERAGE_COLUMNS, ROSTER_COLUMNS, divides_day

__all__ = ["COVERAGE_COLUMNS", "DAY_COLUMNS", "ROSTER_COLUMNS", "Plan", "PlanMeta", "RosterFigures"]

DAY_COLUMNS: tuple[str, ...] = (
    "date",
    "calls",
    "required_agent_hours",
    "scheduled_agent_hours",
    "under_agent_hours",
    "over_agent_hours",
    "peak_under_agent_hours",
    "service_level",
    "asa_seconds",
    "prob_abandon",
    "overloaded_intervals",
)
"""Columns of :attr:`Plan.days` (``simulated_*`` columns follow once the week is simulated)."""


class RosterFigures(BaseModel):
    """The roster's headline figures as ``plan.json`` keeps them."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    status: str
    gap: float
    lower_bound: float
    coverage_objective: float


class PlanMeta(BaseModel):
    """``plan.json``: what the plan is for and how it was made.

    Unknown keys are ignored (the per-day projection is stored beside the metadata in
    the same file); known keys are validated.

    Attributes
    ----------
    week_start
        First day of the planned week (local date).
    interval_minutes
        The plan's interval length, decided once when the plan was made.
    timezone
        IANA zone of every timestamp (``None``: a hand-made directory without one).
    queue_targets
        Service targets of every queue by name (``default`` for a single unnamed queue).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    week_start: dt.date
    interval_minutes: int = Field(gt=0, le=24 * 60)
    timezone: str | None = None
    queue_targets: dict[str, ServiceTargets] = Field(default_factory=dict)
    plan_id: str | None = None
    site: str | None = None
    forecast_model: str | None = None
    forecast_version_ids: list[int] = Field(default_factory=list)
    config: str | None = None
    code_version: str | None = None
    roster: RosterFigures | None = None

    _divides_day = field_validator("interval_minutes")(divides_day)

    @model_validator(mode="before")
    @classmethod
    def _single_targets(cls, data: Any) -> Any:
        """Plans written before per-queue targets kept one ``targets`` mapping (and the
        Erlang ``model`` beside it): read them as the targets of one ``default`` queue."""
        if isinstance(data, dict) and "queue_targets" not in data and isinstance(data.get("targets"), dict):
            targets = dict(data["targets"])
            if isinstance(data.get("model"), str) and "model" not in targets:
                targets["model"] = data["model"]
            data = {**data, "queue_targets": {"default": targets}}
        return data

    @property
    def targets(self) -> ServiceTargets:
        """The first queue's targets (the site's when it has one queue)."""
        if not self.queue_targets:
            return ServiceTargets()
        return next(iter(self.queue_targets.values()))

    def targets_of(self, queue: str) -> ServiceTargets:
        """The service targets of ``queue`` (the first queue's for a single-queue plan)."""
        if queue in self.queue_targets:
            return self.queue_targets[queue]
        if len(self.queue_targets) <= 1:
            return self.targets
        raise KeyError(f"queue {queue!r} is not in the plan (queues: {', '.join(self.queue_targets)})")


@dataclass(frozen=True)
class Plan:
    """A planned week.

    Attributes
    ----------
    meta
        Week start, interval length, time zone, each queue's targets, provenance.
    roster
        One row per shift, sorted by ``agent_id, shift_start``: :data:`ROSTER_COLUMNS`
        (``breaks`` a tuple of ``(start, end)`` :class:`pandas.Timestamp` pairs).
    coverage
        One row per interval: :data:`COVERAGE_COLUMNS` (agents, floats).
    agents
        The roster's per-agent ledger, or ``None`` for a hand-made directory.
    summary
        The roster's ``summary.json`` (status, totals, bent rules), ``{}`` if absent.
    forecast
        The week's forecast (``queue`` first with several queues), or ``None``.
    requirements
        Required agents per queue and interval (requirements columns; ``agents`` is the
        shrinkage-grossed head count), or ``None``.
    service
        Projected service per queue and interval from the roster: ``queue, interval_start,
        calls, required, scheduled, on_phone, service_level, asa_seconds, prob_abandon``.
    days
        One row per day, :data:`DAY_COLUMNS` (plus ``simulated_service_level``,
        ``simulated_band_low``, ``simulated_band_high`` once simulated).
    peak_misses
        Under-staffed peak intervals: ``interval_start, required, scheduled, under, service_level``.
    roster_result
        The roster optimiser's full result when the plan was made in this process
        (stages, bent rules, solve time); ``None`` for a plan read from disk.
    """

    meta: PlanMeta
    roster: pd.DataFrame
    coverage: pd.DataFrame
    agents: pd.DataFrame | None = None
    summary: dict[str, object] = field(default_factory=dict)
    forecast: pd.DataFrame | None = None
    requirements: pd.DataFrame | None = None
    service: pd.DataFrame | None = None
    days: pd.DataFrame | None = None
    peak_misses: pd.DataFrame | None = None
    roster_result: RosterResult | None = None

    @property
    def week_start(self) -> dt.date:
        """First day of the week."""
        return self.meta.week_start

    @property
    def interval_minutes(self) -> int:
        """The plan's interval length."""
        return self.meta.interval_minutes

    @property
    def total_calls(self) -> float:
        """Forecast calls of the week (0 when the plan has no forecast)."""
        return 0.0 if self.forecast is None else float(self.forecast["calls"].sum())
