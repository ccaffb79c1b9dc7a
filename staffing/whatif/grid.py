"""Scenario grids of what-if sweeps: axes, their values and the scenarios they span.

A :class:`ScenarioGrid` is the cartesian product of a few axes (service-level target,
answer time, volume and handle-time changes, shrinkage, Erlang model, ...), parsed from
``NAME=V1,V2`` specs or built from a mapping; :meth:`ScenarioGrid.scenarios` resolves it
against base targets into numbered :class:`Scenario` objects. Errors name the argument
``grid`` (``grid[aht]`` for one axis); the command line maps that to ``--grid``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from pydantic import ValidationError

from staffing.errors import InvalidArgumentError
from staffing.queueing.requirements import ServiceTargets

#: Axes a grid may vary, in the order they are shown in tables.
TARGET_AXES: Final = (
    "model",
    "target_sl",
    "answer_seconds",
    "max_asa_seconds",
    "max_occupancy",
    "max_abandon",
    "patience_seconds",
    "shrinkage",
)
FORECAST_AXES: Final = ("volume", "aht")
GRID_AXES: Final = TARGET_AXES + FORECAST_AXES

# (lower, lower_inclusive, upper, upper_inclusive, words) for numeric target axes.
_BOUNDS: Final[dict[str, tuple[float, bool, float, bool, str]]] = {
    "target_sl": (0.0, False, 1.0, False, "a fraction in (0, 1), e.g. 0.8"),
    "answer_seconds": (0.0, True, math.inf, False, "seconds >= 0, e.g. 20"),
    "max_asa_seconds": (0.0, False, math.inf, False, "seconds > 0 or 'none'"),
    "max_occupancy": (0.0, False, 1.0, True, "a fraction in (0, 1] or 'none'"),
    "max_abandon": (0.0, False, 1.0, False, "a fraction in (0, 1) or 'none'"),
    "patience_seconds": (0.0, False, math.inf, False, "seconds > 0 or 'none'"),
    "shrinkage": (0.0, True, 1.0, False, "a fraction in [0, 1), e.g. 0.3"),
}
_OPTIONAL_AXES: Final = frozenset({"max_asa_seconds", "max_occupancy", "max_abandon", "patience_seconds"})
_MODELS: Final = ("erlang-c", "erlang-a")
_NUMBER_RE: Final = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_RANGE_RE: Final = re.compile(r"^([^:]+):([^:]+):([^:]+)$")


@dataclass(frozen=True, order=True)
class AhtChange:
    """A change to the forecast handle time: ``aht' = aht * factor + add_seconds``.

    ``aht=1.1`` and ``aht=+10%`` give ``factor=1.1``; ``aht=+20s`` gives ``add_seconds=20``.
    """

    factor: float = 1.0
    add_seconds: float = 0.0

    @property
    def label(self) -> str:
        """``x1.1``, ``+20s`` or ``x1.1+20s``; ``x1`` for no change."""
        parts = []
        if self.factor != 1.0 or self.add_seconds == 0.0:
            parts.append(f"x{self.factor:g}")
        if self.add_seconds != 0.0:
            parts.append(f"{self.add_seconds:+g}s")
        return "".join(parts)

    def apply(self, aht_seconds: np.ndarray) -> np.ndarray:
        """The changed handle times (a new array)."""
        return aht_seconds * self.factor + self.add_seconds


@dataclass(frozen=True)
class Scenario:
    """One point of a grid: service targets plus changes to the baseline forecast.

    Attributes
    ----------
    scenario_id
        1-based position in the grid (the row order of every result table).
    targets
        The service targets of this scenario (the base targets with the grid's
        values substituted).
    volume_factor
        Multiplier applied to the forecast calls.
    aht
        Change applied to the forecast handle time.
    """

    scenario_id: int
    targets: ServiceTargets
    volume_factor: float = 1.0
    aht: AhtChange = field(default_factory=AhtChange)

    def parameters(self) -> dict[str, Any]:
        """The scenario's parameters as a flat record (one summary-table row)."""
        record: dict[str, Any] = {"scenario": self.scenario_id}
        for name in TARGET_AXES:
            record[name] = getattr(self.targets, name)
        record["volume"] = self.volume_factor
        record["aht"] = self.aht.label
        record["aht_factor"] = self.aht.factor
        record["aht_add_seconds"] = self.aht.add_seconds
        return record


