"""The in-memory contents of a plan directory, as the exports and the report use them.

A plan directory (issues 4 and 5) holds ``roster.csv``, ``coverage.csv``, ``agents.csv``,
``summary.json`` and, from issue 5, ``forecast.csv``, ``requirements.csv`` and
``plan.json``. :func:`staffing.io.exports.read_plan_dir` validates the files once and
returns a :class:`PlanContents`; everything downstream trusts it.

All timestamps in a :class:`PlanContents` are *naive local wall-clock time in*
:attr:`PlanMeta.timezone`: naive text in the files is taken as local already, text with
an offset is converted to the plan's zone and the offset dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

#: Columns of :attr:`PlanContents.roster`.
ROSTER_COLUMNS = ("agent_id", "shift_start", "shift_end", "paid_minutes", "breaks")
#: Columns of :attr:`PlanContents.coverage`.
COVERAGE_COLUMNS = ("interval_start", "required", "scheduled", "under", "over")


class PlanMeta(BaseModel):
    """``plan.json`` metadata (issue 5), or what could be inferred when the file is absent.

    Unknown keys are ignored rather than rejected: the file belongs to the plan
    pipeline and may grow keys the exports do not need.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    week_start: date
    interval_minutes: int = Field(gt=0, le=24 * 60)
    timezone: str | None = None
    targets: dict[str, Any] | None = None
    model: str | None = None


@dataclass(frozen=True)
class PlanContents:
    """A validated plan directory.

    Attributes
    ----------
    meta
        Week start, interval length (minutes) and IANA time zone of the plan.
    roster
        One row per shift, sorted by ``agent_id, shift_start``: ``agent_id`` (str),
        ``shift_start``, ``shift_end`` (naive local datetimes), ``paid_minutes`` (float)
        and ``breaks`` (a tuple of ``(start, end)`` :class:`pandas.Timestamp` pairs).
    coverage
        One row per interval: ``interval_start`` (naive local), ``required``,
        ``scheduled``, ``under``, ``over`` (agents, floats).
    agents
        The per-agent ledger as written by the roster (numeric columns parsed), or
        ``None`` when the file is absent.
    summary
        ``summary.json`` as parsed JSON (its schema belongs to the roster), ``{}`` if absent.
    forecast, requirements
        ``forecast.csv`` / ``requirements.csv`` with ``interval_start`` parsed and the
        other columns numeric, or ``None`` when absent.
    """

    meta: PlanMeta
    roster: pd.DataFrame
    coverage: pd.DataFrame
    agents: pd.DataFrame | None = None
    summary: dict[str, Any] | None = None
    forecast: pd.DataFrame | None = None
    requirements: pd.DataFrame | None = None
