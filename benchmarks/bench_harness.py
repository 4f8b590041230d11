"""The notebook harness against the pure-compute limit.

The main workload (the default sweep; ``--quick``: a small part of it) swept
cold through notebooks on 2 local workers, against the same slice specs run
as a plain Python loop — ``experiment.run_slice`` in 2 worker processes, no
kernels, no notebooks, no files. Target: sweep / loop <= 1.05.

It also prints where the sweep's extra time goes, from the executed
notebooks' own cell timings (papermill records them) and the manifest's task
times: kernel start and papermill, the imports cell, ``run_slice``, the
slice's table and figure, and what the client spends recording.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from common import Figure, plain_loop, read_rows, same_rows, slice_specs

NAME = "harness"


def run(ws) -> list[Figure]:
    cold = ws.cold_main()
    specs = slice_specs(cold["config"])
    loop, results = plain_loop(specs, ws.jobs)
    print(f"  plain loop: {loop.text()}", flush=True)

    same = same_rows(read_rows(cold["out"]), pd.concat([rows for rows, _ in results]))
    sweep = cold["meter"]
    profile = notebook_profile(cold["out"])
    print(profile_text(profile, sweep.wall, ws.jobs), flush=True)
    fits = sum(int((r["status"] == "ok").sum()) for r, _ in results)
    return [Figure(
        NAME, f"notebook sweep vs plain Python loop, {len(specs)} slices, {fits} fits, 2 workers",
        sweep.wall, loop.wall, "s", "<= 1.05", cpu=(sweep.cpu, loop.cpu),
        load=(sweep.load[0], loop.load[1]),
        note=("rows identical aside timings" if same else "ROWS DIFFER from the loop's"),
        details={"profile": profile, "slices": len(specs), "fits": fits},
    )]


#: Which cell of the sweep notebook does what, told by what it calls.
CELL_KINDS = (("run_slice(", "run_slice"), ("import ", "imports"), ("plot_slice(", "figure"),
              ("slice_table(", "table"))


def notebook_profile(out: Path) -> dict[str, float]:
    """Seconds summed over the executed notebooks of ``out``: each kind of
    cell, the whole papermill execution, and the task time the manifest
    recorded (papermill + reading back the outputs + the task's own set-up)."""
    totals = {"task": 0.0, "papermill": 0.0, "cells": 0.0, "notebooks": 0}
    for _, kind in CELL_KINDS:
        totals[kind] = 0.0
    totals["parameters and other cells"] = 0.0
    for path in sorted((out / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        totals["notebooks"] += 1
        totals["papermill"] += nb["metadata"].get("papermill", {}).get("duration") or 0.0
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            seconds = cell["metadata"].get("papermill", {}).get("duration") or 0.0
            source = "".join(cell["source"])
            kind = next((k for marker, k in CELL_KINDS if marker in source), "parameters and other cells")
            totals[kind] += seconds
            totals["cells"] += seconds
    manifest = json.loads((out / "manifest.json").read_text())
    totals["task"] = sum(s.get("seconds") or 0.0 for s in manifest["slices"].values())
    fits = 0.0
    for path in (out / "rows").glob("*.parquet"):
        rows = pd.read_parquet(path, columns=["fit_seconds", "predict_seconds"])
        fits += float(rows.sum().sum())
    totals["fit and predict (rows)"] = fits
    return totals


def profile_text(p: dict, wall: float, jobs: int) -> str:
    kernel = p["papermill"] - p["cells"]
    outside = p["task"] - p["papermill"]
    client = wall - p["task"] / jobs
    lines = [
        f"  where the sweep's time went, summed over {p['notebooks']} notebook runs (CPU-side seconds):",
        f"    fit + predict inside run_slice (rows)   {p['fit and predict (rows)']:8.1f}",
        f"    run_slice cell (fits, metrics, folds)   {p['run_slice']:8.1f}",
        f"    imports cell                            {p['imports']:8.1f}",
        f"    table + figure cells                    {p['table'] + p['figure']:8.1f}",
        f"    parameters and other cells              {p['parameters and other cells']:8.1f}",
        f"    kernel start/stop + papermill I/O       {kernel:8.1f}",
        f"    task outside papermill (read back)      {outside:8.1f}",
        f"    wall - task time / {jobs} workers (client, idle tail) {client:6.1f}",
    ]
    return "\n".join(lines)
