"""The prior-shift simulation of ``notebooks/calibration.ipynb``.

In the spirit of van den Goorbergh, van Smeden, Timmerman & Van Calster (2022),
"The harm of class imbalance corrections for risk prediction models", *JAMIA*
29(9): data from a correctly specified logistic model at a given prevalence; a
logistic regression fitted without correction, after random over-sampling,
random under-sampling or SMOTE to 1:1, or with balanced class weights; then
each of these after prior-shift correction
(:class:`~imbalance_lab.calibration.PriorCorrectedClassifier`, factors
measured during fit). Calibration is measured on a large independent test set
from the same population.

Expected result: re-balancing to 1:1 multiplies the odds by (1 - prev) / prev,
so the calibration intercept is ln(prev / (1 - prev)) (-0.847, -2.197, -4.595
for prevalence 0.3, 0.1, 0.01), and 0 after correction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import make_pipeline
from imblearn.under_sampling import RandomUnderSampler
from numpy.polynomial.hermite_e import hermegauss
from scipy import optimize
from scipy.special import expit
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from threadpoolctl import threadpool_limits

from imbalance_lab.calibration import (
    PriorCorrectedClassifier,
    calibration_intercept,
    calibration_slope,
    expected_calibration_error,
    metric_or_nan,
)
from imbalance_lab.errors import InvalidParameterError, UnknownNameError

#: scheme -> whether it re-balances the training data to 1:1.
SCHEMES = {
    "none": False,
    "random_over": True,
    "random_under": True,
    "smote": True,
    "balanced_weights": True,
}

#: Bound on the variance of the fit's error in the mean logit, in units of
#: 1 / (training events e). Under-sampling is the worst case: it fits on 2e
#: rows whose predicted risks sit near 0.5, an information of about 2e x 0.2,
#: so a variance of about 2.5 / e; weighting and over-sampling lose less.
FIT_VARIANCE_PER_EVENT = 3.0

_GH_NODES, _GH_WEIGHTS = hermegauss(101)


@dataclass
class StudyResult:
    """``rows``: one row per prevalence x repeat x scheme x corrected, with the
    test-set metrics; ``reliability``: binned reliability curves of repeat 0
    (10 equal-mass bins of the predicted probability); ``parameters``: the
    validated parameters of :func:`run_study`."""

    rows: pd.DataFrame
    reliability: pd.DataFrame
    parameters: dict


def _normal_expectation(func, scale: float, shift: float) -> float:
    """E[func(shift + scale * Z)] for Z ~ N(0, 1), by Gauss-Hermite quadrature."""
    values = func(shift + scale * _GH_NODES)
    return float(np.dot(_GH_WEIGHTS, values) / math.sqrt(2 * math.pi))


def intercept_for_prevalence(prevalence: float, coef) -> float:
    """The intercept b0 with E[sigmoid(b0 + x'b)] = prevalence for x ~ N(0, I):
    x'b ~ N(0, |b|^2), so the expectation is a 1-D normal integral."""
    _check_prevalence(prevalence)
    scale = float(np.linalg.norm(coef))
    return optimize.brentq(
        lambda b0: _normal_expectation(expit, scale, b0) - prevalence, -60.0, 60.0, xtol=1e-12
    )


def simulate(n: int, prevalence: float, coef, rng: np.random.Generator):
    """``n`` rows from the logistic model with standard normal predictors."""
    coef = np.asarray(coef, dtype=np.float64)
    b0 = intercept_for_prevalence(prevalence, coef)
    X = rng.standard_normal((n, len(coef)))
    y = (rng.random(n) < expit(b0 + X @ coef)).astype(np.int64)
    return X, y


def make_scheme(name: str, random_state=None, k_neighbors: int = 5):
    """An unpenalised logistic regression, with the scheme's re-balancing."""
    model = LogisticRegression(C=np.inf, solver="newton-cholesky", max_iter=200)
    if name == "none":
        return model
    if name == "balanced_weights":
        return model.set_params(class_weight="balanced")
    samplers = {
        "random_over": lambda: RandomOverSampler(random_state=random_state),
        "random_under": lambda: RandomUnderSampler(random_state=random_state),
        "smote": lambda: SMOTE(k_neighbors=k_neighbors, random_state=random_state),
    }
    if name not in samplers:
        raise UnknownNameError("scheme", name, SCHEMES, kind="scheme")
    return make_pipeline(samplers[name](), model)


def intercept_standard_error(prevalence: float, coef, n_train: int, n_test: int) -> float:
    """Approximate standard error of one replicate's calibration intercept.

    Three independent parts, as variances:

    - estimating it on the test set: 1 / I_test, with I_test = n_test E[p (1 - p)]
      the information about the intercept (E under the true model);
    - the training prevalence, which sets the re-balancing factor, differs from
      the population's: 1 / (n_train prev (1 - prev)) on the logit scale;
    - the fit's error in the mean logit: at most
      :data:`FIT_VARIANCE_PER_EVENT` / (n_train prev).

    The notebook shows the empirical standard deviation over repeats beside it.
    """
    _check_prevalence(prevalence)
    scale = float(np.linalg.norm(coef))
    b0 = intercept_for_prevalence(prevalence, coef)
    info_per_row = _normal_expectation(lambda eta: expit(eta) * expit(-eta), scale, b0)
    events = n_train * prevalence
    return math.sqrt(
        1 / (n_test * info_per_row)
        + 1 / (events * (1 - prevalence))
        + FIT_VARIANCE_PER_EVENT / events
    )


def run_study(
    prevalences=(0.3, 0.1, 0.01),
    *,
    n_train: int = 20_000,
    n_test: int = 100_000,
    coef=(0.5, 0.5, 0.5, 0.5, 0.5),
    schemes=tuple(SCHEMES),
    repeats: int = 10,
    k_neighbors: int = 5,
    random_state: int = 0,
) -> StudyResult:
    """Run the simulation; see the module docstring.

    Every (prevalence, repeat) draws its own training and test sets from a
    generator seeded by (random_state, prevalence index, repeat), shared by all
    schemes, so schemes are compared on the same data.
    """
    parameters = check_parameters(
        prevalences=prevalences,
        n_train=n_train,
        n_test=n_test,
        coef=coef,
        schemes=schemes,
        repeats=repeats,
        k_neighbors=k_neighbors,
        random_state=random_state,
    )
    # The fits are small (a few columns): BLAS and OpenMP threads only add
    # overhead and contend with other work (three times the CPU time, measured).
    with threadpool_limits(limits=1):
        rows, curves = _simulate_all(**parameters)
    return StudyResult(pd.DataFrame(rows), pd.concat(curves, ignore_index=True), parameters)


def _simulate_all(
    *, prevalences, n_train, n_test, coef, schemes, repeats, k_neighbors, random_state
) -> tuple[list[dict], list[pd.DataFrame]]:
    rows, curves = [], []
    for i, prevalence in enumerate(prevalences):
        for repeat in range(repeats):
            rng = np.random.default_rng([random_state, i, repeat])
            X_train, y_train = simulate(n_train, prevalence, coef, rng)
            X_test, y_test = simulate(n_test, prevalence, coef, rng)
            for name in schemes:
                model = PriorCorrectedClassifier(make_scheme(name, random_state, k_neighbors))
                model.fit(X_train, y_train)
                outputs = {
                    False: model.estimator_.predict_proba(X_test)[:, 1],
                    True: model.predict_proba(X_test)[:, 1],
                }
                for corrected, p in outputs.items():
                    keys = {"prevalence": prevalence, "scheme": name, "corrected": corrected}
                    rebalanced = SCHEMES[name] and not corrected
                    rows.append(
                        {
                            **keys,
                            "repeat": repeat,
                            "n_events_train": int(y_train.sum()),
                            "factor_ratio": float(model.weights_[1] / model.weights_[0]),
                            "expected_intercept": _logit(prevalence) if rebalanced else 0.0,
                            **_metrics(y_test, p),
                        }
                    )
                    if repeat == 0:
                        observed, predicted = calibration_curve(
                            y_test, p, n_bins=10, strategy="quantile"
                        )
                        curves.append(
                            pd.DataFrame({**keys, "mean_predicted": predicted, "observed": observed})
                        )
    return rows, curves


def _logit(prevalence: float) -> float:
    return math.log(prevalence / (1 - prevalence))


def check_parameters(
    *, prevalences, n_train, n_test, coef, schemes, repeats, k_neighbors, random_state
) -> dict:
    """Validate the study's parameters (before any work); return them with
    ``prevalences`` as a list of floats. Errors name the parameter and value."""
    if isinstance(prevalences, str) or not hasattr(prevalences, "__iter__"):
        raise InvalidParameterError("prevalences", prevalences, "a list of numbers in (0, 1)")
    prevalences = [_check_prevalence(p) for p in prevalences]
    if not prevalences:
        raise InvalidParameterError("prevalences", prevalences, "at least one prevalence")
    for name, value, low in (
        ("n_train", n_train, 1),
        ("n_test", n_test, 1),
        ("repeats", repeats, 1),
        ("k_neighbors", k_neighbors, 1),
        ("random_state", random_state, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise InvalidParameterError(name, value, f"an integer >= {low}")
    try:
        coef_array = np.asarray(coef, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError("coef", coef, "a list of numbers") from None
    if coef_array.ndim != 1 or len(coef_array) == 0 or not np.isfinite(coef_array).all():
        raise InvalidParameterError("coef", coef, "a non-empty list of finite numbers")
    if isinstance(schemes, str):
        raise InvalidParameterError("schemes", schemes, f"a list of scheme names from {list(SCHEMES)}")
    for name in schemes:
        if name not in SCHEMES:
            raise UnknownNameError("schemes", name, SCHEMES, kind="scheme")
    return {
        "prevalences": prevalences,
        "n_train": n_train,
        "n_test": n_test,
        "coef": coef_array.tolist(),
        "schemes": list(schemes),
        "repeats": repeats,
        "k_neighbors": k_neighbors,
        "random_state": random_state,
    }


def _metrics(y, p) -> dict:
    intercept, _ = metric_or_nan(calibration_intercept, y, p)
    slope, _ = metric_or_nan(calibration_slope, y, p)
    return {
        "calibration_intercept": intercept,
        "calibration_slope": slope,
        "ece": expected_calibration_error(y, p, n_bins=10, strategy="quantile"),
        "brier": brier_score_loss(y, p),
        "roc_auc": roc_auc_score(y, p),
        "mean_predicted": float(np.mean(p)),
        "observed_rate": float(np.mean(y)),
    }


def summarise(result: StudyResult) -> pd.DataFrame:
    """Mean calibration intercept per prevalence x scheme x corrected, with its
    expected value, the empirical and the nominal standard error of the mean,
    and the deviation in nominal standard errors; plus mean slope, ECE, AUC."""
    rows = result.rows
    coef, n_train, n_test = (result.parameters[k] for k in ("coef", "n_train", "n_test"))
    table = (
        rows.groupby(["prevalence", "scheme", "corrected"], sort=False)
        .agg(
            repeats=("repeat", "size"),
            expected_intercept=("expected_intercept", "first"),
            intercept=("calibration_intercept", "mean"),
            intercept_sd=("calibration_intercept", "std"),
            slope=("calibration_slope", "mean"),
            ece=("ece", "mean"),
            roc_auc=("roc_auc", "mean"),
            factor_ratio=("factor_ratio", "mean"),
        )
        .reset_index()
    )
    nominal = table["prevalence"].map(
        lambda prev: intercept_standard_error(prev, coef, n_train, n_test)
    )
    table["intercept_se_nominal"] = nominal / np.sqrt(table["repeats"])
    table["deviation_in_se"] = (table["intercept"] - table["expected_intercept"]) / table[
        "intercept_se_nominal"
    ]
    return table


def _check_prevalence(prevalence) -> float:
    if isinstance(prevalence, bool) or not isinstance(prevalence, int | float | np.floating):
        raise InvalidParameterError("prevalence", prevalence, "a number in (0, 1)")
    if not 0 < prevalence < 1:
        raise InvalidParameterError("prevalence", prevalence, "a number in (0, 1)")
    return float(prevalence)


__all__ = [
    "SCHEMES",
    "StudyResult",
    "check_parameters",
    "intercept_for_prevalence",
    "intercept_standard_error",
    "make_scheme",
    "run_study",
    "simulate",
    "summarise",
]
