"""Tables of the forecast store (SQLAlchemy Core, portable to SQLite and PostgreSQL).

Times of intervals are stored as ``BIGINT`` seconds since 1970-01-01 (``*_s`` columns):
the wall-clock time for queues whose history is naive local time, the UTC instant for
queues whose history is timezone-aware (the zone is kept in ``queues.timezone``).
Integers keep bulk inserts and range scans fast and mean the same on every backend.
Audit times (``created_at``, ``published_at``, ...) are naive UTC ``DATETIME``.

Immutability of forecast versions, their values and publications is enforced by
triggers (SQLite and PostgreSQL dialects), not only by the Python API.
"""

from __future__ import annotations

import sqlalchemy as sa

#: Bumped on every incompatible schema change; stored in ``meta``.
SCHEMA_VERSION = 1

metadata = sa.MetaData()

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

queues = sa.Table(
    "queues",
    metadata,
    sa.Column("queue", sa.String(200), primary_key=True),
    # NULL: naive local times; else an IANA zone name (or "UTC") the stored instants are shown in.
    sa.Column("timezone", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(36), primary_key=True),
    sa.Column("command", sa.String(64), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("summary_json", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.CheckConstraint("status IN ('running', 'ok', 'failed')", name="ck_runs_status"),
)

history = sa.Table(
    "history",
    metadata,
    sa.Column("queue", sa.String(200), sa.ForeignKey("queues.queue"), primary_key=True),
    sa.Column("interval_start_s", sa.BigInteger, primary_key=True),
    sa.Column("offered", sa.Float, nullable=False),
    sa.Column("answered", sa.Float, nullable=True),
    sa.Column("abandoned", sa.Float, nullable=True),
    sa.Column("aht_seconds", sa.Float, nullable=True),
    sa.Column("handle_time_sum_seconds", sa.Float, nullable=True),
    sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
    sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.run_id"), nullable=True),
)

history_revisions = sa.Table(
    "history_revisions",
    metadata,
    sa.Column("queue", sa.String(200), primary_key=True),
    sa.Column("interval_start_s", sa.BigInteger, primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("offered", sa.Float, nullable=False),
    sa.Column("answered", sa.Float, nullable=True),
    sa.Column("abandoned", sa.Float, nullable=True),
    sa.Column("aht_seconds", sa.Float, nullable=True),
    sa.Column("handle_time_sum_seconds", sa.Float, nullable=True),
    sa.Column("superseded_at", sa.DateTime, nullable=False),
    sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.run_id"), nullable=True),
)

forecast_versions = sa.Table(
    "forecast_versions",
    metadata,
    sa.Column("version_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.run_id"), nullable=True),
    sa.Column("queue", sa.String(200), sa.ForeignKey("queues.queue"), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("data_cutoff_s", sa.BigInteger, nullable=False),
    sa.Column("horizon_start_s", sa.BigInteger, nullable=False),
    sa.Column("horizon_end_s", sa.BigInteger, nullable=False),
    sa.Column("interval_minutes", sa.Integer, nullable=False),
    sa.Column("n_intervals", sa.Integer, nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("model_params_json", sa.Text, nullable=False),
    sa.Column("code_version", sa.String(64), nullable=False),
    sa.Column("input_fingerprint", sa.String(64), nullable=True),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'published')", name="ck_versions_status"),
    sa.CheckConstraint("horizon_end_s > horizon_start_s", name="ck_versions_horizon"),
    sa.Index("ix_versions_queue_fingerprint", "queue", "input_fingerprint"),
)

forecast_values = sa.Table(
    "forecast_values",
    metadata,
    sa.Column(
        "version_id", sa.Integer, sa.ForeignKey("forecast_versions.version_id"), primary_key=True
    ),
    sa.Column("interval_start_s", sa.BigInteger, primary_key=True),
    sa.Column("calls", sa.Float, nullable=False),
    sa.Column("lower80", sa.Float, nullable=True),
    sa.Column("upper80", sa.Float, nullable=True),
    sa.Column("lower95", sa.Float, nullable=True),
    sa.Column("upper95", sa.Float, nullable=True),
    sa.Column("aht_seconds", sa.Float, nullable=True),
)

publications = sa.Table(
    "publications",
    metadata,
    sa.Column("publication_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "version_id", sa.Integer, sa.ForeignKey("forecast_versions.version_id"), nullable=False
    ),
    sa.Column("queue", sa.String(200), sa.ForeignKey("queues.queue"), nullable=False),
    sa.Column("published_at", sa.DateTime, nullable=False),
    # The version is in force for intervals in [effective_from_s, effective_to_s) unless a
    # later publication covers them; it never covers intervals whose actuals were known.
    sa.Column("effective_from_s", sa.BigInteger, nullable=False),
    sa.Column("effective_to_s", sa.BigInteger, nullable=False),
    sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.run_id"), nullable=True),
    sa.CheckConstraint("effective_to_s > effective_from_s", name="ck_publications_range"),
    sa.Index("ix_publications_queue", "queue", "publication_id"),
)

accuracy = sa.Table(
    "accuracy",
    metadata,
    sa.Column(
        "version_id", sa.Integer, sa.ForeignKey("forecast_versions.version_id"), primary_key=True
    ),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("queue", sa.String(200), nullable=False),
    sa.Column("horizon_days", sa.Integer, nullable=False),
    sa.Column("n_intervals", sa.Integer, nullable=False),
    sa.Column("in_force_intervals", sa.Integer, nullable=False),
    sa.Column("forecast_calls", sa.Float, nullable=False),
    sa.Column("actual_calls", sa.Float, nullable=False),
    sa.Column("abs_error_calls", sa.Float, nullable=False),
    sa.Column("wape", sa.Float, nullable=True),
    sa.Column("bias", sa.Float, nullable=True),
    sa.Column("scored_at", sa.DateTime, nullable=False),
    sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.run_id"), nullable=True),
)

plans = sa.Table(
    "plans",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=True),
    sa.Column("metadata_json", sa.Text, nullable=False),
    sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.run_id"), nullable=True),
)

plan_requirements = sa.Table(
    "plan_requirements",
    metadata,
    sa.Column("plan_id", sa.String(100), sa.ForeignKey("plans.plan_id"), primary_key=True),
    sa.Column("queue", sa.String(200), primary_key=True),
    sa.Column("interval_start_s", sa.BigInteger, primary_key=True),
    sa.Column("calls", sa.Float, nullable=False),
    sa.Column("aht_seconds", sa.Float, nullable=False),
    sa.Column("load_erlangs", sa.Float, nullable=True),
    sa.Column("agents", sa.Float, nullable=False),
    sa.Column("service_level", sa.Float, nullable=True),
    sa.Column("asa_seconds", sa.Float, nullable=True),
    sa.Column("occupancy", sa.Float, nullable=True),
    sa.Column("prob_abandon", sa.Float, nullable=True),
)

plan_roster = sa.Table(
    "plan_roster",
    metadata,
    sa.Column("plan_id", sa.String(100), sa.ForeignKey("plans.plan_id"), primary_key=True),
    sa.Column("row_number", sa.Integer, primary_key=True),
    sa.Column("agent_id", sa.String(200), nullable=False),
    sa.Column("shift_start_s", sa.BigInteger, nullable=False),
    sa.Column("shift_end_s", sa.BigInteger, nullable=False),
    sa.Column("paid_minutes", sa.Float, nullable=False),
    sa.Column("breaks", sa.Text, nullable=False),
)

locks = sa.Table(
    "locks",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("run_id", sa.String(36), nullable=True),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("acquired_at", sa.DateTime, nullable=False),
    sa.Column("heartbeat_at", sa.DateTime, nullable=False),
)

_VERSION_FIXED = [c.name for c in forecast_versions.columns if c.name != "status"]

# Immutability guards. The one allowed change is a version's status draft -> published.
_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} rows are immutable'); END"""
    for table in ("forecast_values", "publications")
    for op in ("UPDATE", "DELETE")
] + [
    """CREATE TRIGGER IF NOT EXISTS forecast_versions_no_delete BEFORE DELETE ON forecast_versions
       BEGIN SELECT RAISE(ABORT, 'forecast_versions rows are immutable'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS forecast_versions_fixed BEFORE UPDATE OF
        {", ".join(_VERSION_FIXED)} ON forecast_versions
        BEGIN SELECT RAISE(ABORT, 'forecast_versions rows are immutable'); END""",
    """CREATE TRIGGER IF NOT EXISTS forecast_versions_status BEFORE UPDATE OF status
       ON forecast_versions WHEN NOT (OLD.status = 'draft' AND NEW.status = 'published')
       BEGIN SELECT RAISE(ABORT, 'a forecast version status only goes draft -> published'); END""",
]

