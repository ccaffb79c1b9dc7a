"""``staffing whatif --config``: the published forecast is the locked baseline; --roster."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _erlang_reference import erlang_a_chain, required_scalar
from click.testing import CliRunner

from staffing.cli import main
from staffing.queueing import erlang
from staffing.store import Store

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
EXAMPLE = str(CONFIGS / "example.yaml")


def test_sweep_uses_the_published_forecast_and_never_changes_it(tmp_path: Path, store_url: str) -> None:
    published = CliRunner().invoke(main, ["forecast", "--history", str(CONFIGS / "data" / "example_history.csv"),
                                          "--timezone", "Europe/London", "--interval-minutes", "15",
                                          "--start", "2026-10-26", "--out", str(tmp_path / "f.csv"), "--publish"])
    assert published.exit_code == 0, published.output
    store = Store.open(store_url)
    before = store.version_values(1)
    out = tmp_path / "whatif"
    result = CliRunner().invoke(main, ["whatif", "--config", EXAMPLE, "--grid", "target_sl=0.8,0.9",
                                       "--grid", "volume=1.0,1.1", "--serial", "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "sweep.json").read_text())
    assert "published forecast" in json.dumps(meta)
    pd.testing.assert_frame_equal(before, Store.open(store_url).version_values(1))
    scenarios = pd.read_csv(out / "scenarios.csv")
    assert len(scenarios) == 4
    # The baseline scenario (target 0.8, volume 1.0) equals the requirement computed directly
    # from the published values with the config's targets (example.yaml: 80/20, occupancy <= 0.9,
    # shrinkage 0.3), one call of staffing.queueing.erlang.required_agents.
    values = pd.read_csv(tmp_path / "f.csv")
    aht = np.where(values["aht_seconds"] > 0, values["aht_seconds"], 1.0)
    req = erlang.required_agents(values["calls"].to_numpy(), aht, 15, target_sl=0.8, answer_seconds=20,
                                 max_occupancy=0.9, shrinkage=0.3)
    base = scenarios[(scenarios["target_sl"] == 0.8) & (scenarios["volume"] == 1.0)].iloc[0]
    assert base["agent_hours_per_week"] == pytest.approx(req.agents.sum() / 4, rel=1e-9)
    dear = scenarios[(scenarios["target_sl"] == 0.9) & (scenarios["volume"] == 1.1)].iloc[0]
    assert dear["agent_hours_per_week"] > base["agent_hours_per_week"]


def test_sweep_without_a_published_forecast_forecasts_the_week(tmp_path: Path, store_url: str) -> None:
    out = tmp_path / "whatif"
    result = CliRunner().invoke(main, ["whatif", "--config", EXAMPLE, "--week-start", "2026-10-26",
                                       "--grid", "model=erlang-c,erlang-a", "--patience-seconds", "120",
                                       "--serial", "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert "nothing published" in (out / "sweep.json").read_text()
    scenarios = pd.read_csv(out / "scenarios.csv")
    hours = dict(zip(scenarios["model"], scenarios["agent_hours_per_week"], strict=True))
    # Each figure recomputed interval by interval from the independent references of
    # tests/_erlang_reference.py (Erlang C by Cooper's recurrence, Erlang A from the truncated
    # birth-death chain) with example.yaml's targets: 80/20, occupancy <= 0.9, shrinkage 0.3.
    intervals = pd.read_csv(out / "intervals.csv")
    days = pd.to_datetime(intervals["interval_start"], utc=True).dt.date.nunique()
    model_of = dict(zip(scenarios["scenario"], scenarios["model"], strict=True))
    for scenario, rows in intervals.groupby("scenario"):
        agents = [reference_agents(model_of[scenario], row.calls * row.aht_seconds / 900.0, row.aht_seconds,
                                   int(row.agents_net))
                  for row in rows.itertuples()]
        # Agent-hours a week = sum(agents) x 15 min / 60 x 7 / days of the forecast.
        assert hours[model_of[scenario]] == pytest.approx(sum(agents) * 0.25 * 7 / days, rel=1e-12)
    assert hours["erlang-a"] < hours["erlang-c"]  # callers who hang up need fewer agents


def reference_agents(model: str, load: float, aht: float, guess: int) -> int:
    """Scheduled agents of one interval under example.yaml's targets, from the test references.

    ``guess`` (the sweep's own answer) only saves steps: the walk up to the first count that
    meets every target and down while one fewer still does ends at the smallest such count
    whatever the start, since the service level rises and the occupancy falls with agents.
    """
    if load == 0:
        return 0
    if model == "erlang-c":
        net = required_scalar(load, aht, 20.0, 0.8, None, 0.9)
    else:
        def meets(n: int) -> bool:
            if n == 0:
                return False
            _, abandon, sl = erlang_a_chain(n, load, aht, 120.0, 20.0)
            return sl >= 0.8 * (1 - 1e-12) and load * (1 - abandon) / n <= 0.9 * (1 + 1e-12)

        net = max(guess, 0)
        while not meets(net):
            net += 1
        while net > 0 and meets(net - 1):
            net -= 1
    return math.ceil(net / 0.7 - 1e-9)  # shrinkage 0.3: agents = ceil(net / (1 - 0.3))


def small_site(tmp_path: Path, agents: int = 8) -> Path:
    """example.yaml with its first ``agents`` agents only (a roster that solves in a second or two)."""
    site = tmp_path / "site"
    (site / "data").mkdir(parents=True)
    (site / "data" / "example_history.csv").write_bytes((CONFIGS / "data" / "example_history.csv").read_bytes())
    lines = (CONFIGS / "data" / "example_agents.csv").read_text().splitlines()[: agents + 1]
    (site / "data" / "example_agents.csv").write_text("\n".join(lines) + "\n")
    (site / "site.yaml").write_text((CONFIGS / "example.yaml").read_text())
    return site / "site.yaml"


def test_roster_per_scenario(tmp_path: Path, store_url: str) -> None:
    out = tmp_path / "whatif"
    result = CliRunner().invoke(main, ["whatif", "--config", str(small_site(tmp_path)), "--grid", "target_sl=0.7,0.9",
                                       "--roster", "--roster-time-limit", "2", "--serial", "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert "--roster: 2 roster optimisation(s)" in result.stderr
    scenarios = pd.read_csv(out / "scenarios.csv").sort_values("target_sl")
    # The eight agents kept (example_agents.csv) each work 20-24 h a week: 160-192 agent-hours.
    assert scenarios["scheduled_agent_hours"].between(160, 192).all()
    # Per interval under - over = required - scheduled, so the totals obey the same identity.
    np.testing.assert_allclose(scenarios["under_staffed_hours"] - scenarios["over_staffed_hours"],
                               scenarios["agent_hours"] - scenarios["scheduled_agent_hours"])
    low, high = scenarios["under_staffed_hours"]
    assert high > low  # the same team falls further short of the higher target
    intervals = pd.read_csv(out / "intervals.csv")
    assert {"scheduled", "under", "over", "scheduled_service_level"} <= set(intervals.columns)
    assert "rostered coverage" in (out / "whatif.html").read_text()


def test_config_options_clash(tmp_path: Path, store_url: str) -> None:
    clash = CliRunner().invoke(main, ["whatif", "--config", EXAMPLE, "--forecast", str(tmp_path / "f.csv"),
                                      "--out-dir", str(tmp_path / "o")])
    assert clash.exit_code == 2 and "--forecast" in clash.output
    no_config = CliRunner().invoke(main, ["whatif", "--forecast", str(tmp_path / "f.csv"), "--roster",
                                          "--out-dir", str(tmp_path / "o")])
    assert no_config.exit_code == 2 and "--config" in no_config.output
