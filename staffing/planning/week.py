"""The weekly plan: forecast -> requirements -> roster -> projected service.

:func:`run_plan` is the library behind ``staffing plan``: it takes an already-loaded
history table and agent contracts (I/O stays in :mod:`staffing.io` and the CLI) and
returns the :class:`~staffing.planning.model.Plan` (written by :func:`staffing.io.plan.write_plan`).

Projected service
-----------------
The roster's scheduled head count per interval is turned into agents on the phones,
``on_phone = scheduled * (1 - shrinkage)`` (the expected number available after breaks,
training and absence; fractional, evaluated with the continuous extension of Erlang B),
and fed back into the queue's Erlang model with the forecast load. With several queues
the head count is shared in proportion to each queue's requirement in that interval
(agents are assumed to take every queue's calls). A day's service level is the
fraction of that day's forecast calls answered within the target time, i.e. the
call-weighted mean of the interval service levels; likewise ASA and abandonment.

Service curves
--------------
When the roster maximises service (``roster.objective_mode`` other than ``coverage``) it
gets, per interval, the concave piecewise-linear expected calls answered within target
as a function of scheduled head count (:func:`service_curves`, built with
:func:`staffing.queueing.service_curve.service_curve`), averaged over the forecast's own
negative-binomial distribution (``plan.uncertainty: forecast``) or at a quantile of the
arrival rate (``plan.risk_level``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from staffing import __version__
from staffing.config import Config, first_week_start
from staffing.errors import InvalidArgumentError
from staffing.forecast import forecast
from staffing.forecast.api import ForecastOutput
from staffing.forecast.intervals import Dispersion
from staffing.planning.model import DAY_COLUMNS, Plan, PlanMeta, RosterFigures
from staffing.queueing.requirements import ServiceTargets, interval_requirements, service_figures
from staffing.queueing.service_curve import service_curve
from staffing.roster import build_roster
from staffing.roster.service import ServiceCurves
from staffing.roster.summary import roster_summary
from staffing.roster.types import AgentContract
from staffing.tables import COVERAGE_COLUMNS, to_wall_with_offset

Progress = Callable[[str], None]

def default_week_start(history: pd.DataFrame, config: Config) -> dt.date:
    """The first whole planning week after the last history interval."""
    last = pd.Timestamp(history["interval_start"].max())
    return first_week_start(last.date(), config.plan.week_starts_on)


def _local(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``interval_start`` as naive local wall time and, for a zoned site, its
    UTC offset (so the repeated autumn hour stays two distinct intervals)."""
    return to_wall_with_offset(frame)


def _wall(values: pd.Series) -> pd.Series:
    return values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values


