"""Threshold schemes: hand-computed thresholds, and tuned thresholds checked
against scikit-learn's own TunedThresholdClassifierCV with its named scorers."""

import math

import numpy as np
import pytest
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import (
    FixedThresholdClassifier,
    StratifiedKFold,
    TunedThresholdClassifierCV,
)
from sklearn.svm import LinearSVC

from imbalance_lab.calibration import PriorCorrectedClassifier
from imbalance_lab.errors import InvalidParameterError, UnitSkipped, UnknownNameError
from imbalance_lab.thresholds import (
    check_threshold_spec,
    cost_threshold,
    decision_threshold,
    make_threshold_classifier,
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 2))
    y = (rng.random(400) < expit(-1.8 + X @ [1.2, 0.6])).astype(int)
    return X, y


def test_prior_threshold_is_the_training_share_of_the_positive_class():
    y = np.array([1] * 30 + [0] * 170)
    clf = make_threshold_classifier(LogisticRegression(), {"threshold": "prior"}, y, positive=1)
    assert isinstance(clf, FixedThresholdClassifier)
    assert clf.threshold == pytest.approx(30 / 200)
    assert clf.pos_label == 1 and clf.response_method == "predict_proba"
    # labels not called 0/1, positive = the minority
    labels = np.where(y == 1, "rare", "common")
    clf = make_threshold_classifier(LogisticRegression(), {"threshold": "prior"}, labels, positive="rare")
    assert clf.threshold == pytest.approx(0.15) and clf.pos_label == "rare"


def test_prior_threshold_predictions_threshold_the_positive_probability(data):
    X, y = data
    for positive in (1, 0):
        clf = make_threshold_classifier(
            LogisticRegression(), {"threshold": "prior"}, y, positive=positive
        ).fit(X, y)
        share = np.mean(y == positive)
        column = list(clf.classes_).index(positive)
        p = clf.estimator_.predict_proba(X)[:, column]
        np.testing.assert_array_equal(clf.predict(X) == positive, p >= share)
        assert decision_threshold(clf) == pytest.approx(share)


@pytest.mark.parametrize("c_fp, c_fn, expected", [(1, 9, 0.1), (2, 3, 0.4), (5, 5, 0.5), (0.5, 1.5, 0.25)])
def test_cost_threshold_hand_computed(c_fp, c_fn, expected):
    assert cost_threshold(c_fp, c_fn) == pytest.approx(expected)
    spec = {"threshold": "cost", "c_fp": c_fp, "c_fn": c_fn}
    clf = make_threshold_classifier(LogisticRegression(), spec, [0, 1, 0, 0], positive=1)
    assert clf.threshold == pytest.approx(expected)


def test_cost_threshold_minimises_expected_cost_of_calibrated_probabilities():
    # Elkan: with calibrated p, deciding positive costs (1 - p) c_FP and
    # negative p c_FN; the cheaper side switches exactly at p*.
    c_fp, c_fn = 1.0, 4.0
    p_star = cost_threshold(c_fp, c_fn)
    for p in (p_star - 1e-9, p_star + 1e-9):
        positive_is_cheaper = (1 - p) * c_fp < p * c_fn
        assert positive_is_cheaper == (p >= p_star)


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "1", True, None])
@pytest.mark.parametrize("key", ["c_fp", "c_fn"])
def test_costs_must_be_finite_and_positive(key, bad):
    spec = {"threshold": "cost", "c_fp": 1, "c_fn": 9, key: bad}
    with pytest.raises(InvalidParameterError) as info:
        make_threshold_classifier(LogisticRegression(), spec, [0, 1], positive=1)
    assert info.value.name == f"scheme.{key}"
    assert f"scheme.{key}={bad!r}" in str(info.value)


