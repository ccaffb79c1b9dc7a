"""Service targets and the per-interval requirement table built from a forecast.

``ServiceTargets`` is the one validated description of what "enough agents" means
(service level X% within T s, optional ASA / occupancy / abandonment caps, shrinkage,
Erlang C or A). :func:`interval_requirements` turns a forecast table into the
requirements table that the roster, the plan and the what-if sweeps consume.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from staffing.errors import InvalidArgumentError
from staffing.queueing import erlang
from staffing.queueing.erlang import required_agents
from staffing.tables import infer_table_interval_minutes


class ServiceTargets(BaseModel):
    """What the requirement must achieve in every interval.

    Attributes
    ----------
    target_sl
        Fraction of calls answered within ``answer_seconds``, in (0, 1) (0.8 = 80%).
    answer_seconds
        Answer-time target T in seconds (>= 0).
    max_asa_seconds
        Optional cap on the average speed of answer, seconds.
    max_occupancy
        Optional cap on agent occupancy, in (0, 1].
    model
        ``erlang-c`` (callers never hang up) or ``erlang-a`` (exponential patience).
    patience_seconds
        Mean caller patience in seconds; required by Erlang A.
    max_abandon
        Optional cap on the abandonment fraction (Erlang A).
    shrinkage
        Fraction of paid time not available for calls (breaks, training, absence), [0, 1).
    fractional
        Keep the continuous requirement instead of whole agents.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    target_sl: float = Field(default=0.8, gt=0.0, lt=1.0)
    answer_seconds: float = Field(default=20.0, ge=0.0)
    max_asa_seconds: float | None = Field(default=None, gt=0.0)
    max_occupancy: float | None = Field(default=None, gt=0.0, le=1.0)
    model: Literal["erlang-c", "erlang-a"] = "erlang-c"
    patience_seconds: float | None = Field(default=None, gt=0.0)
    max_abandon: float | None = Field(default=None, gt=0.0, lt=1.0)
    shrinkage: float = Field(default=0.0, ge=0.0, lt=1.0)
    fractional: bool = False

    @model_validator(mode="after")
    def _model_needs(self) -> ServiceTargets:
        if self.model == "erlang-a" and self.patience_seconds is None:
            raise ValueError("model 'erlang-a' needs patience_seconds (mean caller patience in seconds)")
        if self.model == "erlang-c" and self.max_abandon is not None:
            raise ValueError("max_abandon needs model 'erlang-a' (Erlang C has no abandonment)")
        return self


def interval_requirements(
    forecast: pd.DataFrame, targets: ServiceTargets, interval_minutes: float | None = None
) -> pd.DataFrame:
    """Required agents for every forecast interval.

    Parameters
    ----------
    forecast
        Columns ``interval_start``, ``calls``, ``aht_seconds`` (plus ``queue`` when there
        are several queues; each queue is sized on its own).
    targets
        The service targets.
    interval_minutes
        Interval length; inferred from the most common gap between starts when omitted.

    Returns
    -------
    pandas.DataFrame
        ``REQUIREMENT_COLUMNS`` (``queue`` first when the input has it, ``prob_abandon``
        last for Erlang A); ``agents`` is the shrinkage-grossed requirement to schedule.

    Notes
    -----
    Intervals with zero calls need zero agents. See :func:`staffing.queueing.erlang.required_agents`.
    """
    if interval_minutes is None:
        interval_minutes = infer_table_interval_minutes(forecast)
        if interval_minutes is None:
            raise InvalidArgumentError("interval_minutes", None, "given explicitly when the forecast has one interval")
    calls = forecast["calls"].to_numpy(dtype=float)
    aht = forecast["aht_seconds"].to_numpy(dtype=float)
    # Closed intervals carry no AHT in some forecasts; with no calls the AHT is irrelevant.
    aht = np.where((calls == 0) & ~(aht > 0), 1.0, aht)
    req = required_agents(
        calls,
        aht,
        interval_minutes,
        target_sl=targets.target_sl,
        answer_seconds=targets.answer_seconds,
        max_asa_seconds=targets.max_asa_seconds,
        max_occupancy=targets.max_occupancy,
        model=targets.model,
        patience_seconds=targets.patience_seconds,
        max_abandon=targets.max_abandon,
        shrinkage=targets.shrinkage,
        fractional=targets.fractional,
    )
    out = pd.DataFrame({
        "interval_start": forecast["interval_start"].to_numpy(),
        "calls": calls,
        "aht_seconds": forecast["aht_seconds"].to_numpy(dtype=float),
        "load_erlangs": req.load_erlangs,
        "agents": req.agents,
        "service_level": req.service_level,
        "asa_seconds": req.asa_seconds,
        "occupancy": req.occupancy,
    })
    out["interval_start"] = forecast["interval_start"].reset_index(drop=True)
    if "queue" in forecast.columns:
        out.insert(0, "queue", forecast["queue"].reset_index(drop=True))
    if req.prob_abandon is not None:
        out["prob_abandon"] = req.prob_abandon
    return out


def service_figures(
    targets: ServiceTargets, agents: np.ndarray, load_erlangs: np.ndarray, aht_seconds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Service level, ASA and abandonment (NaN with Erlang C) that ``agents`` on the phones
    achieve under the targets' model; arrays broadcast together."""
    if targets.model == "erlang-a":
        assert targets.patience_seconds is not None  # guaranteed by ServiceTargets
        m = erlang.erlang_a(agents, load_erlangs, aht_seconds, targets.patience_seconds, targets.answer_seconds)
        shape = np.broadcast(agents, load_erlangs).shape
        return (np.broadcast_to(m.service_level, shape), np.broadcast_to(m.asa_seconds, shape),
                np.broadcast_to(m.prob_abandon, shape))
    sl = erlang.service_level(agents, load_erlangs, aht_seconds, targets.answer_seconds)
    return sl, erlang.asa_seconds(agents, load_erlangs, aht_seconds), np.full(sl.shape, np.nan)
