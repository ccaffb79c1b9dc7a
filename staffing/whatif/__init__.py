"""What-if sweeps: the staffing cost of many service targets and forecast changes at once.

:mod:`~staffing.whatif.grid` parses the scenario grid (``NAME=V1,V2`` axes),
:mod:`~staffing.whatif.sweep` evaluates it (:func:`run_sweep`, batched over an executor),
:mod:`~staffing.whatif.aggregate` builds the summary and daily tables,
:mod:`~staffing.whatif.rostered` adds each scenario's rostered coverage and
:mod:`~staffing.whatif.site` holds the site's baseline and roster evaluator
(imported from there: it pulls in the forecast and roster engines).
"""

from staffing.whatif.aggregate import SweepResult
from staffing.whatif.grid import (
    FORECAST_AXES,
    GRID_AXES,
    TARGET_AXES,
    AhtChange,
    GridAxis,
    Scenario,
    ScenarioGrid,
)
from staffing.whatif.rostered import RosterEvaluator
from staffing.whatif.sweep import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_FTE_HOURS_PER_WEEK,
    DEFAULT_QUEUE,
    run_sweep,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_FTE_HOURS_PER_WEEK",
    "DEFAULT_QUEUE",
    "FORECAST_AXES",
    "GRID_AXES",
    "TARGET_AXES",
    "AhtChange",
    "GridAxis",
    "RosterEvaluator",
    "Scenario",
    "ScenarioGrid",
    "SweepResult",
    "run_sweep",
]
