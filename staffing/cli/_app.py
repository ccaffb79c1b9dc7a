"""The ``staffing`` click group and the mapping of errors to exit codes.

Exit codes: 0 ok, 1 the run failed, 2 usage or configuration error.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from staffing import __version__
from staffing.errors import StaffingError


class _StaffingGroup(click.Group):
    """A click group that turns every :class:`StaffingError` into a message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StaffingError as exc:
            click.echo(f"error: {exc}", err=True)
            # Notes add where the error happened (e.g. the queue a nightly run was forecasting).
            for note in getattr(exc, "__notes__", []):
                click.echo(f"  {note}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=_StaffingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="staffing")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """Contact-centre workforce management: forecast, Erlang C/A staffing, rosters."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
