"""Run records (``reforecast``, ``history import``, ``plan`` ...).

Each method commits its own transaction, never a caller's unit of work: a run's record
must survive the rollback of the run's writes (a failed or killed run stays on record).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import uuid
from typing import Any

import pandas as pd
import sqlalchemy as sa

from staffing.errors import StoreError
from staffing.store import schema
from staffing.store._db import write_transaction
from staffing.store.records import RunRecord, RunStatus
from staffing.store.timecodec import naive_utc

__all__ = ["RunOps"]

_ABANDONED = "abandoned: the process ended without finishing (killed or crashed); its transaction was rolled back"


def _run(row: Any) -> RunRecord:
    return RunRecord(
        run_id=row.run_id,
        command=row.command,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=row.status,
        pid=int(row.pid),
        host=row.host,
        summary=None if row.summary_json is None else json.loads(row.summary_json),
        error=row.error,
    )


class RunOps:
    """Run records (mixed into :class:`~staffing.store.Store` only)."""

    engine: sa.Engine
    url_display: str

    def start_run(self, command: str, *, run_id: str | None = None, now: dt.datetime | pd.Timestamp | None = None) -> RunRecord:
        """Record (and commit) the start of a run; returns its record with status ``running``."""
        rid = run_id or str(uuid.uuid4())
        with write_transaction(self.engine, self.url_display) as c:
            c.execute(sa.insert(schema.runs).values(run_id=rid, command=command, started_at=naive_utc(now), status="running", pid=os.getpid(), host=socket.gethostname()))
        return self.get_run(rid)

    def finish_run(
        self,
        run_id: str,
        status: RunStatus,
        *,
        summary: dict[str, Any] | None = None,
        error: str | None = None,
        now: dt.datetime | pd.Timestamp | None = None,
    ) -> RunRecord:
        """Record (and commit) the end of a run."""
        r = schema.runs
        with write_transaction(self.engine, self.url_display) as c:
            c.execute(
                sa.update(r)
                .where(r.c.run_id == run_id)
                .values(finished_at=naive_utc(now), status=status, summary_json=None if summary is None else json.dumps(summary, default=str), error=error)
            )
        return self.get_run(run_id)

    def mark_abandoned(self, command: str, *, except_run_id: str | None = None, now: dt.datetime | pd.Timestamp | None = None) -> list[str]:
        """Mark ``running`` runs of ``command`` failed (call while holding its lock: they died)."""
        r = schema.runs
        with write_transaction(self.engine, self.url_display) as c:
            query = sa.select(r.c.run_id).where(r.c.command == command, r.c.status == "running")
            if except_run_id is not None:
                query = query.where(r.c.run_id != except_run_id)
            ids: list[str] = list(c.execute(query).scalars())
            if ids:
                c.execute(sa.update(r).where(r.c.run_id.in_(ids)).values(status="failed", finished_at=naive_utc(now), error=_ABANDONED))
        return ids

    def get_run(self, run_id: str) -> RunRecord:
        """The run ``run_id``; :class:`StoreError` when unknown."""
        r = schema.runs
        with self.engine.connect() as c:
            row = c.execute(sa.select(r).where(r.c.run_id == run_id)).first()
        if row is None:
            raise StoreError(f"no run {run_id!r} in store {self.url_display}")
        return _run(row)

    def list_runs(self, command: str | None = None, *, limit: int | None = None) -> list[RunRecord]:
        """Runs, newest first."""
        r = schema.runs
        query = sa.select(r).order_by(r.c.started_at.desc(), r.c.run_id)
        if command is not None:
            query = query.where(r.c.command == command)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as c:
            return [_run(row) for row in c.execute(query)]
