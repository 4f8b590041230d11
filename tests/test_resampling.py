"""Exact replication, the size x weight split, the sampler registry and the
feasibility check; copies = weights for logistic regression; imbalanced-learn's
and scikit-learn's own estimator checks."""

import math
from types import SimpleNamespace
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imblearn.combine import SMOTEENN
from imblearn.over_sampling import ADASYN, SMOTE, BorderlineSMOTE, RandomOverSampler
from imblearn.pipeline import Pipeline
from imblearn.under_sampling import EditedNearestNeighbours, NearMiss, TomekLinks
from imblearn.utils.estimator_checks import check_param_validation
from imblearn.utils.estimator_checks import parametrize_with_checks as imblearn_checks
from scipy import sparse
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors
from sklearn.utils.estimator_checks import parametrize_with_checks as sklearn_checks

from imbalance_lab.errors import InvalidParameterError, UnitSkipped, UnknownNameError
from imbalance_lab.resampling import (
    SAMPLERS,
    ReplicationSampler,
    check_sampler_feasible,
    make_sampler,
    split_factor,
)
from imbalance_lab.weights import sample_weights


def labelled_rows(counts, labels=None, seed=0, n_features=2):
    """Shuffled rows with ``counts[i]`` rows of ``labels[i]`` and Gaussian features."""
    labels = list(range(len(counts))) if labels is None else labels
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.repeat(np.array(labels, dtype=object if isinstance(labels[0], str) else None), counts))
    return rng.normal(size=(y.size, n_features)), y


def appearances(sampler, n_rows):
    return np.bincount(sampler.sample_indices_, minlength=n_rows)


# ------------------------------------------------------------- exact copies


def test_integer_factors_copy_every_row_exactly_k_times():
    X, y = labelled_rows([7, 3, 5])
    sampler = ReplicationSampler(factors={1: 3, 2: 2})
    X_res, y_res = sampler.fit_resample(X, y)
    expected = np.select([y == 1, y == 2], [3, 2], default=1)
    assert appearances(sampler, y.size).tolist() == expected.tolist()
    assert np.bincount(y_res).tolist() == [7, 9, 10]
    np.testing.assert_array_equal(X_res, X[sampler.sample_indices_])
    np.testing.assert_array_equal(y_res, y[sampler.sample_indices_])
    assert sampler.sample_indices_[: y.size].tolist() == list(range(y.size))  # input first
    assert sampler.sampling_strategy_ == {1: 6, 2: 5}


def test_integer_factors_do_not_depend_on_the_seed():
    X, y = labelled_rows([7, 3])
    runs = [ReplicationSampler(factors={1: 4}, random_state=s).fit_resample(X, y)[0] for s in (0, 1, None)]
    for X_res in runs[1:]:
        np.testing.assert_array_equal(X_res, runs[0])


