import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score, roc_auc_score

from imbalance_lab import metrics, rows
from imbalance_lab.errors import InvalidParameterError, UnknownNameError

LABEL_METRICS = ["balanced_accuracy", "minority_f1", "macro_f1", "g_mean", "mcc"]

# 3 minority (1), 7 majority (0): TP=2, FN=1, FP=1, TN=6.
Y_TRUE = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
Y_PRED = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0])
TPR, TNR = 2 / 3, 6 / 7
HAND = {
    "balanced_accuracy": (TPR + TNR) / 2,
    "minority_f1": 2 * 2 / (2 * 2 + 1 + 1),
    "macro_f1": (2 * 2 / (2 * 2 + 1 + 1) + 2 * 6 / (2 * 6 + 1 + 1)) / 2,
    "g_mean": math.sqrt(TPR * TNR),
    "mcc": (2 * 6 - 1 * 1) / math.sqrt((2 + 1) * (2 + 1) * (6 + 1) * (6 + 1)),
}


def test_registry_matches_the_row_contract():
    assert tuple(metrics.METRICS) == rows.METRICS


def test_label_metrics_match_the_hand_counted_confusion_matrix():
    values, notes = metrics.compute(Y_TRUE, Y_PRED, None, classes=[0, 1], positive=1, metrics=LABEL_METRICS)
    assert notes == {}
    for name, expected in HAND.items():
        assert values[name] == pytest.approx(expected, abs=1e-12), name


def test_positive_is_the_minority_whatever_its_label():
    # Same fold with the minority called 0 and then a string: same scores.
    values0, _ = metrics.compute(1 - Y_TRUE, 1 - Y_PRED, None, classes=[0, 1], positive=0, metrics=LABEL_METRICS)
    names = np.array(["common", "rare"])
    values_s, _ = metrics.compute(names[Y_TRUE], names[Y_PRED], None, classes=names, positive="rare", metrics=LABEL_METRICS)
    for name, expected in HAND.items():
        assert values0[name] == pytest.approx(expected, abs=1e-12), name
        assert values_s[name] == pytest.approx(expected, abs=1e-12), name


