"""Weekly report: KPI arithmetic against hand computations, and the rendered HTML."""

from __future__ import annotations

import math
from fractions import Fraction as F
from pathlib import Path

import pandas as pd
import pytest
from _actuals_fixture import actuals_frame
from _plan_fixture import coverage_frame, write_plan
from click.testing import CliRunner

from staffing.errors import DataError
from staffing.io.plan import read_plan
from staffing.io.report import read_actuals
from staffing.report import ReportInputs, render_report, render_scenarios
from staffing.report.kpis import (
    accuracy_from_actuals,
    change,
    missed_peaks,
    service_table,
    volume_table,
)
from staffing.report.render import plotly_js

WEEK = pd.Timestamp("2026-03-23")
SAT, SUN, FRI = pd.Timestamp("2026-03-28"), pd.Timestamp("2026-03-29"), pd.Timestamp("2026-03-27")


@pytest.fixture
def plan_dir(tmp_path: Path) -> Path:
    return write_plan(tmp_path / "plan")


def test_change_is_relative_to_last_and_guards_zero() -> None:
    diff, rel = change(pd.Series([120.0, 5.0, 0.0, 3.0]), pd.Series([100.0, 0.0, 0.0, float("nan")]))
    assert diff.tolist()[:3] == [20.0, 5.0, 0.0]
    assert rel.iloc[0] == 0.2  # (120 - 100) / 100, not / 120
    assert rel.iloc[1:].isna().all()  # last = 0 or missing: no percentage


def test_volume_and_aht_change_match_hand_computation(plan_dir: Path) -> None:
    plan = read_plan(plan_dir)
    table = volume_table(actuals_frame(), plan.forecast, WEEK)
    f = table.frame
    # Saturday: 12 h x 10 + 12 h x 14 = 288 this week; 24 h x 10 = 240 last week.
    assert f.loc[SAT, "offered"] == 288 and f.loc[SAT, "offered_last"] == 240
    assert f.loc[SAT, "offered_change"] == 48
    assert F(f.loc[SAT, "offered_change_pct"]).limit_denominator(1000) == F(288 - 240, 240)
    # Sunday: 23 h x 15 = 345 (DST day) against 24 h x 15 = 360.
    assert f.loc[SUN, "offered_change"] == -15
    assert f.loc[SUN, "offered_change_pct"] == pytest.approx(float(F(345 - 360, 360)))
    # Friday: last week's Friday had 0 offered -> no percentage.
    assert f.loc[FRI, "offered"] == 20 and f.loc[FRI, "offered_last"] == 0
    assert math.isnan(f.loc[FRI, "offered_change_pct"])
    # Monday: no actuals at all.
    assert math.isnan(f.loc[WEEK, "offered"])
    # Saturday AHT is answered-weighted: (300 x 9 x 12 + 360 x 13 x 12) / (22 x 12).
    aht_sat = F(300 * 9 * 12 + 360 * 13 * 12, 22 * 12)
    assert f.loc[SAT, "aht_seconds"] == pytest.approx(float(aht_sat))
    assert f.loc[SAT, "aht_change_pct"] == pytest.approx(float((aht_sat - 280) / 280))
    # Forecast: 24 x 10 calls on Saturday at 300 s; 23 x 12 on Sunday at 240 s.
    assert f.loc[SAT, "forecast_calls"] == 240 and f.loc[SUN, "forecast_calls"] == 276
    # Week: 288 + 345 + 20 = 653 against 240 + 360 + 0 = 600.
    assert table.week["offered"] == 653 and table.week["offered_last"] == 600
    assert table.week["offered_change_pct"] == pytest.approx(float(F(53, 600)))
    handle_this = 300 * 9 * 12 + 360 * 13 * 12 + 240 * 15 * 23 + 200 * 4 * 5
    answered_this = 22 * 12 + 15 * 23 + 20
    assert table.week["aht_seconds"] == pytest.approx(handle_this / answered_this)
    assert table.week["forecast_aht_seconds"] == pytest.approx((300 * 240 + 240 * 276) / (240 + 276))


def test_service_kpis_are_volume_weighted(plan_dir: Path) -> None:
    plan = read_plan(plan_dir)
    s = service_table(actuals_frame(), plan.requirements, WEEK)
    # SL weighted by offered: (0.9 x 10 x 12 + 0.6 x 14 x 12) / 288 (the plain mean would be 0.75).
    assert s.loc[SAT, "service_level"] == pytest.approx((0.9 * 120 + 0.6 * 168) / 288)
    # ASA weighted by answered: (10 x 9 + 40 x 13) / 22.
    assert s.loc[SAT, "asa_seconds"] == pytest.approx((10 * 9 + 40 * 13) / 22)
    assert s.loc[SAT, "abandon_rate"] == pytest.approx(24 / 288)
    assert s.loc[SAT, "planned_service_level"] == pytest.approx(0.8)
    assert math.isnan(s.loc[WEEK, "service_level"])


def test_accuracy_from_actuals_matches_hand_computation(plan_dir: Path) -> None:
    plan = read_plan(plan_dir)
    acc = accuracy_from_actuals(actuals_frame(), plan.forecast, WEEK)
    # Saturday: |10-10| x 12 + |10-14| x 12 = 48 over 288 actual; forecast 48 low.
    assert acc.loc[SAT, "wape"] == pytest.approx(48 / 288)
    assert acc.loc[SAT, "bias"] == pytest.approx(-48 / 288)
    # Sunday: 23 x |12 - 15| / 345.
    assert acc.loc[SUN, "wape"] == pytest.approx(69 / 345)
    assert acc.loc["week", "wape"] == pytest.approx((48 + 69) / (288 + 345))


