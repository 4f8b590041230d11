"""What every benchmark shares: workloads derived from the shipped configs,
timed sweeps, the plain-Python baseline, a memory sampler and the result record.

Benchmarks are measurements, not tests: each prints what it measured side by
side, in one run on the same units, with the load average of the machine
before and after (``os.getloadavg``), because on a shared machine a figure
means little without it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"
GIB = 1024**3


# --------------------------------------------------------------------- results


@dataclasses.dataclass
class Figure:
    """One measured comparison: ``ratio`` = ``value`` / ``baseline`` (both
    measured in this run on the same units), held against ``target``; with
    the same ratio of CPU seconds (of the whole process tree) where both
    sides were metered, since on a shared machine it moves less than wall time."""

    benchmark: str
    what: str
    value: float  # seconds, bytes, ... of the thing measured
    baseline: float | None  # the same units, measured the other way
    unit: str
    target: str  # "OP NUMBER [GiB]", e.g. "<= 1.05" or "< 2 GiB"
    load: tuple[float, float] = (float("nan"), float("nan"))  # 1-min load before, after
    note: str = ""
    cpu: tuple[float, float] | None = None  # CPU seconds of value's side, baseline's side
    details: dict = dataclasses.field(default_factory=dict)
    #: Set when the target is not a bound on a number (e.g. "only the new units run").
    met_override: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline is None:
            return None
        return self.value / self.baseline if self.baseline else float("inf")

    @property
    def cpu_ratio(self) -> float | None:
        if not self.cpu:
            return None
        return self.cpu[0] / self.cpu[1] if self.cpu[1] else float("inf")

    @property
    def met(self) -> bool:
        """Whether the target holds (targets are 'OP NUMBER [GiB]' on the
        wall-time ratio, or on the value when there is no baseline)."""
        if self.met_override is not None:
            return self.met_override
        op, number, *unit = self.target.split()
        x = self.ratio if self.baseline is not None else self.value
        limit = float(number) * (GIB if unit == ["GiB"] else 1)
        return {"<=": x <= limit, ">=": x >= limit, "<": x < limit, ">": x > limit}[op]

    def row(self) -> str:
        shown = f"{self.ratio:.3g}" if self.ratio is not None else _fmt(self.value, self.unit)
        base = _fmt(self.baseline, self.unit) if self.baseline is not None else "-"
        cpu = f"{self.cpu_ratio:.3g}" if self.cpu_ratio is not None else "-"
        return (
            f"| {self.what} | {_fmt(self.value, self.unit)} | {base} | {shown} | {cpu} | {self.target} | "
            f"{'met' if self.met else 'MISSED'} | {self.load[0]:.1f} / {self.load[1]:.1f} | {self.note} |"
        )


TABLE_HEAD = (
    "| comparison | measured | baseline | ratio (or value) | CPU-time ratio | target | | load before / after | note |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
)


def _fmt(x: float | None, unit: str) -> str:
    if x is None:
        return "-"
    if unit == "bytes":
        return f"{x / GIB:.2f} GiB"
    if unit == "s":
        return f"{x:.1f} s" if x >= 1 else f"{x * 1000:.0f} ms"
    return f"{x:.3g} {unit}"


def load() -> float:
    """The 1-minute load average (how many runnable processes share the cores)."""
    return os.getloadavg()[0]


def tree_cpu_seconds() -> float:
    """CPU seconds (user + system) used so far by this process and every
    descendant: the finished ones (reaped: ``RUSAGE_CHILDREN`` holds them and,
    through their parents, theirs) plus the live ones with their own reaped
    children. The difference across a block is the CPU the block cost — a
    figure that other users' load inflates far less than wall time."""
    import psutil

    me = psutil.Process()
    times = me.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            t = child.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
    return total


