"""The YAML configuration of a site: one validated model for every command.

A config names the site and time zone, the planning interval, where the history and
the agents come from, the forecast settings, the service targets of each queue, the
roster rules, and the settings of ``plan`` and the nightly ``reforecast``. Every
section forbids unknown keys, so a typo is reported with its dotted key and the file
(see :func:`staffing.io.config.load_config`). Relative paths are relative to the
config file's folder.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from staffing.forecast.settings import WEEKDAYS, ForecastSettings
from staffing.planning.nightly import ReforecastSettings
from staffing.queueing.requirements import ServiceTargets
from staffing.roster.config import RosterRules
from staffing.tables import divides_day

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_zone(value: str | None) -> str | None:
    if value is not None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. Europe/London)") from None
    return value


class SiteConfig(_Strict):
    """The contact centre: a display name and its IANA time zone (``None``: naive local time)."""

    name: str = Field(default="Contact centre", min_length=1, max_length=120)
    timezone: str | None = None

    _zone = field_validator("timezone")(_check_zone)


class StoreConfig(_Strict):
    """Where forecast versions, history, plans and runs are kept.

    ``url`` is an SQLAlchemy URL (``sqlite:///forecasts/staffing.db``,
    ``postgresql+psycopg://user@host/db``); ``None`` means ``$STAFFING_STORE_URL``, else
    ``sqlite:///forecasts/staffing.db`` under the working directory.
    """

    url: str | None = None


class HistoryConfig(_Strict):
    """The interval history export (CSV or Parquet).

    ``columns`` maps canonical names to the file's (``{interval_start: timestamp,
    offered: calls}``); ``queue`` names the queue of a file without a queue column.
    """

    path: Path
    columns: dict[str, str] = Field(default_factory=dict)
    queue: str | None = None


class QueueConfig(_Strict):
    """One queue and its service targets."""

    name: str = Field(default="default", min_length=1, max_length=80)
    targets: ServiceTargets = Field(default_factory=lambda: ServiceTargets())


class PlanConfig(_Strict):
    """Settings of ``staffing plan``.

    Attributes
    ----------
    week_starts_on
        Weekday a planning week starts on.
    time_limit_seconds
        Wall-clock budget of the roster optimiser.
    solver
        ``highs`` (HiGHS through highspy) or ``cbc``.
    publish_forecast
        Publish the forecast version the plan used (accuracy is later judged against it).
    simulation_replications
        Replications of the discrete-event simulation of the rostered week against its
        own forecast (0: Erlang projection only).
    peak_quantile
        Intervals whose requirement is at or above this quantile of the week count as
        peak intervals in the summary.
    uncertainty
        What the roster's service curves (used when ``roster.objective_mode`` is not
        ``coverage``) average over: ``forecast``, the forecast's own negative-binomial
        distribution of the calls (the calibrated dispersion behind the prediction
        intervals); ``none``, the point forecast as if it were certain.
    risk_level
        Optional probability in (0, 1): build the service curves at this quantile of the
        calls' arrival rate instead of the expectation over it (``0.8``: plan for an
        interval busier than 4 in 5 of its forecast outcomes). Needs ``uncertainty:
        forecast`` to differ from the point forecast.
    """

    week_starts_on: Weekday = "monday"
    time_limit_seconds: float = Field(default=60.0, gt=0, le=24 * 3600)
    solver: Literal["highs", "cbc"] = "highs"
    publish_forecast: bool = True
    simulation_replications: int = Field(default=0, ge=0, le=1000)
    peak_quantile: float = Field(default=0.8, ge=0, lt=1)
    uncertainty: Literal["none", "forecast"] = "forecast"
    risk_level: float | None = Field(default=None, gt=0, lt=1)


class Config(_Strict):
    """A whole site configuration (the YAML file), validated once.

    ``forecast`` takes every :class:`~staffing.forecast.settings.ForecastSettings` key
    except ``interval_minutes``, which is the top-level ``interval_minutes``.
    """

    version: Literal[1] = 1
    site: SiteConfig = Field(default_factory=SiteConfig)
    interval_minutes: int = Field(default=15, gt=0, le=1440)
    store: StoreConfig = Field(default_factory=StoreConfig)
    history: HistoryConfig
    queues: list[QueueConfig] = Field(default_factory=lambda: [QueueConfig()], min_length=1)
    forecast: ForecastSettings = Field(default_factory=ForecastSettings)
    agents: Path
    roster: RosterRules = Field(default_factory=RosterRules)
    plan: PlanConfig = Field(default_factory=PlanConfig)
    reforecast: ReforecastSettings = Field(default_factory=ReforecastSettings)

    _divides_day = field_validator("interval_minutes")(divides_day)

    @model_validator(mode="before")
    @classmethod
    def _forecast_interval(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("forecast"), dict):
            if "interval_minutes" in data["forecast"]:
                raise ValueError("forecast.interval_minutes: set the top-level interval_minutes instead")
            minutes = data.get("interval_minutes", 15)
            data = {**data, "forecast": {**data["forecast"], "interval_minutes": minutes}}
        elif isinstance(data, dict) and "forecast" not in data:
            data = {**data, "forecast": {"interval_minutes": data.get("interval_minutes", 15)}}
        return data

    @model_validator(mode="before")
    @classmethod
    def _reforecast_site_keys(cls, data: Any) -> Any:
        # ``reforecast:`` is the library's ReforecastSettings; its interval and model are
        # the site's, so writing them in the section would silently disagree with them.
        section = data.get("reforecast") if isinstance(data, dict) else None
        if isinstance(section, dict):
            homes = {"interval_minutes": "the top-level interval_minutes", "model": "the forecast: section"}
            for key, home in homes.items():
                if key in section:
                    raise ValueError(f"reforecast.{key}: set {home} instead")
        return data

    @model_validator(mode="after")
    def _queues_unique(self) -> Config:
        names = [q.name for q in self.queues]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"queue names must be unique, repeated: {dupes}")
        return self

    def with_base(self, base: Path) -> Config:
        """The same config with relative paths made relative to ``base`` (the config's folder)."""

        def fix(path: Path | None) -> Path | None:
            return path if path is None or path.is_absolute() else base / path

        history = self.history.model_copy(update={"path": fix(self.history.path)})
        reforecast = self.reforecast.model_copy(
            update={"actuals": fix(self.reforecast.actuals), "summary_path": fix(self.reforecast.summary_path)}
        )
        return self.model_copy(update={"history": history, "agents": fix(self.agents), "reforecast": reforecast})

    def queue(self, name: str) -> QueueConfig:
        """The queue called ``name``; the first queue's targets when it is not listed."""
        for q in self.queues:
            if q.name == name:
                return q
        return self.queues[0]

    @property
    def actuals_path(self) -> Path:
        """The file the nightly reforecast imports."""
        return self.reforecast.actuals or self.history.path


def first_week_start(last_history_day: dt.date, week_starts_on: str) -> dt.date:
    """The first whole planning week after the history ends (the next ``week_starts_on``)."""
    target = WEEKDAYS.index(week_starts_on)
    day = last_history_day + dt.timedelta(days=1)
    return day + dt.timedelta(days=(target - day.weekday()) % 7)