def test_majority_only_model_gets_true_scores_not_nan_and_no_warning():
    y_pred = np.zeros_like(Y_TRUE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values, notes = metrics.compute(Y_TRUE, y_pred, None, classes=[0, 1], positive=1, metrics=LABEL_METRICS)
    assert values["minority_f1"] == 0.0
    assert values["g_mean"] == 0.0
    assert values["balanced_accuracy"] == 0.5
    # majority F1 = 2*7/(2*7+3) and the minority's 0
    assert values["macro_f1"] == pytest.approx((14 / 17 + 0) / 2)
    # scikit-learn returns 0.0 here; the value is 0/0, so NaN with the reason.
    assert math.isnan(values["mcc"]) and "prediction is constant" in notes["mcc"]
    assert set(notes) == {"mcc"}


def test_probability_metrics_against_hand_values():
    y = np.array([1, 0, 1, 0, 0])
    p1 = np.array([0.9, 0.2, 0.4, 0.6, 0.1])
    proba = np.column_stack([1 - p1, p1])
    values, notes = metrics.compute(
        y, (p1 > 0.5).astype(int), proba, classes=[0, 1], positive=1,
        metrics=["roc_auc", "average_precision", "brier", "log_loss"],
    )
    assert notes == {}
    # pairs (pos, neg): 0.9 beats all 3 negatives; 0.4 beats 0.2 and 0.1 -> 5/6
    assert values["roc_auc"] == pytest.approx(5 / 6)
    # ranking 0.9(+) 0.6(-) 0.4(+): AP = (1/1 + 2/3) / 2
    assert values["average_precision"] == pytest.approx((1 + 2 / 3) / 2)
    assert values["brier"] == pytest.approx(np.mean((p1 - y) ** 2))
    p_true = np.where(y == 1, p1, 1 - p1)
    assert values["log_loss"] == pytest.approx(-np.mean(np.log(p_true)))


def test_ranking_metrics_score_the_minority_column_when_it_is_labelled_zero():
    rng = np.random.default_rng(0)
    y = np.array([0] * 6 + [1] * 14)  # 0 is the minority
    p0 = np.clip(0.5 * (y == 0) + rng.uniform(0, 0.5, y.size), 0, 1)
    proba = np.column_stack([p0, 1 - p0])
    values, _ = metrics.compute(y, np.where(p0 > 0.5, 0, 1), proba, classes=[0, 1], positive=0,
                                metrics=["roc_auc", "average_precision", "brier"])
    assert values["roc_auc"] == pytest.approx(roc_auc_score(y == 0, p0))
    assert values["average_precision"] == pytest.approx(average_precision_score(y == 0, p0))
    assert values["brier"] == pytest.approx(np.mean((p0 - (y == 0)) ** 2))


def test_one_class_in_truth_makes_ranking_metrics_nan_with_reason():
    y = np.zeros(5, dtype=int)
    proba = np.column_stack([np.full(5, 0.7), np.full(5, 0.3)])
    values, notes = metrics.compute(y, y, proba, classes=[0, 1], positive=1,
                                    metrics=["roc_auc", "average_precision", "mcc", "brier"])
    for name in ("roc_auc", "average_precision", "mcc"):
        assert math.isnan(values[name]) and notes[name], name
    assert "one class" in notes["roc_auc"]
    assert values["brier"] == pytest.approx(0.09)


def test_model_without_probabilities_uses_decision_for_ranking_and_nan_for_the_rest():
    y = np.array([1, 0, 1, 0, 0])
    decision = np.array([2.0, -1.0, 0.3, 0.5, -3.0])  # higher = class 1
    values, notes = metrics.compute(y, (decision > 0).astype(int), None, classes=[0, 1], positive=1,
                                    decision=decision)
    assert values["roc_auc"] == pytest.approx(roc_auc_score(y, decision))
    for name in ("brier", "log_loss", "ece", "calibration_intercept", "calibration_slope"):
        assert math.isnan(values[name]) and notes[name] == metrics.NO_PROBA, name
    # A model trained with the minority labelled 0 scores class 1 (the
    # majority) with its decision function: the score is turned around.
    values0, _ = metrics.compute(1 - y, (decision <= 0).astype(int), None, classes=[0, 1], positive=0,
                                 metrics=["roc_auc"], decision=-decision)
    assert values0["roc_auc"] == pytest.approx(roc_auc_score(y, decision))


def test_multiclass_gives_macro_metrics_and_binary_only_nan():
    # shares 10/60/30-like fold; recalls: class 0 1/2, class 1 5/6, class 2 2/3
    y = np.array([0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 0])
    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.ones(3), size=y.size)
    values, notes = metrics.compute(y, y_pred, proba, classes=[0, 1, 2], positive=0)
    recalls = [1 / 2, 5 / 6, 2 / 3]
    assert values["balanced_accuracy"] == pytest.approx(np.mean(recalls))
    assert values["g_mean"] == pytest.approx(np.prod(recalls) ** (1 / 3))
    # minority F1: TP=1, FP=1 (row 10), FN=1 -> 2/4
    assert values["minority_f1"] == pytest.approx(0.5)
    assert values["roc_auc"] == pytest.approx(roc_auc_score(y, proba, multi_class="ovr", average="macro"))
    onehot = np.eye(3)[y]
    assert values["brier"] == pytest.approx(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
    for name in ("ece", "calibration_intercept", "calibration_slope"):
        assert math.isnan(values[name]) and notes[name] == metrics.BINARY_ONLY
    assert set(notes) == {"ece", "calibration_intercept", "calibration_slope"}


def test_multiclass_without_probabilities_has_no_ranking_metrics():
    y = np.array([0, 1, 2, 1])
    values, notes = metrics.compute(y, y, None, classes=[0, 1, 2], positive=0,
                                    metrics=["roc_auc", "balanced_accuracy"], decision=np.eye(3)[y])
    assert math.isnan(values["roc_auc"]) and "no probabilities" in notes["roc_auc"]
    assert values["balanced_accuracy"] == 1.0


def test_absent_class_in_truth_makes_recall_based_metrics_nan():
    y = np.array([0, 0, 0])
    values, notes = metrics.compute(y, np.array([0, 1, 0]), None, classes=[0, 1], positive=1,
                                    metrics=["balanced_accuracy", "g_mean", "minority_f1"])
    assert math.isnan(values["balanced_accuracy"]) and "absent" in notes["balanced_accuracy"]
    assert math.isnan(values["g_mean"])
    assert values["minority_f1"] == 0.0  # one false positive: 2*0/(0+1+0)


def test_minority_neither_present_nor_predicted_makes_f1_nan():
    values, notes = metrics.compute([0, 0], [0, 0], None, classes=[0, 1], positive=1, metrics=["minority_f1"])
    assert math.isnan(values["minority_f1"]) and "0/0" in notes["minority_f1"]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"metrics": ["roc_auc", "accuracyy"]}, "metrics[1]"),
        ({"positive": 5}, "positive"),
        ({"ece_binning": "equal"}, "ece_binning"),
        ({"proba": np.array([[0.5, 0.5], [1.2, -0.2]])}, "proba"),
        ({"proba": np.array([[0.5, 0.5]])}, "proba"),
        ({"y_pred": [0, 1, 1]}, "y_pred"),
        ({"y_pred": [0, 3]}, "y_pred"),
        ({"classes": [0]}, "classes"),
    ],
)
def test_bad_input_names_the_argument(kwargs, name):
    args = {"y_true": [0, 1], "y_pred": [0, 1], "proba": None, "classes": [0, 1], "positive": 1}
    args.update(kwargs)
    with pytest.raises(InvalidParameterError) as info:
        metrics.compute(args.pop("y_true"), args.pop("y_pred"), args.pop("proba"), **args)
    assert info.value.name == name


