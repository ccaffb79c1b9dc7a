"""Exports: Excel workbook, flat CSV rota and per-agent iCalendar files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import icalendar
import openpyxl
import pandas as pd
import pytest
from _plan_fixture import ROSTER_ROWS, coverage_frame, write_plan
from click.testing import CliRunner

from staffing.errors import ConfigError, DataError, InvalidArgumentError
from staffing.exports import build_calendars, build_workbook, flat_rota, shift_uid
from staffing.exports.calendar import calendar_filename
from staffing.exports.workbook import SHEETS
from staffing.io.exports import write_bytes
from staffing.io.plan import read_plan

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 21, 9, 0, tzinfo=UTC)


@pytest.fixture
def plan_dir(tmp_path: Path) -> Path:
    return write_plan(tmp_path / "plan")


def _events(data: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


# ----------------------------------------------------------------------------- reading


def test_plan_reader_parses_breaks_and_sorts(plan_dir: Path) -> None:
    plan = read_plan(plan_dir)
    assert plan.meta.timezone == "Europe/London"
    assert plan.meta.interval_minutes == 60
    assert list(plan.roster["agent_id"]) == ["A1", "A1", "B2", "C3"]
    # A1's Sunday row of ROSTER_ROWS has two breaks; C3 none.
    assert plan.roster.loc[1, "breaks"] == (
        (pd.Timestamp("2026-03-29 12:00"), pd.Timestamp("2026-03-29 12:30")),
        (pd.Timestamp("2026-03-29 14:30"), pd.Timestamp("2026-03-29 14:45")),
    )
    assert plan.roster.loc[3, "breaks"] == ()


def test_offsets_in_files_become_plan_local_time(tmp_path: Path) -> None:
    # 2026-03-29 07:00Z is 08:00 BST; 2026-03-28 08:00+00:00 is 08:00 GMT.
    rows = [("A1", "2026-03-28T08:00+00:00", "2026-03-28T16:30+00:00", 480, "2026-03-28T12:00+00:00/2026-03-28T12:30+00:00"),
            ("A1", "2026-03-29T07:00+00:00", "2026-03-29T15:30+00:00", 480, "2026-03-29T11:00Z/2026-03-29T11:30Z")]
    plan = read_plan(write_plan(tmp_path / "p", roster_rows=rows))
    assert list(plan.roster["shift_start"]) == [pd.Timestamp("2026-03-28 08:00"), pd.Timestamp("2026-03-29 08:00")]
    assert plan.roster.loc[1, "breaks"] == ((pd.Timestamp("2026-03-29 12:00"), pd.Timestamp("2026-03-29 12:30")),)


def test_bad_roster_cells_are_reported_with_line_and_column(tmp_path: Path) -> None:
    rows = [("A1", "2026-03-28 08:00", "not a time", 480, ""),
            ("B2", "2026-03-28 10:00", "2026-03-28 09:00", 60, "12:00-13:00")]
    with pytest.raises(DataError) as info:
        read_plan(write_plan(tmp_path / "p", roster_rows=rows))
    text = str(info.value)
    assert "roster.csv:2: column 'shift_end'" in text
    assert "roster.csv:3: column 'breaks'" in text
    assert "roster.csv:3: column 'shift_end': shift ends before it starts" in text


def test_unknown_timezone_is_a_config_error(plan_dir: Path) -> None:
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        read_plan(plan_dir, timezone="Mars/Olympus")


# ----------------------------------------------------------------------------- CSV


def test_flat_rota_rows_and_dst_aware_shift_hours(plan_dir: Path) -> None:
    plan = read_plan(plan_dir)
    rota = flat_rota(plan.roster, plan.meta.timezone)
    assert list(rota.columns) == ["agent_id", "date", "weekday", "start", "end", "paid_hours", "shift_hours", "breaks"]
    night = rota[rota["agent_id"] == "B2"].iloc[0]
    assert (night["date"], night["start"], night["end"]) == ("2026-03-28", "22:00", "06:00 (+1)")
    # 22:00 GMT (22:00Z) to 06:00 BST (05:00Z) is 7 h, not the 8 h the wall clocks suggest.
    assert night["shift_hours"] == 7.0
    assert night["paid_hours"] == 390 / 60
    assert night["breaks"] == "03:00 (+1)-03:30 (+1)"
    a1_sun = rota[(rota["agent_id"] == "A1") & (rota["date"] == "2026-03-29")].iloc[0]
    assert a1_sun["breaks"] == "12:00-12:30; 14:30-14:45"
    assert a1_sun["shift_hours"] == 8.5


# ----------------------------------------------------------------------------- Excel


def test_workbook_reopens_with_expected_sheets_and_values(plan_dir: Path, tmp_path: Path) -> None:
    plan = read_plan(plan_dir)
    path = write_bytes(build_workbook(plan), tmp_path / "rota.xlsx")

    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == list(SHEETS)

    rota = sheets["Rota"].set_index("Agent")
    assert rota.loc["A1", "Sat 2026-03-28"] == "08:00-16:30\nbreaks 12:00-12:30"
    assert rota.loc["B2", "Sat 2026-03-28"] == "22:00-06:00 (+1)\nbreaks 03:00 (+1)-03:30 (+1)"
    assert rota.loc["C3", "Sat 2026-03-28"] == "off"
    assert rota.loc["A1", "Mon 2026-03-23"] == "off"  # the whole plan week is shown
    assert rota.loc["A1", "Paid hours"] == pytest.approx((480 + 465) / 60)

    shifts = sheets["Shifts"]
    assert len(shifts) == len(ROSTER_ROWS)
    assert list(shifts["agent_id"]) == ["A1", "A1", "B2", "C3"]

    # Coverage heatmap cell = scheduled - required, from the fixture's own coverage table.
    cov = coverage_frame()
    heat = sheets["Coverage"].set_index("Time")
    sat9 = cov[cov["interval_start"] == pd.Timestamp("2026-03-28 09:00")].iloc[0]
    assert heat.loc["09:00", "Sat 2026-03-28"] == pytest.approx(sat9["scheduled"] - sat9["required"]) == -1.5
    assert pd.isna(heat.loc["01:00", "Sun 2026-03-29"])  # the hour skipped by the DST change

    detail = sheets["Coverage detail"]
    assert len(detail) == len(cov)
    assert detail.loc[detail["interval_start"] == pd.Timestamp("2026-03-28 09:00"), "status"].item() == "under"

    agents = sheets["Agents"].set_index("agent_id")
    assert agents.loc["A1", "paid_hours"] == 15.75
    summary = sheets["Summary"].set_index("item")["value"]
    assert float(summary["paid_hours"]) == pytest.approx((480 + 465 + 390 + 480) / 60)
    # Hourly intervals: agent-hours short = sum of the fixture's shortfalls x 1 h.
    assert float(summary["under_agent_hours"]) == pytest.approx(sum(max(r - s, 0.0) for r, s in zip(cov["required"], cov["scheduled"], strict=True)))
    assert summary["roster.status"] == "optimal"

    wb = openpyxl.load_workbook(path)
    assert wb["Rota"].freeze_panes == "B2"
    assert wb["Coverage"].freeze_panes == "B2"
    assert wb["Shifts"].freeze_panes == "B2"
    rules = [r for rng in wb["Coverage"].conditional_formatting for r in rng.rules]
    fills = {r.dxf.fill.bgColor.rgb[-6:] for r in rules if r.dxf is not None and r.dxf.fill is not None}
    assert {"F4B6B6", "FFD98A", "B9E4BE"} <= fills  # red, amber, green
    assert wb["Rota"].column_dimensions["B"].width >= 16


# ----------------------------------------------------------------------------- iCalendar


def test_calendars_one_file_per_agent_with_stable_uids(plan_dir: Path) -> None:
    plan = read_plan(plan_dir)
    files = build_calendars(plan, now=NOW)
    assert sorted(files) == ["A1.ics", "B2.ics", "C3.ics"]
    a1 = _events(files["A1.ics"])
    assert set(a1) == {shift_uid("A1", datetime(2026, 3, 28).date()), shift_uid("A1", datetime(2026, 3, 29).date())}
    ev = a1[shift_uid("A1", datetime(2026, 3, 29).date())]
    assert "Breaks: 12:00-12:30; 14:30-14:45" in str(ev["DESCRIPTION"])
    assert int(ev["SEQUENCE"]) == 0
    assert ev.decoded("DTSTAMP") == NOW

    # Re-export of the same plan: same UIDs, and byte-identical files (DTSTAMP kept).
    again = build_calendars(read_plan(plan_dir), now=LATER, previous=files)
    assert again == files


def test_changed_shift_keeps_uid_with_higher_sequence(plan_dir: Path, tmp_path: Path) -> None:
    first = build_calendars(read_plan(plan_dir), now=NOW)
    rows = list(ROSTER_ROWS)
    rows[1] = ("A1", "2026-03-29 09:00", "2026-03-29 17:30", 465, rows[1][4])  # moved one hour
    rows = [r for r in rows if r[0] != "C3"]  # C3's shift withdrawn
    second = build_calendars(read_plan(write_plan(tmp_path / "v2", roster_rows=rows)), now=LATER, previous=first)

    sun_uid = shift_uid("A1", datetime(2026, 3, 29).date())
    sat_uid = shift_uid("A1", datetime(2026, 3, 28).date())
    a1 = _events(second["A1.ics"])
    assert set(a1) == {sat_uid, sun_uid}
    assert int(a1[sun_uid]["SEQUENCE"]) == 1
    assert a1[sun_uid].decoded("DTSTAMP") == LATER
    assert a1[sun_uid].decoded("DTSTART").astimezone(UTC) == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)  # 09:00 BST
    assert int(a1[sat_uid]["SEQUENCE"]) == 0
    assert a1[sat_uid].decoded("DTSTAMP") == NOW

    c3 = _events(second["C3.ics"])
    (cancelled,) = c3.values()
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 1
    assert str(cancelled["UID"]) == shift_uid("C3", datetime(2026, 3, 29).date())


def test_calendar_times_across_the_dst_change(plan_dir: Path) -> None:
    files = build_calendars(read_plan(plan_dir), now=NOW)
    cal = icalendar.Calendar.from_ical(files["B2.ics"])
    (tz,) = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Europe/London"
    assert {c.name for c in tz.subcomponents} == {"STANDARD", "DAYLIGHT"}
    assert cal.get_missing_tzids() == set()
    (night,) = cal.walk("VEVENT")
    assert night["DTSTART"].params["TZID"] == "Europe/London"
    # 22:00 GMT = 22:00Z; 06:00 BST = 05:00Z (UK summer time starts 2026-03-29 01:00Z).
    assert night.decoded("DTSTART").astimezone(UTC) == datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
    assert night.decoded("DTEND").astimezone(UTC) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    a1 = icalendar.Calendar.from_ical(files["A1.ics"]).walk("VEVENT")
    starts = sorted(ev.decoded("DTSTART").astimezone(UTC) for ev in a1)
    assert starts == [datetime(2026, 3, 28, 8, 0, tzinfo=UTC), datetime(2026, 3, 29, 7, 0, tzinfo=UTC)]


def test_calendars_need_a_timezone(tmp_path: Path) -> None:
    plan = read_plan(write_plan(tmp_path / "p", timezone=None))
    with pytest.raises(InvalidArgumentError, match="timezone"):
        build_calendars(plan, now=NOW)


def test_calendar_filename_is_safe() -> None:
    assert calendar_filename("jo/smith 2") == "jo_smith_2.ics"


# ----------------------------------------------------------------------------- CLI


def test_cli_exports_all_formats(plan_dir: Path, tmp_path: Path) -> None:
    from staffing.cli import main

    runner = CliRunner()
    for fmt, out in (("xlsx", tmp_path / "o.xlsx"), ("csv", tmp_path / "o.csv"), ("ics", tmp_path / "cal")):
        result = runner.invoke(main, ["export", "--plan", str(plan_dir), "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert list(pd.read_excel(tmp_path / "o.xlsx", sheet_name=None)) == list(SHEETS)
    assert len(pd.read_csv(tmp_path / "o.csv")) == len(ROSTER_ROWS)
    first = {p.name: p.read_bytes() for p in (tmp_path / "cal").glob("*.ics")}
    assert sorted(first) == ["A1.ics", "B2.ics", "C3.ics"]
    # Publishing the same plan again into the same folder leaves the calendars unchanged.
    assert runner.invoke(main, ["export", "--plan", str(plan_dir), "--format", "ics", "--out", str(tmp_path / "cal")]).exit_code == 0
    assert {p.name: p.read_bytes() for p in (tmp_path / "cal").glob("*.ics")} == first


def test_cli_errors_have_exit_codes(plan_dir: Path, tmp_path: Path) -> None:
    from staffing.cli import main

    runner = CliRunner()
    bad_tz = runner.invoke(main, ["export", "--plan", str(plan_dir), "--format", "csv", "--out",
                                  str(tmp_path / "x.csv"), "--timezone", "Nowhere/Land"])
    assert bad_tz.exit_code == 2
    assert "Nowhere/Land" in bad_tz.output
    missing = runner.invoke(main, ["export", "--plan", str(tmp_path / "none"), "--format", "csv", "--out", str(tmp_path / "y.csv")])
    assert missing.exit_code == 1
    assert "plan directory not found" in missing.output


def test_calendar_agents_with_clashing_file_names_are_rejected(tmp_path: Path) -> None:
    rows = [("a/b", "2026-03-28 08:00", "2026-03-28 16:00", 480, ""),
            ("a_b", "2026-03-28 08:00", "2026-03-28 16:00", 480, "")]
    plan = read_plan(write_plan(tmp_path / "p", roster_rows=rows))
    with pytest.raises(InvalidArgumentError, match="a_b"):
        build_calendars(plan, now=NOW)


def test_calendar_autumn_change_reads_the_repeated_hour_as_summer_time(tmp_path: Path) -> None:
    # UK clocks go back at 02:00 BST on 2026-10-25 (01:00Z): local 01:30 happens twice.
    # A naive 01:30 start is its first occurrence, 01:30 BST = 00:30Z; the 09:00 end is GMT = 09:00Z.
    rows = [("N1", "2026-10-25 01:30", "2026-10-25 09:00", 480, "")]
    plan = read_plan(write_plan(tmp_path / "p", roster_rows=rows, week_start="2026-10-19"))
    (ev,) = icalendar.Calendar.from_ical(build_calendars(plan, now=NOW)["N1.ics"]).walk("VEVENT")
    assert ev.decoded("DTSTART").astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert ev.decoded("DTEND").astimezone(UTC) == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
    assert flat_rota(plan.roster, plan.meta.timezone).loc[0, "shift_hours"] == 8.5


def test_vectorised_shift_hours_equal_the_scalar_reference() -> None:
    from staffing.exports.rota import elapsed_hours, elapsed_hours_series

    starts = pd.Series(pd.to_datetime(["2026-03-28 22:00", "2026-10-25 01:30", "2026-03-29 01:30", "2026-06-01 08:00"]))
    ends = pd.Series(pd.to_datetime(["2026-03-29 06:00", "2026-10-25 09:00", "2026-03-29 09:00", "2026-06-01 16:30"]))
    for zone in ("Europe/London", "America/New_York", None):
        vector = elapsed_hours_series(starts, ends, zone).tolist()
        scalar = [elapsed_hours(s, e, zone) for s, e in zip(starts, ends, strict=True)]
        assert vector == scalar
    # 01:30 on 2026-03-29 does not exist in London; it is shifted forward to 02:00 BST (01:00Z), so 7 h to 09:00 BST.
    assert elapsed_hours_series(starts, ends, "Europe/London").tolist() == [7.0, 8.5, 7.0, 8.5]