def test_fractional_factor_copies_floor_k_and_draws_the_rest_without_replacement():
    X, y = labelled_rows([10, 40])
    sampler = ReplicationSampler(factors={1: 2.5}, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    counts = appearances(sampler, y.size)[y == 1]
    assert set(counts.tolist()) == {2, 3}  # floor(2.5) = 2 copies, the remainder at most once more
    assert (counts == 3).sum() == 20  # round(0.5 * 40) rows drawn
    assert (y_res == 1).sum() == 100  # round(2.5 * 40)


def test_fractional_remainder_rounds_half_up():
    X, y = labelled_rows([4, 3])
    _, y_res = ReplicationSampler(factors={1: 1.5}, random_state=0).fit_resample(X, y)
    assert (y_res == 1).sum() == 5  # 1.5 * 3 = 4.5 -> 5


def test_fractional_remainder_is_seeded():
    X, y = labelled_rows([10, 40])

    def drawn(seed):
        sampler = ReplicationSampler(factors={1: 1.5}, random_state=seed)
        sampler.fit_resample(X, y)
        return sampler.sample_indices_[y.size :].tolist()

    assert drawn(3) == drawn(3)
    assert drawn(3) != drawn(4)  # 20 of 40 rows: C(40, 20) possible draws


def test_without_factors_every_class_goes_to_the_majority_count():
    X, y = labelled_rows([30, 10, 6])
    sampler = ReplicationSampler(random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [30, 30, 30]
    counts = appearances(sampler, y.size)
    assert set(counts[y == 1].tolist()) == {3}  # 30 = 3 x 10: exact copies
    assert set(counts[y == 2].tolist()) == {5}  # 30 = 5 x 6
    assert set(counts[y == 0].tolist()) == {1}


def test_without_factors_a_target_that_is_no_multiple_is_as_exact_as_possible():
    X, y = labelled_rows([25, 10])
    sampler = ReplicationSampler(random_state=0)
    sampler.fit_resample(X, y)
    counts = appearances(sampler, y.size)[y == 1]
    assert sorted(counts.tolist()) == [2] * 5 + [3] * 5  # 25 = 2 x 10 + 5 drawn


def test_sampling_strategy_dict_is_followed():
    X, y = labelled_rows([20, 5, 8])
    _, y_res = ReplicationSampler(sampling_strategy={1: 15}, random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [20, 15, 8]


def test_random_over_sampler_draws_with_replacement_replication_does_not():
    X, y = labelled_rows([30, 10])
    ros = RandomOverSampler(random_state=0)
    ros.fit_resample(X, y)
    ros_counts = appearances(ros, y.size)[y == 1]
    assert ros_counts.sum() == 30 and set(ros_counts.tolist()) != {3}
    for seed in range(5):
        rep = ReplicationSampler(random_state=seed)
        rep.fit_resample(X, y)
        assert set(appearances(rep, y.size)[y == 1].tolist()) == {3}


def test_string_labels_and_data_frames():
    X, y = labelled_rows([6, 2], labels=["neg", "pos"])
    X_df = pd.DataFrame(X, columns=["a", "b"], index=np.arange(100, 108))
    y_s = pd.Series(y, name="label", index=X_df.index)
    sampler = ReplicationSampler(factors={"pos": 3})
    X_res, y_res = sampler.fit_resample(X_df, y_s)
    assert isinstance(X_res, pd.DataFrame) and list(X_res.columns) == ["a", "b"]
    assert X_res.index.tolist() == list(range(12))
    assert y_res.name == "label" and y_res.value_counts().to_dict() == {"neg": 6, "pos": 6}
    np.testing.assert_array_equal(X_res.to_numpy(), X[sampler.sample_indices_])


def test_sparse_input_stays_sparse():
    X, y = labelled_rows([6, 2])
    X_res, _ = ReplicationSampler(factors={1: 2}).fit_resample(sparse.csr_matrix(X), y)
    assert sparse.issparse(X_res) and X_res.shape == (10, 2)


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize("factor", [0.5, 0, -2, math.nan, math.inf, True, "2"])
def test_a_factor_below_one_or_not_a_number_is_rejected(factor):
    X, y = labelled_rows([6, 2])
    sampler = ReplicationSampler(factors={1: factor})
    with pytest.raises(InvalidParameterError) as info:
        sampler.fit_resample(X, y)
    assert info.value.name == "factors[1]" and info.value.value is factor
    assert not hasattr(sampler, "sample_indices_")  # raised before any work


def test_a_factor_for_a_label_absent_from_y_is_rejected():
    X, y = labelled_rows([6, 2])
    with pytest.raises(InvalidParameterError, match=r"^factors=\{'1': 2\} .*labels \['1'\] are not classes of y"):
        ReplicationSampler(factors={"1": 2}).fit_resample(X, y)
    with pytest.raises(InvalidParameterError, match="labels"):
        ReplicationSampler(factors={"1": 2}).fit(X, y)


def test_factors_and_a_sampling_strategy_together_are_ambiguous():
    X, y = labelled_rows([6, 2])
    with pytest.raises(InvalidParameterError, match=r"^sampling_strategy='minority'"):
        ReplicationSampler(factors={1: 2}, sampling_strategy="minority").fit_resample(X, y)


def test_factors_must_be_a_mapping():
    X, y = labelled_rows([6, 2])
    with pytest.raises(ValueError, match="'factors' parameter .* Got \\[2\\]"):
        ReplicationSampler(factors=[2]).fit_resample(X, y)


def test_an_absurd_factor_is_refused_before_any_allocation(monkeypatch):
    X, y = labelled_rows([6, 2])
    monkeypatch.setattr(np, "tile", lambda *a: pytest.fail("copied rows despite an absurd factor"))
    sampler = ReplicationSampler(factors={1: 1e12})
    with pytest.raises(InvalidParameterError) as info:
        sampler.fit_resample(X, y)
    # even a one-row class with one feature makes round(1e12) rows of 24 bytes
    assert info.value.name == "factors[1]" and info.value.value == 1e12
    assert "at least 1,000,000,000,000 rows" in str(info.value) and "memory available" in str(info.value)
    assert not hasattr(sampler, "sample_indices_")
    with pytest.raises(
        InvalidParameterError, match=r"^params\.factors\[1\]=1000000000000.0 .*at least 1,000,000,000,000 rows"
    ):
        make_sampler("replicate", factors={1: 1e12})  # what config parsing calls


def _available(n_bytes):
    return mock.patch("psutil.virtual_memory", return_value=SimpleNamespace(available=n_bytes))


def test_the_output_size_of_these_rows_is_what_is_checked(monkeypatch):
    X, y = labelled_rows([6, 2], n_features=3)  # float64 X, int64 y
    # by hand: 6 + 2 * 50 = 106 rows of 3 * 8 (X) + 8 (y) + 8 (index) = 40 bytes: 4240 bytes
    with _available(4240):
        Xr, _ = ReplicationSampler(factors={1: 50}).fit_resample(X, y)
    assert Xr.shape == (106, 3)
    monkeypatch.setattr(np, "tile", lambda *a: pytest.fail("copied rows past the bound"))
    with _available(4239), pytest.raises(InvalidParameterError) as info:
        ReplicationSampler(factors={1: 50}).fit_resample(X, y)
    assert info.value.name == "factors" and info.value.value == {1: 50}
    assert "it would make 106 rows (about 4.24 KB at 40 bytes a row)" in str(info.value)
    # without factors, the target counts of sampling_strategy are what is named
    with _available(4239), pytest.raises(InvalidParameterError, match=r"^sampling_strategy=\{1: 100\}.* 106 rows"):
        ReplicationSampler(sampling_strategy={1: 100}).fit_resample(X, y)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(1, 30), min_size=2, max_size=3),
    factor=st.floats(1, 40),
    n_features=st.integers(1, 5),
    available=st.integers(0, 40_000),
)
def test_refused_exactly_when_the_output_would_not_fit(counts, factor, n_features, available):
    X, y = labelled_rows(counts, n_features=n_features)
    minority = int(np.argmin(counts))
    n_out = sum(counts) - counts[minority] + math.floor(factor * counts[minority] + 0.5)
    needed = n_out * (8 * n_features + 8 + 8)  # X float64, y int64, sample_indices_ intp
    with _available(available):
        sampler = ReplicationSampler(factors={minority: factor}, random_state=0)
        # the check without data (a one-row class, one feature) is a lower
        # bound of this one, so it never refuses an output that fits
        if needed > available:
            with pytest.raises(InvalidParameterError, match="fits in memory"):
                sampler.fit_resample(X, y)
        else:
            assert sampler.fit_resample(X, y)[0].shape == (n_out, n_features)


def test_one_class_is_rejected():
    with pytest.raises(ValueError, match="more than 1 class"):
        ReplicationSampler(factors={0: 2}).fit_resample(np.zeros((4, 1)), np.zeros(4))


def test_fit_gives_the_same_strategy_as_fit_resample():
    X, y = labelled_rows([6, 4])
    assert ReplicationSampler(factors={1: 2.5}).fit(X, y).sampling_strategy_ == {1: 6}


# ------------------------------------------ copies = weights (the seed's claims)


def tight_logistic_regression(**kwargs):
    return LogisticRegression(solver="lbfgs", tol=1e-12, max_iter=100_000, **kwargs)


@pytest.fixture(scope="module")
def imbalanced():
    return make_classification(
        n_samples=300, n_features=5, n_informative=3, weights=[0.85], flip_y=0.05, random_state=0
    )


def assert_same_fit(a, b):
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=0, atol=1e-6)


