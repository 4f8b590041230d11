"""Executors: where slices run. The client hands each slice spec to
``submit`` and collects :class:`~imbalance_lab.sweep.runner.SliceOutcome`
objects from ``as_completed``; it alone writes the results folder.

:class:`LocalExecutor` runs the task in a pool of worker processes on this
machine. A cluster executor (issue 8: Dask) implements the same three methods
around the same task function, :func:`~imbalance_lab.sweep.runner.run_slice_task`.
"""

from __future__ import annotations

import abc
import collections
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from imbalance_lab.errors import ConfigError, InvalidParameterError
from imbalance_lab.sweep.runner import SliceOutcome, pin_threads, run_slice_task


class Executor(abc.ABC):
    """Runs slice tasks somewhere and hands their outcomes back."""

    @abc.abstractmethod
    def submit(self, spec: dict) -> None:
        """Queue one slice spec."""

    @abc.abstractmethod
    def as_completed(self) -> Iterator[SliceOutcome]:
        """Yield one outcome per submitted slice, in the order they finish.
        A slice whose worker is lost yields a *failed* outcome, never nothing."""

    @abc.abstractmethod
    def shutdown(self, cancel: bool = False) -> None:
        """Release the workers; ``cancel`` stops running tasks at once."""

    def describe(self, slices: int | None = None) -> str:
        """Where the slices run, now, for the sweep's messages ("on 2 workers");
        ``slices``: how many this sweep runs, when known."""
        return ""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.shutdown(cancel=exc_type is not None)


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def make_executor(spec: Any = "local", jobs: int | None = None, source: str | None = None) -> Executor:
    """The executor a config names (``executor:``), with ``jobs`` workers;
    ``source`` is the config's file, named in errors about the setting."""
    if spec == "local":
        return LocalExecutor(jobs)
    if isinstance(spec, dict) and "dask" in spec:
        from imbalance_lab.sweep.dask_executor import DaskExecutor

        try:
            return DaskExecutor(spec["dask"], jobs=jobs, field="executor.dask")
        except ConfigError:
            raise
        except InvalidParameterError as exc:  # no scheduler there, no workers, mismatched workers
            if exc.name != "executor.dask":
                raise
            raise ConfigError(exc.name, exc.value, exc.expected, source) from exc
    raise ConfigError("executor", spec, "'local' or {dask: SCHEDULER_ADDRESS}", source)


class LocalExecutor(Executor):
    """A pool of ``jobs`` worker processes (default: every core), each with
    BLAS/OpenMP pinned to one thread, running one slice at a time.

    At most ``jobs`` slices are handed to the pool at once, so that when a
    worker process dies (killed, out of memory) the slices it took down are
    known: they are retried one at a time, and a slice that kills its worker
    while running alone is reported failed — the rest of the sweep goes on.
    """

    def __init__(
        self,
        jobs: int | None = None,
        *,
        task: Callable[..., SliceOutcome] = run_slice_task,
        task_kwargs: dict | None = None,
    ):
        if jobs is None:
            jobs = default_jobs()
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
            raise InvalidParameterError("jobs", jobs, "an integer >= 1")
        self.jobs = jobs
        self.task = task
        self.task_kwargs = {"cwd": os.getcwd(), **(task_kwargs or {})}
        self._queue: collections.deque[dict] = collections.deque()
        self._suspects: collections.deque[dict] = collections.deque()
        self._pool: ProcessPoolExecutor | None = None
        self._generation = 0

    def submit(self, spec: dict) -> None:
        self._queue.append(spec)

    def describe(self, slices: int | None = None) -> str:
        # The pool starts a worker per slice running, up to jobs: --jobs 500
        # on 4 slices runs on 4 workers, not 500.
        workers = self.jobs if not slices else min(self.jobs, slices)
        return f"on {workers} worker" + ("s" if workers > 1 else "")

    def as_completed(self) -> Iterator[SliceOutcome]:
        running: dict[Any, tuple[dict, int, bool]] = {}  # future -> (spec, generation, alone)
        while self._queue or self._suspects or running:
            self._fill(running)
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                spec, generation, alone = running.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    if generation == self._generation:
                        self._restart()
                    if alone:
                        yield _lost(spec, "its worker process died while it ran alone")
                    else:
                        self._suspects.append(spec)
                except Exception as exc:  # the task itself should never raise
                    yield _lost(spec, f"the task raised {type(exc).__name__}: {exc}")

    def _fill(self, running: dict) -> None:
        if any(alone for _, _, alone in running.values()):
            return
        if self._suspects:
            # A slice that was running when a worker died runs alone, so that
            # its own death cannot take other slices with it.
            if not running:
                spec = self._suspects.popleft()
                running[self._ensure_pool().submit(self.task, spec, **self.task_kwargs)] = (
                    spec, self._generation, True,
                )
            return
        while self._queue and len(running) < self.jobs:
            spec = self._queue.popleft()
            running[self._ensure_pool().submit(self.task, spec, **self.task_kwargs)] = (
                spec, self._generation, False,
            )

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the client has threads (the progress bar's) and
            # a forked copy of a threaded process can deadlock.
            self._pool = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(os.getpid(),),
            )
        return self._pool

    def _restart(self) -> None:
        self._terminate()
        self._generation += 1

    def _terminate(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # Stop the workers now; their kernels notice their parent is gone
        # and exit (ipykernel's parent poller).
        for process in list(getattr(pool, "_processes", {}).values()):
            if process.is_alive():
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)

    def shutdown(self, cancel: bool = False) -> None:
        self._queue.clear()
        self._suspects.clear()
        if cancel:
            self._terminate()
        elif self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _init_worker(client_pid: int) -> None:
    """Set up a worker process: one BLAS/OpenMP thread, and an exit when the
    client is gone (killed), so that no orphan worker keeps computing."""
    pin_threads()
    threading.Thread(target=_exit_when_orphaned, args=(client_pid,), daemon=True).start()


def _exit_when_orphaned(client_pid: int, interval: float = 1.0) -> None:
    while os.getppid() == client_pid:
        time.sleep(interval)
    os._exit(1)


def _lost(spec: dict, why: str) -> SliceOutcome:
    return SliceOutcome(spec["slice_key"], "failed", error=why)
