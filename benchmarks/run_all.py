"""Run every benchmark from one command and print their figures against the
targets (``make bench``).

    python benchmarks/run_all.py            # full: the default sweep, 200 cells (about 35 minutes on 2 cores)
    python benchmarks/run_all.py --quick    # small workloads (a few minutes)
    python benchmarks/run_all.py --only harness,cache --json figures.json

Each benchmark measures both sides of its comparison in this run, on the same
units, with the machine's load average before and after: figures from a
shared machine are only as good as that load.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import TABLE_HEAD, Workspace, load  # noqa: E402

#: Benchmark modules in the order they run (harness first: it makes the cold
#: sweep that cache and memory read).
BENCHMARKS = ("harness", "cache", "memory", "per_cell", "scaling")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--quick", action="store_true", help="small workloads (minutes, not an hour)")
    parser.add_argument("--only", default=",".join(BENCHMARKS),
                        help=f"comma-separated benchmarks to run (default: all of {', '.join(BENCHMARKS)})")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--workdir", metavar="DIR", help="scratch folder (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (results, notebooks)")
    args = parser.parse_args(argv)
    chosen = list(dict.fromkeys(name.strip() for name in args.only.split(",") if name.strip()))  # once each
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        parser.error(f"--only: unknown benchmark(s) {unknown}; choose from {', '.join(BENCHMARKS)}")
    if not chosen:
        parser.error(f"--only {args.only!r} names no benchmark; choose from {', '.join(BENCHMARKS)}")

    # Run from the repository root: the configs and relative paths live there.
    os.chdir(Path(__file__).resolve().parents[1])
    ws = Workspace(quick=args.quick, root=args.workdir, keep=args.keep)
    command = "python benchmarks/run_all.py" + (" --quick" if args.quick else "") + (
        f" --only {args.only}" if args.only != ",".join(BENCHMARKS) else "")
    started = time.perf_counter()
    print(f"{command}\n  {datetime.datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, "
          f"{os.cpu_count()} cores, load {load():.1f}; scratch folder {ws.root}", flush=True)
    figures = []
    try:
        for name in chosen:
            print(f"\n== {name}", flush=True)
            module = importlib.import_module(f"bench_{name}")
            for figure in module.run(ws):
                figures.append(figure)
                print(f"  -> {figure.what}: ratio {_ratio(figure)}, target {figure.target}: "
                      f"{'met' if figure.met else 'MISSED'}", flush=True)
    finally:
        ws.close()
    minutes = (time.perf_counter() - started) / 60
    print(f"\n{command}  ({minutes:.0f} min, load at the end {load():.1f})\n")
    if args.quick:
        # Small workloads check that every benchmark runs; their fixed costs
        # (kernel start, imports) weigh far more than in the real workloads.
        print("--quick: workloads too small to be held to the targets; the marks below are for the full run's shape\n")
    print(TABLE_HEAD)
    for figure in figures:
        print(figure.row())
    if args.json:
        Path(args.json).write_text(json.dumps(
            [{**dataclasses.asdict(f), "ratio": f.ratio, "met": f.met} for f in figures],
            indent=1, default=str,
        ))
    return 0


def _ratio(figure) -> str:
    return f"{figure.ratio:.3g}" if figure.ratio is not None else "-"


if __name__ == "__main__":
    sys.exit(main())