def test_copying_the_minority_three_times_equals_class_weight_three(imbalanced):
    X, y = imbalanced
    X_res, y_res = ReplicationSampler(factors={1: 3}).fit_resample(X, y)
    copied = tight_logistic_regression().fit(X_res, y_res)
    weighted = tight_logistic_regression(class_weight={0: 1, 1: 3}).fit(X, y)
    assert_same_fit(copied, weighted)
    # and the claim is not vacuous: without the weight the fit differs
    plain = tight_logistic_regression().fit(X, y)
    assert np.abs(plain.coef_ - weighted.coef_).max() > 1e-2


def test_replication_inside_an_imblearn_pipeline_equals_class_weight(imbalanced):
    X, y = imbalanced
    pipe = Pipeline([("copies", ReplicationSampler(factors={1: 3})), ("model", tight_logistic_regression())])
    pipe.fit(X, y)
    assert pipe.predict(X).shape == y.shape  # the sampler acts at fit time only
    assert_same_fit(pipe.named_steps["model"], tight_logistic_regression(class_weight={0: 1, 1: 3}).fit(X, y))


def test_six_times_weight_equals_three_copies_times_two_weight(imbalanced):
    X, y = imbalanced
    size, weight = split_factor(6, math.log(3) / math.log(6), integer_size=True)
    assert (size, weight) == (3, pytest.approx(2.0, rel=1e-12))
    weighted6 = tight_logistic_regression().fit(X, y, sample_weight=sample_weights(y, {0: 1, 1: 6}))
    X6, y6 = ReplicationSampler(factors={1: 6}).fit_resample(X, y)
    copied6 = tight_logistic_regression().fit(X6, y6)
    X3, y3 = ReplicationSampler(factors={1: size}).fit_resample(X, y)
    mixed = tight_logistic_regression().fit(X3, y3, sample_weight=sample_weights(y3, {0: 1, 1: weight}))
    assert_same_fit(weighted6, copied6)
    assert_same_fit(weighted6, mixed)


