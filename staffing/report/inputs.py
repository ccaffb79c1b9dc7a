"""The typed inputs of the weekly report."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from staffing.planning.model import Plan


@dataclass(frozen=True)
class ReportInputs:
    """Everything the weekly report is built from.

    Attributes
    ----------
    plan
        The published plan of the reported week (its ``meta.week_start`` is the week).
    actuals
        Canonical history (``interval_start`` naive local, ``offered``; optional ``answered``,
        ``abandoned``, ``aht_seconds``, ``handle_time_sum_seconds``, ``service_level``
        (fraction), ``asa_seconds``), covering the week and the week before. ``None`` = no actuals.
    accuracy
        Accuracy of the published forecast version by day: ``date``, ``wape``, ``bias``
        (fractions). ``None`` = computed from ``actuals`` vs ``plan.forecast`` when both exist.
    next_plan
        Next week's plan, summarised at the end; ``None`` = not available.
    evaluation
        ``days.csv`` of ``staffing evaluate`` (per day: promised, simulated and achieved
        service level with its 90% band, missed intervals and the attribution terms);
        ``None`` = no evaluation section content.
    title
        Page title; default ``"Weekly operations report - week of <week_start>"``.
    """

    plan: Plan
    actuals: pd.DataFrame | None = None
    accuracy: pd.DataFrame | None = None
    next_plan: Plan | None = None
    title: str | None = None
    evaluation: pd.DataFrame | None = None
