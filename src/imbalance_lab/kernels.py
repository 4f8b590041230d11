"""The Jupyter kernels the package runs its notebooks in, through papermill.

Every notebook the package executes (a sweep's slices, the report, the
audit, the calibration study) goes through :func:`execute_notebook`: a
papermill run in a :class:`Kernel` that talks over IPC sockets in a
folder of its own, not TCP ports — the kernel is always on this machine,
nothing else can connect to it, no port can be taken by a parallel kernel,
and ipykernel does not warn that TCP runs without encryption.

**Warm kernels.** A sweep's worker keeps one kernel alive across the slices
it runs (:func:`warm_kernel`). A fresh kernel costs about 0.5 s to start and
4 s to import numpy, pandas, scikit-learn, imbalanced-learn and matplotlib,
while most slices compute for a few seconds: paid once per slice, that was
close to half of a sweep's time (``make bench``, harness); paid once per
worker it is noise.

Reuse must not change what a notebook computes, so between two notebooks
the kernel is put back into the state of a fresh one, as far as a notebook
can see (:data:`RESET_CODE`): namespace, output cache and input history
cleared, figures closed, execution count back to 1 (so the executed
notebook reads ``In [1]`` and a failing cell's number means the same as in
a fresh kernel). What stays is ``sys.modules``: imports already made. Every
random choice of the package takes an explicit seed, so the rows are the
same either way (``tests/test_sweep_runner.py`` checks this against fresh
kernels, the benchmarks against a plain Python loop).

A kernel is never reused after anything went wrong in it: a failing cell, a
time limit (the cell may still be running), a death, a reset that does not
answer. The runner calls :meth:`Kernel.discard` and the next slice gets a
new kernel. Nor across changed surroundings: a warm kernel is keyed on its
name, working folder and full environment (fault injection and tests set
environment variables that a kernel reads when it starts).

A warm kernel writes its stderr to a file of its own, so that when it dies
the runner can quote what it printed last, in a worker process or in a
thread of a Dask worker alike (no file descriptor of the worker is
redirected). A kernel started for one notebook leaves its stderr where the
caller's goes, as papermill's own kernels do.
"""

from __future__ import annotations

import atexit
import math
import os
import tempfile
import threading
import time
from pathlib import Path

from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.iorw import write_ipynb
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

from imbalance_lab import KERNEL_NAME

#: Name under which :class:`KernelEngine` is registered with papermill.
ENGINE_NAME = "imbalance-lab-kernel"

#: Run between two notebooks: what a fresh kernel would not have. IPython's
#: own reset with a new session clears the namespace, the output cache and
#: the input history, and sets the execution count back to 1 (so a failing
#: cell's number means what it means in a fresh kernel); figures left open
#: are closed first. Its display hook's flush is done by hand: the flush
#: ends in gc.collect(), which walks every object of numpy, pandas,
#: scikit-learn and matplotlib (0.05-0.1 s a notebook, the reset's whole
#: cost; the collector runs by itself as the next slice allocates). After
#: the reset the hook's ``_``, ``__``, ``___`` go back into the namespace
#: as a new display hook puts them there (IPython's reset leaves them out:
#: ``_`` was a NameError after it). A function, so that its locals outlive
#: the namespace it clears.
RESET_CODE = """\
def _imbalance_lab_reset():
    import sys
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    shell = get_ipython()
    hook = shell.displayhook
    hook._ = hook.__ = hook.___ = ""  # the flush's work, but for its gc.collect()
    full_cache, hook.do_full_cache = hook.do_full_cache, False
    try:
        shell.reset(new_session=True)  # namespace, Out/In history, execution count
    finally:
        hook.do_full_cache = full_cache
    shell.user_ns.update({"_": "", "__": "", "___": ""})
_imbalance_lab_reset()
"""
#: Seconds a reset may take before the kernel is given up.
RESET_TIMEOUT = 60
#: nbclient's default: keep IPython's history in memory, not in a SQLite
#: file under ~/.ipython that parallel kernels would share.
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]


