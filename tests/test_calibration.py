"""Prior-shift correction and calibration metrics, checked against hand
computations, closed forms and independent fits (scipy / scikit-learn)."""

import ast
import inspect
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import make_pipeline
from imblearn.under_sampling import RandomUnderSampler
from scipy import optimize
from scipy.special import expit, logit
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import FixedThresholdClassifier
from sklearn.pipeline import make_pipeline as sk_make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from imbalance_lab import prior_shift_study as study
from imbalance_lab.calibration import (
    MetricUndefined,
    PriorCorrectedClassifier,
    calibration_intercept,
    calibration_slope,
    expected_calibration_error,
    metric_or_nan,
    prior_shift,
)
from imbalance_lab.commands import calibration as calibration_command
from imbalance_lab.errors import InvalidParameterError, UnitSkipped, UnknownNameError

UNPENALISED = {"C": np.inf, "solver": "newton-cholesky", "tol": 1e-10, "max_iter": 200}


# ---------------------------------------------------------------- prior_shift


def test_prior_shift_hand_computed_weight_nine():
    # p = q / (q + w (1 - q)) with w = 9: 0.5 / 5 = 0.1 and 0.8 / 2.6 = 0.307692...
    out = prior_shift([[0.5, 0.5], [0.2, 0.8]], [1, 9])
    np.testing.assert_allclose(out[:, 1], [0.1, 0.8 / 2.6], rtol=1e-12)
    assert round(out[1, 1], 4) == 0.3077
    np.testing.assert_allclose(out.sum(axis=1), 1.0)


def test_prior_shift_mapping_with_string_labels():
    out = prior_shift([[0.2, 0.8]], {"rare": 9, "common": 1}, classes=["common", "rare"])
    np.testing.assert_allclose(out, [[1.8 / 2.6, 0.8 / 2.6]])


def test_prior_shift_three_classes_hand_computed():
    # q / w = (0.2, 0.15, 0.1), sum 0.45
    out = prior_shift([[0.2, 0.3, 0.5]], [1, 2, 5])
    np.testing.assert_allclose(out, [[0.2 / 0.45, 0.15 / 0.45, 0.1 / 0.45]])


def _proba_rows(k):
    raw = arrays(np.float64, (5, k), elements=st.floats(0.01, 1.0))
    return raw.map(lambda a: a / a.sum(axis=1, keepdims=True))


weights_st = st.lists(st.floats(0.01, 100.0), min_size=3, max_size=3)


@settings(max_examples=60, deadline=None)
@given(_proba_rows(3), weights_st, st.floats(0.01, 100.0))
def test_prior_shift_invariants(q, w, scale):
    w = np.array(w)
    p = prior_shift(q, w)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    # only ratios of the factors matter
    np.testing.assert_allclose(prior_shift(q, w * scale), p, rtol=1e-9, atol=1e-12)
    # correcting by 1 / w undoes a correction by w
    np.testing.assert_allclose(prior_shift(p, 1 / w), q, rtol=1e-9, atol=1e-12)
    # equal factors change nothing
    np.testing.assert_allclose(prior_shift(q, [scale] * 3), q, rtol=1e-9, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.01, 100.0), st.floats(0.01, 100.0))
def test_prior_shift_binary_formula(q, w0, w1):
    w = w1 / w0
    expected = q / (q + w * (1 - q))
    out = prior_shift([[1 - q, q]], [w0, w1])
    assert out[0, 1] == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    "proba, weights, classes, name, shown",
    [
        ([[0.5, 0.5]], [1, 2, 3], None, "weights", "[1.0, 2.0, 3.0]"),
        ([[0.5, 0.5]], [1, 0], None, "weights", "0.0"),
        ([[0.5, 0.5]], [1, -2], None, "weights", "-2.0"),
        ([[0.5, 0.5]], [1, float("nan")], None, "weights", "nan"),
        ([[0.5, 0.5]], [1, float("inf")], None, "weights", "inf"),
        ([[0.5, 0.5]], {0: 1, 2: 3}, [0, 1], "weights", "{0: 1, 2: 3}"),
        ([[0.5, 0.5]], {0: 1, 1: 3}, None, "classes", "None"),
        ([[0.5, 0.5]], [1, 2], [0, 1, 2], "classes", "[0, 1, 2]"),
        ([[1.2, -0.2]], [1, 2], None, "proba", "1.2"),
        ([[0.5, float("nan")]], [1, 2], None, "proba", "nan"),
        ([[0.5, 0.6]], [1, 2], None, "proba", "row 0 summing to 1.1"),
        ([0.5, 0.5], [1, 2], None, "proba", "shape (2,)"),
        ([[1.0]], [1], None, "proba", "shape (1, 1)"),
    ],
)
def test_prior_shift_bad_input_names_the_value(proba, weights, classes, name, shown):
    with pytest.raises(InvalidParameterError) as info:
        prior_shift(proba, weights, classes=classes)
    assert info.value.name == name
    assert shown in str(info.value)


