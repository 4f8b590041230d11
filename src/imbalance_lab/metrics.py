"""Held-out metrics for imbalanced data, positive class = the minority.

:func:`compute` scores one fold and returns ``(values, notes)``: a value for
every metric asked for, and for every value that is NaN the reason why. A
metric is NaN only where it is undefined on that fold, never to spare a model
a bad score:

* ROC-AUC and average precision need both classes in ``y_true`` (multiclass:
  every class);
* balanced accuracy and G-mean need every class in ``y_true`` (the recall of
  an absent class is 0/0);
* MCC is 0/0 when the truth or the prediction is constant (scikit-learn
  returns 0.0 there; we record NaN and say why);
* minority F1 is 0/0 only when the minority is neither present nor predicted;
* probability metrics (Brier, log-loss, ECE, calibration intercept and slope)
  need probabilities: a model without ``predict_proba`` gets NaN with that
  reason (ROC-AUC and average precision then use its decision function);
* ECE and the calibration intercept and slope are defined here for binary
  data only (``"binary only"``).

A model that predicts only the majority gets its true scores: minority F1 0,
G-mean 0, balanced accuracy 0.5 (binary).

Why the formulas are written out here rather than called from scikit-learn:
a sweep scores tens of thousands of small folds, and scikit-learn's metric
functions spend most of their time re-validating and re-encoding the labels
(about 30 ms for the twelve metrics of one 70-row fold, more than a logistic
regression fit). Here the labels are checked and encoded once, one confusion
matrix serves the five label metrics, and the ranking metrics are a rank sum
(ROC-AUC) and a step sum over distinct thresholds (average precision), as
scikit-learn defines them; the tests check every value against
scikit-learn's and imbalanced-learn's own functions. ECE and the calibration
intercept and slope come from :mod:`imbalance_lab.calibration`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from scipy.stats import rankdata

from imbalance_lab import calibration, rows
from imbalance_lab.errors import InvalidParameterError, UnknownNameError

ECE_BINNINGS = ("uniform", "quantile")

NO_PROBA = "model gives no probabilities (no predict_proba)"
BINARY_ONLY = "binary only"


@dataclass(frozen=True)
class _Fold:
    """One held-out fold's truth and predictions, checked; labels encoded as
    column indices of ``classes`` (``t`` for the truth, ``p`` for the
    prediction)."""

    t: np.ndarray
    p: np.ndarray
    proba: np.ndarray | None
    decision: np.ndarray | None
    classes: np.ndarray
    pos_index: int
    ece_binning: str

    @property
    def binary(self) -> bool:
        return len(self.classes) == 2

    @cached_property
    def confusion(self) -> np.ndarray:
        """K x K counts, rows = truth, columns = prediction."""
        k = len(self.classes)
        return np.bincount(self.t * k + self.p, minlength=k * k).reshape(k, k)

    @cached_property
    def support(self) -> np.ndarray:
        return self.confusion.sum(axis=1)

    @cached_property
    def predicted(self) -> np.ndarray:
        return self.confusion.sum(axis=0)

    @property
    def absent(self) -> list:
        """Classes with no row in the truth."""
        return self.classes[self.support == 0].tolist()

    @cached_property
    def is_positive(self) -> np.ndarray:
        return self.t == self.pos_index

    def positive_proba(self) -> np.ndarray:
        assert self.proba is not None
        return self.proba[:, self.pos_index]

    def ranking_score(self) -> np.ndarray | None:
        """Score that ranks rows by how positive they look (binary), or None."""
        if self.proba is not None:
            return self.positive_proba()
        if self.decision is None:
            return None
        # scikit-learn's binary decision_function scores classes[1].
        return self.decision if self.pos_index == 1 else -self.decision


Result = tuple[float, str | None]
_NAN = math.nan


def _need_all_classes(fold: _Fold, what: str) -> str | None:
    absent = fold.absent
    if absent:
        return f"class {absent[0]!r} absent from y_true on this fold: {what} undefined"
    return None


def _recalls(fold: _Fold) -> np.ndarray:
    return np.diagonal(fold.confusion) / fold.support


def _f1_per_class(fold: _Fold) -> np.ndarray:
    """2 TP / (2 TP + FP + FN) = 2 TP / (support + predicted); 0 where that is 0/0
    (a class neither present nor predicted), as scikit-learn's zero_division=0."""
    denominator = fold.support + fold.predicted
    tp2 = 2.0 * np.diagonal(fold.confusion)
    return np.divide(tp2, denominator, out=np.zeros(len(tp2)), where=denominator > 0)


