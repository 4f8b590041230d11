"""Threshold schemes: move the decision threshold instead of re-balancing.

Built on scikit-learn's :class:`~sklearn.model_selection.FixedThresholdClassifier`
and :class:`~sklearn.model_selection.TunedThresholdClassifierCV`. A threshold
scheme is a mapping, as a sweep config spells it:

``{threshold: prior}``
    Predict the positive class when its probability is at least the share π of
    positive rows in the training fold. For calibrated probabilities this is
    the rule that maximises expected balanced accuracy (p/π >= (1 - p)/(1 - π)),
    and the one a model re-balanced to 1:1 applies when it thresholds at 0.5.
``{threshold: cost, c_fp: 1, c_fn: 10}``
    Predict positive when its probability is at least
    p* = c_FP / (c_FP + c_FN), the threshold that minimises the expected cost
    of a calibrated model's decisions (Elkan 2001, "The foundations of
    cost-sensitive learning", IJCAI). Costs must be finite and > 0.
``{threshold: tuned, metric: balanced_accuracy, cv: 5}``
    TunedThresholdClassifierCV: the threshold that maximises ``metric`` over
    ``cv`` stratified, shuffled folds *of the training data it is fitted on*
    (so, in a sweep, inside the training fold only), then the model refitted
    on all of it. ``metric`` is one of :data:`TUNING_METRICS`.

A scheme mapping may also carry ``correct: true`` (prior-shift correction),
which this module ignores: the caller wraps the estimator in
:class:`~imbalance_lab.calibration.PriorCorrectedClassifier` *before* passing
it here, so that the threshold acts on corrected probabilities.

Binary data only: on multiclass labels :func:`make_threshold_classifier`
raises :class:`~imbalance_lab.errors.UnitSkipped`. Neither scikit-learn wrapper
forwards fit parameters (``sample_weight``) unless metadata routing is
enabled, so threshold schemes wrap models fitted without them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

import numpy as np
from imblearn.metrics import geometric_mean_score
from sklearn.metrics import balanced_accuracy_score, f1_score, make_scorer, matthews_corrcoef
from sklearn.model_selection import (
    FixedThresholdClassifier,
    StratifiedKFold,
    TunedThresholdClassifierCV,
)

from imbalance_lab.calibration import has_method
from imbalance_lab.errors import InvalidParameterError, UnitSkipped, UnknownNameError, unknown_key

THRESHOLD_KINDS = ("prior", "cost", "tuned")

#: Keys each kind takes besides ``threshold``, with defaults (None = required).
_PARAMS: dict[str, dict[str, Any]] = {
    "prior": {},
    "cost": {"c_fp": None, "c_fn": None},
    "tuned": {"metric": "balanced_accuracy", "cv": 5, "n_thresholds": 100},
}

#: Keys of a scheme mapping that belong to other parts of the scheme.
_OTHER_SCHEME_KEYS = ("correct",)


# Each metric takes ``pos_label`` (ignoring it where the metric is symmetric)
# so that the scorer tells TunedThresholdClassifierCV which class is positive:
# the tuned threshold is then always one on the positive class's score.
def _balanced_accuracy(y_true, y_pred, pos_label=None):
    return balanced_accuracy_score(y_true, y_pred)


def _minority_f1(y_true, y_pred, pos_label=None):
    return f1_score(y_true, y_pred, pos_label=pos_label, zero_division=0.0)


def _macro_f1(y_true, y_pred, pos_label=None):
    return f1_score(y_true, y_pred, average="macro", zero_division=0.0)


def _g_mean(y_true, y_pred, pos_label=None):
    return geometric_mean_score(y_true, y_pred)


def _mcc(y_true, y_pred, pos_label=None):
    return matthews_corrcoef(y_true, y_pred)


#: Metrics a tuned threshold can maximise (names as in ``rows.METRICS``).
TUNING_METRICS = {
    "balanced_accuracy": _balanced_accuracy,
    "minority_f1": _minority_f1,
    "macro_f1": _macro_f1,
    "g_mean": _g_mean,
    "mcc": _mcc,
}


def check_threshold_spec(spec, field: str = "scheme") -> dict:
    """Validate a threshold scheme mapping and return it with defaults filled in.

    Needs no data, so a config can be checked before any work starts. Errors
    name ``<field>.<key>`` and the value: an unknown kind or metric
    (:class:`UnknownNameError`), a missing or unknown key, costs that are not
    finite numbers > 0, ``cv`` not an integer >= 2 (:class:`InvalidParameterError`).

    >>> check_threshold_spec({"threshold": "cost", "c_fp": 1, "c_fn": 9})
    {'threshold': 'cost', 'c_fp': 1.0, 'c_fn': 9.0}
    """
    if not isinstance(spec, Mapping) or "threshold" not in spec:
        raise InvalidParameterError(field, spec, "a mapping with a 'threshold' key")
    kind = spec["threshold"]
    if kind not in THRESHOLD_KINDS:
        raise UnknownNameError(f"{field}.threshold", kind, THRESHOLD_KINDS, kind="threshold scheme")
    allowed = _PARAMS[kind]
    for key in spec:
        if key != "threshold" and key not in allowed and key not in _OTHER_SCHEME_KEYS:
            choices = (*allowed, *_OTHER_SCHEME_KEYS)
            raise unknown_key(f"{field}.{key}", key, spec[key], choices, kind=f"key of threshold {kind!r}")
    out: dict[str, Any] = {"threshold": kind}
    for key, default in allowed.items():
        if key not in spec and default is None:
            raise InvalidParameterError(f"{field}.{key}", None, f"required by threshold: {kind}")
        out[key] = spec.get(key, default)
    if kind == "cost":
        for key in ("c_fp", "c_fn"):
            out[key] = _positive_cost(out[key], f"{field}.{key}")
    elif kind == "tuned":
        if out["metric"] not in TUNING_METRICS:
            raise UnknownNameError(f"{field}.metric", out["metric"], TUNING_METRICS, kind="metric")
        for key in ("cv", "n_thresholds"):
            value = out[key]
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 2:
                raise InvalidParameterError(f"{field}.{key}", value, "an integer >= 2")
    return out


def _positive_cost(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value <= 0:
        raise InvalidParameterError(name, value, "a finite cost > 0")
    return float(value)


def cost_threshold(c_fp: float, c_fn: float) -> float:
    """Elkan's (2001) optimal threshold on a calibrated probability of the
    positive class: predict positive iff p * c_FN >= (1 - p) * c_FP, i.e.
    p >= c_FP / (c_FP + c_FN)."""
    c_fp = _positive_cost(c_fp, "c_fp")
    c_fn = _positive_cost(c_fn, "c_fn")
    return c_fp / (c_fp + c_fn)


def make_threshold_classifier(estimator, spec, y_train, *, positive, random_state=None):
    """Wrap ``estimator`` (unfitted) so that it predicts with the threshold of ``spec``.

    Parameters
    ----------
    estimator : classifier or pipeline; ``threshold: prior`` and ``cost`` need
        ``predict_proba``; ``tuned`` also works on ``decision_function``.
    spec : threshold scheme mapping (see the module docstring and
        :func:`check_threshold_spec`).
    y_train : labels of the training fold the wrapper will be fitted on; the
        prior threshold is the share of ``positive`` in them.
    positive : label of the positive class (the minority).
    random_state : seed of the shuffled folds of a tuned threshold.

    Returns
    -------
    An unfitted ``FixedThresholdClassifier`` (prior, cost) or
    ``TunedThresholdClassifierCV`` (tuned) with ``pos_label`` = ``positive``.

    Raises
    ------
    InvalidParameterError / UnknownNameError
        a bad spec (see :func:`check_threshold_spec`), or ``positive`` not a
        label of ``y_train``.
    UnitSkipped
        ``y_train`` not binary; a probability threshold on a model without
        ``predict_proba``; fewer rows of a class than tuning folds.
    """
    options = check_threshold_spec(spec)
    kind = options["threshold"]
    y = np.asarray(y_train)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) != 2:
        raise UnitSkipped(
            f"threshold: {kind} is for binary labels; the training fold has "
            f"{len(classes)} classes"
        )
    if positive not in classes.tolist():
        raise InvalidParameterError("positive", positive, f"one of the labels {classes.tolist()}")

    if kind == "tuned":
        folds = options["cv"]
        if counts.min() < folds:
            raise UnitSkipped(
                f"threshold: tuned with cv={folds} needs at least {folds} rows of each class; "
                f"the training fold has {dict(zip(classes.tolist(), counts.tolist(), strict=True))}"
            )
        scorer = make_scorer(TUNING_METRICS[options["metric"]], pos_label=positive)
        return TunedThresholdClassifierCV(
            estimator,
            scoring=scorer,
            thresholds=options["n_thresholds"],
            cv=StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state),
        )

    if not has_method(estimator, "predict_proba"):
        raise UnitSkipped(
            f"threshold: {kind} is a probability threshold; "
            f"{type(estimator).__name__} has no predict_proba"
        )
    if kind == "prior":
        threshold = float(np.mean(y == positive))
    else:
        threshold = cost_threshold(options["c_fp"], options["c_fn"])
    return FixedThresholdClassifier(
        estimator, threshold=threshold, pos_label=positive, response_method="predict_proba"
    )


def decision_threshold(classifier) -> float:
    """The probability threshold a fitted classifier predicts with, for the
    ``threshold`` column of a result row: the fixed or tuned threshold of a
    threshold classifier that thresholds ``predict_proba``; 0.5 for any other
    binary classifier with ``predict_proba`` (the arg-max); NaN otherwise
    (multiclass, or a threshold on ``decision_function``)."""
    if isinstance(classifier, FixedThresholdClassifier | TunedThresholdClassifierCV):
        uses_proba = classifier.response_method == "predict_proba" or (
            classifier.response_method == "auto" and has_method(classifier.estimator_, "predict_proba")
        )
        if not uses_proba:
            return math.nan
        if isinstance(classifier, FixedThresholdClassifier):
            return 0.5 if classifier.threshold == "auto" else float(classifier.threshold)
        return float(classifier.best_threshold_)
    classes = getattr(classifier, "classes_", None)
    if classes is not None and len(classes) == 2 and has_method(classifier, "predict_proba"):
        return 0.5
    return math.nan

