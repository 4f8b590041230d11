"""Synthetic data with exact class counts, binary or multiclass.

Two generators, both seeded (``random_state``, default 0, so a config that
names a synthetic data set always gets the same rows):

* :func:`make_imbalanced` -- scikit-learn's ``make_classification`` clusters
  (hypercube vertices, ``class_sep``, ``n_informative``, ``n_redundant``,
  ``n_clusters_per_class``), with the class counts exact: a balanced sample
  large enough for the biggest class is drawn and each class is subsampled to
  its count. Label noise ``flip_y`` is count-preserving: a fraction ``flip_y``
  of the rows has its labels shuffled among themselves (so a bit less than
  that fraction actually changes label, as with scikit-learn's own
  ``flip_y``), which keeps every class count exact.
* :func:`make_gaussian` -- K Gaussian classes sharing one covariance, the
  means at the vertices of a regular simplex whose edges have Mahalanobis
  length ``class_sep``. The Bayes-optimal rule is then linear and known in
  closed form: :class:`GaussianProblem` gives its posterior, coefficients and
  (for two classes) its error rate.

``counts[k]`` rows get label k. Binary counts must list the majority first,
so that the minority is label 1 like every other binary data set here.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from scipy.special import log_softmax, softmax
from scipy.stats import norm
from sklearn.datasets import make_classification
from sklearn.utils import check_random_state

from imbalance_lab.datasets.dataset import Dataset
from imbalance_lab.datasets.ratio import apportion
from imbalance_lab.errors import InvalidParameterError, unknown_key

__all__ = [
    "KINDS",
    "DEFAULTS",
    "GaussianProblem",
    "make_imbalanced",
    "make_gaussian",
    "check_synthetic",
    "synthetic_name",
    "load_synthetic",
]

KINDS = ("classification", "gaussian")

#: Defaults of every synthetic parameter, per kind.
DEFAULTS: dict[str, dict[str, Any]] = {
    "classification": {
        "n_features": 2,
        "n_informative": None,  # None: n_features - n_redundant
        "n_redundant": 0,
        "n_clusters_per_class": 1,
        "class_sep": 1.0,
        "flip_y": 0.0,
        "random_state": 0,
    },
    "gaussian": {
        "n_features": 2,
        "class_sep": 2.0,  # Mahalanobis distance between any two class means
        "covariance": "identity",  # or "random": a seeded, well-conditioned shared covariance
        "random_state": 0,
    },
}


# --------------------------------------------------------------------------
# parameter checks (shared by the generators and by config validation)


def check_synthetic(params: Any, field: str = "synthetic", error: type = InvalidParameterError) -> dict:
    """Validate synthetic parameters and return them complete (defaults
    filled, ``n_samples``/``weights`` turned into ``counts``). Errors name
    ``<field>.<key>`` and are raised as ``error`` (``ConfigError`` for configs)."""
    if not isinstance(params, Mapping):
        raise error(field, params, "a mapping of synthetic-data parameters")
    params = dict(params)
    kind = params.pop("kind", "classification")
    if kind not in KINDS:
        raise error(f"{field}.kind", kind, f"one of {list(KINDS)}")
    name = params.pop("name", None)
    if name is not None and (not isinstance(name, str) or not name):
        raise error(f"{field}.name", name, "a non-empty string")
    allowed = {"counts", "n_samples", "weights", *DEFAULTS[kind]}
    unknown = sorted(set(params) - allowed, key=str)
    if unknown:
        key = unknown[0]
        choices = {"kind", "name", *allowed}
        raise unknown_key(f"{field}.{key}", key, params[key], choices, kind=f"parameter of kind {kind!r}", error=error)
    out: dict[str, Any] = {"kind": kind, "counts": _counts(params, field, error)}
    for key, default in DEFAULTS[kind].items():
        out[key] = params.get(key, default)
    _check_values(out, field, error)
    if name is not None:
        out["name"] = name
    return out


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _counts(params: dict, field: str, error: type) -> list[int]:
    has_counts, has_n = "counts" in params, "n_samples" in params
    if has_counts == has_n:
        raise error(
            f"{field}.counts",
            params.get("counts"),
            "either counts (rows per class, e.g. [600, 300, 100]) or n_samples (with optional weights)",
        )
    if has_counts:
        counts = params["counts"]
        if (
            isinstance(counts, str | bytes | Mapping)
            or not hasattr(counts, "__len__")
            or len(counts) < 2
            or not all(_is_int(c) and c >= 1 for c in counts)
        ):
            raise error(f"{field}.counts", counts, "a list of at least two integers >= 1, one per class")
        counts = [int(c) for c in counts]
    else:
        n = params["n_samples"]
        if not _is_int(n) or n < 2:
            raise error(f"{field}.n_samples", n, "an integer >= 2")
        weights = params.get("weights", [1, 1])
        if (
            isinstance(weights, str | bytes | Mapping)
            or not hasattr(weights, "__len__")
            or len(weights) < 2
            or not all(
                isinstance(w, numbers.Real) and not isinstance(w, bool) and math.isfinite(w) and w > 0
                for w in weights
            )
        ):
            raise error(f"{field}.weights", weights, "a list of at least two positive numbers (class shares)")
        counts = list(apportion(int(n), {k: Fraction(repr(float(w))) for k, w in enumerate(weights)}).values())
        if min(counts) < 1:
            raise error(f"{field}.n_samples", n, f"enough rows for every class to get one (counts {counts})")
    if len(counts) == 2 and counts[1] > counts[0]:
        raise error(
            f"{field}.counts",
            counts,
            "the majority first for two classes (label 1 is the minority), e.g. "
            f"{[counts[1], counts[0]]}",
        )
    return counts


def _check_values(p: dict, field: str, error: type) -> None:
    def positive_int(key: str, minimum: int = 1) -> None:
        if not _is_int(p[key]) or p[key] < minimum:
            raise error(f"{field}.{key}", p[key], f"an integer >= {minimum}")

    def number(key: str, low: float, high: float | None = None, *, low_open: bool = False) -> None:
        value = p[key]
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
        ok = ok and (value > low if low_open else value >= low) and (high is None or value <= high)
        if not ok:
            bounds = f"{'>' if low_open else '>='} {low}" + (f" and <= {high}" if high is not None else "")
            raise error(f"{field}.{key}", value, f"a finite number {bounds}")

    seed = p["random_state"]
    if not (_is_int(seed) and 0 <= seed < 2**32):
        raise error(f"{field}.random_state", seed, "an integer seed in [0, 2**32)")
    positive_int("n_features")
    K = len(p["counts"])
    if p["kind"] == "gaussian":
        number("class_sep", 0.0, low_open=True)
        if p["covariance"] not in ("identity", "random"):
            raise error(f"{field}.covariance", p["covariance"], "'identity' or 'random'")
        if p["n_features"] < K - 1:
            raise error(
                f"{field}.n_features", p["n_features"], f">= {K - 1} (K - 1 dimensions hold the {K} class means)"
            )
        return
    positive_int("n_redundant", 0)
    positive_int("n_clusters_per_class")
    number("class_sep", 0.0)
    number("flip_y", 0.0, 1.0)
    if p["n_informative"] is None:
        p["n_informative"] = p["n_features"] - p["n_redundant"]
    positive_int("n_informative")
    if p["n_informative"] + p["n_redundant"] > p["n_features"]:
        raise error(
            f"{field}.n_features",
            p["n_features"],
            f">= n_informative + n_redundant = {p['n_informative'] + p['n_redundant']}",
        )
    if K * p["n_clusters_per_class"] > 2 ** p["n_informative"]:
        raise error(
            f"{field}.n_informative",
            p["n_informative"],
            f"large enough that 2**n_informative >= classes x n_clusters_per_class = "
            f"{K * p['n_clusters_per_class']}",
        )


def synthetic_name(params: Mapping) -> str:
    """A readable name: the ``name`` given, else kind, counts and every
    parameter that differs from its default, e.g.
    ``synthetic_gaussian_900-100_class_sep=3``."""
    p = check_synthetic(params)
    if "name" in p:
        return p["name"]
    defaults = dict(DEFAULTS[p["kind"]])
    if p["kind"] == "classification":
        defaults["n_informative"] = p["n_features"] - p["n_redundant"]
    extra = [f"{key}={_short(p[key])}" for key in sorted(defaults) if p[key] != defaults[key]]
    return "_".join(["synthetic", p["kind"], "-".join(map(str, p["counts"])), *extra])


def _short(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------
# generators


def make_imbalanced(counts: Any, **params: Any) -> tuple[np.ndarray, np.ndarray]:
    """``make_classification`` data with exactly ``counts[k]`` rows of class k.

    Parameters (defaults in ``DEFAULTS["classification"]``): ``n_features``,
    ``n_informative``, ``n_redundant``, ``n_clusters_per_class``,
    ``class_sep``, ``flip_y`` (count-preserving label noise, see the module
    doc), ``random_state``.
    """
    p = check_synthetic({"kind": "classification", "counts": counts, **params}, field="params")
    counts = p["counts"]
    K, per_cluster = len(counts), p["n_clusters_per_class"]
    # A balanced draw with at least max(counts) rows per class, so that every
    # class can be subsampled to its exact count.
    per_class = per_cluster * math.ceil(max(counts) / per_cluster)
    X, y = make_classification(
        n_samples=K * per_class,
        n_features=p["n_features"],
        n_informative=p["n_informative"],
        n_redundant=p["n_redundant"],
        n_repeated=0,
        n_classes=K,
        n_clusters_per_class=per_cluster,
        weights=None,
        flip_y=0.0,
        class_sep=p["class_sep"],
        shuffle=True,
        random_state=p["random_state"],
    )
    rng = check_random_state(p["random_state"])
    keep = np.sort(
        np.concatenate([rng.choice(np.flatnonzero(y == k), size=c, replace=False) for k, c in enumerate(counts)])
    )
    X, y = X[keep], y[keep].astype(np.int64)
    n_noisy = round(p["flip_y"] * y.shape[0])
    if n_noisy:
        rows = rng.choice(y.shape[0], size=n_noisy, replace=False)
        y[rows] = y[rng.permutation(rows)]
    return np.ascontiguousarray(X, dtype=np.float64), y


@dataclass(frozen=True, eq=False)
class GaussianProblem:
    """K Gaussian classes N(means[k], cov) with a shared covariance.

    The Bayes-optimal posterior for class priors pi is the softmax of the
    linear discriminants ``x' S^-1 mu_k - mu_k' S^-1 mu_k / 2 + log pi_k``
    (S = ``cov``). ``priors`` defaults to the shares of the generated counts.
    """

    means: np.ndarray  # (K, d)
    cov: np.ndarray  # (d, d)
    priors: np.ndarray  # (K,)

    def _priors(self, priors: Any) -> np.ndarray:
        p = self.priors if priors is None else np.asarray(priors, dtype=np.float64)
        if p.shape != self.priors.shape or np.any(p <= 0):
            raise InvalidParameterError("priors", priors, f"{self.priors.size} positive numbers")
        return p / p.sum()

    def discriminants(self, X: Any, priors: Any = None) -> np.ndarray:
        """(n, K) linear discriminant scores; their softmax is the posterior."""
        X = np.asarray(X, dtype=np.float64)
        W = np.linalg.solve(self.cov, self.means.T)  # (d, K): S^-1 mu_k
        offset = -0.5 * np.einsum("kd,dk->k", self.means, W) + np.log(self._priors(priors))
        return X @ W + offset

    def posterior(self, X: Any, priors: Any = None) -> np.ndarray:
        """(n, K) Bayes posterior P(class k | x)."""
        return softmax(self.discriminants(X, priors), axis=1)

    def log_posterior(self, X: Any, priors: Any = None) -> np.ndarray:
        return log_softmax(self.discriminants(X, priors), axis=1)

    def predict(self, X: Any, priors: Any = None) -> np.ndarray:
        """The Bayes-optimal class (minimum expected 0-1 loss)."""
        return np.argmax(self.discriminants(X, priors), axis=1)

    def bayes_coef(self, priors: Any = None) -> tuple[np.ndarray, float]:
        """Two classes: ``(w, b)`` with log-odds P(1|x)/P(0|x) = ``x @ w + b``
        -- what a well-specified logistic regression estimates."""
        self._require_binary()
        p = self._priors(priors)
        W = np.linalg.solve(self.cov, self.means.T)
        w = W[:, 1] - W[:, 0]
        b = -0.5 * (self.means[1] @ W[:, 1] - self.means[0] @ W[:, 0]) + math.log(p[1] / p[0])
        return w, float(b)

    def decision_function(self, X: Any, priors: Any = None) -> np.ndarray:
        """Two classes: the Bayes log-odds of class 1."""
        w, b = self.bayes_coef(priors)
        return np.asarray(X, dtype=np.float64) @ w + b

    def mahalanobis(self) -> float:
        """Two classes: Mahalanobis distance between the two means."""
        self._require_binary()
        diff = self.means[1] - self.means[0]
        return float(math.sqrt(diff @ np.linalg.solve(self.cov, diff)))

    def bayes_error(self, priors: Any = None) -> float:
        """Two classes: error rate of the Bayes rule, in closed form.

        With D the Mahalanobis distance and L = log(pi_1 / pi_0), the log-odds
        is N(+-D^2/2 + L, D^2) within each class, so the error is
        ``pi_0 Phi(L/D - D/2) + pi_1 Phi(-L/D - D/2)``.
        """
        p = self._priors(priors)
        D = self.mahalanobis()
        L = math.log(p[1] / p[0])
        return float(p[0] * norm.cdf(L / D - D / 2) + p[1] * norm.cdf(-L / D - D / 2))

    def _require_binary(self) -> None:
        if self.means.shape[0] != 2:
            raise InvalidParameterError("classes", self.means.shape[0], "exactly two for this formula")


def _simplex(K: int, edge: float) -> np.ndarray:
    """(K, K-1) vertices of a regular simplex with the given edge, centred at 0.

    Vertex k is the unit vector e_k expressed in the Helmert basis of the
    plane orthogonal to (1, ..., 1): a closed form, so no solver's choice of
    basis can make two machines disagree. Two classes: -edge/2 and +edge/2.
    """
    helmert = np.zeros((K - 1, K))
    for j in range(1, K):
        helmert[j - 1, :j] = 1.0
        helmert[j - 1, j] = -j
        helmert[j - 1] /= math.sqrt(j * (j + 1))
    return -helmert.T * (edge / math.sqrt(2))  # e_i - e_j has length sqrt(2)


def make_gaussian(counts: Any, **params: Any) -> tuple[np.ndarray, np.ndarray, GaussianProblem]:
    """Gaussian classes with exact counts and a known Bayes rule.

    Returns ``(X, y, problem)``. Parameters (defaults in
    ``DEFAULTS["gaussian"]``): ``n_features`` (>= K - 1), ``class_sep`` (the
    Mahalanobis distance between any two class means), ``covariance``
    (``"identity"`` or ``"random"``: Q diag(s^2) Q' with a random rotation Q
    and scales s in [0.5, 2]), ``random_state``. Rows are shuffled (seeded).
    """
    p = check_synthetic({"kind": "gaussian", "counts": counts, **params}, field="params")
    counts, d = p["counts"], p["n_features"]
    K = len(counts)
    rng = check_random_state(p["random_state"])
    white_means = np.zeros((K, d))
    white_means[:, : K - 1] = _simplex(K, p["class_sep"])
    if p["covariance"] == "random":
        Q, R = np.linalg.qr(rng.standard_normal((d, d)))
        Q = Q * np.sign(np.diag(R))  # a uniformly random rotation
        A = Q * rng.uniform(0.5, 2.0, size=d)
    else:
        A = np.eye(d)
    means = white_means @ A.T
    X = np.concatenate([rng.standard_normal((c, d)) @ A.T + means[k] for k, c in enumerate(counts)])
    y = np.repeat(np.arange(K, dtype=np.int64), counts)
    order = rng.permutation(y.shape[0])
    problem = GaussianProblem(
        means=means, cov=A @ A.T, priors=np.asarray(counts, dtype=np.float64) / sum(counts)
    )
    return np.ascontiguousarray(X[order]), y[order], problem


def load_synthetic(params: Mapping, field: str = "synthetic") -> Dataset:
    """The :class:`Dataset` a ``{"synthetic": params}`` spec names."""
    p = check_synthetic(params, field)
    generate = {k: v for k, v in p.items() if k not in ("kind", "counts", "name")}
    if p["kind"] == "gaussian":
        X, y, _ = make_gaussian(p["counts"], **generate)
    else:
        X, y = make_imbalanced(p["counts"], **generate)
    K = len(p["counts"])
    return Dataset(
        name=synthetic_name(p),
        X=X,
        y=y,
        citation="",
        source="synthetic",
        classes=tuple(range(K)),
        feature_names=tuple(f"x{i}" for i in range(X.shape[1])),
        notes=(f"{p['kind']} data, counts {p['counts']}",),
        params={"synthetic": {k: v for k, v in p.items() if k != "name"}},
    )