@dataclass(frozen=True)
class GridAxis:
    """One axis of a grid: a name from :data:`GRID_AXES` and its distinct values."""

    name: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class ScenarioGrid:
    """The cartesian product of a few axes; the last axis varies fastest.

    Build one with :meth:`parse` from command-line specs or :meth:`from_mapping`.
    An empty grid has one scenario: the baseline.

    Examples
    --------
    >>> grid = ScenarioGrid.parse(["target_sl=0.8,0.9", "volume=0.9:1.1:0.1", "aht=+20s"])
    >>> len(grid), [axis.name for axis in grid.axes]
    (6, ['target_sl', 'volume', 'aht'])
    """

    axes: tuple[GridAxis, ...] = ()

    def __len__(self) -> int:
        return math.prod(len(axis.values) for axis in self.axes)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the axes that vary, in grid order."""
        return tuple(axis.name for axis in self.axes)

    @classmethod
    def parse(cls, specs: Iterable[str]) -> ScenarioGrid:
        """Parse specs like ``'target_sl=0.7,0.8,0.9'``, one axis each.

        Values are comma-separated; numeric axes also take ``start:stop:step``
        (inclusive). ``volume`` takes multipliers (``1.1``) or percentages
        (``+10%``); ``aht`` takes multipliers, percentages or added seconds
        (``+20s``, ``-15s``); ``model`` takes ``erlang-c`` / ``erlang-a``; the
        optional targets also take ``none``. Hyphens in names are read as
        underscores (``answer-seconds``).

        Raises
        ------
        InvalidArgumentError
            Naming the spec, the axis and the offending value.
        """
        mapping: dict[str, list[str]] = {}
        for spec in specs:
            name, sep, values = spec.partition("=")
            key = name.strip().lower().replace("-", "_")
            if not sep or not key:
                raise InvalidArgumentError("grid", spec, "NAME=V1,V2,... e.g. target_sl=0.8,0.9")
            if key in mapping:
                raise InvalidArgumentError("grid", spec, f"each axis once ({key} is given twice)")
            mapping[key] = [v.strip() for v in values.split(",")]
        return cls.from_mapping(mapping)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Sequence[Any]]) -> ScenarioGrid:
        """Build a grid from ``{axis: values}``; values may be text or numbers.

        Raises
        ------
        InvalidArgumentError
            On an unknown axis, an empty axis, a repeated value or a value out of range.
        """
        axes = []
        for raw_name, raw_values in mapping.items():
            name = raw_name.strip().lower().replace("-", "_")
            if name not in GRID_AXES:
                raise InvalidArgumentError("grid", raw_name, f"an axis among {', '.join(GRID_AXES)}")
            if isinstance(raw_values, str | bytes) or not raw_values:
                raise InvalidArgumentError(f"grid[{name}]", raw_values, "one or more values")
            values: list[Any] = []
            for raw in raw_values:
                values.extend(_parse_values(name, raw))
            if len(set(values)) != len(values):
                dup = next(v for v in values if values.count(v) > 1)
                raise InvalidArgumentError(f"grid[{name}]", dup, "each value once")
            axes.append(GridAxis(name, tuple(values)))
        return cls(tuple(axes))

    def scenarios(self, base: ServiceTargets) -> list[Scenario]:
        """Every scenario of the grid against ``base``, numbered from 1 in grid order.

        Raises
        ------
        InvalidArgumentError
            When a combination is not a valid set of targets (e.g. ``erlang-a``
            without a patience).
        """
        base_fields = base.model_dump()
        result = []
        for number, combo in enumerate(itertools.product(*(a.values for a in self.axes)), start=1):
            chosen = dict(zip(self.names, combo, strict=True))
            volume = float(chosen.pop("volume", 1.0))
            aht = chosen.pop("aht", AhtChange())
            try:
                targets = ServiceTargets(**{**base_fields, **chosen})
            except ValidationError as exc:
                where = ", ".join(f"{k}={v}" for k, v in chosen.items()) or "the base targets"
                problem = "; ".join(e["msg"] for e in exc.errors())
                raise InvalidArgumentError(
                    f"grid[scenario {number}]", where, f"a valid set of targets ({problem})"
                ) from None
            if targets.model == "erlang-a" and targets.patience_seconds is None:
                raise InvalidArgumentError(
                    f"grid[scenario {number}]", "model=erlang-a",
                    "a patience: patience_seconds in the base targets or as a grid axis",
                )
            result.append(Scenario(number, targets, volume, aht))
        return result


def _parse_values(name: str, raw: Any) -> list[Any]:
    """One grid value (or a ``start:stop:step`` range) parsed for axis ``name``."""
    if name == "model":
        text = str(raw).strip().lower().replace("_", "-")
        if text not in _MODELS:
            raise InvalidArgumentError(f"grid[{name}]", raw, "erlang-c or erlang-a")
        return [text]
    if isinstance(raw, AhtChange):
        return [raw]
    if isinstance(raw, str) and (match := _RANGE_RE.match(raw.strip())):
        start, stop, step = (_number(name, part) for part in match.groups())
        if step <= 0 or stop < start:
            raise InvalidArgumentError(f"grid[{name}]", raw, "start:stop:step with step > 0 and stop >= start")
        count = math.floor((stop - start) / step + 1e-9) + 1
        if count > 10_000:
            raise InvalidArgumentError(f"grid[{name}]", raw, "at most 10,000 values per axis")
        # Rounding keeps 0.1-steps exact as typed (0.7000000000000001 -> 0.7).
        values = [round(start + i * step, 12) for i in range(count)]
        if name == "aht":
            return [_parse_aht(v) for v in values]
        return [_check(name, v, raw) for v in values]
    if name == "aht":
        return [_parse_aht(raw)]
    if name == "volume":
        return [_check(name, _multiplier(name, raw), raw)]
    if name in _OPTIONAL_AXES and str(raw).strip().lower() in {"none", ""}:
        return [None]
    return [_check(name, _number(name, raw), raw)]


def _number(name: str, raw: Any) -> float:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    else:
        text = str(raw).strip()
        if not _NUMBER_RE.match(text):
            raise InvalidArgumentError(f"grid[{name}]", raw, "a number")
        value = float(text)
    if not math.isfinite(value):
        raise InvalidArgumentError(f"grid[{name}]", raw, "a finite number")
    return value


def _multiplier(name: str, raw: Any) -> float:
    """``1.1`` -> 1.1; ``+10%`` -> 1.1; ``-5%`` -> 0.95."""
    text = str(raw).strip()
    if text.endswith("%"):
        return round(1.0 + _number(name, text[:-1]) / 100.0, 12)
    return _number(name, raw)


def _parse_aht(raw: Any) -> AhtChange:
    text = str(raw).strip().lower()
    if text.endswith("s"):
        add = _number("aht", text[:-1])
        if not text.startswith(("+", "-")):
            raise InvalidArgumentError("grid[aht]", raw, "added seconds with a sign, e.g. +20s or -15s")
        return AhtChange(1.0, add)
    factor = _multiplier("aht", raw)
    if factor <= 0:
        raise InvalidArgumentError("grid[aht]", raw, "a multiplier > 0 (1.1, +10%) or seconds (+20s)")
    return AhtChange(factor, 0.0)


def _check(name: str, value: float, raw: Any) -> float:
    if name == "volume":
        if value < 0:
            raise InvalidArgumentError("grid[volume]", raw, "a multiplier >= 0 (1.1 or +10%)")
        return value
    low, low_incl, high, high_incl, words = _BOUNDS[name]
    ok_low = value >= low if low_incl else value > low
    ok_high = value <= high if high_incl else value < high
    if not (ok_low and ok_high):
        raise InvalidArgumentError(f"grid[{name}]", raw, words)
    return value
