"""Coverage status per interval and the day x time-of-day grids the heatmaps show.

Status of an interval (the colours of every heatmap):

* **under** (red): ``under > UNDER_TOLERANCE_AGENTS`` i.e. ``scheduled < required``;
* **over** (amber): ``over >= OVER_TOLERANCE_AGENTS`` - at least one whole agent more
  than required (rounding a fractional requirement up is not over-staffing);
* **ok** (green): otherwise.

``gap = scheduled - required`` (agents; negative = short).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Shortfalls up to this many agents count as covered (float noise only).
UNDER_TOLERANCE_AGENTS = 1e-9
#: An interval is over-staffed when it has at least this many agents beyond the requirement.
OVER_TOLERANCE_AGENTS = 1.0
#: Numeric codes of the statuses (for colour scales).
UNDER, OK, OVER = -1, 0, 1


def coverage_status(coverage: pd.DataFrame) -> pd.Series:
    """Status code per row: :data:`UNDER` (-1), :data:`OK` (0) or :data:`OVER` (1)."""
    under = coverage["under"].to_numpy(dtype=float) > UNDER_TOLERANCE_AGENTS
    over = coverage["over"].to_numpy(dtype=float) >= OVER_TOLERANCE_AGENTS
    return pd.Series(np.where(under, UNDER, np.where(over, OVER, OK)), index=coverage.index, name="status")


@dataclass(frozen=True)
class CoverageGrid:
    """Day x time-of-day pivots of a coverage table (index = time of day ``HH:MM``, columns = days).

    Cells without an interval (e.g. the hour skipped by a spring DST change) are NaN;
    the repeated hour of an autumn change is averaged (naive local times collide there).
    """

    required: pd.DataFrame
    scheduled: pd.DataFrame
    gap: pd.DataFrame
    status: pd.DataFrame


def coverage_grid(coverage: pd.DataFrame) -> CoverageGrid:
    """Pivot ``coverage`` (naive local ``interval_start``) into :class:`CoverageGrid`."""
    frame = pd.DataFrame({
        "day": coverage["interval_start"].dt.normalize(),
        "time": coverage["interval_start"].dt.strftime("%H:%M"),
        "required": coverage["required"].astype(float),
        "scheduled": coverage["scheduled"].astype(float),
        "under": coverage["under"].astype(float),
        "over": coverage["over"].astype(float),
    })

    def pivot(column: str) -> pd.DataFrame:
        return frame.pivot_table(index="time", columns="day", values=column, aggfunc="mean", sort=True)

    under, over = pivot("under"), pivot("over")
    status = pd.DataFrame(
        np.where(under.to_numpy() > UNDER_TOLERANCE_AGENTS, UNDER,
                 np.where(over.to_numpy() >= OVER_TOLERANCE_AGENTS, OVER, OK)).astype(float),
        index=under.index, columns=under.columns,
    ).where(under.notna())
    required, scheduled = pivot("required"), pivot("scheduled")
    return CoverageGrid(required=required, scheduled=scheduled, gap=scheduled - required, status=status)