# ---------------------------------------------------- PriorCorrectedClassifier


@pytest.fixture(scope="module")
def imbalanced():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 2))
    y = (rng.random(1000) < expit(-2.2 + X @ [1.0, -0.5])).astype(int)
    n0, n1 = np.bincount(y)
    assert 60 < n1 < 200
    return X, y, n0, n1


def _auto_factors(estimator, X, y, **fit_params):
    return PriorCorrectedClassifier(estimator).fit(X, y, **fit_params).weights_


@pytest.mark.parametrize(
    "sampler, expected",
    [
        # to 1:1 by copies or synthetic rows: the minority is seen n0 times in all
        (RandomOverSampler(random_state=0), lambda n0, n1: [1.0, n0 / n1]),
        (SMOTE(random_state=0), lambda n0, n1: [1.0, n0 / n1]),
        # to 1:1 by dropping: n1 of the n0 majority rows remain
        (RandomUnderSampler(random_state=0), lambda n0, n1: [n1 / n0, 1.0]),
    ],
    ids=["random_over", "smote", "random_under"],
)
def test_auto_factors_of_a_sampler(imbalanced, sampler, expected):
    X, y, n0, n1 = imbalanced
    w = _auto_factors(make_pipeline(sampler, LogisticRegression()), X, y)
    np.testing.assert_allclose(w, expected(n0, n1))


def test_auto_factors_class_weight_balanced(imbalanced):
    X, y, n0, n1 = imbalanced
    w = _auto_factors(LogisticRegression(class_weight="balanced"), X, y)
    n = n0 + n1
    np.testing.assert_allclose(w, [n / (2 * n0), n / (2 * n1)])


def test_auto_factors_sample_weight_plain_and_in_pipeline(imbalanced):
    X, y, n0, n1 = imbalanced
    sw = np.where(y == 1, 5.0, 1.0)
    sw[:10] *= 2  # uneven weights inside a class: the factor is the class mean
    mean0, mean1 = sw[y == 0].mean(), sw[y == 1].mean()
    plain = _auto_factors(LogisticRegression(), X, y, sample_weight=sw)
    np.testing.assert_allclose(plain, [mean0, mean1])
    piped = _auto_factors(
        make_pipeline(StandardScaler(), LogisticRegression()), X, y, logisticregression__sample_weight=sw
    )
    np.testing.assert_allclose(piped, [mean0, mean1])


def test_auto_factors_sampler_and_class_weight(imbalanced):
    X, y, n0, n1 = imbalanced
    est = make_pipeline(
        RandomOverSampler(sampling_strategy=0.5, random_state=0),
        LogisticRegression(class_weight={0: 1, 1: 3}),
    )
    w = _auto_factors(est, X, y)
    seen1 = int(0.5 * n0)  # imbalanced-learn's count for a 0.5 minority:majority ratio
    np.testing.assert_allclose(w, [1.0, 3 * seen1 / n1])


def test_auto_factors_exact_copies_times_class_weight(imbalanced):
    # the seed's 6 = 3 copies x weight 2
    from imbalance_lab.resampling import ReplicationSampler

    X, y, _, _ = imbalanced
    est = make_pipeline(
        ReplicationSampler(factors={1: 3}), LogisticRegression(class_weight={0: 1, 1: 2})
    )
    np.testing.assert_allclose(_auto_factors(est, X, y), [1.0, 6.0])


def test_auto_factors_two_samplers_and_nested_pipeline(imbalanced):
    X, y, n0, n1 = imbalanced
    est = make_pipeline(
        RandomOverSampler(sampling_strategy=0.5, random_state=0),
        RandomUnderSampler(random_state=0),
        sk_make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced")),
    )
    model = PriorCorrectedClassifier(est).fit(X, y)
    seen = int(0.5 * n0)  # both classes end with this many rows, so "balanced" weighs 1 each
    np.testing.assert_allclose(model.weights_, [seen / n0, seen / n1])
    # the recorder is gone: the fitted object is the plain pipeline
    assert isinstance(model.estimator_.steps[-1][1].steps[-1][1], LogisticRegression)


