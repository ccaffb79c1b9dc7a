"""Find the report's inputs through the store: the week's plan, its actuals and accuracy.

``staffing plan`` records every plan in the store with the folder it wrote; the report
of a week is built from that plan directory, the actuals the store holds for the week
and the week before, the accuracy of the forecast published for those dates (judged
against the version in force, not the latest), and next week's plan when there is one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from staffing.errors import StoreError
from staffing.store import Store


@dataclass(frozen=True)
class StoredWeek:
    """Where the report of one week comes from.

    Attributes
    ----------
    week_start
        First day of the reported week.
    plan_dir
        The plan directory ``staffing plan`` wrote for it.
    next_plan_dir
        The plan directory of the following week, if one was planned.
    actuals
        Stored history from a week before ``week_start`` to the week's end, naive local time.
    accuracy
        ``date, wape, bias`` of the published forecast for the week's days with actuals.
    """

    week_start: dt.date
    plan_dir: Path
    next_plan_dir: Path | None
    actuals: pd.DataFrame | None
    accuracy: pd.DataFrame | None


def _plans(store: Store) -> list[tuple[dt.date, Path, pd.Timestamp]]:
    """Every stored plan that names its week and folder, oldest first."""
    out = []
    listing = store.list_plans()
    for plan_id, created in zip(listing["plan_id"], listing["created_at"], strict=True):
        meta = store.load_plan(str(plan_id)).metadata
        if "week_start" in meta and "out_dir" in meta:
            out.append((dt.date.fromisoformat(meta["week_start"]), Path(meta["out_dir"]), pd.Timestamp(created)))
    return sorted(out, key=lambda p: (p[0], p[2]))


def stored_week(store: Store, week: dt.date | None = None) -> StoredWeek:
    """The inputs of the report of ``week`` (default: the latest planned week).

    The latest plan of a week wins when it was planned more than once.

    Raises
    ------
    StoreError
        No plan is recorded for that week (or none at all).
    """
    plans = _plans(store)
    if not plans:
        raise StoreError(f"no plan recorded in {store.url_display}; run `staffing plan` first or give --plan")
    weeks = {start: folder for start, folder, _ in plans}  # later plans of a week overwrite earlier ones
    start = week or max(weeks)
    if start not in weeks:
        known = ", ".join(sorted(d.isoformat() for d in weeks))
        raise StoreError(f"no plan recorded for the week of {start.isoformat()} (planned weeks: {known})")
    first = pd.Timestamp(start) - pd.Timedelta(days=7)
    end = pd.Timestamp(start) + pd.Timedelta(days=7)
    history = store.history(start=None, end=None)
    actuals = None
    if len(history):
        times = history["interval_start"]
        wall = times.dt.tz_localize(None) if getattr(times.dt, "tz", None) is not None else times
        keep = (wall >= first) & (wall < end)
        if keep.any():
            actuals = history[keep].assign(interval_start=wall[keep]).reset_index(drop=True)
    accuracy = None
    table = store.accuracy_report(by="day")
    if len(table):
        days = pd.to_datetime(table["date"])
        mine = table[(days >= pd.Timestamp(start)) & (days < end)]
        if len(mine):
            accuracy = pd.DataFrame({"date": pd.to_datetime(mine["date"]).dt.normalize(),
                                     "wape": mine["wape"].astype(float), "bias": mine["bias"].astype(float)})
            accuracy = accuracy.groupby("date", as_index=False).mean()
    following = start + dt.timedelta(days=7)
    return StoredWeek(start, weeks[start], weeks.get(following), actuals, accuracy)
