"""Run a sweep's slices on a Dask cluster (``executor: {dask: ADDRESS}`` in a
config, or ``imbalance-lab sweep CONFIG --scheduler ADDRESS``).

The same task as on this machine, :func:`~imbalance_lab.sweep.runner.run_slice_task`,
runs on the cluster's workers: one papermill run of the sweep notebook per
slice. A task returns its rows, predictions and executed notebook to this
process, which stays the only writer of the results folder — workers need no
shared disk, only the same installation of imbalance-lab.

A worker that dies in the middle of a slice (killed, out of memory) is Dask's
to handle: the scheduler runs the slice again on another worker, up to its
``distributed.scheduler.allowed-failures`` deaths (3 by default; a setting of
the *scheduler*), then gives up with ``KilledWorker`` and the slice is
reported *failed* — recorded so in the manifest and run again by the next
sweep. Each slice yields exactly one outcome, however many times it ran, so
nothing is lost and nothing is written twice.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from imbalance_lab.errors import InvalidParameterError
from imbalance_lab.sweep.executors import Executor
from imbalance_lab.sweep.runner import SliceOutcome, pin_threads, run_slice_task, sweep_notebook

#: Seconds to wait for a first worker to join the scheduler.
WORKER_TIMEOUT = 60
#: Seconds between two looks at how many workers a running sweep has.
WATCH_INTERVAL = 10


class DaskExecutor(Executor):
    """Slices as tasks on the Dask cluster whose scheduler is at ``address``.

    ``address`` is a scheduler address (``"tcp://host:8786"``) or an object
    ``distributed.Client`` accepts in its place (a ``LocalCluster``). At most
    ``jobs`` slices are on the cluster at once (default: one per worker
    thread, re-read as workers come and go), so that none waits in a worker's
    queue where the death of a slice running beside it would count against
    it. ``retries`` is Dask's ``retries=`` of each task: how often a task that
    *raises* runs again (a slice whose notebook fails does not raise; it
    returns a failed outcome). ``task`` and ``task_kwargs`` replace the
    task function and its keyword arguments (tests use them). ``field``
    names the setting the address came from, in error messages.
    ``connect_timeout`` defaults to Dask's ``distributed.comm.timeouts.connect``
    (30 s; environment variable ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT``).

    Connecting, waiting for a first worker and checking that every worker runs
    the same imbalance-lab source and library versions as this process (the
    cache keys assume it) all happen here, so a bad address is an error
    before any work starts.
    """

    def __init__(
        self,
        address: Any,
        *,
        jobs: int | None = None,
        retries: int = 1,
        task: Callable[..., SliceOutcome] = run_slice_task,
        task_kwargs: dict | None = None,
        connect_timeout: float | None = None,
        worker_timeout: float = WORKER_TIMEOUT,
        field: str = "executor.dask",
    ):
        usable = (isinstance(address, str) and address.strip()) or hasattr(address, "scheduler_address")
        if not usable:
            raise InvalidParameterError(
                field, address, "the address of a Dask scheduler, e.g. 'tcp://127.0.0.1:8786'"
            )
        if isinstance(address, str):
            address = address.strip()
            why = address_problem(address)
            if why is not None:
                raise InvalidParameterError(field, address, f"{ADDRESS_EXAMPLE} ({why})")
        if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
            raise InvalidParameterError("jobs", jobs, "an integer >= 1, or None for one slice per worker thread")
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise InvalidParameterError("retries", retries, "an integer >= 0")
        self.address = address
        self.field = field
        self.retries = retries
        self.task = task
        self.task_kwargs = {"cwd": os.getcwd(), **(task_kwargs or {})}
        self.expected = worker_environment()
        self.client = _connect(address, field, connect_timeout, worker_timeout)
        try:
            self._check_workers()
        except BaseException:
            self.client.close()
            raise
        self._limit = jobs
        self.jobs = jobs or self._threads()
        self._queue: deque[dict] = deque()
        self._running: dict[Any, dict] = {}  # future -> spec

    def submit(self, spec: dict) -> None:
        self._queue.append(spec)

    def describe(self, slices: int | None = None) -> str:
        where = f"on the Dask cluster at {_address_of(self.address)}"
        try:
            threads = self._workers()
        except Exception:  # a client already closed, a scheduler gone: say what is known
            return where
        at_once = f"; at most {self._limit} slices at once" if self._limit else ""
        return (f"{where} ({_count(len(threads), 'worker')}, {_count(sum(threads.values()), 'thread')}"
                f"{at_once})")

    def as_completed(self) -> Iterator[SliceOutcome]:
        from distributed import as_completed

        finished = as_completed(loop=self.client.loop)
        self._fill(finished)
        with WorkerWatch(self.address, self._workers):
            for future in finished:
                spec = self._running.pop(future)
                outcome = _outcome(future, spec)
                future.release()  # the cluster holds no result once we have it
                self._fill(finished)  # keep the workers busy while the caller records
                yield outcome

    def _fill(self, finished) -> None:
        limit = self._limit or max(self._threads(), 1)
        while self._queue and len(self._running) < limit:
            spec = self._queue.popleft()
            # pure=False: a fresh key per submission, so that two runs of the
            # same slice never share (or substitute) a result.
            future = self.client.submit(
                run_slice_on_worker, spec, self.task, self.task_kwargs, self.expected,
                pure=False, retries=self.retries,
            )
            self._running[future] = spec
            finished.add(future)

    def _threads(self) -> int:
        return sum(self.client.nthreads().values())

    def _workers(self) -> dict[str, int]:
        """The cluster's workers now: address -> threads."""
        return dict(self.client.nthreads())

    def _check_workers(self) -> None:
        try:
            found = self.client.run(worker_environment)
        except Exception as exc:  # e.g. imbalance_lab not importable on a worker
            raise InvalidParameterError(
                self.field, self.address,
                f"a cluster whose workers have imbalance-lab installed; running a check on them "
                f"raised {type(exc).__name__}: {exc}",
            ) from exc
        problems = [
            f"worker {worker}: {why}"
            for worker, env in sorted(found.items())
            if (why := environment_difference(self.expected, env))
        ]
        if problems:
            raise InvalidParameterError(
                self.field, self.address,
                "workers that run the same imbalance-lab source and library versions as this "
                "process (cache keys depend on them); " + "; ".join(problems[:5]),
            )

    def shutdown(self, cancel: bool = False) -> None:
        self._queue.clear()
        running, self._running = list(self._running), {}
        if cancel and running:
            # A slice already running finishes on its worker (Dask does not
            # interrupt a running task); its result is dropped, never written.
            self.client.cancel(running, force=True)
        self.client.close()