def test_auto_factors_multiclass_string_labels():
    rng = np.random.default_rng(1)
    y = np.array(["a"] * 60 + ["b"] * 30 + ["c"] * 10)
    X = rng.standard_normal((100, 2)) + (y == "b")[:, None] + 2 * (y == "c")[:, None]
    model = PriorCorrectedClassifier(LogisticRegression(class_weight="balanced")).fit(X, y)
    # balanced: n / (K n_c) -> 100 / 180, 100 / 90, 100 / 30 (the seed's 6 / 1 / 2 shape)
    np.testing.assert_allclose(model.weights_, [100 / 180, 100 / 90, 100 / 30])
    assert list(model.classes_) == ["a", "b", "c"]
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict(X)) <= {"a", "b", "c"}


def test_corrected_probabilities_and_predictions_use_the_binary_formula(imbalanced):
    X, y, n0, n1 = imbalanced
    model = PriorCorrectedClassifier(LogisticRegression(class_weight={0: 1, 1: 9})).fit(X, y)
    q = model.estimator_.predict_proba(X)[:, 1]
    expected = q / (q + 9 * (1 - q))
    np.testing.assert_allclose(model.predict_proba(X)[:, 1], expected, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), (expected > 0.5).astype(int))
    # the weighted model alone predicts the minority far more often
    assert model.estimator_.predict(X).sum() > 3 * model.predict(X).sum()


def test_saturated_weighted_model_corrected_equals_unweighted_exactly():
    # One categorical feature, one-hot: the logistic model is saturated, so each
    # MLE reproduces the cell frequencies: weighted w * n1 / (w * n1 + n0),
    # unweighted n1 / (n1 + n0). Correcting the first gives the second exactly
    # (up to the solver's tolerance).
    cells = {0: (300, 20), 1: (150, 30), 2: (50, 25)}  # cell: (n0, n1)
    X_rows, y_rows = [], []
    for cell, (n0, n1) in cells.items():
        X_rows += [cell] * (n0 + n1)
        y_rows += [0] * n0 + [1] * n1
    X = np.eye(3)[X_rows]
    y = np.array(y_rows)
    w = 7.0
    lr = {**UNPENALISED, "fit_intercept": False}
    corrected = PriorCorrectedClassifier(LogisticRegression(**lr), weights=[1, w]).fit(
        X, y, sample_weight=np.where(y == 1, w, 1.0)
    )
    unweighted = LogisticRegression(**lr).fit(X, y)
    grid = np.eye(3)
    frequencies = [n1 / (n0 + n1) for n0, n1 in cells.values()]
    np.testing.assert_allclose(corrected.predict_proba(grid)[:, 1], frequencies, atol=1e-7)
    np.testing.assert_allclose(unweighted.predict_proba(grid)[:, 1], frequencies, atol=1e-7)


def test_weighted_logistic_regression_corrected_is_close_to_unweighted():
    # Correctly specified model: the weighted MLE is consistent for the same
    # slopes and for the intercept + ln(w). The corrected weighted fit and the
    # unweighted fit differ only by sampling error. Tolerance: 4 standard
    # errors of the difference of linear predictors at each test point,
    # bounded by sqrt(var_unweighted + var_weighted) (the two are positively
    # correlated, so the true SE is smaller); variances by the delta method,
    # the unweighted from the Fisher information, the weighted from the
    # sandwich estimator.
    rng = np.random.default_rng(7)
    n, w = 20_000, 5.0
    X = rng.standard_normal((n, 2))
    y = (rng.random(n) < expit(-2.5 + X @ [1.0, -0.7])).astype(int)
    sw = np.where(y == 1, w, 1.0)
    unweighted = LogisticRegression(**UNPENALISED).fit(X, y)
    corrected = PriorCorrectedClassifier(LogisticRegression(**UNPENALISED)).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(corrected.weights_[1] / corrected.weights_[0], w)

    Xd = np.column_stack([np.ones(n), X])
    p_u = unweighted.predict_proba(X)[:, 1]
    cov_u = np.linalg.inv(Xd.T @ (Xd * (p_u * (1 - p_u))[:, None]))
    p_w = corrected.estimator_.predict_proba(X)[:, 1]
    bread = np.linalg.inv(Xd.T @ (Xd * (sw * p_w * (1 - p_w))[:, None]))
    meat = Xd.T @ (Xd * (sw**2 * (y - p_w) ** 2)[:, None])
    cov_w = bread @ meat @ bread

    grid = np.column_stack([np.ones(50), rng.standard_normal((50, 2))])
    se = np.sqrt(np.einsum("ij,jk,ik->i", grid, cov_u + cov_w, grid))
    eta_u = logit(unweighted.predict_proba(grid[:, 1:])[:, 1])
    eta_c = logit(corrected.predict_proba(grid[:, 1:])[:, 1])
    eta_raw = logit(corrected.estimator_.predict_proba(grid[:, 1:])[:, 1])
    assert np.all(np.abs(eta_c - eta_u) <= 4 * se)
    # without the correction the weighted model is ln(5) = 1.61 off: far outside
    assert np.all(np.abs(eta_raw - eta_u) > 4 * se)


