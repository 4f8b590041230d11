"""Synthetic data: exact counts, the knobs do what they say, the Bayes rule is right."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from imbalance_lab.datasets import class_counts, make_gaussian, make_imbalanced
from imbalance_lab.datasets.synthetic import check_synthetic, load_synthetic, synthetic_name
from imbalance_lab.errors import ConfigError, InvalidParameterError, UnknownNameError


@pytest.mark.parametrize("counts", [[900, 100], [100, 600, 300], [7, 5, 3, 1], [1000, 1]])
@pytest.mark.parametrize("kind", ["classification", "gaussian"])
def test_exact_counts(counts, kind):
    n_features = max(2, len(counts))
    if kind == "gaussian":
        X, y, _ = make_gaussian(counts, n_features=n_features, random_state=1)
    else:
        X, y = make_imbalanced(counts, n_features=n_features, random_state=1)
    assert class_counts(y) == dict(enumerate(counts))
    assert X.shape == (sum(counts), n_features)
    assert X.dtype == np.float64 and y.dtype == np.int64


def test_label_noise_keeps_counts_and_changes_labels():
    clean_X, clean_y = make_imbalanced([600, 300, 100], n_features=5, random_state=4)
    noisy_X, noisy_y = make_imbalanced([600, 300, 100], n_features=5, flip_y=0.2, random_state=4)
    np.testing.assert_array_equal(noisy_X, clean_X)  # same points ...
    assert class_counts(noisy_y) == class_counts(clean_y)  # ... same counts ...
    changed = np.mean(noisy_y != clean_y)
    # ... 200 rows get their labels shuffled among themselves; with shares .6/.3/.1 a shuffled label
    # differs with probability 1 - (.36 + .09 + .01) = .54, so about 0.2 * 0.54 = 10.8 % change.
    assert 0.07 < changed < 0.15


def test_separation_and_noise_move_accuracy_the_right_way():
    def accuracy(**params):
        X, y = make_imbalanced([300, 300], n_features=4, n_clusters_per_class=2, random_state=0, **params)
        return cross_val_score(LogisticRegression(), X, y, cv=3).mean()

    assert accuracy(class_sep=0.1) < accuracy(class_sep=0.5) < accuracy(class_sep=2.0)
    assert accuracy(class_sep=2.0, flip_y=0.4) < accuracy(class_sep=2.0) - 0.05


def test_dimension_and_informative_features():
    X, y = make_imbalanced([80, 20], n_features=12, n_informative=3, n_redundant=2, random_state=0)
    assert X.shape == (100, 12)
    # the 2 redundant columns are linear combinations of the 3 informative ones; the other 7 are
    # independent noise, so the 12 columns have rank 10 (columns are shuffled, so test the whole).
    assert np.linalg.matrix_rank(X) == 10


def test_seeded():
    a = make_imbalanced([50, 10], random_state=5)
    b = make_imbalanced([50, 10], random_state=5)
    c = make_imbalanced([50, 10], random_state=6)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


# ---------------------------------------------------------------- Gaussian: the known Bayes rule


def test_bayes_rule_closed_form_identity_covariance():
    # Identity covariance, means -D/2 and +D/2 on the first axis: the log-odds is
    # D * x0 + log(pi1 / pi0) -- derived by hand, not by the code under test.
    _, _, problem = make_gaussian([800, 200], n_features=3, class_sep=2.5)
    w, b = problem.bayes_coef()
    np.testing.assert_allclose(w, [2.5, 0, 0], atol=1e-12)
    assert b == pytest.approx(math.log(200 / 800))
    # equal priors: the textbook error Phi(-D/2)
    assert problem.bayes_error(priors=[0.5, 0.5]) == pytest.approx(norm.cdf(-1.25))


def test_logistic_regression_converges_to_the_bayes_rule():
    # Logistic regression is well specified for shared-covariance Gaussians, so with many rows
    # its coefficients approach the Bayes log-odds coefficients.
    X, y, problem = make_gaussian([16000, 4000], n_features=3, class_sep=2.0, covariance="random", random_state=7)
    model = LogisticRegression(C=1e6, max_iter=1000).fit(X, y)
    w, b = problem.bayes_coef()
    np.testing.assert_allclose(model.coef_[0], w, rtol=0.1, atol=0.05)
    assert model.intercept_[0] == pytest.approx(b, abs=0.1)
    X_test, _, _ = make_gaussian([2000, 2000], n_features=3, class_sep=2.0, covariance="random", random_state=7)
    fitted = model.predict_proba(X_test)[:, 1]
    bayes = problem.posterior(X_test)[:, 1]  # priors of the training data (.8/.2)
    assert np.mean(np.abs(fitted - bayes)) < 0.02


def test_bayes_error_matches_monte_carlo():
    X, y, problem = make_gaussian([60000, 20000], n_features=4, class_sep=1.5, covariance="random", random_state=2)
    empirical = np.mean(problem.predict(X) != y)
    se = math.sqrt(empirical * (1 - empirical) / y.size)
    assert abs(empirical - problem.bayes_error()) < 4 * se
    # and no fitted linear model beats it by more than noise on the same rows
    lda = LinearDiscriminantAnalysis().fit(X, y)
    assert np.mean(lda.predict(X) != y) >= empirical - 4 * se


def test_multiclass_posterior_agrees_with_lda():
    # LDA estimates exactly this model (shared covariance), so on many rows its posterior
    # approaches the closed form; the simplex puts every pair of means class_sep apart.
    X, y, problem = make_gaussian([3000, 6000, 9000], n_features=3, class_sep=2.0, covariance="random", random_state=3)
    S_inv = np.linalg.inv(problem.cov)
    for i in range(3):
        for j in range(i + 1, 3):
            d = problem.means[i] - problem.means[j]
            assert math.sqrt(d @ S_inv @ d) == pytest.approx(2.0)
    lda = LinearDiscriminantAnalysis().fit(X, y)
    assert np.mean(np.abs(lda.predict_proba(X[:3000]) - problem.posterior(X[:3000]))) < 0.02
    np.testing.assert_allclose(problem.posterior(X[:5]).sum(axis=1), 1.0)


def test_posterior_under_other_priors_is_prior_shift():
    _, _, problem = make_gaussian([900, 100], class_sep=2.0)
    x = np.array([[0.3, -0.1]])
    p_train = problem.posterior(x)[0, 1]
    p_balanced = problem.posterior(x, priors=[0.5, 0.5])[0, 1]
    # odds scale by (pi1'/pi0') / (pi1/pi0) = 1 / (1/9) = 9
    assert p_balanced / (1 - p_balanced) == pytest.approx(9 * p_train / (1 - p_train))


# ---------------------------------------------------------------- specs, names, bad input


def test_spec_loading_and_names():
    ds = load_synthetic({"counts": [600, 300, 100], "n_features": 5})
    assert ds.name == "synthetic_classification_600-300-100_n_features=5"
    assert class_counts(ds.y) == {0: 600, 1: 300, 2: 100}
    ds2 = load_synthetic({"n_samples": 1000, "weights": [0.9, 0.1], "kind": "gaussian", "name": "g"})
    assert ds2.name == "g" and class_counts(ds2.y) == {0: 900, 1: 100}
    assert synthetic_name({"n_samples": 10}) == "synthetic_classification_5-5"
    assert check_synthetic({"counts": [3, 2]})["random_state"] == 0  # seeded by default


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"counts": [100, 900]}, "params.counts"),  # binary: majority first
        ({"counts": [10]}, "params.counts"),
        ({"counts": [10, 0]}, "params.counts"),
        ({"counts": [10, 5], "n_samples": 15}, "params.counts"),
        ({"counts": [10, 5], "class_sep": -1}, "params.class_sep"),
        ({"counts": [10, 5], "flip_y": 1.5}, "params.flip_y"),
        ({"counts": [10, 5], "n_features": 2, "n_informative": 2, "n_redundant": 1}, "params.n_features"),
        ({"counts": [10, 5, 5], "n_informative": 1}, "params.n_informative"),
        ({"counts": [10, 5], "random_state": -1}, "params.random_state"),
        ({"counts": [10, 5], "kind": "moons"}, "params.kind"),
        ({"counts": [10, 5], "colour": "red"}, "params.colour"),
        ({"counts": [10, 5], "kind": "gaussian", "flip_y": 0.1}, "params.flip_y"),  # would break the Bayes rule
        ({"counts": [5, 4, 3, 2], "kind": "gaussian", "n_features": 2}, "params.n_features"),
    ],
)
def test_bad_parameters_name_the_field(params, field):
    params = dict(params)
    kind = params.pop("kind", "classification")
    counts = params.pop("counts", None)
    with pytest.raises(InvalidParameterError) as info:
        if kind == "gaussian":
            make_gaussian(counts, **params)
        elif kind == "classification":
            make_imbalanced(counts, **params)
        else:
            check_synthetic({"kind": kind, "counts": counts, **params}, field="params")
    assert info.value.name == field


def test_config_errors_carry_the_config_path():
    with pytest.raises(ConfigError) as info:
        check_synthetic({"counts": [5, 5], "class_sep": "far"}, "datasets[2].synthetic", error=ConfigError)
    assert info.value.name == "datasets[2].synthetic.class_sep"


# An unknown parameter was named by its path but got no suggestion.
def test_an_unknown_parameter_in_a_config_suggests_the_close_one():
    with pytest.raises(ConfigError) as info:
        check_synthetic({"counts": [50, 10], "n_featurs": 3}, "datasets[2].synthetic", error=ConfigError)
    assert str(info.value) == (
        "datasets[2].synthetic.n_featurs=3 is invalid: unknown parameter of kind 'classification'; "
        "did you mean 'n_features'?"
    )


def test_an_unknown_parameter_of_a_call_is_an_unknown_name_with_the_close_ones():
    with pytest.raises(UnknownNameError) as info:
        make_gaussian([50, 10], covariants="random")
    assert str(info.value) == (
        "params.covariants='random' is invalid: unknown parameter of kind 'gaussian'; "
        "did you mean 'covariance', 'counts'?"
    )
    assert (info.value.name, info.value.value) == ("params.covariants", "random")


def test_a_parameter_of_the_other_kind_lists_the_parameters_of_this_one():
    with pytest.raises(ConfigError) as info:
        check_synthetic({"kind": "gaussian", "counts": [9, 1], "flip_y": 0.1}, "synthetic", error=ConfigError)
    assert str(info.value) == (
        "synthetic.flip_y=0.1 is invalid: unknown parameter of kind 'gaussian'; choose one of 'class_sep', "
        "'counts', 'covariance', 'kind', 'n_features', 'n_samples', 'name', 'random_state', 'weights'"
    )
