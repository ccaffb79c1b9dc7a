"""The ``roster:`` configuration section: every rostering rule, validated once.

The section is a plain pydantic model so that it can live in a stand-alone roster
YAML (``staffing roster --config``) and later inside the project-wide config.
Times of day are ``"HH:MM"`` strings; durations carry their unit in the key name.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def minutes_of_day(text: str) -> int:
    """Minutes after midnight of an ``"HH:MM"`` string (already validated)."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BreakRule(_Strict):
    """One break every shift of at least ``min_shift_hours`` must take.

    The break starts no earlier than ``window_start_hours`` after the shift start and
    ends no later than ``window_end_hours`` after it. Breaks never count as coverage;
    unpaid breaks are also deducted from paid time.
    """

    name: str = Field(min_length=1, max_length=40)
    min_shift_hours: float = Field(ge=0, le=24)
    duration_minutes: int = Field(ge=5, le=120)
    paid: bool
    window_start_hours: float = Field(ge=0, le=24)
    window_end_hours: float = Field(gt=0, le=24)

    @model_validator(mode="after")
    def _window_fits(self) -> BreakRule:
        if self.window_end_hours * 60 - self.window_start_hours * 60 < self.duration_minutes:
            raise ValueError("window_end_hours - window_start_hours must hold duration_minutes")
        return self


def _default_breaks() -> list[BreakRule]:
    return [
        BreakRule(name="morning", min_shift_hours=4, duration_minutes=15, paid=True,
                  window_start_hours=1.5, window_end_hours=2.75),
        BreakRule(name="lunch", min_shift_hours=6, duration_minutes=30, paid=False,
                  window_start_hours=3, window_end_hours=5),
        BreakRule(name="afternoon", min_shift_hours=8, duration_minutes=15, paid=True,
                  window_start_hours=5.5, window_end_hours=7),
    ]


class PeakWeights(_Strict):
    """Weight of one agent-hour of under-staffing in each interval.

    ``mode="requirement"``: ``w_t = 1 + strength * r_t / max(r)`` so the busiest hours
    count up to ``1 + strength`` times the quietest; ``mode="flat"``: ``w_t = 1``.
    Intervals whose requirement is at or above the ``peak_quantile`` quantile are the
    "peak" reported separately in the summary.
    """

    mode: Literal["requirement", "flat"] = "requirement"
    strength: float = Field(default=1.0, ge=0, le=100)
    peak_quantile: float = Field(default=0.8, ge=0, lt=1)


class ObjectiveWeights(_Strict):
    """Weights of the objective terms (per agent-hour unless stated).

    Coverage mode: under-staffing carries the peak weight ``w_t >= 1``; keep
    ``over_staffing`` below 1 so covering a missing agent always beats avoiding a spare one.

    Service mode (``objective_mode="service"``), in calls: ``missed_call`` per expected call
    not answered within the target, ``service_paid_hours`` per paid hour and
    ``over_staffing`` per agent-hour above the Erlang minimum. The exchange rate: an extra
    paid hour is worth buying when it adds more than ``service_paid_hours / missed_call``
    calls answered within target (0.25 by default; a marginal agent near the Erlang minimum
    adds several calls an hour, so service dominates), or ``(service_paid_hours +
    over_staffing) / missed_call`` (0.75) when the hour is above the minimum. The fairness
    terms (spreads, target-hours deviation, cents per hour or day) only break ties between
    rosters within about one call of each other. ``global_sl`` mode minimises
    ``service_paid_hours`` per paid hour subject to the service-level constraint.
    """

    over_staffing: float = Field(default=0.5, ge=0, le=100)
    paid_hours: float = Field(default=0.001, ge=0, le=1)
    weekend_spread: float = Field(default=0.05, ge=0, le=100, description="per day of (max - min) weekend days")
    late_spread: float = Field(default=0.02, ge=0, le=100, description="per shift of (max - min) late shifts")
    early_spread: float = Field(default=0.02, ge=0, le=100, description="per shift of (max - min) early shifts")
    target_hours_deviation: float = Field(default=0.002, ge=0, le=100, description="per hour away from target")
    missed_call: float = Field(default=1.0, gt=0, le=1000,
                               description="service modes: per expected call not answered within the target")
    service_paid_hours: float = Field(default=0.25, ge=0, le=1000,
                                      description="service modes: per paid hour (replaces paid_hours there)")


class SolverSettings(_Strict):
    """Solver knobs that make runs reproducible."""

    random_seed: int = Field(default=0, ge=0, le=2**31 - 1)
    threads: int = Field(default=1, ge=1, le=64)
    covering_time_share: float = Field(default=0.7, gt=0, lt=1)
    mip_rel_gap: float = Field(default=0.005, ge=0, le=1)