class WorkerWatch:
    """Says on stderr when a worker leaves the cluster (Dask then runs its
    slices again elsewhere, which would otherwise go unsaid), when no worker
    is left (Dask keeps a sweep's tasks until one joins, so the sweep would
    wait without a word), and when workers are back.

    ``workers`` returns the cluster's workers now (address -> threads); a
    thread calls :meth:`check` every ``interval`` seconds while the block
    runs. A worker that a nanny restarts comes back under a new address
    (unless its port is fixed), so its death is seen as one leaving, however
    quickly it returns.
    """

    def __init__(self, address: Any, workers: Callable[[], dict[str, int]], *,
                 interval: float = WATCH_INTERVAL, stream=None):
        self.address = _address_of(address)
        self.workers = workers
        self.interval = interval
        self.stream = stream
        self.waiting = False
        self._known: set[str] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="imbalance-lab-worker-watch")

    def check(self) -> list[str]:
        """Look once; print and return what changed (workers that left, no
        worker left, workers back); an empty list when nothing did."""
        from tqdm import tqdm

        now = self.workers()
        left = sorted(self._known - set(now)) if self._known is not None else []
        self._known = set(now)
        threads = sum(now.values())
        # Where the slices of a worker that left go next: with none left they
        # wait, which the 'no Dask worker is left' line below says.
        again = "another worker" if threads else "the next worker to join"
        messages = [
            f"imbalance-lab sweep: Dask worker {worker} left the cluster; Dask runs the slices it "
            f"had again on {again} (a slice whose workers die "
            f"distributed.scheduler.allowed-failures + 1 times is recorded failed)"
            for worker in left
        ]
        if threads == 0 and not self.waiting:
            messages.append(
                f"imbalance-lab sweep: no Dask worker is left at {self.address}; the sweep waits "
                f"for one (start one: dask worker {self.address} --nthreads 1), or stop it with "
                "Ctrl-C: recorded slices are kept")
        elif threads > 0 and self.waiting:
            messages.append(f"imbalance-lab sweep: {_count(threads, 'Dask worker thread')} at "
                            f"{self.address} again; going on")
        self.waiting = threads == 0
        for message in messages:
            # tqdm.write: above the sweep's progress bar, not inside its line
            tqdm.write(message, file=self.stream or sys.stderr)
        return messages

    def __enter__(self):
        try:
            self._known = set(self.workers())  # the workers a death is measured against
        except Exception:  # noqa: S110 (the first check will look again)
            pass
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # a client closing under us: the sweep itself reports what matters
                return


