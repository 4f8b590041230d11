"""`imbalance-lab audit`: run notebooks/equivalence.ipynb through papermill.

Writes into ``--out`` (default ``results/equivalence/``): ``equivalence.csv``
(one row per estimator configuration x variant, with verdict and mechanism),
``summary.csv``, ``scale.csv``, ``cost.csv``, ``cost_table.csv``,
``figures/*.png`` and the executed notebook ``equivalence.ipynb``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_OUT = Path("results") / "equivalence"
NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "equivalence.ipynb"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        metavar="DIR",  # kept as typed: Path("") would be the working folder, not an error
        default=DEFAULT_OUT,
        help=f"output folder (default: {DEFAULT_OUT})",
    )
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a notebook parameter (VALUE is a Python literal, else YAML), e.g. -p n_seeds=20 "
        "or -p 'estimators=[LogisticRegression]'; repeatable",
    )


def parse_params(pairs: list[str], known: set[str]) -> dict:
    """``["n_seeds=20", ...]`` -> ``{"n_seeds": 20}``. A value is read as a
    Python literal (``1e-8``, ``[1, 5]``, ``None``) and otherwise as YAML
    (``[LogisticRegression]``, ``false``): YAML alone would read ``1e-8`` as
    a string. A malformed pair or a name the notebook does not declare is an
    error."""
    import ast

    import yaml

    from imbalance_lab.errors import InvalidParameterError, UnknownNameError

    params = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InvalidParameterError("--param", pair, "NAME=VALUE")
        if name not in known:
            raise UnknownNameError("--param", name, known, kind="notebook parameter")
        if name == "out_dir":
            raise InvalidParameterError("--param", pair, "--out to set the output folder")
        try:
            params[name] = ast.literal_eval(text.strip())
            continue
        except (ValueError, SyntaxError):
            pass
        try:
            params[name] = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidParameterError(f"--param {name}", text, f"a YAML value ({exc})") from exc
    return params


def check_params(params: dict, declared: dict) -> None:
    """Check every notebook parameter, the ``declared`` defaults (papermill's
    ``inspect_notebook``) updated by ``params``, with the check the notebook's
    own calls make (:func:`imbalance_lab.audit.parameters.check_parameters`);
    an error names ``-p NAME`` and the value."""
    import ast

    from imbalance_lab.audit.parameters import check_parameters, renamed
    from imbalance_lab.errors import InvalidParameterError

    values = {name: ast.literal_eval(p["default"]) for name, p in declared.items()}
    try:
        check_parameters(**{**values, **params})
    except InvalidParameterError as exc:
        raise renamed(exc, f"-p {exc.name}") from None


def run(args: argparse.Namespace) -> int:
    import sys
    import time

    import pandas as pd
    import papermill
    from nbclient.exceptions import DeadKernelError

    from imbalance_lab import KERNEL_NAME, kernels
    from imbalance_lab.errors import ImbalanceLabError
    from imbalance_lab.folders import check_output_folder

    out = check_output_folder(args.out, "--out", "the audit")
    if not NOTEBOOK.is_file():
        raise ImbalanceLabError(f"the audit notebook is missing: {NOTEBOOK}")
    declared = papermill.inspect_notebook(str(NOTEBOOK))
    params = parse_params(args.param, set(declared))
    check_params(params, declared)  # before any folder or kernel
    out.mkdir(parents=True, exist_ok=True)
    executed = out / "equivalence.ipynb"
    params["out_dir"] = str(out.resolve())
    started = time.perf_counter()
    try:
        kernels.execute_notebook(NOTEBOOK, executed, params, kernel_name=KERNEL_NAME, cwd=NOTEBOOK.parent,
                                 progress_bar=True)
    except papermill.PapermillExecutionError as exc:
        raise ImbalanceLabError(
            f"the audit notebook failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue} "
            f"(executed notebook: {executed})"
        ) from None
    except DeadKernelError:
        print(f"imbalance-lab audit: {kernels.kernel_died(executed)}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    frame = pd.read_csv(out / "equivalence.csv")
    counts = frame.groupby("verdict").size().to_dict()
    n_classifiers = frame["estimator"].nunique()
    print(
        f"audited {n_classifiers} classifiers ({len(frame)} rows) in {seconds:.0f} s: "
        + ", ".join(f"{v} {n}" for v, n in sorted(counts.items()))
    )
    print(f"results: {out}/equivalence.csv, figures in {out}/figures, notebook {executed}")
    return 0
