"""The report pages in a real headless chromium: no console errors, no network, every chart drawn."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _actuals_fixture import actuals_frame
from _chromium import load_page
from _plan_fixture import write_plan

from staffing.io.plan import read_plan
from staffing.io.report import write_html
from staffing.report import ReportInputs, render_report, render_scenarios

# ``chromium`` (tests/conftest.py): a Chromium seen to start; skipped without one, except in CI.
pytestmark = pytest.mark.browser

EXPECTED_CHARTS = {f"chart-{n}" for n in ("volume", "aht", "intraday", "service", "coverage", "accuracy", "next-week",
                                          # one rota timeline per fixture day (Sat 28, Sun 29 March)
                                          "timeline-2026-03-28", "timeline-2026-03-29")}
# Clicks Sunday's tab once the page has loaded and reports (as a console error, which the
# harness collects) a tab switch that did not show Sunday's panel or hide Saturday's.
_CLICK_SUNDAY = """<script>
window.addEventListener("load", function () {
  document.querySelector('#timeline .tab[data-panel="chart-timeline-2026-03-29-panel"]').click();
  var sun = document.getElementById("chart-timeline-2026-03-29-panel");
  var sat = document.getElementById("chart-timeline-2026-03-28-panel");
  if (sun.classList.contains("hidden") || !sat.classList.contains("hidden")) { console.error("tab did not switch"); }
  if (sun.querySelector(".main-svg").getBoundingClientRect().width < 500) { console.error("Sunday chart too narrow"); }
});
</script>"""


def test_weekly_report_renders_in_chromium(chromium: str, tmp_path: Path) -> None:
    plan = read_plan(write_plan(tmp_path / "plan"))
    nxt = read_plan(write_plan(tmp_path / "next", week_start="2026-03-30"))
    page = write_html(render_report(ReportInputs(plan=plan, actuals=actuals_frame(), next_plan=nxt)),
                      tmp_path / "report.html")
    result = load_page(page)
    assert result.errors == []
    assert result.remote_requests == []
    assert set(result.charts) == EXPECTED_CHARTS
    assert all(div and svg for div, svg in result.charts.values()), result.charts


def test_timeline_tabs_switch_days_in_chromium(chromium: str, tmp_path: Path) -> None:
    plan = read_plan(write_plan(tmp_path / "plan"))
    html = render_report(ReportInputs(plan=plan)).replace("</body>", _CLICK_SUNDAY + "</body>")
    result = load_page(write_html(html, tmp_path / "report.html"))
    assert result.errors == []
    assert result.charts["chart-timeline-2026-03-29"] == (True, True)


def test_scenario_page_renders_in_chromium(chromium: str, tmp_path: Path) -> None:
    summary = pd.DataFrame({
        "scenario": ["s1", "s2", "s3"], "agent_hours": [900.0, 1010.0, 1150.0],
        "service_level": [0.71, 0.82, 0.91], "target_sl": [0.7, 0.8, 0.9], "model": ["erlang-c"] * 3,
    })
    page = write_html(render_scenarios(summary), tmp_path / "scenarios.html")
    result = load_page(page)
    assert result.errors == []
    assert result.remote_requests == []
    assert result.charts == {"chart-scenarios": (True, True)}


def test_harness_reports_errors_and_missing_charts(chromium: str, tmp_path: Path) -> None:
    # The checks above must be able to fail: a page with a console error, an exception and
    # an empty chart div is reported as such.
    page = tmp_path / "bad.html"
    page.write_text('<html><body data-charts="chart-x"><div id="chart-x"></div>'
                    '<script>console.error("boom"); undefinedFunction();</script></body></html>')
    result = load_page(page, render_timeout=1.0)
    assert any("boom" in e for e in result.errors)
    assert any("undefinedFunction" in e for e in result.errors)
    assert result.charts == {"chart-x": (True, False)}
