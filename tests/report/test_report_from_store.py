"""``staffing report --config``: the week's plan, actuals and accuracy come from the store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from staffing.cli import main
from staffing.errors import StoreError
from staffing.report.from_store import stored_week
from staffing.store import Store

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """The example site whose history first ends on Sun 18 Oct; the rest arrives later."""
    data = tmp_path / "data"
    data.mkdir()
    full = pd.read_csv(CONFIGS / "data" / "example_history.csv")
    full[full["interval_start"] < "2026-10-19"].to_csv(data / "example_history.csv", index=False)
    full.to_csv(data / "actuals.csv", index=False)
    shutil.copy(CONFIGS / "data" / "example_agents.csv", data / "example_agents.csv")
    text = (CONFIGS / "example.yaml").read_text().replace("  horizon_days: 14\n", "  horizon_days: 14\n  actuals: data/actuals.csv\n")
    config = tmp_path / "site.yaml"
    config.write_text(text)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("STAFFING_STORE_URL", url)
    return config, url


def test_report_of_a_planned_week_with_actuals(site: tuple[Path, str], tmp_path: Path) -> None:
    config, url = site
    plan_dir = tmp_path / "plan"
    planned = CliRunner().invoke(main, ["plan", "--config", str(config), "--out-dir", str(plan_dir),
                                        "--time-limit", "5", "--quiet"])
    assert planned.exit_code == 0, planned.output
    assert "week of Mon 19 Oct 2026" in planned.output
    # The nightly job brings the week's actuals in.
    night = CliRunner().invoke(main, ["reforecast", "--config", str(config)])
    assert night.exit_code == 0, night.output

    week = stored_week(Store.open(url))
    assert str(week.week_start) == "2026-10-19" and week.plan_dir == plan_dir.resolve()
    assert week.actuals is not None and week.accuracy is not None
    # Independent check of the accuracy: WAPE = sum|F - A| / sum A per day, forecast from the
    # plan's forecast.csv (the published version) and actuals from the history file.
    forecast = pd.read_csv(plan_dir / "forecast.csv", parse_dates=["interval_start"])
    actual = pd.read_csv(tmp_path / "data" / "actuals.csv", parse_dates=["interval_start"])
    both = forecast.merge(actual, on="interval_start", how="inner")
    both["date"] = both["interval_start"].dt.normalize()
    both["abs"] = (both["calls"] - both["offered"]).abs()
    daily = both.groupby("date")[["abs", "offered"]].sum()
    expected = (daily["abs"] / daily["offered"]).to_numpy()
    assert week.accuracy["wape"].to_numpy() == pytest.approx(expected, rel=1e-3)

    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", "--config", str(config), "--week", "2026-10-19", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000
    assert "No evaluation was given" in out.read_text()
    # With an evaluation of the week against its actuals the report shows the attribution.
    evaluation = tmp_path / "eval"
    evaluated = CliRunner().invoke(main, ["evaluate", "--plan", str(plan_dir), "--actuals",
                                          str(tmp_path / "data" / "actuals.csv"), "--replications", "3",
                                          "--out-dir", str(evaluation)])
    assert evaluated.exit_code == 0, evaluated.output
    result = CliRunner().invoke(main, ["report", "--config", str(config), "--week", "2026-10-19",
                                       "--evaluation", str(evaluation), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert 'id="chart-evaluation"' in html and "No evaluation was given" not in html


def test_report_errors(site: tuple[Path, str], tmp_path: Path) -> None:
    _config, url = site
    with pytest.raises(StoreError, match="run `staffing plan` first"):
        stored_week(Store.open(url))
    neither = CliRunner().invoke(main, ["report", "--out", str(tmp_path / "r.html")])
    assert neither.exit_code == 2 and "exactly one of --plan" in neither.output
    week_without_config = CliRunner().invoke(main, ["report", "--plan", str(tmp_path), "--week", "2026-10-19",
                                                    "--out", str(tmp_path / "r.html")])
    assert week_without_config.exit_code == 2 and "--week" in week_without_config.output
