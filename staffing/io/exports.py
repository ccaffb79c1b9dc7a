"""Write the export files (rota CSV, workbook bytes, calendar folders) and read calendar folders.

Plans are read by :func:`staffing.io.plan.read_plan`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from staffing.errors import DataError, DataIssue
from staffing.io.tables import (
    atomic_path,
    write_csv,
)


def write_bytes(data: bytes, path: str | Path) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_rota_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the flat rota (:func:`staffing.exports.rota.flat_rota`) as CSV atomically."""
    return write_csv(frame, path)


def read_calendar_folder(folder: str | Path) -> dict[str, bytes]:
    """The ``*.ics`` files already in ``folder`` (file name -> bytes); empty when none."""
    d = Path(folder)
    if not d.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in sorted(d.glob("*.ics"))}


def write_calendar_folder(files: Mapping[str, bytes], folder: str | Path) -> list[Path]:
    """Write one file per entry of ``files`` into ``folder`` atomically (each file)."""
    d = Path(folder)
    if d.exists() and not d.is_dir():
        raise DataError([DataIssue(str(d), None, None, "ICS output must be a folder, found a file")])
    d.mkdir(parents=True, exist_ok=True)
    return [write_bytes(data, d / name) for name, data in sorted(files.items())]