# --------------------------------------------------------------- split_factor


def test_split_factor_reproduces_the_seeds_six_is_three_times_two():
    assert split_factor(6, math.log(3) / math.log(6)) == (pytest.approx(3, rel=1e-12), pytest.approx(2, rel=1e-12))
    assert round(math.log(3) / math.log(6), 3) == 0.613
    size, weight = split_factor(6, 0.613, integer_size=True)
    assert type(size) is int and (size, weight) == (3, 2.0)


@pytest.mark.parametrize(
    "total, share, expected",
    [(6, 0, (1, 6)), (6, 1, (6, 1)), (16, 0.5, (4, 4)), (1, 0.3, (1, 1)), (100, 0.25, (math.sqrt(10), 10 ** 1.5))],
)
def test_split_factor_is_a_log_scale_split(total, share, expected):
    assert split_factor(total, share) == (pytest.approx(expected[0], rel=1e-12), pytest.approx(expected[1], rel=1e-12))


def test_integer_size_rounds_and_moves_the_rest_into_the_weight():
    assert split_factor(2.6, 1, integer_size=True) == (3, pytest.approx(2.6 / 3))
    assert split_factor(10, 0.5, integer_size=True) == (3, pytest.approx(10 / 3))  # sqrt(10) = 3.16
    assert split_factor(1.2, 0.1, integer_size=True) == (1, pytest.approx(1.2))


@pytest.mark.parametrize(
    "total, share, name",
    [(0.5, 0.5, "total"), (0, 0.5, "total"), (-3, 0.5, "total"), (math.inf, 0.5, "total"), (math.nan, 0.5, "total"),
     ("6", 0.5, "total"), (6, -0.1, "size_share"), (6, 1.1, "size_share"), (6, math.nan, "size_share")],
)
def test_split_factor_bad_input_names_the_argument(total, share, name):
    with pytest.raises(InvalidParameterError) as info:
        split_factor(total, share)
    assert info.value.name == name