def test_explicit_weights_are_validated_before_fitting(imbalanced):
    X, y, _, _ = imbalanced

    class NoFit(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            raise AssertionError("fit must not start on bad weights")

    for weights, shown in (({0: 1, 2: 5}, "{0: 1, 2: 5}"), ([1, 2, 3], "[1.0, 2.0, 3.0]"), ([1, 0], "0.0")):
        with pytest.raises(InvalidParameterError) as info:
            PriorCorrectedClassifier(NoFit(), weights=weights).fit(X, y)
        assert info.value.name == "weights" and shown in str(info.value)
    with pytest.raises(InvalidParameterError, match="weights='balanced'"):
        PriorCorrectedClassifier(NoFit(), weights="balanced").fit(X, y)


def test_auto_refuses_resampling_hidden_in_a_meta_estimator(imbalanced):
    X, y, _, _ = imbalanced
    hidden = FixedThresholdClassifier(
        make_pipeline(RandomOverSampler(random_state=0), LogisticRegression())
    )
    with pytest.raises(InvalidParameterError, match="hides"):
        PriorCorrectedClassifier(hidden).fit(X, y)


def test_class_vanishing_under_zero_weight_is_an_error(imbalanced):
    X, y, _, _ = imbalanced
    with pytest.raises(InvalidParameterError, match="sample_weight"):
        PriorCorrectedClassifier(LogisticRegression()).fit(X, y, sample_weight=(y == 0) * 1.0)


def test_model_without_probabilities_is_skipped(imbalanced):
    X, y, _, _ = imbalanced
    with pytest.raises(UnitSkipped, match="LinearSVC has no predict_proba"):
        PriorCorrectedClassifier(LinearSVC()).fit(X, y)


# array-API checks are skipped without SCIPY_ARRAY_API; one check casts NaN on purpose
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
def test_passes_scikit_learn_estimator_checks():
    from sklearn.utils.estimator_checks import check_estimator

    check_estimator(PriorCorrectedClassifier(LogisticRegression()))


# ------------------------------------------------------------------------ ECE


def test_ece_hand_count():
    p = [0.05, 0.15, 0.35, 0.45, 0.75, 0.95]
    y = [0, 1, 0, 1, 1, 1]
    # bin [0, .5]: 4 rows, mean p .25, share .5; bin (.5, 1]: 2 rows, .85 vs 1
    assert expected_calibration_error(y, p, n_bins=2) == pytest.approx(4 / 6 * 0.25 + 2 / 6 * 0.15)
    # equal mass, 3 bins of 2 rows: |.1 - .5|, |.4 - .5|, |.85 - 1|
    assert expected_calibration_error(y, p, n_bins=3, strategy="quantile") == pytest.approx(
        (0.4 + 0.1 + 0.15) / 3
    )


def test_ece_value_on_an_inner_edge_falls_in_the_lower_bin():
    # as in sklearn.calibration.calibration_curve: 0.5 joins 0.2 in bin [0, .5]
    assert expected_calibration_error([1, 0], [0.5, 0.2], n_bins=2) == pytest.approx(0.15)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_ece_matches_calibration_curve_bins(strategy):
    rng = np.random.default_rng(3)
    n, n_bins = 1000, 10  # (n - 1) * k / n_bins is never whole: no quantile edge on a data point
    p = rng.beta(1, 3, n)
    y = (rng.random(n) < p**1.3).astype(int)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
    if strategy == "uniform":
        edges = np.linspace(0, 1, n_bins + 1)
    else:
        edges = np.percentile(p, np.linspace(0, 100, n_bins + 1))
    counts = np.histogram(p, bins=edges)[0]
    counts = counts[counts > 0]
    expected = np.sum(counts / n * np.abs(prob_true - prob_pred))
    assert expected_calibration_error(y, p, n_bins, strategy) == pytest.approx(expected, rel=1e-12)


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, 30, elements=st.floats(0, 1)),
    arrays(np.int64, 30, elements=st.integers(0, 1)),
    st.integers(1, 15),
    st.sampled_from(["uniform", "quantile"]),
)
def test_ece_properties(p, y, n_bins, strategy):
    ece = expected_calibration_error(y, p, n_bins, strategy)
    assert 0 <= ece <= 1
    # never more than the mean absolute error per row, never less than one bin's gap
    assert ece <= np.mean(np.abs(y - p)) + 1e-12
    assert ece >= abs(np.mean(y) - np.mean(p)) - 1e-12
    assert expected_calibration_error(y, p, 1, strategy) == pytest.approx(abs(np.mean(y) - np.mean(p)))
    assert expected_calibration_error(y, y.astype(float), n_bins, strategy) == pytest.approx(0)


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"n_bins": 0}, InvalidParameterError, "n_bins"),
        ({"n_bins": 2.5}, InvalidParameterError, "n_bins"),
        ({"strategy": "equal"}, UnknownNameError, "strategy"),
        ({"y_true": [0, 2]}, InvalidParameterError, "y_true"),
        ({"y_true": ["a", "b"]}, InvalidParameterError, "y_true"),
        ({"p": [0.5, 1.5]}, InvalidParameterError, "p"),
        ({"p": [0.5]}, InvalidParameterError, "p"),
        ({"y_true": [], "p": []}, InvalidParameterError, "y_true"),
    ],
)
def test_calibration_metrics_bad_input(kwargs, error, name):
    args = {"y_true": [0, 1], "p": [0.2, 0.7], **kwargs}
    with pytest.raises(error) as info:
        expected_calibration_error(**args)
    assert info.value.name == name
    if "n_bins" not in kwargs and "strategy" not in kwargs:
        for func in (calibration_intercept, calibration_slope):
            with pytest.raises(error):
                func(args["y_true"], args["p"])


