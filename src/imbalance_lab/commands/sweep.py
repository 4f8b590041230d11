"""`imbalance-lab sweep CONFIG`: run a sweep config and record its results.

A thin layer over :func:`imbalance_lab.sweep.run_sweep`.
"""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", metavar="CONFIG", help="sweep config (YAML), e.g. configs/quick.yaml")
    parser.add_argument(
        "--out", metavar="DIR", default=None,
        help="results folder of this sweep (default: results/<name> from the config)",
    )
    parser.add_argument(
        "--jobs", metavar="N", type=int, default=None,
        help="worker processes, each with one BLAS/OpenMP thread (default: the config's jobs, else every core)",
    )
    parser.add_argument(
        "--force", action="store_true",
        help="recompute every unit, even those already done",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", default=None,
        help="run the slices on the Dask cluster whose scheduler is at ADDRESS (e.g. tcp://host:8786); "
        "the same as 'executor: {dask: ADDRESS}' in the config",
    )


def run(args: argparse.Namespace) -> int:

    from imbalance_lab.errors import InvalidParameterError
    from imbalance_lab.sweep import load_config, run_sweep
    from imbalance_lab.sweep.store import check_results_folder

    # The flags are checked under their own names, before the config and any work.
    if args.jobs is not None and args.jobs < 1:
        raise InvalidParameterError("--jobs", args.jobs, "an integer >= 1")
    if args.out is not None:
        check_results_folder(args.out, "--out", read_manifest=False)
    config = load_config(args.config)  # every config error is raised here, before any work
    if args.out is not None:  # its manifest, once the config's name is known
        check_results_folder(args.out, "--out", experiment=config.name)
    # `kill` (SIGTERM) stops the sweep like Ctrl-C: the workers and their
    # kernels are stopped and what was recorded stays recorded.
    signal.signal(signal.SIGTERM, _interrupt)
    executor = None
    if args.scheduler is not None:
        from imbalance_lab.sweep.dask_executor import DaskExecutor

        config = dataclasses.replace(config, executor={"dask": args.scheduler})  # as the manifest records it
        jobs = config.jobs if args.jobs is None else args.jobs
        executor = DaskExecutor(args.scheduler, jobs=jobs, field="--scheduler")
    summary = run_sweep(config, out=args.out, jobs=args.jobs, force=args.force, executor=executor, progress=True)
    print(summary.text())
    return summary.exit_code


def _interrupt(signum, frame):
    print("imbalance-lab sweep: terminated, stopping the workers", file=sys.stderr)
    raise KeyboardInterrupt
