"""What-if sweeps: the staffing cost of many service targets and forecast changes at once.

A :class:`ScenarioGrid` is the cartesian product of a few axes (service-level target,
answer time, volume and handle-time changes, shrinkage, Erlang model, ...).
:func:`run_sweep` evaluates every scenario against a baseline forecast, which it never
modifies, and returns a :class:`SweepResult`: a tidy scenario x queue x interval table,
a scenario x day table and a one-row-per-scenario summary (agent-hours, FTE, peak,
projected service level).

The Erlang core is vectorised, so scenarios are not looped over: the intervals of all
scenarios that share the same targets are stacked into one array and evaluated by one
:func:`staffing.queueing.erlang.required_agents` call. Work is cut into tasks of at most
``batch_size`` scenario-intervals and submitted to a :class:`concurrent.futures.Executor`
(see :mod:`staffing.executors`), so the same sweep runs serially, on a local process
pool or on a Dask cluster; results are concatenated in scenario order whatever the
executor.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import numpy as np
import pandas as pd
from pydantic import ValidationError

from staffing.errors import InvalidArgumentError
from staffing.executors import SerialExecutor, run_ordered
from staffing.queueing.requirements import ServiceTargets, service_figures

DEFAULT_FTE_HOURS_PER_WEEK: Final = 37.5
DEFAULT_BATCH_SIZE: Final = 200_000
DEFAULT_QUEUE: Final = "default"

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


# --------------------------------------------------------------------------- scenarios


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
                raise InvalidArgumentError("--grid", spec, "NAME=V1,V2,... e.g. target_sl=0.8,0.9")
            if key in mapping:
                raise InvalidArgumentError("--grid", spec, f"each axis once ({key} is given twice)")
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
                raise InvalidArgumentError("--grid", raw_name, f"an axis among {', '.join(GRID_AXES)}")
            if isinstance(raw_values, str | bytes) or not raw_values:
                raise InvalidArgumentError(f"--grid {name}", raw_values, "one or more values")
            values: list[Any] = []
            for raw in raw_values:
                values.extend(_parse_values(name, raw))
            if len(set(values)) != len(values):
                dup = next(v for v in values if values.count(v) > 1)
                raise InvalidArgumentError(f"--grid {name}", dup, "each value once")
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
                    f"--grid scenario {number}", where, f"a valid set of targets ({problem})"
                ) from None
            if targets.model == "erlang-a" and targets.patience_seconds is None:
                raise InvalidArgumentError(
                    f"--grid scenario {number}", "model=erlang-a",
                    "a patience: --patience-seconds or a patience_seconds grid axis",
                )
            result.append(Scenario(number, targets, volume, aht))
        return result


def _parse_values(name: str, raw: Any) -> list[Any]:
    """One grid value (or a ``start:stop:step`` range) parsed for axis ``name``."""
    if name == "model":
        text = str(raw).strip().lower().replace("_", "-")
        if text not in _MODELS:
            raise InvalidArgumentError(f"--grid {name}", raw, "erlang-c or erlang-a")
        return [text]
    if isinstance(raw, AhtChange):
        return [raw]
    if isinstance(raw, str) and (match := _RANGE_RE.match(raw.strip())):
        start, stop, step = (_number(name, part) for part in match.groups())
        if step <= 0 or stop < start:
            raise InvalidArgumentError(f"--grid {name}", raw, "start:stop:step with step > 0 and stop >= start")
        count = math.floor((stop - start) / step + 1e-9) + 1
        if count > 10_000:
            raise InvalidArgumentError(f"--grid {name}", raw, "at most 10,000 values per axis")
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
            raise InvalidArgumentError(f"--grid {name}", raw, "a number")
        value = float(text)
    if not math.isfinite(value):
        raise InvalidArgumentError(f"--grid {name}", raw, "a finite number")
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
            raise InvalidArgumentError("--grid aht", raw, "added seconds with a sign, e.g. +20s or -15s")
        return AhtChange(1.0, add)
    factor = _multiplier("aht", raw)
    if factor <= 0:
        raise InvalidArgumentError("--grid aht", raw, "a multiplier > 0 (1.1, +10%) or seconds (+20s)")
    return AhtChange(factor, 0.0)


def _check(name: str, value: float, raw: Any) -> float:
    if name == "volume":
        if value < 0:
            raise InvalidArgumentError("--grid volume", raw, "a multiplier >= 0 (1.1 or +10%)")
        return value
    low, low_incl, high, high_incl, words = _BOUNDS[name]
    ok_low = value >= low if low_incl else value > low
    ok_high = value <= high if high_incl else value < high
    if not (ok_low and ok_high):
        raise InvalidArgumentError(f"--grid {name}", raw, words)
    return value


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SweepResult:
    """Everything a sweep computed; every table is sorted by scenario.

    Attributes
    ----------
    scenarios
        One row per scenario: its parameters (``scenario``, ``model``, ``target_sl``,
        ``answer_seconds``, ``max_asa_seconds``, ``max_occupancy``, ``max_abandon``,
        ``patience_seconds``, ``shrinkage``, ``volume``, ``aht``, ``aht_factor``,
        ``aht_add_seconds``), ``label`` (the varying parameters as text),
        ``is_baseline``, and the results: ``calls``; ``agent_hours`` (total
        shrinkage-grossed agent-hours over the horizon); ``agent_hours_net``;
        ``agent_hours_per_day`` (mean over the days of the horizon);
        ``agent_hours_per_week`` (``agent_hours * 7 / days``); ``fte``
        (``agent_hours_per_week / fte_hours_per_week``); ``peak_agents`` (largest
        requirement of any interval, summed over queues) and ``peak_interval``;
        ``service_level``, ``asa_seconds`` and ``prob_abandon`` (call-weighted means
        over intervals and queues); ``occupancy`` (offered load over net agents,
        summed over intervals). With a roster evaluator also
        ``scheduled_agent_hours``, ``under_staffed_hours``, ``over_staffed_hours``
        and the rostered ``scheduled_service_level``, ``scheduled_asa_seconds``,
        ``scheduled_prob_abandon``.
    daily
        One row per scenario and date: ``scenario, date, calls, agent_hours,
        peak_agents, service_level`` (call-weighted).
    intervals
        The tidy table: ``scenario, queue, interval_start, calls, aht_seconds,
        load_erlangs, agents_net, agents, service_level, prob_wait, asa_seconds,
        occupancy, prob_abandon`` (the requirement of each queue and interval under
        the scenario; ``agents`` is shrinkage-grossed), plus ``scheduled, under,
        over, scheduled_service_level, scheduled_asa_seconds,
        scheduled_prob_abandon`` with a roster evaluator.
    varying
        Names of the grid axes (the parameters that differ between scenarios).
    interval_minutes, fte_hours_per_week, days
        The interval length, the FTE definition and the number of calendar days the
        forecast covers.
    """

    scenarios: pd.DataFrame
    daily: pd.DataFrame
    intervals: pd.DataFrame
    varying: tuple[str, ...]
    interval_minutes: float
    fte_hours_per_week: float
    days: int

    @property
    def rostered(self) -> bool:
        """Whether the scenarios were rostered (the ``scheduled_*`` columns exist)."""
        return "scheduled_agent_hours" in self.scenarios.columns

    def scenario_page(self, *, rostered: bool | None = None) -> pd.DataFrame:
        """The summary in the shape of :func:`staffing.report.render_scenarios`.

        ``scenario`` is the scenario number (``"5 (baseline)"`` for the baseline);
        ``agent_hours`` the weekly cost and ``service_level`` the projected service
        level: of the requirement, or with ``rostered`` (default: when the sweep was
        rostered) of the rostered coverage, i.e. ``scheduled_agent_hours * 7 / days``
        and ``scheduled_service_level``. The other columns are the varying parameters
        (and ``model``), FTE and peak, plus the other view's figures when rostered.
        """
        rostered = self.rostered if rostered is None else rostered
        if rostered and not self.rostered:
            raise InvalidArgumentError("rostered", True, "a sweep run with a roster evaluator")
        s = self.scenarios
        page = pd.DataFrame({
            "scenario": [f"{sid} (baseline)" if base else str(sid)
                         for sid, base in zip(s["scenario"], s["is_baseline"], strict=True)],
        })
        required_week = s["agent_hours_per_week"].to_numpy(dtype=float)
        if rostered:
            page["agent_hours"] = s["scheduled_agent_hours"].to_numpy(dtype=float) * 7.0 / self.days
            page["service_level"] = s["scheduled_service_level"].to_numpy(dtype=float)
        else:
            page["agent_hours"] = required_week
            page["service_level"] = s["service_level"].to_numpy(dtype=float)
        for name in dict.fromkeys(["model", *self.varying]):
            page[name] = s[name].to_numpy()
        page["fte"] = s["fte"].round(1).to_numpy()
        page["peak_agents"] = s["peak_agents"].to_numpy()
        if rostered:
            page["required_agent_hours_per_week"] = required_week.round(1)
            page["under_staffed_hours"] = s["under_staffed_hours"].round(1).to_numpy()
        elif self.rostered:
            page["scheduled_service_level"] = s["scheduled_service_level"].round(4).to_numpy()
        return page


class RosterEvaluator(Protocol):
    """Turns one scenario's requirement into scheduled coverage (the roster engine).

    Called with the scenario and its requirement frame (the ``intervals`` rows of
    that scenario: ``queue, interval_start, calls, aht_seconds, agents, ...``); returns
    a frame with ``interval_start``, ``scheduled`` (agents on shift, before
    shrinkage) and ``queue`` when the forecast has several queues. Must be picklable
    (a module-level function or a :func:`functools.partial` of one) to run on a
    process pool or a Dask cluster.
    """

    def __call__(self, scenario: Scenario, requirement: pd.DataFrame) -> pd.DataFrame: ...


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class _QueueBaseline:
    queue: str
    interval_start: pd.DatetimeIndex
    calls: np.ndarray
    aht_seconds: np.ndarray


@dataclass(frozen=True)
class _Task:
    interval_minutes: float
    # (queue baseline, scenarios of this task for that queue)
    units: tuple[tuple[_QueueBaseline, tuple[Scenario, ...]], ...]

    @property
    def rows(self) -> int:
        return sum(q.calls.size * len(s) for q, s in self.units)


_INTERVAL_COLUMNS: Final = (
    "load_erlangs",
    "agents_net",
    "agents",
    "service_level",
    "prob_wait",
    "asa_seconds",
    "occupancy",
    "prob_abandon",
)


def _target_kwargs(targets: ServiceTargets) -> dict[str, Any]:
    return {
        "target_sl": targets.target_sl,
        "answer_seconds": targets.answer_seconds,
        "max_asa_seconds": targets.max_asa_seconds,
        "max_occupancy": targets.max_occupancy,
        "model": targets.model,
        "patience_seconds": targets.patience_seconds,
        "max_abandon": targets.max_abandon,
        "shrinkage": targets.shrinkage,
        "fractional": targets.fractional,
    }


def _targets_key(targets: ServiceTargets) -> tuple[Any, ...]:
    return tuple(_target_kwargs(targets).values())


def _evaluate_task(task: _Task) -> pd.DataFrame:
    """Requirements of every (queue, scenario) pair of ``task``.

    Pairs sharing the same targets (of any queue) are stacked into one array and
    evaluated by a single vectorised ``required_agents`` call.
    """
    from staffing.queueing.erlang import required_agents

    groups: dict[tuple[Any, ...], list[tuple[_QueueBaseline, Scenario]]] = {}
    for base, scenarios in task.units:
        for scenario in scenarios:
            groups.setdefault(_targets_key(scenario.targets), []).append((base, scenario))
    frames = []
    for pairs in groups.values():
        calls = np.concatenate([b.calls * s.volume_factor for b, s in pairs])
        aht = np.concatenate([s.aht.apply(b.aht_seconds) for b, s in pairs])
        sizes = np.array([b.calls.size for b, _ in pairs])
        req = required_agents(calls, aht, task.interval_minutes, **_target_kwargs(pairs[0][1].targets))
        data: dict[str, Any] = {
            "scenario": np.repeat(np.array([s.scenario_id for _, s in pairs], dtype=np.int64), sizes),
            "queue": np.repeat(np.array([b.queue for b, _ in pairs], dtype=object), sizes),
            "interval_start": _concat_starts([b.interval_start for b, _ in pairs]),
            "calls": calls,
            "aht_seconds": aht,
        }
        for column in _INTERVAL_COLUMNS:
            value = getattr(req, column, None)
            data[column] = (
                np.full(calls.size, np.nan) if value is None else np.broadcast_to(np.asarray(value), calls.shape)
            )
        frames.append(pd.DataFrame(data))
    return pd.concat(frames, ignore_index=True)


def _concat_starts(parts: list[pd.DatetimeIndex]) -> pd.DatetimeIndex:
    first = parts[0]
    if all(p is first for p in parts):  # one queue: repeat its index without copying per part
        return first.take(np.tile(np.arange(first.size), len(parts)))
    return pd.DatetimeIndex(first.append(parts[1:]))


def _plan_tasks(
    work: Sequence[tuple[_QueueBaseline, Sequence[Scenario]]],
    interval_minutes: float,
    batch_size: int,
) -> list[_Task]:
    """Cut the (queue, scenario) work into tasks of about ``batch_size`` rows, queue-major.

    ``work`` pairs each queue's baseline with the scenarios resolved against that
    queue's own base targets.
    """
    units: list[tuple[_QueueBaseline, tuple[Scenario, ...]]] = []
    for base, scenarios in work:
        per_chunk = max(1, batch_size // max(1, base.calls.size))
        for start in range(0, len(scenarios), per_chunk):
            units.append((base, tuple(scenarios[start : start + per_chunk])))
    tasks: list[_Task] = []
    current: list[tuple[_QueueBaseline, tuple[Scenario, ...]]] = []
    rows = 0
    for unit in units:
        unit_rows = unit[0].calls.size * len(unit[1])
        if current and rows + unit_rows > batch_size:
            tasks.append(_Task(interval_minutes, tuple(current)))
            current, rows = [], 0
        current.append(unit)
        rows += unit_rows
    if current:
        tasks.append(_Task(interval_minutes, tuple(current)))
    return tasks


def _prepare_baseline(forecast: pd.DataFrame) -> list[_QueueBaseline]:
    """Validate the baseline forecast and split it by queue (copies; the input is untouched)."""
    missing = [c for c in ("interval_start", "calls", "aht_seconds") if c not in forecast.columns]
    if missing:
        raise InvalidArgumentError("forecast", list(forecast.columns), f"columns including {', '.join(missing)}")
    if len(forecast) == 0:
        raise InvalidArgumentError("forecast", "0 rows", "at least one interval")
    starts = pd.to_datetime(forecast["interval_start"])
    calls = pd.to_numeric(forecast["calls"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    aht = pd.to_numeric(forecast["aht_seconds"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    queue = (
        forecast["queue"].astype(str).to_numpy(dtype=object)
        if "queue" in forecast.columns
        else np.full(len(forecast), DEFAULT_QUEUE, dtype=object)
    )
    bad_calls = ~np.isfinite(calls) | (calls < 0)
    if bad_calls.any():
        pos = int(np.flatnonzero(bad_calls)[0])
        raise InvalidArgumentError(f"forecast calls (row {pos})", forecast["calls"].iloc[pos], "a number >= 0")
    # A zero-call interval may have no handle time; its requirement is 0 whatever the AHT.
    bad_aht = (calls > 0) & ~(np.isfinite(aht) & (aht > 0))
    if bad_aht.any():
        pos = int(np.flatnonzero(bad_aht)[0])
        raise InvalidArgumentError(
            f"forecast aht_seconds (row {pos})", forecast["aht_seconds"].iloc[pos], "> 0 where calls > 0"
        )
    frame = pd.DataFrame({"queue": queue, "interval_start": starts.array, "calls": calls, "aht_seconds": aht})
    if frame.duplicated(["queue", "interval_start"]).any():
        dup = frame[frame.duplicated(["queue", "interval_start"])].iloc[0]
        raise InvalidArgumentError(
            "forecast", f"{dup['queue']} {dup['interval_start']}", "one row per queue and interval_start"
        )
    baselines = []
    for name, part in frame.sort_values(["queue", "interval_start"], kind="stable").groupby("queue", sort=True):
        q_calls = part["calls"].to_numpy(dtype=float)
        q_aht = part["aht_seconds"].to_numpy(dtype=float)
        fill = float(np.average(q_aht[q_calls > 0], weights=q_calls[q_calls > 0])) if (q_calls > 0).any() else 1.0
        q_aht = np.where(np.isfinite(q_aht) & (q_aht > 0), q_aht, fill)
        baselines.append(_QueueBaseline(str(name), pd.DatetimeIndex(part["interval_start"]), q_calls, q_aht))
    return baselines


def _check_scenarios_on_baseline(scenarios: Sequence[Scenario], baselines: Sequence[_QueueBaseline]) -> None:
    busy = np.concatenate([b.aht_seconds[b.calls > 0] for b in baselines])
    if busy.size == 0:
        return
    shortest = float(busy.min())
    for scenario in scenarios:
        if scenario.aht.apply(np.array([shortest]))[0] <= 0:
            raise InvalidArgumentError(
                "--grid aht", scenario.aht.label,
                f"a change leaving handle times > 0 (the shortest forecast AHT is {shortest:g} s)",
            )


def infer_interval_minutes(forecast: pd.DataFrame) -> float:
    """The interval length of a forecast: the shortest step between a queue's timestamps.

    Raises
    ------
    InvalidArgumentError
        When no queue has two distinct timestamps (give the length explicitly).
    """
    starts = pd.to_datetime(forecast["interval_start"])
    keys = forecast["queue"].astype(str) if "queue" in forecast.columns else pd.Series("q", index=forecast.index)
    frame = pd.DataFrame({"queue": keys.to_numpy(), "start": starts.array}).drop_duplicates()
    frame = frame.sort_values(["queue", "start"], kind="stable")
    steps = frame.groupby("queue")["start"].diff().dropna()
    steps = steps[steps > pd.Timedelta(0)]
    if steps.empty:
        raise InvalidArgumentError("--interval-minutes", None, "a value (the forecast has one interval per queue)")
    return float(steps.min() / pd.Timedelta(minutes=1))


def run_sweep(
    forecast: pd.DataFrame,
    base_targets: ServiceTargets,
    grid: ScenarioGrid,
    *,
    interval_minutes: float,
    executor: Executor | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    fte_hours_per_week: float = DEFAULT_FTE_HOURS_PER_WEEK,
    roster: RosterEvaluator | None = None,
    queue_targets: Mapping[str, ServiceTargets] | None = None,
) -> SweepResult:
    """Evaluate every scenario of ``grid`` against the baseline ``forecast``.

    Parameters
    ----------
    forecast
        Baseline forecast: ``interval_start``, ``calls``, ``aht_seconds`` and optionally
        ``queue``. Never modified. Zero-call intervals may have a blank AHT.
    base_targets
        Targets of the baseline; each scenario overrides the axes of ``grid``. The
        parameter columns of the scenario summary show these targets.
    grid
        The scenarios (an empty grid gives the baseline alone).
    interval_minutes
        Length of one forecast interval in minutes.
    executor
        Where to run the tasks (:func:`staffing.executors.open_executor`); ``None``
        runs them in this process. Results do not depend on the executor.
    batch_size
        Largest number of scenario x interval rows evaluated per task; tasks hold
        whole queues' weeks and several scenarios each.
    fte_hours_per_week
        Paid hours of one full-time equivalent, for ``fte``.
    roster
        Optional :class:`RosterEvaluator` giving scheduled coverage per scenario;
        adds the rostered service level and under-/over-staffing.
    queue_targets
        Base targets of individual queues (e.g. from a multi-queue site config);
        queues not named use ``base_targets``. A scenario replaces only the axes of
        ``grid`` in each queue's own targets, so ``target_sl=0.9`` raises every queue
        to 90% while each keeps its answer time, shrinkage, model, ...

    Returns
    -------
    SweepResult

    Notes
    -----
    Scenario *s* changes the forecast to ``calls * volume_s`` and
    ``aht_seconds * aht_factor_s + aht_add_seconds_s`` and computes the requirement
    of each interval with :func:`staffing.queueing.erlang.required_agents` under the scenario's
    targets. Agent-hours are ``sum(agents) * interval_minutes / 60`` (gross of
    shrinkage); weekly agent-hours scale the horizon total to seven days
    (``agent_hours * 7 / days``, equal to the total for a one-week forecast); FTE is
    weekly agent-hours over ``fte_hours_per_week``. Projected service level, ASA and
    abandonment are call-weighted means of the interval values, i.e. the fraction of
    all calls of the horizon answered within the target time, the usual way to
    aggregate interval service levels (Koole, *Call Center Optimization*, 2013).
    """
    if batch_size < 1:
        raise InvalidArgumentError("batch_size", batch_size, ">= 1")
    if not (interval_minutes > 0 and math.isfinite(interval_minutes)):
        raise InvalidArgumentError("interval_minutes", interval_minutes, "> 0")
    if not fte_hours_per_week > 0:
        raise InvalidArgumentError("fte_hours_per_week", fte_hours_per_week, "> 0")
    baselines = _prepare_baseline(forecast)
    scenarios = grid.scenarios(base_targets)
    _check_scenarios_on_baseline(scenarios, baselines)
    per_queue = _queue_scenarios(baselines, scenarios, grid, base_targets, queue_targets or {})
    runner = executor or SerialExecutor()
    tasks = _plan_tasks(list(zip(baselines, per_queue.values(), strict=True)), float(interval_minutes), batch_size)
    parts = run_ordered(runner, _evaluate_task, tasks)
    intervals = _sorted_intervals(pd.concat(parts, ignore_index=True))
    if roster is not None:
        intervals = _add_roster(intervals, scenarios, per_queue, roster, runner, float(interval_minutes))
    codes = _Codes.of(intervals, np.array([sc.scenario_id for sc in scenarios]))
    days = int(codes.days.size)
    summary = _summarise(intervals, codes, scenarios, grid.names, base_targets, float(interval_minutes),
                         fte_hours_per_week, days)
    daily = _daily(intervals, codes, float(interval_minutes))
    return SweepResult(summary, daily, intervals, grid.names, float(interval_minutes),
                       float(fte_hours_per_week), days)


def _queue_scenarios(
    baselines: Sequence[_QueueBaseline],
    scenarios: list[Scenario],
    grid: ScenarioGrid,
    base_targets: ServiceTargets,
    queue_targets: Mapping[str, ServiceTargets],
) -> dict[str, list[Scenario]]:
    """Each queue's scenarios: the grid applied to that queue's base targets (same ids)."""
    names = [b.queue for b in baselines]
    unknown = sorted(set(queue_targets) - set(names))
    if unknown:
        raise InvalidArgumentError("queue_targets", unknown, f"queues of the forecast ({', '.join(names)})")
    out: dict[str, list[Scenario]] = {}
    for name in names:
        own = queue_targets.get(name, base_targets)
        try:
            out[name] = scenarios if own == base_targets else grid.scenarios(own)
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"{exc.name} (queue {name})", exc.value, exc.expected) from None
    return out


def _sorted_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values(["scenario", "queue", "interval_start"], kind="stable", ignore_index=True)
    frame["queue"] = frame["queue"].astype("string")
    if pd.api.types.is_float_dtype(frame["agents"]) and np.all(np.mod(frame["agents"].to_numpy(), 1) == 0):
        for column in ("agents", "agents_net"):
            frame[column] = frame[column].astype(np.int64)
    return frame


@dataclass(frozen=True)
class _Codes:
    """Integer codes of the rows of an interval table, for bincount aggregation."""

    scenario_ids: np.ndarray  # sorted
    scenario: np.ndarray  # row -> position of its scenario (0..S-1)
    n_scenarios: int
    time: np.ndarray  # row -> position of its interval_start among the sorted distinct ones
    times: pd.DatetimeIndex
    day_of_time: np.ndarray  # time position -> position of its calendar day
    days: pd.DatetimeIndex

    @classmethod
    def of(cls, intervals: pd.DataFrame, scenario_ids: np.ndarray) -> _Codes:
        time, times = pd.factorize(intervals["interval_start"], sort=True)
        day_of_time, days = pd.factorize(pd.DatetimeIndex(times).normalize(), sort=True)
        return cls(scenario_ids, np.searchsorted(scenario_ids, intervals["scenario"].to_numpy()), scenario_ids.size,
                   time, pd.DatetimeIndex(times), day_of_time, pd.DatetimeIndex(days))

    @property
    def day(self) -> np.ndarray:
        return self.day_of_time[self.time]


def _sum(codes: np.ndarray, size: int, values: np.ndarray) -> np.ndarray:
    return np.bincount(codes, weights=values, minlength=size)


def _weighted_mean(codes: np.ndarray, size: int, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean per code; rows with zero weight do not count, NaN on a weighted row spoils it."""
    has = weights > 0
    w = np.where(has, weights, 0.0)
    wv = np.where(has, w * np.where(has, values, 0.0), 0.0)
    missing = _sum(codes, size, (has & np.isnan(values)).astype(float))
    total = _sum(codes, size, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = _sum(codes, size, np.nan_to_num(wv, nan=0.0)) / total
    return np.where((total > 0) & (missing == 0), mean, np.nan)


def _centre(codes: _Codes, agents: np.ndarray) -> np.ndarray:
    """Requirement summed over queues: a scenarios x interval_starts matrix."""
    n_times = codes.times.size
    key = codes.scenario * n_times + codes.time
    return _sum(key, codes.n_scenarios * n_times, agents).reshape(codes.n_scenarios, n_times)


def _summarise(
    intervals: pd.DataFrame,
    codes: _Codes,
    scenarios: Sequence[Scenario],
    varying: tuple[str, ...],
    base: ServiceTargets,
    interval_minutes: float,
    fte_hours_per_week: float,
    days: int,
) -> pd.DataFrame:
    hours = interval_minutes / 60.0
    out = pd.DataFrame([s.parameters() for s in scenarios])
    out["label"] = [_label(s, varying) for s in scenarios]
    out["is_baseline"] = [
        s.targets == base and s.volume_factor == 1.0 and s.aht == AhtChange() for s in scenarios
    ]
    s, n = codes.scenario, codes.n_scenarios

    def col(name: str) -> np.ndarray:
        return intervals[name].to_numpy(dtype=float)

    calls = col("calls")
    out["calls"] = _sum(s, n, calls)
    out["agent_hours"] = _sum(s, n, col("agents")) * hours
    out["agent_hours_net"] = _sum(s, n, col("agents_net")) * hours
    out["agent_hours_per_day"] = out["agent_hours"] / days
    out["agent_hours_per_week"] = out["agent_hours"] * 7.0 / days
    out["fte"] = out["agent_hours_per_week"] / fte_hours_per_week
    centre = _centre(codes, col("agents"))
    out["peak_agents"] = centre.max(axis=1)
    out["peak_interval"] = codes.times[centre.argmax(axis=1)]
    if intervals["agents"].dtype.kind != "f":
        out["peak_agents"] = out["peak_agents"].astype(np.int64)
    for column in ("service_level", "asa_seconds", "prob_abandon"):
        out[column] = _weighted_mean(s, n, col(column), calls)
    net = _sum(s, n, col("agents_net"))
    with np.errstate(invalid="ignore", divide="ignore"):
        out["occupancy"] = np.where(net > 0, _sum(s, n, col("load_erlangs")) / net, np.nan)
    if "scheduled" in intervals.columns:
        out["scheduled_agent_hours"] = _sum(s, n, col("scheduled")) * hours
        out["under_staffed_hours"] = _sum(s, n, col("under")) * hours
        out["over_staffed_hours"] = _sum(s, n, col("over")) * hours
        for column in ("scheduled_service_level", "scheduled_asa_seconds", "scheduled_prob_abandon"):
            out[column] = _weighted_mean(s, n, col(column), calls)
    return out


def _daily(intervals: pd.DataFrame, codes: _Codes, interval_minutes: float) -> pd.DataFrame:
    scenario_ids = codes.scenario_ids
    n_days = codes.days.size
    size = codes.n_scenarios * n_days
    key = codes.scenario * n_days + codes.day
    calls = intervals["calls"].to_numpy(dtype=float)
    agents = intervals["agents"].to_numpy(dtype=float)
    centre = _centre(codes, agents)
    # Times are sorted, so each day's intervals are one contiguous block of columns.
    first_of_day = np.searchsorted(codes.day_of_time, np.arange(n_days))
    peak = np.maximum.reduceat(centre, first_of_day, axis=1).ravel()
    out = pd.DataFrame({
        "scenario": np.repeat(scenario_ids, n_days),
        "date": np.tile(np.asarray(codes.days.date), codes.n_scenarios),
        "calls": _sum(key, size, calls),
        "agent_hours": _sum(key, size, agents) * interval_minutes / 60.0,
        "peak_agents": peak if intervals["agents"].dtype.kind == "f" else peak.astype(np.int64),
        "service_level": _weighted_mean(key, size, intervals["service_level"].to_numpy(dtype=float), calls),
    })
    # A queue-week may not cover every day for every scenario; keep only days with intervals.
    present = _sum(key, size, np.ones(key.size)) > 0
    return out[present].reset_index(drop=True)


def _label(scenario: Scenario, varying: Sequence[str]) -> str:
    """The varying parameters of ``scenario`` as ``target_sl=0.8 volume=x1.1``."""
    record = scenario.parameters()
    parts = []
    for name in varying:
        if name == "volume":
            parts.append(f"volume=x{scenario.volume_factor:g}")
        elif name == "aht":
            parts.append(f"aht={scenario.aht.label}")
        else:
            value = record[name]
            parts.append(f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}")
    return " ".join(parts) or "baseline"


# --------------------------------------------------------------------------- rostered evaluation


@dataclass(frozen=True)
class _RosterTask:
    evaluator: RosterEvaluator
    scenario: Scenario
    # (queue, this scenario's targets for that queue)
    queue_targets: tuple[tuple[str, ServiceTargets], ...]
    requirement: pd.DataFrame
    interval_minutes: float


_ROSTER_INPUT_COLUMNS: Final = ["scenario", "queue", "interval_start", "calls", "aht_seconds", "load_erlangs", "agents"]


def _shared_head_count(merged: pd.DataFrame) -> np.ndarray:
    """Each queue's share of a head count rostered for all queues together.

    As ``staffing plan`` projects it (:mod:`staffing.planning.week`, Notes): the agents on shift in
    an interval take every queue's calls, so each queue gets them in proportion to its
    requirement in that interval (equal shares when nothing is required).
    """
    head = merged["scheduled"].fillna(0.0).to_numpy(dtype=float)
    need = merged["agents"].to_numpy(dtype=float)
    key, _ = pd.factorize(merged["interval_start"])
    total = np.bincount(key, weights=need)[key]
    count = np.bincount(key)[key]
    return head * np.where(total > 0, need / np.where(total > 0, total, 1.0), 1.0 / count)


def _roster_task(task: _RosterTask) -> pd.DataFrame:
    """Scheduled coverage of one scenario and the service level it projects."""
    req = task.requirement
    got = task.evaluator(task.scenario, req.copy())
    if "scheduled" not in got.columns or "interval_start" not in got.columns:
        raise InvalidArgumentError("roster evaluator result", list(got.columns), "columns interval_start, scheduled")
    if "queue" in got.columns:  # coverage per queue (dedicated teams)
        cov = got[["queue", "interval_start", "scheduled"]].astype({"queue": "string"})
        merged = req[_ROSTER_INPUT_COLUMNS].merge(cov, on=["queue", "interval_start"], how="left",
                                                  validate="one_to_one")
        scheduled = merged["scheduled"].fillna(0.0).to_numpy(dtype=float)
    else:  # one head count for all queues
        merged = req[_ROSTER_INPUT_COLUMNS].merge(got[["interval_start", "scheduled"]], on="interval_start",
                                                  how="left", validate="many_to_one")
        scheduled = _shared_head_count(merged)
    load = merged["load_erlangs"].to_numpy(dtype=float)
    aht = merged["aht_seconds"].to_numpy(dtype=float)
    aht = np.where(aht > 0, aht, 1.0)
    queue = merged["queue"].to_numpy(dtype=object)
    sl, asa, abandon = (np.full(scheduled.shape, np.nan) for _ in range(3))
    for name, targets in task.queue_targets:
        rows = queue == name
        # The expected number on the phones after shrinkage (fractional, through the continuous
        # extension of Erlang B), as `staffing plan` projects it.
        on_phone = scheduled[rows] * (1.0 - targets.shrinkage)
        figures = service_figures(targets, on_phone, load[rows], aht[rows])
        for out, value in zip((sl, asa, abandon), figures, strict=True):
            out[rows] = value
    required = merged["agents"].to_numpy(dtype=float)
    return pd.DataFrame({
        "scheduled": scheduled,
        "under": np.maximum(required - scheduled, 0.0),
        "over": np.maximum(scheduled - required, 0.0),
        "scheduled_service_level": sl,
        "scheduled_asa_seconds": asa,
        "scheduled_prob_abandon": abandon,
    })


def _add_roster(
    intervals: pd.DataFrame,
    scenarios: Sequence[Scenario],
    per_queue: Mapping[str, Sequence[Scenario]],
    evaluator: RosterEvaluator,
    executor: Executor,
    interval_minutes: float,
) -> pd.DataFrame:
    bounds = np.searchsorted(intervals["scenario"].to_numpy(), [s.scenario_id for s in scenarios] + [len(scenarios) + 1])
    tasks = [
        _RosterTask(evaluator, s, tuple((q, own[i].targets) for q, own in per_queue.items()),
                    intervals.iloc[bounds[i] : bounds[i + 1]].reset_index(drop=True), interval_minutes)
        for i, s in enumerate(scenarios)
    ]
    extra = pd.concat(run_ordered(executor, _roster_task, tasks), ignore_index=True)
    return pd.concat([intervals, extra], axis=1)