# ------------------------------------------------------------------ intercept


def test_intercept_closed_form_for_constant_p():
    y = np.array([1] * 30 + [0] * 70)
    p = np.full(100, 0.1)
    # sigmoid(a + logit .1) = .3  =>  a = logit(.3) - logit(.1)
    assert calibration_intercept(y, p) == pytest.approx(math.log(0.3 / 0.7) - math.log(0.1 / 0.9), abs=1e-10)


def test_intercept_matches_an_independent_likelihood_fit_and_shifts_with_an_offset():
    rng = np.random.default_rng(5)
    p = rng.beta(2, 5, 500)
    y = (rng.random(500) < p).astype(int)
    offset = logit(p)

    def nll(a):
        eta = a + offset
        return np.sum(np.logaddexp(0, eta) - y * eta)

    reference = optimize.minimize_scalar(nll, bounds=(-5, 5), method="bounded", options={"xatol": 1e-10}).x
    a = calibration_intercept(y, p)
    assert a == pytest.approx(reference, abs=1e-6)
    # shifting every logit by c shifts the intercept by -c
    assert calibration_intercept(y, expit(offset + 1.3)) == pytest.approx(a - 1.3, abs=1e-9)


def test_intercept_of_calibrated_probabilities_is_near_zero():
    rng = np.random.default_rng(11)
    p = expit(rng.normal(-1.5, 1.0, 20_000))
    y = (rng.random(p.size) < p).astype(int)
    se = 1 / math.sqrt(np.sum(p * (1 - p)))  # from the Fisher information of a
    assert abs(calibration_intercept(y, p)) < 4 * se


def test_intercept_and_slope_undefined_with_one_class():
    p = np.array([0.2, 0.4, 0.9])
    for func in (calibration_intercept, calibration_slope):
        with pytest.raises(MetricUndefined) as info:
            func(np.zeros(3), p)
        assert info.value.reason == "y_true holds one class only"
        value, reason = metric_or_nan(func, np.ones(3), p)
        assert math.isnan(value) and reason == "y_true holds one class only"


def test_intercept_handles_probabilities_of_exactly_zero_and_one():
    a = calibration_intercept([0, 1, 1, 0], [0.0, 1.0, 0.6, 0.3])
    assert math.isfinite(a)


# ---------------------------------------------------------------------- slope


def test_slope_of_the_true_model_is_one_and_halves_when_logits_double():
    rng = np.random.default_rng(2)
    eta = rng.normal(-1.0, 1.5, 20_000)
    p = expit(eta)
    y = (rng.random(p.size) < p).astype(int)
    # SE of the slope from the Fisher information of (a, b) at the truth (0, 1)
    design = np.column_stack([np.ones_like(eta), eta])
    info = design.T @ (design * (p * (1 - p))[:, None])
    se = math.sqrt(np.linalg.inv(info)[1, 1])
    slope = calibration_slope(y, p)
    assert abs(slope - 1) < 4 * se
    # logit(p2) = 2 logit(p): the fitted slope is exactly half
    assert calibration_slope(y, expit(2 * eta)) == pytest.approx(slope / 2, rel=1e-6)
    assert calibration_slope(y, expit(2 * eta)) == pytest.approx(0.5, abs=4 * se / 2)


