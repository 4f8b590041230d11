"""The scale of weights under regularisation (issue 6, point 4).

Logistic regression minimises ``C * sum_i w_i * loss_i + penalty(beta)``.
Copying rows or weighting them changes only the first term, so two training
sets give the same fit exactly when their per-row weights are *proportional*
and ``C`` absorbs the constant: with weights ``w = c * v`` the fit with
``(w, C)`` equals the fit with ``(v, c * C)``.

*Oversample to balance* by exact copies (binary, ``n0`` majority rows,
``n1`` minority rows, ``n0 / n1`` an integer) is the weight vector
``v = copy counts`` (1 per majority row, ``n0 / n1`` per minority row), whose
sum is ``2 * n0``, the rows after copying. The *balanced* class weights
``n / (2 n_c)`` are proportional to it but sum to ``n``, the rows before. So
balanced weights reproduce the oversampled fit only with

    C_balanced = C_copies * (sum of weights after copies) / (sum of balanced weights)
               = C_copies * 2 n0 / n,

a larger ``C`` (weaker penalty) because balanced weights put less total weight
on the loss. Weights *equal* to the copy counts need no rescaling.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from imbalance_lab.errors import InvalidParameterError
from imbalance_lab.resampling import ReplicationSampler
from imbalance_lab.weights import check_number, class_weights, sample_weights


def check_C(C) -> None:
    """``C`` of a logistic regression here: a finite number > 0."""
    check_number("C", C, "a finite number > 0", lambda v: v > 0)


def equivalent_C(C: float, *, sample_weight, reference_weight, rtol: float = 1e-12) -> float:
    """The ``C`` that makes a fit with ``sample_weight`` equal a fit with
    ``reference_weight`` and ``C``: ``C * sum(reference) / sum(sample_weight)``.

    Defined only when the two weight vectors (one entry per training row) are
    proportional; otherwise no ``C`` makes the fits equal and
    :class:`InvalidParameterError` says so.
    """
    check_C(C)
    w = np.asarray(sample_weight, float)
    v = np.asarray(reference_weight, float)
    if w.shape != v.shape or w.ndim != 1:
        raise InvalidParameterError(
            "sample_weight",
            f"<shape {w.shape}>",
            f"a 1-D array shaped like reference_weight {v.shape}",
        )
    if np.any(w <= 0) or np.any(v <= 0):
        raise InvalidParameterError("sample_weight", "<array>", "weights > 0 in both vectors")
    ratio = v / w
    if np.ptp(ratio) > rtol * ratio.max():
        raise InvalidParameterError(
            "sample_weight",
            f"<ratios to reference from {ratio.min():.6g} to {ratio.max():.6g}>",
            "weights proportional to reference_weight (else no C makes the fits equal)",
        )
    return float(C * v.sum() / w.sum())


def balanced_vs_oversampled(X, y, *, C: float = 1.0, tol: float = 1e-10) -> pd.DataFrame:
    """Fit logistic regression four ways and compare each with the fit on the
    training set oversampled to balance by exact copies (the reference).

    Rows: ``copy_counts`` (weights = how often each row appears in the
    oversampled set, same ``C``), ``balanced`` ('balanced' class weights, same
    ``C``), ``balanced_rescaled`` ('balanced' weights, ``C`` from
    :func:`equivalent_C`). Columns: ``C``, ``total_weight`` (sum of the
    per-row weights), ``max_abs_diff`` of held-in probabilities and of
    coefficients against the reference. Needs the majority count to be a
    multiple of every other class's count, so that the copies are uniform
    within a class.
    """
    y = np.asarray(y)
    check_C(C)
    _, counts = np.unique(y, return_counts=True)
    if np.any(counts.max() % counts):
        raise InvalidParameterError(
            "y",
            f"<class counts {counts.tolist()}>",
            "class counts that divide the majority count (else the copies are not uniform per class)",
        )

    def fit(X_fit, y_fit, C_fit, weight=None):
        model = LogisticRegression(C=C_fit, tol=tol, max_iter=10_000)
        return model.fit(X_fit, y_fit, sample_weight=weight)

    sampler = ReplicationSampler()  # every class up to the majority count
    X_over, y_over = sampler.fit_resample(X, y)
    copies = np.bincount(sampler.sample_indices_, minlength=len(y)).astype(float)
    reference = fit(X_over, y_over, C)
    balanced = sample_weights(y, class_weights(y, "balanced"))
    C_rescaled = equivalent_C(C, sample_weight=balanced, reference_weight=copies)
    fits = {
        "oversampled (reference)": (reference, C, float(len(y_over))),
        "copy_counts": (fit(X, y, C, copies), C, copies.sum()),
        "balanced": (fit(X, y, C, balanced), C, balanced.sum()),
        "balanced_rescaled": (fit(X, y, C_rescaled, balanced), C_rescaled, balanced.sum()),
    }
    rows = []
    for name, (model, C_used, total) in fits.items():
        rows.append(
            {
                "fit": name,
                "C": C_used,
                "total_weight": total,
                "max_abs_diff_proba": float(
                    np.abs(model.predict_proba(X) - reference.predict_proba(X)).max()
                ),
                "max_abs_diff_coef": float(
                    np.abs(
                        np.r_[model.coef_.ravel(), model.intercept_]
                        - np.r_[reference.coef_.ravel(), reference.intercept_]
                    ).max()
                ),
            }
        )
    return pd.DataFrame(rows)


def demo_data(
    n_majority: int = 270, n_minority: int = 30, *, n_features: int = 5, random_state: int = 0
):
    """Synthetic binary data with exactly ``n_majority`` rows of class 0 and
    ``n_minority`` of class 1 (``make_classification``, then the first rows of
    each class), for :func:`balanced_vs_oversampled`."""
    from sklearn.datasets import make_classification

    for name, value in (("n_majority", n_majority), ("n_minority", n_minority)):
        if not isinstance(value, int | np.integer) or value < 2:
            raise InvalidParameterError(name, value, "an integer >= 2")
    total = 2 * (n_majority + n_minority)
    X, y = make_classification(
        n_samples=total,
        n_features=n_features,
        n_informative=min(3, n_features),
        n_redundant=0,
        weights=[0.5],
        flip_y=0,
        random_state=random_state,
    )
    rows = np.r_[np.flatnonzero(y == 0)[:n_majority], np.flatnonzero(y == 1)[:n_minority]]
    return X[rows], y[rows]
