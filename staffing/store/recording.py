"""Recording a forecast table as forecast versions: the one rule for every caller.

``staffing forecast --store-version/--publish``, ``staffing plan`` and the nightly
reforecast all store their forecasts through :func:`record_forecast`.

The data cutoff rule
--------------------
A version's ``data_cutoff`` is the first interval whose actuals the forecast did not
use: ``min(history_end, first forecast interval)``, where ``history_end`` is the end of
the last history interval the caller had. When ``history_end`` lies after the first
forecast interval (a week planned in the past, a re-plan), actuals already exist for
part of the forecast: the versions are kept as drafts even when ``publish`` is asked, so
that what was in force for past dates is never rewritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from staffing.errors import InvalidArgumentError
from staffing.store.records import ForecastVersion, Publication
from staffing.store.store import Store, UnitOfWork
from staffing.store.versions import FORECAST_COLUMNS

__all__ = ["RecordedForecast", "RecordedVersion", "record_forecast"]


@dataclass(frozen=True)
class RecordedVersion:
    """One queue's stored version (``version.status`` as stored after publishing)."""

    queue: str
    version: ForecastVersion
    publication: Publication | None


@dataclass(frozen=True)
class RecordedForecast:
    """What :func:`record_forecast` stored.

    ``published`` is whether the versions were put in force; ``draft_reason`` says why
    not when publishing was asked but refused by the data cutoff rule.
    """

    data_cutoff: pd.Timestamp
    published: bool
    versions: tuple[RecordedVersion, ...]
    draft_reason: str | None = None

    @property
    def version_ids(self) -> list[int]:
        """Ids of the stored versions, in queue order."""
        return [r.version.version_id for r in self.versions]


def record_forecast(
    store: Store | UnitOfWork,
    forecast: pd.DataFrame,
    *,
    history_end: pd.Timestamp,
    interval_minutes: int,
    model_name: str,
    model_params: Mapping[str, Any],
    publish: bool = False,
    queue: str = "default",
    run_id: str | None = None,
    input_fingerprint: str | None = None,
    horizon_start: pd.Timestamp | None = None,
    horizon_end: pd.Timestamp | None = None,
    now: dt.datetime | pd.Timestamp | None = None,
) -> RecordedForecast:
    """Store a forecast table (one or several queues) as immutable versions, all or none.

    Parameters
    ----------
    store
        The open store (the versions of every queue are written in one transaction), or
        a :class:`~staffing.store.UnitOfWork` to make them part of a larger one.
    forecast
        Forecast table: ``interval_start``, ``calls`` and optionally the other
        :data:`~staffing.store.FORECAST_COLUMNS`; with a ``queue`` column one version per
        queue, else one version for ``queue``.
    history_end
        End of the last history interval the caller had (last ``interval_start`` +
        ``interval_minutes``), in the forecast's time zone (or naive like it).
    interval_minutes
        Interval length of the forecast.
    model_name, model_params
        The model and its settings, stored with each version.
    publish
        Put the versions in force; refused (drafts) when ``history_end`` lies after the
        first forecast interval (see the module's data cutoff rule).
    queue
        Queue of a ``forecast`` without a ``queue`` column.
    run_id
        The run recorded on the versions and publications.
    input_fingerprint
        Idempotency key stored on the versions (the nightly job's; one queue).
    horizon_start, horizon_end
        Horizon of the versions (default: the first interval and one interval past the last).
    now
        Creation and publication time (tests); default the current UTC time.

    Returns
    -------
    RecordedForecast

    Raises
    ------
    InvalidArgumentError
        ``forecast`` lacks ``interval_start``/``calls`` or has no rows,
        ``interval_minutes`` is not positive, or ``history_end`` and the forecast's
        times are not both naive or both timezone-aware.
    StoreError
        The values are invalid for a version (see ``create_forecast_version``).
    """
    missing = [c for c in ("interval_start", "calls") if c not in forecast.columns]
    if missing or forecast.empty:
        raise InvalidArgumentError("forecast", list(forecast.columns), "a forecast table with interval_start and calls and at least one row")
    if interval_minutes <= 0:
        raise InvalidArgumentError("interval_minutes", interval_minutes, "> 0")
    first = pd.Timestamp(forecast["interval_start"].min())
    end = pd.Timestamp(history_end)
    if (first.tzinfo is None) != (end.tzinfo is None):
        raise InvalidArgumentError("history_end", history_end, f"a time as naive or as timezone-aware as the forecast ({first})")
    cutoff = min(end, first)
    in_past = end > first
    published = publish and not in_past
    reason = f"the history already runs to {end}, after the forecast's first interval {first}" if publish and in_past else None
    columns = [c for c in FORECAST_COLUMNS if c in forecast.columns]
    if "queue" in forecast.columns:
        parts = [(str(q), part) for q, part in forecast.groupby("queue", sort=True)]
    else:
        parts = [(queue, forecast)]

    def write(work: UnitOfWork) -> RecordedForecast:
        out = []
        for name, part in parts:
            version = work.create_forecast_version(
                name, part[columns].reset_index(drop=True), model_name=model_name, model_params=dict(model_params),
                data_cutoff=cutoff, interval_minutes=interval_minutes, horizon_start=horizon_start,
                horizon_end=horizon_end, run_id=run_id, input_fingerprint=input_fingerprint, created_at=now,
            )
            publication = None
            if published:
                publication = work.publish(version.version_id, run_id=run_id, now=now)
                version = work.get_version(version.version_id)
            out.append(RecordedVersion(name, version, publication))
        return RecordedForecast(cutoff, published, tuple(out), reason)

    if isinstance(store, UnitOfWork):
        return write(store)
    with store.unit_of_work() as work:
        return write(work)
