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


# ---------------------------------------- every -p value checked before any work

DECLARED = papermill.inspect_notebook(str(command.NOTEBOOK))


@pytest.mark.parametrize(
    ("pair", "message", "error"),
    [
        ("factor=1", "-p factor=1 is invalid: an integer >= 2", InvalidParameterError),
        ("tolerance=0", "-p tolerance=0 is invalid: a number in (0, 1)", InvalidParameterError),
        ("n_seeds=abc", "-p n_seeds='abc' is invalid: an integer >= 5", InvalidParameterError),
        ("size_share=abc", "-p size_share='abc' is invalid: a share in [0, 1]", InvalidParameterError),
        (
            "dataset=wine",
            "-p dataset='wine' is invalid: a binary data set (it has 3 classes); did you mean "
            "'wine_0_vs_rest', 'wine_1_vs_rest', 'wine_2_vs_rest', 'winequality_red_3_vs_5', 'winequality_red_4'?",
            InvalidParameterError,
        ),
        (
            "dataset=ecoli_1",
            "-p dataset='ecoli_1' is invalid: unknown data set; did you mean "
            "'ecoli1', 'ecoli4', 'ecoli3', 'ecoli2', 'ecoli_0_vs_1'?",
            UnknownNameError,
        ),
        ("dataset={csvv: x.csv}", "-p dataset.csvv='x.csv' is invalid: unknown key; did you mean 'csv'?",
         UnknownNameError),
        ("data_seed=-1", "-p data_seed=-1 is invalid: an integer >= 0", InvalidParameterError),
        ("n_jobs=0", "-p n_jobs=0 is invalid: an integer >= 1", InvalidParameterError),
        ("extra_configs=maybe", "-p extra_configs='maybe' is invalid: true or false", InvalidParameterError),
        ("estimators=[LogisticRegresion]", "-p estimators='LogisticRegresion' is invalid: unknown classifier; "
         "did you mean 'LogisticRegression'", UnknownNameError),
        ("scale_C=0", "-p scale_C=0 is invalid: a finite number > 0", InvalidParameterError),
        ("cost_models=[logistic]", "-p cost_models='logistic' is invalid: unknown cost model; "
         "did you mean 'logistic_regression'?", UnknownNameError),
        ("cost_factors=[0, 2]", "-p cost_factors=[0, 2] is invalid: a non-empty list of integers >= 1",
         InvalidParameterError),
        ("cost_repeats=0", "-p cost_repeats=0 is invalid: an integer >= 1", InvalidParameterError),
        ("cost_n_samples=10", "-p cost_n_samples=10 is invalid: an integer >= 20", InvalidParameterError),
    ],
)
def test_bad_values_are_refused_before_any_folder_or_kernel(tmp_path, monkeypatch, capsys, pair, message, error):
    from imbalance_lab import cli, kernels

    def never(*args, **kwargs):
        raise AssertionError("the notebook ran")

    monkeypatch.setattr(kernels, "execute_notebook", never)
    with pytest.raises(error) as info:
        command.check_params(command.parse_params([pair], KNOWN), DECLARED)
    assert str(info.value).startswith(message)
    assert info.value.name.startswith("-p ")
    out = tmp_path / "equivalence"
    assert cli.main(["audit", "--out", str(out), "-p", pair]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"imbalance-lab audit: error: {message}") and err.count("\n") == 1
    assert not out.exists()


def test_a_bad_value_leaves_an_earlier_audit_as_it_was(tmp_path, monkeypatch):
    from imbalance_lab import cli, kernels

    monkeypatch.setattr(kernels, "execute_notebook", lambda *a, **k: pytest.fail("the notebook ran"))
    out = tmp_path / "equivalence"
    out.mkdir()
    (out / "equivalence.ipynb").write_text("earlier audit")
    (out / "equivalence.csv").write_text("estimator,verdict\n")
    assert cli.main(["audit", "--out", str(out), "-p", "factor=1"]) == 2
    assert (out / "equivalence.ipynb").read_text() == "earlier audit"
    assert sorted(p.name for p in out.iterdir()) == ["equivalence.csv", "equivalence.ipynb"]


def test_the_notebook_defaults_pass_the_check():
    command.check_params({}, DECLARED)
    command.check_params({"dataset": "breast_cancer", "estimators": ["GaussianNB"]}, DECLARED)


def test_cost_models_are_selected_by_name():
    from imbalance_lab.audit import cost

    assert list(cost.select_models(["random_forest", "logistic_regression"])) == [
        "random_forest",
        "logistic_regression",
    ]
    assert list(cost.select_models(None)) == list(cost.default_models())


@pytest.mark.parametrize(
    ("argv", "notebook"),
    [(["audit", "-p", "n_jobs=1"], "equivalence.ipynb"), (["calibration", "--repeats", "1"], "calibration.ipynb")],
)
def test_a_dead_kernel_is_one_line_not_a_traceback(tmp_path, monkeypatch, capsys, argv, notebook):
    """Both notebook commands (calibration's test lives here too: one check of one message)."""
    from nbclient.exceptions import DeadKernelError

    from imbalance_lab import cli, kernels

    def dies(*args, **kwargs):
        raise DeadKernelError("Kernel died")

    monkeypatch.setattr(kernels, "execute_notebook", dies)
    out = tmp_path / "out"
    assert cli.main([argv[0], "--out", str(out), *argv[1:]]) == 1
    assert capsys.readouterr().err == (
        f"imbalance-lab {argv[0]}: the notebook's kernel died (most likely killed for lack of memory: "
        f"try smaller sizes); the executed notebook, up to the cell that was running, is {out / notebook}\n"
    )
