"""Tables the report is drawn from, checked against hand counts, pandas
selections made independently, and scikit-learn's calibration_curve."""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.calibration import calibration_curve
from test_report_fixture import cached_results

from imbalance_lab import rows as row_layout
from imbalance_lab.report import aggregate
from imbalance_lab.report.load import load_results, read_predictions


@pytest.fixture(scope="module")
def loaded():
    return load_results(cached_results())


@pytest.fixture(scope="module")
def rows(loaded):
    return aggregate.prepare(loaded.rows)


def test_ratio_labels_and_order():
    assert [aggregate.ratio_label(v) for v in ("native", "5", 5, 5.0, "2.50", 10)] == \
        ["native", "5", "5", "5", "2.5", "10"]
    assert aggregate.ratio_order(["10", "native", "2", "50", "1"]) == ["native", "1", "2", "10", "50"]


@given(st.lists(st.sampled_from([1, 2, 2.5, 5, 10, 20, 50]), min_size=1, unique=True))
def test_numeric_ratios_sort_by_value(values):
    labels = [aggregate.ratio_label(v) for v in values] + ["native"]
    order = aggregate.ratio_order(labels)
    assert order[0] == "native"
    assert [float(x) for x in order[1:]] == sorted(float(v) for v in values)


def test_main_metrics_leave_out_calibration_diagnostics():
    assert set(aggregate.MAIN_METRICS) | set(aggregate.CALIBRATION_DIAGNOSTICS) == set(row_layout.METRICS)
    assert "ece" not in aggregate.MAIN_METRICS and "log_loss" in aggregate.MAIN_METRICS


def test_block_means_average_ok_folds_over_seeds(rows):
    means = aggregate.block_means(rows, "mcc")
    got = means[(means["dataset"] == "synth_b") & (means["ratio"] == "native")
                & (means["model"] == "decision_tree") & (means["scheme"] == "none")]
    raw = rows[(rows["dataset"] == "synth_b") & (rows["ratio_target"] == "native")
               & (rows["model"] == "decision_tree") & (rows["scheme"] == "none")]
    assert len(raw) == 6  # 2 seeds x 3 folds
    assert got["value"].item() == pytest.approx(raw["mcc"].mean())
    # Skipped units (knn cannot take weights) have no block.
    assert means[(means["model"] == "knn") & (means["scheme"] == "weight:balanced")].empty


def test_block_tables_name_the_schemes_that_never_ran(rows):
    tables = {(r, m): b for r, m, b in aggregate.block_tables(rows, "roc_auc")}
    assert set(tables) == {(r, m) for r in ("native", "5")
                           for m in ("decision_tree", "knn", "logistic_regression")}
    knn = tables[("5", "knn")]
    assert knn.dropped_schemes == ["weight:balanced", "weight:explicit(0=1,1=3)"]
    assert list(knn.table.columns) == ["none", "oversample:random",
                                       "oversample:replicate(factor=3)", "undersample:random"]
    assert knn.table.shape[0] == 3


def test_block_table_drops_empty_schemes_then_incomplete_data_sets():
    means = pd.DataFrame({
        "dataset": ["a", "a", "a", "b", "b", "c", "c", "c"],
        "ratio": ["5"] * 8, "model": ["m"] * 8,
        "scheme": ["x", "y", "z", "x", "y", "x", "y", "z"],
        "value": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], "n": [3] * 8,
    })
    blocks = aggregate.block_table(means, ratio="5", model="m", schemes=["w", "x", "y", "z"])
    assert blocks.dropped_schemes == ["w"]
    assert blocks.dropped_datasets == ["b"]  # b has no 'z'
    assert blocks.table.loc["c", "z"] == 0.8 and blocks.table.shape == (2, 3)


def test_mean_ranks_by_hand():
    frame = pd.DataFrame({
        "dataset": ["a"] * 3 + ["b"] * 3, "ratio_target": ["2"] * 6, "model": ["m"] * 6,
        "scheme": ["x", "y", "z"] * 2, "status": ["ok"] * 6,
        "brier": [0.10, 0.20, 0.30, 0.25, 0.20, 0.30],
    })
    ranks = aggregate.mean_ranks(aggregate.prepare(frame), "brier").set_index("scheme")
    # a: x=1, y=2, z=3; b: y=1, x=2, z=3 (lower Brier is better)
    assert ranks["mean_rank"].to_dict() == {"x": 1.5, "y": 1.5, "z": 3.0}
    assert set(ranks["n_datasets"]) == {2}


def _params(family, name=None, correct=False, **options):
    return json.dumps({"family": family, "name": name, **options, "correct": correct})


