"""notebooks/sweep.ipynb: stored clean, documented parameters, runs by hand."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest

from imbalance_lab import KERNEL_NAME, rows
from imbalance_lab.sweep.runner import sweep_notebook

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "sweep.ipynb"


def test_the_runner_uses_the_repository_notebook():
    assert sweep_notebook() == NOTEBOOK.resolve()


def test_stored_without_outputs_and_with_a_tagged_parameters_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert nb.metadata.kernelspec.name == KERNEL_NAME


def test_every_parameter_is_documented():
    params = papermill.inspect_notebook(str(NOTEBOOK))
    assert set(params) == {"spec", "rows_path", "predictions_path"}
    for name, info in params.items():
        assert len(info["help"]) > 20, name
    # the default slice is one the sweep could have planned
    default = eval(params["spec"]["default"])  # noqa: S307 - our own notebook's literal
    assert default["dataset"] == "ecoli1" and default["model"] == "logistic_regression"
    assert default["metrics"] == list(rows.METRICS)


@pytest.mark.notebook
@pytest.mark.slow
def test_runs_by_hand_with_its_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)  # as in JupyterLab: the inline backend
    # JupyterLab runs a notebook in its own folder; the default outputs go to ../results/by-hand/
    folder = tmp_path / "notebooks"
    folder.mkdir()
    papermill.execute_notebook(str(NOTEBOOK), str(folder / "out.ipynb"), kernel_name=KERNEL_NAME,
                               cwd=str(folder), progress_bar=False)
    written = pd.read_parquet(tmp_path / "results" / "by-hand" / "rows.parquet")
    assert list(written.columns) == list(rows.COLUMNS)
    assert len(written) == 4 * 5  # 4 units x 5 folds
    assert set(written["status"]) == {"ok"}
    predictions = pd.read_parquet(tmp_path / "results" / "by-hand" / "predictions.parquet")
    assert set(predictions["unit_key"]) == {f"by-hand-{i}" for i in range(4)}
    executed = json.loads((folder / "out.ipynb").read_text())
    images = [o for c in executed["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "the slice's figure is drawn inline"


def _rows(units):
    """Result rows of hand-made units: (scheme, ratio, status, value) per fold."""
    records = []
    for scheme, ratio, status, value in units:
        for fold in range(3):
            row = dict.fromkeys(rows.COLUMNS)
            row.update(unit_key=f"{scheme}-{ratio}", dataset="d", model="m", scheme=scheme,
                       ratio_target=ratio, fold=fold, status=status, error="",
                       balanced_accuracy=value + fold / 100 if status == "ok" else float("nan"),
                       fit_seconds=0.01 * (fold + 1))
            records.append(row)
    return pd.DataFrame(records, columns=list(rows.COLUMNS))


@pytest.mark.parametrize(
    "units",
    [
        [("none", "native", "ok", 0.7)],  # one scheme, one ratio (seaborn's dodge divides by schemes - 1)
        [("none", "native", "ok", 0.7), ("weight:balanced", "10", "ok", 0.8), ("none", "10", "skipped", 0)],
        [("none", "native", "skipped", 0)],  # nothing ran: a note, no figure
    ],
)
def test_the_slice_figure_and_table_never_fail(units, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from imbalance_lab.sweep.figures import plot_slice, slice_table

    frame = _rows(units)
    table = slice_table(frame)
    ok = [u for u in units if u[2] == "ok"]
    for scheme, ratio, _, value in ok:
        assert table.loc[scheme, f"balanced_accuracy @ {ratio}"] == pytest.approx(value + 0.01)
    assert table.filter(like="folds").to_numpy().sum() == 3 * len(units)
    figure = plot_slice(frame)
    assert (figure is None) == (not ok)


def test_the_slice_figure_draws_mean_and_1_96_standard_errors_per_scheme_and_ratio():
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np

    from imbalance_lab.sweep.figures import plot_slice

    frame = _rows([("none", "native", "ok", 0.7), ("none", "10", "ok", 0.5),
                   ("weight:balanced", "10", "ok", 0.8)])
    # Give the folds of one cell different values: its standard error by hand.
    cell = (frame["scheme"] == "none") & (frame["ratio_target"].astype(str) == "10")
    frame.loc[cell, "balanced_accuracy"] = [0.4, 0.5, 0.9]
    values = frame.loc[cell, "balanced_accuracy"].to_numpy()
    expected_mean = values.sum() / len(values)
    expected_half = 1.96 * np.sqrt(((values - expected_mean) ** 2).sum() / (len(values) - 1) / len(values))
    figure = plot_slice(frame)
    left = figure.axes[0]
    bars, means = left.collections  # error bars (one line collection), then the means (one scatter)
    # Ratio '10' sits at x = 1; the first scheme ('none') is dodged left of it.
    at_ten = sorted((x, y) for x, y in means.get_offsets() if 0.5 < x < 1.5)
    assert len(at_ten) == 2
    none_x, none_mean = at_ten[0]
    assert none_mean == pytest.approx(expected_mean)
    (bar,) = [segment for segment in bars.get_segments() if segment[0, 0] == pytest.approx(none_x)]
    assert bar[:, 1].max() - bar[:, 1].min() == pytest.approx(2 * expected_half)
    assert bar[:, 1].mean() == pytest.approx(expected_mean)
    assert [t.get_text() for t in left.get_xticklabels()] == ["native", "10"]
