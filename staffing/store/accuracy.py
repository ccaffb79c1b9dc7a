"""Forecast accuracy in the store: scoring published versions, stored scores, reports.

Formulas: :mod:`staffing.store.scoring`. :class:`AccuracyOps` is the public face (part of
:class:`~staffing.store.Store` and :class:`~staffing.store.UnitOfWork`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import numpy as np
import pandas as pd
import sqlalchemy as sa

from staffing.errors import StoreError
from staffing.forecast.metrics import bias_from_sums, wape_from_sums
from staffing.store import schema
from staffing.store._db import Operations, fetch_frame, frame, queue_zones, records
from staffing.store.history import last_actual_seconds
from staffing.store.scoring import DAY_SCORE_COLUMNS, score_days, summarise
from staffing.store.timecodec import from_seconds, naive_utc, timestamp_seconds
from staffing.store.versions import in_force, published_values

__all__ = ["INTERVAL_ACCURACY_COLUMNS", "AccuracyBy", "AccuracyOps"]

#: Columns of :meth:`AccuracyOps.actual_vs_forecast`.
INTERVAL_ACCURACY_COLUMNS = [
    "queue",
    "interval_start",
    "version_id",
    "n_intervals",
    "forecast_calls",
    "actual_calls",
    "abs_error_calls",
    "error_calls",
]
AccuracyBy = Literal["day", "interval", "horizon"]
_DAY_REPORT_COLUMNS = ["queue", "date", "version_ids", "n_intervals", "forecast_calls", "actual_calls", "abs_error_calls", "wape", "bias"]
_HORIZON_REPORT_COLUMNS = ["queue", "horizon_days", "n_versions", "n_intervals", "forecast_calls", "actual_calls", "abs_error_calls", "wape", "bias"]


def _wall_time(seconds: np.ndarray, zone: str | None) -> pd.DatetimeIndex:
    """Naive local wall-clock times of stored seconds (for calendar days)."""
    times = from_seconds(seconds, zone)
    return times.tz_localize(None) if zone is not None else times


def score_published(conn: sa.Connection, queue: str, *, run_id: str | None, now: dt.datetime | pd.Timestamp | None) -> pd.DataFrame:
    """See :meth:`AccuracyOps.score_published`."""
    v, a, fv, h = schema.forecast_versions, schema.accuracy, schema.forecast_values, schema.history
    last = last_actual_seconds(conn, queue)
    if last is None:
        return pd.DataFrame(columns=DAY_SCORE_COLUMNS)
    scored = sa.select(a.c.version_id, sa.func.sum(a.c.n_intervals).label("n")).group_by(a.c.version_id).subquery()
    candidates = frame(
        conn.execute(
            sa.select(v.c.version_id, v.c.data_cutoff_s, v.c.interval_minutes, sa.func.coalesce(scored.c.n, 0).label("scored_n"))
            .select_from(v.outerjoin(scored, scored.c.version_id == v.c.version_id))
            .where(
                v.c.queue == queue,
                v.c.status == "published",
                v.c.horizon_start_s <= last,
                sa.func.coalesce(scored.c.n, 0) < v.c.n_intervals,
            )
        )
    )
    if candidates.empty:
        return pd.DataFrame(columns=DAY_SCORE_COLUMNS)
    ids = [int(i) for i in candidates["version_id"]]
    # Two range reads merged in pandas: predictable plans on SQLite and PostgreSQL.
    forecast = fetch_frame(
        conn,
        sa.select(fv.c.version_id, fv.c.interval_start_s, fv.c.calls).where(fv.c.version_id.in_(ids), fv.c.interval_start_s <= last),
    )
    first = int(forecast["interval_start_s"].min()) if len(forecast) else last
    actual = fetch_frame(
        conn,
        sa.select(h.c.interval_start_s, h.c.offered).where(h.c.queue == queue, h.c.interval_start_s >= first, h.c.interval_start_s <= last),
    )
    pairs = forecast.merge(actual, on="interval_start_s", how="inner")
    # Only versions with actuals not yet scored (the same data twice writes nothing).
    counts = pairs.groupby("version_id").size()
    stale = candidates.set_index("version_id")["scored_n"].reindex(counts.index) != counts
    ids = [int(i) for i in counts.index[stale.to_numpy()]]
    if not ids:
        return pd.DataFrame(columns=DAY_SCORE_COLUMNS)
    pairs = pairs[pairs["version_id"].isin(ids)].reset_index(drop=True)
    zone = queue_zones(conn).get(queue)
    seconds = np.unique(pairs["interval_start_s"].to_numpy(dtype=np.int64))
    _, versions = in_force(conn, queue, seconds)
    pos = np.searchsorted(seconds, pairs["interval_start_s"].to_numpy(dtype=np.int64))
    pairs["in_force"] = pairs["version_id"].to_numpy(dtype=np.int64) == versions[pos]
    pairs["queue"] = queue
    pairs["local_time"] = _wall_time(pairs["interval_start_s"].to_numpy(dtype=np.int64), zone)
    cutoff = candidates.set_index("version_id")
    last_actual = cutoff["data_cutoff_s"] - cutoff["interval_minutes"] * 60
    pairs["last_actual_day"] = _wall_time(last_actual.reindex(pairs["version_id"]).to_numpy(dtype=np.int64), zone).normalize()
    scores = score_days(pairs)
    conn.execute(sa.delete(a).where(a.c.version_id.in_(ids)))
    if len(scores):
        cols: dict[str, Any] = {col: scores[col].to_numpy() for col in DAY_SCORE_COLUMNS}
        cols["version_id"] = scores["version_id"].to_numpy(dtype=np.int64)
        cols["scored_at"] = [naive_utc(now)] * len(scores)
        cols["run_id"] = [run_id] * len(scores)
        conn.execute(sa.insert(a), records(cols))
    return scores


def actual_vs_forecast(conn: sa.Connection, queue: str | None, start: pd.Timestamp | str | None, end: pd.Timestamp | str | None) -> pd.DataFrame:
    """See :meth:`AccuracyOps.actual_vs_forecast`."""
    parts = []
    zones = queue_zones(conn)
    h = schema.history
    for qname in [queue] if queue is not None else sorted(zones):
        lo = timestamp_seconds(start) if start is not None else None
        hi = timestamp_seconds(end) if end is not None else None
        values = published_values(conn, qname, lo, hi)
        if values.empty:
            continue
        first, last = int(values["interval_start_s"].min()), int(values["interval_start_s"].max())
        actual = frame(conn.execute(sa.select(h.c.interval_start_s, h.c.offered).where(h.c.queue == qname, h.c.interval_start_s >= first, h.c.interval_start_s <= last)))
        merged = values.merge(actual, on="interval_start_s", how="inner")
        part = pd.DataFrame(
            {
                "queue": pd.Series([qname] * len(merged), dtype="str"),
                "interval_start": from_seconds(merged["interval_start_s"].to_numpy(dtype=np.int64), zones.get(qname)),
                "version_id": merged["version_id"].to_numpy(dtype=np.int64),
                "n_intervals": np.ones(len(merged), dtype=np.int64),
                "forecast_calls": merged["calls"].to_numpy(dtype=float),
                "actual_calls": merged["offered"].to_numpy(dtype=float),
            }
        )
        part["error_calls"] = part["forecast_calls"] - part["actual_calls"]
        part["abs_error_calls"] = part["error_calls"].abs()
        parts.append(part[INTERVAL_ACCURACY_COLUMNS])
    if not parts:
        return pd.DataFrame(columns=INTERVAL_ACCURACY_COLUMNS)
    return pd.concat(parts, ignore_index=True)


class AccuracyOps(Operations):
    """Scores and accuracy reports (mixed into :class:`~staffing.store.Store` and
    :class:`~staffing.store.UnitOfWork`)."""

    def score_published(
        self,
        queue: str,
        *,
        run_id: str | None = None,
        now: dt.datetime | pd.Timestamp | None = None,
    ) -> pd.DataFrame:
        """(Re)score every published version of ``queue`` that has unscored actuals.

        Scores each (version, local day) over all the version's intervals with actuals
        (see :mod:`staffing.store.scoring`) and stores them, replacing the version's older
        rows. Returns the rows written (:data:`~staffing.store.scoring.DAY_SCORE_COLUMNS`).
        """
        with self._writing() as c:
            return score_published(c, queue, run_id=run_id, now=now)

    def record_accuracy(self, scores: pd.DataFrame, *, run_id: str | None = None, now: dt.datetime | pd.Timestamp | None = None) -> int:
        """Store externally computed day scores (:data:`DAY_SCORE_COLUMNS`), replacing the same (version, day)."""
        a = schema.accuracy
        with self._writing() as c:
            for version_id, day in zip(scores["version_id"], scores["day"], strict=True):
                c.execute(sa.delete(a).where(a.c.version_id == int(version_id), a.c.day == day))
            cols: dict[str, Any] = {col: scores[col].to_numpy() for col in DAY_SCORE_COLUMNS}
            cols["scored_at"] = [naive_utc(now)] * len(scores)
            cols["run_id"] = [run_id] * len(scores)
            if len(scores):
                c.execute(sa.insert(a), records(cols))
        return len(scores)

    def accuracy_scores(self, queue: str | None = None, version_id: int | None = None) -> pd.DataFrame:
        """Stored day scores (:data:`DAY_SCORE_COLUMNS` + ``scored_at``, ``run_id``)."""
        a = schema.accuracy
        query = sa.select(a).order_by(a.c.queue, a.c.version_id, a.c.day)
        if queue is not None:
            query = query.where(a.c.queue == queue)
        if version_id is not None:
            query = query.where(a.c.version_id == version_id)
        with self._reading() as c:
            out = frame(c.execute(query))
        for col in ("wape", "bias", "forecast_calls", "actual_calls", "abs_error_calls"):
            out[col] = out[col].astype(float)
        return out

    def actual_vs_forecast(
        self,
        queue: str | None = None,
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
    ) -> pd.DataFrame:
        """Per interval with actuals: the forecast in force vs the offered calls
        (:data:`INTERVAL_ACCURACY_COLUMNS`; ``error_calls`` = forecast - actual)."""
        with self._reading() as c:
            return actual_vs_forecast(c, queue, start, end)

    def accuracy_report(
        self,
        queue: str | None = None,
        *,
        by: AccuracyBy = "day",
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
    ) -> pd.DataFrame:
        """Forecast vs actual of the published forecasts.

        ``by="interval"``: :meth:`actual_vs_forecast` plus ``wape``/``bias`` per row.
        ``by="day"``: per queue and local day, the forecast in force for each interval
        (``version_ids`` lists the versions, usually one) — columns ``queue, date,
        version_ids, n_intervals, forecast_calls, actual_calls, abs_error_calls, wape, bias``.
        ``by="horizon"``: stored scores of every published version per queue and
        ``horizon_days`` (1 = the day after the data cutoff) — columns ``queue,
        horizon_days, n_versions, n_intervals, forecast_calls, actual_calls,
        abs_error_calls, wape, bias``.
        """
        if by == "horizon":
            scores = self.accuracy_scores(queue)
            if scores.empty:
                return pd.DataFrame(columns=_HORIZON_REPORT_COLUMNS)
            out = summarise(scores, ["queue", "horizon_days"])
            out.insert(2, "n_versions", scores.groupby(["queue", "horizon_days"])["version_id"].nunique().to_numpy())
            return out
        intervals = self.actual_vs_forecast(queue, start, end)
        if by == "interval":
            intervals["wape"] = wape_from_sums(intervals["abs_error_calls"], intervals["actual_calls"])
            intervals["bias"] = bias_from_sums(intervals["error_calls"], intervals["actual_calls"])
            return intervals
        if by != "day":
            raise StoreError(f"accuracy 'by' must be day, interval or horizon, got {by!r}")
        if intervals.empty:
            return pd.DataFrame(columns=_DAY_REPORT_COLUMNS)
        times = pd.DatetimeIndex(intervals["interval_start"])
        intervals["day"] = (times.tz_localize(None) if times.tz is not None else times).normalize().date
        out = summarise(intervals, ["queue", "day"])
        versions = intervals.groupby(["queue", "day"], sort=True)["version_id"].agg(lambda s: ",".join(str(x) for x in sorted(set(s))))
        out.insert(2, "version_ids", versions.to_numpy())
        # ``date`` (not ``day``) so the CSV feeds ``staffing report``'s accuracy input.
        return out.rename(columns={"day": "date"})[_DAY_REPORT_COLUMNS]
