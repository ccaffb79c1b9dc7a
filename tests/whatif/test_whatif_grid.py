"""Parsing and validation of what-if scenario grids."""

from __future__ import annotations

import itertools

import pytest

from staffing.errors import InvalidArgumentError
from staffing.queueing.requirements import ServiceTargets
from staffing.whatif.grid import AhtChange, ScenarioGrid

BASE = ServiceTargets(target_sl=0.8, answer_seconds=20)


def test_product_order_last_axis_fastest() -> None:
    grid = ScenarioGrid.parse(["target_sl=0.7,0.8,0.9", "answer_seconds=20,30"])
    scenarios = grid.scenarios(BASE)
    # itertools.product is the definition of the grid order.
    expected = list(itertools.product([0.7, 0.8, 0.9], [20.0, 30.0]))
    assert len(grid) == 6
    assert [(s.targets.target_sl, s.targets.answer_seconds) for s in scenarios] == expected
    assert [s.scenario_id for s in scenarios] == [1, 2, 3, 4, 5, 6]


def test_values_are_parsed_per_axis() -> None:
    grid = ScenarioGrid.parse([
        "volume=0.9,1.0,+10%",
        "aht=1.1,+20s,-15s,-10%",
        "model=erlang-c,Erlang_A",
        "shrinkage=0.25,0.3",
        "max-occupancy=0.85,none",
        "patience_seconds=60,120",
    ])
    values = {axis.name: axis.values for axis in grid.axes}
    assert values["volume"] == (0.9, 1.0, 1.1)
    assert values["aht"] == (AhtChange(1.1, 0.0), AhtChange(1.0, 20.0), AhtChange(1.0, -15.0), AhtChange(0.9, 0.0))
    assert values["model"] == ("erlang-c", "erlang-a")
    assert values["max_occupancy"] == (0.85, None)
    assert len(grid) == 3 * 4 * 2 * 2 * 2 * 2


def test_range_syntax_is_inclusive_and_exact() -> None:
    grid = ScenarioGrid.parse(["target_sl=0.70:0.95:0.05"])
    # Written out by hand: 0.70, 0.75, ..., 0.95 (six values, no float noise).
    assert grid.axes[0].values == (0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def test_scenario_overrides_only_its_axes() -> None:
    base = ServiceTargets(target_sl=0.8, answer_seconds=20, shrinkage=0.3, max_occupancy=0.9)
    (scenario,) = ScenarioGrid.parse(["answer_seconds=30"]).scenarios(base)
    assert scenario.targets == base.model_copy(update={"answer_seconds": 30.0})
    assert scenario.volume_factor == 1.0
    assert scenario.aht == AhtChange()


def test_empty_grid_is_the_baseline() -> None:
    grid = ScenarioGrid.parse([])
    (scenario,) = grid.scenarios(BASE)
    assert len(grid) == 1
    assert scenario.targets == BASE


def test_aht_change_formula() -> None:
    import numpy as np

    aht = np.array([100.0, 300.0])
    # aht' = aht * factor + add_seconds, by definition.
    assert AhtChange(1.1, 20.0).apply(aht).tolist() == pytest.approx([130.0, 350.0])
    assert AhtChange(1.0, 20.0).label == "+20s"
    assert AhtChange(1.1, 0.0).label == "x1.1"


@pytest.mark.parametrize(
    ("spec", "name", "fragment"),
    [
        ("colour=red", "grid", "an axis among"),
        ("target_sl", "grid", "NAME=V1,V2"),
        ("target_sl=0.8,abc", "grid[target_sl]", "a number"),
        ("target_sl=1.2", "grid[target_sl]", "(0, 1)"),
        ("target_sl=0", "grid[target_sl]", "(0, 1)"),
        ("answer_seconds=-5", "grid[answer_seconds]", ">= 0"),
        ("shrinkage=1", "grid[shrinkage]", "[0, 1)"),
        ("max_occupancy=1.5", "grid[max_occupancy]", "(0, 1]"),
        ("volume=-0.1", "grid[volume]", "multiplier >= 0"),
        ("aht=0", "grid[aht]", "multiplier > 0"),
        ("aht=20s", "grid[aht]", "with a sign"),
        ("model=erlang-b", "grid[model]", "erlang-c or erlang-a"),
        ("target_sl=0.8,0.8", "grid[target_sl]", "each value once"),
        ("target_sl=0.9:0.7:0.1", "grid[target_sl]", "stop >= start"),
        ("target_sl=0.8,nan", "grid[target_sl]", "a number"),
    ],
)
def test_bad_specs_name_the_axis_and_value(spec: str, name: str, fragment: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        ScenarioGrid.parse([spec])
    assert fragment in str(info.value)
    # The library names its argument (and the axis); the command line maps it to --grid.
    assert info.value.name == name
    assert "--grid" not in str(info.value)


def test_axis_given_twice_is_rejected() -> None:
    with pytest.raises(InvalidArgumentError, match="given twice"):
        ScenarioGrid.parse(["volume=1.0", "volume=1.1"])


def test_invalid_combination_names_the_scenario() -> None:
    # Erlang A needs a patience; the base has none and the grid gives none.
    grid = ScenarioGrid.parse(["model=erlang-c,erlang-a"])
    with pytest.raises(InvalidArgumentError, match="scenario 2"):
        grid.scenarios(BASE)
