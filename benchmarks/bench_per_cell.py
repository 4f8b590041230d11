"""One papermill run per grid cell — what a user writes first — against our
slices, on the same cells.

The cells workload (200 cells of the default sweep's shape: 2 data sets x 5
models x 4 ratios x 5 schemes; ``--quick``: 20) is swept cold as usual (one
notebook per data set x model), then every cell is run again as its own
papermill run of the same notebook, on the same 2 local worker processes.
Forests and boosting are left out of the 200: their units cost about 1 CPU-s
each, ten times the default sweep's average unit, and would measure fits.
The per-cell runs return their outcomes without writing them (which only
flatters them). Target: per-cell / ours >= 20.
"""

from __future__ import annotations

from common import Figure, metered, slice_specs, sweep

NAME = "per_cell"


def run(ws) -> list[Figure]:
    cfg = ws.config(ws.loads.cells)
    ours, summary = sweep(cfg, ws.root / "cells", jobs=ws.jobs)
    print(f"  ours: {ours.text()}; {summary.units} cells in {summary.slices_run} notebook runs", flush=True)

    cells = [
        {**spec, "slice_key": f"{spec['slice_key']}--{unit['index']}", "units": [unit]}
        for spec in slice_specs(cfg) for unit in spec["units"]
    ]
    per_cell, outcomes = metered(lambda: _run_each(cells, ws.jobs))
    failed = [o for o in outcomes if o.status != "done"]
    print(f"  one papermill run per cell: {per_cell.text()}; {len(cells)} runs ({len(failed)} failed)", flush=True)
    if failed:
        print(f"  first failure: {failed[0].error[:300]}", flush=True)
    return [Figure(
        NAME, f"one papermill run per cell vs ours, {len(cells)} cells (speed-up)",
        per_cell.wall, ours.wall, "s", ">= 20", cpu=(per_cell.cpu, ours.cpu),
        load=(ours.load[0], per_cell.load[1]),
        note=f"ours: {summary.slices_run} notebook runs; per cell: {len(cells)}"
        + (f"; {len(failed)} per-cell runs FAILED" if failed else ""),
    )]


def _run_each(cells: list[dict], jobs: int) -> list:
    from imbalance_lab.sweep.executors import LocalExecutor

    # A kernel per run, as papermill.execute_notebook starts one: what a
    # loop over cells written by hand does.
    with LocalExecutor(jobs, task_kwargs={"reuse_kernel": False}) as executor:
        for cell in cells:
            executor.submit(cell)
        return list(executor.as_completed())
