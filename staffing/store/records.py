"""Typed records returned by the store (tables come back as documented DataFrames)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

VersionStatus = Literal["draft", "published"]
RunStatus = Literal["running", "ok", "failed"]


@dataclass(frozen=True)
class HistoryConflict:
    """An imported row whose key exists in the store with different values."""

    queue: str
    interval_start: pd.Timestamp
    column: str
    stored: float | None
    imported: float | None
    line: int | None = None


@dataclass(frozen=True)
class ImportResult:
    """Outcome of :meth:`Store.import_history`.

    ``inserted`` new rows, ``unchanged`` rows already stored with equal values,
    ``conflicts`` rows whose stored values differ (with ``on_conflict="revise"`` they were
    recorded as revisions and counted in ``revised``; with ``"reject"`` nothing was written).
    """

    inserted: int
    unchanged: int
    conflicts: tuple[HistoryConflict, ...] = ()
    revised: int = 0
    queues: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForecastVersion:
    """One immutable forecast version (the metadata; values via ``Store.version_values``)."""

    version_id: int
    run_id: str | None
    queue: str
    created_at: dt.datetime
    data_cutoff: pd.Timestamp
    horizon_start: pd.Timestamp
    horizon_end: pd.Timestamp
    interval_minutes: int
    n_intervals: int
    model_name: str
    model_params: dict[str, Any]
    code_version: str
    input_fingerprint: str | None
    content_hash: str
    status: VersionStatus

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (times as ISO 8601 strings)."""
        return {
            "version_id": self.version_id,
            "run_id": self.run_id,
            "queue": self.queue,
            "created_at": self.created_at.isoformat(),
            "data_cutoff": self.data_cutoff.isoformat(),
            "horizon_start": self.horizon_start.isoformat(),
            "horizon_end": self.horizon_end.isoformat(),
            "interval_minutes": self.interval_minutes,
            "n_intervals": self.n_intervals,
            "model_name": self.model_name,
            "model_params": self.model_params,
            "code_version": self.code_version,
            "input_fingerprint": self.input_fingerprint,
            "content_hash": self.content_hash,
            "status": self.status,
        }


@dataclass(frozen=True)
class Publication:
    """A version put in force for ``[effective_from, effective_to)`` at ``published_at``."""

    publication_id: int
    version_id: int
    queue: str
    published_at: dt.datetime
    effective_from: pd.Timestamp
    effective_to: pd.Timestamp
    run_id: str | None


@dataclass(frozen=True)
class RunRecord:
    """One command run (``reforecast``, ``history import``, ``plan`` ...)."""

    run_id: str
    command: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: RunStatus
    pid: int
    host: str
    summary: dict[str, Any] | None
    error: str | None


@dataclass(frozen=True)
class PlanRecord:
    """A stored plan: its metadata plus requirements and roster tables (canonical columns)."""

    plan_id: str
    created_at: dt.datetime
    metadata: dict[str, Any]
    requirements: pd.DataFrame
    roster: pd.DataFrame
    run_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