@pytest.mark.parametrize("scheme, params, expected", [
    ("weight:explicit(0=1,1=3)", _params("weight", {"0": 1, "1": 3}), aggregate.Family(3.0, 0.0)),
    ("weight:explicit(0=2,1=6)", _params("weight", {"0": 2, "1": 6}), aggregate.Family(3.0, 0.0)),
    ("weight:explicit(majority=1,minority=4)", _params("weight", {"minority": 4, "majority": 1}),
     aggregate.Family(4.0, 0.0)),
    ("weight:balanced", _params("weight", "balanced"), aggregate.Family("balanced", 0.0)),
    ("weight:balanced+correct", _params("weight", "balanced", correct=True),
     aggregate.Family("balanced", 0.0, correct=True)),
    ("oversample:replicate(factor=3)", _params("oversample", "replicate", factor=3),
     aggregate.Family(3.0, 1.0)),
    ("oversample:replicate", _params("oversample", "replicate"), aggregate.Family("balanced", 1.0)),
    ("split:balanced(size_share=0.613)", _params("split", "balanced", size_share=0.613),
     aggregate.Family("balanced", 0.613)),
    ("split:6(size_share=0.5)", _params("split", 6, size_share=0.5), aggregate.Family(6.0, 0.5)),
])
def test_family_reads_weight_and_copy_factors(scheme, params, expected):
    assert aggregate.family(scheme, params) == expected


@pytest.mark.parametrize("scheme, params", [
    ("none", json.dumps({"family": "none"})),
    ("oversample:smote", _params("oversample", "smote")),
    ("weight:power(alpha=0.5)", _params("weight", "power", alpha=0.5)),
    ("weight:explicit(0=1,1=2,2=6)", _params("weight", {"0": 1, "1": 2, "2": 6})),
    ("threshold:prior", _params("threshold", "prior")),
])
def test_schemes_outside_the_family(scheme, params):
    assert aggregate.family(scheme, params) is None


def test_weight_three_against_three_copies_is_paired_fold_by_fold(rows):
    diffs = aggregate.weight_vs_copies(rows, ["roc_auc", "log_loss"])
    assert set(diffs["scheme"]) == {"oversample:replicate(factor=3)"}
    assert set(diffs["weights_scheme"]) == {"weight:explicit(0=1,1=3)"}
    # knn cannot take weights, so it has no pair; each other model pairs every
    # data set x ratio x seed x fold once per metric.
    assert set(diffs["model"]) == {"logistic_regression", "decision_tree"}
    assert len(diffs) == 2 * 2 * (3 * 2 * 2 * 3)
    lr = diffs[diffs["model"] == "logistic_regression"]
    # Logistic regression's loss is a sum over rows: weight 3 = 3 copies up
    # to the solver's tolerance.
    assert lr["difference"].abs().max() < 1e-4
    one = diffs.iloc[0]
    raw = rows[(rows["dataset"] == one["dataset"]) & (rows["ratio"] == one["ratio"])
               & (rows["model"] == one["model"]) & (rows["seed"] == one["seed"])
               & (rows["fold"] == one["fold"])].set_index("scheme")[one["metric"]]
    assert one["difference"] == pytest.approx(
        raw["oversample:replicate(factor=3)"] - raw["weight:explicit(0=1,1=3)"])


def test_cost_counts_the_copies(rows):
    table = aggregate.cost_table(rows).set_index(["model", "kind", "factor", "ratio"])
    ok = aggregate.ok_rows(rows)
    part = ok[(ok["model"] == "decision_tree") & (ok["ratio_target"] == "5")]
    copies = part[part["scheme"] == "oversample:replicate(factor=3)"]
    # 3 copies: every training row once, plus 2 more of each minority row.
    expected_rows = (copies["n_train"] + 2 * copies["n_minority_train"]).mean()
    got = table.loc[("decision_tree", "copies", "3", "5")]
    assert got["train_rows_after_resampling"] == pytest.approx(expected_rows)
    weights = table.loc[("decision_tree", "weights", "3", "5")]
    assert weights["train_rows_after_resampling"] == pytest.approx(copies["n_train"].mean())
    balanced = table.loc[("decision_tree", "weights", "balanced", "5")]
    assert balanced["effective_factor"] == pytest.approx(
        ((part["n_train"] - part["n_minority_train"]) / part["n_minority_train"])[
            part["scheme"] == "weight:balanced"].mean())


