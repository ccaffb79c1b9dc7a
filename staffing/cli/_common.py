"""Helpers shared by the command modules: option parsing, the store, progress, flag names.

Command modules import from here and from the library, never from each other.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import click

from staffing.config import Config
from staffing.errors import InvalidArgumentError
from staffing.store import Store, default_store_url


def parse_week_start(text: str | None, option: str = "--week-start") -> dt.date | None:
    """A ``YYYY-MM-DD`` option value as a date (``None`` stays ``None``)."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidArgumentError(option, text, "a date YYYY-MM-DD") from None


@contextmanager
def progress_reporter(quiet: bool) -> Iterator[Callable[[str], None]]:
    """A spinner with log lines on a terminal; plain timestamped lines on stderr otherwise
    (cron logs); nothing with ``quiet``."""
    started = time.monotonic()
    if quiet:
        yield lambda _message: None
    elif sys.stderr.isatty():
        from rich.console import Console

        console = Console(stderr=True)
        with console.status("starting...") as status:
            def report(message: str) -> None:
                console.log(message)
                status.update(message)

            yield report
    else:
        def plain(message: str) -> None:
            click.echo(f"[{time.monotonic() - started:7.1f}s] {message}", err=True)

        yield plain


def open_store(config: Config, store_url: str | None, *, read_only: bool = False) -> Store:
    """The store named by ``--store``, else the config's ``store.url``, else the default.

    ``read_only`` for commands that only read it: never created, works on a read-only
    file (see :meth:`Store.open`).
    """
    return Store.open(store_url or config.store.url or default_store_url(), read_only=read_only)


_NAME_HEAD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(.*)$", re.S)


@contextmanager
def flag_names(flags: Mapping[str, str]) -> Iterator[None]:
    """Re-raise the library's :class:`InvalidArgumentError` under the command's flag names.

    The library names its arguments (``interval_minutes``, ``grid[aht]``); the command
    line user typed flags. ``flags`` maps an argument name to its flag
    (``{"interval_minutes": "--interval-minutes"}``); the rest of the name is kept
    (``grid[aht]`` -> ``--grid[aht]``). Names not in ``flags`` pass unchanged.
    """
    try:
        yield
    except InvalidArgumentError as exc:
        match = _NAME_HEAD.match(exc.name)
        if match is None or match.group(1) not in flags:
            raise
        raise InvalidArgumentError(flags[match.group(1)] + match.group(2), exc.value, exc.expected) from exc
