"""Forecast versions in the store: immutable versions, their values, publication.

The module-level functions take the connection of an open transaction and are used by
the other store modules; :class:`VersionOps` is the public face (part of
:class:`~staffing.store.Store` and :class:`~staffing.store.UnitOfWork`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from staffing import __version__
from staffing.errors import StoreError
from staffing.store import schema
from staffing.store._db import (
    Operations,
    bulk_insert,
    ensure_queue,
    frame,
    primary_key,
    queue_zones,
)
from staffing.store.history import last_actual_seconds
from staffing.store.records import ForecastVersion, Publication, VersionStatus
from staffing.store.timecodec import (
    from_seconds,
    naive_utc,
    timestamp_seconds,
    to_seconds,
    zone_name,
)

__all__ = ["FORECAST_COLUMNS", "PUBLISHED_COLUMNS", "VersionOps"]

#: Columns of forecast values (the forecast CSV contract).
FORECAST_COLUMNS = ["interval_start", "calls", "lower80", "upper80", "lower95", "upper95", "aht_seconds"]
FORECAST_VALUES = FORECAST_COLUMNS[1:]
#: Columns of :meth:`VersionOps.published_for`.
PUBLISHED_COLUMNS = ["interval_start", "queue", "version_id", "publication_id", *FORECAST_VALUES]


# -- connection-level functions (used inside the store package) ---------------------------
def create_version(
    conn: sa.Connection,
    queue: str,
    values: pd.DataFrame,
    *,
    model_name: str,
    model_params: dict[str, Any],
    data_cutoff: pd.Timestamp,
    interval_minutes: int,
    horizon_start: pd.Timestamp | None,
    horizon_end: pd.Timestamp | None,
    run_id: str | None,
    input_fingerprint: str | None,
    created_at: dt.datetime | pd.Timestamp | None,
    url_display: str,
) -> ForecastVersion:
    """See :meth:`VersionOps.create_forecast_version`."""
    if interval_minutes <= 0:
        raise StoreError(f"interval_minutes must be > 0, got {interval_minutes}")
    missing = [col for col in ("interval_start", "calls") if col not in values.columns]
    if missing:
        raise StoreError(f"forecast values for queue {queue!r} lack column(s) {', '.join(missing)}")
    seconds = to_seconds(values["interval_start"])
    order = np.argsort(seconds, kind="stable")
    seconds = seconds[order]
    if len(seconds) == 0:
        raise StoreError(f"forecast for queue {queue!r} has no intervals")
    if np.any(np.diff(seconds) == 0):
        raise StoreError(f"forecast for queue {queue!r} repeats an interval")
    matrix = {col: (values[col].to_numpy(dtype=float)[order] if col in values.columns else np.full(len(seconds), np.nan)) for col in FORECAST_VALUES}
    calls = matrix["calls"]
    if not np.all(np.isfinite(calls)) or np.any(calls < 0):
        raise StoreError(f"forecast for queue {queue!r} has calls that are negative or not finite")
    step = interval_minutes * 60
    h_start = timestamp_seconds(horizon_start) if horizon_start is not None else int(seconds[0])
    h_end = timestamp_seconds(horizon_end) if horizon_end is not None else int(seconds[-1]) + step
    if seconds[0] < h_start or seconds[-1] >= h_end:
        raise StoreError(f"forecast for queue {queue!r} has intervals outside its horizon")
    cutoff_s = timestamp_seconds(data_cutoff)
    zone = zone_name(values["interval_start"])
    params_json = json.dumps(model_params, sort_keys=True, default=str)
    digest = hashlib.sha256()
    digest.update(json.dumps([queue, h_start, h_end, cutoff_s, interval_minutes, model_name, params_json]).encode())
    digest.update(seconds.astype("<i8").tobytes())
    for col in FORECAST_VALUES:
        col_values = matrix[col]
        digest.update(np.isnan(col_values).tobytes())
        digest.update(np.nan_to_num(col_values, nan=0.0).astype("<f8").tobytes())
    ensure_queue(conn, queue, zone)
    result = conn.execute(
        sa.insert(schema.forecast_versions).values(
            run_id=run_id,
            queue=queue,
            created_at=naive_utc(created_at),
            data_cutoff_s=cutoff_s,
            horizon_start_s=h_start,
            horizon_end_s=h_end,
            interval_minutes=interval_minutes,
            n_intervals=len(seconds),
            model_name=model_name,
            model_params_json=params_json,
            code_version=__version__,
            input_fingerprint=input_fingerprint,
            content_hash=digest.hexdigest(),
            status="draft",
        )
    )
    version_id = int(primary_key(result))
    cols: dict[str, Any] = {"version_id": [version_id] * len(seconds), "interval_start_s": seconds}
    cols.update(matrix)
    bulk_insert(conn, schema.forecast_values, cols)
    return get_version(conn, version_id, url_display)


def _version(row: Any, zones: dict[str, str | None]) -> ForecastVersion:
    zone = zones.get(row.queue)
    times = from_seconds([row.data_cutoff_s, row.horizon_start_s, row.horizon_end_s], zone)
    return ForecastVersion(
        version_id=int(row.version_id),
        run_id=row.run_id,
        queue=row.queue,
        created_at=row.created_at,
        data_cutoff=times[0],
        horizon_start=times[1],
        horizon_end=times[2],
        interval_minutes=int(row.interval_minutes),
        n_intervals=int(row.n_intervals),
        model_name=row.model_name,
        model_params=json.loads(row.model_params_json),
        code_version=row.code_version,
        input_fingerprint=row.input_fingerprint,
        content_hash=row.content_hash,
        status=row.status,
    )


def get_version(conn: sa.Connection, version_id: int, url_display: str) -> ForecastVersion:
    """See :meth:`VersionOps.get_version`."""
    v = schema.forecast_versions
    row = conn.execute(sa.select(v).where(v.c.version_id == version_id)).first()
    if row is None:
        raise StoreError(f"no forecast version {version_id} in store {url_display}")
    return _version(row, queue_zones(conn))


def publish(conn: sa.Connection, version_id: int, *, run_id: str | None, now: dt.datetime | pd.Timestamp | None, url_display: str) -> Publication:
    """See :meth:`VersionOps.publish`."""
    version = get_version(conn, version_id, url_display)
    p = schema.publications
    latest = conn.execute(sa.select(p).where(p.c.queue == version.queue).order_by(p.c.publication_id.desc()).limit(1)).first()
    if latest is not None and latest.version_id == version_id:
        return _publication(latest, queue_zones(conn))
    v = schema.forecast_versions
    row = conn.execute(sa.select(v.c.horizon_start_s, v.c.horizon_end_s).where(v.c.version_id == version_id)).one()
    last = last_actual_seconds(conn, version.queue)
    start = int(row.horizon_start_s)
    if last is not None:
        start = max(start, last + version.interval_minutes * 60)
    if start >= int(row.horizon_end_s):
        raise StoreError(
            f"version {version_id} ({version.queue}) ends at {version.horizon_end}, and actuals are "
            "already stored up to then; publishing it would rewrite the record of what was "
            "in force for those dates"
        )
    result = conn.execute(
        sa.insert(p).values(
            version_id=version_id,
            queue=version.queue,
            published_at=naive_utc(now),
            effective_from_s=start,
            effective_to_s=int(row.horizon_end_s),
            run_id=run_id,
        )
    )
    if version.status == "draft":
        conn.execute(sa.update(v).where(v.c.version_id == version_id).values(status="published"))
    pid = int(primary_key(result))
    return _publication(conn.execute(sa.select(p).where(p.c.publication_id == pid)).one(), queue_zones(conn))


def _publication(row: Any, zones: dict[str, str | None]) -> Publication:
    times = from_seconds([row.effective_from_s, row.effective_to_s], zones.get(row.queue))
    return Publication(
        publication_id=int(row.publication_id),
        version_id=int(row.version_id),
        queue=row.queue,
        published_at=row.published_at,
        effective_from=times[0],
        effective_to=times[1],
        run_id=row.run_id,
    )


def in_force(conn: sa.Connection, queue: str, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted unique interval ``seconds``: the publication and version in force (-1: none)."""
    p = schema.publications
    query = sa.select(p.c.publication_id, p.c.version_id, p.c.effective_from_s, p.c.effective_to_s).where(p.c.queue == queue)
    if len(seconds):
        query = query.where(p.c.effective_to_s > int(seconds[0]), p.c.effective_from_s <= int(seconds[-1]))
    pub_ids = np.full(len(seconds), -1, dtype=np.int64)
    versions = np.full(len(seconds), -1, dtype=np.int64)
    for row in conn.execute(query.order_by(p.c.publication_id)):
        lo, hi = np.searchsorted(seconds, [row.effective_from_s, row.effective_to_s], side="left")
        pub_ids[lo:hi] = row.publication_id
        versions[lo:hi] = row.version_id
    return pub_ids, versions