class RosterRules(_Strict):
    """Every rule of a weekly roster (the ``roster:`` section of the config)."""

    shift_lengths_hours: list[float] = Field(default_factory=lambda: [4.0, 6.0, 8.0, 9.0], min_length=1)
    start_granularity_minutes: int = Field(default=15, ge=5, le=240)
    earliest_start: str = "06:00"
    latest_start: str = "22:00"
    breaks: list[BreakRule] = Field(default_factory=_default_breaks)
    min_rest_hours: float = Field(default=11.0, ge=0, le=48)
    max_consecutive_days: int = Field(default=6, ge=1, le=14)
    min_days_off: int = Field(default=2, ge=0, le=7)
    consecutive_days_off: bool = True
    late_start_from: str = "14:00"
    early_start_before: str = "08:00"
    target_hours: Literal["midpoint", "min", "max"] = "midpoint"
    peak: PeakWeights = Field(default_factory=PeakWeights)
    weights: ObjectiveWeights = Field(default_factory=ObjectiveWeights)
    solver: SolverSettings = Field(default_factory=SolverSettings)
    #: What stage 1, the hand-out and the local search optimise (see :mod:`staffing.roster.service_terms`):
    #: ``coverage`` (peak-weighted under-staffing against the Erlang minimum), ``service``
    #: (expected calls answered within target, then paid hours) or ``global_sl`` (paid hours
    #: subject to the week's or each day's service level). Service modes need ``ServiceCurves``.
    objective_mode: Literal["coverage", "service", "global_sl"] = "coverage"
    #: ``global_sl``: the service-level target holds over the whole week or on every day.
    global_sl_scope: Literal["week", "day"] = "week"
    #: ``global_sl``: agents scheduled at least in every interval with forecast calls.
    min_agents_when_open: int = Field(default=1, ge=0, le=1000)
    #: ``global_sl``: each interval answers at least this share of its calls within target.
    min_interval_sl: float = Field(default=0.0, ge=0, le=1)

    @field_validator("shift_lengths_hours")
    @classmethod
    def _lengths(cls, value: list[float]) -> list[float]:
        for hours in value:
            if not 1 <= hours <= 16:
                raise ValueError(f"shift length {hours} h outside [1, 16]")
        if len(set(value)) != len(value):
            raise ValueError("shift lengths must be distinct")
        return sorted(value)

    @field_validator("earliest_start", "latest_start", "late_start_from", "early_start_before")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError(f"expected a time of day HH:MM, got {value!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RosterRules:
        g = self.start_granularity_minutes
        if minutes_of_day(self.latest_start) < minutes_of_day(self.earliest_start):
            raise ValueError("latest_start must not be before earliest_start")
        for text in (self.earliest_start, self.latest_start):
            if minutes_of_day(text) % g:
                raise ValueError(f"{text} is not on the {g}-minute start grid")
        if self.consecutive_days_off and self.min_days_off < 2:
            raise ValueError("consecutive_days_off needs min_days_off >= 2")
        for length in self.shift_lengths_hours:
            for b in self.breaks_for(length):
                if b.window_end_hours > length:
                    raise ValueError(f"break {b.name!r} window ends after the end of {length} h shifts")
            windows = sorted(
                (b.window_start_hours, b.window_end_hours, b.name)
                for b in self.breaks
                if b.min_shift_hours <= length
            )
            for (_, end, first), (start, _, second) in pairwise(windows):
                if start < end:
                    raise ValueError(
                        f"break windows of {first!r} and {second!r} overlap for {length} h shifts;"
                        " windows of breaks in one shift must be disjoint"
                    )
        names = [b.name for b in self.breaks]
        if len(set(names)) != len(names):
            raise ValueError("break names must be distinct")
        return self

    def breaks_for(self, length_hours: float) -> list[BreakRule]:
        """Breaks a shift of ``length_hours`` takes, in window order."""
        return sorted(
            (b for b in self.breaks if b.min_shift_hours <= length_hours),
            key=lambda b: b.window_start_hours,
        )

    def paid_minutes(self, length_hours: float) -> int:
        """Paid minutes of a shift: its length minus its unpaid breaks."""
        unpaid = sum(b.duration_minutes for b in self.breaks_for(length_hours) if not b.paid)
        return round(length_hours * 60) - unpaid


class RosterSection(_Strict):
    """A config file's top level as far as rostering is concerned: ``roster: {...}``."""

    roster: RosterRules = Field(default_factory=RosterRules)
