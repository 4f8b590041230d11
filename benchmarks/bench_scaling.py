"""Scaling: 1 local worker against 2, and a 2-worker Dask LocalCluster
against 2 local worker processes, on the same units (the scaling workload:
3 data sets of the default sweep, every model; ``--quick``: the quick main
workload), each swept cold into its own folder, one after the other.

Targets: 1-worker / 2-worker time >= 1.9; Dask / local <= 1.10 (the
cluster's start-up is not counted: a user's cluster is already running).

Beside the speed-up it prints the machine's own ceiling for it
(``common.parallel_ceiling``: one slice alone against two copies side by
side), so that a missed target can be told apart: the harness's scheduling
(speed-up well under the ceiling) or the machine (speed-up at the ceiling).
"""

from __future__ import annotations

from common import Figure, metered, parallel_ceiling, read_rows, same_rows, slice_specs, sweep

NAME = "scaling"


def run(ws) -> list[Figure]:
    from distributed import LocalCluster

    from imbalance_lab.sweep.dask_executor import DaskExecutor

    cfg = ws.config(ws.loads.scaling)
    one, _ = sweep(cfg, ws.root / "scaling-1", jobs=1)
    print(f"  1 local worker: {one.text()}", flush=True)
    two, summary = sweep(cfg, ws.root / "scaling-2", jobs=2)
    print(f"  2 local workers: {two.text()}", flush=True)
    # The middle slice in the planner's cost order: the workload's own kind of work.
    specs = slice_specs(cfg)
    probe = specs[len(specs) // 2]
    ceiling = parallel_ceiling(probe)
    speedup = one.wall / two.wall
    print(f"  this machine's ceiling for 2 workers: one slice ({probe['slice_key']}) alone "
          f"{ceiling['alone']:.2f} s, two copies side by side {ceiling['side_by_side']:.2f} s each: "
          f"at best {ceiling['ceiling']:.2f}x; the sweep's speed-up {speedup:.2f}x is "
          f"{speedup / ceiling['ceiling']:.0%} of it", flush=True)
    # Whether the scheduler kept both workers busy, whatever the machine's
    # speed did: the 2-worker run's CPU over twice its wall time.
    busy = two.cpu / (2 * two.wall)
    print(f"  2 workers were busy {busy:.0%} of the 2-worker run's wall time; it spent "
          f"{two.cpu / one.cpu - 1:+.0%} CPU on the same units as 1 worker", flush=True)

    start, cluster = metered(lambda: LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                                   dashboard_address=":0"))
    with cluster:
        dask, _ = sweep(cfg, ws.root / "scaling-dask", executor=DaskExecutor(cluster))
    print(f"  Dask LocalCluster, 2 workers: {dask.text()} (+ {start.wall:.1f} s to start it)", flush=True)

    same = same_rows(read_rows(ws.root / "scaling-2"), read_rows(ws.root / "scaling-dask"))
    return [
        Figure(NAME, f"1 local worker vs 2 ({summary.units} units, speed-up)", one.wall, two.wall, "s",
               ">= 1.9", cpu=(one.cpu, two.cpu), load=(one.load[0], two.load[1]),
               note=(f"this machine's ceiling (one slice alone vs two side by side): "
                     f"{ceiling['ceiling']:.2f}x; the speed-up is {speedup / ceiling['ceiling']:.0%} of it; "
                     f"workers busy {busy:.0%} of the time, {two.cpu / one.cpu - 1:+.0%} CPU vs 1 worker"),
               details=ceiling),
        Figure(NAME, f"Dask LocalCluster (2 workers x 1 thread) vs 2 local processes ({summary.units} units)",
               dask.wall, two.wall, "s", "<= 1.1", cpu=(dask.cpu, two.cpu), load=(two.load[0], dask.load[1]),
               note=f"cluster start {start.wall:.1f} s not counted; "
               + ("rows identical aside timings" if same else "ROWS DIFFER")),
    ]