@settings(max_examples=200, deadline=None)
@given(
    total=st.floats(min_value=1, max_value=1e6),
    share=st.floats(min_value=0, max_value=1),
    integer_size=st.booleans(),
)
def test_split_factor_product_is_the_total(total, share, integer_size):
    size, weight = split_factor(total, share, integer_size=integer_size)
    assert size * weight == pytest.approx(total, rel=1e-12)
    if integer_size:
        assert type(size) is int and size >= 1
        assert abs(size - total**share) <= 0.5 or size == 1


# ------------------------------------------------------------------ properties


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_replication_counts_are_exact_for_any_integer_factors(data):
    counts = data.draw(st.lists(st.integers(1, 12), min_size=2, max_size=4))
    factors = {c: data.draw(st.integers(1, 4)) for c in range(len(counts))}
    X, y = labelled_rows(counts, seed=data.draw(st.integers(0, 1000)))
    sampler = ReplicationSampler(factors=factors)
    X_res, y_res = sampler.fit_resample(X, y)
    assert appearances(sampler, y.size).tolist() == [factors[label] for label in y]
    np.testing.assert_array_equal(X_res, X[sampler.sample_indices_])
    np.testing.assert_array_equal(y_res, y[sampler.sample_indices_])


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_fractional_factors_give_floor_or_floor_plus_one_copies(data):
    counts = data.draw(st.lists(st.integers(1, 12), min_size=2, max_size=4))
    factors = {c: data.draw(st.floats(1, 4)) for c in range(len(counts))}
    X, y = labelled_rows(counts)
    sampler = ReplicationSampler(factors=factors, random_state=data.draw(st.integers(0, 2**31 - 1)))
    _, y_res = sampler.fit_resample(X, y)
    seen = appearances(sampler, y.size)
    for c, n_c in enumerate(counts):
        k = factors[c]
        assert set(seen[y == c].tolist()) <= {math.floor(k), math.floor(k) + 1}
        assert (y_res == c).sum() == math.floor(k * n_c + 0.5)


# ------------------------------------------------------------------- registry


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_every_registered_name_builds_its_sampler(name):
    params = {"categorical_features": [0]} if name == "smotenc" else {}
    sampler = make_sampler(name, random_state=7, **params)
    assert type(sampler) is SAMPLERS[name]
    assert hasattr(sampler, "fit_resample")
    if "random_state" in sampler.get_params():
        assert sampler.get_params()["random_state"] == 7


def test_make_sampler_passes_parameters_and_seed():
    sampler = make_sampler("smote", random_state=3, k_neighbors=2)
    assert isinstance(sampler, SMOTE) and sampler.get_params()["k_neighbors"] == 2
    assert sampler.get_params()["random_state"] == 3
    assert isinstance(make_sampler("tomek_links", random_state=3), TomekLinks)  # deterministic: no seed
    assert make_sampler("replicate", factors={1: 3}).factors == {1: 3}


def test_make_sampler_by_import_path():
    assert isinstance(make_sampler("imblearn.over_sampling:ADASYN", random_state=1), ADASYN)
    assert isinstance(make_sampler("imbalance_lab.resampling:ReplicationSampler"), ReplicationSampler)


def test_unknown_sampler_name_suggests_close_names():
    with pytest.raises(UnknownNameError, match="name='smot' .*'smote'"):
        make_sampler("smot")


@pytest.mark.parametrize(
    "name, fragment",
    [("no_such_module_xyz:Thing", "importable module"), ("imblearn.over_sampling:Nope", "no attribute"),
     ("sklearn.linear_model:LogisticRegression", "a sampler class"), ("imblearn.over_sampling:", "import path"),
     (42, "a sampler name")],
)
def test_bad_import_paths_are_rejected(name, fragment):
    with pytest.raises(InvalidParameterError, match=r"^name=") as info:
        make_sampler(name)
    assert fragment in str(info.value)


