"""The seed answer's worked claims, computed (issue 6, point 5).

Each function returns the numbers the notebook asserts on; none asserts
itself, so a failing claim shows as a failing notebook cell with the numbers
next to it.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from imbalance_lab.audit.equivalence import AuditData, AuditSettings, Candidate, audit_candidate
from imbalance_lab.errors import InvalidParameterError
from imbalance_lab.resampling import split_factor
from imbalance_lab.weights import class_weights, sample_weights


def shares_to_weights(shares: dict, n: int = 100) -> dict:
    """'balanced' class weights (``weights.class_weights``) for a label set
    with the given class shares (percent of ``n`` rows), divided by the
    smallest weight: the seed's 10/60/30 % give 6 : 1 : 2."""
    counts = {label: share * n / 100 for label, share in shares.items()}
    if any(c != int(c) or c < 1 for c in counts.values()):
        raise InvalidParameterError("shares", shares, f"shares giving whole row counts of n={n}")
    y = np.concatenate([np.full(int(c), label) for label, c in counts.items()])
    weights = class_weights(y, "balanced")
    smallest = min(weights.values())
    return {label: weights[label] / smallest for label in shares}


def copies_vs_weight(data: AuditData, factor: int, *, size_share: float = 1.0, model=None) -> dict:
    """Audit one model (logistic regression by default) at ``factor``:
    ``{variant: (verdict, max_abs_diff)}`` for the weight, class-weight and
    split variants against ``factor`` copies."""
    model = model if model is not None else LogisticRegression()
    candidate = Candidate(type(model).__name__, "scikit-learn", type(model), model.get_params())
    settings = AuditSettings(factor=factor, size_share=size_share)
    return {
        row["variant"]: (row["verdict"], row.get("max_abs_diff"))
        for row in audit_candidate(candidate, data, settings)
    }


def seed_split(total: int = 6, size: int = 3) -> tuple[float, float, float]:
    """``(size_share, size factor, weight factor)`` of the seed's
    "6x size = 3x size + 2x weight": ``size_share = ln 3 / ln 6``."""
    share = math.log(size) / math.log(total)
    size_factor, weight_factor = split_factor(total, share, integer_size=True)
    return share, size_factor, weight_factor


def weighted_cross_entropy(Y, P, class_weight: dict, classes) -> float:
    """The seed's ``H = -sum_i sum_k w_k y_ik log y'_ik`` for one-hot ``Y``
    and predicted probabilities ``P`` (columns in the order of ``classes``)."""
    Y, P = np.asarray(Y, float), np.asarray(P, float)
    w = np.array([class_weight[c] for c in classes], float)
    return float(-np.sum(w[None, :] * Y * np.log(P)))


def cross_entropy_check(X, y, class_weight: dict, *, C: float = 1.0) -> dict:
    """The weighted cross-entropy three ways for a logistic regression fitted
    with ``class_weight``: the seed's formula, scikit-learn's ``log_loss``
    with per-row weights (unnormalised), and the gradient of the objective
    ``C * H + ||beta||^2 / 2`` at the fit (near 0 if the fit minimises it)."""
    model = LogisticRegression(C=C, class_weight=class_weight, tol=1e-10, max_iter=10_000).fit(X, y)
    classes = model.classes_
    P = model.predict_proba(X)
    Y = (np.asarray(y)[:, None] == classes[None, :]).astype(float)
    row_weight = sample_weights(y, class_weight)
    formula = weighted_cross_entropy(Y, P, class_weight, classes)
    reference = log_loss(y, P, sample_weight=row_weight, normalize=False, labels=classes)
    # binary logistic regression: d/d(beta) [C * H] = C * X^T (w * (p - y)); the
    # penalty adds beta (the intercept is not penalised)
    residual = row_weight * (P[:, 1] - Y[:, 1])
    grad = np.r_[C * X.T @ residual + model.coef_.ravel(), C * residual.sum()]
    return {
        "formula": formula,
        "log_loss": float(reference),
        "gradient_norm": float(np.abs(grad).max()),
    }
