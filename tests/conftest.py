"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real call-centre data beside the checkout; the test is skipped when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not available at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite store for the test, also set as ``$STAFFING_STORE_URL`` for the CLI."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("STAFFING_STORE_URL", url)
    return url
