"""Evaluate a plan by simulation: what service it gave (or will give), and why it missed.

Attribution
-----------
For every interval four service levels are computed, each one changing a single input
of the previous (a sequential decomposition, so the parts add up exactly):

``S0`` *promised*: the Erlang service level of the requirement (forecast load, the
    required agents on the phones);
``S1`` *model*: the simulation of the week with the forecast load (Poisson arrivals,
    forecast AHT) and the required agents on the phones — queues carry over between
    intervals, handle times follow the chosen distribution, callers may hang up;
``S2`` *roster*: the same with the rostered agents on the phones;
``S3`` *achieved*: the same with the actual calls and AHT (when actuals are given).

``model = S1 - S0`` (what the Erlang formula promised but the queue does not deliver),
``roster = S2 - S1`` (scheduled head count differs from the requirement), ``forecast =
S3 - S2`` (actual volume and handle time differ from the forecast); with ``margin = S0 -
target``, ``achieved - target = margin + model + roster + forecast`` holds exactly for every
interval and, with call-pooled service levels, for every day. An interval is *missed*
when its achieved SL (mean over replications) is below the target.

Agents on the phones: ``round(scheduled x (1 - shrinkage))`` for the roster (scheduled
head count already excludes breaks) and the Erlang requirement before shrinkage for
``S1``. Patience: given, else estimated from the actuals' abandonment (see
:func:`estimate_patience`), else the plan's Erlang A patience, else the simulator's assumed
default (:data:`~staffing.queueing.simulation.DEFAULT_PATIENCE_SECONDS`, source ``"assumed"``).
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from staffing.errors import InvalidArgumentError
from staffing.planning.model import Plan
from staffing.queueing import erlang
from staffing.queueing.requirements import ServiceTargets, service_figures
from staffing.queueing.simulation import (
    AtClose,
    QueueInput,
    ServiceDistribution,
    SimulationResult,
    SimulationSettings,
    simulate,
)
from staffing.tables import infer_table_interval_minutes

PatienceSource = Literal["given", "estimated", "plan", "assumed"]


@dataclass(frozen=True)
class EvaluationSettings:
    """Settings of an evaluation (replications, seed, handle-time distribution, patience, closing).

    ``at_close``: callers waiting when the site closes abandon (``"abandon"``) or wait for
    the next open interval (``"carry"``); see :class:`~staffing.queueing.simulation.SimulationSettings`.
    """

    replications: int = 30
    seed: int = 0
    service: ServiceDistribution = "exponential"
    service_cv: float = 1.0
    patience_seconds: float | None = None
    at_close: AtClose = "abandon"


@dataclass(frozen=True)
class Evaluation:
    """Result of :func:`evaluate_plan`.

    Attributes
    ----------
    intervals
        One row per interval (see ``INTERVAL_COLUMNS`` in the README): loads, staffing,
        ``S0..S3`` service levels, the achieved SL's 90% band, ASA, abandonment,
        occupancy, ``missed`` and the attribution terms.
    days
        The same per day with call-pooled service levels.
    target_sl, answer_seconds
        The plan's service target.
    patience_seconds, patience_source
        The mean patience simulated and where it came from (``"assumed"``: unknown, the
        simulator's default was used).
    achieved_service_level, achieved_band
        Whole period, pooled over calls: mean and 5%-95% over replications
        (``None`` without actuals: then the figures are of the roster against the forecast).
    """

    intervals: pd.DataFrame
    days: pd.DataFrame
    target_sl: float
    answer_seconds: float
    patience_seconds: float
    patience_source: PatienceSource
    replications: int
    achieved_service_level: float | None
    achieved_band: tuple[float, float] | None


def plan_targets(plan: Plan, answer_seconds: float | None = None) -> ServiceTargets:
    """The one service target the pooled simulation judges the plan by.

    The queues of a plan share one pool of agents in the simulation, so their calls are
    judged against one target: the queues' own when they agree on ``target_sl``,
    ``answer_seconds`` and the queueing model, with ``answer_seconds`` overridable.

    Raises
    ------
    InvalidArgumentError
        The plan's queues have different service targets (give ``answer_seconds`` only if
        that is the one difference).
    """
    queues = plan.meta.queue_targets or {"default": plan.meta.targets}
    keys = ("target_sl", "model", "patience_seconds") + (() if answer_seconds is not None else ("answer_seconds",))
    distinct = {tuple(getattr(t, k) for k in keys) for t in queues.values()}
    if len(distinct) > 1:
        listed = "; ".join(f"{q}: {t.target_sl:.0%} in {t.answer_seconds:g} s ({t.model})" for q, t in queues.items())
        raise InvalidArgumentError("plan", listed, "queues that share one service target (the simulation pools them)")
    first = next(iter(queues.values()))
    return first if answer_seconds is None else first.model_copy(update={"answer_seconds": answer_seconds})


def _on_phone_share(plan: Plan, starts: pd.Series) -> np.ndarray:
    """Fraction of the scheduled head count on the phones per interval: ``1 - shrinkage`` of
    each queue, weighted by the queue's share of the requirement (the plan's static split,
    see :func:`staffing.planning.week.project_service`)."""
    req = plan.requirements
    if req is None or "queue" not in req.columns or len(plan.meta.queue_targets) <= 1:
        return np.full(len(starts), 1.0 - plan.meta.targets.shrinkage)
    frame = req[["queue", "interval_start", "agents"]].copy()
    frame["kept"] = [1.0 - plan.meta.targets_of(str(q)).shrinkage for q in frame["queue"]]
    frame["weighted"] = frame["agents"] * frame["kept"]
    by = frame.groupby("interval_start")[["agents", "weighted"]].sum()
    simple = frame.groupby("interval_start")["kept"].mean()
    share = (by["weighted"] / by["agents"]).where(by["agents"] > 0, simple)
    return share.reindex(pd.DatetimeIndex(starts)).fillna(simple.mean()).to_numpy(dtype=float)


def estimate_patience(
    offered: np.ndarray, abandoned: np.ndarray, on_phone: np.ndarray, load: np.ndarray, aht: np.ndarray,
    answer_seconds: float,
) -> float | None:
    """Mean patience (s) that makes Erlang A reproduce the observed abandonment.

    Solves ``sum_t offered_t P_Ab(n_t, A_t, AHT_t, p) = sum_t abandoned_t`` for ``p`` by
    bisection on a log scale between 1 s and 10 h (predicted abandonment falls as patience
    grows). ``None`` when nothing was abandoned or no calls were offered.
    """
    total = float(np.sum(abandoned))
    mask = (offered > 0) & (aht > 0)
    if total <= 0 or not mask.any():
        return None

    def predicted(patience: float) -> float:
        m = erlang.erlang_a(on_phone[mask], load[mask], aht[mask], patience, answer_seconds)
        return float(np.sum(offered[mask] * m.prob_abandon))

    lo, hi = math.log(1.0), math.log(36000.0)
    if predicted(math.exp(hi)) > total:
        return math.exp(hi)
    if predicted(math.exp(lo)) < total:
        return math.exp(lo)
    for _ in range(60):
        mid = (lo + hi) / 2
        if predicted(math.exp(mid)) > total:
            lo = mid
        else:
            hi = mid
    return math.exp((lo + hi) / 2)


def _align(values: pd.DataFrame, starts: pd.Series, column: str) -> np.ndarray:
    table = values.set_index("interval_start")[column]
    table = table[~table.index.duplicated()]
    return table.reindex(pd.DatetimeIndex(starts)).to_numpy(dtype=float)


def _actuals_on_grid(actuals: pd.DataFrame, starts: pd.Series, interval_minutes: int,
                     open_mask: np.ndarray) -> tuple[np.ndarray, ...]:
    """Offered, abandoned and AHT of the actuals summed onto the plan's intervals.

    Actuals at the plan's interval or a finer one that divides it are summed exactly.
    Coarser actuals would have to be split over the plan's intervals by a guess, so they
    are refused, as are actuals that do not span the plan's open intervals (another
    week's, or a partial export). Inside their span, an interval missing from the
    actuals had no calls (ACD exports omit empty intervals).

    Raises
    ------
    InvalidArgumentError
        ``actuals`` are coarser than the plan, not aligned to it, or do not cover it.
    """
    actual_minutes = infer_table_interval_minutes(actuals)
    if actual_minutes is not None and (actual_minutes > interval_minutes or interval_minutes % actual_minutes):
        raise InvalidArgumentError(
            "actuals", f"{actual_minutes}-minute intervals",
            f"intervals of {interval_minutes} minutes (the plan's) or a finer length that divides it; "
            f"re-plan with interval_minutes: {actual_minutes} to judge the plan at the actuals' grain")
    times = pd.to_datetime(actuals["interval_start"])
    opened = pd.DatetimeIndex(starts[open_mask])
    if len(opened):
        span = "no rows" if times.empty else f"{times.min()} .. {times.max()}"
        lo = times.min().floor(f"{interval_minutes}min") if len(times) else pd.Timestamp.max
        hi = times.max() if len(times) else pd.Timestamp.min
        outside = opened[(opened < lo) | (opened > hi)]
        if len(outside):
            raise InvalidArgumentError(
                "actuals", span,
                f"actuals spanning the plan's open intervals {opened[0]} .. {opened[-1]} "
                f"({len(outside)} open interval(s) outside them, first {outside[0]})")
    frame = actuals.copy()
    frame["interval_start"] = pd.to_datetime(frame["interval_start"]).dt.floor(f"{interval_minutes}min")
    if "aht_seconds" in frame and "handle_time_sum_seconds" not in frame:
        handled_calls = frame["answered"] if "answered" in frame else frame["offered"]
        frame["handle_time_sum_seconds"] = frame["aht_seconds"].fillna(0) * handled_calls
    agg = {"offered": "sum"}
    for col in ("answered", "abandoned", "handle_time_sum_seconds"):
        if col in frame:
            agg[col] = "sum"
    grid = frame.groupby("interval_start", as_index=False).agg(agg)
    offered = np.nan_to_num(_align(grid, starts, "offered"))
    abandoned = np.nan_to_num(_align(grid, starts, "abandoned")) if "abandoned" in grid else np.zeros_like(offered)
    if "handle_time_sum_seconds" in grid:
        handled = _align(grid, starts, "answered") if "answered" in grid else offered
        aht = np.where(handled > 0, _align(grid, starts, "handle_time_sum_seconds") / np.maximum(handled, 1), np.nan)
    else:
        aht = np.full(offered.shape, np.nan)
    return offered, abandoned, aht


def _sim(calls: np.ndarray, aht: np.ndarray, agents: np.ndarray, interval_minutes: int, arrivals: str,
         settings: EvaluationSettings, targets: ServiceTargets, patience: float | None,
         executor: Executor | None, arrival_seconds: np.ndarray | None = None) -> SimulationResult:
    queue = QueueInput(calls=calls, aht_seconds=np.where(aht > 0, aht, 1.0), agents=agents.astype(np.int64),
                       interval_seconds=interval_minutes * 60.0, arrival_seconds=arrival_seconds)
    sim_settings = SimulationSettings(answer_seconds=targets.answer_seconds, patience_seconds=patience,
                                      arrivals=arrivals,  # type: ignore[arg-type]
                                      service=settings.service, service_cv=settings.service_cv,
                                      at_close=settings.at_close)
    return simulate(queue, sim_settings, replications=settings.replications, seed=settings.seed, executor=executor)


def _pooled_mean(result: SimulationResult, days: np.ndarray) -> np.ndarray:
    return result.pooled("service_level", days).mean(axis=0)


def evaluate_plan(
    plan: Plan,
    actuals: pd.DataFrame | None,
    settings: EvaluationSettings | None = None,
    *,
    answer_seconds: float | None = None,
    executor: Executor | None = None,
    call_times: pd.Series | None = None,
) -> Evaluation:
    """Simulate the plan against its forecast and (when given) against what happened.

    Parameters
    ----------
    plan
        A plan directory with ``forecast.csv`` and ``requirements.csv`` (as written by
        ``staffing plan``).
    actuals
        Canonical history covering the week (naive local ``interval_start``, ``offered``,
        optional ``answered``, ``abandoned``, ``aht_seconds``/``handle_time_sum_seconds``).
    settings
        Replications, seed, handle-time distribution, patience.
    answer_seconds
        Overrides the plan's answer-time target.
    call_times
        Arrival time of every call (naive local, e.g. from the ACD's call log): the achieved
        run replays these arrivals instead of spreading each interval's count uniformly;
        ``actuals`` still give AHT and abandonment.

    Raises
    ------
    InvalidArgumentError
        The plan has no forecast or requirements (a hand-made roster directory).
    """
    s = settings or EvaluationSettings()
    if plan.forecast is None or plan.requirements is None:
        raise InvalidArgumentError("plan", "roster only", "a plan directory with forecast.csv and requirements.csv")
    targets = plan_targets(plan, answer_seconds)
    minutes = plan.meta.interval_minutes
    coverage = plan.coverage.sort_values("interval_start").reset_index(drop=True)
    starts = coverage["interval_start"]
    req = plan.requirements.copy()
    if "queue" in req.columns:  # one pool of agents: the queues' calls together
        req = req.groupby("interval_start", as_index=False)[["calls", "load_erlangs"]].sum().merge(
            plan.requirements.groupby("interval_start", as_index=False)["aht_seconds"].mean(), on="interval_start")
    f_calls = np.nan_to_num(_align(req, starts, "calls"))
    f_aht = np.nan_to_num(_align(req, starts, "aht_seconds"), nan=0.0)
    f_aht = np.where(f_aht > 0, f_aht, 1.0)
    target_kwargs = {k: v for k, v in targets.model_dump().items() if k not in ("shrinkage", "fractional")}
    net = erlang.required_agents(f_calls, f_aht, minutes, **target_kwargs).agents_net
    kept = _on_phone_share(plan, starts)
    on_phone = np.rint(coverage["scheduled"].to_numpy(dtype=float) * kept)
    load = f_calls * f_aht / (minutes * 60.0)
    promised = service_figures(targets, net, load, f_aht)[0]
    projected = service_figures(targets, coverage["scheduled"].to_numpy(dtype=float) * kept, load, f_aht)[0]
    a_calls = a_abandoned = a_aht = arrival_seconds = None
    if actuals is not None:
        open_mask = f_calls > 0
        a_calls, a_abandoned, a_aht = _actuals_on_grid(actuals, starts, minutes, open_mask)
        a_aht = np.where(np.isfinite(a_aht) & (a_aht > 0), a_aht, f_aht)
        if call_times is not None:
            origin = pd.Timestamp(starts.iloc[0])
            arrival_seconds = ((pd.to_datetime(call_times) - origin).dt.total_seconds()).to_numpy(dtype=float)
            edges = np.arange(len(starts) + 1) * minutes * 60.0
            a_calls = np.histogram(arrival_seconds, bins=edges)[0].astype(float)
    patience: float | None
    source: PatienceSource
    if s.patience_seconds is not None:
        patience, source = s.patience_seconds, "given"
    elif a_calls is not None and a_abandoned is not None and a_aht is not None and a_abandoned.sum() > 0:
        patience = estimate_patience(a_calls, a_abandoned, on_phone, a_calls * a_aht / (minutes * 60.0), a_aht,
                                     targets.answer_seconds)
        source = "estimated"
    elif targets.patience_seconds is not None:
        patience, source = targets.patience_seconds, "plan"
    else:
        patience, source = None, "assumed"  # the simulator uses its default and reports it

    s1 = _sim(f_calls, f_aht, net, minutes, "poisson", s, targets, patience, executor)
    s2 = _sim(f_calls, f_aht, on_phone, minutes, "poisson", s, targets, patience, executor)
    s3 = (_sim(a_calls, a_aht, on_phone, minutes, "counts", s, targets, patience, executor, arrival_seconds)
          if a_calls is not None and a_aht is not None else None)
    patience_used = s2.patience_seconds_used
    frame = pd.DataFrame({
        "interval_start": starts,
        "target_sl": targets.target_sl,
        "required": coverage["required"].to_numpy(dtype=float),
        "scheduled": coverage["scheduled"].to_numpy(dtype=float),
        "required_on_phone": net,
        "on_phone": on_phone,
        "forecast_calls": f_calls,
        "forecast_aht_seconds": f_aht,
        "promised_service_level": promised,
        "projected_service_level": projected,
        "simulated_required_service_level": s1.mean("service_level"),
        "simulated_service_level": s2.mean("service_level"),
    })
    final = s3 or s2
    lo, hi = final.band("service_level")
    if s3 is not None and a_calls is not None and a_aht is not None:
        frame["actual_calls"] = a_calls
        frame["actual_aht_seconds"] = a_aht
        frame["achieved_service_level"] = s3.mean("service_level")
    else:
        frame["achieved_service_level"] = np.nan
    frame["band_low"] = lo
    frame["band_high"] = hi
    frame["asa_seconds"] = final.mean("asa_seconds")
    frame["abandon_rate"] = final.mean("abandon_rate")
    frame["occupancy"] = final.mean("occupancy")
    outcome = frame["achieved_service_level"] if s3 is not None else frame["simulated_service_level"]
    frame["margin"] = frame["promised_service_level"] - frame["target_sl"]
    frame["model_effect"] = frame["simulated_required_service_level"] - frame["promised_service_level"]
    frame["roster_effect"] = frame["simulated_service_level"] - frame["simulated_required_service_level"]
    frame["forecast_effect"] = outcome - frame["simulated_service_level"] if s3 is not None else 0.0
    calls_seen = a_calls if a_calls is not None else f_calls
    frame["missed"] = (outcome < frame["target_sl"] - 1e-12) & (calls_seen > 0)
    days = _day_table(frame, s1, s2, s3, promised, f_calls, targets.target_sl)
    achieved = band = None
    if s3 is not None:
        whole = s3.pooled("service_level", np.zeros(len(frame), dtype=np.int64))[:, 0]
        achieved, band = float(whole.mean()), (float(np.quantile(whole, 0.05)), float(np.quantile(whole, 0.95)))
    return Evaluation(frame, days, targets.target_sl, targets.answer_seconds, patience_used, source, s.replications,
                      achieved, band)


def _day_table(frame: pd.DataFrame, s1: SimulationResult, s2: SimulationResult, s3: SimulationResult | None,
               promised: np.ndarray, f_calls: np.ndarray, target: float) -> pd.DataFrame:
    dates = pd.to_datetime(frame["interval_start"]).dt.normalize()
    codes, uniques = pd.factorize(dates, sort=True)
    groups = codes.astype(np.int64)
    weights = np.bincount(groups, weights=f_calls, minlength=len(uniques))
    s0 = np.where(weights > 0, np.bincount(groups, weights=promised * f_calls, minlength=len(uniques))
                  / np.where(weights > 0, weights, 1), 1.0)
    d = pd.DataFrame({"date": pd.DatetimeIndex(uniques).date, "target_sl": target, "forecast_calls": weights,
                      "promised_service_level": s0,
                      "simulated_required_service_level": _pooled_mean(s1, groups),
                      "simulated_service_level": _pooled_mean(s2, groups)})
    final = s3 or s2
    pooled = final.pooled("service_level", groups)
    if s3 is not None:
        d["actual_calls"] = np.bincount(groups, weights=frame["actual_calls"].to_numpy(), minlength=len(uniques))
        d["achieved_service_level"] = pooled.mean(axis=0)
    else:
        d["achieved_service_level"] = np.nan
    d["band_low"] = np.quantile(pooled, 0.05, axis=0)
    d["band_high"] = np.quantile(pooled, 0.95, axis=0)
    d["asa_seconds"] = final.pooled("asa_seconds", groups).mean(axis=0)
    d["abandon_rate"] = final.pooled("abandon_rate", groups).mean(axis=0)
    d["occupancy"] = final.pooled("occupancy", groups).mean(axis=0)
    d["missed_intervals"] = np.bincount(groups, weights=frame["missed"].to_numpy(dtype=float),
                                        minlength=len(uniques)).astype(int)
    outcome = d["achieved_service_level"] if s3 is not None else d["simulated_service_level"]
    d["margin"] = d["promised_service_level"] - d["target_sl"]
    d["model_effect"] = d["simulated_required_service_level"] - d["promised_service_level"]
    d["roster_effect"] = d["simulated_service_level"] - d["simulated_required_service_level"]
    d["forecast_effect"] = outcome - d["simulated_service_level"] if s3 is not None else 0.0
    return d


def simulate_plan(plan: Plan, replications: int, *, seed: int = 0,
                  executor: Executor | None = None) -> tuple[Plan, Evaluation]:
    """Simulate the rostered week against its own forecast, in memory.

    Returns the plan with ``simulated_service_level``, ``simulated_band_low`` and
    ``simulated_band_high`` added to :attr:`Plan.days`, and the evaluation itself.
    """
    evaluation = evaluate_plan(plan, None, EvaluationSettings(replications=replications, seed=seed),
                               executor=executor)
    if plan.days is None:
        return plan, evaluation
    sim = evaluation.days.set_index("date")
    days = plan.days.copy()
    days["simulated_service_level"] = days["date"].map(sim["simulated_service_level"])
    days["simulated_band_low"] = days["date"].map(sim["band_low"])
    days["simulated_band_high"] = days["date"].map(sim["band_high"])
    return replace(plan, days=days), evaluation
