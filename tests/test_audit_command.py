"""`imbalance-lab audit`: parameter parsing, bad input before any work, and
one end-to-end run of the notebook with small parameters."""

from __future__ import annotations

import argparse

import nbformat
import pandas as pd
import papermill
import pytest

from imbalance_lab.audit.equivalence import VERDICTS
from imbalance_lab.commands import audit as command
from imbalance_lab.errors import InvalidParameterError, UnknownNameError

KNOWN = set(papermill.inspect_notebook(str(command.NOTEBOOK)))


def args(*argv):
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_notebook_declares_its_parameters():
    assert {"dataset", "factor", "n_seeds", "tolerance", "estimators", "out_dir"} <= KNOWN
    nb = nbformat.read(command.NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    # stored without outputs or execution counts
    assert all(
        not c.get("outputs") and c.get("execution_count") is None
        for c in nb.cells
        if c.cell_type == "code"
    )


def test_parse_params_reads_yaml_values():
    params = command.parse_params(
        ["n_seeds=20", "estimators=[LogisticRegression, GaussianNB]", "tolerance=1e-8"], KNOWN
    )
    assert params == {
        "n_seeds": 20,
        "estimators": ["LogisticRegression", "GaussianNB"],
        "tolerance": 1e-8,
    }


def test_unknown_parameter_names_close_matches():
    with pytest.raises(UnknownNameError, match="n_seeds"):
        command.parse_params(["n_seed=3"], KNOWN)


@pytest.mark.parametrize("pair", ["n_seeds", "=3", "out_dir=/tmp/x"])
def test_malformed_parameters(pair):
    with pytest.raises(InvalidParameterError, match="--param"):
        command.parse_params([pair], KNOWN)


def test_out_must_not_be_a_file(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(InvalidParameterError, match="--out"):
        command.run(args("--out", str(target)))


def test_default_out():
    assert args().out == command.DEFAULT_OUT


@pytest.mark.notebook
@pytest.mark.slow
def test_audit_command_runs_the_notebook(tmp_path):
    out = tmp_path / "equivalence"
    small = [
        "estimators=[LogisticRegression, KNeighborsClassifier, GaussianNB]",
        "include_imblearn=false",
        "extra_configs=false",
        "n_seeds=5",
        "n_jobs=1",
        "cost_models=[logistic_regression]",
        "cost_factors=[1, 5]",
        "cost_repeats=1",
        "cost_n_samples=500",
    ]
    assert command.run(args("--out", str(out), *[x for p in small for x in ("-p", p)])) == 0
    frame = pd.read_csv(out / "equivalence.csv")
    assert set(frame["estimator"]) == {"LogisticRegression", "KNeighborsClassifier", "GaussianNB"}
    assert len(frame) == 9 and frame["verdict"].isin(VERDICTS).all()
    verdict = frame.set_index(["estimator", "variant"])["verdict"]
    assert verdict["LogisticRegression", "sample_weight"] == "exact"
    assert verdict["KNeighborsClassifier", "sample_weight"] == "no_sample_weight"
    for name in ("summary.csv", "scale.csv", "cost.csv", "cost_table.csv", "equivalence.ipynb"):
        assert (out / name).is_file(), name
    for name in ("verdicts.png", "differences.png", "cost.png"):
        assert (out / "figures" / name).stat().st_size > 1000
    executed = nbformat.read(out / "equivalence.ipynb", as_version=4)
    errors = [
        o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert not errors
