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
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from imblearn.metrics import geometric_mean_score
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    f1_score,
    log_loss,
    matthews_corrcoef,
    roc_auc_score,
)
from sklearn.preprocessing import label_binarize

from imbalance_lab import calibration, rows
from imbalance_lab.errors import InvalidParameterError, UnknownNameError

ECE_BINNINGS = ("uniform", "quantile")

NO_PROBA = "model gives no probabilities (no predict_proba)"
BINARY_ONLY = "binary only"


@dataclass(frozen=True)
class _Fold:
    """One held-out fold's truth and predictions, checked and indexed."""

    y_true: np.ndarray
    y_pred: np.ndarray
    proba: np.ndarray | None
    decision: np.ndarray | None
    classes: np.ndarray
    positive: Any
    ece_binning: str

    @property
    def binary(self) -> bool:
        return len(self.classes) == 2

    @property
    def pos_index(self) -> int:
        return int(np.flatnonzero(self.classes == self.positive)[0])

    @property
    def is_positive(self) -> np.ndarray:
        return self.y_true == self.positive

    @property
    def absent(self) -> list:
        """Classes with no row in ``y_true``."""
        present = set(np.unique(self.y_true).tolist())
        return [c for c in self.classes.tolist() if c not in present]

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


def _balanced_accuracy(fold: _Fold) -> Result:
    reason = _need_all_classes(fold, "its recall is")
    if reason:
        return _NAN, reason
    return float(balanced_accuracy_score(fold.y_true, fold.y_pred)), None


def _minority_f1(fold: _Fold) -> Result:
    predicted = fold.y_pred == fold.positive
    if not fold.is_positive.any() and not predicted.any():
        return _NAN, "minority class neither present nor predicted: F1 is 0/0"
    value = f1_score(fold.y_true, fold.y_pred, labels=[fold.positive], average="macro", zero_division=0.0)
    return float(value), None


def _macro_f1(fold: _Fold) -> Result:
    value = f1_score(fold.y_true, fold.y_pred, labels=fold.classes, average="macro", zero_division=0.0)
    return float(value), None


def _g_mean(fold: _Fold) -> Result:
    reason = _need_all_classes(fold, "its recall is")
    if reason:
        return _NAN, reason
    # imbalanced-learn's multiclass G-mean: the K-th root of the product of the
    # per-class recalls; for two classes sqrt(TPR * TNR).
    value = geometric_mean_score(fold.y_true, fold.y_pred, labels=fold.classes, average="multiclass")
    return float(value), None


def _mcc(fold: _Fold) -> Result:
    if np.unique(fold.y_true).size < 2:
        return _NAN, "y_true is constant on this fold: MCC is 0/0"
    if np.unique(fold.y_pred).size < 2:
        return _NAN, "prediction is constant: MCC is 0/0"
    return float(matthews_corrcoef(fold.y_true, fold.y_pred)), None


def _one_class_reason(fold: _Fold) -> str | None:
    if fold.binary:
        if np.unique(fold.is_positive).size < 2:
            return "only one class in y_true on this fold"
        return None
    return _need_all_classes(fold, "one-vs-rest score")


def _ranking_metric(
    fold: _Fold,
    binary: Callable[[np.ndarray, np.ndarray], float],
    multiclass: Callable[[_Fold], float],
    what: str,
) -> Result:
    """A score-ranking metric: binary on the minority's score (probability or
    decision function), multiclass one-vs-rest on the probabilities."""
    reason = _one_class_reason(fold)
    if reason:
        return _NAN, reason
    if fold.binary:
        score = fold.ranking_score()
        if score is None:
            return _NAN, "model gives neither probabilities nor a decision function"
        return float(binary(fold.is_positive, score)), None
    if fold.proba is None:
        return _NAN, f"{NO_PROBA}; multiclass {what} needs them"
    return float(multiclass(fold)), None


def _roc_auc(fold: _Fold) -> Result:
    return _ranking_metric(
        fold,
        roc_auc_score,
        lambda f: roc_auc_score(f.y_true, f.proba, multi_class="ovr", average="macro", labels=f.classes),
        "ROC-AUC",
    )


def _average_precision(fold: _Fold) -> Result:
    return _ranking_metric(
        fold,
        average_precision_score,
        lambda f: average_precision_score(label_binarize(f.y_true, classes=f.classes), f.proba, average="macro"),
        "average precision",
    )


def _brier(fold: _Fold) -> Result:
    if fold.proba is None:
        return _NAN, NO_PROBA
    if fold.binary:
        return float(brier_score_loss(fold.is_positive, fold.positive_proba())), None
    # Brier's original multiclass score: the sum over classes, in [0, 2]
    # (scikit-learn's scale_by_half="auto"); the binary one above is its half.
    return float(brier_score_loss(fold.y_true, fold.proba, labels=fold.classes)), None


def _log_loss(fold: _Fold) -> Result:
    if fold.proba is None:
        return _NAN, NO_PROBA
    return float(log_loss(fold.y_true, fold.proba, labels=fold.classes)), None


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
    with warnings.catch_warnings():
        # Every undefined case is caught above and recorded as NaN with a
        # reason, and zero_division is set explicitly; the warning would only
        # repeat what the notes say.
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        for name in metrics:
            value, reason = METRICS[name](fold)
            values[name] = value
            if math.isnan(value):
                notes[name] = reason or "undefined on this fold"
    return values, notes


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
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        unknown = np.setdiff1d(np.unique(labels), classes)
        if unknown.size:
            raise InvalidParameterError(name, unknown.tolist(), f"labels from classes {classes.tolist()}")
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
    return _Fold(y_true, y_pred, proba, decision, classes, positive, ece_binning)
