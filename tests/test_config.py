"""The site config: validation messages name the file and the dotted key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from staffing.config import first_week_start
from staffing.errors import ConfigError
from staffing.io.config import load_config

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_and_resolves_paths() -> None:
    config = load_config(CONFIGS / "example.yaml")
    assert config.history.path == CONFIGS / "data" / "example_history.csv"
    assert config.agents == CONFIGS / "data" / "example_agents.csv"
    # The top-level interval is the forecast's interval.
    assert config.forecast.interval_minutes == config.interval_minutes == 15


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("history: {path: h.csv}\nagents: a.csv\nroster: {min_rest_hour: 3}\n", "roster.min_rest_hour", "min_rest_hours"),
        ("history: {path: h.csv}\nagents: a.csv\nquues: []\n", "quues", "did you mean 'queues'"),
        ("history: {path: h.csv}\nagents: a.csv\nqueues: [{name: q, targets: {target_sl: 1.5}}]\n",
         "queues.0.targets.target_sl", "less than 1"),
        ("history: {path: h.csv}\nagents: a.csv\nqueues: [{name: q, targets: {model: erlang-a}}]\n",
         "queues.0.targets", "patience_seconds"),
        ("history: {path: h.csv}\nagents: a.csv\ninterval_minutes: 7\n", "interval_minutes", "must divide 1440"),
        ("history: {path: h.csv}\n", "agents", "missing"),
        ("history: {path: h.csv}\nagents: a.csv\nsite: {timezone: Mars/Base}\n", "site.timezone", "Mars/Base"),
        ("history: {path: h.csv}\nagents: a.csv\nplan: {solver: gurobi}\n", "plan.solver", "highs"),
    ],
)
def test_config_errors_name_key_and_file(tmp_path: Path, text: str, key: str, words: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    assert key in message
    assert words in message
    assert info.value.exit_code == 2


def test_not_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(_write(tmp_path, "history: [unclosed\n"))
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("last_day", "weekday", "expected"),
    [
        # 2026-10-25 is a Sunday (calendar): the next Monday is the 26th.
        (dt.date(2026, 10, 25), "monday", dt.date(2026, 10, 26)),
        # History ending on a Monday: the week starting that day is not whole any more.
        (dt.date(2026, 10, 26), "monday", dt.date(2026, 11, 2)),
        (dt.date(2026, 10, 28), "sunday", dt.date(2026, 11, 1)),
    ],
)
def test_first_week_start(last_day: dt.date, weekday: str, expected: dt.date) -> None:
    assert first_week_start(last_day, weekday) == expected


def test_absolute_paths_are_kept(tmp_path: Path) -> None:
    history = tmp_path / "h.csv"
    path = _write(tmp_path, f"history: {{path: {history}}}\nagents: {tmp_path / 'a.csv'}\n")
    config = load_config(path)
    assert config.history.path == history and config.agents == tmp_path / "a.csv"
