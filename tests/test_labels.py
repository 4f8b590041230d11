"""Bad class labels (missing, infinite, mixed types) are refused by every
public function that takes ``y``, with an error naming ``y``, the label and
its row, before any work."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imbalance_lab import datasets, resampling, weights
from imbalance_lab.errors import InvalidParameterError
from imbalance_lab.labels import check_labels

#: Every public entry point that takes class labels, as f(y) -> anything.
TAKES_Y = {
    "weights.class_weights": lambda y: weights.class_weights(y, "balanced"),
    "weights.sample_weights": lambda y: weights.sample_weights(y, "balanced"),
    "weights.normalise_class_weights": lambda y: weights.normalise_class_weights({}, y),
    "datasets.impose_ratio": lambda y: datasets.impose_ratio(np.zeros((len(y), 2)), y, 2),
    "datasets.impose_shares": lambda y: datasets.impose_shares(np.zeros((len(y), 2)), y, [0.5, 0.5]),
    "datasets.ratio_indices": lambda y: datasets.ratio_indices(y, "native"),
    "datasets.shares_indices": lambda y: datasets.shares_indices(y, [0.5, 0.5]),
    "datasets.class_counts": datasets.class_counts,
    "datasets.subsample_indices": lambda y: datasets.ratio.subsample_indices(y, {0: 1}),
    "ReplicationSampler.fit_resample": lambda y: resampling.ReplicationSampler().fit_resample(
        np.zeros((len(y), 2)), y
    ),
    "ReplicationSampler.fit": lambda y: resampling.ReplicationSampler(factors={1: 2}).fit(np.zeros((len(y), 2)), y),
    "check_sampler_feasible": lambda y: resampling.check_sampler_feasible(resampling.make_sampler("smote"), y),
}

MISSING = [None, math.nan, np.nan, pd.NA, float("nan")]


def _bad_inputs():
    """(y, row of the first bad label, fragment of the message)."""
    return [
        ([0, 0, 1, None, 1, 0], 3, "missing label"),
        (np.array([0, 0, 1, None, 1, 0], dtype=object), 3, "missing label"),
        (["a", "b", None, "a", "b", "a"], 2, "missing label"),  # used to be a raw TypeError
        (["a", "b", "a", math.nan, "b", "a"], 3, "missing label"),  # numpy would make it "nan"
        (pd.Series(["a", "b", None, "a", "b", "a"]), 2, "missing label"),
        (pd.Series(["a", "b", None, "a", "b", "a"], dtype="string"), 2, "missing label"),
        (pd.array([0, 1, 0, 1, None, 0], dtype="Int64"), 4, "missing label"),
        (np.array([0.0, 1.0, 1.0, 0.0, 1.0, np.nan]), 5, "missing label"),
        (np.array([0.0, 1.0, np.inf, 0.0, 1.0, 1.0]), 2, "infinite label"),
        (np.array([0, 1, "a", 0, 1, 1], dtype=object), 2, "all of one type"),
        (pd.Series([0, 1, 0, "b", 1, 1]), 3, "all of one type"),
        (np.array([0, 1, 0, 1, math.inf, 1], dtype=object), 4, "infinite label"),
    ]


@pytest.mark.parametrize("function", sorted(TAKES_Y))
@pytest.mark.parametrize(("y", "row", "fragment"), _bad_inputs())
def test_bad_labels_are_refused_naming_y_and_the_row(function, y, row, fragment):
    with pytest.raises(InvalidParameterError) as info:
        TAKES_Y[function](y)
    assert info.value.name == "y"
    assert str(info.value).startswith("y=")
    assert f"row {row}" in str(info.value) and fragment in str(info.value)


labels = st.one_of(
    st.lists(st.integers(-3, 3), min_size=2, max_size=30),
    st.lists(st.sampled_from(["a", "b", "c"]), min_size=2, max_size=30),
)


@settings(max_examples=80, deadline=None)
@given(labels, st.data())
def test_first_missing_label_is_the_one_reported(y, data):
    rows = data.draw(st.sets(st.integers(0, len(y) - 1), min_size=1))
    holes = [data.draw(st.sampled_from(MISSING)) for _ in rows]
    damaged = list(y)
    for row, hole in zip(sorted(rows), holes, strict=True):
        damaged[row] = hole
    with pytest.raises(InvalidParameterError) as info:
        check_labels(damaged, min_classes=1)
    first = min(rows)
    assert info.value.name == "y"
    assert f"row {first} holds a missing label" in str(info.value)
    # counted by hand: every damaged row after the first is listed as "more"
    if len(rows) > 1:
        assert f"and {len(rows) - 1} more row(s)" in str(info.value)


def test_numbers_held_as_objects_are_labels():
    # a pandas object column of integers, e.g. once rows without a label are dropped
    y = pd.Series([0, 1, None, 1, 0], dtype=object).dropna()
    assert weights.class_weights(y, "balanced") == {0: 1.0, 1: 1.0}  # n / (K n_c) = 4 / (2 * 2)


@settings(max_examples=60, deadline=None)
@given(labels)
def test_clean_labels_pass_and_count_as_numpy_does(y):
    arr, classes, counts = check_labels(y, min_classes=1)
    expected_classes, expected_counts = np.unique(np.asarray(y), return_counts=True)
    assert classes == expected_classes.tolist()
    assert counts.tolist() == expected_counts.tolist()
