"""The forecast store (SQLAlchemy Core; SQLite by default, PostgreSQL for teams).

See :class:`Store`. Tables and time encoding: :mod:`staffing.store.schema`; run lock:
:mod:`staffing.store.lock`; accuracy formulas: :mod:`staffing.store.scoring`.
"""

from staffing.store.engine import (
    DEFAULT_STORE_URL,
    STORE_URL_ENV,
    default_store_url,
    resolve_store_url,
)
from staffing.store.lock import LockHolder, StoreLock
from staffing.store.records import (
    ForecastVersion,
    HistoryConflict,
    ImportResult,
    PlanRecord,
    Publication,
    RunRecord,
)
from staffing.store.schema import SCHEMA_VERSION
from staffing.store.store import (
    FORECAST_COLUMNS,
    HISTORY_COLUMNS,
    INTERVAL_ACCURACY_COLUMNS,
    PUBLISHED_COLUMNS,
    Store,
)

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
    "RunRecord",
    "Store",
    "StoreLock",
    "default_store_url",
    "resolve_store_url",
]
