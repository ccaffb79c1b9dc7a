"""Bad input gets a located error (file, line, column) or a right figure, never a wrong one.

Each test builds its bad file in ``tmp_path`` and runs the CLI (or the reader) on it. Line
numbers are file lines: the header is line 1, so the ``k``-th data row (0-based) is on
line ``k + 2``.
"""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from staffing.cli import main
from staffing.errors import ConfigError, DataError
from staffing.ingest.synthetic import SyntheticSettings, synthetic_history
from staffing.io.config import load_config
from staffing.io.history import read_history
from staffing.tables import interval_lengths


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _forecast(history: Path, out: Path, *extra: str) -> Result:
    return _run("forecast", "--history", str(history), "--out", str(out), "--model", "average4", *extra)


def _day(date: str, open_: str, close: str, minutes: int) -> list[str]:
    """Interval starts ``open_`` .. ``close`` (inclusive) every ``minutes`` on ``date``."""
    return [str(t) for t in pd.date_range(f"{date} {open_}", f"{date} {close}", freq=f"{minutes}min")]


def _write_history(path: Path, starts: list[str], queue: str | None = None) -> Path:
    rows = [f"{t},{queue},10" if queue else f"{t},10" for t in starts]
    path.write_text(("interval_start,queue,offered\n" if queue else "interval_start,offered\n") + "\n".join(rows) + "\n")
    return path


def _synthetic_csv(path: Path, start: dt.date, days: int) -> Path:
    settings = SyntheticSettings(start=start, days=days, interval_minutes=30, daily_calls=1000.0, seed=3)
    synthetic_history(settings).to_csv(path, index=False)
    return path


# 1 ------------------------------------------------------------------------------------------


