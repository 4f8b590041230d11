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
from common import Figure, Meter, plain_loop, read_rows, same_rows, slice_specs, sweep

from imbalance_lab import KERNEL_NAME

NAME = "harness"


def run(ws) -> list[Figure]:
    specs = slice_specs(ws.config(ws.loads.main))
    # Sampled as the cold sweep is (for its memory figure): the same sampler on both sides.
    cold, loop, results, noise = loop_around(specs, ws.jobs, ws.cold_main, sampled=True)

    same = same_rows(read_rows(cold["out"]), pd.concat([rows for rows, _ in results]))
    sweep = cold["meter"]
    profile = notebook_profile(cold["out"])
    print(profile_text(profile, sweep.wall, ws.jobs), flush=True)
    print(roles_text(cold["memory"].cpu_by_role, sweep.cpu, loop.cpu), flush=True)
    fits = sum(int((r["status"] == "ok").sum()) for r, _ in results)
    print(projection_text(sweep.cpu, loop.cpu, len(specs), cold["config"]), flush=True)
    print(fixed_cost_text(specs), flush=True)
    probe, probe_rows = dataset_slices_probe(specs, ws.root / "probe", ws.jobs)
    probe_same = same_rows(probe_rows, pd.concat([rows for rows, _ in results]))
    print(f"  probe — the same units cut into one notebook run per data set "
          f"({len({json.dumps(s['dataset']) for s in specs})} runs, each with every model's table and figure): "
          f"{probe.text()}; vs the loop: {probe.wall / loop.wall:.2f} wall, {probe.cpu / loop.cpu:.2f} CPU"
          + ("" if probe_same else " (ROWS DIFFER)"), flush=True)
    heavy = heavy_figure(ws)
    return [Figure(
        NAME, f"notebook sweep vs plain Python loop, {len(specs)} slices, {fits} fits, 2 workers",
        sweep.wall, loop.wall, "s", "<= 1.05", cpu=(sweep.cpu, loop.cpu),
        load=loop.load,
        note=noise + "; " + ("rows identical aside timings" if same else "ROWS DIFFER from the loop's"),
        details={"profile": profile, "slices": len(specs), "fits": fits, "cpu_by_role": cold["memory"].cpu_by_role},
    ), Figure(
        NAME, f"probe: one notebook run per data set (not the sweep's slicing) vs the same loop, {fits} fits",
        probe.wall, loop.wall, "s", "<= 1.05", cpu=(probe.cpu, loop.cpu), load=probe.load,
        note="what coarser slices would give; " + ("rows identical" if probe_same else "ROWS DIFFER"),
    ), heavy]


def heavy_figure(ws) -> Figure:
    """The same comparison on slices of a full study's weight: the harness
    costs a fixed amount per notebook run, so its ratio to the loop falls as
    each run carries more fits."""
    cfg = ws.config(ws.loads.heavy)
    out = ws.root / "heavy"
    specs = slice_specs(cfg)
    (meter, summary), loop, results, noise = loop_around(specs, ws.jobs, lambda: sweep(cfg, out, jobs=ws.jobs))
    same = same_rows(read_rows(out), pd.concat([rows for rows, _ in results]))
    fits = sum(int((r["status"] == "ok").sum()) for r, _ in results)
    print(f"  slices of the full config's weight ({cfg.name}: seeds {list(cfg.seeds)}, cv {dict(cfg.cv)}): "
          f"sweep {meter.text()}; loop {loop.text()}; {len(specs)} slices, {fits} fits", flush=True)
    return Figure(
        NAME, f"the same at configs/full.yaml's slice weight (seeds x CV), {len(specs)} slices, {fits} fits, 2 workers",
        meter.wall, loop.wall, "s", "<= 1.05", cpu=(meter.cpu, loop.cpu), load=loop.load,
        note=f"{summary.units} units; {noise}; " + ("rows identical aside timings" if same else "ROWS DIFFER from the loop's"),
    )


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


def loop_around(specs: list[dict], jobs: int, middle, *, sampled: bool = False):
    """Loop, ``middle()`` (the sweep), loop: the machine's speed drifts (CPU
    seconds of the same work have differed by a fifth between runs minutes
    apart on a shared VM), so the sweep is held against the mean of a loop
    on either side, and the two loops' difference is the noise of the
    figure. Returns (what ``middle`` returned, mean loop Meter, the second
    loop's results, a note on the noise)."""
    before, _ = plain_loop(specs, jobs, sampled=sampled)
    print(f"  plain loop, before the sweep: {before.text()}", flush=True)
    value = middle()
    after, results = plain_loop(specs, jobs, sampled=sampled)
    print(f"  plain loop, after the sweep:  {after.text()}", flush=True)
    loop = mean_meter(before, after)
    wall, cpu = abs(before.wall - after.wall) / loop.wall, abs(before.cpu - after.cpu) / loop.cpu
    print(f"  loop mean {loop.text()}; the two loops differ by {wall:.1%} wall, {cpu:.1%} CPU: "
          f"the noise of this comparison", flush=True)
    return value, loop, results, f"baseline: mean of a loop before and after (they differ by {wall:.1%} wall)"