def _balanced_accuracy(fold: _Fold) -> Result:
    reason = _need_all_classes(fold, "its recall is")
    if reason:
        return _NAN, reason
    return float(np.mean(_recalls(fold))), None


def _minority_f1(fold: _Fold) -> Result:
    i = fold.pos_index
    if fold.support[i] + fold.predicted[i] == 0:
        return _NAN, "minority class neither present nor predicted: F1 is 0/0"
    return float(_f1_per_class(fold)[i]), None


def _macro_f1(fold: _Fold) -> Result:
    return float(np.mean(_f1_per_class(fold))), None


def _g_mean(fold: _Fold) -> Result:
    reason = _need_all_classes(fold, "its recall is")
    if reason:
        return _NAN, reason
    # imbalanced-learn's multiclass G-mean: the K-th root of the product of the
    # per-class recalls; for two classes sqrt(TPR * TNR).
    recalls = _recalls(fold)
    return float(np.prod(recalls) ** (1.0 / len(recalls))), None


def _mcc(fold: _Fold) -> Result:
    if np.count_nonzero(fold.support) < 2:
        return _NAN, "y_true is constant on this fold: MCC is 0/0"
    if np.count_nonzero(fold.predicted) < 2:
        return _NAN, "prediction is constant: MCC is 0/0"
    # Gorodkin's R_K (scikit-learn's multiclass MCC; the binary MCC for K = 2)
    t, p = fold.support.astype(float), fold.predicted.astype(float)
    n, correct = t.sum(), float(np.trace(fold.confusion))
    value = (correct * n - t @ p) / math.sqrt((n * n - p @ p) * (n * n - t @ t))
    return float(value), None


def _one_class_reason(fold: _Fold) -> str | None:
    if fold.binary:
        return None if np.all(fold.support) else "only one class in y_true on this fold"
    return _need_all_classes(fold, "one-vs-rest score")


