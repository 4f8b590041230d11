"""The papermill task, on a small test notebook with the sweep notebook's
parameters (the real notebook and run_slice run in test_sweep_e2e.py)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from test_sweep_support import fake_rows

from imbalance_lab.sweep import faults, runner

pytestmark = pytest.mark.notebook

TESTS = Path(__file__).parent

NOTEBOOK_CODE = """
import os
import time
print("pid", os.getpid(), "left over:", "leftover" in globals())
print("last output:", repr(_), "outputs cached:", len(Out), "inputs:", len(In))
leftover = 1
from types import SimpleNamespace
from test_sweep_support import fake_rows
from imbalance_lab.sweep.runner import write_slice_outputs
if spec["dataset"] == "sleep":
    time.sleep(60)
if spec["dataset"] == "explode":
    raise ValueError("exploded on purpose")
rows, predictions = fake_rows(spec)
if spec["dataset"] == "badcols":
    rows = rows.drop(columns=["fold"])
write_slice_outputs(SimpleNamespace(rows=rows, predictions=predictions), rows_path, predictions_path)
print("wrote", len(rows), "rows")
spec["dataset"]  # a value the display hook caches (_, Out): a reset must drop it
"""


@pytest.fixture
def notebook(tmp_path, monkeypatch):
    # the kernel inherits the environment: let it import the test doubles
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    params = nbformat.v4.new_code_cell('spec = {}  # slice\nrows_path = ""  # rows\npredictions_path = ""  # predictions')
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell(NOTEBOOK_CODE)])
    path = tmp_path / "test.ipynb"
    nbformat.write(nb, path)
    return path


def _spec(dataset="alpha", n_units=3, limit=300):
    return {"experiment": "t", "slice_key": f"{dataset}__m", "dataset": dataset, "model": "m",
            "cv": {"folds": 2, "repeats": 1}, "unit_time_limit": limit, "store_predictions": True,
            "units": [{"unit_key": f"k{i}", "index": 10 + i, "ratio": "native", "scheme": "none", "seed": 0}
                      for i in range(n_units)]}


def _cells_text(notebook_bytes):
    nb = json.loads(notebook_bytes)
    return "\n".join("".join(c["source"]) for c in nb["cells"])


def test_a_slice_comes_back_with_its_rows_predictions_and_executed_notebook(notebook):
    spec = _spec()
    outcome = runner.run_slice_task(spec, notebook=notebook)
    assert outcome.status == "done", outcome.error
    expected_rows, expected_predictions = fake_rows(spec)
    pd.testing.assert_frame_equal(outcome.rows, expected_rows)
    pd.testing.assert_frame_equal(outcome.predictions, expected_predictions)
    executed = json.loads(outcome.notebook)
    outputs = [o for c in executed["cells"] for o in c.get("outputs", [])]
    assert any("wrote 6 rows" in "".join(o.get("text", "")) for o in outputs)
    assert "# Parameters" in _cells_text(outcome.notebook)  # papermill's injected cell


@pytest.mark.parametrize("limit", [90.5, 0.25])
def test_a_time_limit_that_is_not_a_whole_number_of_seconds_runs(notebook, limit):
    # Found by a fresh user: unit_time_limit 90.5 made every slice fail with
    # nbclient's "'timeout' trait ... expected an int, not the float 210.5".
    outcome = runner.run_slice_task(_spec(n_units=1, limit=limit), notebook=notebook)
    assert outcome.status == "done", outcome.error


def test_a_dying_kernel_fails_the_slice_and_keeps_the_notebook(notebook, monkeypatch):
    monkeypatch.setenv(faults.ENV_VAR, "exit@unit:11")  # the second unit of the slice
    outcome = runner.run_slice_task(_spec(), notebook=notebook)
    assert outcome.status == "failed" and outcome.rows is None
    assert outcome.error.startswith("the kernel died")
    text = _cells_text(outcome.notebook)
    assert "The kernel died while running this cell" in text
    assert "fake_rows" in text


def test_a_raising_cell_fails_the_slice_with_its_message(notebook):
    outcome = runner.run_slice_task(_spec("explode"), notebook=notebook)
    assert outcome.status == "failed"
    assert "ValueError: exploded on purpose" in outcome.error
    assert "An Exception was encountered" in _cells_text(outcome.notebook)


def test_rows_without_the_contract_columns_fail_the_slice(notebook):
    outcome = runner.run_slice_task(_spec("badcols"), notebook=notebook)
    assert outcome.status == "failed" and "missing ['fold']" in outcome.error


def test_a_slice_past_its_time_limit_is_stopped(notebook, monkeypatch):
    monkeypatch.setattr(runner, "SLICE_OVERHEAD_SECONDS", 1)
    outcome = runner.run_slice_task(_spec("sleep", n_units=2, limit=0.5), notebook=notebook)
    assert outcome.status == "failed" and "time limit of 2 s" in outcome.error
    assert outcome.seconds < 30
    assert "The time limit was reached" in _cells_text(outcome.notebook)


def _printed(outcome) -> str:
    nb = json.loads(outcome.notebook)
    return "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))


def _pid(outcome) -> int:
    return int(_printed(outcome).split("pid ")[1].split()[0])


def _counts(outcome) -> list:
    return [c["execution_count"] for c in json.loads(outcome.notebook)["cells"] if c["cell_type"] == "code"]


def test_a_warm_kernel_runs_the_next_notebook_as_a_fresh_one_would(notebook):
    first = runner.run_slice_task(_spec("alpha"), notebook=notebook)
    second = runner.run_slice_task(_spec("beta"), notebook=notebook)
    assert first.status == second.status == "done"
    assert _pid(first) == _pid(second)  # the same kernel process ran both
    # ...but the second saw nothing the first defined, and counts from 1 as a
    # fresh kernel does (3 code cells: parameters, papermill's, the body).
    assert "left over: False" in _printed(second)
    assert _counts(first) == _counts(second) == [1, 2, 3]
    # The display hook's cache and the history are a fresh kernel's too: the
    # first notebook's last value ('alpha') is not the second's `_`.
    state = [line for line in _printed(first).splitlines() if line.startswith("last output:")]
    assert state == ["last output: '' outputs cached: 0 inputs: 4"]
    assert state[0] in _printed(second).splitlines()
    fresh = runner.run_slice_task(_spec("beta"), notebook=notebook, reuse_kernel=False)
    assert _pid(fresh) != _pid(second)
    pd.testing.assert_frame_equal(fresh.rows, second.rows)


def test_a_kernel_is_not_reused_after_a_failure_or_in_other_surroundings(notebook, monkeypatch):
    before = runner.run_slice_task(_spec("alpha"), notebook=notebook)
    assert runner.run_slice_task(_spec("explode"), notebook=notebook).status == "failed"
    after_failure = runner.run_slice_task(_spec("alpha"), notebook=notebook)
    assert _pid(after_failure) != _pid(before)
    # The kernel reads its environment when it starts: a change means a new one.
    monkeypatch.setenv("IMBALANCE_LAB_TEST_MARKER", "1")
    after_env = runner.run_slice_task(_spec("alpha"), notebook=notebook)
    assert _pid(after_env) != _pid(after_failure)
    assert "left over: False" in _printed(after_env)


def test_a_slice_after_a_dead_kernel_runs_in_a_new_one(notebook, monkeypatch):
    monkeypatch.setenv(faults.ENV_VAR, "exit@unit:11")
    assert runner.run_slice_task(_spec(), notebook=notebook).status == "failed"
    monkeypatch.delenv(faults.ENV_VAR)
    outcome = runner.run_slice_task(_spec(), notebook=notebook)
    assert outcome.status == "done", outcome.error
