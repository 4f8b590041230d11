"""End to end: the real command, notebook and run_slice on configs/quick.yaml.

One module-scoped run with two workers is the reference. A second results
folder is run with one worker and two injected faults (the kernel of the
slice holding unit 3 dies; unit 25 raises), then resumed without faults;
it must end with exactly the reference's numbers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from imbalance_lab import rows
from imbalance_lab.sweep import faults
from imbalance_lab.sweep.config import load_config
from imbalance_lab.sweep.store import ResultsStore

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

QUICK = Path(__file__).parents[1] / "configs" / "quick.yaml"
TIMING = ["fit_seconds", "predict_seconds"]


def sweep(out: Path, *args: str, fault: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != faults.ENV_VAR}
    if fault:
        env[faults.ENV_VAR] = fault
    return subprocess.run(
        [sys.executable, "-m", "imbalance_lab.cli", "sweep", str(QUICK), "--out", str(out), *args],
        env=env, capture_output=True, text=True, timeout=300,
    )


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("two-workers") / "quick"
    result = sweep(out, "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    return out, result


def test_quick_sweep_records_every_unit(reference):
    out, result = reference
    config = load_config(QUICK)
    m = manifest(out)
    n_units = len(config.datasets) * len(config.models) * len(config.ratios) * len(config.schemes) * len(config.seeds)
    assert len(m["units"]) == n_units
    statuses = {u["status"] for u in m["units"].values()}
    assert statuses <= {"ok", "skipped"}
    assert all(u["error"] for u in m["units"].values() if u["status"] == "skipped")
    assert m["runs"][-1]["jobs"] == 2 and m["runs"][-1]["interrupted"] is False
    assert set(m["data"]) and all(d["fingerprint"] for d in m["data"].values())

    stored = ResultsStore(out).read_rows()
    assert list(stored.columns) == list(rows.COLUMNS)
    folds = config.cv["folds"] * config.cv["repeats"]
    assert stored.groupby("unit_key").size().eq(folds).all()
    assert set(stored["unit_key"]) == set(m["units"])
    fits = int((stored["status"] == "ok").sum())
    assert f"{fits} fits in {len(m['slices'])} notebook runs" in result.stdout
    assert f"{n_units} units" in result.stdout and "0 error, 0 failed" in result.stdout

    for key, entry in m["slices"].items():
        assert entry["status"] == "done"
        nb = nbformat.read(out / entry["notebook"], as_version=4)
        assert any(c.get("outputs") for c in nb.cells)
        assert not any("papermill-error-cell-tag" in c.metadata.get("tags", []) for c in nb.cells)
        csv = pd.read_csv(out / "rows" / f"{key}.csv")
        assert len(csv) == len(ResultsStore(out).read_rows(key))
        predictions = pd.read_parquet(out / entry["predictions"])
        assert set(predictions["unit_key"]) <= set(m["units"])


def test_second_run_is_cached(reference):
    out, _ = reference
    again = sweep(out, "--jobs", "2")
    assert again.returncode == 0, again.stderr
    run = manifest(out)["runs"][-1]
    assert run["slices_run"] == 0 and run["fits"] == 0
    assert run["counts"]["cached"] == len(manifest(out)["units"])


def test_faults_then_resume_give_the_reference_numbers(reference, tmp_path):
    ref_out, _ = reference
    out = tmp_path / "quick"
    # the kernel running unit 3 dies; unit 25 raises inside run_slice
    first = sweep(out, "--jobs", "1", fault="exit@unit:3,raise@unit:25")
    assert first.returncode == 1
    assert "Traceback" not in first.stderr
    m = manifest(out)
    by_index = {u["index"]: u for u in m["units"].values()}
    dead_slice = by_index[3]["slice"]
    assert m["slices"][dead_slice]["status"] == "failed"
    assert "kernel died" in m["slices"][dead_slice]["error"]
    assert {u["status"] for u in m["units"].values() if u["slice"] == dead_slice} == {"failed"}
    text = (out / "notebooks" / f"{dead_slice}.ipynb").read_text()
    assert "The kernel died while running this cell" in text
    assert by_index[25]["status"] == "error" and "injected fault" in by_index[25]["error"]
    others = [u for u in m["units"].values() if u["slice"] != dead_slice and u["index"] != 25]
    assert {u["status"] for u in others} <= {"ok", "skipped"}
    assert f"failed slice {dead_slice}" in first.stdout and "1 error" in first.stdout

    resumed = sweep(out, "--jobs", "1")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    m = manifest(out)
    slice_25 = by_index[25]["slice"]
    assert m["runs"][-1]["slices_run"] == len({dead_slice, slice_25})
    n_dead = sum(1 for u in m["units"].values() if u["slice"] == dead_slice)
    assert m["runs"][-1]["counts"]["cached"] == len(m["units"]) - n_dead - (slice_25 != dead_slice)

    # one worker (interrupted, resumed) and two workers agree on every number
    for key in manifest(ref_out)["slices"]:
        ours = ResultsStore(out).read_rows(key).drop(columns=TIMING)
        theirs = ResultsStore(ref_out).read_rows(key).drop(columns=TIMING)
        pd.testing.assert_frame_equal(ours, theirs)
        pd.testing.assert_frame_equal(
            pd.read_parquet(out / "predictions" / f"{key}.parquet"),
            pd.read_parquet(ref_out / "predictions" / f"{key}.parquet"),
        )

