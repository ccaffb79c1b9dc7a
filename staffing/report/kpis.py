"""KPIs of the weekly report, computed from the plan and the actuals (pure, vectorised).

Every formula here is listed, in words a reader can check, by :data:`FORMULAS`; the
report prints that list. Days are calendar days in the plan's local time; "last week"
is the same weekday seven days earlier.

References: period-on-period change and weighted means as in any KPI handbook; WAPE
and bias as in Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed.),
section 5.8 (scaled/percentage errors; WAPE is the MAD/mean ratio).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.exports.coverage import OVER_TOLERANCE_AGENTS
from staffing.forecast.metrics import bias_from_sums, wape_from_sums


@dataclass(frozen=True)
class Formula:
    """One KPI and how it is computed."""

    kpi: str
    formula: str
    note: str = ""


FORMULAS: tuple[Formula, ...] = (
    Formula("Offered calls (day, week)", "Σ offered over the intervals of the day / week"),
    Formula("Change vs last week", "this − last  and  (this − last) / last × 100 %",
            "last = same weekday (or week) 7 days earlier; the % is shown as “n/a” when last = 0"),
    Formula("AHT (day, week)", "Σ handle_time_sum_seconds / Σ answered",
            "when handle time sums are absent: Σ(aht_seconds × answered) / Σ answered "
            "(weights = offered when answered is absent)"),
    Formula("Forecast AHT", "Σ(aht_seconds × calls) / Σ calls over the forecast intervals"),
    Formula("Service level (day)", "Σ(service_level × offered) / Σ offered",
            "offered-weighted mean of the interval service levels (fraction answered within the target time)"),
    Formula("ASA (day)", "Σ(asa_seconds × answered) / Σ answered", "answered-weighted mean speed of answer"),
    Formula("Abandonment rate (day)", "Σ abandoned / Σ offered"),
    Formula("Planned service level (day)", "Σ(service_level × calls) / Σ calls over requirements.csv",
            "the service level the requirement was sized for"),
    Formula("WAPE", "Σ |actual − forecast| / Σ actual", "weighted absolute percentage error of offered calls"),
    Formula("Bias", "Σ (forecast − actual) / Σ actual", "positive = over-forecast, negative = under-forecast"),
    Formula("Agent-hours", "Σ agents × interval_minutes / 60 over the intervals"),
    Formula("Coverage status", f"red: scheduled < required; amber: scheduled − required ≥ {OVER_TOLERANCE_AGENTS:g}; green otherwise",
            "gap = scheduled − required (agents)"),
    Formula("Weighted shortfall (missed peak)", "under × interval_minutes / 60 × required / mean(required)",
            "agent-hours short, weighted by how busy the interval is (mean over intervals with a requirement)"),
    Formula("Coverage ratio", "scheduled agent-hours / required agent-hours"),
    Formula("Volume above forecast", "offered − upper80, for intervals where offered > upper80",
            "calls above the forecast's 80 % prediction interval"),
)


def change(this: pd.Series | float, last: pd.Series | float) -> tuple[pd.Series, pd.Series]:
    """Absolute and relative change ``(this - last, (this - last) / last)``.

    The relative change is NaN where ``last`` is 0 or missing (no meaningful percentage).
    """
    t = pd.Series(this, dtype=float) if not isinstance(this, pd.Series) else this.astype(float)
    la = pd.Series(last, dtype=float) if not isinstance(last, pd.Series) else last.astype(float)
    diff = t - la
    rel = diff / la.where(la != 0)
    return diff, rel


def week_days(week_start: pd.Timestamp) -> pd.DatetimeIndex:
    """The seven days of the week starting at ``week_start``."""
    return pd.date_range(pd.Timestamp(week_start).normalize(), periods=7, freq="D")


def _weighted(values: pd.Series, weights: pd.Series, by: pd.Series) -> tuple[pd.Series, pd.Series]:
    ok = values.notna() & weights.notna()
    num = (values.where(ok, 0.0) * weights.where(ok, 0.0)).groupby(by).sum()
    den = weights.where(ok, 0.0).groupby(by).sum()
    return num, den


def daily_actuals(actuals: pd.DataFrame) -> pd.DataFrame:
    """Per-day sums behind the daily KPIs (index = day).

    Columns: ``offered``, ``answered`` (NaN if absent), ``abandoned`` (NaN if absent),
    ``aht_num``/``aht_den``, ``sl_num``/``sl_den``, ``asa_num``/``asa_den`` (numerators and
    denominators of the weighted means of :data:`FORMULAS`).
    """
    day = actuals["interval_start"].dt.normalize()
    offered = actuals["offered"].astype(float)
    answered = actuals["answered"].astype(float) if "answered" in actuals else None
    out = pd.DataFrame({"offered": offered.groupby(day).sum()})
    out["answered"] = answered.groupby(day).sum(min_count=1) if answered is not None else np.nan
    out["abandoned"] = (actuals["abandoned"].astype(float).groupby(day).sum(min_count=1)
                        if "abandoned" in actuals else np.nan)
    aht_weight = answered if answered is not None else offered
    if "handle_time_sum_seconds" in actuals and actuals["handle_time_sum_seconds"].notna().any():
        ok = actuals["handle_time_sum_seconds"].notna()
        out["aht_num"] = actuals["handle_time_sum_seconds"].where(ok, 0.0).groupby(day).sum()
        out["aht_den"] = aht_weight.where(ok, 0.0).groupby(day).sum()
    elif "aht_seconds" in actuals:
        out["aht_num"], out["aht_den"] = _weighted(actuals["aht_seconds"].astype(float), aht_weight, day)
    else:
        out["aht_num"], out["aht_den"] = np.nan, np.nan
    for col, num, weight in (("service_level", "sl", offered), ("asa_seconds", "asa", aht_weight)):
        if col in actuals and actuals[col].notna().any():
            out[f"{num}_num"], out[f"{num}_den"] = _weighted(actuals[col].astype(float), weight, day)
        else:
            out[f"{num}_num"], out[f"{num}_den"] = np.nan, np.nan
    return out


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return num.astype(float) / den.astype(float).where(den > 0)


@dataclass(frozen=True)
class VolumeTable:
    """Volume and AHT per day of the plan week vs last week vs forecast (+ the week row).

    ``frame`` columns: ``offered``, ``offered_last``, ``offered_change``, ``offered_change_pct``
    (a fraction), ``forecast_calls``, ``aht_seconds``, ``aht_last``, ``aht_change``,
    ``aht_change_pct``, ``forecast_aht_seconds``; index = day (``week`` holds the week).
    """

    frame: pd.DataFrame
    week: pd.Series


def volume_table(actuals: pd.DataFrame | None, forecast: pd.DataFrame | None, week_start: pd.Timestamp) -> VolumeTable:
    """Build the :class:`VolumeTable` (any input may be missing: its columns are NaN)."""
    days = week_days(week_start)
    last_days = days - pd.Timedelta(days=7)
    cols = ["offered", "aht_num", "aht_den"]
    daily = daily_actuals(actuals)[cols] if actuals is not None else pd.DataFrame(columns=cols, dtype=float)
    this = daily.reindex(days)
    last = daily.reindex(last_days).set_axis(days)
    frame = pd.DataFrame(index=days)
    frame["offered"] = this["offered"]
    frame["offered_last"] = last["offered"]
    frame["offered_change"], frame["offered_change_pct"] = change(frame["offered"], frame["offered_last"])
    frame["aht_seconds"] = _ratio(this["aht_num"], this["aht_den"])
    frame["aht_last"] = _ratio(last["aht_num"], last["aht_den"])
    frame["aht_change"], frame["aht_change_pct"] = change(frame["aht_seconds"], frame["aht_last"])
    if forecast is not None:
        fday = forecast["interval_start"].dt.normalize()
        calls = forecast["calls"].astype(float)
        frame["forecast_calls"] = calls.groupby(fday).sum().reindex(days)
        if "aht_seconds" in forecast:
            fnum, fden = _weighted(forecast["aht_seconds"].astype(float), calls, fday)
            frame["forecast_aht_seconds"] = _ratio(fnum, fden).reindex(days)
        else:
            frame["forecast_aht_seconds"] = np.nan
    else:
        frame["forecast_calls"] = np.nan
        frame["forecast_aht_seconds"] = np.nan

    def total(col: pd.Series) -> float:
        return float(col.sum()) if col.notna().any() else float("nan")

    week = pd.Series(dtype=float)
    week["offered"] = total(this["offered"])
    week["offered_last"] = total(last["offered"])
    week["aht_seconds"] = float(_ratio(pd.Series([total(this["aht_num"])]), pd.Series([total(this["aht_den"])])).iloc[0])
    week["aht_last"] = float(_ratio(pd.Series([total(last["aht_num"])]), pd.Series([total(last["aht_den"])])).iloc[0])
    for name in ("offered", "aht"):
        base = "offered" if name == "offered" else "aht_seconds"
        lastname = "offered_last" if name == "offered" else "aht_last"
        d, r = change(week[base], week[lastname])
        week[f"{name}_change"], week[f"{name}_change_pct"] = float(d.iloc[0]), float(r.iloc[0])
    week["forecast_calls"] = total(frame["forecast_calls"])
    if forecast is not None and "aht_seconds" in forecast:
        fcalls = forecast["calls"].astype(float)
        inside = forecast["interval_start"].dt.normalize().isin(days)
        den = float(fcalls[inside].sum())
        num = float((forecast["aht_seconds"].astype(float) * fcalls)[inside].sum())
        week["forecast_aht_seconds"] = num / den if den > 0 else float("nan")
    else:
        week["forecast_aht_seconds"] = float("nan")
    return VolumeTable(frame=frame, week=week)


def service_table(actuals: pd.DataFrame, requirements: pd.DataFrame | None, week_start: pd.Timestamp) -> pd.DataFrame:
    """Per-day service KPIs of the plan week (see :data:`FORMULAS`).

    Columns: ``offered``, ``service_level``, ``asa_seconds``, ``abandon_rate`` (fractions /
    seconds, NaN where the actuals lack the column) and ``planned_service_level``.
    """
    days = week_days(week_start)
    d = daily_actuals(actuals).reindex(days)
    out = pd.DataFrame(index=days)
    out["offered"] = d["offered"]
    out["service_level"] = _ratio(d["sl_num"], d["sl_den"])
    out["asa_seconds"] = _ratio(d["asa_num"], d["asa_den"])
    out["abandon_rate"] = _ratio(d["abandoned"], d["offered"])
    if requirements is not None and "service_level" in requirements and "calls" in requirements:
        rday = requirements["interval_start"].dt.normalize()
        num, den = _weighted(requirements["service_level"].astype(float), requirements["calls"].astype(float), rday)
        out["planned_service_level"] = _ratio(num, den).reindex(days)
    else:
        out["planned_service_level"] = np.nan
    return out


def accuracy_from_actuals(actuals: pd.DataFrame, forecast: pd.DataFrame, week_start: pd.Timestamp) -> pd.DataFrame:
    """Per-day WAPE and bias of ``forecast`` against the offered calls (index = day, plus ``week``).

    Only intervals present in both tables count. Columns: ``actual``, ``forecast``,
    ``wape``, ``bias`` (fractions).
    """
    act = actuals.groupby("interval_start")["offered"].sum()
    fc = forecast.groupby("interval_start")["calls"].sum()
    both = pd.DataFrame({"actual": act, "forecast": fc}).dropna()
    days = week_days(week_start)
    day = pd.DatetimeIndex(both.index).normalize()
    both = both[day.isin(days)]
    both["abs_err"] = (both["actual"] - both["forecast"]).abs()
    both["err"] = both["forecast"] - both["actual"]
    g = both.groupby(pd.DatetimeIndex(both.index).normalize())[["actual", "forecast", "abs_err", "err"]].sum()
    g.loc["week"] = g.sum()
    g["wape"] = wape_from_sums(g["abs_err"], g["actual"])
    g["bias"] = bias_from_sums(g["err"], g["actual"])
    return g[["actual", "forecast", "wape", "bias"]]


def missed_peaks(coverage: pd.DataFrame, interval_minutes: int, actuals: pd.DataFrame | None = None,
                 limit: int = 15) -> pd.DataFrame:
    """Intervals with ``under > 0`` ranked by weighted shortfall (largest first).

    ``weighted_shortfall = under * interval_minutes / 60 * required / mean(required)``, the
    mean taken over intervals with ``required > 0``. Columns: ``interval_start``,
    ``required``, ``scheduled``, ``under``, ``shortfall_agent_hours``, ``weighted_shortfall``
    and, with actuals, ``offered`` and ``service_level`` of that interval.
    """
    positive = coverage["required"][coverage["required"] > 0]
    mean_required = float(positive.mean()) if len(positive) else 1.0
    miss = coverage[coverage["under"] > 0].copy()
    miss["shortfall_agent_hours"] = miss["under"] * interval_minutes / 60.0
    miss["weighted_shortfall"] = miss["shortfall_agent_hours"] * miss["required"] / mean_required
    miss = miss.sort_values(["weighted_shortfall", "interval_start"], ascending=[False, True], kind="stable")
    miss = miss.head(limit).reset_index(drop=True)
    if actuals is not None:
        per = actuals.groupby("interval_start")
        miss["offered"] = miss["interval_start"].map(per["offered"].sum())
        if "service_level" in actuals:
            num = (actuals["service_level"] * actuals["offered"]).groupby(actuals["interval_start"]).sum()
            sl = num / per["offered"].sum().where(per["offered"].sum() > 0)
            miss["service_level"] = miss["interval_start"].map(sl)
    return miss.drop(columns=["over"])


def volume_surprises(actuals: pd.DataFrame, forecast: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """Intervals whose offered calls exceeded the forecast's upper 80 % bound, largest excess first.

    ``excess = offered - upper80`` (calls above the band). Columns: ``interval_start``,
    ``offered``, ``forecast_calls``, ``upper80``, ``excess``. Empty when the forecast has no
    ``upper80`` column.
    """
    cols = ["interval_start", "offered", "forecast_calls", "upper80", "excess"]
    if "upper80" not in forecast:
        return pd.DataFrame(columns=cols)
    act = actuals.groupby("interval_start")["offered"].sum()
    fc = forecast.groupby("interval_start")[["calls", "upper80"]].sum()
    both = fc.join(act, how="inner").rename(columns={"calls": "forecast_calls"})
    both["excess"] = both["offered"] - both["upper80"]
    both = both[both["excess"] > 0].reset_index()
    both = both.sort_values(["excess", "interval_start"], ascending=[False, True], kind="stable").head(limit)
    return both[cols].reset_index(drop=True)
