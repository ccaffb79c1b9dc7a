"""The forecast store (SQLAlchemy Core; SQLite by default, PostgreSQL for teams).

See :class:`Store` (a facade over :mod:`~staffing.store.history`,
:mod:`~staffing.store.versions`, :mod:`~staffing.store.accuracy`,
:mod:`~staffing.store.plans` and :mod:`~staffing.store.runs`) and :class:`UnitOfWork`
for several writes in one transaction. Tables and time encoding:
:mod:`staffing.store.schema`; run lock: :mod:`staffing.store.lock`; accuracy formulas:
:mod:`staffing.store.scoring`; storing forecasts as versions: :func:`record_forecast`.
"""

from staffing.store.accuracy import INTERVAL_ACCURACY_COLUMNS
from staffing.store.engine import (
    DEFAULT_STORE_URL,
    STORE_URL_ENV,
    default_store_url,
    resolve_store_url,
)
from staffing.store.history import HISTORY_COLUMNS
from staffing.store.lock import LockHolder, StoreLock
from staffing.store.recording import RecordedForecast, RecordedVersion, record_forecast
from staffing.store.records import (
    ForecastVersion,
    HistoryConflict,
    ImportResult,
    PlanRecord,
    Publication,
    RunRecord,
)
from staffing.store.schema import SCHEMA_VERSION
from staffing.store.store import Store, UnitOfWork
from staffing.store.versions import FORECAST_COLUMNS, PUBLISHED_COLUMNS

__all__ = [
    "DEFAULT_STORE_URL",
    "FORECAST_COLUMNS",
    "HISTORY_COLUMNS",
    "INTERVAL_ACCURACY_COLUMNS",
    "PUBLISHED_COLUMNS",
    "SCHEMA_VERSION",
    "STORE_URL_ENV",
    "ForecastVersion",
    "HistoryConflict",
    "ImportResult",
    "LockHolder",
    "PlanRecord",
    "Publication",
    "RecordedForecast",
    "RecordedVersion",
    "RunRecord",
    "Store",
    "StoreLock",
    "UnitOfWork",
    "default_store_url",
    "record_forecast",
    "resolve_store_url",
]
