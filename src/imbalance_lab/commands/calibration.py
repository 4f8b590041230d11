"""`imbalance-lab calibration [--out DIR]`: run the prior-shift simulation.

Executes ``notebooks/calibration.ipynb`` through papermill with the project's
kernel and writes into ``DIR`` (default ``results/calibration``):

- ``calibration.ipynb``  the executed notebook, figures and tables inside;
- ``intercepts.csv``     mean calibration intercept / slope / ECE per
  prevalence x scheme x corrected, with expected values and standard errors;
- ``replicates.csv``     one row per replicate;
- ``intercepts.png``, ``reliability.png``  the figures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: The notebook, in the source tree this package is installed from (editable).
NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "calibration.ipynb"

#: option dest -> notebook parameter
_OPTIONS = {
    "prevalences": "prevalences",
    "n_train": "n_train",
    "n_test": "n_test",
    "repeats": "repeats",
    "seed": "random_state",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", default="results/calibration", metavar="DIR",
        help="output folder (default: results/calibration)",
    )
    parser.add_argument(
        "--prevalences", type=float, nargs="+", metavar="P",
        help="prevalences to simulate (default: 0.3 0.1 0.01)",
    )
    parser.add_argument("--n-train", type=int, metavar="N", help="training rows per replicate (default: 20000)")
    parser.add_argument("--n-test", type=int, metavar="N", help="test rows per replicate (default: 100000)")
    parser.add_argument("--repeats", type=int, metavar="N", help="replicates per prevalence (default: 10)")
    parser.add_argument("--seed", type=int, metavar="N", help="seed of every random choice (default: 0)")


def run(args: argparse.Namespace) -> int:
    parameters = {
        name: getattr(args, dest) for dest, name in _OPTIONS.items() if getattr(args, dest) is not None
    }
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    from imbalance_lab import kernels
    from imbalance_lab.folders import check_output_folder

    check_output_folder(args.out, "--out", "the simulation")  # under the flag's name, first
    executed = Path(args.out) / "calibration.ipynb"
    try:
        output = execute(args.out, parameters)
    except PapermillExecutionError as exc:
        # The executed notebook shows the failing cell; point there, no traceback.
        print(
            f"imbalance-lab calibration: notebook failed in cell {exc.exec_count}: "
            f"{exc.ename}: {exc.evalue}\n  see {executed}",
            file=sys.stderr,
        )
        return 1
    except DeadKernelError:
        print(f"imbalance-lab calibration: {kernels.kernel_died(executed)}", file=sys.stderr)
        return 1
    print(f"imbalance-lab calibration: wrote {output.parent}/ (notebook, intercepts.csv, figures)")
    return 0


def execute(out, parameters: dict | None = None, *, notebook: Path = NOTEBOOK, progress_bar: bool = True) -> Path:
    """Validate ``parameters`` (notebook parameter names), run the notebook
    into ``out`` and return the executed notebook's path.

    Raises :class:`~imbalance_lab.errors.InvalidParameterError` for a bad
    parameter before the kernel starts, and papermill's
    ``PapermillExecutionError`` if a cell fails (the executed notebook, with
    the error shown, is still written).
    """
    import inspect

    from imbalance_lab import KERNEL_NAME, kernels
    from imbalance_lab.errors import InvalidParameterError
    from imbalance_lab.folders import check_output_folder
    from imbalance_lab.prior_shift_study import check_parameters, run_study

    parameters = dict(parameters or {})
    defaults = {
        name: p.default
        for name, p in inspect.signature(run_study).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    unknown = sorted(set(parameters) - set(defaults))
    if unknown:
        raise InvalidParameterError("parameters", unknown, f"names among {sorted(defaults)}")
    check_parameters(**{**defaults, **parameters})
    if not notebook.is_file():
        raise InvalidParameterError(
            "notebook", str(notebook), "notebooks/calibration.ipynb of a source checkout (make setup)"
        )

    out_dir = check_output_folder(out, "out", "the simulation").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / "calibration.ipynb"
    kernels.execute_notebook(notebook, output, {**parameters, "out_dir": str(out_dir)},
                             kernel_name=KERNEL_NAME, cwd=out_dir, progress_bar=progress_bar)
    return output
