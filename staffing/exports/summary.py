"""Week totals of a plan (shared by the workbook's Summary sheet and the report).

Agent-hours of a per-interval agent count ``x_i`` are ``sum_i x_i * interval_minutes / 60``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from staffing.exports.coverage import OVER, UNDER, coverage_status
from staffing.planning.model import Plan


@dataclass(frozen=True)
class PlanTotals:
    """Totals of one plan week (hours are agent-hours)."""

    agents: int
    shifts: int
    paid_hours: float
    required_hours: float
    scheduled_hours: float
    under_hours: float
    over_hours: float
    intervals: int
    intervals_under: int
    intervals_over: int
    peak_required: float
    forecast_calls: float | None

    @property
    def coverage_ratio(self) -> float | None:
        """``scheduled_hours / required_hours`` (None when nothing is required)."""
        return self.scheduled_hours / self.required_hours if self.required_hours > 0 else None


def plan_totals(plan: Plan) -> PlanTotals:
    """Compute :class:`PlanTotals` of ``plan``."""
    hours = plan.meta.interval_minutes / 60.0
    cov = plan.coverage
    status = coverage_status(cov)
    return PlanTotals(
        agents=int(plan.roster["agent_id"].nunique()),
        shifts=len(plan.roster),
        paid_hours=float(plan.roster["paid_minutes"].sum()) / 60.0,
        required_hours=float(cov["required"].sum()) * hours,
        scheduled_hours=float(cov["scheduled"].sum()) * hours,
        under_hours=float(cov["under"].sum()) * hours,
        over_hours=float(cov["over"].sum()) * hours,
        intervals=len(cov),
        intervals_under=int((status == UNDER).sum()),
        intervals_over=int((status == OVER).sum()),
        peak_required=float(cov["required"].max()) if len(cov) else 0.0,
        forecast_calls=float(plan.forecast["calls"].sum()) if plan.forecast is not None else None,
    )


def summary_rows(plan: Plan) -> pd.DataFrame:
    """``item, value`` rows describing the plan: metadata, totals and ``summary.json`` flattened."""
    t = plan_totals(plan)
    rows: list[tuple[str, object]] = [
        ("week_start", plan.meta.week_start.isoformat()),
        ("timezone", plan.meta.timezone or ""),
        ("interval_minutes", plan.meta.interval_minutes),
    ]
    for queue, targets in plan.meta.queue_targets.items():
        for key, value in targets.model_dump().items():
            rows.append((f"targets.{queue}.{key}", "" if value is None else value))
    rows += [
        ("agents", t.agents), ("shifts", t.shifts), ("paid_hours", round(t.paid_hours, 2)),
        ("required_agent_hours", round(t.required_hours, 2)),
        ("scheduled_agent_hours", round(t.scheduled_hours, 2)),
        ("under_agent_hours", round(t.under_hours, 2)), ("over_agent_hours", round(t.over_hours, 2)),
        ("intervals_under", t.intervals_under), ("intervals_over", t.intervals_over),
        ("peak_required_agents", round(t.peak_required, 2)),
    ]
    if t.forecast_calls is not None:
        rows.append(("forecast_calls", round(t.forecast_calls, 1)))
    rows += [(f"roster.{k}", v) for k, v in _flatten(plan.summary or {})]
    return pd.DataFrame(rows, columns=["item", "value"])


def _flatten(obj: object, prefix: str = "") -> list[tuple[str, object]]:
    if isinstance(obj, dict):
        out: list[tuple[str, object]] = []
        for key, value in obj.items():
            out += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(obj, list):
        return [(prefix, "; ".join(map(str, obj)) if obj else "(none)")]
    return [(prefix, "" if obj is None else obj)]