def test_reliability_bins_match_scikit_learns_calibration_curve(loaded, rows):
    bins = aggregate.reliability_bins(read_predictions(loaded), aggregate.unit_table(rows), n_bins=8)
    curve = bins[(bins["model"] == "logistic_regression") & (bins["ratio"] == "5")
                 & (bins["scheme"] == "weight:balanced")].sort_values("bin")
    # The same predictions, pooled by hand.
    units = rows[(rows["model"] == "logistic_regression") & (rows["ratio_target"] == "5")
                 & (rows["scheme"] == "weight:balanced")]["unit_key"].unique()
    preds = pd.concat(read_predictions(loaded))
    preds = preds[preds["unit_key"].isin(units)]
    prob_true, prob_pred = calibration_curve(preds["y_true"], preds["score"], n_bins=8)
    np.testing.assert_allclose(curve["fraction_positive"], prob_true)
    np.testing.assert_allclose(curve["mean_score"], prob_pred)
    shift = aggregate.probability_shift(bins).set_index(["model", "ratio", "scheme"])
    got = shift.loc[("logistic_regression", "5", "weight:balanced")]
    assert got["mean_predicted"] == pytest.approx(preds["score"].mean())
    assert got["minority_share"] == pytest.approx(preds["y_true"].mean())


def test_grid_summary_and_problem_units_count_by_hand(rows):
    grid = aggregate.grid_summary(rows)["count"]
    assert (grid["data sets"], grid["ratios"], grid["schemes"], grid["models"], grid["seeds"]) == \
        (3, 2, 6, 3, 2)
    units = 3 * 2 * 6 * 3 * 2
    assert grid["units (data set x ratio x scheme x model x seed)"] == units
    # knn x {weight:balanced, weight:explicit(0=1,1=3)} on 3 data sets x 2 ratios x 2 seeds
    assert grid["units skipped"] == 2 * 3 * 2 * 2
    assert grid["units error"] == 1
    assert grid["units ok"] == units - 24 - 1
    problems = aggregate.problem_units(rows)
    assert len(problems) == 25
    failed = problems[problems["status"] == "error"].iloc[0]
    assert "InjectedFault" in failed["reason"] and failed["folds"] == 3
    reasons = aggregate.problem_reasons(problems)
    knn = reasons[(reasons["model"] == "knn") & (reasons["scheme"] == "weight:balanced")].iloc[0]
    assert knn["units"] == 12 and knn["data sets"] == "synth_a, synth_b, synth_c"
    assert knn["ratios"] == "native, 5"


def test_replicate_means_average_each_fold_over_data_sets(rows):
    reps = aggregate.replicate_means(rows, "roc_auc")
    got = reps[(reps["model"] == "logistic_regression") & (reps["ratio"] == "native")
               & (reps["scheme"] == "none") & (reps["seed"] == 0) & (reps["fold"] == 1)]
    raw = rows[(rows["model"] == "logistic_regression") & (rows["ratio_target"] == "native")
               & (rows["scheme"] == "none") & (rows["seed"] == 0) & (rows["fold"] == 1)]
    assert len(raw) == 3  # one per data set
    assert got["roc_auc"].item() == pytest.approx(raw["roc_auc"].mean())
    assert got["n_datasets"].item() == 3
    # 2 seeds x 3 folds: the band of each point is over six replicate means.
    per_point = reps.groupby(["model", "ratio", "scheme"], observed=True).size()
    assert set(per_point) == {6}


def test_metric_summary_is_mean_and_standard_error_per_data_set(rows):
    table = aggregate.metric_summary(rows, ["mcc"])
    got = table[(table["dataset"] == "synth_a") & (table["model"] == "knn")
                & (table["ratio"] == "5") & (table["scheme"] == "undersample:random")].iloc[0]
    raw = rows[(rows["dataset"] == "synth_a") & (rows["model"] == "knn")
               & (rows["ratio_target"] == "5") & (rows["scheme"] == "undersample:random")]["mcc"]
    assert got["mean"] == pytest.approx(raw.mean())
    assert got["se"] == pytest.approx(raw.std(ddof=1) / np.sqrt(len(raw)))
    assert got["folds"] == len(raw) == 6


def test_decision_scores_are_no_probabilities():
    units = pd.DataFrame({"unit_key": ["svm", "lr"], "dataset": "d", "ratio": "2",
                          "model": ["linear_svm", "logistic_regression"], "scheme": "none",
                          "seed": 0, "n_classes": 2})
    preds = pd.DataFrame({"unit_key": ["svm", "svm", "lr", "lr"], "repeat": 0, "fold": 0,
                          "row": [0, 1, 0, 1], "y_true": [0, 1, 0, 1],
                          "score_kind": ["decision", "decision", "proba", "proba"],
                          "score": [-2.5, 3.0, 0.25, 0.95]})
    bins = aggregate.reliability_bins([preds], units, n_bins=10)
    assert set(bins["model"]) == {"logistic_regression"}
    assert bins.set_index("bin")["count"].to_dict() == {2: 1, 9: 1}