def test_slope_matches_an_independent_likelihood_fit():
    rng = np.random.default_rng(4)
    p = rng.beta(2, 3, 400)
    y = (rng.random(400) < p**0.7).astype(int)
    x = logit(p)

    def nll(theta):
        eta = theta[0] + theta[1] * x
        return np.sum(np.logaddexp(0, eta) - y * eta)

    reference = optimize.minimize(nll, [0.0, 1.0], method="BFGS", options={"gtol": 1e-10}).x
    assert calibration_slope(y, p) == pytest.approx(reference[1], abs=1e-5)


@pytest.mark.parametrize(
    "y, p, reason",
    [
        ([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3], "p is constant, so the slope is not identifiable"),
        ([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.9], "logit(p) separates the classes, so the slope is infinite"),
        ([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.9], "logit(p) separates the classes, so the slope is infinite"),
        ([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9], "logit(p) separates the classes, so the slope is infinite"),
    ],
)
def test_slope_undefined_cases(y, p, reason):
    value, why = metric_or_nan(calibration_slope, y, p)
    assert math.isnan(value) and why == reason


def test_metric_or_nan_passes_values_and_input_errors_through():
    assert metric_or_nan(calibration_intercept, [0, 1], [0.5, 0.5]) == (pytest.approx(0.0, abs=1e-10), None)
    with pytest.raises(InvalidParameterError):
        metric_or_nan(calibration_intercept, [0, 1], [0.5, 2.0])


# ------------------------------------------------- the prior-shift study (fast)

# ln(prev / (1 - prev)), the intercept of a model re-balanced to 1:1
EXPECTED_REBALANCED = {0.3: -0.847, 0.1: -2.197, 0.01: -4.595}


def test_expected_values_are_the_log_odds_of_the_prevalence():
    for prev, value in EXPECTED_REBALANCED.items():
        assert math.log(prev / (1 - prev)) == pytest.approx(value, abs=5e-4)


@pytest.mark.parametrize("prevalence", [0.3, 0.01])
def test_simulated_prevalence_matches_the_target(prevalence):
    rng = np.random.default_rng(9)
    n = 200_000
    _, y = study.simulate(n, prevalence, [0.5] * 5, rng)
    assert abs(y.mean() - prevalence) < 4 * math.sqrt(prevalence * (1 - prevalence) / n)


def test_intercept_standard_error_formula_against_monte_carlo():
    # SE^2 = 1 / (n_test E[p(1-p)]) + 1 / (e (1 - prev)) + 3 / e, e = n_train prev
    prev, coef, n_train, n_test = 0.1, [0.5] * 5, 20_000, 100_000
    rng = np.random.default_rng(2)
    X = rng.standard_normal((400_000, 5))
    p = expit(study.intercept_for_prevalence(prev, coef) + X @ coef)
    events = n_train * prev
    by_simulation = math.sqrt(
        1 / (n_test * np.mean(p * (1 - p))) + 1 / (events * (1 - prev)) + 3 / events
    )
    assert study.intercept_standard_error(prev, coef, n_train, n_test) == pytest.approx(
        by_simulation, rel=0.01
    )


def _assert_intercepts_within_simulation_error(table):
    """Each mean intercept lies within 4 nominal standard errors of its
    expected value (SE from the sample sizes, see intercept_standard_error),
    and every uncorrected re-balanced one lies far from 0."""
    for row in table.itertuples():
        rebalanced = row.scheme != "none" and not row.corrected
        expected = EXPECTED_REBALANCED[row.prevalence] if rebalanced else 0.0
        assert row.expected_intercept == pytest.approx(expected, abs=5e-4)
        assert abs(row.intercept - expected) <= 4 * row.intercept_se_nominal, row
        if rebalanced:
            assert abs(row.intercept) > 10 * row.intercept_se_nominal


