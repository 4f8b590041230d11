"""What copies cost against weights: fit time and peak memory (issue 6, point 6).

For every model and factor k, two arms train the same effective model:
``copies`` (the minority replicated k times by ``ReplicationSampler``, then
fit) and ``weight`` (per-row weights k built by ``weights.sample_weights``,
then fit). Each arm's cost includes building its training set.

Time: the best of ``repeats`` wall-clock runs (``time.perf_counter``), the
usual way to read a timing through the noise of a shared machine, with BLAS
and OpenMP held to one thread (``threadpoolctl``): on a busy 2-core machine
multi-threaded fits (histogram boosting) spin-wait for cores and their
timings say more about the neighbours than about the rows.

Memory: the peak of Python-heap allocations during the arm, by
``tracemalloc``, in a separate run (tracing slows allocation, so it never
overlaps a timed run). NumPy reports its array buffers to ``tracemalloc``, so
the copied ``X`` and every array a model allocates through NumPy count. Chosen
over the resident set size of a subprocess because RSS carries the ~150 MB of
the interpreter and libraries and only grows (``ru_maxrss``), so differences of
a few MB drown, and a subprocess per fit would cost more than the fits. Not
counted: memory that compiled code takes with ``malloc`` directly (tree
builders' node arrays, OpenMP buffers) -- the same in both arms to first
order, since both grow the same model.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone
from threadpoolctl import threadpool_limits

from imbalance_lab.errors import InvalidParameterError, UnknownNameError
from imbalance_lab.resampling import ReplicationSampler
from imbalance_lab.weights import check_integer, is_integer, sample_weights

MIB = 2**20


def default_models() -> dict:
    """A few model kinds: a linear model, one tree, a small forest, boosting."""
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    return {
        "logistic_regression": LogisticRegression(max_iter=1000),
        "decision_tree": DecisionTreeClassifier(random_state=0),
        "random_forest": RandomForestClassifier(n_estimators=10, bootstrap=False, random_state=0),
        "hist_gradient_boosting": HistGradientBoostingClassifier(max_iter=30, random_state=0),
    }


def _arm(model, X, y, minority, factor: int, arm: str):
    if arm == "copies":
        X_fit, y_fit = ReplicationSampler(factors={minority: factor}).fit_resample(X, y)
        weight = None
    else:
        X_fit, y_fit = X, y
        weight = sample_weights(
            y, {label: (factor if label == minority else 1.0) for label in np.unique(y).tolist()}
        )
    clone(model).fit(X_fit, y_fit, sample_weight=weight)
    return len(y_fit)


def measure_cost(
    models: Mapping | None = None,
    factors: Sequence[int] = (1, 2, 5, 10, 20, 50),
    *,
    n_samples: int = 2000,
    n_features: int = 5,
    minority_share: float = 0.1,
    repeats: int = 3,
    random_state: int = 0,
) -> pd.DataFrame:
    """One row per model x factor x arm: ``train_rows``, ``fit_seconds``
    (best of ``repeats``), ``peak_mib`` (tracemalloc peak)."""
    from sklearn.datasets import make_classification

    models = dict(models) if models is not None else default_models()
    check_settings(factors, repeats, n_samples)
    factors = list(factors)
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        weights=[1 - minority_share],
        random_state=random_state,
    )
    minority = int(np.argmin(np.bincount(y)))
    with threadpool_limits(limits=1):
        return pd.DataFrame(_measure(models, factors, X, y, minority, repeats))


def check_settings(factors, repeats, n_samples) -> None:
    """The settings :func:`measure_cost` takes: ``factors`` a non-empty list
    of integers >= 1, ``repeats`` an integer >= 1, ``n_samples`` an integer
    >= 20 (at the minority share of 0.1, at least 2 minority rows)."""
    if isinstance(factors, str | bytes) or not isinstance(factors, Sequence):
        raise InvalidParameterError("factors", factors, "a non-empty list of integers >= 1")
    if not factors or any(not is_integer(k) or k < 1 for k in factors):
        raise InvalidParameterError("factors", factors, "a non-empty list of integers >= 1")
    check_integer("repeats", repeats, 1)
    check_integer("n_samples", n_samples, 20)


def select_models(names: Sequence[str] | None) -> dict:
    """The models of :func:`default_models` called ``names`` (all when
    None), in that order; an unknown name raises :class:`UnknownNameError`."""
    models = default_models()
    if names is None:
        return models
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise InvalidParameterError("models", names, f"None or a list of names from {sorted(models)}")
    for name in names:
        if name not in models:
            raise UnknownNameError("models", name, models, kind="cost model")
    return {name: models[name] for name in names}


def _measure(models, factors, X, y, minority, repeats) -> list[dict]:
    rows = []
    for name, model in models.items():
        for k in factors:
            for arm in ("copies", "weight"):
                seconds = []
                for _ in range(repeats):
                    gc.collect()
                    start = time.perf_counter()
                    n_rows = _arm(model, X, y, minority, int(k), arm)
                    seconds.append(time.perf_counter() - start)
                gc.collect()
                tracemalloc.start()
                try:
                    _arm(model, X, y, minority, int(k), arm)
                    _, peak = tracemalloc.get_traced_memory()
                finally:
                    tracemalloc.stop()
                rows.append(
                    {
                        "model": name,
                        "factor": int(k),
                        "arm": arm,
                        "train_rows": n_rows,
                        "fit_seconds": min(seconds),
                        "peak_mib": peak / MIB,
                    }
                )
    return rows


def cost_table(cost: pd.DataFrame) -> pd.DataFrame:
    """Copies over weight, per model and factor: rows, time and memory ratios."""
    wide = cost.pivot_table(
        index=["model", "factor"], columns="arm", values=["train_rows", "fit_seconds", "peak_mib"]
    )
    out = pd.DataFrame(
        {
            "rows_copies": wide[("train_rows", "copies")].astype(int),
            "rows_weight": wide[("train_rows", "weight")].astype(int),
            "seconds_copies": wide[("fit_seconds", "copies")],
            "seconds_weight": wide[("fit_seconds", "weight")],
            "time_ratio": wide[("fit_seconds", "copies")] / wide[("fit_seconds", "weight")],
            "mib_copies": wide[("peak_mib", "copies")],
            "mib_weight": wide[("peak_mib", "weight")],
            "memory_ratio": wide[("peak_mib", "copies")] / wide[("peak_mib", "weight")],
        }
    )
    return out.reset_index()
