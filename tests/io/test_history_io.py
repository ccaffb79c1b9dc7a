"""Reading and validating history files (staffing.io.history)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from staffing.errors import DataError
from staffing.io.history import HistoryMapping, parse_column_map, read_history


def write(tmp_path: Path, text: str, name: str = "h.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(path: Path, **kwargs: object) -> list[str]:
    with pytest.raises(DataError) as info:
        read_history(path, **kwargs)  # type: ignore[arg-type]
    return [str(i) for i in info.value.issues]


def test_export_names_are_recognised_without_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "timestamp,calls\n2024-01-01 00:00:00,2\n2024-01-01 00:06:00,0.5\n2024-01-01 00:12:00,3\n")
    frame = read_history(path)
    assert list(frame.columns) == ["interval_start", "queue", "offered"]
    assert frame["offered"].tolist() == [2.0, 0.5, 3.0]
    assert (frame["queue"] == "default").all()


def test_column_map_and_optional_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "when,n,ok,mean_talk\n2024-01-01 08:00,10,9,200\n2024-01-01 08:15,4,4,\n")
    mapping = parse_column_map("interval_start=when,offered=n,answered=ok,aht_seconds=mean_talk")
    frame = read_history(path, column_map=mapping, queue="sales")
    assert frame["answered"].tolist() == [9.0, 4.0]
    assert frame["aht_seconds"].iloc[0] == 200.0 and pd.isna(frame["aht_seconds"].iloc[1])
    assert (frame["queue"] == "sales").all()


def test_unparseable_timestamp_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "interval_start,offered\n2024-01-01 08:00,1\nnot a date,2\n")
    msgs = problems(path)
    assert len(msgs) == 1 and f"{path}:3: column 'interval_start'" in msgs[0] and "not a date" in msgs[0]


def test_negative_and_non_numeric_counts(tmp_path: Path) -> None:
    path = write(tmp_path, "interval_start,offered\n2024-01-01 08:00,-1\n2024-01-01 08:15,abc\n2024-01-01 08:30,\n")
    msgs = problems(path)
    assert any(":2: column 'offered'" in m and ">= 0" in m for m in msgs)
    assert any(":3: column 'offered'" in m and "'abc'" in m for m in msgs)
    assert any(":4: column 'offered'" in m and "blank" in m for m in msgs)


def test_duplicate_interval_names_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "interval_start,offered\n2024-01-01 08:00,1\n2024-01-01 08:15,2\n2024-01-01 08:00,3\n")
    msgs = problems(path)
    assert len(msgs) == 1 and ":4:" in msgs[0] and "duplicate" in msgs[0] and "line 2" in msgs[0]


def test_misaligned_timestamp(tmp_path: Path) -> None:
    rows = "".join(f"2024-01-01 08:{m:02d},1\n" for m in (0, 15, 30, 45)) + "2024-01-01 09:07,1\n"
    path = write(tmp_path, "interval_start,offered\n" + rows)
    msgs = problems(path)
    assert len(msgs) == 1 and ":6:" in msgs[0] and "15-minute" in msgs[0]
    # With the interval given explicitly, 08:15 is misaligned on a 30-minute grid.
    msgs = problems(write(tmp_path, "interval_start,offered\n2024-01-01 08:00,1\n2024-01-01 08:15,1\n", "b.csv"), interval_minutes=30)
    assert len(msgs) == 1 and ":3:" in msgs[0] and "30-minute" in msgs[0]


def test_missing_required_and_missing_mapped_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "interval_start,foo\n2024-01-01 08:00,1\n")
    msgs = problems(path)
    assert "column 'offered'" in msgs[0] and "required column is missing" in msgs[0]
    msgs = problems(path, column_map={"offered": "nope"})
    assert "column 'nope'" in msgs[0] and "mapped column for offered" in msgs[0]


def test_gaps_are_not_errors_and_rows_are_sorted(tmp_path: Path) -> None:
    text = "interval_start,offered\n2024-01-02 08:00,5\n2024-01-01 08:00,1\n2024-01-01 08:30,2\n"
    frame = read_history(write(tmp_path, text))
    assert frame["interval_start"].tolist() == pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:30", "2024-01-02 08:00"]).tolist()


def test_queue_column_filter(tmp_path: Path) -> None:
    text = "interval_start,queue,offered\n2024-01-01 08:00,a,1\n2024-01-01 08:00,b,2\n"
    assert read_history(write(tmp_path, text), queue="b")["offered"].tolist() == [2.0]
    with pytest.raises(DataError, match="no rows for queue 'c'"):
        read_history(write(tmp_path, text, "q.csv"), queue="c")


def test_timezone_localises_a_fall_back_day(tmp_path: Path) -> None:
    # 2024-10-27 Europe/London: 01:00-02:00 happens twice (BST then GMT); rows kept in order.
    times = ["00:00", "00:30", "01:00", "01:30", "01:00", "01:30", "02:00"]
    text = "interval_start,offered\n" + "".join(f"2024-10-27 {t},{i}\n" for i, t in enumerate(times))
    frame = read_history(write(tmp_path, text), timezone="Europe/London")
    utc = frame["interval_start"].dt.tz_convert("UTC").dt.strftime("%H:%M").tolist()
    assert utc == ["23:00", "23:30", "00:00", "00:30", "01:00", "01:30", "02:00"]


def test_timezone_rejects_a_time_that_does_not_exist(tmp_path: Path) -> None:
    # 2024-03-31 Europe/London jumps from 01:00 to 02:00.
    text = "interval_start,offered\n2024-03-31 00:30,1\n2024-03-31 01:30,1\n2024-03-31 02:00,1\n"
    msgs = problems(write(tmp_path, text), timezone="Europe/London")
    assert len(msgs) == 1 and ":3:" in msgs[0] and "does not exist" in msgs[0]


def test_mapping_model_forbids_unknown_keys() -> None:
    with pytest.raises(ValueError, match="extra"):
        HistoryMapping.model_validate({"columns": {}, "colums": {}})
    with pytest.raises(ValueError, match="unknown canonical"):
        HistoryMapping(columns={"calls": "x"})
    with pytest.raises(ValueError, match="unknown time zone"):
        HistoryMapping(timezone="Mars/Base")


def test_real_bank_export_reads_and_resamples(shared_data: Path) -> None:
    from staffing.ingest.history import resample_history

    frame = read_history(shared_data / "il_bank_6min_1999.csv")
    assert len(frame) == 87_600 and frame["interval_start"].is_monotonic_increasing
    # 1999-05-23 carries interpolated fractional counts (data README): kept, not rejected.
    day = frame[frame["interval_start"].dt.date.astype(str) == "1999-05-23"]
    assert (day["offered"] % 1 != 0).any()
    half_hours = resample_history(frame, 30)
    assert len(half_hours) == 87_600 // 5
    assert half_hours["offered"].sum() == pytest.approx(frame["offered"].sum())
