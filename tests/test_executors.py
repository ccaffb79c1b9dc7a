"""Executors: serial, local process pool and Dask give the same sweep, in the same order."""

from __future__ import annotations

import builtins
from typing import Any

import pandas as pd
import pytest
from _whatif_helpers import INTERVAL_MINUTES, make_forecast

from staffing.errors import ConfigError, InvalidArgumentError, StaffingError
from staffing.executors import (
    SerialExecutor,
    executor_options,
    open_executor,
    run_ordered,
)
from staffing.queueing.requirements import ServiceTargets
from staffing.whatif.sweep import ScenarioGrid, SweepResult, run_sweep

BASE = ServiceTargets(target_sl=0.8, answer_seconds=20, shrinkage=0.3)
GRID = ScenarioGrid.parse(["target_sl=0.7,0.8,0.9", "volume=0.9,1.1", "aht=1.0,+20s"])


@pytest.fixture(scope="module")
def forecast() -> pd.DataFrame:
    return make_forecast(days=1, queues=("a", "b", "c"))


@pytest.fixture(scope="module")
def serial_result(forecast: pd.DataFrame) -> SweepResult:
    return run_sweep(forecast, BASE, GRID, interval_minutes=INTERVAL_MINUTES, executor=SerialExecutor())


def assert_same(result: SweepResult, reference: SweepResult) -> None:
    pd.testing.assert_frame_equal(result.intervals, reference.intervals, check_exact=True)
    pd.testing.assert_frame_equal(result.scenarios, reference.scenarios, check_exact=True)
    pd.testing.assert_frame_equal(result.daily, reference.daily, check_exact=True)


def test_process_pool_equals_serial(forecast: pd.DataFrame, serial_result: SweepResult) -> None:
    # batch_size=200 cuts the work into dozens of tasks finishing in any order.
    with open_executor(executor_options(workers=2)) as pool:
        result = run_sweep(forecast, BASE, GRID, interval_minutes=INTERVAL_MINUTES, executor=pool, batch_size=200)
    assert_same(result, serial_result)


def test_dask_local_cluster_equals_serial(forecast: pd.DataFrame, serial_result: SweepResult) -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        result = run_sweep(forecast, BASE, GRID, interval_minutes=INTERVAL_MINUTES,
                           executor=client.get_executor(), batch_size=200)
    assert_same(result, serial_result)


def test_open_executor_connects_to_a_scheduler_address(forecast: pd.DataFrame, serial_result: SweepResult) -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster,
        open_executor(executor_options(scheduler=cluster.scheduler_address)) as executor,
    ):
        result = run_sweep(forecast, BASE, GRID, interval_minutes=INTERVAL_MINUTES, executor=executor,
                           batch_size=500)
    assert_same(result, serial_result)


def test_results_come_back_in_task_order_whatever_finishes_first() -> None:
    with open_executor(executor_options(workers=2)) as pool:
        assert run_ordered(pool, abs, [-3, -1, -2, 5]) == [3, 1, 2, 5]


def test_serial_executor_stores_and_reraises_errors() -> None:
    with open_executor(executor_options(serial=True)) as ex:
        assert isinstance(ex, SerialExecutor)
        future = ex.submit(int, "x")
        with pytest.raises(ValueError):
            future.result()
        with pytest.raises(ValueError):
            run_ordered(ex, int, ["1", "x"])


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"workers": 0}, "workers"), ({"scheduler": "localhost:8786"}, "scheduler"),
     ({"scheduler": "http://host:8786"}, "scheduler")],
)
def test_bad_options_are_rejected(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(InvalidArgumentError, match=f"invalid {name}="):
        executor_options(**kwargs)


def test_options_describe_where_work_runs() -> None:
    assert executor_options(workers=3).describe() == "process pool, 3 workers"
    assert executor_options(serial=True, workers=3).kind == "serial"
    assert executor_options(scheduler="tcp://10.0.0.5:8786").kind == "dask"


def test_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_distributed(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError("No module named 'distributed'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    with pytest.raises(ConfigError, match=r'pip install "staffing\[dask\]"'), \
            open_executor(executor_options(scheduler="tcp://127.0.0.1:8786")):
        pass


def test_unreachable_scheduler_is_a_clear_error() -> None:
    pytest.importorskip("distributed")
    options = executor_options(scheduler="tcp://127.0.0.1:9", connect_timeout_seconds=1.0)
    with pytest.raises(StaffingError, match=r"cannot reach the Dask scheduler at tcp://127.0.0.1:9"), \
            open_executor(options):
        pass