def test_missed_peaks_ranked_by_weighted_shortfall() -> None:
    cov = coverage_frame()
    peaks = missed_peaks(cov, 60, limit=100)
    # Independent exact computation: weight = required / mean(required > 0), 1-hour intervals.
    req = [F(r).limit_denominator() for r in cov["required"]]
    sch = [F(x).limit_denominator() for x in cov["scheduled"]]
    mean = sum(r for r in req if r > 0) / sum(1 for r in req if r > 0)
    expected = sorted(
        ((max(r - x, F(0)) * r / mean, t) for r, x, t in zip(req, sch, cov["interval_start"], strict=True) if r > x),
        key=lambda item: (-item[0], item[1]),
    )[:100]
    assert list(peaks["interval_start"]) == [t for _, t in expected]
    assert peaks["weighted_shortfall"].tolist() == pytest.approx([float(w) for w, _ in expected])
    # Sat 09:00 (short 1.5 at required 2.5) outranks every 1-agent night gap (1 x 1).
    order = list(peaks["interval_start"])
    assert order.index(pd.Timestamp("2026-03-28 09:00")) < order.index(pd.Timestamp("2026-03-28 00:00"))
    assert (peaks["under"] > 0).all()


def _inputs(tmp_path: Path, plan_dir: Path) -> ReportInputs:
    plan = read_plan(plan_dir)
    nxt = read_plan(write_plan(tmp_path / "next", week_start="2026-03-30"))
    return ReportInputs(plan=plan, actuals=actuals_frame(), next_plan=nxt)


def test_report_html_is_self_contained_with_every_section(tmp_path: Path, plan_dir: Path) -> None:
    html = render_report(_inputs(tmp_path, plan_dir))
    assert html.count(plotly_js()[:300]) == 1  # plotly inlined exactly once
    page = html.replace(plotly_js(), "")
    assert "<script src" not in page and "cdn.plot.ly" not in page and "https://" not in page
    for section in ("overview", "volume", "service", "coverage", "accuracy", "peaks", "next", "formulas"):
        assert f'<section id="{section}">' in html
    for chart in ("volume", "aht", "intraday", "service", "coverage", "accuracy", "next-week"):
        assert f'id="chart-{chart}" class="chart"' in html
    assert "+20.0 %" in html  # Saturday's volume change (288 - 240) / 240
    assert "Σ |actual − forecast| / Σ actual" in html


def test_report_without_actuals_says_so(plan_dir: Path) -> None:
    html = render_report(ReportInputs(plan=read_plan(plan_dir)))
    assert "No actuals were given" in html
    assert 'id="chart-coverage" class="chart"' in html
    assert 'id="chart-service"' not in html


def test_recorded_accuracy_is_shown(plan_dir: Path) -> None:
    acc = pd.DataFrame({"date": [SAT, SUN], "wape": [0.125, 0.05], "bias": [-0.02, 0.01]})
    html = render_report(ReportInputs(plan=read_plan(plan_dir), accuracy=acc))
    assert "as recorded for the published forecast version" in html
    assert "12.5 %" in html and "-2.0 %" in html


def test_scenario_page_requires_its_columns() -> None:
    with pytest.raises(DataError, match="service_level"):
        render_scenarios(pd.DataFrame({"scenario": ["a"], "agent_hours": [1.0]}))


def test_cli_report(tmp_path: Path, plan_dir: Path) -> None:
    from staffing.cli import main

    actuals = actuals_frame()
    actuals.to_csv(tmp_path / "h.csv", index=False)
    pd.DataFrame({"date": ["2026-03-28"], "wape": [0.1], "bias": [0.02]}).to_csv(tmp_path / "a.csv", index=False)
    out = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["report", "--plan", str(plan_dir), "--actuals", str(tmp_path / "h.csv"),
                                       "--accuracy", str(tmp_path / "a.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "+20.0 %" in out.read_text(encoding="utf-8")
    assert read_actuals(tmp_path / "h.csv")["offered"].sum() == actuals["offered"].sum()
    bad = CliRunner().invoke(main, ["report", "--plan", str(plan_dir), "--actuals", str(tmp_path / "a.csv"),
                                    "--out", str(out)])
    assert bad.exit_code == 1
    assert "interval_start" in bad.output


def test_volume_surprises_above_the_80_percent_band(plan_dir: Path) -> None:
    from staffing.report.kpis import volume_surprises

    plan = read_plan(plan_dir)
    out = volume_surprises(actuals_frame(), plan.forecast, limit=100)
    # upper80 = forecast + 2: Saturday 12:00-23:00 offered 14 > 12 (excess 2); Sunday's
    # 23 hours offered 15 > 14 (excess 1); Saturday morning 10 is inside the band.
    assert len(out) == 12 + 23
    assert (out["excess"].iloc[:12] == 2).all() and (out["excess"].iloc[12:] == 1).all()
    assert out["interval_start"].iloc[0] == pd.Timestamp("2026-03-28 12:00")
