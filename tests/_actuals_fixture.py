"""Hand-made actuals for the report tests (the plan week of tests/_plan_fixture.py and the week before).

* Sat 28 Mar (this week): 24 hours; hours 0-11 offered 10, answered 9, SL 0.9, ASA 10 s,
  AHT 300 s; hours 12-23 offered 14, answered 13, SL 0.6, ASA 40 s, AHT 360 s; 1 abandoned per hour.
* Sun 29 Mar: 23 hours (01:00 does not exist: clocks go forward), offered 15 each.
* Fri 27 Mar: 5 hours of 4 calls; Fri 20 Mar (last week) has rows with 0 offered.
* Sat 21 Mar: 24 hours of 10 calls; Sun 22 Mar: 24 hours of 15 calls.
All of last week: answered = offered, AHT 280 s, no SL/ASA.
"""

from __future__ import annotations

import pandas as pd


def actuals_frame() -> pd.DataFrame:
    rows = []
    for h in range(24):
        early = h < 12
        offered = 10.0 if early else 14.0
        rows.append((pd.Timestamp(2026, 3, 28, h), offered, offered - 1, 1.0, 300.0 if early else 360.0,
                     0.9 if early else 0.6, 10.0 if early else 40.0))
    for h in range(24):
        if h == 1:
            continue
        rows.append((pd.Timestamp(2026, 3, 29, h), 15.0, 15.0, 0.0, 240.0, 0.8, 20.0))
    for h in range(9, 14):
        rows.append((pd.Timestamp(2026, 3, 27, h), 4.0, 4.0, 0.0, 200.0, 1.0, 5.0))
    last = []
    for h in range(9, 14):
        last.append((pd.Timestamp(2026, 3, 20, h), 0.0, 0.0, 0.0, float("nan"), float("nan"), float("nan")))
    for h in range(24):
        last.append((pd.Timestamp(2026, 3, 21, h), 10.0, 10.0, 0.0, 280.0, float("nan"), float("nan")))
        last.append((pd.Timestamp(2026, 3, 22, h), 15.0, 15.0, 0.0, 280.0, float("nan"), float("nan")))
    cols = ["interval_start", "offered", "answered", "abandoned", "aht_seconds", "service_level", "asa_seconds"]
    return pd.DataFrame(rows + last, columns=cols).sort_values("interval_start").reset_index(drop=True)
