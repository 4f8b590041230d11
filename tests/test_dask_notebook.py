"""End to end on a Dask cluster started as the README says — a ``dask
scheduler`` process and a ``dask worker`` process with 2 worker processes of
1 thread — driven by ``imbalance-lab sweep CONFIG --scheduler ADDRESS``,
with the real sweep notebook and ``run_slice``: the rows it records equal
those of a local run of the same config (timing columns aside).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

BIN = Path(sys.executable).parent
TIMING = ["fit_seconds", "predict_seconds"]
#: 1 data set x 2 models (2 notebook runs) x 2 ratios x 2 schemes, 3 folds.
CONFIG = """\
name: dask-e2e
seeds: [0]
cv: {folds: 3, repeats: 1}
datasets: [ecoli1]
ratios: [native, 5]
models: [logistic_regression, {name: decision_tree, params: {max_depth: 3}}]
schemes: [none, {weight: balanced}]
metrics: [balanced_accuracy, minority_f1, roc_auc, brier]
"""


@pytest.fixture
def scheduler(tmp_path):
    """A scheduler and two single-threaded workers, as separate processes."""
    from distributed import Client

    info = tmp_path / "scheduler.json"
    log = (tmp_path / "cluster.log").open("w")
    procs = [subprocess.Popen(
        [BIN / "dask", "scheduler", "--scheduler-file", info, "--port", "0", "--no-dashboard"],
        stdout=log, stderr=subprocess.STDOUT,
    )]
    try:
        deadline = time.monotonic() + 60
        while not info.exists():
            assert time.monotonic() < deadline, "the scheduler did not start"
            assert procs[0].poll() is None, "the scheduler exited"
            time.sleep(0.2)
        procs.append(subprocess.Popen(
            [BIN / "dask", "worker", "--scheduler-file", info, "--nworkers", "2", "--nthreads", "1",
             "--no-dashboard"],
            stdout=log, stderr=subprocess.STDOUT,
        ))
        address = json.loads(info.read_text())["address"]
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            proc.wait(timeout=30)
        log.close()


def _sweep(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "imbalance_lab.cli", "sweep", *map(str, args)],
                          capture_output=True, text=True, timeout=600)


def _rows(out: Path) -> pd.DataFrame:
    table = pd.concat([pd.read_parquet(p) for p in sorted((out / "rows").glob("*.parquet"))])
    return table.drop(columns=TIMING).sort_values(["unit_key", "repeat", "fold"]).reset_index(drop=True)


def test_cli_sweep_on_a_dask_cluster_records_what_a_local_run_does(tmp_path, scheduler):
    config = tmp_path / "dask-e2e.yaml"
    config.write_text(CONFIG)

    local = _sweep(config, "--out", tmp_path / "local", "--jobs", "2")
    assert local.returncode == 0, local.stderr[-2000:]
    on_dask = _sweep(config, "--out", tmp_path / "dask", "--scheduler", scheduler)
    assert on_dask.returncode == 0, on_dask.stderr[-2000:]
    assert "8 units - 8 ok" in on_dask.stdout and "in 2 notebook runs" in on_dask.stdout

    dask_rows = _rows(tmp_path / "dask")
    assert len(dask_rows) == 8 * 3 and set(dask_rows["status"]) == {"ok"}
    pd.testing.assert_frame_equal(dask_rows, _rows(tmp_path / "local"))
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["config"]["executor"] == {"dask": scheduler}
    notebooks = sorted(p.name for p in (tmp_path / "dask" / "notebooks").iterdir())
    assert len(notebooks) == 2  # the executed notebooks came back from the workers

