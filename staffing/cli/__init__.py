"""Command-line interface: ``staffing <command> --help``.

Each module in this package defines the commands of one area and registers them on
:data:`main`; they parse options, call the library and write results.
"""

from __future__ import annotations

import importlib
import pkgutil

from staffing.cli._app import main

# Importing a command module registers its commands on ``main``.
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")):
    importlib.import_module(f"{__name__}.{_module}")

__all__ = ["main"]