def published_values(conn: sa.Connection, queue: str, lo: int | None, hi: int | None) -> pd.DataFrame:
    """Values in force per interval of ``[lo, hi)`` seconds, with ``version_id`` and ``publication_id``."""
    p, fv = schema.publications, schema.forecast_values
    pubs = sa.select(p.c.version_id).where(p.c.queue == queue)
    if lo is not None:
        pubs = pubs.where(p.c.effective_to_s > lo)
    if hi is not None:
        pubs = pubs.where(p.c.effective_from_s < hi)
    query = sa.select(fv.c.version_id, fv.c.interval_start_s, *[fv.c[col] for col in FORECAST_VALUES]).where(fv.c.version_id.in_(pubs.distinct()))
    if lo is not None:
        query = query.where(fv.c.interval_start_s >= lo)
    if hi is not None:
        query = query.where(fv.c.interval_start_s < hi)
    values = frame(conn.execute(query))
    seconds = np.unique(values["interval_start_s"].to_numpy(dtype=np.int64))
    pub_ids, versions = in_force(conn, queue, seconds)
    pos = np.searchsorted(seconds, values["interval_start_s"].to_numpy(dtype=np.int64))
    keep = values["version_id"].to_numpy(dtype=np.int64) == versions[pos] if len(values) else np.zeros(0, dtype=bool)
    out = values[keep].copy()
    out["publication_id"] = pub_ids[pos[keep]]
    out = out.sort_values("interval_start_s", kind="stable").reset_index(drop=True)
    for col in FORECAST_VALUES:
        out[col] = out[col].astype(float)
    out["version_id"] = out["version_id"].astype(np.int64)
    return out


