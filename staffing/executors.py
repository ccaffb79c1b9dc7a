"""Where batch work runs: in this process, a local process pool, or a Dask cluster.

Everything that fans out (what-if sweeps, multi-queue plans) takes a
:class:`concurrent.futures.Executor`; this module makes one from user options so the
same code runs serially in tests, on the local cores by default, and on a Dask
distributed cluster with ``scheduler="tcp://HOST:PORT"`` without changing code.

Dask is an optional extra (``pip install "staffing[dask]"``) and is imported only
when a scheduler address is given.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Literal, ParamSpec, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from staffing.errors import ConfigError, InvalidArgumentError, StaffingError

_P = ParamSpec("_P")
_T = TypeVar("_T")

#: Address schemes a Dask scheduler listens on.
_SCHEDULER_RE = re.compile(r"^(tcp|tls|ws|wss|inproc|ucx)://\S+$")

DASK_EXTRA_HINT = 'pip install "staffing[dask]"'


class SerialExecutor(Executor):
    """Run each submitted call at once in the calling thread.

    For tests, small jobs and debugging (tracebacks stay in one process). The
    returned futures are already done; an exception is stored in the future, as a
    pool would do, and raised by ``result()``.
    """

    def __init__(self) -> None:
        self._shutdown = False

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: Future[_T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # stored like a pool would; re-raised by result()
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True


class ExecutorOptions(BaseModel):
    """User options choosing where batch work runs (validated once, at the boundary).

    Attributes
    ----------
    workers
        Process-pool size; ``None`` means the number of CPUs this process may use.
        Ignored with ``scheduler``.
    scheduler
        Address of a Dask distributed scheduler (``tcp://HOST:PORT``). When given,
        work runs on that cluster through ``Client(address).get_executor()``.
    serial
        Run everything in the calling process (no pool). Wins over ``workers``.
    start_method
        How the local pool starts workers. ``forkserver`` (default on POSIX) is safe
        when the parent runs threads (a Dask client, a progress bar); ``fork``
        starts fastest.
    connect_timeout_seconds
        How long to wait for the Dask scheduler before failing.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    workers: int | None = Field(default=None, ge=1, le=1024)
    scheduler: str | None = None
    serial: bool = False
    start_method: Literal["fork", "forkserver", "spawn"] | None = None
    connect_timeout_seconds: float = Field(default=10.0, gt=0)

    @field_validator("scheduler")
    @classmethod
    def _scheduler_address(cls, value: str | None) -> str | None:
        if value is not None and not _SCHEDULER_RE.match(value.strip()):
            raise ValueError("expected a Dask scheduler address like tcp://HOST:PORT")
        return None if value is None else value.strip()

    @property
    def kind(self) -> Literal["serial", "process", "dask"]:
        """Which executor these options give."""
        if self.scheduler is not None:
            return "dask"
        return "serial" if self.serial else "process"

    def describe(self) -> str:
        """One line for logs and the CLI (``process pool, 2 workers``)."""
        if self.kind == "dask":
            return f"Dask cluster at {self.scheduler}"
        if self.kind == "serial":
            return "serial (this process)"
        return f"process pool, {self.workers or available_cpus()} workers"


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def executor_options(
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    serial: bool = False,
    start_method: Literal["fork", "forkserver", "spawn"] | None = None,
    connect_timeout_seconds: float = 10.0,
) -> ExecutorOptions:
    """Validate executor options, raising :class:`InvalidArgumentError` naming the option."""
    try:
        return ExecutorOptions(
            workers=workers, scheduler=scheduler, serial=serial, start_method=start_method,
            connect_timeout_seconds=connect_timeout_seconds,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "executor"
        value = {"workers": workers, "scheduler": scheduler, "start_method": start_method}.get(name)
        raise InvalidArgumentError(name, value, first["msg"].removeprefix("Value error, ")) from None


@contextmanager
def open_executor(options: ExecutorOptions | None = None) -> Iterator[Executor]:
    """Yield the executor ``options`` ask for and shut it down (and any Dask client) after.

    Parameters
    ----------
    options
        From :func:`executor_options`; ``None`` gives a local process pool with one
        worker per available CPU.

    Raises
    ------
    ConfigError
        ``scheduler`` is given but ``dask.distributed`` is not installed (the
        message names the extra to install).
    StaffingError
        The Dask scheduler cannot be reached.

    Examples
    --------
    >>> with open_executor(executor_options(serial=True)) as ex:
    ...     ex.submit(pow, 2, 10).result()
    1024
    """
    opts = options or ExecutorOptions()
    if opts.kind == "serial":
        serial = SerialExecutor()
        try:
            yield serial
        finally:
            serial.shutdown()
        return
    if opts.kind == "dask":
        with _dask_executor(opts) as dask_executor:
            yield dask_executor
        return
    method = opts.start_method or ("forkserver" if os.name == "posix" else "spawn")
    pool = ProcessPoolExecutor(
        max_workers=opts.workers or available_cpus(),
        mp_context=multiprocessing.get_context(method),
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _dask_executor(opts: ExecutorOptions) -> Iterator[Executor]:
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError(
            f"scheduler {opts.scheduler} needs Dask distributed, which is not installed: "
            f"{DASK_EXTRA_HINT}",
            key="scheduler",
        ) from None
    try:
        client = Client(opts.scheduler, timeout=opts.connect_timeout_seconds)
    except (OSError, TimeoutError) as exc:
        raise StaffingError(
            f"cannot reach the Dask scheduler at {opts.scheduler} "
            f"within {opts.connect_timeout_seconds:g} s: {exc}"
        ) from None
    try:
        yield client.get_executor()
    finally:
        client.close()


def run_ordered(executor: Executor, fn: Callable[..., _T], tasks: Sequence[Any]) -> list[_T]:
    """Submit ``fn(task)`` for every task and return the results in task order.

    The order of the results never depends on which worker finished first, so
    concatenating them gives the same table on every executor. On the first failure
    the remaining futures are cancelled and the error is raised.
    """
    futures = [executor.submit(fn, task) for task in tasks]
    try:
        return [future.result() for future in futures]
    except BaseException:
        for future in futures:
            future.cancel()
        raise