# Found by a fresh user: make_sampler named an unknown parameter as
# params='k_neighbours' and a refused value as params={...} (the parent, not
# the parameter with its value), while a config naming the same got
# schemes[0].params.k_neighbours=5 with a suggestion.


def test_unknown_sampler_parameter_is_named_by_its_path_with_its_value():
    with pytest.raises(UnknownNameError) as info:
        make_sampler("smote", k_neighbours=5)
    assert str(info.value) == (
        "params.k_neighbours=5 is invalid: unknown parameter of sampler 'smote'; did you mean 'k_neighbors'?"
    )
    assert (info.value.name, info.value.value) == ("params.k_neighbours", 5)
    assert "k_neighbors" in info.value.choices


SMOTE_K_NEIGHBORS = (
    "The 'k_neighbors' parameter of SMOTE must be an int in the range [1, inf) or an object implementing "
    "'kneighbors' and 'kneighbors_graph'. Got {} instead."
)


def test_a_value_imbalanced_learn_refuses_names_that_parameter():
    with pytest.raises(InvalidParameterError) as info:
        make_sampler("smote", k_neighbors=-1)
    assert str(info.value) == "params.k_neighbors=-1 is invalid: " + SMOTE_K_NEIGHBORS.format(-1)
    assert (info.value.name, info.value.value) == ("params.k_neighbors", -1)


def test_of_several_parameters_the_refused_one_is_named():
    # imbalanced-learn checks them all in one call; each is then tried alone
    with pytest.raises(InvalidParameterError) as info:
        make_sampler("smote", random_state=3, sampling_strategy="auto", k_neighbors=0)
    assert str(info.value) == "params.k_neighbors=0 is invalid: " + SMOTE_K_NEIGHBORS.format(0)
    with pytest.raises(InvalidParameterError) as info:
        make_sampler("random_under", replacement=True, sampling_strategy="bogus")
    assert (info.value.name, info.value.value) == ("params.sampling_strategy", "bogus")
    assert "The 'sampling_strategy' parameter of RandomUnderSampler" in str(info.value)


def test_a_refused_seed_is_named_as_the_argument_it_is():
    with pytest.raises(InvalidParameterError) as info:
        make_sampler("smote", random_state="seed")
    assert str(info.value).startswith("random_state='seed' is invalid: The 'random_state' parameter of SMOTE ")


def test_our_samplers_own_checks_are_named_under_params():
    with pytest.raises(InvalidParameterError) as info:
        make_sampler("replicate", factors={1: 0.5})
    assert (info.value.name, info.value.value) == ("params.factors[1]", 0.5)
    assert str(info.value).startswith("params.factors[1]=0.5 is invalid: a finite factor >= 1 ")


def test_missing_required_sampler_parameter_is_named():
    with pytest.raises(InvalidParameterError) as info:
        make_sampler("smotenc")
    assert str(info.value) == (
        "params.categorical_features=None is invalid: sampler 'smotenc' needs categorical_features= "
        "(it has no default)"
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"level": 2, "size": 3, "mode": "c"}, "params.mode='c' is invalid: mode must be 'a' or 'b'"),
        # the required parameter is in every trial, so a bad one takes its own blame
        ({"size": 2, "level": -3}, "params.level=-3 is invalid: level must be >= 0"),
        # only the combination is refused: the whole mapping is named
        ({"mode": "b", "level": 1, "size": 5},
         "params={'mode': 'b', 'level': 1, 'size': 5} is invalid: mode 'b' takes size 1 only"),
    ],
)
def test_a_foreign_constructor_error_names_the_parameter(params, message):
    # the foreign sampler of the config-path test (tests/test_schemes.py); a
    # ValueError of its constructor was let through as it was
    with pytest.raises(InvalidParameterError) as info:
        make_sampler("test_schemes:PickySampler", **params)
    assert str(info.value) == message


# ---------------------------------------------------------------- feasibility


