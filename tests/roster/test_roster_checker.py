"""The independent checker catches deliberately broken rosters; coverage by brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _roster_helpers import WEEK, agent, shift, small_rules

from staffing.roster import check_roster, recompute_coverage


def _valid() -> pd.DataFrame:
    # Mon-Fri 09:00-17:00 with the lunch at 12:00-12:30 (3 h in), 450 paid minutes each.
    return pd.DataFrame([
        shift("A1", f"2024-03-{d:02d} 09:00", f"2024-03-{d:02d} 17:00", 450,
              [(f"2024-03-{d:02d} 12:00", f"2024-03-{d:02d} 12:30")])
        for d in range(4, 9)
    ])


def rules_of(violations: list) -> set[str]:  # type: ignore[type-arg]
    return {v.rule for v in violations}


def test_valid_roster_passes() -> None:
    assert check_roster(_valid(), [agent(min_hours=37.5, max_hours=40)], small_rules(), WEEK) == []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r.assign(paid_minutes=480), "paid_minutes"),
        (lambda r: r.assign(breaks=[[]] * len(r)), "breaks"),
        (lambda r: r.assign(breaks=[[(s + pd.Timedelta(hours=1), s + pd.Timedelta(hours=1.5))] for s in r.shift_start]),
         "breaks"),
        (lambda r: r.assign(shift_end=r.shift_end + pd.Timedelta(hours=1)), "shift_length"),
        (lambda r: r.assign(shift_start=r.shift_start + pd.Timedelta(minutes=30),
                            shift_end=r.shift_end + pd.Timedelta(minutes=30)), "start_granularity"),
        (lambda r: pd.concat([r, r.iloc[[0]].assign(
            shift_start=pd.Timestamp("2024-03-09 09:00"), shift_end=pd.Timestamp("2024-03-09 17:00"),
            breaks=[[(pd.Timestamp("2024-03-09 12:00"), pd.Timestamp("2024-03-09 12:30"))]])]), "days_off_min"),
        (lambda r: r.iloc[:4], "hours_min"),
        (lambda r: r.assign(agent_id="ZZ"), "unknown_agent"),
    ],
)
def test_checker_catches_broken_roster(mutate, expected: str) -> None:  # type: ignore[no-untyped-def]
    broken = mutate(_valid())
    assert expected in rules_of(check_roster(broken, [agent(min_hours=37.5, max_hours=40)], small_rules(), WEEK))


def test_checker_rest_and_consecutive_days_across_weeks() -> None:
    # Last week's shift ends Mon 02:00; Monday's 09:00 start leaves 7 h < 11 h rest.
    previous = pd.DataFrame([shift("A1", "2024-03-03 18:00", "2024-03-04 02:00", 480, [])])
    got = check_roster(_valid(), [agent(min_hours=0)], small_rules(), WEEK, previous)
    assert "min_rest" in rules_of(got)
    # Worked Wed-Sun last week + Mon-Fri now = 10 consecutive days > 6.
    days = pd.DataFrame([shift("A1", f"2024-02-{d:02d} 09:00", f"2024-02-{d:02d} 17:00", 480, []) for d in (28, 29)]
                        + [shift("A1", f"2024-03-{d:02d} 09:00", f"2024-03-{d:02d} 17:00", 480, []) for d in (1, 2, 3)])
    got = check_roster(_valid(), [agent(min_hours=0)], small_rules(max_consecutive_days=6), WEEK, days)
    assert "max_consecutive_days" in rules_of(got)


def test_checker_two_consecutive_days_off_and_unavailability() -> None:
    # Mon, Wed, Fri, Sun worked: four days off but none consecutive.
    alternate = pd.DataFrame([shift("A1", f"2024-03-{d:02d} 09:00", f"2024-03-{d:02d} 17:00", 450,
                                    [(f"2024-03-{d:02d} 12:00", f"2024-03-{d:02d} 12:30")]) for d in (4, 6, 8, 10)])
    assert "two_consecutive_days_off" in rules_of(check_roster(alternate, [agent()], small_rules(), WEEK))
    away = agent(unavailable=((pd.Timestamp("2024-03-06 16:00"), pd.Timestamp("2024-03-06 18:00")),))
    assert "unavailable" in rules_of(check_roster(_valid(), [away], small_rules(), WEEK))


def test_recompute_coverage_counts_breaks_out() -> None:
    one = _valid().iloc[[0]]
    starts = pd.date_range(WEEK, periods=96, freq="15min")
    got = recompute_coverage(one, starts, 15)
    expected = np.zeros(96)
    expected[9 * 4:17 * 4] = 1  # 09:00-17:00
    expected[12 * 4:12 * 4 + 2] = 0  # lunch 12:00-12:30
    np.testing.assert_array_equal(got, expected)