def binary_roc_auc(is_positive: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve by the rank sum (Mann-Whitney U), ties
    counting one half, as scikit-learn's trapezoid does."""
    n_pos = int(is_positive.sum())
    n_neg = is_positive.size - n_pos
    ranks = rankdata(score)
    return float((ranks[is_positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def binary_average_precision(is_positive: np.ndarray, score: np.ndarray) -> float:
    """sum_k (R_k - R_(k-1)) P_k over the distinct score thresholds, highest
    first (scikit-learn's definition: a step sum, no interpolation)."""
    order = np.argsort(score, kind="mergesort")[::-1]
    score, hits = score[order], is_positive[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(score)), score.size - 1]
    tp = np.cumsum(hits)[last_of_tie]
    precision = tp / (last_of_tie + 1)
    recall = tp / tp[-1]
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def _ranking_metric(fold: _Fold, binary: Callable[[np.ndarray, np.ndarray], float], what: str) -> Result:
    """A score-ranking metric: binary on the minority's score (probability or
    decision function), multiclass the mean of one-vs-rest on the probabilities."""
    reason = _one_class_reason(fold)
    if reason:
        return _NAN, reason
    if fold.binary:
        score = fold.ranking_score()
        if score is None:
            return _NAN, "model gives neither probabilities nor a decision function"
        return binary(fold.is_positive, score), None
    if fold.proba is None:
        return _NAN, f"{NO_PROBA}; multiclass {what} needs them"
    per_class = [binary(fold.t == k, fold.proba[:, k]) for k in range(len(fold.classes))]
    return float(np.mean(per_class)), None


def _roc_auc(fold: _Fold) -> Result:
    return _ranking_metric(fold, binary_roc_auc, "ROC-AUC")


def _average_precision(fold: _Fold) -> Result:
    return _ranking_metric(fold, binary_average_precision, "average precision")


def _brier(fold: _Fold) -> Result:
    if fold.proba is None:
        return _NAN, NO_PROBA
    if fold.binary:
        return float(np.mean((fold.positive_proba() - fold.is_positive) ** 2)), None
    # Brier's original multiclass score, the sum over classes, in [0, 2]
    # (scikit-learn's default); the binary one above is its half.
    onehot = np.zeros_like(fold.proba)
    onehot[np.arange(fold.t.size), fold.t] = 1.0
    return float(np.mean(np.sum((fold.proba - onehot) ** 2, axis=1))), None


_EPS = float(np.finfo(np.float64).eps)


def _log_loss(fold: _Fold) -> Result:
    if fold.proba is None:
        return _NAN, NO_PROBA
    # clipped to [eps, 1 - eps] as scikit-learn does, so a confident miss is
    # a large finite loss
    p_true = np.clip(fold.proba[np.arange(fold.t.size), fold.t], _EPS, 1 - _EPS)
    return float(-np.mean(np.log(p_true))), None


def _binary_proba_reason(fold: _Fold, needs_both: bool) -> str | None:
    if fold.proba is None:
        return NO_PROBA
    if not fold.binary:
        return BINARY_ONLY
    if needs_both and np.unique(fold.is_positive).size < 2:
        return "only one class in y_true on this fold: the recalibration fit is undefined"
    return None


def _ece(fold: _Fold) -> Result:
    reason = _binary_proba_reason(fold, needs_both=False)
    if reason:
        return _NAN, reason
    return _calibration_metric("expected_calibration_error", fold, strategy=fold.ece_binning)


def _calibration_intercept(fold: _Fold) -> Result:
    reason = _binary_proba_reason(fold, needs_both=True)
    if reason:
        return _NAN, reason
    return _calibration_metric("calibration_intercept", fold)


def _calibration_slope(fold: _Fold) -> Result:
    reason = _binary_proba_reason(fold, needs_both=True)
    if reason:
        return _NAN, reason
    return _calibration_metric("calibration_slope", fold)


def _calibration_metric(name: str, fold: _Fold, **kwargs: Any) -> Result:
    # calibration's metrics raise MetricUndefined (with the reason) where the
    # value does not exist, e.g. a slope when logit(p) separates the classes.
    func = getattr(calibration, name)
    return calibration.metric_or_nan(func, fold.is_positive.astype(int), fold.positive_proba(), **kwargs)


#: name -> function(fold) -> (value, reason or None). Same names as rows.METRICS.
METRICS: dict[str, Callable[[_Fold], Result]] = {
    "balanced_accuracy": _balanced_accuracy,
    "minority_f1": _minority_f1,
    "macro_f1": _macro_f1,
    "g_mean": _g_mean,
    "mcc": _mcc,
    "roc_auc": _roc_auc,
    "average_precision": _average_precision,
    "brier": _brier,
    "log_loss": _log_loss,
    "ece": _ece,
    "calibration_intercept": _calibration_intercept,
    "calibration_slope": _calibration_slope,
}
assert tuple(METRICS) == rows.METRICS, "metrics.METRICS must list rows.METRICS in order"


def validate_metrics(metrics: Any, field: str = "metrics") -> list[str]:
    """Check a list of metric names; return it as a list."""
    if isinstance(metrics, str) or not isinstance(metrics, Sequence):
        raise InvalidParameterError(field, metrics, f"a list of metric names from {list(METRICS)}")
    for i, name in enumerate(metrics):
        if name not in METRICS:
            raise UnknownNameError(f"{field}[{i}]", name, METRICS, kind="metric")
    return list(metrics)


def compute(
    y_true: Any,
    y_pred: Any,
    proba: Any,
    *,
    classes: Sequence,
    positive: Any,
    metrics: Sequence[str] = rows.METRICS,
    ece_binning: str = "uniform",
    decision: Any = None,
) -> tuple[dict[str, float], dict[str, str]]:
    """Score one held-out fold.

    Parameters
    ----------
    y_true, y_pred : labels of the fold's rows and the model's predictions.
    proba : array (n, K) of class probabilities in the order of ``classes``,
        or None for a model without ``predict_proba``.
    classes : the K labels the model was trained on (its ``classes_``).
    positive : the minority label; minority F1, ROC-AUC, average precision
        and the binary probability metrics score it as the positive class.
    metrics : names from :data:`METRICS`.
    ece_binning : ``"uniform"`` (equal-width) or ``"quantile"`` (equal-mass) bins.
    decision : the model's ``decision_function`` output, used for ROC-AUC and
        average precision when ``proba`` is None (binary: 1-D, higher means
        ``classes[1]``).

    Returns ``(values, notes)``: ``values[m]`` for every metric asked for and
    ``notes[m]`` the reason for each NaN among them.
    """
    metrics = validate_metrics(metrics)
    if ece_binning not in ECE_BINNINGS:
        raise InvalidParameterError("ece_binning", ece_binning, f"one of {ECE_BINNINGS}")
    fold = _check_fold(y_true, y_pred, proba, decision, classes, positive, ece_binning)
    values: dict[str, float] = {}
    notes: dict[str, str] = {}
    for name in metrics:
        value, reason = METRICS[name](fold)
        values[name] = value
        if math.isnan(value):
            notes[name] = reason or "undefined on this fold"
    return values, notes


def _encode(labels: np.ndarray, classes: np.ndarray, name: str) -> np.ndarray:
    """Column index in ``classes`` of every label; an unknown label is an error."""
    order = np.argsort(classes, kind="stable")
    try:
        where = np.searchsorted(classes, labels, sorter=order)
    except TypeError:  # labels of another type than the classes (str vs int)
        raise InvalidParameterError(name, labels[:1].tolist(), f"labels from classes {classes.tolist()}") from None
    index = order[np.minimum(where, classes.size - 1)]
    unknown = classes[index] != labels
    if np.any(unknown):
        raise InvalidParameterError(name, labels[unknown][0], f"labels from classes {classes.tolist()}")
    return index


def _check_fold(y_true, y_pred, proba, decision, classes, positive, ece_binning) -> _Fold:
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    classes = np.asarray(classes)
    if y_true.ndim != 1 or y_true.size == 0:
        raise InvalidParameterError("y_true", y_true.shape, "a non-empty 1-D array of labels")
    if y_pred.shape != y_true.shape:
        raise InvalidParameterError("y_pred", y_pred.shape, f"the shape of y_true {y_true.shape}")
    if classes.ndim != 1 or classes.size < 2 or np.unique(classes).size != classes.size:
        raise InvalidParameterError("classes", classes.tolist(), "at least two distinct labels")
    if positive not in classes.tolist():
        raise InvalidParameterError("positive", positive, f"one of classes {classes.tolist()}")
    t = _encode(y_true, classes, "y_true")
    p = _encode(y_pred, classes, "y_pred")
    if proba is not None:
        proba = np.asarray(proba, dtype=float)
        if proba.shape != (y_true.size, classes.size):
            raise InvalidParameterError("proba", proba.shape, f"shape {(y_true.size, classes.size)} (rows, classes)")
        if not np.all(np.isfinite(proba)) or proba.min() < 0 or proba.max() > 1:
            raise InvalidParameterError("proba", (float(np.nanmin(proba)), float(np.nanmax(proba))), "probabilities in [0, 1]")
    if decision is not None:
        decision = np.asarray(decision, dtype=float)
        if decision.shape[0] != y_true.size or not np.all(np.isfinite(decision)):
            raise InvalidParameterError("decision", decision.shape, f"{y_true.size} finite scores")
    pos_index = classes.tolist().index(positive)
    return _Fold(t, p, proba, decision, classes, pos_index, ece_binning)