def mean_meter(a: Meter, b: Meter) -> Meter:
    """The mean of two measurements of the same work (load: a's before, b's after)."""
    return Meter(wall=(a.wall + b.wall) / 2, cpu=(a.cpu + b.cpu) / 2, load=(a.load[0], b.load[1]))


def roles_text(by_role: dict[str, float], sweep_cpu: float, loop_cpu: float) -> str:
    """CPU seconds of the sweep by process, against the loop's whole CPU:
    which process spends the difference."""
    client = sweep_cpu - sum(by_role.values())
    lines = [f"  the sweep's CPU by process ({sweep_cpu:.1f} CPU-s; the loop's: {loop_cpu:.1f}, "
             f"its 2 worker processes computing run_slice, imports included):"]
    for role, seconds in sorted(by_role.items(), key=lambda item: -item[1]):
        lines.append(f"    {role:38s} {seconds:8.1f}")
    lines.append(f"    {'client (this process: plan, record)':38s} {client:8.1f}")
    return "\n".join(lines)


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


def projection_text(sweep_cpu: float, loop_cpu: float, notebooks: int, cfg) -> str:
    """What the measured cost of one notebook run means for other ways of
    cutting the same units into notebook runs: a projection from this run's
    figures (CPU seconds), not a measurement, and it says so."""
    per_notebook = (sweep_cpu - loop_cpu) / notebooks
    cuts = {
        f"data set x model (this sweep's slices): {notebooks}": notebooks,
        f"data set (all models in one run): {len(cfg.datasets)}": len(cfg.datasets),
        "one run per worker: 2": 2,
    }
    lines = [f"  one notebook run costs {per_notebook:.1f} CPU-s beyond its compute "
             f"((sweep - loop CPU) / {notebooks}); projected CPU ratio sweep / loop if the same "
             f"units were cut into fewer runs:"]
    for label, n in cuts.items():
        lines.append(f"    {label:50s} {1 + n * per_notebook / loop_cpu:.2f}")
    return "\n".join(lines)