@pytest.mark.parametrize(
    "metric, reference",
    [
        ("balanced_accuracy", "balanced_accuracy"),
        ("minority_f1", "f1"),
        ("mcc", "matthews_corrcoef"),
    ],
)
def test_tuned_threshold_matches_scikit_learn_named_scorers(data, metric, reference):
    X, y = data
    spec = {"threshold": "tuned", "metric": metric, "cv": 4, "n_thresholds": 30}
    ours = make_threshold_classifier(LogisticRegression(), spec, y, positive=1, random_state=3).fit(X, y)
    cv = StratifiedKFold(n_splits=4, shuffle=True, random_state=3)
    theirs = TunedThresholdClassifierCV(LogisticRegression(), scoring=reference, cv=cv, thresholds=30)
    theirs.fit(X, y)
    assert ours.best_threshold_ == pytest.approx(theirs.best_threshold_)
    assert ours.best_score_ == pytest.approx(theirs.best_score_)
    assert decision_threshold(ours) == pytest.approx(theirs.best_threshold_)


def test_tuned_minority_f1_scores_the_positive_class_when_it_is_labelled_zero(data):
    X, y = data
    flipped = 1 - y  # the minority is now label 0
    spec = {"threshold": "tuned", "metric": "minority_f1", "n_thresholds": 30}
    ours = make_threshold_classifier(LogisticRegression(), spec, flipped, positive=0, random_state=0)
    ours.fit(X, flipped)
    reference = TunedThresholdClassifierCV(
        LogisticRegression(),
        scoring=make_scorer(f1_score, pos_label=0),
        cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=0),
        thresholds=30,
    ).fit(X, flipped)
    assert ours.best_threshold_ == pytest.approx(reference.best_threshold_)
    # a threshold on P(label 0): low, since label 0 is rare
    assert ours.best_threshold_ < 0.5


def test_tuned_threshold_is_reproducible_and_seeded(data):
    X, y = data
    spec = {"threshold": "tuned", "cv": 3, "n_thresholds": 20}

    def tuned(seed):
        clf = make_threshold_classifier(LogisticRegression(), spec, y, positive=1, random_state=seed)
        return clf.fit(X, y).best_threshold_

    assert tuned(1) == tuned(1)
    assert len({tuned(seed) for seed in range(4)}) > 1


def test_tuned_threshold_works_on_decision_function_and_reports_no_probability_threshold(data):
    X, y = data
    clf = make_threshold_classifier(LinearSVC(), {"threshold": "tuned"}, y, positive=1, random_state=0)
    clf.fit(X, y)
    assert math.isnan(decision_threshold(clf))
    assert set(clf.predict(X)) <= {0, 1}


@pytest.mark.parametrize("kind", ["prior", "cost"])
def test_probability_threshold_needs_predict_proba(kind):
    spec = {"threshold": kind, "c_fp": 1, "c_fn": 2} if kind == "cost" else {"threshold": kind}
    with pytest.raises(UnitSkipped, match="LinearSVC has no predict_proba"):
        make_threshold_classifier(LinearSVC(), spec, [0, 1, 1], positive=1)


@pytest.mark.parametrize("kind", ["prior", "cost", "tuned"])
def test_multiclass_and_single_class_training_folds_are_skipped(kind):
    spec = {"threshold": kind, "c_fp": 1, "c_fn": 2} if kind == "cost" else {"threshold": kind}
    with pytest.raises(UnitSkipped, match="binary labels; the training fold has 3 classes"):
        make_threshold_classifier(LogisticRegression(), spec, [0, 1, 2, 1], positive=1)
    with pytest.raises(UnitSkipped, match="has 1 classes"):
        make_threshold_classifier(LogisticRegression(), spec, [1, 1, 1], positive=1)


def test_tuned_threshold_with_too_few_rows_per_fold_is_skipped():
    y = [1, 1, 1] + [0] * 20
    with pytest.raises(UnitSkipped, match=r"cv=5 needs at least 5 rows of each class"):
        make_threshold_classifier(LogisticRegression(), {"threshold": "tuned"}, y, positive=1)


def test_positive_must_be_a_training_label():
    with pytest.raises(InvalidParameterError, match="positive=2"):
        make_threshold_classifier(LogisticRegression(), {"threshold": "prior"}, [0, 1], positive=2)