def week_requirements(forecast_frame: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Requirements of every queue of the forecast with that queue's targets."""
    if "queue" not in forecast_frame.columns:
        return interval_requirements(forecast_frame, config.queues[0].targets, config.interval_minutes)
    parts = []
    for name, part in forecast_frame.groupby("queue", sort=True):
        req = interval_requirements(part.reset_index(drop=True), config.queue(str(name)).targets,
                                    config.interval_minutes)
        parts.append(req)
    return pd.concat(parts, ignore_index=True)


def roster_requirement(requirements: pd.DataFrame) -> pd.DataFrame:
    """Head count the roster must cover: the sum over queues, on naive local wall time."""
    frame = pd.DataFrame({"interval_start": _wall(requirements["interval_start"]), "agents": requirements["agents"]})
    # On a fall-back night a wall time occurs twice; the roster grid has it once.
    return frame.groupby("interval_start", sort=True)["agents"].sum().reset_index()


def service_curves(
    forecast_frame: pd.DataFrame,
    targets: ServiceTargets | Callable[[str], ServiceTargets],
    interval_minutes: int,
    dispersion: Dispersion | Mapping[str, Dispersion] | None = None,
    *,
    risk_level: float | None = None,
) -> ServiceCurves:
    """The week's service curves for the roster, on the roster's intervals.

    Parameters
    ----------
    forecast_frame
        The forecast table (``interval_start``, ``calls``, ``aht_seconds``, optional
        ``queue``).
    targets
        The targets, or the targets of a queue by name (``lambda q: config.queue(q).targets``).
    interval_minutes
        The plan's interval.
    dispersion
        The forecast's calibrated dispersion (one for all queues, or per queue name, as in
        :attr:`ForecastOutput.queues`); ``None``: the forecast is taken as certain.
    risk_level
        ``None``: expected service over the arrival rate; a probability ``q``: service at
        the rate's ``q`` quantile (see :func:`~staffing.queueing.service_curve.service_curve`).

    Returns
    -------
    ServiceCurves
        One row per naive local wall-time interval, sorted, like :func:`roster_requirement`
        (a fall-back hour that occurs twice is one interval with the calls of both).

    Notes
    -----
    The arrival rate of an interval is ``Gamma(1/alpha, alpha mu)`` with ``alpha`` the
    dispersion of the 80% prediction interval (the bulk of the distribution, which the
    expectation weighs most; :mod:`staffing.forecast.intervals`).

    Several queues share the scheduled head count (as in :func:`project_service`, every
    agent takes every queue's calls), so the curve is that of the *pooled* queue: the
    summed calls, the call-weighted AHT and shrinkage, and the answer time, model and
    patience of the queue with the most calls in the week; the curve's ``target_sl``
    is the call-weighted mean of the queues' targets (the global service level that meets
    each on average). Pooling heterogeneous queues into one M/M/n is optimistic (it
    ignores that a call waits for an agent of its own skill and the queues' different
    AHT distributions); the multi-skill curve is a later issue. The pooled rate's
    relative error assumes the queues' forecast errors move together (comonotone:
    ``sqrt(alpha) mu = sum_q sqrt(alpha_q) mu_q``), the cautious choice, as a day-level
    surprise (weather, an outage, a mailing) usually hits every queue.
    """
    frame = forecast_frame if "queue" in forecast_frame.columns else forecast_frame.assign(queue="")
    names = frame["queue"].astype(str)
    single = "queue" not in forecast_frame.columns

    def targets_of(name: str) -> ServiceTargets:
        return targets if isinstance(targets, ServiceTargets) else targets(name)

    def alpha_of(name: str) -> float:
        if dispersion is None:
            return 0.0
        if isinstance(dispersion, Dispersion):
            return float(dispersion.alpha80)
        if single and len(dispersion) == 1:
            return float(next(iter(dispersion.values())).alpha80)
        found = dispersion.get(name)
        return float(found.alpha80) if found is not None else 0.0

    queue_targets = {q: targets_of(q) for q in names.unique()}
    calls = frame["calls"].to_numpy(dtype=float)
    aht = frame["aht_seconds"].to_numpy(dtype=float)
    aht = np.where(aht > 0, aht, 1.0)  # NaN only on closed intervals or without handle time
    rows = pd.DataFrame({
        "wall": _wall(frame["interval_start"]).to_numpy(),
        "calls": calls,
        "work": calls * aht,
        "sd": np.sqrt(names.map(alpha_of).to_numpy(dtype=float)) * calls,
        "shrink_w": calls * names.map(lambda q: queue_targets[q].shrinkage).to_numpy(dtype=float),
        "shrink": names.map(lambda q: queue_targets[q].shrinkage).to_numpy(dtype=float),
        "target_w": calls * names.map(lambda q: queue_targets[q].target_sl).to_numpy(dtype=float),
    })
    per = rows.groupby("wall", sort=True).agg(
        calls=("calls", "sum"), work=("work", "sum"), sd=("sd", "sum"), shrink_w=("shrink_w", "sum"),
        shrink=("shrink", "mean"), target_w=("target_w", "sum"))
    mu = per["calls"].to_numpy(dtype=float)
    busy = mu > 0
    safe = np.where(busy, mu, 1.0)
    pooled_aht = np.where(busy, per["work"].to_numpy() / safe, 1.0)
    alpha = np.where(busy, (per["sd"].to_numpy() / safe) ** 2, 0.0)
    shrinkage = np.where(busy, per["shrink_w"].to_numpy() / safe, per["shrink"].to_numpy())
    weekly = rows.assign(queue=names.to_numpy()).groupby("queue")["calls"].sum()
    main = queue_targets[str(weekly.idxmax())] if len(weekly) else targets_of("")
    total = float(mu.sum())
    levels = {t.target_sl for t in queue_targets.values()}
    if len(levels) == 1 or total <= 0:
        target_sl = levels.pop() if len(levels) == 1 else main.target_sl
    else:
        target_sl = float(per["target_w"].sum() / total)
    curve = service_curve(mu, pooled_aht, main.answer_seconds, interval_minutes, main.model,
                          main.patience_seconds, shrinkage=shrinkage, dispersion_alpha=alpha,
                          risk_level=risk_level)
    return ServiceCurves(
        interval_starts=pd.DatetimeIndex(per.index),
        interval_minutes=int(interval_minutes),
        agents=curve.agents_head,
        answered=curve.answered,
        calls=curve.calls,
        target_sl=target_sl,
    )


def plan_service_curves(output: ForecastOutput, config: Config) -> ServiceCurves:
    """:func:`service_curves` of a forecast under the config's ``plan.uncertainty`` and ``plan.risk_level``."""
    dispersion = ({q.queue: q.dispersion for q in output.queues} if config.plan.uncertainty == "forecast"
                  else None)
    return service_curves(output.frame, lambda q: config.queue(q).targets, config.interval_minutes,
                          dispersion, risk_level=config.plan.risk_level)


def project_service(
    requirements: pd.DataFrame,
    coverage: pd.DataFrame,
    targets_of: Callable[[str], ServiceTargets],
    interval_minutes: int,
) -> pd.DataFrame:
    """Service each queue gets from the rostered head count (see module Notes)."""
    req = requirements.copy()
    if "queue" not in req.columns:
        req.insert(0, "queue", "default")
    req["wall"] = _wall(req["interval_start"])
    scheduled = coverage.assign(wall=_wall(coverage["interval_start"]))[["wall", "scheduled"]]
    scheduled = scheduled.groupby("wall")["scheduled"].mean().reset_index()
    merged = req.merge(scheduled, on="wall", how="left")
    merged["scheduled"] = merged["scheduled"].fillna(0.0)
    total = merged.groupby("wall")["agents"].transform("sum").to_numpy(dtype=float)
    n_queues = merged.groupby("wall")["agents"].transform("size").to_numpy(dtype=float)
    need = merged["agents"].to_numpy(dtype=float)
    share = np.where(total > 0, need / np.where(total > 0, total, 1.0), 1.0 / n_queues)
    frames = []
    for name, part in merged.assign(share=share).groupby("queue", sort=True):
        t = targets_of(str(name))
        on_phone = part["scheduled"].to_numpy(dtype=float) * part["share"].to_numpy() * (1.0 - t.shrinkage)
        load = part["load_erlangs"].to_numpy(dtype=float)
        aht = np.where(part["aht_seconds"].to_numpy(dtype=float) > 0, part["aht_seconds"].to_numpy(dtype=float), 1.0)
        sl, asa, ab = service_figures(t, on_phone, load, aht)
        frames.append(pd.DataFrame({
            "queue": str(name),
            "interval_start": part["interval_start"].to_numpy(),
            "calls": part["calls"].to_numpy(dtype=float),
            "required": part["agents"].to_numpy(dtype=float),
            "scheduled": part["scheduled"].to_numpy(dtype=float) * part["share"].to_numpy(),
            "on_phone": on_phone,
            "service_level": np.broadcast_to(sl, load.shape),
            "asa_seconds": np.broadcast_to(asa, load.shape),
            "prob_abandon": np.broadcast_to(ab, load.shape),
        }))
    out = pd.concat(frames, ignore_index=True)
    out["interval_start"] = pd.concat(
        [part["interval_start"] for _, part in merged.groupby("queue", sort=True)], ignore_index=True
    )
    return out


def coverage_at(coverage: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    """The roster's coverage on the plan's intervals.

    The roster works on a grid as fine as its start granularity (15 minutes for a
    30-minute plan with quarter-hour starts). Each plan interval takes the *mean* of its
    grid rows for every column, so agent-hours (mean agents x interval hours) are exactly
    those of the finer grid, and ``required`` (constant within a plan interval) is kept.
    """
    if coverage.empty:
        return coverage
    starts = _wall(coverage["interval_start"])
    step = (starts.iloc[1] - starts.iloc[0]) if len(starts) > 1 else pd.Timedelta(minutes=interval_minutes)
    if step >= pd.Timedelta(minutes=interval_minutes):
        return coverage
    frame = coverage.assign(interval_start=starts.dt.floor(f"{interval_minutes}min"))
    columns = [c for c in COVERAGE_COLUMNS if c != "interval_start"]
    return frame.groupby("interval_start", sort=True)[columns].mean().reset_index()


def _weighted(values: pd.Series, weights: pd.Series) -> float:
    """Weighted mean over the finite values (NaN when no weight is left)."""
    w = weights.to_numpy(dtype=float)
    v = values.to_numpy(dtype=float)
    keep = np.isfinite(v) & (w > 0)
    if w[keep].sum() <= 0:
        return float("nan")
    return float((v[keep] * w[keep]).sum() / w[keep].sum())


def day_table(
    service: pd.DataFrame, coverage: pd.DataFrame, interval_minutes: int, peak_quantile: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-day projection and the under-staffed peak intervals (see :class:`~staffing.planning.model.Plan`)."""
    hours = interval_minutes / 60.0
    cov = coverage.copy()
    threshold = float(np.quantile(cov["required"].to_numpy(dtype=float), peak_quantile)) if len(cov) else 0.0
    cov["peak"] = (cov["required"] >= threshold) & (cov["required"] > 0)
    cov["date"] = _wall(cov["interval_start"]).dt.date
    svc = service.assign(date=_wall(service["interval_start"]).dt.date)
    rows = []
    for day, part in cov.groupby("date", sort=True):
        s = svc[svc["date"] == day]
        rows.append({
            "date": day,
            "calls": float(s["calls"].sum()),
            "required_agent_hours": float(part["required"].sum() * hours),
            "scheduled_agent_hours": float(part["scheduled"].sum() * hours),
            "under_agent_hours": float(part["under"].sum() * hours),
            "over_agent_hours": float(part["over"].sum() * hours),
            "peak_under_agent_hours": float(part.loc[part["peak"], "under"].sum() * hours),
            "service_level": _weighted(s["service_level"], s["calls"]),
            "asa_seconds": _weighted(s["asa_seconds"], s["calls"]),
            "prob_abandon": _weighted(s["prob_abandon"], s["calls"]) if s["prob_abandon"].notna().any() else np.nan,
            "overloaded_intervals": int(((s["calls"] > 0) & np.isinf(s["asa_seconds"])).sum()),
        })
    days = pd.DataFrame(rows, columns=list(DAY_COLUMNS))
    sl = svc.groupby(_wall(svc["interval_start"]))["service_level"].min()
    misses = cov[cov["peak"] & (cov["under"] > 1e-9)].copy()
    misses["service_level"] = _wall(misses["interval_start"]).map(sl).to_numpy()
    misses = misses[["interval_start", "required", "scheduled", "under", "service_level"]].reset_index(drop=True)
    return days, misses


def run_plan(
    config: Config,
    history: pd.DataFrame,
    agents: list[AgentContract],
    *,
    week_start: dt.date | None = None,
    previous_roster: pd.DataFrame | None = None,
    time_limit_seconds: float | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Forecast, size and roster one week.

    Parameters
    ----------
    config
        The validated site config.
    history
        Canonical history (at the config's interval or finer; rows at or after the week
        start are ignored by the forecast).
    agents
        Agent contracts.
    week_start
        First day of the week; default :func:`default_week_start`.
    previous_roster
        Last week's roster, so rest and consecutive-day rules carry over.
    time_limit_seconds
        Roster budget; default ``config.plan.time_limit_seconds``.
    progress
        Called with a short message at each step.

    Returns
    -------
    Plan
        The plan in memory (not yet simulated: see :func:`simulate_plan`).
    """
    say = progress or (lambda _message: None)
    start = week_start or default_week_start(history, config)
    if previous_roster is not None:
        check_previous_roster(previous_roster, agents, start)
    say(f"forecasting the week of {start:%a %d %b %Y}")
    output: ForecastOutput = forecast(history, start, 7, config.forecast)
    frame = output.frame
    say("computing requirements")
    requirements = week_requirements(frame, config)
    curves = None
    if config.roster.objective_mode != "coverage":
        say("building service curves")
        curves = plan_service_curves(output, config)
    say("rostering")
    result = build_roster(
        roster_requirement(requirements),
        agents,
        config.roster,
        pd.Timestamp(start),
        previous_roster=previous_roster,
        solver=config.plan.solver,
        time_limit=time_limit_seconds or config.plan.time_limit_seconds,
        progress=say,
        interval_minutes=config.interval_minutes,
        service=curves,
    )
    say("projecting service")
    coverage = coverage_at(result.coverage, config.interval_minutes)
    service = project_service(requirements, coverage, lambda q: config.queue(q).targets, config.interval_minutes)
    days, misses = day_table(service, coverage, config.interval_minutes, config.plan.peak_quantile)
    meta = PlanMeta(
        week_start=start,
        interval_minutes=config.interval_minutes,
        timezone=config.site.timezone,
        queue_targets={q.name: q.targets for q in config.queues},
        site=config.site.name,
        forecast_model=output.model,
        code_version=__version__,
        roster=RosterFigures(status=result.status.value, gap=round(result.gap, 6),
                             lower_bound=round(result.lower_bound, 4),
                             coverage_objective=round(result.coverage_objective, 4)),
    )
    # The plan model holds naive local wall time (as its files do), so a plan simulated in
    # memory lines its forecast up with the roster's coverage exactly as one read from disk.
    return Plan(meta=meta, roster=result.roster, coverage=coverage, agents=result.agents,
                summary=roster_summary(result), forecast=_local(frame), requirements=_local(requirements),
                service=_local(service),
                days=days, peak_misses=misses, roster_result=result)


STRETCH_COLUMNS: tuple[str, ...] = (
    "start", "end", "intervals", "max_short_agents", "short_agent_hours", "calls", "service_level",
)
"""Columns of :func:`understaffed_stretches`."""


def understaffed_stretches(plan: Plan) -> pd.DataFrame:
    """Every run of consecutive under-staffed intervals of the plan, worst first.

    An interval is under-staffed when its scheduled head count is below its requirement
    (``under > 0``), at any time of day, peak or not. A stretch is a maximal run of such
    intervals on the plan's grid; ``end`` is the end of its last interval.

    Returns
    -------
    pandas.DataFrame
        :data:`STRETCH_COLUMNS`: ``max_short_agents`` (the largest shortfall),
        ``short_agent_hours`` (shortfall x interval hours, summed), forecast ``calls`` and
        the call-weighted projected ``service_level`` over the stretch (NaN without calls);
        sorted by ``short_agent_hours`` descending, then by start.
    """
    step = pd.Timedelta(minutes=plan.interval_minutes)
    cov = plan.coverage.assign(wall=_wall(plan.coverage["interval_start"])).sort_values("wall")
    short = cov[cov["under"] > 1e-9]
    if short.empty:
        return pd.DataFrame(columns=list(STRETCH_COLUMNS))
    run_id = (short["wall"].diff() != step).cumsum()
    service = plan.service if plan.service is not None else pd.DataFrame(
        columns=["interval_start", "calls", "service_level"])
    svc = service.assign(wall=_wall(service["interval_start"])) if len(service) else service.assign(wall=[])
    rows = []
    for _, part in short.groupby(run_id, sort=True):
        inside = svc[(svc["wall"] >= part["wall"].iloc[0]) & (svc["wall"] <= part["wall"].iloc[-1])]
        calls = float(inside["calls"].sum()) if len(inside) else 0.0
        rows.append({
            "start": part["wall"].iloc[0],
            "end": part["wall"].iloc[-1] + step,
            "intervals": len(part),
            "max_short_agents": float(part["under"].max()),
            "short_agent_hours": float(part["under"].sum() * plan.interval_minutes / 60.0),
            "calls": calls,
            "service_level": _weighted(inside["service_level"], inside["calls"]) if calls > 0 else float("nan"),
        })
    out = pd.DataFrame(rows, columns=list(STRETCH_COLUMNS))
    return out.sort_values(["short_agent_hours", "start"], ascending=[False, True], kind="stable").reset_index(drop=True)


def check_previous_roster(previous: pd.DataFrame, agents: list[AgentContract], week_start: dt.date) -> None:
    """Refuse a "last week's roster" that is not last week's roster of this team.

    Rest and consecutive-day rules carry over from it, so another week's or another
    site's roster would silently bend or block this week. Every shift must start in the
    seven days before ``week_start``, and at least one of its agents must be in the team
    (agents who left since are allowed).

    Raises
    ------
    InvalidArgumentError
        Naming ``previous_roster``, the shifts' dates or the agents, and what was expected.
    """
    if previous.empty:
        return
    start = pd.Timestamp(week_start)
    starts = pd.to_datetime(previous["shift_start"])
    outside = previous[(starts < start - pd.Timedelta(days=7)) | (starts >= start)]
    if len(outside):
        first, last = pd.Timestamp(starts.min()), pd.Timestamp(starts.max())
        raise InvalidArgumentError(
            "previous_roster", f"shifts from {first:%Y-%m-%d} to {last:%Y-%m-%d}",
            f"the roster of the week before {week_start:%Y-%m-%d} (shifts starting "
            f"{start - pd.Timedelta(days=7):%Y-%m-%d} .. {start - pd.Timedelta(days=1):%Y-%m-%d}); "
            f"{len(outside)} shift(s) start outside it")
    team = {a.agent_id for a in agents}
    ids = set(previous["agent_id"].astype(str))
    if not ids & team:
        shown = ", ".join(sorted(ids)[:5])
        raise InvalidArgumentError("previous_roster", f"agents {shown}{', ...' if len(ids) > 5 else ''}",
                                   "a roster of this team (none of its agents is in the agents file)")
