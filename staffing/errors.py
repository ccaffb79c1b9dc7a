"""The one exception hierarchy of ``staffing``.

Every error the library raises on purpose is a :class:`StaffingError`. Each class
carries the process exit code the CLI uses for it: ``2`` for what the user typed or
configured (a bad argument, a bad config key), ``1`` for a run that failed (bad
data found while running, a solver or store failure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


class StaffingError(Exception):
    """Base class of every error ``staffing`` raises on purpose."""

    exit_code: ClassVar[int] = 1


class InvalidArgumentError(StaffingError, ValueError):
    """An argument value is outside its domain.

    Parameters
    ----------
    name
        The argument's name as the caller spelt it (``aht_seconds``, ``--target-sl``).
    value
        The offending value (an array's first offending element is enough).
    expected
        What was expected, in words (``"> 0"``, ``"a fraction in (0, 1)"``).
    """

    exit_code: ClassVar[int] = 2

    def __init__(self, name: str, value: Any, expected: str) -> None:
        self.name = name
        self.value = value
        self.expected = expected
        super().__init__(f"invalid {name}={value!r}: expected {expected}")


class ConfigError(StaffingError):
    """A configuration file is missing, unreadable or does not validate.

    The message names the file and the key (dotted path) at fault.
    """

    exit_code: ClassVar[int] = 2

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        self.file = file
        self.key = key
        where = ": ".join(part for part in (file, key) if part)
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class DataIssue:
    """One problem found in an input table.

    ``row`` is the 1-based line number in the file as a spreadsheet shows it
    (the header is line 1), or ``None`` when the problem concerns the whole file.
    """

    file: str
    row: int | None
    column: str | None
    problem: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        col = f" column '{self.column}':" if self.column else ""
        return f"{where}:{col} {self.problem}"


class DataError(StaffingError):
    """An input table failed validation; nothing was written.

    Holds every :class:`DataIssue` found (the message shows the first ones).
    """

    exit_code: ClassVar[int] = 1
    max_shown: ClassVar[int] = 20

    def __init__(self, issues: Sequence[DataIssue]) -> None:
        self.issues = list(issues)
        shown = "\n".join(f"  {issue}" for issue in self.issues[: self.max_shown])
        more = len(self.issues) - self.max_shown
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(self.issues)} problem(s) in input data:\n{shown}{tail}")


class SolverError(StaffingError):
    """The optimisation solver failed or is unavailable."""


class InfeasibleError(SolverError):
    """The rules cannot all hold; the message says which and by how much."""


class StoreError(StaffingError):
    """The forecast store could not be read or written."""


class LockBusyError(StoreError):
    """Another run holds the store's lock."""


class StoreConfigError(ConfigError, StoreError):
    """The store URL names an unsupported backend, or its database driver is not installed.

    A configuration error (exit code 2: fix the URL or install the extra), and also a
    :class:`StoreError`, so callers that catch store failures catch it too.
    """


class NoStoreError(StoreError):
    """A read-only open found no store at the URL (read commands never create one)."""