@pytest.mark.parametrize(
    "spec, error, name, fragment",
    [
        ({"threshold": "prio"}, UnknownNameError, "scheme.threshold", "did you mean 'prior'"),
        ({"threshold": "cost", "c_fp": 1}, InvalidParameterError, "scheme.c_fn", "required"),
        ({"threshold": "prior", "c_fp": 1}, UnknownNameError, "scheme.c_fp", "choose one of 'correct'"),
        ({"threshold": "cost", "c_fp": 1, "c_fn": 2, "cfn": 3}, UnknownNameError, "scheme.cfn", "did you mean 'c_fn'"),
        ({"threshold": "tuned", "metric": "roc_auc"}, UnknownNameError, "scheme.metric", "unknown metric"),
        ({"threshold": "tuned", "cv": 1}, InvalidParameterError, "scheme.cv", "an integer >= 2"),
        ({"threshold": "tuned", "cv": True}, InvalidParameterError, "scheme.cv", "an integer >= 2"),
        ({"weight": "balanced"}, InvalidParameterError, "scheme", "'threshold' key"),
        ("prior", InvalidParameterError, "scheme", "'threshold' key"),
    ],
)
def test_bad_specs_name_the_field_and_value(spec, error, name, fragment):
    with pytest.raises(error) as info:
        check_threshold_spec(spec)
    assert info.value.name == name
    assert fragment in str(info.value)


# An unknown key was named by its path but got no suggestion.
@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"threshold": "tuned", "metrc": "mcc"},
         "schemes[2].metrc='mcc' is invalid: unknown key of threshold 'tuned'; did you mean 'metric'?"),
        ({"threshold": "cost", "c_fp": 1, "c_fn": 2, "cfn": 3},
         "schemes[2].cfn=3 is invalid: unknown key of threshold 'cost'; did you mean 'c_fn', 'c_fp'?"),
        ({"threshold": "tuned", "corect": True},
         "schemes[2].corect=True is invalid: unknown key of threshold 'tuned'; did you mean 'correct'?"),
        ({"threshold": "prior", "c_fp": 1},
         "schemes[2].c_fp=1 is invalid: unknown key of threshold 'prior'; choose one of 'correct'"),
    ],
)
def test_an_unknown_key_is_named_with_its_value_and_the_close_keys(spec, message):
    with pytest.raises(UnknownNameError) as info:
        check_threshold_spec(spec, field="schemes[2]")
    assert str(info.value) == message


def test_spec_defaults_and_the_correct_modifier():
    assert check_threshold_spec({"threshold": "tuned"}) == {
        "threshold": "tuned",
        "metric": "balanced_accuracy",
        "cv": 5,
        "n_thresholds": 100,
    }
    assert check_threshold_spec({"threshold": "prior", "correct": True}) == {"threshold": "prior"}
    with pytest.raises(InvalidParameterError, match=r"schemes\[2\]\.c_fn"):
        check_threshold_spec({"threshold": "cost", "c_fp": 1}, field="schemes[2]")


def test_threshold_on_prior_corrected_probabilities(data):
    # correct: true with a threshold: the threshold acts on corrected probabilities
    X, y = data
    inner = PriorCorrectedClassifier(LogisticRegression(class_weight="balanced"))
    spec = {"threshold": "cost", "c_fp": 1, "c_fn": 3, "correct": True}
    clf = make_threshold_classifier(inner, spec, y, positive=1).fit(X, y)
    corrected = clf.estimator_.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(clf.predict(X), (corrected >= 0.25).astype(int))


def test_decision_threshold_of_plain_classifiers(data):
    X, y = data
    assert decision_threshold(LogisticRegression().fit(X, y)) == 0.5
    three = np.arange(len(y)) % 3
    assert math.isnan(decision_threshold(LogisticRegression().fit(X, three)))
    assert math.isnan(decision_threshold(LinearSVC().fit(X, y)))
