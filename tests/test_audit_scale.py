"""Point 4 of issue 6: 'balanced' weights equal "oversample to balance" for
logistic regression only with C rescaled; weights equal to the copy counts
need no rescaling. Numbers by hand for 270 majority / 30 minority rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from imbalance_lab.audit import scale
from imbalance_lab.errors import InvalidParameterError


@pytest.fixture(scope="module")
def xy():
    return scale.demo_data(270, 30)


def test_demo_data_counts(xy):
    _, y = xy
    assert np.bincount(y).tolist() == [270, 30]


def test_equivalent_C_by_hand(xy):
    _, y = xy
    # balanced: n / (2 n_c) = 300/540 for the majority, 300/60 = 5 for the minority
    balanced = np.where(y == 0, 300 / 540, 5.0)
    # oversampled to balance: every minority row 9 times, sum = 540 rows
    copies = np.where(y == 0, 1.0, 9.0)
    assert balanced.sum() == pytest.approx(300)
    assert copies.sum() == 540
    # C_balanced = C * (sum after copies) / (sum of balanced weights) = C * 540 / 300
    assert scale.equivalent_C(
        0.1, sample_weight=balanced, reference_weight=copies
    ) == pytest.approx(0.18)
    # weights equal to the copy counts: no rescaling
    assert scale.equivalent_C(0.1, sample_weight=copies, reference_weight=copies) == pytest.approx(
        0.1
    )


def test_rescaling_matches_an_independent_oversampled_fit(xy):
    X, y = xy
    order = np.repeat(np.arange(len(y)), np.where(y == 1, 9, 1))  # oversample by hand
    kwargs = {"tol": 1e-10, "max_iter": 10_000}
    oversampled = LogisticRegression(C=0.1, **kwargs).fit(X[order], y[order])
    balanced = LogisticRegression(C=0.1, class_weight="balanced", **kwargs).fit(X, y)
    rescaled = LogisticRegression(C=0.1 * 540 / 300, class_weight="balanced", **kwargs).fit(X, y)
    counts = LogisticRegression(C=0.1, class_weight={0: 1, 1: 9}, **kwargs).fit(X, y)
    p = oversampled.predict_proba(X)
    assert np.abs(balanced.predict_proba(X) - p).max() > 1e-3
    np.testing.assert_allclose(rescaled.predict_proba(X), p, atol=1e-8)
    np.testing.assert_allclose(counts.predict_proba(X), p, atol=1e-8)


def test_balanced_vs_oversampled_table(xy):
    X, y = xy
    table = scale.balanced_vs_oversampled(X, y, C=0.1).set_index("fit")
    assert table.loc["balanced_rescaled", "C"] == pytest.approx(0.18)
    assert table.loc["copy_counts", "total_weight"] == 540
    assert table.loc["balanced", "total_weight"] == pytest.approx(300)
    assert table.loc["copy_counts", "max_abs_diff_proba"] < 1e-8
    assert table.loc["balanced_rescaled", "max_abs_diff_proba"] < 1e-8
    assert table.loc["balanced", "max_abs_diff_proba"] > 1e-3


def test_non_proportional_weights_have_no_equivalent_C():
    with pytest.raises(InvalidParameterError, match="proportional"):
        scale.equivalent_C(1.0, sample_weight=[1, 2, 3], reference_weight=[1, 1, 1])


@pytest.mark.parametrize("C", [0, -1, np.inf])
def test_bad_C(C):
    with pytest.raises(InvalidParameterError, match="C="):
        scale.equivalent_C(C, sample_weight=[1.0], reference_weight=[1.0])


def test_counts_that_do_not_divide_are_refused():
    X, y = scale.demo_data(270, 31)
    with pytest.raises(InvalidParameterError, match="y="):
        scale.balanced_vs_oversampled(X, y)
