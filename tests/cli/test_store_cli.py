"""CLI of the store: history import, versions list/show/publish, accuracy."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _store_helpers import seasonal_naive, synthetic_history
from click.testing import CliRunner

from staffing.cli import main
from staffing.planning.nightly import ReforecastSettings, run_reforecast
from staffing.store import Store


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'st.db'}"


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_history_import_idempotent_and_conflict(tmp_path: Path, url: str) -> None:
    data = synthetic_history(["default"], "2024-01-01", 2).drop(columns=["queue"])
    csv = tmp_path / "h.csv"
    data.to_csv(csv, index=False)
    code, out, _ = _invoke("history", "import", "--file", str(csv), "--store", url)
    assert code == 0 and "imported 192 new interval(s), 0 unchanged" in out
    code, out, _ = _invoke("history", "import", "--file", str(csv), "--store", url, "--json")
    assert code == 0 and json.loads(out)["unchanged"] == 192 and json.loads(out)["inserted"] == 0
    data.loc[9, "offered"] += 1  # file line 11
    data.to_csv(csv, index=False)
    code, _, err = _invoke("history", "import", "--file", str(csv), "--store", url)
    assert code == 1 and f"{csv}:11: column 'offered'" in err and "append-only" in err
    code, out, _ = _invoke("history", "import", "--file", str(csv), "--store", url, "--on-conflict", "revise")
    assert code == 0 and "1 revised" in out
    runs = Store.open(url).list_runs("history import")
    assert [r.status for r in runs].count("failed") == 1


def test_history_import_bad_file_names_row(tmp_path: Path, url: str) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("interval_start,queue,offered\n2024-01-01 00:00,q,1\n2024-01-01 00:15,q,abc\n")
    code, _, err = _invoke("history", "import", "--file", str(csv), "--store", url)
    assert code == 1 and f"{csv}:3: column 'offered'" in err
    assert Store.open(url).queues() == []


def test_versions_and_accuracy_commands(tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = synthetic_history(["a"], "2024-01-01", 18)
    store = Store.open(url)
    settings = ReforecastSettings(horizon_days=7, publish=False)
    first = run_reforecast(store, data[data["interval_start"] < "2024-01-15"], seasonal_naive, settings)
    vid = first.new_versions[0]
    monkeypatch.setenv("STAFFING_STORE_URL", url)  # the commands below use the env var
    code, out, _ = _invoke("versions", "list", "--json")
    listed = json.loads(out)
    assert code == 0 and [v["version_id"] for v in listed] == [vid] and listed[0]["status"] == "draft"
    code, out, _ = _invoke("versions", "list", "--status", "published")
    assert code == 0 and "no forecast versions" in out
    code, out, _ = _invoke("versions", "publish", str(vid))
    assert code == 0 and "in force for 2024-01-15 00:00:00 .. 2024-01-22 00:00:00" in out
    code, out, _ = _invoke("versions", "show", str(vid), "--json", "--values")
    shown = json.loads(out)
    assert shown["status"] == "published" and len(shown["values"]) == 7 * 96 and len(shown["publications"]) == 1
    values_csv = tmp_path / "v.csv"
    code, out, _ = _invoke("versions", "show", str(vid), "--out", str(values_csv))
    assert code == 0 and "content_hash" in out
    assert list(pd.read_csv(values_csv).columns)[:2] == ["interval_start", "calls"]
    code, _, err = _invoke("versions", "show", "999")
    assert code == 1 and "no forecast version 999" in err
    store.import_history(data[(data["interval_start"] >= "2024-01-15")])
    acc = tmp_path / "acc.csv"
    code, out, _ = _invoke("accuracy", "--by", "day", "--out", str(acc))
    table = pd.read_csv(acc)
    assert code == 0 and len(table) == 4 and set(table["version_ids"].astype(str)) == {str(vid)}
    # WAPE recomputed from the interval table: sum|F-A| / sum A per day.
    code, _, _ = _invoke("accuracy", "--by", "interval", "--out", str(tmp_path / "i.csv"))
    intervals = pd.read_csv(tmp_path / "i.csv", parse_dates=["interval_start"])
    intervals["date"] = intervals["interval_start"].dt.date.astype(str)
    manual = intervals.groupby("date").apply(lambda g: (g["forecast_calls"] - g["actual_calls"]).abs().sum() / g["actual_calls"].sum(), include_groups=False)
    assert table.set_index("date")["wape"].to_dict() == pytest.approx(manual.to_dict(), rel=1e-9)
    code, out, _ = _invoke("accuracy", "--queue", "a", "--by", "day")
    assert code == 0 and "2024-01-17" in out
    code, _, err = _invoke("versions", "list", "--store", "bogus://x")
    assert code == 2 and "store" in err  # an unsupported backend is a configuration error (exit 2)