_PG_FIXED_OLD = ", ".join(f"OLD.{c}" for c in _VERSION_FIXED)
_PG_FIXED_NEW = ", ".join(f"NEW.{c}" for c in _VERSION_FIXED)
_POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION staffing_immutable() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME; END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION staffing_version_guard() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'forecast_versions rows are immutable'; END IF;
         IF ROW({_PG_FIXED_NEW}) IS DISTINCT FROM ROW({_PG_FIXED_OLD})
         THEN RAISE EXCEPTION 'forecast_versions rows are immutable'; END IF;
         -- Same message as SQLite's forecast_versions_status trigger.
         IF NOT (NEW.status = OLD.status OR (OLD.status = 'draft' AND NEW.status = 'published'))
         THEN RAISE EXCEPTION 'a forecast version status only goes draft -> published'; END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE TRIGGER forecast_values_immutable BEFORE UPDATE OR DELETE ON forecast_values
       FOR EACH ROW EXECUTE FUNCTION staffing_immutable()""",
    """CREATE OR REPLACE TRIGGER publications_immutable BEFORE UPDATE OR DELETE ON publications
       FOR EACH ROW EXECUTE FUNCTION staffing_immutable()""",
    """CREATE OR REPLACE TRIGGER forecast_versions_guard BEFORE UPDATE OR DELETE ON forecast_versions
       FOR EACH ROW EXECUTE FUNCTION staffing_version_guard()""",
]


def trigger_statements(dialect: str) -> list[str]:
    """The immutability trigger DDL for ``dialect`` (``sqlite`` or ``postgresql``; else none)."""
    if dialect == "sqlite":
        return _SQLITE_TRIGGERS
    if dialect == "postgresql":
        return _POSTGRES_TRIGGERS
    return []