class Kernel:
    """One kernel, and the one client that every notebook run in it and
    every reset between them use, started on first use (IPC transport;
    ``stderr_to_file``: the kernel's stderr to a file, see :meth:`stderr_since`)."""

    def __init__(self, kernel_name: str, cwd: str | None, env: dict[str, str], *, stderr_to_file: bool = True):
        self.kernel_name = kernel_name
        self.cwd = cwd
        self.env = dict(env)
        self.stderr_to_file = stderr_to_file
        self.notebooks_run = 0
        self._km = None
        self._kc = None
        self._folder: tempfile.TemporaryDirectory | None = None
        self._stderr = None

    def matches(self, kernel_name: str, cwd: str | None, env: dict[str, str]) -> bool:
        return (kernel_name, cwd, env) == (self.kernel_name, self.cwd, self.env)

    def connection(self, start_timeout: float = 60) -> dict:
        """``km`` and ``kc`` of a live kernel (started now if needed): what
        :class:`KernelEngine` takes."""
        if self._km is not None and not run_sync(self._km.is_alive)():
            self.discard()
        if self._km is None:
            self._start(start_timeout)
        return {"km": self._km, "kc": self._kc}

    def _start(self, start_timeout: float) -> None:
        from jupyter_client.manager import AsyncKernelManager

        # Scratch (sockets, stderr): failing to remove it must not fail a
        # discard that happens on the way out of a finished notebook.
        self._folder = tempfile.TemporaryDirectory(prefix="imbalance-lab-kernel-", ignore_cleanup_errors=True)
        if self.stderr_to_file:
            self._stderr = open(Path(self._folder.name) / "stderr", "w+b")  # noqa: SIM115 (lives as long as the kernel)
        # IPC sockets in the kernel's own folder, not TCP ports: the kernel
        # is always on this machine, nothing else can connect to it, and no
        # port can be taken by a parallel kernel (ipykernel also stops
        # warning that TCP runs without encryption).
        self._km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc",
                                      ip=str(Path(self._folder.name) / "kernel-ipc"))
        try:
            run_sync(self._km.start_kernel)(
                extra_arguments=KERNEL_ARGUMENTS, cwd=self.cwd, env=self.env, stderr=self._stderr
            )
            self._kc = self._km.client()
            self._kc.allow_stdin = False  # as nbclient sets its own: no input() prompts
            self._kc.start_channels()
            run_sync(self._kc.wait_for_ready)(timeout=start_timeout)
        except BaseException:
            self.discard()
            raise

    def stderr_offset(self) -> int:
        """Where the kernel's stderr file ends now (see :meth:`stderr_since`)."""
        if self._stderr is None:
            return 0
        self._stderr.flush()
        return os.fstat(self._stderr.fileno()).st_size

    def stderr_since(self, offset: int) -> str:
        """What the kernel wrote to stderr after ``offset``."""
        if self._stderr is None:
            return ""
        return Path(self._stderr.name).read_bytes()[offset:].decode(errors="replace")

    def reset(self) -> bool:
        """Clear the kernel for the next notebook; False (and the kernel
        discarded) when it does not answer as a healthy kernel does."""
        if self._kc is None:
            return False
        try:
            reply = run_sync(self._shell)(RESET_CODE, RESET_TIMEOUT)
        except Exception:  # no reply in time (queue.Empty), a closed channel
            reply = None
        if reply is None or reply["content"].get("status") != "ok":
            self.discard()
            return False
        self.notebooks_run += 1
        return True

    async def _shell(self, code: str, timeout: float) -> dict:
        """Run ``code`` silently and return its reply, read from the shell
        channel alone: the reply comes after the code ran, and the broadcast
        (iopub) messages it causes are left to the next run's client to skip,
        as it skips every message that is not its own."""
        msg_id = self._kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + timeout
        while True:
            reply = await self._kc.get_shell_msg(timeout=max(0.0, deadline - time.monotonic()))
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def discard(self) -> None:
        """Stop the kernel at once and forget it; the next use starts anew."""
        km, kc, self._km, self._kc = self._km, self._kc, None, None
        if kc is not None:
            kc.stop_channels()
        if km is not None:
            try:
                if run_sync(km.is_alive)():
                    run_sync(km.shutdown_kernel)(now=True)
            except Exception:  # already gone: nothing to stop
                pass
            finally:
                run_sync(km.cleanup_resources)()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
        self.notebooks_run = 0


_local = threading.local()
_all: list[Kernel] = []
_all_lock = threading.Lock()