def test_study_intercepts_land_within_simulation_error():
    result = study.run_study(n_train=10_000, n_test=20_000, repeats=1, random_state=0)
    table = study.summarise(result)
    assert len(table) == 3 * 5 * 2
    _assert_intercepts_within_simulation_error(table)
    # the measured factor of a 1:1 re-balancing is n0 / n1 of the training set
    rows = result.rows[result.rows.scheme != "none"]
    events = rows.n_events_train
    np.testing.assert_allclose(rows.factor_ratio, (10_000 - events) / events)
    assert (result.rows[result.rows.scheme == "none"].factor_ratio == 1).all()
    assert set(result.reliability.columns) >= {"mean_predicted", "observed", "scheme", "corrected"}


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"prevalences": [0.3, 1.0]}, "prevalence"),
        ({"prevalences": "0.3"}, "prevalences"),
        ({"n_train": 0}, "n_train"),
        ({"repeats": 2.5}, "repeats"),
        ({"coef": []}, "coef"),
        ({"schemes": ["none", "smote_x"]}, "schemes"),
        ({"random_state": -1}, "random_state"),
    ],
)
def test_study_bad_parameters_name_the_value(kwargs, name):
    with pytest.raises(InvalidParameterError) as info:
        study.run_study(**kwargs)
    assert info.value.name == name


# ------------------------------------------------ the notebook and its command


