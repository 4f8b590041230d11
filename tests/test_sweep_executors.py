"""The local executor: worker processes, thread pinning, lost workers, and a
sweep whose client process dies mid-way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_sweep_support import fake_task, thread_probe_task

from imbalance_lab.errors import InvalidParameterError
from imbalance_lab.sweep import faults
from imbalance_lab.sweep.executors import LocalExecutor, make_executor
from imbalance_lab.sweep.store import ResultsStore

TESTS = Path(__file__).parent


def _spec(key, n_units=2):
    return {"experiment": "t", "slice_key": key, "dataset": key, "model": "m",
            "cv": {"folds": 2, "repeats": 1},
            "units": [{"unit_key": f"{key}-{i}", "index": i, "ratio": "native", "scheme": "none", "seed": 0}
                      for i in range(n_units)]}


def test_jobs_must_be_a_positive_integer():
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(InvalidParameterError) as info:
            LocalExecutor(bad)
        assert info.value.name == "jobs" and info.value.value == bad


def test_make_executor_local():
    assert isinstance(make_executor("local", 3), LocalExecutor)
    assert make_executor("local", 3).jobs == 3


@pytest.mark.slow
def test_workers_run_with_one_blas_thread_each():
    with LocalExecutor(2, task=thread_probe_task) as executor:
        for key in "abcd":
            executor.submit(_spec(key))
        outcomes = list(executor.as_completed())
    assert sorted(o.slice_key for o in outcomes) == list("abcd")
    info = [o.rows.iloc[0] for o in outcomes]
    assert {i["OMP_NUM_THREADS"] for i in info} == {"1"}
    assert {i["OPENBLAS_NUM_THREADS"] for i in info} == {"1"}
    assert {int(i["max_threads"]) for i in info} == {1}
    assert len({i["pid"] for i in info}) <= 2  # two worker processes, reused


@pytest.mark.slow
def test_a_worker_that_dies_fails_its_slice_only(monkeypatch):
    # 'exit' ends the worker process in the middle of slice c (as a kill would).
    monkeypatch.setenv(faults.ENV_VAR, "exit@slice:c")
    with LocalExecutor(2, task=fake_task) as executor:
        for key in "abcde":
            executor.submit(_spec(key))
        outcomes = {o.slice_key: o for o in executor.as_completed()}
    assert sorted(outcomes) == list("abcde")
    assert outcomes["c"].status == "failed" and "worker process died" in outcomes["c"].error
    for key in "abde":
        assert outcomes[key].status == "done", outcomes[key].error
        assert outcomes[key].rows["unit_key"].tolist() == [f"{key}-0", f"{key}-0", f"{key}-1", f"{key}-1"]


@pytest.mark.slow
def test_client_killed_mid_sweep_then_rerun_finishes_only_the_rest(tmp_path):
    """The client process itself dies (os._exit) right after recording its
    second slice, with two workers busy; the re-run reads no half-written
    file and computes only the slices that were not recorded."""
    script = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
from test_sweep_support import fake_config, fake_load, fake_task
from imbalance_lab.sweep import run_sweep
from imbalance_lab.sweep.executors import LocalExecutor
summary = run_sweep(fake_config(), out={str(tmp_path / 'out')!r}, load_dataset=fake_load,
                    executor=LocalExecutor(2, task=fake_task))
print("SUBMITTED", summary.slices_run, summary.cached)
"""
    env = {**os.environ, faults.ENV_VAR: "exit@manifest:gamma"}
    first = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 99, first.stderr  # killed at the gamma slices' first manifest write
    out = tmp_path / "out"
    manifest = json.loads((out / "manifest.json").read_text())  # complete JSON, not half a file
    done_before = [k for k, s in manifest["slices"].items() if s["status"] == "done"]
    assert [p.name for p in out.rglob("*") if ".tmp-" in p.name] == []

    env.pop(faults.ENV_VAR)
    second = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    slices_run, cached = map(int, second.stdout.split()[1:3])
    assert slices_run == 6 - len(done_before)
    assert cached == 8 * len(done_before)
    stored = ResultsStore(out).read_rows()
    assert len(stored) == 6 * 8 * 3 and stored.groupby("unit_key").size().eq(3).all()


@pytest.mark.slow
def test_an_interrupted_client_stops_its_workers(tmp_path):
    """Ctrl-C (here: injected after the first slice is recorded) ends the
    sweep with the interrupt, and no worker outlives the client (they hold
    its stdout: the run below would hang until the timeout otherwise)."""
    script = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
from test_sweep_support import fake_config, fake_load, fake_task
from imbalance_lab.sweep import run_sweep
from imbalance_lab.sweep.executors import LocalExecutor
try:
    run_sweep(fake_config(), out={str(tmp_path / 'out')!r}, load_dataset=fake_load,
              executor=LocalExecutor(2, task=fake_task))
except KeyboardInterrupt:
    sys.exit(130)
"""
    env = {**os.environ, faults.ENV_VAR: "interrupt@record:beta"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 130, done.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["runs"][-1]["interrupted"] is True
    assert [k for k, s in manifest["slices"].items() if s["status"] == "done"] == []  # beta slices come first


@pytest.mark.parametrize(("jobs", "slices", "said"), [
    (500, 4, "on 4 workers"), (2, 63, "on 2 workers"), (2, None, "on 2 workers"), (3, 1, "on 1 worker"),
])
def test_local_workers_are_counted_as_the_pool_starts_them(jobs, slices, said):
    # Found by a fresh user: --jobs 500 on 4 slices said 'on 500 workers'; a
    # spawn pool starts a worker per running slice, up to jobs.
    assert LocalExecutor(jobs).describe(slices) == said