def test_unknown_metric_suggests_close_name():
    with pytest.raises(UnknownNameError, match="did you mean 'macro_f1'"):
        metrics.validate_metrics(["macro_f"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=2, max_size=40))
def test_binary_label_metrics_follow_the_confusion_matrix(pairs):
    y_true = np.array([t for t, _ in pairs], dtype=int)
    y_pred = np.array([p for _, p in pairs], dtype=int)
    tp = int(np.sum((y_true == 1) & (y_pred == 1)))
    fn = int(np.sum((y_true == 1) & (y_pred == 0)))
    fp = int(np.sum((y_true == 0) & (y_pred == 1)))
    tn = int(np.sum((y_true == 0) & (y_pred == 0)))
    values, notes = metrics.compute(y_true, y_pred, None, classes=[0, 1], positive=1, metrics=LABEL_METRICS)
    if tp + fn and tn + fp:
        tpr, tnr = tp / (tp + fn), tn / (tn + fp)
        assert values["balanced_accuracy"] == pytest.approx((tpr + tnr) / 2)
        assert values["g_mean"] == pytest.approx(math.sqrt(tpr * tnr))
    else:
        assert math.isnan(values["balanced_accuracy"]) and "balanced_accuracy" in notes
    if 2 * tp + fp + fn:
        assert values["minority_f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn))
    denominator = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    if denominator:
        assert values["mcc"] == pytest.approx((tp * tn - fp * fn) / math.sqrt(denominator))
    else:
        assert math.isnan(values["mcc"]) and notes["mcc"]
    # NaN appears only with a reason
    assert {k for k, v in values.items() if math.isnan(v)} == set(notes)


# ------------------------------------------------- scikit-learn as the reference


def _random_fold(draw, n_classes):
    n = draw(st.integers(n_classes * 2, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    y_true = np.concatenate([np.arange(n_classes), rng.integers(0, n_classes, n - n_classes)])
    y_pred = rng.integers(0, n_classes, n)
    # rounded scores make ties, which the ranking metrics must treat as sklearn does
    proba = np.round(rng.dirichlet(np.ones(n_classes) * 0.7, size=n), draw(st.sampled_from([1, 2, 6])))
    proba = proba / proba.sum(axis=1, keepdims=True)
    return y_true, y_pred, proba


@st.composite
def binary_folds(draw):
    return _random_fold(draw, 2)


@st.composite
def multiclass_folds(draw):
    return _random_fold(draw, draw(st.integers(3, 5)))


@settings(max_examples=40, deadline=None)
@given(binary_folds(), st.sampled_from([0, 1]))
def test_binary_metrics_equal_sklearn_and_imblearn(fold, positive):
    from imblearn.metrics import geometric_mean_score
    from sklearn import metrics as sk

    y_true, y_pred, proba = fold
    values, _ = metrics.compute(y_true, y_pred, proba, classes=[0, 1], positive=positive,
                                metrics=[m for m in rows.METRICS if m not in ("ece", "calibration_intercept", "calibration_slope")])
    is_pos = y_true == positive
    p_pos = proba[:, positive]
    assert values["balanced_accuracy"] == pytest.approx(sk.balanced_accuracy_score(y_true, y_pred))
    assert values["minority_f1"] == pytest.approx(sk.f1_score(y_true, y_pred, pos_label=positive, zero_division=0.0))
    assert values["macro_f1"] == pytest.approx(sk.f1_score(y_true, y_pred, average="macro", zero_division=0.0))
    assert values["g_mean"] == pytest.approx(geometric_mean_score(y_true, y_pred, average="multiclass"))
    if len(np.unique(y_pred)) == 2:
        assert values["mcc"] == pytest.approx(sk.matthews_corrcoef(y_true, y_pred), abs=1e-12)
    assert values["roc_auc"] == pytest.approx(sk.roc_auc_score(is_pos, p_pos))
    assert values["average_precision"] == pytest.approx(sk.average_precision_score(is_pos, p_pos))
    assert values["brier"] == pytest.approx(sk.brier_score_loss(is_pos, p_pos))
    assert values["log_loss"] == pytest.approx(sk.log_loss(y_true, proba, labels=[0, 1]))


@settings(max_examples=40, deadline=None)
@given(multiclass_folds())
def test_multiclass_metrics_equal_sklearn_and_imblearn(fold):
    from imblearn.metrics import geometric_mean_score
    from sklearn import metrics as sk

    y_true, y_pred, proba = fold
    labels = list(range(proba.shape[1]))
    values, notes = metrics.compute(y_true, y_pred, proba, classes=labels, positive=0)
    assert values["balanced_accuracy"] == pytest.approx(sk.balanced_accuracy_score(y_true, y_pred))
    assert values["macro_f1"] == pytest.approx(sk.f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0.0))
    assert values["minority_f1"] == pytest.approx(sk.f1_score(y_true, y_pred, labels=[0], average="macro", zero_division=0.0))
    assert values["g_mean"] == pytest.approx(geometric_mean_score(y_true, y_pred, labels=labels, average="multiclass"))
    if len(np.unique(y_pred)) > 1:
        assert values["mcc"] == pytest.approx(sk.matthews_corrcoef(y_true, y_pred), abs=1e-12)
    assert values["roc_auc"] == pytest.approx(sk.roc_auc_score(y_true, proba, multi_class="ovr", average="macro", labels=labels))
    onehot = np.eye(len(labels))[y_true]
    assert values["average_precision"] == pytest.approx(sk.average_precision_score(onehot, proba, average="macro"))
    assert values["brier"] == pytest.approx(sk.brier_score_loss(y_true, proba, labels=labels))
    assert values["log_loss"] == pytest.approx(sk.log_loss(y_true, proba, labels=labels))
    assert notes["ece"] == metrics.BINARY_ONLY