def test_infinite_counts_are_located_errors_and_nan_is_blank(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("interval_start,offered,answered\n"
                    "2026-03-02 08:00,10,nan\n"       # line 2: nan = a blank answered, allowed
                    "2026-03-02 08:15,inf,5\n"        # line 3
                    "2026-03-02 08:30,7,-inf\n")      # line 4
    res = _forecast(path, tmp_path / "f.csv", "--start", "2026-03-03")
    assert res.exit_code == 1, res.output
    assert f"{path}:3: column 'offered': expected a finite number, got 'inf'" in res.output
    assert f"{path}:4: column 'answered': expected a finite number, got '-inf'" in res.output
    assert ":2:" not in res.output  # the nan cell is a blank, not an error


# 2 ------------------------------------------------------------------------------------------


def test_mixed_interval_lengths_are_refused_per_queue(tmp_path: Path) -> None:
    # Queue a: 15-minute rows both days (clean). Queue b: 15-minute rows on Monday
    # 08:00-17:45 (40 rows), then 30-minute rows on Tuesday 08:00-17:30 (20 rows).
    a = _day("2026-03-02", "08:00", "17:45", 15) + _day("2026-03-03", "08:00", "17:45", 15)
    b15 = _day("2026-03-02", "08:00", "17:45", 15)
    b30 = _day("2026-03-03", "08:00", "17:30", 30)
    path = tmp_path / "h.csv"
    rows = [f"{t},a,10" for t in a] + [f"{t},b,10" for t in b15 + b30]
    path.write_text("interval_start,queue,offered\n" + "\n".join(rows) + "\n")
    first_b15 = len(a) + 2              # queue b's first row follows queue a's 80 rows
    first_b30 = first_b15 + len(b15)    # then b's 40 fifteen-minute rows
    res = _forecast(path, tmp_path / "f.csv", "--start", "2026-03-04")
    assert res.exit_code == 1, res.output
    assert (f"{path}:{first_b30}: column 'interval_start': queue 'b' mixes interval lengths: "
            f"15-minute rows from line {first_b15} (2026-03-02 08:00:00); "
            f"30-minute rows from line {first_b30} (2026-03-03 08:00:00)") in res.output
    assert "queue 'a'" not in res.output


def test_closed_nights_missing_day_and_lunch_hole_are_not_a_second_length(tmp_path: Path) -> None:
    # 15-minute rows 08:00-17:45, closed nights, Wednesday 2026-03-04 missing, and no rows
    # 12:00-13:00 on Thursday (a 75-minute step): gaps, one interval length.
    starts = _day("2026-03-02", "08:00", "17:45", 15) + _day("2026-03-03", "08:00", "17:45", 15)
    thursday = _day("2026-03-05", "08:00", "17:45", 15)
    starts += [t for t in thursday if not t.startswith("2026-03-05 12:")]
    frame = read_history(_write_history(tmp_path / "h.csv", starts))
    assert len(frame) == len(starts)
    assert interval_lengths(frame["interval_start"]) == [(15, pd.Timestamp("2026-03-02 08:00"))]


def test_interval_lengths_needs_four_steps_inside_opening_hours() -> None:
    day = _day("2026-03-02", "08:00", "17:45", 15)
    # Three missing intervals in a row (08:15, 08:45, 09:15 dropped): three 30-minute steps < 4.
    holes = [t for t in day if t[11:16] not in ("08:15", "08:45", "09:15")]
    assert [m for m, _ in interval_lengths(pd.DatetimeIndex(holes + _day("2026-03-03", "08:00", "17:45", 15)))] == [15]
    # Sparse hourly rows 19:00-23:00 (four 60-minute steps) after a 08:00-17:45 day:
    # outside the opening hours (median first start 08:00, median last start 17:45).
    evening = ["2026-03-02 19:00", "2026-03-02 20:00", "2026-03-02 21:00", "2026-03-02 22:00", "2026-03-02 23:00"]
    times = pd.DatetimeIndex(day + evening + _day("2026-03-03", "08:00", "17:45", 15) + _day("2026-03-04", "08:00", "17:45", 15))
    assert [m for m, _ in interval_lengths(times)] == [15]


# 3 ------------------------------------------------------------------------------------------


def test_forecast_over_autumn_dst_with_timezone_is_read_by_requirements(tmp_path: Path) -> None:
    # Six weeks of naive 30-minute history ending Sunday 2026-10-18, read as Europe/London;
    # the forecast week 2026-10-19..25 holds the last Sunday of October (clocks go back at
    # 02:00 BST), so the file carries +01:00 then +00:00 offsets and a 25-hour day.
    history = _synthetic_csv(tmp_path / "h.csv", dt.date(2026, 9, 7), 42)
    fc, req = tmp_path / "f.csv", tmp_path / "r.csv"
    res = _forecast(history, fc, "--start", "2026-10-19", "--horizon", "week", "--timezone", "Europe/London")
    assert res.exit_code == 0, res.output
    res = _run("requirements", "--forecast", str(fc), "--out", str(req))
    assert res.exit_code == 0, res.output
    written, sized = pd.read_csv(fc), pd.read_csv(req)
    # 6 days of 48 half-hours + the 25-hour Sunday's 50 = 338 intervals, each sized once.
    assert len(sized) == 6 * 48 + 50 == len(written)
    assert (pd.to_datetime(sized["interval_start"], utc=True) == pd.to_datetime(written["interval_start"], utc=True)).all()
    assert written["interval_start"].str.endswith("+00:00").any() and written["interval_start"].str.endswith("+01:00").any()


def test_naive_forecast_repeating_the_fall_back_hour_is_refused_with_the_fix(tmp_path: Path) -> None:
    # Naive wall times 00:30, 01:00, 01:30, 01:00, 01:30, 02:00 of 2026-10-25: the repeated
    # hour cannot be told from a duplicated row without offsets.
    walls = ["00:30", "01:00", "01:30", "01:00", "01:30", "02:00"]
    path = tmp_path / "forecast.csv"
    path.write_text("interval_start,calls,aht_seconds\n" + "\n".join(f"2026-10-25 {w},10,200" for w in walls) + "\n")
    res = _run("requirements", "--forecast", str(path), "--out", str(tmp_path / "r.csv"))
    assert res.exit_code == 1, res.output
    assert f"{path}:5: column 'interval_start': 2026-10-25 01:00:00 repeats line 3's interval" in res.output
    assert f"{path}:6:" in res.output and "write the times with UTC offsets" in res.output


def test_history_offsets_are_converted_or_refused_without_a_zone(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("interval_start,offered\n"
                    "2026-03-29T00:00:00+00:00,1\n2026-03-29T00:30:00+00:00,2\n"
                    "2026-03-29T02:00:00+01:00,3\n2026-03-29T02:30:00+01:00,4\n")
    # Europe/London springs forward at 01:00 GMT: 02:00+01:00 is 01:00 UTC, 30 min after 00:30.
    frame = read_history(path, timezone="Europe/London")
    assert [str(t) for t in frame["interval_start"]] == [
        "2026-03-29 00:00:00+00:00", "2026-03-29 00:30:00+00:00", "2026-03-29 02:00:00+01:00", "2026-03-29 02:30:00+01:00"]
    with pytest.raises(DataError) as info:
        read_history(path)
    assert [str(i) for i in info.value.issues] == [
        f"{path}:4: column 'interval_start': offset +01:00 differs from line 2's +00:00 "
        "(a daylight-saving change?): give the time zone the times are local to"]


# 4 ------------------------------------------------------------------------------------------


_HISTORY_TEXT = "interval_start,offered\n" + "".join(f"{t},{i}\n" for i, t in enumerate(pd.date_range("2026-01-05", periods=2000, freq="15min")))
_GZ = gzip.compress(_HISTORY_TEXT.encode())


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("h.csv.gz", _GZ[: len(_GZ) // 2], "cannot be read: Compressed file ended before the end-of-stream marker was reached"),
    ("h.csv", b"", "file is empty"),
    ("h.csv", bytes(range(256)) * 4, "cannot be read: binary content (NUL bytes)"),
    ("h.csv", b"\xff\xfeinterval_start,offered\n", "cannot be read: 'utf-8' codec can't decode byte 0xff"),
], ids=["truncated-gzip", "empty", "binary", "not-utf8"])
def test_unreadable_files_are_located_errors(tmp_path: Path, name: str, content: bytes, problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    res = _forecast(path, tmp_path / "f.csv", "--start", "2026-03-03")
    assert res.exit_code == 1, res.output
    assert f"error: 1 problem(s) in input data:\n  {path}: {problem}" in res.output


# 5 ------------------------------------------------------------------------------------------


def test_forecast_starting_before_the_history_is_refused(tmp_path: Path) -> None:
    history = _synthetic_csv(tmp_path / "h.csv", dt.date(2026, 3, 2), 14)  # 2026-03-02 .. 03-15
    res = _forecast(history, tmp_path / "f.csv", "--start", "2026-03-01", "--horizon", "day")
    assert res.exit_code == 2, res.output
    assert ("invalid start='2026-03-01': expected a date after the first interval of the history, which runs "
            "from 2026-03-02 00:00:00 to 2026-03-15 23:30:00") in res.output
    assert not (tmp_path / "f.csv").exists()


# 6 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sep", "word"), [(";", "';'"), ("\t", "tabs")])
def test_semicolon_or_tab_separated_csv_gets_a_hint(tmp_path: Path, sep: str, word: str) -> None:
    path = tmp_path / "h.csv"
    path.write_text(f"interval_start{sep}offered\n2026-03-02 08:00{sep}1,5\n")
    res = _forecast(path, tmp_path / "f.csv", "--start", "2026-03-03")
    assert res.exit_code == 1, res.output
    assert f"{path}:1: the file seems to be separated by {word}" in res.output


# 7 ------------------------------------------------------------------------------------------


def test_implausible_count_is_refused(tmp_path: Path) -> None:
    path = _write_history(tmp_path / "h.csv", _day("2026-03-02", "08:00", "09:00", 15))
    path.write_text(path.read_text().replace("2026-03-02 08:30:00,10", "2026-03-02 08:30:00,1e12"))
    res = _forecast(path, tmp_path / "f.csv", "--start", "2026-03-03")
    assert res.exit_code == 1, res.output
    # 08:30 is the third row: line 4.
    assert f"{path}:4: column 'offered': expected a value <= 1e+07 (larger is implausible" in res.output
    assert "got 1e+12" in res.output


def test_interval_flag_contradicting_the_timestamps_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "forecast.csv"
    rows = [f"{t},10,200" for t in _day("2026-03-02", "08:00", "10:00", 15)]
    path.write_text("interval_start,calls,aht_seconds\n" + "\n".join(rows) + "\n")
    res = _run("requirements", "--forecast", str(path), "--interval-minutes", "30", "--out", str(tmp_path / "r.csv"))
    assert res.exit_code == 2, res.output
    assert "invalid --interval-minutes=30.0: expected the forecast's own interval, 15 minutes between its timestamps" in res.output
    assert not (tmp_path / "r.csv").exists()


# 8 ------------------------------------------------------------------------------------------


def test_duplicated_yaml_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text("site:\n  name: test\n  timezone: Europe/London\n  name: other\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}: line 4: key 'name' is given twice (first on line 2); keep one"


def test_roster_reads_requirements_with_a_dst_change_only_with_the_site_zone(tmp_path: Path) -> None:
    """Requirements over the autumn change (Europe/London, 2026-10-25 01:00 BST -> 01:00 GMT):
    01:00-01:45 local occurs twice. Without the zone the offsets are refused (located); with
    it, each wall-clock quarter-hour appears once carrying the larger requirement (by hand:
    the BST 01:00 row needs 3, the GMT one 5 -> 5)."""
    from staffing.io.roster import read_requirements_for_roster

    instants = pd.date_range("2026-10-25 00:00", periods=12, freq="15min", tz="Europe/London")
    agents = [3.0] * 12
    agents[4] = 3.0  # 01:00 BST
    agents[8] = 5.0  # 01:00 GMT (the second 01:00)
    path = tmp_path / "req.csv"
    pd.DataFrame({"interval_start": [t.isoformat() for t in instants], "agents": agents}).to_csv(path, index=False)
    with pytest.raises(DataError, match="different UTC offsets"):
        read_requirements_for_roster(path)
    table = read_requirements_for_roster(path, "Europe/London")
    assert len(table) == 8  # 00:00 .. 01:45 wall time, each once
    one_am = table.set_index("interval_start")["agents"][pd.Timestamp("2026-10-25 01:00")]
    assert one_am == 5.0
