"""staffing: contact-centre workforce management (forecast, Erlang C/A, rosters)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("staffing")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
