"""Sweeps: config, planning, cache keys, executors, the papermill runner and
the results store, driven by one linear function, :func:`run_sweep`.

::

    from imbalance_lab.sweep import run_sweep
    summary = run_sweep("configs/quick.yaml", jobs=2)
    print(summary.text())
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imbalance_lab import rows
from imbalance_lab.errors import InvalidParameterError
from imbalance_lab.sweep import faults
from imbalance_lab.sweep.config import Config, load_config

if TYPE_CHECKING:  # the heavy modules load when a sweep runs, not when a kernel imports faults
    from imbalance_lab.sweep.executors import Executor
    from imbalance_lab.sweep.plan import Plan, Slice, Unit
    from imbalance_lab.sweep.runner import SliceOutcome
    from imbalance_lab.sweep.store import ResultsStore

__all__ = ["RESULTS_ROOT", "SweepSummary", "load_config", "results_folder", "run_sweep"]

#: Where a sweep writes by default: results/<name>/, relative to the working folder.
RESULTS_ROOT = Path("results")
#: How many failed slices and error units the summary text lists by name.
SHOWN = 5


def results_folder(config: Config | str | Path, out: str | Path | None = None) -> Path:
    """The folder a sweep of ``config`` (a :class:`Config` or a YAML path,
    validated) writes to: ``out`` when given, else ``results/<name>`` relative
    to the working folder, whatever the config file is called."""
    if out is not None:
        return Path(out)
    if not isinstance(config, Config):
        config = load_config(config)
    return RESULTS_ROOT / config.name


@dataclass
class SweepSummary:
    """What a sweep did, for the command line and for tests."""

    name: str
    out: Path
    units: int = 0  # planned
    cached: int = 0  # done by an earlier run, not recomputed
    ok: int = 0
    skipped: int = 0
    error: int = 0
    failed: int = 0  # units of slices whose notebook failed
    fits: int = 0  # ok fold rows computed in this run: one model fit each
    slices_run: int = 0
    jobs: int | None = None
    where: str = ""  # where the slices ran, e.g. "on 2 workers" (Executor.describe)
    wall_seconds: float = 0.0
    interrupted: bool = False
    # After a finished run: units of the config with results (this run's or
    # an earlier one's), and the commonest reason for a skip with its count.
    with_results: int | None = None
    common_skip: tuple[str, int] | None = None
    final: dict[str, int] = field(default_factory=dict)  # units by status at the end
    failed_slices: list[tuple[str, str]] = field(default_factory=list)  # (slice, why)
    error_units: list[tuple[str, str]] = field(default_factory=list)  # (unit key, message)

    @property
    def no_results(self) -> bool:
        """The sweep finished, but not one of its units has results (every
        one skipped: folds larger than a class, unreachable ratios, data
        sets missing here): almost always a config to fix, not a finding."""
        return self.with_results == 0 and self.units > 0

    @property
    def exit_code(self) -> int:
        """0 when every unit is ok or skipped and at least one has results;
        1 when a unit errored, a slice failed, or no unit has results."""
        return 1 if (self.error or self.failed or self.interrupted or self.no_results) else 0

    def counts(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("ok", "skipped", "error", "failed", "cached")}

    def text(self) -> str:
        lines = [
            f"{self.name}: {self.units} units - {self.ok} ok, {self.skipped} skipped, "
            f"{self.error} error, {self.failed} failed, {self.cached} cached",
            f"{self.fits} fits in {self.slices_run} notebook runs, {self.wall_seconds:.1f} s wall time"
            + (f" {self.where}" if self.where else "")
            + f"; results in {self.out}",
        ]
        for key, why in self.failed_slices[:SHOWN]:
            first = _first_line(why)
            notebook = self.out / "notebooks" / f"{key}.ipynb"
            # A slice lost with its worker (Dask's KilledWorker) brings back no notebook.
            where = f"see {notebook}" if notebook.exists() else "no executed notebook came back"
            lines.append(f"  failed slice {key}: {first} ({where})")
        for key, message in self.error_units[:SHOWN]:
            lines.append(f"  error in unit {key}: {_first_line(message)}")
        hidden = max(0, len(self.failed_slices) - SHOWN) + max(0, len(self.error_units) - SHOWN)
        if hidden:
            lines.append(f"  ... and {hidden} more in {self.out / 'manifest.json'}")
        if self.no_results and self.common_skip and self.final.get("skipped") == self.units:
            reason, count = self.common_skip
            lines.append(f"  no unit has results: all {self.units} were skipped; the commonest reason "
                         f"({count} of them): {reason}")
        elif self.no_results:
            shown = ", ".join(f"{n} {status}" for status, n in sorted(self.final.items()))
            lines.append(f"  no unit has results: {shown}")
        if self.interrupted:
            lines.append("  interrupted: run the same command again to finish (done units are kept)")
        return "\n".join(lines)


def run_sweep(
    config: Config | str | Path,
    *,
    out: str | Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    executor: Executor | None = None,
    progress: bool = False,
    load_dataset=None,
) -> SweepSummary:
    """Run a sweep: validate, plan, skip what is done, run the rest, record.

    ``config`` is a :class:`Config` or the path of a YAML file; ``out`` the
    results folder (default ``results/<name>``); ``jobs`` the worker processes
    (default: the config's ``jobs``, else every core); ``force`` recomputes
    done units; ``executor`` replaces the config's; ``progress`` draws a
    progress bar on stderr; ``load_dataset`` replaces ``datasets.load_spec``.
    Every error in the input is raised before any work starts.
    """
    from imbalance_lab.sweep.executors import make_executor
    from imbalance_lab.sweep.plan import plan_sweep
    from imbalance_lab.sweep.store import (
        ResultsStore,
        check_results_folder,
        check_sweep_manifest,
        now,
    )

    started, started_at = time.perf_counter(), now()

    # 1. Validate everything before any work.
    if not isinstance(config, Config):
        config = load_config(config)
    jobs = config.jobs if jobs is None else jobs
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise InvalidParameterError("jobs", jobs, "an integer >= 1")
    root = results_folder(config, out)
    check_results_folder(root, "out", read_manifest=False)  # its manifest is checked once read, below
    if executor is None:
        executor = make_executor(config.executor, jobs, config.source)

    # 2. Plan: units with cache keys (loads each data set once, for its fingerprint).
    plan = plan_sweep(config, load_dataset=load_dataset)

    # 3. Find what is done; record the plan before running anything.
    store = ResultsStore(root)
    store.lock()
    summary = SweepSummary(config.name, root, units=len(plan.units), jobs=getattr(executor, "jobs", None),
                           where=executor.describe())
    manifest = None
    bar = None
    try:
        previous = store.read_manifest()
        if previous is not None:  # before anything is written: another experiment's is refused
            check_sweep_manifest(previous, root, "out", config.name)
        done = set() if force else store.done_units(previous) & {u.key for u in plan.units}
        summary.cached = len(done)
        work = plan.pending(done)
        manifest = _start_manifest(previous, plan, done, started_at, summary, force)
        store.write_manifest(manifest)
        pending = {s.key: (s, units) for s, units in work if s.data.unavailable is None}
        n_slices = len(pending)
        summary.where = executor.describe(n_slices)
        bar = _progress_bar(progress, summary, n_slices)

        # 4. Record the slices of data sets that cannot be loaded here as
        # skipped (no kernel needed); run the rest, recording each as it arrives.
        for s, units in work:
            if s.data.unavailable is not None:
                _record(store, manifest, s, units, _unavailable_outcome(config, s, units), summary)
                if bar is not None:
                    bar.update(len(units))
        with executor:
            for s, units in pending.values():
                executor.submit(s.spec(config, units))
            for outcome in executor.as_completed():
                s, units = pending.pop(outcome.slice_key)
                summary.slices_run += 1
                faults.checkpoint("record", outcome.slice_key)
                _record(store, manifest, s, units, outcome, summary)
                if bar is not None:
                    bar.update(len(units))
            summary.where = executor.describe(n_slices)  # a cluster may have changed on the way
        _count_results(manifest, summary)
    except KeyboardInterrupt:
        summary.interrupted = True
        raise
    finally:
        summary.wall_seconds = time.perf_counter() - started
        if bar is not None:
            bar.close()
        if manifest is not None:
            manifest["runs"][-1].update(_run_record(summary))
            store.write_manifest(manifest)
        store.unlock()
    return summary


def _count_results(manifest: dict, summary: SweepSummary) -> None:
    """Units of the config with results, and the commonest skip reason, from
    the manifest: this run's units and those done by earlier runs alike."""
    units = manifest["units"].values()
    summary.final = dict(Counter(u["status"] for u in units))
    summary.with_results = summary.final.get("ok", 0)
    reasons = Counter(_first_line(u.get("error")) for u in units if u["status"] == "skipped")
    summary.common_skip = reasons.most_common(1)[0] if reasons else None


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else "?"


def _start_manifest(previous: dict | None, plan: Plan, done: set[str], started_at: str,
                    summary: SweepSummary, force: bool) -> dict:
    """The manifest of this run: the current plan, with the records of done
    units carried over and every other unit pending."""
    from imbalance_lab.sweep.store import git_state
    previous = previous or {}
    old_units = previous.get("units", {})
    old_slices = previous.get("slices", {})
    units = {}
    for unit in plan.units:
        if unit.key in done:
            units[unit.key] = old_units[unit.key]
        else:
            units[unit.key] = {**unit.record(), "status": "pending", "error": ""}
    slices = {}
    for s in plan.slices:
        complete = all(u.key in done for u in s.units)
        slices[s.key] = {
            **(old_slices.get(s.key, {}) if complete else {}),
            "dataset": s.data.name,
            "model": s.model_label,
            "model_spec": s.model,
            "units": len(s.units),
            "status": "done" if complete else "pending",
            "rows": f"rows/{s.key}.parquet",
            "notebook": f"notebooks/{s.key}.ipynb",
        }
    config = plan.config
    return {
        "layout": 1,
        "row_layout_version": rows.ROW_LAYOUT_VERSION,
        "experiment": config.name,
        "created": previous.get("created", started_at),
        "config": config.to_dict(),
        "config_source": config.source,
        "config_text": config.text,
        "package": {"source_hash": plan.source_hash},
        "versions": plan.versions,
        "git": git_state(),
        "data": {
            ident: {"name": d.name, "spec": d.spec, "fingerprint": d.fingerprint,
                    "n_samples": d.n_samples, "citation": d.citation,
                    **({"unavailable": d.unavailable} if d.unavailable is not None else {})}
            for ident, d in plan.data.items()
        },
        "slices": slices,
        "units": units,
        "runs": [*previous.get("runs", []),
                 {"started": started_at, "jobs": summary.jobs, "force": force,
                  "cached": summary.cached, "interrupted": True}],
    }


def _record(store: ResultsStore, manifest: dict, s: Slice, units: tuple[Unit, ...],
            outcome: SliceOutcome, summary: SweepSummary) -> None:
    """Write one slice's outcome: its tables and notebook first, then the
    manifest that declares its units done."""
    from imbalance_lab.sweep.store import NO_ROWS, UnitOutcome, now, unit_outcomes
    finished = now()
    entry = manifest["slices"][s.key]
    if outcome.notebook is not None:
        store.write_notebook(s.key, outcome.notebook)
    if outcome.status != "done":
        summary.failed += len(units)
        summary.failed_slices.append((s.key, outcome.error))
        for unit in units:
            manifest["units"][unit.key].update(status="failed", error=outcome.error, finished=finished)
        entry.update(status="failed", error=outcome.error, seconds=round(outcome.seconds, 3), finished=finished)
        store.write_manifest(manifest, force=False)
        return

    order = {u.key: u.index for u in s.units}
    store.write_slice_tables(s.key, outcome.rows, outcome.predictions, order)
    faults.checkpoint("manifest", s.key)  # between the tables and the manifest, for the tests
    recorded = unit_outcomes(outcome.rows)
    for unit in units:
        result = recorded.get(unit.key) or UnitOutcome(*NO_ROWS, folds=0, seconds=0.0)
        setattr(summary, result.status, getattr(summary, result.status) + 1)
        if result.status == "error":
            summary.error_units.append((unit.key, result.reason))
        manifest["units"][unit.key].update(
            status=result.status, error=result.reason, finished=finished,
            folds=result.folds, fit_predict_seconds=round(result.seconds, 4),
        )
    summary.fits += int((outcome.rows["status"] == "ok").sum())
    entry.update(status="done", error="", seconds=round(outcome.seconds, 3), finished=finished,
                 predictions=f"predictions/{s.key}.parquet" if outcome.predictions is not None else None)
    store.write_manifest(manifest, force=False)


def _unavailable_outcome(config: Config, s: Slice, units: tuple[Unit, ...]) -> SliceOutcome:
    """The outcome of a slice whose data set cannot be loaded here: every
    unit skipped with the loader's reason, as run_slice would record it
    (without starting a kernel to find that out again)."""
    from imbalance_lab.experiment import unavailable_slice
    from imbalance_lab.sweep.runner import SliceOutcome

    result = unavailable_slice(s.spec(config, units), s.data.unavailable)
    return SliceOutcome(s.key, "done", result.rows, None)


def _run_record(summary: SweepSummary) -> dict[str, Any]:
    from imbalance_lab.sweep.store import now

    return {
        "finished": now(),
        "wall_seconds": round(summary.wall_seconds, 3),
        "fits": summary.fits,
        "slices_run": summary.slices_run,
        "counts": summary.counts(),
        "interrupted": summary.interrupted,
    }


def _progress_bar(progress: bool, summary: SweepSummary, n_slices: int) -> _ProgressBar | None:
    if not progress:
        return None
    print(
        f"{summary.name}: {summary.units} units, {summary.cached} already done, "
        f"{summary.units - summary.cached} to run in {n_slices} notebook runs"
        + (f" {summary.where}" if summary.where else ""),
        file=sys.stderr,
    )
    return _ProgressBar(summary)


class _ProgressBar:
    """tqdm's bar on stderr. While it is drawn, warnings go above it through
    ``tqdm.write`` (as the executors' messages do), not into the bar's line,
    where the next redraw would overwrite them."""

    def __init__(self, summary: SweepSummary):
        import warnings

        from tqdm import tqdm

        self._bar = tqdm(total=summary.units, initial=summary.cached, unit="unit", desc=summary.name,
                         file=sys.stderr, dynamic_ncols=True, smoothing=0.1)
        self._shown = warnings.showwarning
        warnings.showwarning = self._show_warning

    def _show_warning(self, message, category, filename, lineno, file=None, line=None) -> None:
        import warnings

        from tqdm import tqdm

        text = warnings.formatwarning(message, category, filename, lineno, line)
        tqdm.write(text.rstrip("\n"), file=file or sys.stderr)

    def update(self, n: int) -> None:
        self._bar.update(n)

    def close(self) -> None:
        import warnings

        warnings.showwarning = self._shown
        self._bar.close()
