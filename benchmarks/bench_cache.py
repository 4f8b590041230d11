"""Caching: a finished sweep run again, and one scheme added to it.

* The main workload, fully cached (every unit done), run again — the median of
  3 re-runs against the cold run. Target <= 0.01.
* The same sweep with one more scheme (``Workloads.extra_scheme``) on the
  finished results folder: only the new units run. Measured against the cold
  run of the whole sweep; the target is that exactly the new units run (the
  time ratio is printed beside the unit ratio it should come close to).
"""

from __future__ import annotations

from common import Figure, median_meter, n_units, sweep

NAME = "cache"


def run(ws) -> list[Figure]:
    cold = ws.cold_main()
    cfg, out = cold["config"], cold["out"]

    whole = cold["meter"]
    cached = median_meter(lambda: _cached_run(cfg, out))
    print(f"  fully cached re-run (median of 3): {cached.text()}", flush=True)
    figures = [Figure(
        NAME, f"fully cached re-run vs cold run ({cold['summary'].units} units)",
        cached.wall, whole.wall, "s", "<= 0.01", cpu=(cached.cpu, whole.cpu), load=cached.load,
        note="median of 3 re-runs",
    )]

    base = ws.loads.main
    plus_data = {**base, "schemes": [*base["schemes"], ws.loads.extra_scheme]}
    plus = ws.config_in("plus", plus_data)
    new = n_units(plus_data) - n_units(base)
    added, summary = sweep(plus, out, jobs=ws.jobs)
    ran = summary.units - summary.cached
    print(f"  one scheme added: {added.text()}; {ran} units run of {summary.units} ({new} new)", flush=True)
    figures.append(Figure(
        NAME, f"add one scheme ({new} new units) to the finished sweep vs the whole sweep",
        added.wall, whole.wall, "s", f"only the {new} new units run", cpu=(added.cpu, whole.cpu),
        load=added.load, met_override=(ran == new and summary.cached == n_units(base)),
        note=f"{ran} units ran; new / all units = {new / summary.units:.3f}",
    ))
    return figures


def _cached_run(cfg, out):
    _, summary = sweep(cfg, out)
    if summary.cached != summary.units:
        raise AssertionError(f"the re-run was not fully cached: {summary.cached} of {summary.units} units")
    return summary
