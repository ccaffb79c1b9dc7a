"""Atomic writers: files get the permissions a plain open() would give."""

from __future__ import annotations

import os
from pathlib import Path

from staffing.io.tables import write_json


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    path = write_json({"a": 1}, tmp_path / "x.json")
    mask = os.umask(0)
    os.umask(mask)
    # mkstemp would leave 0600; the umask-derived mode is what open() gives new files.
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