def test_stored_notebook_has_no_outputs_and_documented_parameters():
    import nbformat
    import papermill

    nb = nbformat.read(calibration_command.NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    tagged = [cell for cell in nb.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1
    inferred = papermill.inspect_notebook(str(calibration_command.NOTEBOOK))
    assert all(p["help"] for p in inferred.values())
    # the notebook's defaults are those of run_study
    defaults = inspect.signature(study.run_study).parameters
    for name in ("n_train", "n_test", "repeats", "k_neighbors", "random_state"):
        assert ast.literal_eval(inferred[name]["default"]) == defaults[name].default
    assert ast.literal_eval(inferred["prevalences"]["default"]) == list(defaults["prevalences"].default)


def test_command_rejects_bad_parameters_before_the_kernel_starts(tmp_path, monkeypatch, capsys):
    from imbalance_lab import cli

    with pytest.raises(InvalidParameterError, match="repeats=0"):
        calibration_command.execute(tmp_path, {"repeats": 0})
    with pytest.raises(InvalidParameterError, match="parameters=\\['n_rows'\\]"):
        calibration_command.execute(tmp_path, {"n_rows": 5})
    with pytest.raises(InvalidParameterError, match="notebook="):
        calibration_command.execute(tmp_path, {}, notebook=tmp_path / "missing.ipynb")
    monkeypatch.setattr(cli, "COMMANDS", {"calibration": cli.COMMANDS["calibration"]})
    assert cli.main(["calibration", "--out", str(tmp_path), "--prevalences", "0.3", "1.5"]) == 2
    assert "prevalence=1.5 is invalid" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.notebook
@pytest.mark.slow
def test_calibration_notebook_runs_and_intercepts_land_within_simulation_error(tmp_path):
    import nbformat
    import pandas as pd

    parameters = {"n_train": 20_000, "n_test": 20_000, "repeats": 1}
    output = calibration_command.execute(tmp_path, parameters, progress_bar=False)
    assert output == tmp_path / "calibration.ipynb"
    for name in ("intercepts.csv", "replicates.csv", "intercepts.png", "reliability.png"):
        assert (tmp_path / name).stat().st_size > 0
    executed = nbformat.read(output, as_version=4)
    assert not [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    _assert_intercepts_within_simulation_error(pd.read_csv(tmp_path / "intercepts.csv"))


# ------------------------------------------- the sizes the study can run


def _parameters(**changes):
    """run_study's parameters, as check_parameters takes them."""
    defaults = {
        name: p.default
        for name, p in inspect.signature(study.run_study).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    return {**defaults, **changes}


@pytest.fixture
def ten_gib(monkeypatch):
    """10 GiB available: the study may plan 80 % of it, 8 GiB = 8589934592 bytes."""
    monkeypatch.setattr(study, "available_memory", lambda: 10 * 2**30)


def test_row_bytes_formula():
    # 8 bytes x (6 (d + 1) + 6) per training row, 8 x (4 (d + 1) + 6) per test row
    assert study.row_bytes(5) == (336, 240)
    assert study.row_bytes(1) == (144, 112)


def test_n_test_minimum_hand_computed(ten_gib):
    # both classes in every test set: 10 repeats x (0.99^n + 0.01^n) <= 1e-3
    # -> n >= ln(1e-4) / ln(0.99) = 916.42, so 917
    base = _parameters(prevalences=[0.01], n_train=20_000, repeats=10)
    with pytest.raises(InvalidParameterError) as info:
        study.check_parameters(**{**base, "n_test": 916})
    assert info.value.name == "n_test" and info.value.value == 916
    assert str(info.value).startswith("n_test=916 is invalid: an integer >= 917: ")
    assert study.check_parameters(**{**base, "n_test": 917})["n_test"] == 917


def test_n_train_minimum_for_smote_hand_computed(ten_gib):
    # k_neighbors=1: SMOTE needs 2 rows of each class; at prevalence 0.5 and one
    # repeat the risk is 2 x P(Bin(n, 0.5) <= 1) = 2 (n + 1) / 2^n:
    # n = 14 -> 30 / 16384 = 0.00183 > 1e-3, n = 15 -> 32 / 32768 = 0.00098
    base = _parameters(prevalences=[0.5], repeats=1, k_neighbors=1, n_test=20_000)
    with pytest.raises(InvalidParameterError, match=r"^n_train=14 is invalid: an integer >= 15: .*k_neighbors \+ 1 = 2"):
        study.check_parameters(**{**base, "n_train": 14})
    study.check_parameters(**{**base, "n_train": 15})
    # without SMOTE one row of each class is enough: 2 x 0.5^n <= 1e-3 -> n >= 11
    assert study.minimum_rows([0.5], 1, 1) == 11
    study.check_parameters(**{**base, "n_train": 11, "schemes": ["none", "random_under"]})


def test_n_train_100_of_the_fresh_user_is_refused_with_the_true_minimum(ten_gib):
    # the default study: smallest n with 10 x sum over p of P(a class of Bin(n, p) has <= 5 rows) <= 1e-3,
    # summed here term by term (an independent count, not scipy)
    def risk(n):
        def below(q):
            return sum(math.comb(n, j) * q**j * (1 - q) ** (n - j) for j in range(6))

        return 10 * sum(below(p) + below(1 - p) for p in (0.3, 0.1, 0.01))

    expected = next(n for n in range(12, 5000) if risk(n) <= 1e-3)
    assert expected == 1950
    with pytest.raises(InvalidParameterError) as info:
        study.check_parameters(**_parameters(n_train=100))
    assert str(info.value).startswith("n_train=100 is invalid: an integer >= 1950: ")
    study.check_parameters(**_parameters(n_train=1950))


def test_memory_bound_names_the_largest_size_with_its_maximum(ten_gib):
    # need = 0.5 GiB (kernel) + 336 n_train + 240 n_test + 2048 x 2 x prevalences x 5 schemes x repeats
    # at most 8 GiB: n_train <= (8 GiB - 0.5 GiB - 240 x 100000 - 20480) / 336 = 23895961
    base = _parameters(prevalences=[0.3], repeats=1)
    with pytest.raises(InvalidParameterError, match=r"^n_train=100000000 is invalid: at most 23895961 with"):
        study.check_parameters(**{**base, "n_train": 100_000_000})
    study.check_parameters(**{**base, "n_train": 23_895_961})
    with pytest.raises(InvalidParameterError, match=r"^n_train=23895962 is invalid: at most 23895961 "):
        study.check_parameters(**{**base, "n_train": 23_895_962})
    # repeats <= (8 GiB - 0.5 GiB - 336 x 20000 - 240 x 100000) / 20480 = 391716
    with pytest.raises(InvalidParameterError, match=r"^repeats=10000000 is invalid: at most 391716 with"):
        study.check_parameters(**{**base, "repeats": 10_000_000})
    # n_test <= (8 GiB - 0.5 GiB - 336 x 20000 - 20480) / 240 = 33526346
    with pytest.raises(InvalidParameterError, match=r"^n_test=100000000 is invalid: at most 33526346 with"):
        study.check_parameters(**{**base, "n_test": 100_000_000})


def test_available_memory_is_positive_and_at_most_the_machine():
    import os

    physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert 0 < study.available_memory() <= physical


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--n-train", "100"], "n_train=100 is invalid: an integer >= 1950: "),
        (["--n-train", "100000000", "--repeats", "1"], "n_train=100000000 is invalid: at most 23895840 with"),
    ],
)
def test_command_refuses_sizes_before_any_folder_or_kernel(tmp_path, monkeypatch, capsys, ten_gib, argv, message):
    # second case, 8 GiB usable: (8 GiB - 0.5 GiB - 240 x 100000 - 2048 x 2 x 3 x 5) / 336 = 23895840
    from imbalance_lab import cli, kernels

    def never(*args, **kwargs):
        raise AssertionError("the notebook ran")

    monkeypatch.setattr(kernels, "execute_notebook", never)
    out = tmp_path / "calibration"
    assert cli.main(["calibration", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"imbalance-lab calibration: error: {message}") and err.count("\n") == 1
    assert not out.exists()

