"""A small hand-written plan directory for the export and report tests.

Week of Monday 2026-03-23, Europe/London, hourly intervals on Sat 28 and Sun 29 March.
UK clocks go forward at 01:00 GMT on Sun 29 March 2026 (01:00 -> 02:00 BST), so the
local hour 01:00 of the 29th does not exist and B2's night shift Sat 22:00 -> Sun 06:00
lasts 7 real hours (22:00Z -> 05:00Z).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

TIMEZONE = "Europe/London"
WEEK_START = "2026-03-23"

ROSTER_ROWS = [
    ("A1", "2026-03-28 08:00", "2026-03-28 16:30", 480, "2026-03-28T12:00/2026-03-28T12:30"),
    ("A1", "2026-03-29 08:00", "2026-03-29 16:30", 465,
     "2026-03-29T12:00/2026-03-29T12:30;2026-03-29T14:30/2026-03-29T14:45"),
    ("B2", "2026-03-28 22:00", "2026-03-29 06:00", 390, "2026-03-29T03:00/2026-03-29T03:30"),
    ("C3", "2026-03-29 12:00", "2026-03-29 20:00", 480, ""),
]


def coverage_frame() -> pd.DataFrame:
    """Hourly coverage of the two days (the nonexistent 01:00 of the 29th is absent).

    required = 2 from 08:00 to 19:00, 1 otherwise; scheduled from the roster (breaks
    ignored at hourly grain), so nights nobody works are short by 1; Sat 09:00 is short
    by 1.5 (required 2.5, scheduled 1) and Sun 13:00 by 0.5 (required 2.5, scheduled 2).
    """
    stamps = [t for t in pd.date_range("2026-03-28 00:00", "2026-03-29 23:00", freq="h")
              if t != pd.Timestamp("2026-03-29 01:00")]
    rows = []
    for t in stamps:
        required = 2.0 if 8 <= t.hour < 19 else 1.0
        scheduled = 0.0
        for _, start, end, _, _ in ROSTER_ROWS:
            if pd.Timestamp(start) <= t < pd.Timestamp(end):
                scheduled += 1
        if t == pd.Timestamp("2026-03-28 09:00") or t == pd.Timestamp("2026-03-29 13:00"):
            required = 2.5
        rows.append((t, required, scheduled, max(required - scheduled, 0.0), max(scheduled - required, 0.0)))
    return pd.DataFrame(rows, columns=["interval_start", "required", "scheduled", "under", "over"])


def forecast_frame() -> pd.DataFrame:
    """Forecast calls: 10 per hour on Saturday, 12 on Sunday; AHT 300 s Sat, 240 s Sun."""
    stamps = coverage_frame()["interval_start"]
    calls = [10.0 if t.day == 28 else 12.0 for t in stamps]
    aht = [300.0 if t.day == 28 else 240.0 for t in stamps]
    return pd.DataFrame({"interval_start": stamps, "calls": calls,
                         "lower80": [c - 2 for c in calls], "upper80": [c + 2 for c in calls],
                         "lower95": [c - 3 for c in calls], "upper95": [c + 3 for c in calls],
                         "aht_seconds": aht})


def write_plan(directory: Path, *, roster_rows: list[tuple[str, str, str, int, str]] | None = None,
               timezone: str | None = TIMEZONE, week_start: str = WEEK_START) -> Path:
    """Write the plan directory into ``directory`` and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = ROSTER_ROWS if roster_rows is None else roster_rows
    pd.DataFrame(rows, columns=["agent_id", "shift_start", "shift_end", "paid_minutes", "breaks"]).to_csv(
        directory / "roster.csv", index=False)
    cov = coverage_frame()
    cov.assign(interval_start=cov["interval_start"].dt.strftime("%Y-%m-%d %H:%M")).to_csv(
        directory / "coverage.csv", index=False)
    fc = forecast_frame()
    fc.assign(interval_start=fc["interval_start"].dt.strftime("%Y-%m-%d %H:%M")).to_csv(
        directory / "forecast.csv", index=False)
    req = pd.DataFrame({"interval_start": fc["interval_start"].dt.strftime("%Y-%m-%d %H:%M"),
                        "calls": fc["calls"], "aht_seconds": fc["aht_seconds"],
                        "load_erlangs": fc["calls"] * fc["aht_seconds"] / 3600.0,
                        "agents": cov["required"], "service_level": 0.8, "asa_seconds": 20.0,
                        "occupancy": 0.7})
    req.to_csv(directory / "requirements.csv", index=False)
    pd.DataFrame({"agent_id": ["A1", "B2", "C3"], "paid_hours": [15.75, 6.5, 8.0], "days": [2, 1, 1],
                  "weekend_days": [2, 1, 1]}).to_csv(directory / "agents.csv", index=False)
    (directory / "summary.json").write_text(json.dumps(
        {"status": "optimal", "under_agent_hours": 2.0, "rules_bent": []}))
    meta: dict[str, object] = {"week_start": week_start, "interval_minutes": 60,
                               "queue_targets": {"default": {"target_sl": 0.8, "answer_seconds": 20, "model": "erlang-c"}}}
    if timezone is not None:
        meta["timezone"] = timezone
    (directory / "plan.json").write_text(json.dumps(meta))
    return directory
