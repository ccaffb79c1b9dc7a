"""The nightly reforecast: import actuals, refit, version, publish, score, warn on drift.

Everything a run writes (history, versions, publications, scores) is written in ONE
database transaction (one :meth:`~staffing.store.Store.unit_of_work`) under the store's
run lock, so a crash or ``kill -9`` at any point leaves the store exactly as the
previous run left it (the run's record then says ``failed``/abandoned). Running again on the same data creates no new version: each
version carries a fingerprint of its inputs (the queue's stored history, the model and
its settings, the horizon and the code version) and an equal fingerprint is reused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from staffing import __version__
from staffing.errors import StaffingError, StoreError
from staffing.forecast.metrics import wape_from_sums
from staffing.store import FORECAST_COLUMNS, ImportResult, Store, UnitOfWork, record_forecast
from staffing.store.timecodec import naive_utc, to_seconds
from staffing.tables import divides_day

log = logging.getLogger(__name__)

#: Lock and run-record name of the nightly reforecast.
REFORECAST_COMMAND = "reforecast"


@dataclass(frozen=True)
class ForecastResult:
    """What a forecaster returns: ``values`` with :data:`~staffing.store.FORECAST_COLUMNS`
    (``interval_start`` exactly the requested horizon; bounds/AHT may be NaN) and the model
    that produced them."""

    values: pd.DataFrame
    model_name: str
    model_params: dict[str, Any] = field(default_factory=dict)


class Forecaster(Protocol):
    """``forecaster(history, horizon) -> ForecastResult``.

    ``history`` is the queue's stored canonical history (:data:`staffing.store.HISTORY_COLUMNS`,
    one queue, sorted); ``horizon`` the interval starts to forecast. An optional attribute
    ``fingerprint: str`` identifies the model and its fixed settings for idempotency
    (default: the callable's module and qualified name).
    """

    def __call__(self, history: pd.DataFrame, horizon: pd.DatetimeIndex) -> ForecastResult: ...


class ReforecastSettings(BaseModel):
    """Settings of a nightly reforecast (validated; unknown keys are errors).

    The one model of these settings: the library takes it, and it is the ``reforecast:``
    section of the site config (:class:`staffing.config.Config`), where
    ``interval_minutes`` and ``model`` are not written but come from the config's
    top-level ``interval_minutes`` and ``forecast:`` section.

    Attributes
    ----------
    horizon_days
        Whole days forecast, starting at the first midnight at or after the data cutoff.
    interval_minutes
        Interval length of history and forecast (divides 1440).
    publish
        Publish each new version (else it stays a draft).
    queues
        Queues to reforecast; ``None``: every queue in the store after the import.
    on_conflict
        Imported actuals that differ from stored ones: ``reject`` fails the run,
        ``revise`` records a revision (see :meth:`Store.import_history`).
    queue_errors
        A forecaster error on one queue: ``fail`` the whole run (nothing written) or
        ``skip`` that queue (reported in the summary; the others are written).
    drift_wape_threshold
        Warn when the in-force forecast's WAPE over the last ``drift_window_days`` days
        with actuals exceeds this fraction.
    lock_timeout_seconds
        Wait this long for a running reforecast to finish; ``0``: fail at once.
    model
        The configured model (name, parameters): part of the idempotency fingerprint.
    actuals
        File of new actuals the ``staffing reforecast`` command imports each night
        (``None``: the config's ``history.path``); :func:`run_reforecast` takes the
        table itself and ignores this.
    summary_path
        File the ``staffing reforecast`` command also writes the JSON run summary to;
        ignored by :func:`run_reforecast`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    horizon_days: int = Field(default=14, ge=1, le=400)
    interval_minutes: int = Field(default=15, gt=0, le=1440)
    publish: bool = True
    queues: tuple[str, ...] | None = None
    on_conflict: Literal["reject", "revise"] = "reject"
    queue_errors: Literal["fail", "skip"] = "fail"
    drift_wape_threshold: float = Field(default=0.25, gt=0)
    drift_window_days: int = Field(default=7, ge=1, le=366)
    lock_timeout_seconds: float = Field(default=0.0, ge=0)
    model: dict[str, Any] = Field(default_factory=dict)
    actuals: Path | None = None
    summary_path: Path | None = None

    _divides_day = field_validator("interval_minutes")(divides_day)


QueueStatus = Literal["created", "unchanged", "skipped", "failed"]


@dataclass(frozen=True)
class QueueOutcome:
    """What the run did for one queue."""

    queue: str
    status: QueueStatus
    version_id: int | None = None
    published: bool = False
    data_cutoff: str | None = None
    horizon_start: str | None = None
    horizon_end: str | None = None
    forecast_calls: float | None = None
    model_name: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class DriftWarning:
    """The in-force forecast's accuracy over a recent window is worse than the threshold."""

    queue: str
    window_start: str
    window_end: str
    wape: float
    threshold: float
    n_intervals: int

    def message(self) -> str:
        """One warning line for logs."""
        return (
            f"drift: queue {self.queue} WAPE {self.wape:.1%} over {self.window_start}..{self.window_end} "
            f"({self.n_intervals} intervals) exceeds the threshold {self.threshold:.1%}"
        )


@dataclass(frozen=True)
class StageSeconds:
    """Wall-clock seconds per stage of a run."""

    lock: float = 0.0
    import_: float = 0.0
    read: float = 0.0
    fit: float = 0.0
    write: float = 0.0
    scoring: float = 0.0
    commit: float = 0.0
    total: float = 0.0


@dataclass(frozen=True)
class ReforecastSummary:
    """Result of :func:`run_reforecast` (also stored as the run record's JSON summary)."""

    run_id: str
    status: Literal["ok"]
    store: str
    started_at: str
    finished_at: str
    code_version: str
    history_inserted: int
    history_unchanged: int
    history_revised: int
    queues: tuple[QueueOutcome, ...]
    scores_written: int
    drift: tuple[DriftWarning, ...]
    seconds: StageSeconds
    abandoned_runs: tuple[str, ...] = ()

    @property
    def new_versions(self) -> tuple[int, ...]:
        """Ids of the versions this run created."""
        return tuple(q.version_id for q in self.queues if q.status == "created" and q.version_id is not None)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (the documented run-summary format)."""
        out = asdict(self)
        out["seconds"]["import"] = out["seconds"].pop("import_")
        out["new_versions"] = list(self.new_versions)
        out["warnings"] = [d.message() for d in self.drift]
        for q in out["queues"]:
            if q["forecast_calls"] is not None and not np.isfinite(q["forecast_calls"]):
                q["forecast_calls"] = None
        return out


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0


def forecaster_identity(forecaster: Forecaster) -> str:
    """``forecaster.fingerprint`` when set, else ``module.qualname`` of the callable."""
    explicit = getattr(forecaster, "fingerprint", None)
    if isinstance(explicit, str):
        return explicit
    target = forecaster if hasattr(forecaster, "__qualname__") else type(forecaster)
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', repr(target))}"


def history_digest(history: pd.DataFrame) -> str:
    """SHA-256 of a queue's history values (times and every value column, NaN-safe)."""
    digest = hashlib.sha256()
    digest.update(to_seconds(history["interval_start"]).astype("<i8").tobytes())
    for col in ("offered", "answered", "abandoned", "aht_seconds", "handle_time_sum_seconds"):
        values = history[col].to_numpy(dtype=float) if col in history.columns else np.zeros(0)
        digest.update(col.encode())
        digest.update(np.isnan(values).tobytes())
        digest.update(np.nan_to_num(values, nan=0.0).astype("<f8").tobytes())
    return digest.hexdigest()


def input_fingerprint(queue: str, history: pd.DataFrame, horizon: pd.DatetimeIndex, settings: ReforecastSettings, forecaster: Forecaster) -> str:
    """The idempotency key of a version: equal inputs -> equal fingerprint."""
    parts = {
        "queue": queue,
        "history": history_digest(history),
        "horizon": [str(horizon[0]), len(horizon)],
        "interval_minutes": settings.interval_minutes,
        "model": settings.model,
        "forecaster": forecaster_identity(forecaster),
        "code_version": __version__,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def forecast_horizon(last_actual: pd.Timestamp, settings: ReforecastSettings) -> pd.DatetimeIndex:
    """Intervals of the ``horizon_days`` whole local days from the first midnight after the
    last actual interval (in the history's zone when aware; DST days have 23/25 hours)."""
    cutoff = last_actual + pd.Timedelta(minutes=settings.interval_minutes)
    zone = cutoff.tzinfo
    # Day arithmetic on wall-clock time: adding 24 h to a midnight on a DST day lands at 23:00 or 01:00.
    wall = pd.Timestamp(cutoff.tz_localize(None)) if zone is not None else cutoff
    start_wall = wall.normalize() if wall == wall.normalize() else wall.normalize() + pd.Timedelta(days=1)
    end_wall = start_wall + pd.Timedelta(days=settings.horizon_days)
    if zone is not None:
        start = start_wall.tz_localize(zone)
        end = end_wall.tz_localize(zone)
    else:
        start, end = start_wall, end_wall
    return pd.date_range(start, end, freq=f"{settings.interval_minutes}min", inclusive="left")


def _check_result(queue: str, result: ForecastResult, horizon: pd.DatetimeIndex) -> pd.DataFrame:
    if not isinstance(result, ForecastResult):
        raise StoreError(f"forecaster returned {type(result).__name__} for queue {queue!r}, expected ForecastResult")
    values = result.values
    missing = [c for c in ("interval_start", "calls") if c not in values.columns]
    if missing:
        raise StoreError(f"forecast for queue {queue!r} lacks column(s) {', '.join(missing)}")
    got = to_seconds(values["interval_start"])
    want = to_seconds(horizon)
    if len(got) != len(want) or not np.array_equal(np.sort(got), want):
        raise StoreError(f"forecast for queue {queue!r} has {len(got)} intervals; the horizon {horizon[0]}..{horizon[-1]} has {len(want)}")
    return values[[c for c in FORECAST_COLUMNS if c in values.columns]]


def run_reforecast(
    store: Store,
    new_history: pd.DataFrame | None,
    forecaster: Forecaster,
    settings: ReforecastSettings | None = None,
    *,
    now: dt.datetime | pd.Timestamp | None = None,
    source: str = "history",
) -> ReforecastSummary:
    """Run one nightly reforecast against ``store``.

    Steps (all writes in one transaction, under the store's ``reforecast`` lock):
    import ``new_history`` (canonical history table; ``None`` or empty: nothing new), then
    per queue read its whole stored history, skip it when an existing version has the same
    input fingerprint (publishing it if it is still a draft and ``publish`` is set), else
    call ``forecaster(history, horizon)``, store the new version and publish it; then score
    every published version with new actuals (:meth:`Store.score_published`) and check drift.

    Parameters
    ----------
    store
        The open store.
    new_history
        New actuals (canonical history table), or ``None``.
    forecaster
        See :class:`Forecaster`.
    settings
        :class:`ReforecastSettings` (defaults when ``None``).
    now
        Clock for the run's records (tests); default the current UTC time.
    source
        Name of ``new_history`` in error messages (its file name).

    Returns
    -------
    ReforecastSummary

    Raises
    ------
    LockBusyError
        Another reforecast holds the lock (after ``lock_timeout_seconds``).
    DataError
        ``new_history`` is invalid or conflicts with stored actuals (nothing written).
    StaffingError
        Any other failure; nothing was written and the run record says ``failed``.
    """
    settings = settings or ReforecastSettings()
    clock = _Clock()
    t0 = time.perf_counter()
    run_id = str(uuid.uuid4())
    started = naive_utc(now)
    with clock.stage("lock"):
        lock = store.lock(REFORECAST_COMMAND, timeout_seconds=settings.lock_timeout_seconds, run_id=run_id).acquire()
    try:
        abandoned = store.mark_abandoned(REFORECAST_COMMAND, now=now)
        for rid in abandoned:
            log.warning("run %s had not finished (killed or crashed); marked failed, its writes were rolled back", rid)
        store.start_run(REFORECAST_COMMAND, run_id=run_id, now=now)
        try:
            with store.unit_of_work() as work:
                imported, outcomes, scores, drift = _run_in_transaction(work, new_history, forecaster, settings, clock, run_id, now, source)
                commit_start = time.perf_counter()
            clock.seconds["commit"] = time.perf_counter() - commit_start
        except BaseException as exc:
            message = _failure_message(exc)
            try:
                store.finish_run(run_id, "failed", error=message, now=now)
            except Exception:  # the original failure matters more than the bookkeeping
                log.exception("could not record the failure of run %s", run_id)
            if isinstance(exc, StaffingError) or not isinstance(exc, Exception):
                raise
            raise StaffingError(f"reforecast failed: {message}") from exc
        seconds = StageSeconds(
            lock=clock.seconds.get("lock", 0.0),
            import_=clock.seconds.get("import", 0.0),
            read=clock.seconds.get("read", 0.0),
            fit=clock.seconds.get("fit", 0.0),
            write=clock.seconds.get("write", 0.0),
            scoring=clock.seconds.get("scoring", 0.0),
            commit=clock.seconds.get("commit", 0.0),
            total=time.perf_counter() - t0,
        )
        summary = ReforecastSummary(
            run_id=run_id,
            status="ok",
            store=store.url_display,
            started_at=started.isoformat(),
            finished_at=naive_utc(now).isoformat() if now is not None else naive_utc(None).isoformat(),
            code_version=__version__,
            history_inserted=imported.inserted,
            history_unchanged=imported.unchanged,
            history_revised=imported.revised,
            queues=tuple(outcomes),
            scores_written=scores,
            drift=tuple(drift),
            seconds=seconds,
            abandoned_runs=tuple(abandoned),
        )
        store.finish_run(run_id, "ok", summary=summary.to_json(), now=now)
        for warning in drift:
            log.warning("%s", warning.message())
        return summary
    finally:
        lock.release()


def _failure_message(exc: BaseException) -> str:
    """The run record's error: a StaffingError's own message (with its notes), else ``Type: message``."""
    if isinstance(exc, StaffingError):
        return "\n".join([str(exc), *getattr(exc, "__notes__", [])])
    return f"{type(exc).__name__}: {exc}"


def _run_in_transaction(
    work: UnitOfWork,
    new_history: pd.DataFrame | None,
    forecaster: Forecaster,
    settings: ReforecastSettings,
    clock: _Clock,
    run_id: str,
    now: dt.datetime | pd.Timestamp | None,
    source: str,
) -> tuple[ImportResult, list[QueueOutcome], int, list[DriftWarning]]:
    with clock.stage("import"):
        if new_history is not None and len(new_history):
            imported = work.import_history(new_history, on_conflict=settings.on_conflict, source=source, run_id=run_id)
        else:
            imported = ImportResult(inserted=0, unchanged=0)
    log.info("imported %d new interval(s), %d unchanged, %d revised", imported.inserted, imported.unchanged, imported.revised)
    queues = list(settings.queues) if settings.queues is not None else work.queues()
    known = set(work.queues())
    outcomes: list[QueueOutcome] = []
    for queue in queues:
        if queue not in known:
            raise StoreError(f"queue {queue!r} has no history in store {work.url_display}")
        outcomes.append(_reforecast_queue(work, queue, forecaster, settings, clock, run_id, now))
    scores = 0
    drift: list[DriftWarning] = []
    with clock.stage("scoring"):
        for queue in queues:
            scores += len(work.score_published(queue, run_id=run_id, now=now))
            warning = _drift(work, queue, settings)
            if warning is not None:
                drift.append(warning)
    return imported, outcomes, scores, drift


def _reforecast_queue(
    work: UnitOfWork,
    queue: str,
    forecaster: Forecaster,
    settings: ReforecastSettings,
    clock: _Clock,
    run_id: str,
    now: dt.datetime | pd.Timestamp | None,
) -> QueueOutcome:
    with clock.stage("read"):
        history = work.history(queue)
        if history.empty:
            return QueueOutcome(queue, "skipped", message="no history")
        last_actual = pd.Timestamp(history["interval_start"].iloc[-1])
        horizon = forecast_horizon(last_actual, settings)
        fingerprint = input_fingerprint(queue, history, horizon, settings, forecaster)
        cutoff = last_actual + pd.Timedelta(minutes=settings.interval_minutes)
        existing = work.find_version(queue, fingerprint)
    step = pd.Timedelta(minutes=settings.interval_minutes)
    span = {"data_cutoff": str(cutoff), "horizon_start": str(horizon[0]), "horizon_end": str(horizon[-1] + step)}
    if existing is not None:
        published = existing.status == "published"
        if settings.publish and not published:
            with clock.stage("write"):
                work.publish(existing.version_id, run_id=run_id, now=now)
            published = True
        log.info("queue %s: inputs unchanged, keeping version %d", queue, existing.version_id)
        return QueueOutcome(queue, "unchanged", existing.version_id, published, model_name=existing.model_name, data_cutoff=span["data_cutoff"], horizon_start=span["horizon_start"], horizon_end=span["horizon_end"])
    with clock.stage("fit"):
        try:
            result = forecaster(history, horizon)
            values = _check_result(queue, result, horizon)
        except Exception as exc:
            if settings.queue_errors == "fail":
                # Say which queue failed: with many queues "ValueError: ..." alone is no lead.
                if isinstance(exc, StaffingError):
                    exc.add_note(f"while forecasting queue {queue!r}")
                    raise
                raise StaffingError(f"reforecast failed: queue {queue!r}: {type(exc).__name__}: {exc}") from exc
            log.error("queue %s: forecast failed, skipped: %s", queue, exc)
            return QueueOutcome(queue, "failed", message=f"{type(exc).__name__}: {exc}", data_cutoff=span["data_cutoff"], horizon_start=span["horizon_start"], horizon_end=span["horizon_end"])
    with clock.stage("write"):
        # The horizon starts at or after the cutoff, so the data cutoff rule never turns
        # a publication into a draft here.
        recorded = record_forecast(
            work,
            values,
            history_end=cutoff,
            interval_minutes=settings.interval_minutes,
            model_name=result.model_name,
            model_params=result.model_params,
            publish=settings.publish,
            queue=queue,
            run_id=run_id,
            input_fingerprint=fingerprint,
            horizon_start=horizon[0],
            horizon_end=horizon[-1] + step,
            now=now,
        )
    version = recorded.versions[0].version
    log.info("queue %s: version %d (%s) for %s..%s", queue, version.version_id, result.model_name, horizon[0], horizon[-1])
    return QueueOutcome(queue, "created", version.version_id, recorded.published, forecast_calls=float(values["calls"].sum()), model_name=result.model_name, data_cutoff=span["data_cutoff"], horizon_start=span["horizon_start"], horizon_end=span["horizon_end"])


def _drift(work: UnitOfWork, queue: str, settings: ReforecastSettings) -> DriftWarning | None:
    last_s = work.last_actual_seconds(queue)
    if last_s is None:
        return None
    zone = work.queue_timezone(queue)
    last = pd.Timestamp(last_s, unit="s")
    # The window is whole local calendar days, computed on wall-clock time (DST-safe).
    last_wall = last.tz_localize("UTC").tz_convert(zone).tz_localize(None) if zone else last
    end_wall = last_wall.normalize() + pd.Timedelta(days=1)
    start_wall = end_wall - pd.Timedelta(days=settings.drift_window_days)
    start, end = (start_wall.tz_localize(zone), end_wall.tz_localize(zone)) if zone else (start_wall, end_wall)
    pairs = work.actual_vs_forecast(queue, start, end)
    if not len(pairs) or float(pairs["actual_calls"].sum()) <= 0:
        return None
    totals = pairs[["abs_error_calls", "actual_calls"]].sum().to_frame().T
    wape = float(wape_from_sums(totals["abs_error_calls"], totals["actual_calls"]).iloc[0])
    if wape <= settings.drift_wape_threshold:
        return None
    return DriftWarning(
        queue=queue,
        window_start=str(start_wall.date()),
        window_end=str((end_wall - pd.Timedelta(days=1)).date()),
        wape=wape,
        threshold=settings.drift_wape_threshold,
        n_intervals=len(pairs),
    )