def _address_of(address: Any) -> str:
    return getattr(address, "scheduler_address", address)


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" + ("" if n == 1 else "s")


def run_slice_on_worker(
    spec: dict, task: Callable[..., SliceOutcome], task_kwargs: dict, expected: dict
) -> SliceOutcome:
    """The Dask task: check this worker matches the client, pin BLAS/OpenMP to
    one thread (as Dask's nanny does by default), run ``task``."""
    why = environment_difference(expected, worker_environment())
    if why:
        return SliceOutcome(spec["slice_key"], "failed", error=f"worker environment differs from the client's: {why}")
    kwargs = dict(task_kwargs)
    if kwargs.get("cwd") is not None and not os.path.isdir(kwargs["cwd"]):
        kwargs["cwd"] = None  # the client's folder does not exist here (no shared disk)
    pin_threads()
    return task(spec, **kwargs)


@lru_cache(maxsize=1)
def worker_environment() -> dict[str, Any]:
    """What a worker must share with the client: the package's source hash and
    the library versions (both enter the cache keys), the sweep notebook, and
    the Jupyter kernel the notebook runs in (``make setup`` installs it)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    from imbalance_lab import KERNEL_NAME
    from imbalance_lab.sweep.plan import library_versions, source_hash

    try:
        notebook = sweep_notebook().read_bytes()
    except FileNotFoundError:
        notebook = b""
    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        kernel = KERNEL_NAME
    except NoSuchKernel:
        kernel = "missing"
    return {
        "source_hash": source_hash(),
        "versions": dict(library_versions()),
        "notebook": hashlib.sha256(notebook).hexdigest()[:16] if notebook else "missing",
        "kernel": kernel,
    }


def environment_difference(expected: dict, found: dict) -> str:
    """What differs between two :func:`worker_environment` records ('' if nothing)."""
    diffs = []
    if found.get("source_hash") != expected.get("source_hash"):
        diffs.append(f"imbalance-lab source hash {found.get('source_hash')} (client {expected.get('source_hash')})")
    if found.get("notebook") != expected.get("notebook"):
        diffs.append(f"sweep notebook {found.get('notebook')} (client {expected.get('notebook')})")
    if found.get("kernel") != expected.get("kernel"):
        diffs.append(f"Jupyter kernel {found.get('kernel')} (client {expected.get('kernel')}; "
                     "'make setup' installs it)")
    theirs, ours = found.get("versions", {}), expected.get("versions", {})
    for name in sorted(set(theirs) | set(ours)):
        if theirs.get(name) != ours.get(name):
            diffs.append(f"{name} {theirs.get(name, 'not installed')} (client {ours.get(name, 'not installed')})")
    return ", ".join(diffs)


def address_problem(address: str) -> str | None:
    """Why Dask cannot parse ``address`` (None when it can). Handed to
    ``distributed.Client``, such an address raises a bare ValueError and
    leaves a half-made client that hangs on exit, so it is refused before
    any connection. The transport's own backend parses it, as ``Client``
    would; host:port transports also get their port range checked."""
    from distributed.comm.addressing import parse_address
    from distributed.comm.registry import get_backend

    try:
        scheme, location = parse_address(address, strict=False)
        _, port = get_backend(scheme).get_address_host_port(location)  # ValueError: unknown scheme, bad port
    except NotImplementedError:  # a transport without host:port (inproc, ucx): nothing more to check here
        return None
    except ValueError as exc:
        return str(exc)
    return None if 0 < port < 65536 else f"port {port} is not between 1 and 65535"


#: What a usable scheduler address looks like, in error messages.
ADDRESS_EXAMPLE = "a Dask scheduler address such as 'tcp://127.0.0.1:8786'"


def _connect(address: Any, field: str, connect_timeout: float | None, worker_timeout: float):
    import dask
    from dask.utils import parse_timedelta
    from distributed import Client

    if connect_timeout is None:
        connect_timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s")
    if isinstance(address, str):
        _check_it_speaks_dask(address, field, connect_timeout)
    try:
        client = Client(address, timeout=connect_timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise _no_scheduler(field, address, connect_timeout, exc) from exc
    try:
        client.wait_for_workers(1, timeout=worker_timeout)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise InvalidParameterError(
            field, address,
            f"a scheduler with workers; none joined within {worker_timeout:g} s "
            f"(start some with: dask worker {address} --nthreads 1)",
        ) from exc
    return client


def _check_it_speaks_dask(address: str, field: str, timeout: float) -> None:
    """Open one Dask connection to ``address`` and close it, or raise naming
    ``field``: nothing accepts within ``timeout`` seconds, or something does
    but gives no Dask handshake within 2 s more.

    Why not let ``Client`` do it: distributed (2026.8, dask/distributed#8071)
    bounds the TCP connect by its timeout but not the handshake after it, so
    a Client pointed at a port where something else listens (the
    scheduler's own dashboard, any web server) waits for ever. Here the whole
    connection, handshake included, has one deadline. It runs on a loop of
    its own in a thread of its own, so it also works where an event loop is
    already running (a notebook)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm import CommClosedError, connect
    from distributed.security import Security

    # connect() gives up at `timeout` when nothing accepts; the handshake's
    # own deadline comes a little later, so that the two causes cannot race
    # and each gets its own message.
    deadline = timeout + 2

    async def handshake():
        args = Security().get_connection_args("client")
        comm = await asyncio.wait_for(connect(address, timeout=timeout, **args), deadline)
        await comm.close()

    not_dask = ("the address of a running Dask scheduler; something listens there but {} "
                "(a dashboard or another service? `dask scheduler` prints its address as "
                "'Scheduler at: tcp://...')")
    with ThreadPoolExecutor(1) as thread:
        try:
            thread.submit(asyncio.run, handshake()).result()
        except TimeoutError as exc:  # connected, but no handshake came back
            raise InvalidParameterError(
                field, address, not_dask.format(f"did not answer as one within {deadline:g} s"),
            ) from exc
        except CommClosedError as exc:  # connected, then hung up on Dask's handshake
            raise InvalidParameterError(
                field, address, not_dask.format("closed the connection instead of answering as one"),
            ) from exc
        except OSError as exc:
            raise _no_scheduler(field, address, timeout, exc) from exc
        except Exception as exc:  # noqa: BLE001 - a transport that cannot start here (tls without
            # Dask's TLS settings, ucx without ucx-py, ws:// answered by plain HTTP) raises its own types
            first = (str(exc).strip().splitlines() or [""])[0]
            hints = {"tls://": " (a tls:// address needs Dask's TLS settings: distributed.comm.tls.*)",
                     "ucx://": " (a ucx:// address needs UCX and its Dask backend, distributed-ucxx, "
                               "which this installation lacks; use the scheduler's tcp:// address)"}
            hint = next((h for scheme, h in hints.items() if str(address).startswith(scheme)), "")
            raise InvalidParameterError(
                field, address,
                f"the address of a running Dask scheduler; connecting failed: "
                f"{type(exc).__name__}: {first}{hint}",
            ) from exc


def _no_scheduler(field: str, address: str, timeout: float, exc: Exception) -> InvalidParameterError:
    return InvalidParameterError(
        field, address,
        f"the address of a running Dask scheduler; none answered within {timeout:g} s ({exc})",
    )


def _outcome(future, spec: dict) -> SliceOutcome:
    """The slice's outcome, or a failed one saying why the cluster gave none."""
    from distributed import CancelledError
    from distributed.scheduler import KilledWorker

    key = spec["slice_key"]
    try:
        outcome = future.result()
    except KilledWorker as exc:
        why = (f"{exc.allowed_failures + 1} workers died while running it (the scheduler's "
               f"distributed.scheduler.allowed-failures is {exc.allowed_failures})")
        return SliceOutcome(key, "failed", error=why)
    except CancelledError as exc:
        return SliceOutcome(key, "failed", error=f"the cluster cancelled it ({exc or 'scheduler lost'})")
    except Exception as exc:  # the task raised (after its retries)
        return SliceOutcome(key, "failed", error=f"the task raised {type(exc).__name__}: {exc}")
    if not isinstance(outcome, SliceOutcome) or outcome.slice_key != key:
        return SliceOutcome(key, "failed", error=f"the task returned {type(outcome).__name__} for another slice")
    return outcome