def fixed_cost_text(specs: list[dict], repeats: int = 3) -> str:
    """The cost of one notebook run with almost nothing to compute: the
    smallest unit of the sweep as a one-unit slice, run by the sweep's own
    task ``repeats`` times (median CPU of the process tree), against the same
    unit in this process with everything imported. Once in a kernel of its
    own per run (papermill's way, and the sweep's before warm kernels), once
    in a warm kernel (the sweep's way: started before the first of the
    repeats, reset between them). Cell timings show where the cost goes."""
    from imbalance_lab import kernels
    from imbalance_lab.experiment import run_slice
    from imbalance_lab.sweep.runner import run_slice_task

    spec = min(specs, key=lambda s: len(s["units"]))
    one = {**spec, "slice_key": spec["slice_key"] + "--fixed-cost", "units": spec["units"][:1]}
    run_slice(one)  # warm: imports and lazy set-up are not the unit's cost
    with Meter() as compute:
        run_slice(one)
    lines = [f"  fixed cost of one notebook run (a one-unit slice of {spec['slice_key']}, median of {repeats}; "
             f"the unit alone in a warm process: {compute.cpu:.2f} CPU-s):"]
    for reuse in (False, True):
        if reuse:
            run_slice_task(one, reuse_kernel=True)  # start the warm kernel, import
        runs = []
        for _ in range(repeats):
            with Meter() as meter:
                outcome = run_slice_task(one, reuse_kernel=reuse)
            runs.append((meter, outcome))
        runs.sort(key=lambda r: r[0].cpu)
        meter, outcome = runs[len(runs) // 2]
        label = "warm kernel (reset between runs)" if reuse else "a kernel of its own per run"
        lines.append(f"    {label:33s}: {meter.text()}; {_cell_seconds(outcome)}")
    kernels.discard_all()
    return "\n".join(lines)


def _cell_seconds(outcome) -> str:
    """Wall seconds of the notebook's cells, by kind, and around them."""
    if outcome.status != "done":
        return f"FAILED: {outcome.error[:300]}"
    nb = json.loads(outcome.notebook)
    cells = []
    last_end = None
    for cell in nb["cells"]:
        pm = cell["metadata"].get("papermill", {})
        if cell["cell_type"] == "code":
            kind = next((k for marker, k in CELL_KINDS if marker in "".join(cell["source"])), None)
            if kind:
                cells.append(f"{kind} {pm.get('duration') or 0:.2f}")
        last_end = pm.get("end_time") or last_end
    papermill = nb["metadata"]["papermill"]
    first_start = next(c["metadata"]["papermill"]["start_time"] for c in nb["cells"]
                       if c["metadata"].get("papermill", {}).get("start_time"))
    cells.insert(0, f"papermill start to first cell {_seconds(papermill['start_time'], first_start):.2f}")
    cells.append(f"after the last cell {_seconds(last_end, papermill['end_time']):.2f}")
    cells.append(f"whole task {outcome.seconds:.2f}")
    return "cell wall seconds: " + ", ".join(cells)


def _seconds(start: str, end: str) -> float:
    import datetime

    return (datetime.datetime.fromisoformat(end) - datetime.datetime.fromisoformat(start)).total_seconds()


#: The probe notebook: the sweep notebook's calls, looped over several slice specs.
PROBE_CELLS = (
    "specs = []  # slice specs of one data set, one per model\nrows_dir = '.'  # where rows go",
    "from imbalance_lab.experiment import run_slice\n"
    "from imbalance_lab.sweep.figures import plot_slice, slice_table\n"
    "from imbalance_lab.sweep.runner import write_slice_outputs\n"
    "import matplotlib.pyplot as plt",
    "for i, spec in enumerate(specs):\n"
    "    result = run_slice(spec)\n"
    "    write_slice_outputs(result, f'{rows_dir}/{i}.rows.parquet', f'{rows_dir}/{i}.predictions.parquet')\n"
    "    display(slice_table(result.rows))\n"
    "    fig = plot_slice(result.rows)\n"
    "    if fig is not None:\n"
    "        display(fig)\n"
    "        plt.close(fig)",
)


def dataset_slices_probe(specs: list[dict], folder: Path, jobs: int):
    """Run the same slice specs grouped into one notebook run per data set (a
    notebook built here, not stored: it only probes what coarser slices would
    cost) on the sweep's own local executor; return (Meter, rows)."""
    import nbformat

    from imbalance_lab.sweep.executors import LocalExecutor

    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "language": "python", "display_name": KERNEL_NAME}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in PROBE_CELLS]
    nb.cells[0].metadata["tags"] = ["parameters"]
    path = folder / "probe.ipynb"
    nbformat.write(nb, path)
    groups: dict[str, list[dict]] = {}
    for spec in specs:
        groups.setdefault(json.dumps(spec["dataset"], sort_keys=True), []).append(spec)
    # Costliest first, as the sweep orders its slices.
    work = sorted(groups.values(), key=lambda g: -sum(len(s["units"]) for s in g))
    with Meter() as meter, LocalExecutor(jobs, task=_probe_task, task_kwargs={"notebook": str(path)}) as executor:
        for i, group in enumerate(work):
            executor.submit({"slice_key": f"probe-{i}", "specs": group, "rows_dir": str(folder / f"rows-{i}")})
        outcomes = list(executor.as_completed())
    failed = [o.error for o in outcomes if o.status != "done"]
    if failed:
        raise RuntimeError(f"probe notebook failed: {failed[0][:500]}")
    return meter, pd.concat([o.rows for o in outcomes])


def _probe_task(job: dict, *, notebook: str, cwd=None):
    from imbalance_lab.kernels import execute_notebook
    from imbalance_lab.sweep.runner import SliceOutcome

    rows_dir = Path(job["rows_dir"])
    rows_dir.mkdir(parents=True, exist_ok=True)
    try:  # in a kernel of its own (IPC), started and stopped for this run
        execute_notebook(notebook, rows_dir / "executed.ipynb",
                         {"specs": job["specs"], "rows_dir": str(rows_dir)}, kernel_name=KERNEL_NAME, cwd=cwd)
    except Exception as exc:  # report, do not hide: the probe must compute what the loop did
        return SliceOutcome(job["slice_key"], "failed", error=f"{type(exc).__name__}: {exc}")
    rows = pd.concat([pd.read_parquet(p) for p in sorted(rows_dir.glob("*.rows.parquet"))])
    return SliceOutcome(job["slice_key"], "done", rows)
