"""Probabilities after re-balancing: undo the prior shift, and measure calibration.

Weighting a class by w_c, or copying it w_c times, trains a model as if the
class were w_c times more common. For a model that estimates the posterior
well, its probabilities q_c are then those of a population whose priors are
the training priors times w_c, and Bayes' rule maps them back (Saerens,
Latinne & Decaestecker 2002, *Neural Computation* 14(1)):

    p_c = (q_c / w_c) / sum_j (q_j / w_j)        binary: p = q / (q + w (1 - q))

with w the factor of the positive class relative to the negative one.

Public names
------------
- :func:`prior_shift` maps probabilities back, given the per-class factors.
- :class:`PriorCorrectedClassifier` wraps any classifier (or imbalanced-learn
  pipeline) and applies :func:`prior_shift` to its ``predict_proba``; with
  ``weights="auto"`` it measures the factors that re-sampling, ``sample_weight``
  and ``class_weight`` actually applied during ``fit``.
- :func:`expected_calibration_error`, :func:`calibration_intercept` and
  :func:`calibration_slope` measure calibration of binary probabilities.

How an undefined metric is reported
-----------------------------------
The three calibration metrics return a float when the value is defined. When it
is mathematically undefined on the data given (for example one class only in
``y_true``), they raise :class:`MetricUndefined`, whose ``reason`` field says
why. :func:`metric_or_nan` turns that into ``(nan, reason)``, which is what a
results row records (value in the metric column, reason in ``metric_notes``)::

    value, reason = metric_or_nan(calibration_slope, y_true, p)

Bad input (wrong shapes, probabilities outside [0, 1], labels other than 0/1)
is not "undefined": it raises :class:`~imbalance_lab.errors.InvalidParameterError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from scipy import optimize
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from imbalance_lab.errors import (
    ImbalanceLabError,
    InvalidParameterError,
    UnitSkipped,
    UnknownNameError,
)

#: Probabilities are clipped to [EPS, 1 - EPS] before taking logits, so that a
#: model that outputs exactly 0 or 1 gives a large finite logit (about +-34.5).
EPS = 1e-15

#: Tolerance on the row sums of a probability matrix: predict_proba of float32
#: models sums to 1 only up to a few ulps of float32.
ROW_SUM_TOL = 1e-6

ECE_STRATEGIES = ("uniform", "quantile")


# --------------------------------------------------------------------------
# Undefined metrics
# --------------------------------------------------------------------------


class MetricUndefined(ImbalanceLabError):
    """A metric has no value on these data (not an input error).

    Fields: ``metric`` (function name) and ``reason`` (one sentence, recorded
    in a result row's ``metric_notes``).
    """

    def __init__(self, metric: str, reason: str):
        self.metric = metric
        self.reason = reason
        super().__init__(f"{metric} is undefined: {reason}")


def metric_or_nan(func: Callable[..., float], *args: Any, **kwargs: Any) -> tuple[float, str | None]:
    """Call a calibration metric; return ``(value, None)``, or ``(nan, reason)``
    when it raises :class:`MetricUndefined`. Input errors still raise."""
    try:
        return float(func(*args, **kwargs)), None
    except MetricUndefined as exc:
        return math.nan, exc.reason


# --------------------------------------------------------------------------
# Prior shift
# --------------------------------------------------------------------------


def prior_shift(proba, weights, classes=None) -> np.ndarray:
    """Map probabilities of a model trained with per-class factors back to the
    training prior: ``p_c = (q_c / w_c) / sum_j (q_j / w_j)``.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities q, columns in the order of the model's
        ``classes_``; each row in [0, 1] and summing to 1.
    weights : array-like of shape (n_classes,) or mapping {label: factor}
        The factor by which training multiplied each class (class weight,
        copy factor, or both multiplied together); only ratios matter, so
        ``[1, 9]`` and ``[0.5, 4.5]`` are the same correction. An array is in
        the order of the columns of ``proba``; a mapping needs ``classes``.
    classes : array-like of shape (n_classes,), optional
        Labels of the columns of ``proba``; required when ``weights`` is a
        mapping, whose keys must be exactly these labels.

    Returns
    -------
    ndarray of shape (n_samples, n_classes), float64, rows summing to 1.

    Raises
    ------
    InvalidParameterError
        ``proba`` not 2-D with at least 2 columns, outside [0, 1], not finite,
        or a row not summing to 1; ``weights`` of the wrong length, with labels
        that are not the classes, or not finite and > 0.

    Examples
    --------
    A model trained with weight 9 on the positive class says q = 0.5: the
    training-prior probability is 0.5 / (0.5 + 9 * 0.5) = 0.1.

    >>> prior_shift([[0.5, 0.5], [0.2, 0.8]], [1, 9]).round(4)
    array([[0.9   , 0.1   ],
           [0.6923, 0.3077]])
    """
    q = _check_proba(proba)
    w = _check_weights(weights, classes, q.shape[1])
    scaled = q / w
    return scaled / scaled.sum(axis=1, keepdims=True)


def _check_proba(proba) -> np.ndarray:
    try:
        q = np.asarray(proba, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError("proba", proba, "a numeric array of probabilities") from None
    if q.ndim != 2 or q.shape[1] < 2:
        raise InvalidParameterError(
            "proba", f"array of shape {q.shape}", "shape (n_samples, n_classes) with n_classes >= 2"
        )
    bad = ~np.isfinite(q) | (q < 0) | (q > 1)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InvalidParameterError(
            "proba", float(q[i, j]), f"probabilities in [0, 1] (row {i}, column {j})"
        )
    sums = q.sum(axis=1)
    off = np.abs(sums - 1) > ROW_SUM_TOL
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise InvalidParameterError(
            "proba", f"row {i} summing to {float(sums[i])!r}", f"rows summing to 1 (within {ROW_SUM_TOL})"
        )
    return q


def _check_weights(weights, classes, n_classes: int, name: str = "weights") -> np.ndarray:
    """Per-class factors as a float array in column order, validated."""
    if classes is not None:
        classes = np.asarray(classes)
        if classes.ndim != 1 or len(classes) != n_classes:
            raise InvalidParameterError(
                "classes", classes.tolist(), f"{n_classes} labels, one per column of proba"
            )
    if isinstance(weights, Mapping):
        if classes is None:
            raise InvalidParameterError(
                "classes", None, f"the class labels, needed when {name} is a mapping"
            )
        keys = list(weights)
        missing = [c for c in classes.tolist() if c not in weights]
        extra = [k for k in keys if k not in set(classes.tolist())]
        if missing or extra:
            raise InvalidParameterError(
                name,
                dict(weights),
                f"one factor per class {classes.tolist()} "
                f"(missing {missing}, not a class {extra})",
            )
        values = [weights[c] for c in classes.tolist()]
    else:
        values = weights
    try:
        w = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(name, weights, "numbers, one per class") from None
    if w.ndim != 1 or len(w) != n_classes:
        shown = w.tolist() if w.ndim <= 1 else f"array of shape {w.shape}"
        raise InvalidParameterError(name, shown, f"{n_classes} factors, one per class")
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        label = classes.tolist()[i] if classes is not None else i
        raise InvalidParameterError(
            name, w.tolist(), f"finite factors > 0 (class {label!r} has {float(w[i])!r})"
        )
    return w


# --------------------------------------------------------------------------
# The meta-estimator
# --------------------------------------------------------------------------


class PriorCorrectedClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Wrap a classifier trained on re-weighted or re-sampled data and return
    probabilities at the prior of the data it was given.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``
        Any scikit-learn classifier or (imbalanced-learn) ``Pipeline``,
        including its resamplers and class weights; cloned in ``fit``.
    weights : "auto", array-like of shape (n_classes,) or mapping {label: factor}
        The per-class training factors (see :func:`prior_shift`). ``"auto"``
        measures them during ``fit``: for each class c, the total weight of c
        in the rows the final estimator was fitted on (after every resampler
        of a pipeline, times ``sample_weight``, times the final estimator's own
        ``class_weight``), divided by the number of rows of c in the ``y``
        given to ``fit``.

    Attributes
    ----------
    estimator_ : the fitted clone of ``estimator`` (its ``predict_proba`` gives
        the uncorrected probabilities).
    classes_ : ndarray, the labels, as in ``estimator_.classes_``.
    weights_ : ndarray of shape (n_classes,), the factors used, in ``classes_``
        order (measured or given).

    Notes
    -----
    ``fit(X, y, **fit_params)`` forwards ``fit_params`` to ``estimator.fit``
    unchanged, so a pipeline takes ``<last step>__sample_weight``.

    ``"auto"`` sees into nested ``Pipeline`` objects only. If the final step is
    another meta-estimator that hides a resampler or a ``class_weight`` (for
    example a threshold classifier around a re-balancing pipeline), ``fit``
    raises :class:`InvalidParameterError` rather than measure the wrong
    factors: put this wrapper *inside* such a meta-estimator, or pass
    ``weights`` explicitly. Re-weighting done inside a model in other ways
    (for example a balanced bootstrap of its own) is not seen either.

    A classifier without ``predict_proba`` raises
    :class:`~imbalance_lab.errors.UnitSkipped`: there is nothing to correct.

    ``predict`` is the arg-max of the corrected probabilities (in the binary
    case: the positive class when its corrected probability exceeds 0.5).
    """

    def __init__(self, estimator, weights="auto"):
        self.estimator = estimator
        self.weights = weights

    def fit(self, X, y, **fit_params):
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        classes, counts = np.unique(y, return_counts=True)
        if not has_method(self.estimator, "predict_proba"):
            raise UnitSkipped(
                f"prior correction needs probabilities; {type(self.estimator).__name__} "
                "has no predict_proba"
            )
        auto = isinstance(self.weights, str)
        if auto and self.weights != "auto":
            raise InvalidParameterError("weights", self.weights, "'auto', an array or a mapping")
        if not auto:
            explicit = _check_weights(self.weights, classes, len(classes))
        else:
            _refuse_hidden_reweighting(self.estimator)

        estimator = clone(self.estimator)
        if auto:
            estimator, recorder = _with_recorder(estimator)
            estimator.fit(X, y, **fit_params)
            estimator = _without_recorder(estimator)
            self.weights_ = _measured_factors(recorder, classes, counts)
        else:
            estimator.fit(X, y, **fit_params)
            self.weights_ = explicit
        if not np.array_equal(np.asarray(estimator.classes_), classes):
            raise InvalidParameterError(
                "estimator",
                type(self.estimator).__name__,
                f"a classifier that keeps every class of y {classes.tolist()}; "
                f"it learnt {np.asarray(estimator.classes_).tolist()}",
            )
        self.estimator_ = estimator
        if hasattr(estimator, "n_features_in_"):
            self.n_features_in_ = estimator.n_features_in_
        if hasattr(estimator, "feature_names_in_"):
            self.feature_names_in_ = estimator.feature_names_in_
        return self

    @property
    def classes_(self):
        check_is_fitted(self, "estimator_")
        return self.estimator_.classes_

    def predict_proba(self, X):
        check_is_fitted(self, "estimator_")
        return prior_shift(self.estimator_.predict_proba(X), self.weights_)

    def predict(self, X):
        proba = self.predict_proba(X)
        return np.asarray(self.classes_)[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags = inner.input_tags
        if inner.classifier_tags is not None:
            tags.classifier_tags.multi_class = inner.classifier_tags.multi_class
        return tags


def has_method(estimator, name: str) -> bool:
    """Whether ``estimator`` offers method ``name`` (fitted or not)."""
    # getattr on an unfitted sklearn estimator runs its available_if check
    # (for example SVC(probability=False) has no predict_proba).
    try:
        return callable(getattr(estimator, name))
    except AttributeError:
        return False


class _FitRecorder(BaseEstimator):
    """Stands in for the final estimator during one ``fit``: records the
    per-class total weight of the rows it is given, then fits the estimator."""

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y, sample_weight=None, **fit_params):
        y = np.asarray(y)
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        class_weight = _class_weight_param(self.estimator)
        if class_weight is not None:
            # The estimator multiplies each row by its class weight, computed
            # ("balanced") on the y it sees, i.e. after any resampling.
            weight = weight * compute_sample_weight(class_weight, y)
        labels, index = np.unique(y, return_inverse=True)
        self.seen_totals_ = dict(zip(labels.tolist(), np.bincount(index, weights=weight), strict=True))
        if sample_weight is not None:
            fit_params["sample_weight"] = sample_weight
        self.estimator.fit(X, y, **fit_params)
        return self


def _class_weight_param(estimator):
    try:
        class_weight = estimator.get_params(deep=False).get("class_weight")
    except AttributeError:
        return None
    # A forest's per-bootstrap balancing has the "balanced" effect in expectation.
    return "balanced" if class_weight == "balanced_subsample" else class_weight


def _final_step(estimator):
    """The estimator a (nested) Pipeline ends with, and the pipeline holding it."""
    parent = None
    while isinstance(estimator, Pipeline):
        parent, estimator = estimator, estimator.steps[-1][1]
    return parent, estimator


def _with_recorder(estimator):
    parent, final = _final_step(estimator)
    recorder = _FitRecorder(final)
    if parent is None:
        return recorder, recorder
    parent.steps[-1] = (parent.steps[-1][0], recorder)
    return estimator, recorder


def _without_recorder(estimator):
    if isinstance(estimator, _FitRecorder):
        return estimator.estimator
    parent, recorder = _final_step(estimator)
    parent.steps[-1] = (parent.steps[-1][0], recorder.estimator)
    return estimator


def _refuse_hidden_reweighting(estimator) -> None:
    """Raise if the final estimator hides a resampler or class weights in a
    nested meta-estimator, where the recorder could not see their effect."""
    _, final = _final_step(estimator)
    try:
        params = final.get_params(deep=True)
    except AttributeError:
        return
    for key, value in params.items():
        nested = "__" in key
        hidden = hasattr(value, "fit_resample") or (
            nested and key.endswith("class_weight") and value is not None
        )
        if key != "class_weight" and hidden:
            raise InvalidParameterError(
                "weights",
                "auto",
                f"factors measurable from the pipeline, but {type(final).__name__} hides "
                f"{key}={value!r}; wrap PriorCorrectedClassifier inside {type(final).__name__} "
                "or give weights explicitly",
            )


def _measured_factors(recorder: _FitRecorder, classes: np.ndarray, counts: np.ndarray) -> np.ndarray:
    seen = recorder.seen_totals_
    totals = np.array([seen.get(c, 0.0) for c in classes.tolist()])
    if not (np.isfinite(totals).all() and (totals > 0).all()):
        raise InvalidParameterError(
            "weights",
            "auto",
            "every class to keep positive weight after resampling, sample_weight and "
            f"class_weight; total weight per class {dict(zip(classes.tolist(), totals.tolist(), strict=True))}",
        )
    return totals / counts


# --------------------------------------------------------------------------
# Calibration metrics (binary)
# --------------------------------------------------------------------------


def expected_calibration_error(y_true, p, n_bins: int = 10, strategy: str = "uniform") -> float:
    """Expected calibration error: sum over bins of (rows in bin / n) times
    |share of positives in bin - mean p in bin|.

    Parameters
    ----------
    y_true : array-like of 0/1 (or bool), 1 = positive class.
    p : array-like of float in [0, 1], predicted probability of the positive class.
    n_bins : int >= 1
    strategy : "uniform" (equal-width bins on [0, 1]) or "quantile" (edges at
        quantiles of ``p``: equal-mass bins; tied quantiles merge bins).

    Binning is that of :func:`sklearn.calibration.calibration_curve`: a value
    on an inner edge falls in the lower bin; empty bins contribute nothing.

    Defined whenever there is at least one row (one class only is fine).
    """
    y, p = _check_binary_scores(y_true, p)
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise InvalidParameterError("n_bins", n_bins, "an integer >= 1")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        edges = np.percentile(p, np.linspace(0, 100, n_bins + 1))
    else:
        raise UnknownNameError("strategy", strategy, ECE_STRATEGIES, kind="binning strategy")
    bin_of = np.searchsorted(edges[1:-1], p)
    # (rows in bin / n) * |positives / rows - score / rows| = |positives - score| / n
    positives = np.bincount(bin_of, weights=y, minlength=n_bins)
    score = np.bincount(bin_of, weights=p, minlength=n_bins)
    return float(np.abs(positives - score).sum() / len(y))


def calibration_intercept(y_true, p) -> float:
    """Calibration-in-the-large: the intercept a of ``logit P(y=1) = a + logit(p)``
    (slope fixed at 1, ``logit(p)`` an offset), fitted by maximum likelihood.

    0 for calibrated probabilities; negative when ``p`` over-estimates the
    positive class on average. The score equation ``sum sigmoid(a + logit p_i)
    = sum y_i`` is increasing in a, so it has exactly one root when both
    classes are present, found by Brent's method to 1e-12.

    ``p`` is clipped to [EPS, 1 - EPS] before the logit.

    Raises :class:`MetricUndefined` when ``y_true`` holds one class only (the
    likelihood then increases without bound).
    """
    y, p = _check_binary_scores(y_true, p)
    events = y.sum()
    if events == 0 or events == len(y):
        raise MetricUndefined("calibration_intercept", "y_true holds one class only")
    offset = logit(np.clip(p, EPS, 1 - EPS))

    def excess(a):
        return expit(a + offset).sum() - events

    # A bracket: at a = lo every sigmoid is below events / n, at hi above it.
    target = logit(events / len(y))
    lo, hi = target - offset.max() - 1.0, target - offset.min() + 1.0
    return float(optimize.brentq(excess, lo, hi, xtol=1e-12, rtol=4 * np.finfo(float).eps))


def calibration_slope(y_true, p) -> float:
    """Calibration slope: b of the logistic recalibration ``logit P(y=1) = a + b logit(p)``,
    fitted by unpenalised maximum likelihood (scikit-learn's LogisticRegression
    with C=inf, Newton-Cholesky solver).

    1 for calibrated probabilities; below 1 when they are too extreme, above 1
    when too moderate. ``p`` is clipped to [EPS, 1 - EPS] before the logit.

    Raises :class:`MetricUndefined` when the maximum-likelihood estimate does
    not exist: ``y_true`` holds one class only; ``p`` is constant (the slope is
    not identifiable); or ``logit(p)`` separates the classes (the slope goes to
    infinity).
    """
    y, p = _check_binary_scores(y_true, p)
    events = y.sum()
    if events == 0 or events == len(y):
        raise MetricUndefined("calibration_slope", "y_true holds one class only")
    x = logit(np.clip(p, EPS, 1 - EPS))
    if np.ptp(x) == 0:
        raise MetricUndefined("calibration_slope", "p is constant, so the slope is not identifiable")
    x_pos, x_neg = x[y == 1], x[y == 0]
    if x_neg.max() <= x_pos.min() or x_pos.max() <= x_neg.min():
        raise MetricUndefined(
            "calibration_slope", "logit(p) separates the classes, so the slope is infinite"
        )
    model = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-10, max_iter=100)
    model.fit(x.reshape(-1, 1), y)
    return float(model.coef_[0, 0])


def _check_binary_scores(y_true, p) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise InvalidParameterError("y_true", f"array of shape {y.shape}", "a 1-D array of 0/1")
    try:
        y = y.astype(np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError("y_true", y_true, "0/1 labels (1 = positive class)") from None
    not_binary = (y != 0) & (y != 1)
    if not_binary.any():
        raise InvalidParameterError(
            "y_true", float(y[not_binary][0]), "0/1 labels (1 = positive class)"
        )
    try:
        p = np.asarray(p, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError("p", p, "probabilities of the positive class") from None
    if p.shape != y.shape:
        raise InvalidParameterError(
            "p", f"array of shape {p.shape}", f"one probability per label, shape {y.shape}"
        )
    if len(y) == 0:
        raise InvalidParameterError("y_true", [], "at least one row")
    bad = ~np.isfinite(p) | (p < 0) | (p > 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidParameterError("p", float(p[i]), f"probabilities in [0, 1] (row {i})")
    return y, p
