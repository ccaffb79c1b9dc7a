"""End-to-end ``staffing plan`` on every shipped config, and its failure modes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from staffing.cli import main
from staffing.io.config import load_config
from staffing.io.roster import read_agents, read_roster
from staffing.queueing import erlang
from staffing.roster import check_roster
from staffing.store import Store

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
CONFIG_FILES = sorted(CONFIGS.glob("*.yaml"))


def test_every_config_is_covered() -> None:
    """The parametrised run below covers exactly the configs the README documents as
    running as shipped (its ``configs/NAME.yaml`` mentions), so a new config cannot ship
    untested nor a documented one go missing."""
    readme = (CONFIGS.parent / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"configs/([A-Za-z0-9_]+\.yaml)", readme))
    assert {p.name for p in CONFIG_FILES} == documented


@pytest.mark.parametrize("config_path", CONFIG_FILES, ids=[p.name for p in CONFIG_FILES])
def test_plan_runs_on_every_shipped_config(config_path: Path, tmp_path: Path, store_url: str) -> None:
    out = tmp_path / "plan"
    result = CliRunner().invoke(main, ["plan", "--config", str(config_path), "--out-dir", str(out),
                                       "--time-limit", "10", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "plan for the week of Mon 26 Oct 2026" in result.output
    for name in ("roster.csv", "coverage.csv", "agents.csv", "summary.json", "forecast.csv",
                 "requirements.csv", "service.csv", "days.csv", "plan.json"):
        assert (out / name).is_file(), name
    config = load_config(config_path)
    meta = json.loads((out / "plan.json").read_text())
    assert meta["week_start"] == "2026-10-26"
    assert len(meta["days"]) == 7

    # The roster obeys every hard rule (independent checker) ...
    roster = read_roster(out / "roster.csv")
    assert check_roster(roster, read_agents(config.agents), config.roster, pd.Timestamp("2026-10-26")) == []

    # ... and the projected service per interval is the queue's Erlang model evaluated
    # at scheduled * (1 - shrinkage) agents (module Notes of staffing.planning.week).
    targets = config.queues[0].targets
    service = pd.read_csv(out / "service.csv")
    on_phone = service["scheduled"].to_numpy() * (1 - targets.shrinkage)
    req = pd.read_csv(out / "requirements.csv")
    load = req["load_erlangs"].to_numpy()
    aht = np.where(req["aht_seconds"].to_numpy() > 0, req["aht_seconds"].to_numpy(), 1.0)
    if targets.model == "erlang-a":
        assert targets.patience_seconds is not None
        expected = erlang.erlang_a(on_phone, load, aht, targets.patience_seconds, targets.answer_seconds).service_level
    else:
        expected = erlang.service_level(on_phone, load, aht, targets.answer_seconds)
    np.testing.assert_allclose(service["service_level"].to_numpy(), expected, rtol=1e-5, atol=1e-6)

    # The day table adds up: a day's SL is the call-weighted mean of its intervals.
    days = pd.read_csv(out / "days.csv")
    service["date"] = pd.to_datetime(service["interval_start"]).dt.date.astype(str)
    first = service[service["date"] == days["date"].iloc[0]]
    weighted = (first["service_level"] * first["calls"]).sum() / first["calls"].sum()
    assert days["service_level"].iloc[0] == pytest.approx(weighted, rel=1e-4)
    coverage = pd.read_csv(out / "coverage.csv")
    assert days["required_agent_hours"].sum() == pytest.approx(coverage["required"].sum() * 0.25, rel=1e-6)
    if config.plan.simulation_replications:
        # The simulated SL per day is the roster against its own forecast (staffing evaluate).
        simulated = pd.read_csv(out / "simulation" / "days.csv")
        np.testing.assert_allclose(days["simulated_service_level"], simulated["simulated_service_level"], rtol=1e-5)
        assert ((days["simulated_band_low"] <= days["simulated_service_level"])
                & (days["simulated_service_level"] <= days["simulated_band_high"])).all()

    # The store holds the published forecast version and the plan.
    store = Store.open(store_url)
    versions = store.list_versions()
    assert [v.status for v in versions] == ["published"]
    assert len(store.list_plans()) == 1


def test_plan_twice_reuses_history(tmp_path: Path, store_url: str) -> None:
    args = ["plan", "--config", str(CONFIGS / "example.yaml"), "--time-limit", "5", "--quiet"]
    first = CliRunner().invoke(main, [*args, "--out-dir", str(tmp_path / "a"), "--week-start", "2026-10-26"])
    assert first.exit_code == 0, first.output
    store = Store.open(store_url)
    rows = len(store.history("general"))
    second = CliRunner().invoke(main, [*args, "--out-dir", str(tmp_path / "b"), "--week-start", "2026-10-26"])
    assert second.exit_code == 0, second.output
    assert len(store.history("general")) == rows  # idempotent import: 16 weeks x 60 intervals
    assert rows == 16 * 7 * 60


def _site_with_history(tmp_path: Path, history_text: str) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "example_history.csv").write_text(history_text, encoding="utf-8")
    shutil.copy(CONFIGS / "data" / "example_agents.csv", data / "example_agents.csv")
    config = tmp_path / "site.yaml"
    shutil.copy(CONFIGS / "example.yaml", config)
    return config


def test_corrupt_history_is_rejected_with_row_and_nothing_is_written(tmp_path: Path, store_url: str) -> None:
    lines = (CONFIGS / "data" / "example_history.csv").read_text().splitlines()
    fields = lines[5].split(",")
    fields[2] = "-" + fields[2]  # file line 6: negative offered calls
    lines[5] = ",".join(fields)
    lines[9] = "not-a-time,general,1,1,0,200.0"  # file line 10
    config = _site_with_history(tmp_path, "\n".join(lines) + "\n")
    out = tmp_path / "plan"
    result = CliRunner().invoke(main, ["plan", "--config", str(config), "--out-dir", str(out), "--quiet"])
    assert result.exit_code == 1
    assert "example_history.csv" in result.output
    assert "example_history.csv:6: column 'offered'" in result.output
    assert "example_history.csv:10: column 'interval_start'" in result.output
    assert not out.exists()
    assert Store.open(store_url).list_versions() == []


def test_config_typo_exits_2_naming_the_key(tmp_path: Path, store_url: str) -> None:
    config = tmp_path / "site.yaml"
    config.write_text((CONFIGS / "example.yaml").read_text().replace("min_rest_hours", "min_rest_hrs"))
    result = CliRunner().invoke(main, ["plan", "--config", str(config), "--out-dir", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "roster.min_rest_hrs" in result.output and "min_rest_hours" in result.output


def test_bad_week_start_is_a_usage_error(tmp_path: Path, store_url: str) -> None:
    result = CliRunner().invoke(main, ["plan", "--config", str(CONFIGS / "example.yaml"), "--out-dir",
                                       str(tmp_path / "o"), "--week-start", "next monday"])
    assert result.exit_code == 2
    assert "--week-start" in result.output


def test_plan_names_the_capacity_shortfall(tmp_path: Path, store_url: str) -> None:
    # Shrinkage 0.99: every agent on the phones needs 100 rostered, far beyond the team.
    config = _site_with_history(tmp_path, (CONFIGS / "data" / "example_history.csv").read_text())
    config.write_text(config.read_text().replace("shrinkage: 0.3 ", "shrinkage: 0.99"))
    assert "shrinkage: 0.99" in config.read_text()
    out = tmp_path / "plan"
    result = CliRunner().invoke(main, ["plan", "--config", str(config), "--out-dir", str(out), "--time-limit", "10",
                                       "--quiet", "--week-start", "2026-10-26"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    capacity = summary["capacity"]
    assert summary["status"] == "understaffed"
    assert "roster: understaffed, " in result.output
    # The printed line is the capacity check's, whose shortfall is required - workable
    # (no previous roster, so nothing of the requirement is covered by spill-over).
    short = capacity["required_agent_hours"] - capacity["workable_hours"]
    assert capacity["shortfall_agent_hours"] == pytest.approx(short, abs=1e-3)
    line = (f"capacity: required {capacity['required_agent_hours']:,.1f} agent-h, the team can work at most "
            f"{capacity['workable_hours']:,.1f} h: {short:,.1f} h short")
    assert line in result.output.splitlines()
    # No roster can beat the shortfall: the roster's under-staffing is at least that.
    assert summary["under_staffed_agent_hours"] >= capacity["shortfall_agent_hours"] - 1e-6