# -- public operations ----------------------------------------------------------------------
class VersionOps(Operations):
    """Forecast versions and publications (mixed into :class:`~staffing.store.Store` and
    :class:`~staffing.store.UnitOfWork`)."""

    def create_forecast_version(
        self,
        queue: str,
        values: pd.DataFrame,
        *,
        model_name: str,
        model_params: dict[str, Any],
        data_cutoff: pd.Timestamp,
        interval_minutes: int,
        horizon_start: pd.Timestamp | None = None,
        horizon_end: pd.Timestamp | None = None,
        run_id: str | None = None,
        input_fingerprint: str | None = None,
        created_at: dt.datetime | pd.Timestamp | None = None,
    ) -> ForecastVersion:
        """Store a new immutable draft version with its ``values`` (:data:`FORECAST_COLUMNS`).

        ``data_cutoff`` is the first interval whose actuals were not used (the end of the
        history). ``horizon_start``/``horizon_end`` default to the first value interval and
        one interval past the last. The content hash covers the values and the metadata.
        """
        with self._writing() as c:
            return create_version(
                c, queue, values, model_name=model_name, model_params=model_params, data_cutoff=data_cutoff,
                interval_minutes=interval_minutes, horizon_start=horizon_start, horizon_end=horizon_end,
                run_id=run_id, input_fingerprint=input_fingerprint, created_at=created_at, url_display=self.url_display,
            )

    def get_version(self, version_id: int) -> ForecastVersion:
        """The version ``version_id``; :class:`StoreError` when there is none."""
        with self._reading() as c:
            return get_version(c, version_id, self.url_display)

    def list_versions(self, queue: str | None = None, status: VersionStatus | None = None) -> list[ForecastVersion]:
        """Versions, oldest first, optionally of one queue and/or status."""
        v = schema.forecast_versions
        query = sa.select(v).order_by(v.c.version_id)
        if queue is not None:
            query = query.where(v.c.queue == queue)
        if status is not None:
            query = query.where(v.c.status == status)
        with self._reading() as c:
            zones = queue_zones(c)
            return [_version(row, zones) for row in c.execute(query)]

    def find_version(self, queue: str, input_fingerprint: str) -> ForecastVersion | None:
        """The newest version of ``queue`` made from inputs with this fingerprint, if any."""
        v = schema.forecast_versions
        with self._reading() as c:
            row = c.execute(
                sa.select(v).where(v.c.queue == queue, v.c.input_fingerprint == input_fingerprint).order_by(v.c.version_id.desc()).limit(1)
            ).first()
            return None if row is None else _version(row, queue_zones(c))

    def version_values(self, version_id: int) -> pd.DataFrame:
        """The forecast of a version as :data:`FORECAST_COLUMNS` (+ ``queue``)."""
        fv = schema.forecast_values
        with self._reading() as c:
            version = get_version(c, version_id, self.url_display)
            rows = frame(c.execute(sa.select(fv.c.interval_start_s, *[fv.c[col] for col in FORECAST_VALUES]).where(fv.c.version_id == version_id).order_by(fv.c.interval_start_s)))
            zone = queue_zones(c).get(version.queue)
        rows.insert(0, "interval_start", from_seconds(rows.pop("interval_start_s").to_numpy(dtype=np.int64), zone))
        for col in FORECAST_VALUES:
            rows[col] = rows[col].astype(float)
        rows["queue"] = version.queue
        return rows

    def publish(
        self,
        version_id: int,
        *,
        run_id: str | None = None,
        now: dt.datetime | pd.Timestamp | None = None,
    ) -> Publication:
        """Put a version in force for its horizon's intervals that have no actuals yet.

        A later publication supersedes earlier ones only from its own effective start, so
        what was in force for each past interval stays on record. Publishing the version
        that is already the queue's latest publication is a no-op.

        Raises
        ------
        StoreError
            When every interval of the version already has actuals (publishing it would
            rewrite what was in force for past dates).
        """
        with self._writing() as c:
            return publish(c, version_id, run_id=run_id, now=now, url_display=self.url_display)

    def publications(self, queue: str | None = None) -> list[Publication]:
        """Publications, oldest first."""
        p = schema.publications
        query = sa.select(p).order_by(p.c.publication_id)
        if queue is not None:
            query = query.where(p.c.queue == queue)
        with self._reading() as c:
            zones = queue_zones(c)
            return [_publication(row, zones) for row in c.execute(query)]

    def published_for(
        self,
        queue: str,
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
    ) -> pd.DataFrame:
        """The forecast that was in force for each interval of ``[start, end)`` (:data:`PUBLISHED_COLUMNS`).

        For every interval, the latest publication whose effective range covers it wins;
        intervals no publication covers are absent.
        """
        with self._reading() as c:
            zone = queue_zones(c).get(queue)
            lo = timestamp_seconds(start) if start is not None else None
            hi = timestamp_seconds(end) if end is not None else None
            values = published_values(c, queue, lo, hi)
        values.insert(0, "interval_start", from_seconds(values.pop("interval_start_s").to_numpy(dtype=np.int64), zone))
        values.insert(1, "queue", pd.Series([queue] * len(values), dtype="str"))
        return values[PUBLISHED_COLUMNS]
