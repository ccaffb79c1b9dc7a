"""Stored plans: a week's requirements and roster, write-once.

:class:`PlanOps` is the public face (part of :class:`~staffing.store.Store` and
:class:`~staffing.store.UnitOfWork`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from staffing.errors import StoreError
from staffing.store import schema
from staffing.store._db import Operations, bulk_insert, frame
from staffing.store.records import PlanRecord
from staffing.store.timecodec import from_seconds, naive_utc, to_seconds, zone_name
from staffing.tables import REQUIREMENT_COLUMNS as TABLE_REQUIREMENT_COLUMNS

__all__ = ["REQUIREMENT_COLUMNS", "ROSTER_COLUMNS", "PlanOps"]

#: A stored plan's requirements: the requirements table with its queue and Erlang A column.
REQUIREMENT_COLUMNS = ["queue", *TABLE_REQUIREMENT_COLUMNS, "prob_abandon"]
#: A stored plan's roster.
ROSTER_COLUMNS = ["agent_id", "shift_start", "shift_end", "paid_minutes", "breaks"]


class PlanOps(Operations):
    """Plans (mixed into :class:`~staffing.store.Store` and :class:`~staffing.store.UnitOfWork`)."""

    def save_plan(
        self,
        plan_id: str,
        *,
        requirements: pd.DataFrame,
        roster: pd.DataFrame,
        metadata: dict[str, Any],
        run_id: str | None = None,
        now: dt.datetime | pd.Timestamp | None = None,
    ) -> str:
        """Store a plan's requirements (Requirements CSV columns, ``queue`` optional) and
        roster (``agent_id, shift_start, shift_end, paid_minutes, breaks``) under ``plan_id``.

        Plans are write-once: an existing ``plan_id`` raises :class:`StoreError`.
        """
        req = requirements
        zone = zone_name(req["interval_start"]) if len(req) else None
        with self._writing() as c:
            pl = schema.plans
            if c.execute(sa.select(pl.c.plan_id).where(pl.c.plan_id == plan_id)).first() is not None:
                raise StoreError(f"plan {plan_id!r} already exists in store {self.url_display}; plans are write-once")
            c.execute(sa.insert(pl).values(plan_id=plan_id, created_at=naive_utc(now), timezone=zone, metadata_json=json.dumps(metadata, sort_keys=True, default=str), run_id=run_id))
            if len(req):
                cols: dict[str, Any] = {
                    "plan_id": [plan_id] * len(req),
                    "queue": req["queue"].astype(str).to_numpy() if "queue" in req.columns else ["default"] * len(req),
                    "interval_start_s": to_seconds(req["interval_start"]),
                }
                for col in REQUIREMENT_COLUMNS[2:]:
                    cols[col] = req[col].to_numpy(dtype=float) if col in req.columns else np.full(len(req), np.nan)
                bulk_insert(c, schema.plan_requirements, cols)
            if len(roster):
                bulk_insert(
                    c,
                    schema.plan_roster,
                    {
                        "plan_id": [plan_id] * len(roster),
                        "row_number": np.arange(len(roster)),
                        "agent_id": roster["agent_id"].astype(str).to_numpy(),
                        "shift_start_s": to_seconds(roster["shift_start"]),
                        "shift_end_s": to_seconds(roster["shift_end"]),
                        "paid_minutes": roster["paid_minutes"].to_numpy(dtype=float),
                        "breaks": roster["breaks"].fillna("").astype(str).to_numpy() if "breaks" in roster.columns else [""] * len(roster),
                    },
                )
        return plan_id

    def load_plan(self, plan_id: str) -> PlanRecord:
        """A stored plan (requirements: :data:`REQUIREMENT_COLUMNS`; roster: :data:`ROSTER_COLUMNS`)."""
        pl, pr, ro = schema.plans, schema.plan_requirements, schema.plan_roster
        with self._reading() as c:
            row = c.execute(sa.select(pl).where(pl.c.plan_id == plan_id)).first()
            if row is None:
                raise StoreError(f"no plan {plan_id!r} in store {self.url_display}")
            req = frame(c.execute(sa.select(pr).where(pr.c.plan_id == plan_id).order_by(pr.c.queue, pr.c.interval_start_s)))
            ros = frame(c.execute(sa.select(ro).where(ro.c.plan_id == plan_id).order_by(ro.c.row_number)))
        req["interval_start"] = from_seconds(req["interval_start_s"].to_numpy(dtype=np.int64), row.timezone)
        ros["shift_start"] = from_seconds(ros["shift_start_s"].to_numpy(dtype=np.int64), row.timezone)
        ros["shift_end"] = from_seconds(ros["shift_end_s"].to_numpy(dtype=np.int64), row.timezone)
        return PlanRecord(
            plan_id=plan_id,
            created_at=row.created_at,
            metadata=json.loads(row.metadata_json),
            requirements=req[REQUIREMENT_COLUMNS],
            roster=ros[ROSTER_COLUMNS],
            run_id=row.run_id,
        )

    def list_plans(self) -> pd.DataFrame:
        """Stored plans: ``plan_id, created_at, run_id``."""
        pl = schema.plans
        with self._reading() as c:
            return frame(c.execute(sa.select(pl.c.plan_id, pl.c.created_at, pl.c.run_id).order_by(pl.c.created_at)))
