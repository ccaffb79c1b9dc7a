"""Field validators shared by the pydantic models of several sections."""

from __future__ import annotations


def divides_day(value: int) -> int:
    """An interval length in minutes must tile a day exactly (15, 30, 60, ...)."""
    if 1440 % value:
        raise ValueError(f"interval_minutes must divide 1440 (a day), got {value}")
    return value
