"""Class-weight schemes and sample weights, checked against hand-computed
values, scikit-learn's own functions and invariants (hypothesis)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import log_loss
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

from imbalance_lab.errors import InvalidParameterError, UnknownNameError
from imbalance_lab.weights import (
    WEIGHT_SCHEMES,
    check_integer,
    check_scheme,
    class_weights,
    normalise_class_weights,
    sample_weights,
)

# The seed's example: class shares 10 / 60 / 30 %.
SEED_COUNTS = [10, 60, 30]
INT_LABELS = [0, 1, 2]
STR_LABELS = ["rare", "common", "middle"]


def labels_with_counts(labels, counts, seed=0):
    y = np.repeat(np.asarray(labels, dtype=object if isinstance(labels[0], str) else None), counts)
    return np.random.default_rng(seed).permutation(y)


# ----------------------------------------------------------------- balanced


@pytest.mark.parametrize("labels", [INT_LABELS, STR_LABELS])
def test_balanced_seed_example(labels):
    y = labels_with_counts(labels, SEED_COUNTS)
    w = class_weights(y, "balanced")
    # n / (K n_c) = 100 / (3 * n_c), by hand
    expected = {labels[0]: 10 / 3, labels[1]: 5 / 9, labels[2]: 10 / 9}
    assert w.keys() == expected.keys()
    for label in labels:
        assert w[label] == pytest.approx(expected[label], rel=1e-12)
    assert [round(w[label], 4) for label in labels] == [3.3333, 0.5556, 1.1111]
    # the seed's ratio 6 : 1 : 2 and w_c * n_c equal for every class
    lightest = min(w.values())
    assert [w[label] / lightest for label in labels] == pytest.approx([6, 1, 2], rel=1e-12)
    products = [w[label] * n for label, n in zip(labels, SEED_COUNTS, strict=True)]
    assert products == pytest.approx([100 / 3] * 3, rel=1e-12)


def test_balanced_is_scikit_learns_compute_class_weight():
    y = labels_with_counts(["b", "a", "c", "d"], [7, 50, 3, 19])
    classes = np.unique(y)
    reference = compute_class_weight("balanced", classes=classes, y=y)
    w = class_weights(y, "balanced")
    assert list(w) == list(classes)
    assert list(w.values()) == pytest.approx(list(reference), rel=1e-15)


def test_default_scheme_is_balanced_and_labels_are_plain_python():
    y = np.array([0, 0, 0, 1], dtype=np.int32)
    w = class_weights(y)
    assert w == pytest.approx({0: 4 / 6, 1: 4 / 2})
    assert all(type(k) is int for k in w) and all(type(v) is float for v in w.values())


def test_none_gives_all_ones():
    assert class_weights(["x", "y", "y"], "none") == {"x": 1.0, "y": 1.0}


# ----------------------------------------------------- effective number (Cui)


def test_effective_number_values_from_the_issue():
    y = labels_with_counts(INT_LABELS, [100, 600, 300])
    w = class_weights(y, "effective_number", beta=0.999)
    # (1 - beta) / (1 - beta^n) in plain floats, then scaled to sum K = 3
    raw = [(1 - 0.999) / (1 - 0.999**n) for n in (100, 600, 300)]
    by_hand = [3 * r / sum(raw) for r in raw]
    assert list(w.values()) == pytest.approx(by_hand, rel=1e-9)
    assert list(w.values()) == pytest.approx([1.901, 0.401, 0.698], abs=5e-4)
    assert sum(w.values()) == pytest.approx(3, rel=1e-12)


def test_effective_number_tends_to_balanced_ratios_as_beta_tends_to_one():
    y = labels_with_counts(INT_LABELS, [100, 600, 300])
    ratios = []
    for beta in (0.99, 0.9999, 1 - 1e-9):
        w = class_weights(y, "effective_number", beta=beta)
        ratios.append(np.array([w[0], w[1], w[2]]) / w[1])
    errors = [np.abs(r - [6, 1, 2]).max() for r in ratios]
    assert errors[0] > errors[1] > errors[2]
    assert ratios[-1] == pytest.approx([6, 1, 2], rel=1e-6)


def test_effective_number_beta_zero_is_no_weighting():
    y = labels_with_counts(INT_LABELS, SEED_COUNTS)
    assert class_weights(y, "effective_number", beta=0) == {0: 1.0, 1: 1.0, 2: 1.0}


# ----------------------------------------------------------------- power


def test_power_half_is_inverse_square_root_with_mean_row_weight_one():
    y = labels_with_counts(INT_LABELS, SEED_COUNTS)
    w = class_weights(y, "power", alpha=0.5)
    scale = 100 / (math.sqrt(10) + math.sqrt(60) + math.sqrt(30))  # sum_c n_c w_c = n
    assert [w[0], w[1], w[2]] == pytest.approx([scale / math.sqrt(n) for n in SEED_COUNTS], rel=1e-12)


def test_power_one_is_balanced_and_zero_is_none():
    y = labels_with_counts(STR_LABELS, [3, 41, 17])
    assert class_weights(y, "power", alpha=1) == pytest.approx(class_weights(y, "balanced"), rel=1e-12)
    assert class_weights(y, "power", alpha=0) == pytest.approx(class_weights(y, "none"), rel=1e-12)


# ------------------------------------------------------------ target ratio


def test_target_ratio_binary_weighted_totals_have_the_ratio():
    y = labels_with_counts([0, 1], [90, 10])
    w = class_weights(y, "target_ratio", ratio=3)
    assert w == pytest.approx({0: 1.0, 1: 90 / (3 * 10)})
    assert (90 * w[0]) / (10 * w[1]) == pytest.approx(3)


def test_target_ratio_multiclass_brings_every_class_to_n_max_over_ratio():
    y = labels_with_counts(INT_LABELS, SEED_COUNTS)
    w = class_weights(y, "target_ratio", ratio=2)
    assert w == pytest.approx({0: 60 / 20, 1: 1.0, 2: 60 / 60})
    totals = {c: w[c] * n for c, n in zip(INT_LABELS, SEED_COUNTS, strict=True)}
    assert totals == pytest.approx({0: 30, 1: 60, 2: 30})


def test_target_ratio_one_is_balanced_up_to_scale():
    y = labels_with_counts(STR_LABELS, [3, 41, 17])
    assert normalise_class_weights(class_weights(y, "target_ratio", ratio=1), y) == pytest.approx(
        class_weights(y, "balanced"), rel=1e-12
    )


def test_target_ratio_weights_a_class_down_when_data_are_less_imbalanced():
    y = labels_with_counts([0, 1], [60, 40])
    assert class_weights(y, "target_ratio", ratio=3) == pytest.approx({0: 1.0, 1: 0.5})


def test_target_ratio_tied_majorities_both_keep_weight_one():
    y = labels_with_counts(INT_LABELS, [50, 50, 10])
    assert class_weights(y, "target_ratio", ratio=2) == pytest.approx({0: 1.0, 1: 1.0, 2: 2.5})


@pytest.mark.parametrize("ratio", [0.5, 0, -2, math.inf, math.nan, "3", True])
def test_target_ratio_below_one_or_not_a_number_is_rejected(ratio):
    with pytest.raises(InvalidParameterError) as info:
        class_weights([0, 0, 1], "target_ratio", ratio=ratio)
    assert info.value.name == "ratio" and info.value.value is ratio
    assert "ratio=" in str(info.value)


# ----------------------------------------------------------------- mappings


def test_explicit_mapping_is_used_as_given():
    assert class_weights(["a", "b", "b"], {"b": 1, "a": 5.5}) == {"a": 5.5, "b": 1.0}


@pytest.mark.parametrize(
    "mapping, fragment",
    [
        ({"a": 2}, "missing classes ['b']"),
        ({"a": 2, "b": 1, "c": 3}, "labels ['c'] are not classes of y"),
        ({0: 2, 1: 1}, "labels [0, 1] are not classes of y"),
    ],
)
def test_mapping_must_match_the_classes_of_y(mapping, fragment):
    with pytest.raises(InvalidParameterError, match=r"^scheme=") as info:
        class_weights(["a", "b", "b"], mapping)
    assert fragment in str(info.value) and info.value.value == mapping


@pytest.mark.parametrize("bad", [0, -1, math.inf, math.nan, None, "2", True])
def test_mapping_weights_must_be_finite_and_positive(bad):
    with pytest.raises(InvalidParameterError) as info:
        class_weights([0, 1, 1], {0: bad, 1: 1.0})
    assert info.value.name == "scheme[0]" and info.value.value is bad


def test_mapping_takes_no_parameters():
    with pytest.raises(InvalidParameterError, match="params="):
        class_weights([0, 1], {0: 1, 1: 2}, alpha=1)


# ---------------------------------------------------------------- bad input


def test_unknown_scheme_suggests_the_close_name():
    with pytest.raises(UnknownNameError) as info:
        class_weights([0, 1], "balancd")
    assert info.value.name == "scheme" and info.value.value == "balancd"
    assert "'balanced'" in str(info.value)
    assert set(info.value.choices) == set(WEIGHT_SCHEMES)


@pytest.mark.parametrize(
    "scheme, params, name",
    [
        ("power", {"alpha": -0.1}, "alpha"),
        ("power", {"alpha": math.nan}, "alpha"),
        ("power", {}, "alpha"),
        ("effective_number", {"beta": 1.0}, "beta"),
        ("effective_number", {"beta": -0.01}, "beta"),
        ("effective_number", {"beta": 1.5}, "beta"),
        ("effective_number", {}, "beta"),
        ("target_ratio", {}, "ratio"),
        ("balanced", {"alpha": 1}, "alpha"),
        (3, {}, "scheme"),
        (None, {}, "scheme"),
        ({}, {}, "scheme"),
    ],
)
def test_bad_scheme_parameters_name_the_argument(scheme, params, name):
    with pytest.raises(InvalidParameterError) as info:
        class_weights([0, 0, 1], scheme, **params)
    assert info.value.name == name
    assert str(info.value).startswith(f"{name}=")
    # the same check is available without data, for config validation
    with pytest.raises(InvalidParameterError):
        check_scheme(scheme, **params)


def test_unknown_parameter_is_named_with_its_value_and_suggests_the_right_one():
    with pytest.raises(UnknownNameError) as info:
        class_weights([0, 1], "power", alhpa=0.5)
    assert str(info.value) == "alhpa=0.5 is invalid: unknown parameter of scheme 'power'; did you mean 'alpha'?"
    assert info.value.name == "alhpa" and info.value.value == 0.5


def test_power_with_an_alpha_so_large_that_weights_underflow():
    with pytest.raises(InvalidParameterError, match=r"alpha=1000000.0 .* class 1 would get 0.0"):
        class_weights([0, 1, 1, 1], "power", alpha=1e6)


@pytest.mark.parametrize(
    "y, fragment",
    [
        ([1, 1, 1], "at least 2 classes"),
        ([], "at least one labelled row"),
        ([[0, 1], [1, 0]], "1-D array"),
        ([0.5, 1.5, 2.25], "'continuous'"),
        ([0.0, np.nan, 1.0], "NaN"),
        (np.array([0, "a", 1], dtype=object), "all of one type"),
        ([0, 1, None, 1], "row 2 holds a missing label"),
    ],
)
def test_bad_labels_are_rejected_naming_y(y, fragment):
    with pytest.raises(InvalidParameterError, match=r"^y=") as info:
        class_weights(y, "none")
    assert fragment in str(info.value)


# ------------------------------------------------------------ normalisation


def test_mean_normalisation_makes_the_mean_row_weight_one():
    y = labels_with_counts(INT_LABELS, [100, 600, 300])
    w = normalise_class_weights(class_weights(y, "effective_number", beta=0.999), y, how="mean")
    assert np.mean([w[label] for label in y]) == pytest.approx(1, rel=1e-12)
    # by hand: scale = n / sum_c n_c w_c, ratios untouched
    raw = class_weights(y, "effective_number", beta=0.999)
    scale = 1000 / (100 * raw[0] + 600 * raw[1] + 300 * raw[2])
    assert w == pytest.approx({c: scale * v for c, v in raw.items()}, rel=1e-12)


def test_none_normalisation_returns_the_weights():
    y = ["a", "b", "b"]
    assert normalise_class_weights({"a": 3, "b": 0.5}, y, how="none") == {"a": 3.0, "b": 0.5}


def test_unknown_normalisation_is_rejected():
    with pytest.raises(UnknownNameError, match="how='meen'.*'mean'"):
        normalise_class_weights({0: 1, 1: 1}, [0, 1], how="meen")


def test_normalisation_checks_the_mapping_against_y():
    with pytest.raises(InvalidParameterError, match=r"^class_weight=.*missing classes \[1\]"):
        normalise_class_weights({0: 1}, [0, 1])


# ---------------------------------------------------------- sample weights


def test_sample_weights_map_each_row_to_its_class_weight():
    y = np.array(["b", "a", "b", "c"])
    assert sample_weights(y, {"a": 2, "b": 0.5, "c": 7}).tolist() == [0.5, 2, 0.5, 7]


def test_sample_weights_multiply_an_existing_sample_weight():
    y = np.array([1, 0, 1])
    out = sample_weights(y, {0: 3, 1: 2}, sample_weight=[0.5, 2, 0])
    assert out.dtype == np.float64 and out.tolist() == [1.0, 6.0, 0.0]


def test_sample_weights_by_scheme_name_match_scikit_learn():
    y = labels_with_counts(STR_LABELS, SEED_COUNTS)
    assert sample_weights(y, "balanced") == pytest.approx(compute_sample_weight("balanced", y), rel=1e-15)


@pytest.mark.parametrize(
    "sample_weight, fragment",
    [([1.0, 1.0], "shape (3,)"), ([1.0, -1.0, 1.0], "-1.0 at row 1"), ([1.0, 1.0, np.inf], "inf at row 2"),
     (["a", "b", "c"], "an array of numbers")],
)
def test_bad_sample_weight_is_rejected(sample_weight, fragment):
    with pytest.raises(InvalidParameterError, match=r"^sample_weight=") as info:
        sample_weights([0, 1, 1], {0: 1, 1: 1}, sample_weight=sample_weight)
    assert fragment in str(info.value)


def test_sample_weights_reject_a_mapping_with_an_absent_label():
    with pytest.raises(InvalidParameterError, match=r"^class_weight=.*labels \[2\]"):
        sample_weights([0, 1], {0: 1, 1: 1, 2: 1})


# -------------------------------------------------- weighted cross-entropy


def test_weighted_cross_entropy_by_hand_equals_log_loss_with_sample_weight():
    rng = np.random.default_rng(3)
    y = labels_with_counts(INT_LABELS, SEED_COUNTS)
    proba = rng.dirichlet([1, 1, 1], size=y.size)
    w = class_weights(y, "balanced")
    onehot = (y[:, None] == np.array(INT_LABELS)[None, :]).astype(float)
    w_k = np.array([w[0], w[1], w[2]])
    # H = - sum_i sum_k w_k y_ik log p_ik, the seed's formula, literally
    by_hand = -np.sum(w_k[None, :] * onehot * np.log(proba))
    row_weights = sample_weights(y, w)
    reference = log_loss(y, proba, sample_weight=row_weights, labels=INT_LABELS)
    # log_loss averages over the weights: multiply back by the total weight
    assert by_hand == pytest.approx(reference * row_weights.sum(), rel=1e-12)


# ----------------------------------------------------------- properties

class_counts = st.lists(st.integers(min_value=1, max_value=60), min_size=2, max_size=6)


@settings(max_examples=60, deadline=None)
@given(counts=class_counts)
def test_balanced_weights_times_counts_are_constant(counts):
    y = labels_with_counts(list(range(len(counts))), counts)
    w = class_weights(y, "balanced")
    products = [w[c] * n for c, n in enumerate(counts)]
    assert products == pytest.approx([sum(counts) / len(counts)] * len(counts), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(counts=class_counts, alpha=st.floats(min_value=0, max_value=3))
def test_power_keeps_the_mean_row_weight_one(counts, alpha):
    y = labels_with_counts(list(range(len(counts))), counts)
    w = class_weights(y, "power", alpha=alpha)
    assert sum(w[c] * n for c, n in enumerate(counts)) == pytest.approx(sum(counts), rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(counts=class_counts, beta=st.floats(min_value=0, max_value=0.99999))
def test_effective_number_sums_to_the_number_of_classes(counts, beta):
    y = labels_with_counts(list(range(len(counts))), counts)
    w = class_weights(y, "effective_number", beta=beta)
    assert sum(w.values()) == pytest.approx(len(counts), rel=1e-9)
    # rarer classes never get less weight
    order = np.argsort(counts, kind="stable")
    weights_by_count = [w[int(c)] for c in order]
    assert all(a >= b * (1 - 1e-12) for a, b in zip(weights_by_count, weights_by_count[1:], strict=False))


@settings(max_examples=60, deadline=None)
@given(
    counts=class_counts,
    data=st.data(),
)
def test_sample_weights_multiply(counts, data):
    y = labels_with_counts(list(range(len(counts))), counts)
    cw = {c: data.draw(st.floats(min_value=1e-3, max_value=1e3)) for c in range(len(counts))}
    sw = np.array(data.draw(st.lists(st.floats(min_value=0, max_value=1e3), min_size=y.size, max_size=y.size)))
    combined = sample_weights(y, cw, sample_weight=sw)
    assert combined == pytest.approx(sample_weights(y, cw) * sw, rel=1e-15)
    assert combined == pytest.approx(np.array([cw[c] for c in y]) * sw, rel=1e-15)


@settings(max_examples=40, deadline=None)
@given(counts=class_counts, scheme=st.sampled_from(["balanced", "none", "power", "effective_number", "target_ratio"]))
def test_string_labels_give_the_same_weights_as_integer_codes(counts, scheme):
    params = {"power": {"alpha": 0.5}, "effective_number": {"beta": 0.9}, "target_ratio": {"ratio": 2}}
    codes = list(range(len(counts)))
    names = [f"class-{c:02d}" for c in codes]  # same sort order as the codes
    w_int = class_weights(labels_with_counts(codes, counts), scheme, **params.get(scheme, {}))
    w_str = class_weights(labels_with_counts(names, counts), scheme, **params.get(scheme, {}))
    assert list(w_str) == names
    assert list(w_str.values()) == pytest.approx(list(w_int.values()), rel=1e-15)


@pytest.mark.parametrize(("value", "ok"), [
    (3, True), (np.int64(3), True), (2, True), (1, False), (3.0, False), (True, False), (np.bool_(True), False),
    ("3", False), (None, False),
])
def test_check_integer_takes_integers_of_python_and_numpy_but_no_bool_float_or_text(value, ok):
    if ok:
        check_integer("n", value, 2)
    else:
        with pytest.raises(InvalidParameterError) as info:
            check_integer("n", value, 2)
        assert str(info.value) == f"n={value!r} is invalid: an integer >= 2"
