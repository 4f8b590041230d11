"""One task: run ``notebooks/sweep.ipynb`` through papermill for one slice.

The task works in a private temporary folder: the notebook writes its rows and
predictions there, the task reads them back and returns them, with the
executed notebook's bytes, to the caller. It writes nothing shared, so it runs
the same in a local worker process or on a cluster worker with no shared disk.

The task never raises for a slice that goes wrong: a notebook cell that fails,
a kernel that dies, a time limit hit, all give a *failed* :class:`SliceOutcome`
that carries the executed notebook showing where it stopped.

The notebook runs in the worker's warm kernel (:mod:`imbalance_lab.kernels`):
started once per worker and reset between notebooks, so that a slice pays for
its fits, not for a kernel start and its imports.
"""

from __future__ import annotations

import os
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import imbalance_lab
from imbalance_lab import rows
from imbalance_lab.sweep import faults

#: Thread counts of BLAS and OpenMP pools, pinned to one per worker: the
#: workers already use every core, and nested pools would only fight.
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "BLIS_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}
#: The kernel draws figures inline whatever backend the caller's environment
#: names (tests set MPLBACKEND=Agg), so executed notebooks show their plots.
KERNEL_ENV = {**THREAD_ENV, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
#: Seconds granted on top of ``unit_time_limit x units`` before a slice's
#: notebook is stopped: kernel start, imports, data loading, plots.
SLICE_OVERHEAD_SECONDS = 120
#: How much of the kernel's stderr a failed outcome quotes.
STDERR_TAIL = 2000


@dataclass
class SliceOutcome:
    """What a task returns: the slice's rows and notebook, or why it failed."""

    slice_key: str
    status: str  # "done" or "failed"
    rows: pd.DataFrame | None = None
    predictions: pd.DataFrame | None = None
    notebook: bytes | None = None
    error: str = ""
    seconds: float = 0.0


def sweep_notebook() -> Path:
    """``notebooks/sweep.ipynb`` of the source tree the package runs from."""
    path = Path(imbalance_lab.__file__).resolve().parents[2] / "notebooks" / "sweep.ipynb"
    if not path.exists():
        raise FileNotFoundError(f"the sweep notebook is missing: {path} (install the package editable: make setup)")
    return path


def pin_threads() -> None:
    """Pin BLAS/OpenMP to one thread in this process and in kernels it starts
    (they inherit the environment)."""
    os.environ.update(THREAD_ENV)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


def run_slice_task(
    spec: dict,
    *,
    notebook: str | Path | None = None,
    kernel_name: str = imbalance_lab.KERNEL_NAME,
    cwd: str | Path | None = None,
    reuse_kernel: bool = True,
    start_timeout: float = 120,
) -> SliceOutcome:
    """Run one slice's notebook and return its outcome (never raises for a
    failed slice).

    ``spec`` is the slice spec of ``experiment.run_slice``; ``cwd`` the kernel's
    working folder (relative CSV paths resolve there). ``reuse_kernel``: run
    in this thread's warm kernel (:mod:`imbalance_lab.kernels`; started
    once, reset between notebooks) rather than a kernel of its own, started
    and stopped for this notebook alone (papermill's way; the benchmarks'
    baseline for one run per grid cell).
    """
    # Imported here, not above: the sweep notebook's kernel imports this
    # module for write_slice_outputs and has no use for papermill and
    # nbformat (whose jsonschema import alone costs it ~1 s).
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    from imbalance_lab import kernels

    started = time.perf_counter()
    key = spec["slice_key"]
    # The kernel inherits this environment, with BLAS pinned and an inline
    # figure backend, whatever the caller's (tests set MPLBACKEND=Agg).
    env = {**os.environ, **KERNEL_ENV}
    cwd = str(cwd) if cwd is not None else os.getcwd()
    kernel = kernels.warm_kernel(kernel_name, cwd, env) if reuse_kernel else kernels.Kernel(kernel_name, cwd, env)
    # Scratch: a file a dying kernel left behind must not lose the slice's
    # result on the way out (ignore_cleanup_errors).
    with tempfile.TemporaryDirectory(prefix="imbalance-lab-slice-", ignore_cleanup_errors=True) as tmp:
        tmp = Path(tmp)
        rows_path, predictions_path = tmp / "rows.parquet", tmp / "predictions.parquet"
        executed = tmp / "executed.ipynb"
        limit = spec.get("unit_time_limit")
        timeout = None if limit is None else limit * len(spec["units"]) + SLICE_OVERHEAD_SECONDS
        error = ""
        stderr_from = kernel.stderr_offset()
        try:
            faults.checkpoint("slice", key)
            kernel.connection(start_timeout)  # started before the offset is read
            stderr_from = kernel.stderr_offset()
            kernels.execute_notebook(
                notebook or sweep_notebook(),
                executed,
                {"spec": spec, "rows_path": str(rows_path), "predictions_path": str(predictions_path)},
                kernel=kernel,
                start_timeout=start_timeout,
                execution_timeout=timeout,
            )
        except PapermillExecutionError as exc:
            # papermill has already marked the failing cell in the notebook.
            error = f"notebook cell In [{exc.exec_count}] raised {exc.ename}: {exc.evalue}"
        except DeadKernelError:
            error = "the kernel died" + _tail(kernel.stderr_since(stderr_from))
            _mark_failure(executed, "The kernel died while running this cell")
        except CellTimeoutError:
            error = f"the slice ran past its time limit of {timeout:g} s (unit_time_limit x units + {SLICE_OVERHEAD_SECONDS} s)"
            _mark_failure(executed, "The time limit was reached while running this cell")
        except Exception as exc:  # kernel failed to start, notebook unreadable, ...
            error = f"{type(exc).__name__}: {exc}" + _tail(kernel.stderr_since(stderr_from))
            if not executed.exists():
                error += "\n" + traceback.format_exc(limit=5)
        # A kernel is reused only after a notebook that ran clean (a failed
        # cell may leave anything behind; a timed-out one is still running).
        if error or not reuse_kernel or not kernel.reset():
            kernel.discard()
        notebook_bytes = executed.read_bytes() if executed.exists() else None
        if not error:
            result, error = _read_outputs(spec, rows_path, predictions_path)
        if error:
            return SliceOutcome(key, "failed", notebook=notebook_bytes, error=error,
                                seconds=time.perf_counter() - started)
        slice_rows, predictions = result
        return SliceOutcome(key, "done", slice_rows, predictions, notebook_bytes,
                            seconds=time.perf_counter() - started)


def _read_outputs(spec: dict, rows_path: Path, predictions_path: Path):
    """Read back what the notebook wrote, checking it is what was asked."""
    if not rows_path.exists():
        return None, f"the notebook wrote no rows to {rows_path.name}"
    slice_rows = pd.read_parquet(rows_path)
    if list(slice_rows.columns) != list(rows.COLUMNS):
        missing = [c for c in rows.COLUMNS if c not in slice_rows.columns]
        extra = [c for c in slice_rows.columns if c not in rows.COLUMNS]
        return None, f"the rows do not have the columns of rows.COLUMNS (missing {missing}, extra {extra}, or out of order)"
    asked = {unit["unit_key"] for unit in spec["units"]}
    stray = set(slice_rows["unit_key"]) - asked
    if stray:
        return None, f"the rows hold units that were not asked for: {sorted(stray)[:5]}"
    keep = spec.get("store_predictions", True) and predictions_path.exists()
    predictions = pd.read_parquet(predictions_path) if keep else None
    return (slice_rows, predictions), ""


def _mark_failure(path: Path, message: str) -> None:
    """Put a visible marker at the top of an executed notebook and before the
    cell that was running, as papermill does for a cell that raised (the
    same tag, so papermill clears them if the notebook is run again)."""
    import nbformat
    from papermill.execute import ERROR_ANCHOR_MSG, ERROR_MARKER_TAG, ERROR_STYLE

    if not path.exists():
        return
    nb = nbformat.read(path, as_version=4)
    started = [
        i for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and cell.metadata.get("papermill", {}).get("start_time")
    ]
    index = started[-1] if started else 0
    count = nb.cells[index].get("execution_count") if nb.cells else None
    anchor = nbformat.v4.new_markdown_cell(ERROR_ANCHOR_MSG)
    top = nbformat.v4.new_markdown_cell(
        f'<span {ERROR_STYLE}>{message} (<a href="#papermill-error-cell">In [{count}]</a>); '
        "the slice is marked failed in manifest.json and runs again on the next sweep.</span>"
    )
    for cell in (anchor, top):
        cell.metadata["tags"] = [ERROR_MARKER_TAG]
    nb.cells.insert(index, anchor)
    nb.cells.insert(0, top)
    nbformat.write(nb, path)


def _tail(text: str) -> str:
    """The end of what a kernel wrote to stderr, to quote in an error."""
    text = text.strip()
    # The kernel's start-up chatter is not the reason it died.
    lines = [line for line in text.splitlines() if "running over TCP without encryption" not in line]
    text = "\n".join(lines)[-STDERR_TAIL:]
    return f"; its stderr ends with:\n{text}" if text else ""


def write_slice_outputs(result, rows_path: str | Path, predictions_path: str | Path) -> None:
    """Write a ``SliceResult``'s rows and predictions as Parquet (the sweep
    notebook's last step; the task reads them back)."""
    for frame, path in ((result.rows, rows_path), (result.predictions, predictions_path)):
        if frame is None:  # predictions not kept (store_predictions: false)
            continue
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=False)
