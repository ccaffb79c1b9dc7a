"""``staffing erlang`` and ``staffing requirements`` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _erlang_reference import asa_scalar, erlang_a_chain, sl_scalar
from click.testing import CliRunner

from staffing.cli import main

TEXTBOOK = ["erlang", "--calls", "100", "--interval-minutes", "30", "--aht-seconds", "180"]


def run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


def test_required_agents_textbook_case() -> None:
    code, out = run([*TEXTBOOK, "--target-sl", "0.8", "--answer-seconds", "20", "--json"])
    assert code == 0, out
    data = json.loads(out)
    assert data["agents"] == 14  # the worked example (see test_erlang_reference.py)
    assert data["service_level"] == pytest.approx(sl_scalar(14, 10.0, 180.0, 20.0), rel=1e-9)
    assert data["asa_seconds"] == pytest.approx(asa_scalar(14, 10.0, 180.0), rel=1e-9)
    assert data["occupancy"] == pytest.approx(10 / 14)
    assert set(data) >= {"agents", "service_level", "prob_wait", "asa_seconds", "occupancy"}
    code, text = run([*TEXTBOOK, "--target-sl", "0.8", "--answer-seconds", "20"])
    assert code == 0 and "required agents     14" in text and "0.8884" in text


def test_given_agents_and_overload() -> None:
    code, out = run([*TEXTBOOK, "--agents", "13", "--json"])
    assert code == 0 and json.loads(out)["service_level"] == pytest.approx(0.7956, abs=5e-5)
    code, out = run([*TEXTBOOK, "--agents", "10", "--json"])
    data = json.loads(out)
    assert (data["service_level"], data["prob_wait"], data["asa_seconds"]) == (0.0, 1.0, None)
    code, text = run([*TEXTBOOK, "--agents", "10"])
    assert "unbounded" in text


def test_erlang_a_json() -> None:
    code, out = run([*TEXTBOOK, "--agents", "12", "--model", "erlang-a", "--patience-seconds", "120", "--json"])
    assert code == 0, out
    data = json.loads(out)
    pw, pab, sl = erlang_a_chain(12, 10.0, 180.0, 120.0, 20.0)
    assert data["prob_abandon"] == pytest.approx(pab, rel=1e-8)
    assert data["service_level"] == pytest.approx(sl, rel=1e-8)
    assert data["prob_wait"] == pytest.approx(pw, rel=1e-9)


def test_zero_calls_and_zero_answer_time() -> None:
    code, out = run(["erlang", "--calls", "0", "--aht-seconds", "180", "--answer-seconds", "0", "--json"])
    assert code == 0 and json.loads(out)["agents"] == 0


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["--calls", "-5"], "--calls"),
        (["--aht-seconds", "0"], "--aht-seconds"),
        (["--target-sl", "1.2"], "--target-sl"),
        (["--target-sl", "0"], "--target-sl"),
        (["--shrinkage", "1"], "--shrinkage"),
        (["--model", "erlang-a"], "patience_seconds"),
        (["--agents", "-1"], "--agents"),
    ],
)
def test_invalid_input_exits_2_naming_the_option(args: list[str], word: str) -> None:
    base = {"--calls": "100", "--aht-seconds": "180"}
    for key, value in zip(args[::2], args[1::2], strict=True):
        base[key] = value
    flat = [x for pair in base.items() for x in pair] + [a for a in args if a not in base and a not in base.values()]
    code, out = run(["erlang", *flat])
    assert code == 2, out
    assert word in out


def test_requirements_command(tmp_path: Path) -> None:
    forecast = tmp_path / "forecast.csv"
    pd.DataFrame({
        "interval_start": ["2026-03-02 08:00", "2026-03-02 08:30", "2026-03-02 09:00"],
        "calls": [100, 0, 50], "aht_seconds": [180, "", 180], "lower80": [90, 0, 40],
    }).to_csv(forecast, index=False)
    out = tmp_path / "req.csv"
    code, text = run(["requirements", "--forecast", str(forecast), "--shrinkage", "0.3", "--out", str(out)])
    assert code == 0, text
    table = pd.read_csv(out)
    assert list(table.columns) == ["interval_start", "calls", "aht_seconds", "load_erlangs", "agents",
                                   "service_level", "asa_seconds", "occupancy"]
    assert table["agents"].iloc[0] == 20  # 14 on the phones / 0.7
    assert table["agents"].iloc[1] == 0
    code, text = run(["requirements", "--forecast", str(forecast), "--model", "erlang-a", "--patience-seconds",
                      "120", "--out", str(out)])
    assert code == 0 and "prob_abandon" in pd.read_csv(out).columns


def test_requirements_bad_rows_are_listed(tmp_path: Path) -> None:
    forecast = tmp_path / "forecast.csv"
    forecast.write_text("interval_start,calls,aht_seconds\n2026-03-02 08:00,-3,180\nnoon,10,180\n"
                        "2026-03-02 09:00,10,0\n2026-03-02 09:15,10,\n")
    code, text = run(["requirements", "--forecast", str(forecast), "--out", str(tmp_path / "r.csv")])
    assert code == 1
    assert "forecast.csv:2: column 'calls'" in text
    assert "forecast.csv:3: column 'interval_start'" in text
    assert "forecast.csv:4: column 'aht_seconds'" in text
    assert "forecast.csv:5: column 'aht_seconds'" in text  # blank AHT where there are calls
    assert not (tmp_path / "r.csv").exists()
    repeated = tmp_path / "dup.csv"
    repeated.write_text("interval_start,calls,aht_seconds\n2026-03-02 09:00,10,100\n2026-03-02 09:00,1,100\n")
    code, text = run(["requirements", "--forecast", str(repeated), "--out", str(tmp_path / "r.csv")])
    assert code == 1 and "dup.csv:3: column 'interval_start'" in text and "repeats" in text
    missing = tmp_path / "m.csv"
    missing.write_text("interval_start,calls\n2026-03-02 08:00,3\n")
    code, text = run(["requirements", "--forecast", str(missing), "--out", str(tmp_path / "r.csv")])
    assert code == 1 and "aht_seconds" in text
