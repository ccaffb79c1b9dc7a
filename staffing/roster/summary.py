"""The roster's summary: its status, totals, bound, stages and bent rules as plain data."""

from __future__ import annotations

from typing import Any

from staffing.roster.types import RosterResult


def _service(result: RosterResult) -> dict[str, Any] | None:
    """The service figures (``None`` without service curves); ``objective`` is ``None`` in coverage mode."""
    s = result.service
    if s is None:
        return None
    return {
        "objective_mode": s.mode,
        "objective": None if s.mode == "coverage" else round(s.objective, 4),
        "expected_calls": round(s.calls, 4),
        "expected_answered_within_target": round(s.answered, 4),
        "projected_service_level": round(s.projected_sl, 6),
        "projected_service_level_by_day": [None if d != d else round(d, 6) for d in s.day_sl],
        "target_service_level": s.target_sl,
        "target_met": s.target_met,
        "message": s.message,
    }


def roster_summary(result: RosterResult) -> dict[str, Any]:
    """The roster's figures as JSON-ready data (the content of ``summary.json``).

    ``lower_bound`` and ``gap`` refer to ``service.objective`` in the service modes.
    """
    return {
        "status": result.status.value,
        "solver": result.solver,
        "under_staffed_agent_hours": round(result.under_agent_hours, 4),
        "under_staffed_peak_agent_hours": round(result.under_peak_agent_hours, 4),
        "over_staffed_agent_hours": round(result.over_agent_hours, 4),
        "over_staffed_after_week_agent_hours": round(result.over_after_week_agent_hours, 4),
        "paid_hours": round(result.paid_hours, 4),
        "coverage_objective": round(result.coverage_objective, 4),
        "lower_bound": round(result.lower_bound, 4),
        "gap": round(result.gap, 6),
        "solve_seconds": round(result.solve_seconds, 3),
        "solver_status": {s.name: s.status for s in result.stages},
        "stages": [
            {"name": s.name, "solver": s.solver, "status": s.status, "seconds": round(s.seconds, 3),
             "objective": s.objective, "variables": s.variables, "constraints": s.constraints}
            for s in result.stages
        ],
        "capacity": {
            "required_agent_hours": round(result.capacity.required_agent_hours, 4),
            "contracted_min_hours": result.capacity.contracted_min_hours,
            "contracted_max_hours": result.capacity.contracted_max_hours,
            "workable_hours": round(result.capacity.workable_hours, 4),
            "shortfall_agent_hours": round(result.capacity.shortfall_agent_hours, 4),
            "problems": list(result.capacity.problems),
        },
        "service": _service(result),
        "rules_bent": [
            {"rule": b.rule, "agent_id": b.agent_id, "amount": b.amount, "unit": b.unit, "detail": b.detail}
            for b in result.bent_rules
        ],
    }


def capacity_lines(result: RosterResult) -> list[str]:
    """What both commands print about capacity: one line per problem (capacity shortfall,
    contracts that cannot be kept), none when the team can cover the requirement."""
    return [f"capacity: {problem}" for problem in result.capacity.problems]