def _runs(sampler, X, y):
    try:
        sampler.fit_resample(X, y)
    except (ValueError, RuntimeError):
        return False
    return True


FEASIBILITY_CASES = [
    # (sampler, class counts, feasible?)
    (SMOTE(k_neighbors=5, random_state=0), [30, 5], False),
    (SMOTE(k_neighbors=5, random_state=0), [30, 6], True),
    (SMOTE(k_neighbors=NearestNeighbors(n_neighbors=4), random_state=0), [30, 3], False),
    (SMOTE(k_neighbors=NearestNeighbors(n_neighbors=4), random_state=0), [30, 4], True),
    # only the classes to be oversampled count: class 2 is left alone here
    (SMOTE(k_neighbors=2, sampling_strategy={1: 20}, random_state=0), [20, 3, 2], True),
    (SMOTE(k_neighbors=2, random_state=0), [20, 3, 2], False),
    (SMOTE(sampling_strategy=0.5, random_state=0), [20, 6, 6], False),  # float ratio: binary only
    (ADASYN(n_neighbors=5, random_state=0), [30, 5], False),
    (ADASYN(n_neighbors=5, random_state=0), [30, 6], True),
    (BorderlineSMOTE(k_neighbors=2, m_neighbors=10, random_state=0), [7, 3], False),  # 10 rows < 11
    (BorderlineSMOTE(k_neighbors=2, m_neighbors=10, random_state=0), [8, 3], True),
    (NearMiss(version=1, n_neighbors=3), [20, 2], False),
    (NearMiss(version=1, n_neighbors=3), [20, 3], True),
    (EditedNearestNeighbours(n_neighbors=3), [2, 1], False),
    (EditedNearestNeighbours(n_neighbors=3), [3, 2], True),
    (SMOTEENN(smote=SMOTE(k_neighbors=5), random_state=0), [30, 5], False),
    (SMOTEENN(smote=SMOTE(k_neighbors=5), random_state=0), [30, 6], True),
    (RandomOverSampler(random_state=0), [5], False),
    (ReplicationSampler(), [30, 1], True),
    (ReplicationSampler(factors={1: 2}), [30, 1], True),
]


@pytest.mark.parametrize(
    "sampler, counts, feasible", FEASIBILITY_CASES, ids=[f"{type(s).__name__}-{c}" for s, c, _ in FEASIBILITY_CASES]
)
def test_feasibility_verdict_matches_what_imblearn_does(sampler, counts, feasible):
    X, y = labelled_rows(counts, n_features=3)
    before = sampler.get_params(deep=False)
    if feasible:
        check_sampler_feasible(sampler, y)
    else:
        with pytest.raises(UnitSkipped):
            check_sampler_feasible(sampler, y)
    assert sampler.get_params(deep=False) == before  # never lowered
    # independent of our rule: imbalanced-learn itself succeeds or fails
    assert _runs(sampler, X, y) is feasible


def test_skip_reason_names_the_parameter_and_the_counts():
    _, y = labelled_rows([30, 5])
    with pytest.raises(UnitSkipped) as info:
        check_sampler_feasible(make_sampler("smote", k_neighbors=5), y)
    reason = info.value.reason
    assert "k_neighbors=5" in reason and "at least 6 rows in class 1" in reason and "have 5" in reason
    assert "not lowered" in reason


# --------------------------------------------- imbalanced-learn's and sklearn's checks

# A fixed seed: some checks compare two fits (dense vs sparse, list vs array),
# and the fractional remainder of an 'auto' target is drawn at random.


_imblearn_mark = imblearn_checks([ReplicationSampler(random_state=0)])
# imbalanced-learn hands pytest a generator, which pytest deprecates: make it a list
_names, _cases = _imblearn_mark.args


@pytest.mark.parametrize(_names, list(_cases), **_imblearn_mark.kwargs)
def test_imblearn_sampler_checks(estimator, check):
    check(estimator)


@sklearn_checks([ReplicationSampler(random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_imblearn_parameter_validation_check():
    check_param_validation("ReplicationSampler", ReplicationSampler(random_state=0))
