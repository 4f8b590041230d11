"""Caching: a finished sweep run again, and one scheme added to it.

* The finished main workload run again — the median of 3 re-runs against the
  cold run. Target <= 0.01. Units recorded as ``error`` (or in a failed
  slice) are run again by design, so a sweep with any is not *fully* cached:
  the figure says how many re-ran.
* The same sweep with one more scheme (``Workloads.extra_scheme``) on the
  finished results folder: only the new units run (and, again, any error
  units). Measured against the cold run of the whole sweep; the target is
  that exactly those units run (the time ratio is printed beside the unit
  ratio it should come close to).
"""

from __future__ import annotations

import json

from common import Figure, median_meter, metered, n_units, sweep

NAME = "cache"


def run(ws) -> list[Figure]:
    cold = ws.cold_main()
    cfg, out = cold["config"], cold["out"]

    whole = cold["meter"]
    retried = _not_done(out)  # error units and units of failed slices: run again by design
    reruns = []
    cached = median_meter(lambda: reruns.append(sweep(cfg, out)[1]))
    ran = {r.units - r.cached for r in reruns}
    print(f"  re-run of the finished sweep (median of 3): {cached.text()}; units run again: {sorted(ran)}",
          flush=True)
    lookup = lookup_meter(cfg, out)
    print(f"  of which planning and the cache lookup alone (what a re-run with nothing to run costs): "
          f"{lookup.text()}", flush=True)
    figures = [Figure(
        NAME, f"re-run of the finished sweep vs cold run ({cold['summary'].units} units)",
        cached.wall, whole.wall, "s", "<= 0.01", cpu=(cached.cpu, whole.cpu), load=cached.load,
        note="median of 3 re-runs; " + (
            f"{len(retried)} error units re-run each time (errors are retried by design); "
            f"planning + cache lookup alone {lookup.wall:.2f} s = {lookup.wall / whole.wall:.4f} of the cold run"
            if retried else "nothing re-run (fully cached)"),
    )]

    base = ws.loads.main
    plus_data = {**base, "schemes": [*base["schemes"], ws.loads.extra_scheme]}
    plus = ws.config_in("plus", plus_data)
    new = n_units(plus_data) - n_units(base)
    added, summary = sweep(plus, out, jobs=ws.jobs)
    ran = summary.units - summary.cached
    expected = new + len(retried)
    print(f"  one scheme added: {added.text()}; {ran} units run of {summary.units} "
          f"({new} new, {len(retried)} error units retried)", flush=True)
    figures.append(Figure(
        NAME, f"add one scheme ({new} new units) to the finished sweep vs the whole sweep",
        added.wall, whole.wall, "s", "only the new (and error) units run", cpu=(added.cpu, whole.cpu),
        load=added.load, met_override=(ran == expected and summary.cached == n_units(base) - len(retried)),
        note=f"{ran} units ran ({new} new + {len(retried)} error); new / all units = {new / summary.units:.3f}",
    ))
    return figures


def lookup_meter(cfg, out):
    """Wall and CPU time of what a re-run does before it runs anything: plan
    (load each data set for its fingerprint, compute every cache key) and
    find the units recorded as done."""
    from imbalance_lab.sweep.plan import plan_sweep
    from imbalance_lab.sweep.store import ResultsStore

    return metered(lambda: (plan_sweep(cfg), ResultsStore(out).done_units()))[0]


def _not_done(out) -> list[str]:
    """Units of the manifest in ``out`` that a re-run runs again."""
    units = json.loads((out / "manifest.json").read_text())["units"]
    return [key for key, unit in units.items() if unit["status"] not in ("ok", "skipped")]