def warm_kernel(kernel_name: str, cwd: str | None, env: dict[str, str]) -> Kernel:
    """This thread's warm kernel for (``kernel_name``, ``cwd``, ``env``);
    one kept for other surroundings is discarded first. One per thread: a
    kernel runs one notebook at a time, and a Dask worker with several
    threads runs several slices at once."""
    kernel = getattr(_local, "kernel", None)
    if kernel is not None and kernel.matches(kernel_name, cwd, env):
        return kernel
    if kernel is not None:
        kernel.discard()
    kernel = _local.kernel = Kernel(kernel_name, cwd, env)
    with _all_lock:
        _all.append(kernel)
    return kernel


@atexit.register
def discard_all() -> None:
    """Stop every warm kernel this process started (at exit; kernels of a
    process killed outright exit by themselves: ipykernel polls its parent)."""
    with _all_lock:
        kernels = list(_all)
        _all.clear()
    for kernel in kernels:
        kernel.discard()


def execute_notebook(
    input_path: str | Path,
    output_path: str | Path,
    parameters: dict,
    *,
    kernel: Kernel | None = None,
    kernel_name: str = KERNEL_NAME,
    cwd: str | Path | None = None,
    start_timeout: float = 60,
    execution_timeout: float | None = None,
    progress_bar: bool = False,
):
    """``papermill.execute_notebook`` in ``kernel`` (left running: the
    caller resets or discards it) or, by default, in a kernel of its own,
    started in ``cwd`` with this process's environment and stopped after.
    Raises what papermill raises (``PapermillExecutionError`` for a failing
    cell, nbclient's ``DeadKernelError``, ``CellTimeoutError``)."""
    import papermill

    # nbclient's timeouts are Int traits: 210.5 s (unit_time_limit 90.5 x 1
    # unit + 120) was a TraitError in every slice. Round up: never less time.
    if execution_timeout is not None:
        execution_timeout = math.ceil(execution_timeout)
    start_timeout = math.ceil(start_timeout)
    own = kernel is None
    if own:
        kernel = Kernel(kernel_name, str(cwd) if cwd is not None else os.getcwd(), dict(os.environ),
                        stderr_to_file=False)
    try:
        # papermill writes the notebook once at the end (and when a cell
        # raises), not at every cell's start and end: those 2 x cells + 2
        # writes, each serialising the whole notebook with its parameters
        # and figures, were 0.2 s of every slice. A kernel that dies or a
        # time limit gets the notebook written by the engine as it stands.
        return papermill.execute_notebook(
            str(input_path), str(output_path), parameters=parameters,
            engine_name=ENGINE_NAME, **kernel.connection(start_timeout),
            kernel_name=kernel.kernel_name, language="python", progress_bar=progress_bar,
            start_timeout=start_timeout, execution_timeout=execution_timeout,
            request_save_on_cell_execute=False, save_on_failure=str(output_path),
        )
    finally:
        if own:
            kernel.discard()


class KernelEngine(NBClientEngine):
    """papermill's own nbclient engine, executing in a kernel it is handed
    (``km``) through a client it is handed (``kc``), both left running.

    Given ``km`` alone, nbclient neither starts nor stops the kernel, but it
    opens a client for each notebook (four ZMQ channels and a heartbeat
    thread, and 0.2 s waiting for the kernel to answer) and, not owning the
    kernel, never closes it. Handed the warm kernel's client, it opens none.
    When execution stops with an exception (a dead kernel, a time limit),
    the notebook as it stands is written to ``save_on_failure``, so that
    the cell that was running can be shown; papermill itself writes it at
    the end and after a cell that raised.

    The other arguments are papermill's, merged as its
    ``NBClientEngine.execute_managed_notebook`` merges them.
    """

    @classmethod
    def execute_managed_notebook(
        cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
        start_timeout=60, execution_timeout=None, *, km, kc, save_on_failure=None, **kwargs,
    ):
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs,
            timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client = PapermillNotebookClient(nb_man, km=km, **final_kwargs)
        client.kc = kc  # set after construction: nbclient's __init__ sets it to None
        try:
            return client.execute()
        except BaseException:
            if save_on_failure:
                write_ipynb(nb_man.nb, save_on_failure)
            raise


papermill_engines.register(ENGINE_NAME, KernelEngine)


def kernel_died(executed: str | Path) -> str:
    """The one line that says a notebook's kernel died (nbclient's
    ``DeadKernelError``): most likely the system killed it for memory."""
    return (
        "the notebook's kernel died (most likely killed for lack of memory: try smaller sizes); "
        f"the executed notebook, up to the cell that was running, is {executed}"
    )
