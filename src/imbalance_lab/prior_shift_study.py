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
import os
from dataclasses import dataclass
from pathlib import Path

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
    n_train, n_test, repeats, k_neighbors = int(n_train), int(n_test), int(repeats), int(k_neighbors)
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
    _check_sizes(prevalences, n_train, n_test, repeats, k_neighbors, schemes, len(coef_array))
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


#: Largest chance, over a whole run, that some replicate draws a training or
#: test set the study cannot fit or score (too few rows of a class):
#: :func:`check_parameters` refuses ``n_train`` / ``n_test`` below that.
FAILURE_RISK = 1e-3

#: Memory the study holds, as measured (peak resident size of one replicate at
#: 5 predictors: 331 bytes per training row at 2 M rows, 235 per test row at
#: 4 M rows) and put as a formula in the number of predictors d: a training
#: row is held about 6 times over d + 1 float64 columns (the draw, up to
#: twice over after over-sampling or SMOTE, the pipeline's and the solver's
#: copies with the intercept column) plus 6 numbers; a test row 4 times plus 6
#: numbers (logits, two probability columns, the metrics' sorts).
TRAIN_ROW_FLOATS = (6, 6)
TEST_ROW_FLOATS = (4, 6)
#: One result row (a dict of 12 fields in a list, then a DataFrame row).
BYTES_PER_RESULT_ROW = 2048
#: The kernel itself: Python, numpy, pandas, scikit-learn, matplotlib loaded.
KERNEL_BYTES = 2**29
#: Share of the available memory the study may plan to use: the rest is left
#: for other processes and for the estimate's error.
MEMORY_SHARE = 0.8

_GIB = 2**30


def row_bytes(n_features: int) -> tuple[int, int]:
    """Bytes per (training row, test row) at ``n_features`` predictors
    (:data:`TRAIN_ROW_FLOATS`, :data:`TEST_ROW_FLOATS`): 336 and 240 at 5."""
    return tuple(8 * (copies * (n_features + 1) + extra) for copies, extra in (TRAIN_ROW_FLOATS, TEST_ROW_FLOATS))


def available_memory() -> int:
    """Bytes of memory available to a new process: psutil's ``available``
    (else the machine's physical memory), capped by a cgroup v2 limit."""
    try:
        import psutil

        free = int(psutil.virtual_memory().available)
    except ImportError:
        free = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            free = min(free, int(limit) - int(Path("/sys/fs/cgroup/memory.current").read_text()))
    except (OSError, ValueError):
        pass
    return free


def short_draw_risk(n: int, prevalences, repeats: int, per_class: int) -> float:
    """Chance (union bound over replicates) that some replicate's ``n`` rows
    hold fewer than ``per_class`` rows of a class: ``repeats`` x the sum over
    prevalences p of P(Bin(n, p) < per_class) + P(Bin(n, 1 - p) < per_class)."""
    from scipy.stats import binom

    return repeats * sum(
        float(binom.cdf(per_class - 1, n, p) + binom.cdf(per_class - 1, n, 1 - p)) for p in prevalences
    )


def minimum_rows(prevalences, repeats: int, per_class: int, risk: float = FAILURE_RISK) -> int:
    """The fewest rows per replicate with :func:`short_draw_risk` <= ``risk``."""
    low, high = 2 * per_class - 1, 2 * per_class  # below 2 x per_class a class is always short
    while short_draw_risk(high, prevalences, repeats, per_class) > risk:
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        if short_draw_risk(middle, prevalences, repeats, per_class) > risk:
            low = middle
        else:
            high = middle
    return high


def _check_sizes(prevalences, n_train, n_test, repeats, k_neighbors, schemes, n_features) -> None:
    """``n_train`` / ``n_test`` large enough that no replicate is short of a
    class (but with chance :data:`FAILURE_RISK`), and the whole study small
    enough for the memory available."""
    needs = {
        # SMOTE fits k_neighbors + 1 neighbours (each row and its k) on the minority rows
        "n_train": (k_neighbors + 1, f"k_neighbors + 1 = {k_neighbors + 1} for SMOTE")
        if "smote" in schemes
        else (1, "1 to fit"),
        "n_test": (1, "1 to score: both classes are needed"),
    }
    sizes = {"n_train": n_train, "n_test": n_test}
    for name, (per_class, why) in needs.items():
        least = minimum_rows(prevalences, repeats, per_class)
        if sizes[name] < least:
            raise InvalidParameterError(
                name, sizes[name],
                f"an integer >= {least}: with fewer rows the chance that a replicate holds fewer than "
                f"{per_class} row(s) of a class ({why}) exceeds {FAILURE_RISK} "
                f"(prevalences {prevalences}, {repeats} repeats)",
            )
    train_bytes, test_bytes = row_bytes(n_features)
    result_rows = 2 * len(prevalences) * len(schemes)  # per repeat: each scheme, corrected or not
    terms = {
        "n_train": (n_train, train_bytes, "training row"),
        "n_test": (n_test, test_bytes, "test row"),
        "repeats": (repeats, result_rows * BYTES_PER_RESULT_ROW, "repeat"),
    }
    need = KERNEL_BYTES + sum(value * per for value, per, _ in terms.values())
    free = int(MEMORY_SHARE * available_memory())
    if need <= free:
        return
    name = max(terms, key=lambda key: terms[key][0] * terms[key][1])
    value, per, unit = terms[name]
    most = (free - (need - value * per)) // per
    estimate = (
        f"the study would need about {need / _GIB:.1f} GiB ({train_bytes} bytes per training row, "
        f"{test_bytes} per test row, {result_rows * BYTES_PER_RESULT_ROW} per repeat, "
        f"{KERNEL_BYTES / _GIB:.1f} GiB for the kernel) and it may use {free / _GIB:.1f} GiB "
        f"({MEMORY_SHARE:.0%} of the memory available)"
    )
    if most >= 1:
        raise InvalidParameterError(name, value, f"at most {most} with the other parameters as given: {estimate}")
    raise InvalidParameterError(name, value, f"a smaller value, and smaller other sizes: {estimate}")


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