@dataclasses.dataclass
class Meter:
    """Wall seconds, CPU seconds of the process tree and the load average
    before and after a block: ``with Meter() as m: ...``."""

    wall: float = 0.0
    cpu: float = 0.0
    load: tuple[float, float] = (float("nan"), float("nan"))

    def __enter__(self):
        self._load, self._cpu, self._wall = load(), tree_cpu_seconds(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self._wall
        self.cpu = tree_cpu_seconds() - self._cpu
        self.load = (self._load, load())

    def text(self) -> str:
        return f"{self.wall:.1f} s wall, {self.cpu:.1f} CPU-s, load {self.load[0]:.1f}/{self.load[1]:.1f}"


# -------------------------------------------------------------------- workloads


@dataclasses.dataclass(frozen=True)
class Workloads:
    """The configs the benchmarks run, in full or quick size.

    ``main``: the default sweep itself (quick: two data sets x three models
    of it). ``scaling``: the part of it the 1-vs-2-worker and Dask runs
    repeat (three data sets, every model; quick: as ``main``).
    ``cells``: a 200-cell sweep of the default's shape (2 data sets x 5
    models x 4 ratios x 5 schemes; quick: 1 x 2 x 2 x 5 = 20 cells).
    ``extra_scheme``: the scheme added to a finished ``main`` sweep.
    ``heavy``: the scaling workload with the seeds and CV of
    ``configs/full.yaml`` (2 seeds x 5 folds x 2 repeats: slices 3.3 times
    the default's weight), for the harness at a full study's slice weight
    (quick: the quick main workload with those seeds and CV).
    """

    main: dict
    scaling: dict
    cells: dict
    extra_scheme: Any
    heavy: dict
    quick: bool


def workloads(quick: bool = False) -> Workloads:
    default = _config_dict(CONFIGS / "default.yaml")
    full = _config_dict(CONFIGS / "full.yaml")
    models = default["models"]
    if quick:
        main = _derive(default, "bench-main-quick", datasets=["ecoli1", "new_thyroid1"],
                       models=[models[0], models[2], models[6]])
        scaling = dict(main, name="bench-scaling-quick")
        cells = _derive(default, "bench-cells-quick", datasets=["ecoli1"], models=[models[0], models[2]],
                        ratios=default["ratios"][:2], schemes=default["schemes"][:5])
    else:
        main = dict(default, name="bench-main")
        scaling = _derive(default, "bench-scaling", datasets=["ecoli1", "pima", "vehicle0"])
        # The five models whose units cost what the default's average unit
        # does (~0.1 CPU-s); forests and boosting (~1 s a unit) would measure fits.
        cells = _derive(default, "bench-cells", datasets=["ecoli1", "pima"],
                        models=[m for m in models if _model_name(m) in CHEAP_MODELS], schemes=default["schemes"][:5])
    if n_units(cells) != (20 if quick else 200):
        raise ValueError(f"the cells workload has {n_units(cells)} cells, not {20 if quick else 200}: "
                         "configs/default.yaml changed shape; adjust benchmarks/common.py")
    heavy = _derive(scaling, "bench-heavy" + ("-quick" if quick else ""), seeds=full["seeds"], cv=full["cv"])
    return Workloads(main, scaling, cells, {"weight": "target_ratio", "ratio": 2}, heavy, quick)


#: Models of the default sweep whose units are as cheap as its average unit.
CHEAP_MODELS = ("logistic_regression", "linear_svm", "decision_tree", "knn", "gaussian_nb")


def _model_name(spec) -> str:
    return spec if isinstance(spec, str) else spec["name"]


def _config_dict(path: Path) -> dict:
    from imbalance_lab.sweep import load_config

    return load_config(path).to_dict()


def _derive(base: dict, name: str, **changes) -> dict:
    return {**base, "name": name, **changes}


def config(data: dict, folder: Path):
    """Write ``data`` as a YAML config in ``folder`` and load it through the
    sweep's own validation (so the manifest records real config text)."""
    from imbalance_lab.sweep import load_config

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_config(path)


def n_units(data: dict) -> int:
    return len(data["datasets"]) * len(data["models"]) * len(data["ratios"]) * len(data["schemes"]) * len(data["seeds"])


# ------------------------------------------------------------------- measuring


def metered(fn: Callable[[], Any]) -> tuple[Meter, Any]:
    with Meter() as meter:
        result = fn()
    return meter, result


def median_meter(fn: Callable[[], Any], repeats: int = 3) -> Meter:
    """The run with the median wall time of ``repeats``."""
    meters = sorted((metered(fn)[0] for _ in range(repeats)), key=lambda m: m.wall)
    return meters[len(meters) // 2]


def sweep(cfg, out: Path, *, jobs: int | None = None, executor=None, force: bool = False):
    """Run ``cfg`` with the sweep's own entry point; return (Meter, summary)."""
    from imbalance_lab.sweep import run_sweep

    return metered(lambda: run_sweep(cfg, out=out, jobs=jobs, force=force, executor=executor))


def slice_specs(cfg) -> list[dict]:
    """The slice specs a cold sweep of ``cfg`` hands its executor, in its order."""
    from imbalance_lab.sweep.plan import plan_sweep

    plan = plan_sweep(cfg)
    return [s.spec(cfg, units) for s, units in plan.pending(set())]


def plain_loop(specs: Iterable[dict], jobs: int, *, sampled: bool = False) -> tuple[Meter, list]:
    """The same slices as plain Python: ``experiment.run_slice`` in ``jobs``
    worker processes (spawned, BLAS pinned to one thread, imports paid once per
    worker), results returned to this process. No notebook, no kernel, no
    files: the pure-compute limit of the harness. ``sampled``: run under a
    :class:`MemorySampler`, as the cold main sweep runs, so that both sides
    of the comparison share the sampler's cost in wall time (its own CPU is
    left out of both)."""
    specs = list(specs)
    with MemorySampler() if sampled else contextlib.nullcontext() as sampler:
        with Meter() as meter, _worker_pool(jobs) as pool:
            results = list(pool.map(_run_slice, specs))
    if sampler is not None:
        meter.cpu -= sampler.cpu
    return meter, results


def _worker_pool(jobs: int) -> ProcessPoolExecutor:
    """Worker processes as the sweep's local executor makes them: spawned,
    BLAS/OpenMP pinned to one thread."""
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_pin)


def parallel_ceiling(spec: dict, repeats: int = 3) -> dict:
    """What 2 workers can gain on this machine at best: one slice computed
    alone, then two copies of it at once in 2 worker processes (imports
    paid beforehand), ``repeats`` times each, interleaved. Each run reports
    its own wall seconds, so the pool's overhead is left out.

    On 2 dedicated cores two copies take as long as one (ceiling 2.0); on a
    VM whose 2 cores share a physical core, caches or memory bandwidth on
    the host, each copy runs slower side by side, and no scheduler can beat
    ``2 x alone / side by side``. Returns {alone, side_by_side, ceiling}."""
    import statistics

    alone, pair = [], []
    with _worker_pool(2) as pool:
        list(pool.map(_timed_slice, [spec, spec]))  # imports and lazy set-up in both workers
        for _ in range(repeats):
            alone.append(pool.submit(_timed_slice, spec).result())
            pair.extend(f.result() for f in [pool.submit(_timed_slice, spec) for _ in range(2)])
    one, two = statistics.median(alone), statistics.median(pair)
    return {"alone": one, "side_by_side": two, "ceiling": 2 * one / two}


def _timed_slice(spec: dict) -> float:
    from imbalance_lab.experiment import run_slice

    started = time.perf_counter()
    run_slice(spec)
    return time.perf_counter() - started


def _pin() -> None:
    from imbalance_lab.sweep.runner import pin_threads

    pin_threads()


def _run_slice(spec: dict):
    from imbalance_lab.experiment import run_slice

    result = run_slice(spec)
    return result.rows, result.predictions


#: Columns that measure time and so differ between two runs of the same units.
TIMING = ["fit_seconds", "predict_seconds"]


def read_rows(out: Path):
    """Every row a sweep recorded in ``out``."""
    import pandas as pd

    return pd.concat([pd.read_parquet(p) for p in sorted((out / "rows").glob("*.parquet"))])


def same_rows(a, b) -> bool:
    """Whether two row tables hold the same results, timing columns aside
    (so two timings compare the same work)."""
    def tidy(frame):
        frame = frame.drop(columns=TIMING).sort_values(["unit_key", "repeat", "fold"])
        return frame.reset_index(drop=True).astype(object)

    return tidy(a).equals(tidy(b))


class MemorySampler:
    """Peak memory of this process and all its descendants (sweep workers,
    their kernels, Dask workers), sampled while the block runs.

    Why sampling the tree: the sweep's memory is several processes alive at
    once (client, workers, one kernel per worker), so what matters is their
    *sum* at the worst moment. ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` gives
    only the largest single descendant that has been waited for, never a sum.
    The RSS sum (cheap to read) is sampled every ``interval`` seconds; it is
    an upper bound, since pages shared between processes (imported libraries)
    count once per process. The PSS sum (shared pages divided among the
    processes sharing them: the honest total) costs ~30 ms of CPU per sample
    (the kernel walks every page table), so it is read whenever the RSS sum
    reaches a new peak and every ``pss_every`` seconds. The sampler's own CPU
    time is kept (``cpu``) so a timing can leave it out. A spike shorter
    than ``interval`` can be missed; the largest single process's
    ``ru_maxrss`` is reported as a check.

    Each sample also reads every descendant's CPU seconds so far, kept by
    role (:func:`process_role`): ``cpu_by_role`` sums each process's last
    reading (up to ``interval`` of a process's last CPU can be missed), so
    the harness can say which process spends a sweep's extra CPU.
    """

    def __init__(self, interval: float = 0.25, pss_every: float = 2.0):
        self.interval = interval
        self.pss_every = pss_every
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_processes = 0
        self.samples = 0
        self.cpu = 0.0
        self._last_cpu: dict[int, tuple[str, float]] = {}  # pid -> (role, CPU seconds at its last sample)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        import resource

        self.max_single_rss = max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        ) * 1024  # kibibytes on Linux

    def _run(self) -> None:
        import psutil

        started = time.thread_time()
        root = psutil.Process()
        last_pss = 0.0
        while not self._stop.is_set():
            processes = [root, *root.children(recursive=True)]
            rss = 0
            for proc in processes:
                with contextlib.suppress(psutil.Error):
                    rss += proc.memory_info().rss
                    if proc is not root:
                        role = self._last_cpu.get(proc.pid, (None,))[0] or process_role(proc.cmdline())
                        times = proc.cpu_times()
                        self._last_cpu[proc.pid] = (role, times.user + times.system)
            now = time.monotonic()
            if rss > self.peak_rss or now - last_pss >= self.pss_every:
                self.peak_pss = max(self.peak_pss, _pss(processes))
                last_pss = now
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_processes = max(self.peak_processes, len(processes))
            self.samples += 1
            self._stop.wait(self.interval)
        self.cpu = time.thread_time() - started


    @property
    def cpu_by_role(self) -> dict[str, float]:
        """CPU seconds of the descendants, summed by role (the caller's own
        process is not among them: meter it from inside)."""
        totals: dict[str, float] = {}
        for role, seconds in self._last_cpu.values():
            totals[role] = totals.get(role, 0.0) + seconds
        return totals


