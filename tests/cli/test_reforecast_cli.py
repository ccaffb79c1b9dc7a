"""``staffing reforecast --config`` as cron runs it, and the example data's provenance."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from staffing.cli import main
from staffing.ingest.example_site import example_agents, example_history
from staffing.planning.nightly import ReforecastSettings, forecast_horizon
from staffing.store import Store

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_reforecast_twice_makes_one_version(tmp_path: Path, store_url: str) -> None:
    summary = tmp_path / "run.json"
    args = ["reforecast", "--config", str(CONFIGS / "example.yaml"), "--summary", str(summary)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "1 new version(s)" in first.output
    document = json.loads(summary.read_text())
    assert document["history_inserted"] == 16 * 7 * 60  # 16 weeks x 60 open quarter-hours (07:00-22:00)
    second = CliRunner().invoke(main, [*args, "--json"])
    assert second.exit_code == 0, second.output
    assert json.loads(second.output)["new_versions"] == []
    versions = Store.open(store_url).list_versions()
    assert len(versions) == 1 and versions[0].status == "published"
    # 14 whole local days from the first midnight after the last actual (Sun 25 Oct 21:45).
    assert str(versions[0].horizon_start).startswith("2026-10-26 00:00")
    assert str(versions[0].horizon_end).startswith("2026-11-09 00:00")


def test_reforecast_lock_busy_exits_1_with_message(store_url: str) -> None:
    store = Store.open(store_url)
    with store.lock("reforecast"):
        result = CliRunner().invoke(main, ["reforecast", "--config", str(CONFIGS / "example.yaml")])
    assert result.exit_code == 1
    assert "lock" in result.output and "reforecast" in result.output
    assert Store.open(store_url).list_versions() == []


def test_reforecast_config_error_exits_2(tmp_path: Path, store_url: str) -> None:
    config = tmp_path / "site.yaml"
    shutil.copytree(CONFIGS / "data", tmp_path / "data")
    config.write_text((CONFIGS / "example.yaml").read_text().replace("drift_wape_threshold", "drift_wape"))
    result = CliRunner().invoke(main, ["reforecast", "--config", str(config)])
    assert result.exit_code == 2
    assert "reforecast.drift_wape" in result.output


def test_store_commands_take_the_config_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STAFFING_STORE_URL", raising=False)
    shutil.copytree(CONFIGS / "data", tmp_path / "data")
    url = f"sqlite:///{tmp_path / 'site.db'}"
    config = tmp_path / "site.yaml"
    config.write_text((CONFIGS / "example.yaml").read_text().replace("url: null", f"url: {url}"))
    assert CliRunner().invoke(main, ["reforecast", "--config", str(config)]).exit_code == 0
    listed = CliRunner().invoke(main, ["versions", "list", "--config", str(config), "--json"])
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.output)) == 1


def test_horizon_starts_at_local_midnight_on_a_dst_day() -> None:
    # UK clocks went back at 02:00 BST on Sun 25 Oct 2026 (01:00 UTC): that day has 25
    # hours, so "midnight + 24 h" would land at 23:00 local. The horizon must start at
    # the next local midnight and hold whole local days.
    last = pd.Timestamp("2026-10-25 21:45", tz="Europe/London")
    horizon = forecast_horizon(last, ReforecastSettings(horizon_days=2, interval_minutes=15))
    assert horizon[0] == pd.Timestamp("2026-10-26 00:00", tz="Europe/London")
    assert horizon[-1] == pd.Timestamp("2026-10-27 23:45", tz="Europe/London")
    # The last actual on the eve of the change: the horizon's first day has 25 hours (100 intervals).
    eve = forecast_horizon(pd.Timestamp("2026-10-24 23:45", tz="Europe/London"),
                           ReforecastSettings(horizon_days=1, interval_minutes=15))
    assert eve[0] == pd.Timestamp("2026-10-25 00:00", tz="Europe/London") and len(eve) == 100


def test_shipped_example_data_is_what_the_generator_makes() -> None:
    shipped = pd.read_csv(CONFIGS / "data" / "example_history.csv", dtype={"interval_start": str})
    pd.testing.assert_frame_equal(shipped, example_history(), check_dtype=False)
    agents = pd.read_csv(CONFIGS / "data" / "example_agents.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(agents, example_agents().astype(str), check_dtype=False)


def test_forecast_publish_stores_a_published_version(tmp_path: Path, store_url: str) -> None:
    args = ["forecast", "--history", str(CONFIGS / "data" / "example_history.csv"), "--timezone", "Europe/London",
            "--interval-minutes", "15", "--start", "2026-10-26", "--horizon", "day"]
    draft = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "a.csv"), "--store-version"])
    assert draft.exit_code == 0, draft.output
    published = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "b.csv"), "--publish"])
    assert published.exit_code == 0, published.output
    versions = Store.open(store_url).list_versions()
    assert [v.status for v in versions] == ["draft", "published"]
    # The data cutoff is the end of the last history interval used (Sun 25 Oct 21:45 + 15 min).
    assert str(versions[1].data_cutoff).startswith("2026-10-25 22:00")
    stored = Store.open(store_url).version_values(versions[1].version_id)
    assert stored["calls"].sum() == pytest.approx(pd.read_csv(tmp_path / "b.csv")["calls"].sum(), rel=1e-9)



def test_forecast_publish_of_a_past_week_stays_a_draft(tmp_path: Path, store_url: str) -> None:
    # The history runs to Sun 25 Oct 2026 21:45 BST; a week starting Mon 19 Oct is in the past.
    args = ["forecast", "--history", str(CONFIGS / "data" / "example_history.csv"), "--timezone", "Europe/London",
            "--interval-minutes", "15", "--start", "2026-10-19", "--horizon", "day", "--out", str(tmp_path / "p.csv"), "--publish"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "(draft)" in result.output and "not published" in result.output
    store = Store.open(store_url)
    versions = store.list_versions()
    assert [v.status for v in versions] == ["draft"] and store.publications() == []
    # Data cutoff rule: min(end of history = 25 Oct 22:00, first interval = 19 Oct 00:00).
    assert versions[0].data_cutoff == pd.Timestamp("2026-10-19 00:00", tz="Europe/London")
    assert store.list_runs("forecast")[0].status == "ok"


def test_reforecast_section_is_the_library_settings(tmp_path: Path) -> None:
    from staffing.io.config import load_config

    config = load_config(CONFIGS / "example.yaml")
    assert isinstance(config.reforecast, ReforecastSettings)
    # configs/example.yaml: reforecast.horizon_days 14, drift_wape_threshold 0.25, drift_window_days 7.
    assert (config.reforecast.horizon_days, config.reforecast.drift_wape_threshold, config.reforecast.drift_window_days) == (14, 0.25, 7)
    shutil.copytree(CONFIGS / "data", tmp_path / "data")
    for key, value, home in (("interval_minutes", "30", "the top-level interval_minutes"), ("model", "{name: ets}", "the forecast: section")):
        site = tmp_path / f"{key}.yaml"
        site.write_text((CONFIGS / "example.yaml").read_text().replace("reforecast:\n", f"reforecast:\n  {key}: {value}\n"))
        result = CliRunner().invoke(main, ["reforecast", "--config", str(site)])
        assert result.exit_code == 2, result.output
        assert f"reforecast.{key}: set {home} instead" in result.output
    bounded = tmp_path / "bounded.yaml"
    bounded.write_text((CONFIGS / "example.yaml").read_text().replace("horizon_days: 14", "horizon_days: 0"))
    result = CliRunner().invoke(main, ["reforecast", "--config", str(bounded)])
    assert result.exit_code == 2 and "reforecast.horizon_days" in result.output
