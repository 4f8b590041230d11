"""The seed answer's worked claims, checked against hand counts and
scikit-learn references."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from imbalance_lab.audit import claims
from imbalance_lab.audit.equivalence import make_audit_data
from imbalance_lab.errors import InvalidParameterError


def test_shares_10_60_30_give_6_1_2():
    weights = claims.shares_to_weights({"c1": 10, "c2": 60, "c3": 30})
    assert weights == pytest.approx({"c1": 6.0, "c2": 1.0, "c3": 2.0})
    # w_c * P(c) is the same for every class
    products = {c: weights[c] * share for c, share in {"c1": 10, "c2": 60, "c3": 30}.items()}
    assert len({round(v, 9) for v in products.values()}) == 1


def test_shares_must_give_whole_rows():
    with pytest.raises(InvalidParameterError, match="shares"):
        claims.shares_to_weights({"a": 33.3, "b": 66.7})


def test_seed_split_is_3_copies_times_weight_2():
    share, size, weight = claims.seed_split(6, 3)
    assert share == pytest.approx(math.log(3) / math.log(6))
    assert (size, weight) == (3, 2.0)


def test_copies_equal_weight_for_logistic_regression():
    data = make_audit_data()
    three = claims.copies_vs_weight(data, 3)
    assert three["sample_weight"][0] == "exact"
    six = claims.copies_vs_weight(data, 6, size_share=claims.seed_split()[0])
    assert six["split"][0] == "exact"


def test_weighted_cross_entropy_by_hand():
    # two rows, classes a/b: -(2 * log 0.8) - (1 * log 0.4)
    Y = np.array([[1, 0], [0, 1]])
    P = np.array([[0.8, 0.2], [0.6, 0.4]])
    value = claims.weighted_cross_entropy(Y, P, {"a": 2.0, "b": 1.0}, ["a", "b"])
    assert value == pytest.approx(-(2 * math.log(0.8) + math.log(0.4)))


def test_logistic_regression_minimises_the_weighted_cross_entropy():
    data = make_audit_data()
    X, _ = data.forms["standard"]
    check = claims.cross_entropy_check(X, data.y_train, {0: 1.0, 1: 6.0}, C=0.5)
    assert check["formula"] == pytest.approx(check["log_loss"], rel=1e-12)
    assert check["gradient_norm"] < 1e-4
    # and the value is the weighted loss of an independently fitted model
    model = LogisticRegression(C=0.5, class_weight={0: 1.0, 1: 6.0}, tol=1e-10, max_iter=10_000)
    P = model.fit(X, data.y_train).predict_proba(X)
    w = np.where(data.y_train == 1, 6.0, 1.0)
    by_hand = -np.sum(w * np.log(P[np.arange(len(P)), data.y_train]))
    assert check["formula"] == pytest.approx(by_hand, rel=1e-6)