def process_role(cmdline: list[str]) -> str:
    """What a process of a sweep is, told by its command line: a Jupyter
    kernel, a worker process (multiprocessing's spawn), a Dask process, or other."""
    text = " ".join(cmdline)
    if "ipykernel" in text:
        return "kernels"
    if "multiprocessing" in text:
        return "worker processes"
    if "dask" in text or "distributed" in text:
        return "dask processes"
    return "other"


def _pss(processes) -> int:
    import psutil

    total = 0
    for proc in processes:
        with contextlib.suppress(psutil.Error):
            info = proc.memory_full_info()
            total += getattr(info, "pss", info.rss)
    return total


class Workspace:
    """A scratch folder for one benchmark run, and the cold sweep of the main
    workload that several benchmarks compare against (run once, shared)."""

    def __init__(self, quick: bool, root: Path | None = None, keep: bool = False):
        self.quick = quick
        self.loads = workloads(quick)
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="imbalance-lab-bench-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.keep = keep
        self.jobs = 2
        self._cold: dict | None = None

    def config(self, data: dict):
        return config(data, self.root / "configs")

    def config_in(self, folder: str, data: dict):
        """As :meth:`config`, in a folder of its own (for a config that shares
        its name with another, such as the main workload with one more scheme)."""
        return config(data, self.root / "configs" / folder)

    def cold_main(self) -> dict:
        """The main workload swept cold on 2 local workers, memory sampled
        throughout: {meter, summary, out, memory, config}."""
        if self._cold is None:
            cfg = self.config(self.loads.main)
            out = self.root / "main"
            with MemorySampler() as memory:
                meter, summary = sweep(cfg, out, jobs=self.jobs)
            meter.cpu -= memory.cpu  # the sampler's reading of /proc is not the sweep's cost
            self._cold = {"meter": meter, "summary": summary, "out": out, "memory": memory, "config": cfg}
            print(f"  cold sweep of {cfg.name}: {meter.text()}; {summary.units} units, "
                  f"{summary.slices_run} notebook runs", flush=True)
        return self._cold

    def close(self) -> None:
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)
