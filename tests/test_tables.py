"""The one interval-length rule (:func:`staffing.tables.infer_interval_minutes`), by hand-computed cases."""

from __future__ import annotations

import pandas as pd
import pytest

from staffing.tables import (
    infer_interval_minutes,
    infer_table_interval_minutes,
    interval_steps_minutes,
)


def starts(*wall: str, tz: str | None = None) -> pd.Series:
    return pd.Series(pd.DatetimeIndex(list(wall), tz=tz))


def test_gaps_do_not_change_the_length() -> None:
    # 08:00-09:45 and 13:00-13:45 every 15 min: steps 15 (x7), 195 (the gap), 15 (x3) -> 15.
    morning = pd.date_range("2026-03-02 08:00", "2026-03-02 09:45", freq="15min")
    afternoon = pd.date_range("2026-03-02 13:00", "2026-03-02 13:45", freq="15min")
    assert infer_interval_minutes(pd.Series(morning.append(afternoon))) == 15


def test_a_stray_row_does_not_change_the_length() -> None:
    # 08:00-10:00 every 15 min plus 08:05: steps 5, 10, then 15 (x7) -> the most common is 15
    # (the shortest step, 5, would be wrong).
    times = pd.date_range("2026-03-02 08:00", "2026-03-02 10:00", freq="15min").append(
        pd.DatetimeIndex(["2026-03-02 08:05"]))
    assert infer_interval_minutes(pd.Series(times)) == 15


def test_repeated_starts_count_once() -> None:
    # Two copies of 00:00, 00:30, 01:00: distinct steps 30, 30 -> 30 (not 0).
    assert infer_interval_minutes(starts("2026-03-02 00:00", "2026-03-02 00:30", "2026-03-02 01:00").repeat(2)) == 30


@pytest.mark.parametrize(
    ("wall", "ambiguous"),
    [
        # Spring forward in London, 29 March 2026 at 01:00 GMT: the wall clock jumps from 00:30 to
        # 02:00, but in UTC the starts are 00:00, 00:30, 01:00, 01:30: every step is 30 min.
        (("2026-03-29 00:00", "2026-03-29 00:30", "2026-03-29 02:00", "2026-03-29 02:30"), "raise"),
        # Fall back, 25 October 2026 at 02:00 BST: 01:00 BST, 01:30 BST, 01:00 GMT, 01:30 GMT are
        # 00:00, 00:30, 01:00, 01:30 UTC: every step is 30 min (the wall clock repeats an hour).
        (("2026-10-25 01:00", "2026-10-25 01:30", "2026-10-25 01:00", "2026-10-25 01:30"), [True, True, False, False]),
    ],
)
def test_tz_aware_starts_across_a_dst_change(wall: tuple[str, ...], ambiguous: str | list[bool]) -> None:
    times = pd.DatetimeIndex(list(wall)).tz_localize("Europe/London", ambiguous=ambiguous)
    # Every step is 30 min on the absolute time line (on the wall clock they would be
    # 30, 90, 30 in spring and 30, -30, 30 in autumn).
    assert interval_steps_minutes(times).tolist() == [30.0, 30.0, 30.0]
    assert infer_interval_minutes(pd.Series(times)) == 30


def test_a_single_start_is_one_interval_a_day() -> None:
    # One distinct start has no step: by the rule's definition, one interval a day (1,440 min).
    assert infer_interval_minutes(starts("2026-03-02 09:00")) == 1440
    assert infer_interval_minutes(starts("2026-03-02 09:00", "2026-03-02 09:00")) == 1440


def test_table_takes_each_queue_then_the_shortest() -> None:
    # Queue a every 30 min, queue b every 15 min (with a stray 5-min row), queue c one row:
    # a -> 30, b -> 15 (most common), c has no step and is skipped; the shortest is 15.
    a = pd.date_range("2026-03-02 08:00", periods=6, freq="30min")
    b = pd.date_range("2026-03-02 08:00", periods=6, freq="15min").append(pd.DatetimeIndex(["2026-03-02 08:05"]))
    frame = pd.DataFrame({
        "queue": ["a"] * len(a) + ["b"] * len(b) + ["c"],
        "interval_start": a.append(b).append(pd.DatetimeIndex(["2026-03-02 12:00"])),
    })
    assert infer_table_interval_minutes(frame) == 15
    assert infer_table_interval_minutes(frame[frame["queue"] == "a"]) == 30
    # No queue with two distinct starts: the caller must be told the length.
    assert infer_table_interval_minutes(frame[frame["queue"] == "c"]) is None
    # Without a queue column the table is one queue: 08:00-10:30 every 30 min -> 30.
    assert infer_table_interval_minutes(pd.DataFrame({"interval_start": a})) == 30
