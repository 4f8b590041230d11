"""Test doubles for the sweep machinery (no tests here).

``fake_task`` follows the contract of ``experiment.run_slice`` as the sweep
sees it (one row per fold with every ``rows.COLUMNS``, the unit checkpoint
before each unit, a raising unit -> error rows), so that planning, caching,
the store and the executors can be tested without starting kernels. The end
to end tests (``test_sweep_e2e.py``) run the real notebook and ``run_slice``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from imbalance_lab import rows
from imbalance_lab.sweep import faults
from imbalance_lab.sweep.config import Config
from imbalance_lab.sweep.executors import Executor
from imbalance_lab.sweep.runner import SliceOutcome

#: name -> number of rows of the fake data sets.
FAKE_DATA = {"alpha": 120, "beta": 300, "gamma": 60}


@dataclass
class FakeDataset:
    name: str
    y: np.ndarray
    fingerprint: str
    citation: str = "made up for tests"


def fake_load(spec, field="dataset"):
    """Stands in for datasets.load_spec. ``IMBALANCE_LAB_TEST_DATA_VERSION``
    changes every fingerprint (as new data would)."""
    n = FAKE_DATA[spec]
    version = os.environ.get("IMBALANCE_LAB_TEST_DATA_VERSION", "1")
    fingerprint = hashlib.sha256(f"{spec}:{n}:{version}".encode()).hexdigest()[:16]
    return FakeDataset(spec, np.zeros(n, dtype=int), fingerprint)


def fake_metric(unit_key: str, repeat: int, fold: int) -> float:
    digest = hashlib.sha256(f"{unit_key}:{repeat}:{fold}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def fake_rows(spec: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows and predictions for every unit of ``spec`` (deterministic)."""
    out, preds = [], []
    for unit in spec["units"]:
        base = {c: None for c in rows.COLUMNS}
        base.update(
            experiment=spec["experiment"], unit_key=unit["unit_key"], dataset=spec["dataset"],
            model=json.dumps(spec["model"]), scheme=json.dumps(unit["scheme"]),
            ratio_target=str(unit["ratio"]), seed=unit["seed"], status="ok", error="",
            fit_seconds=0.001, predict_seconds=0.0005,
        )
        try:
            faults.checkpoint("unit", unit["index"], unit["unit_key"])
        except faults.InjectedFault as exc:
            for repeat in range(spec["cv"]["repeats"]):
                for fold in range(spec["cv"]["folds"]):
                    out.append({**base, "repeat": repeat, "fold": fold, "status": "error", "error": str(exc)})
            continue
        for repeat in range(spec["cv"]["repeats"]):
            for fold in range(spec["cv"]["folds"]):
                value = fake_metric(unit["unit_key"], repeat, fold)
                out.append({**base, "repeat": repeat, "fold": fold, "balanced_accuracy": value})
                preds.append({"unit_key": unit["unit_key"], "repeat": repeat, "fold": fold,
                              "row": fold, "y_true": 1, "score": value})
    frame = pd.DataFrame(out, columns=list(rows.COLUMNS))
    frame["balanced_accuracy"] = frame["balanced_accuracy"].astype(float)
    return frame, pd.DataFrame(preds, columns=["unit_key", "repeat", "fold", "row", "y_true", "score"])


def fake_task(spec: dict, **kwargs) -> SliceOutcome:
    """A task with run_slice_task's contract, minus the notebook."""
    faults.checkpoint("slice", spec["slice_key"])
    if spec["slice_key"] in os.environ.get("IMBALANCE_LAB_TEST_FAIL_SLICES", "").split(","):
        return SliceOutcome(spec["slice_key"], "failed", notebook=b'{"cells": []}', error="the kernel died")
    frame, preds = fake_rows(spec)
    return SliceOutcome(spec["slice_key"], "done", frame, preds, notebook=b'{"cells": []}', seconds=0.01)


def thread_probe_task(spec: dict, **kwargs) -> SliceOutcome:
    """Reports the worker's thread settings in its rows."""
    from threadpoolctl import threadpool_info

    info = {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
            "max_threads": max((p["num_threads"] for p in threadpool_info()), default=1),
            "pid": os.getpid()}
    return SliceOutcome(spec["slice_key"], "done", pd.DataFrame([info]))


class InlineExecutor(Executor):
    """Runs the task in this process, in submission order; records what it ran."""

    def __init__(self, task=fake_task):
        self.task = task
        self.submitted: list[dict] = []
        self._queue: list[dict] = []
        self.jobs = 1

    def submit(self, spec):
        self.submitted.append(spec)
        self._queue.append(spec)

    def as_completed(self):
        while self._queue:
            yield self.task(self._queue.pop(0))

    def shutdown(self, cancel=False):
        self._queue.clear()

    def unit_keys(self) -> list[str]:
        return [u["unit_key"] for spec in self.submitted for u in spec["units"]]


def fake_config(**changes) -> Config:
    """A valid config over the fake data sets (built directly: the names are
    not in the real registries)."""
    values = dict(
        name="fake",
        datasets=("alpha", "beta", "gamma"),
        ratios=("native", 2),
        models=("logistic_regression", {"name": "random_forest", "params": {"n_estimators": 5}}),
        schemes=("none", {"weight": "balanced"}),
        seeds=(0, 1),
        cv={"folds": 3, "repeats": 1},
    )
    values.update(changes)
    return Config(**values)
