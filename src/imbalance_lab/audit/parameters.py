"""The audit notebook's parameters, checked before any work.

:func:`check_parameters` runs, on every parameter of
``notebooks/equivalence.ipynb``, the checks of the package calls that the
notebook makes with it (:func:`~imbalance_lab.audit.equivalence.make_audit_data`,
:class:`~imbalance_lab.audit.equivalence.AuditSettings`,
:func:`~imbalance_lab.audit.equivalence.audit_candidates`, ``run_audit``'s
``n_jobs``, :func:`~imbalance_lab.audit.scale.check_C`,
:func:`~imbalance_lab.audit.cost.select_models` and
:func:`~imbalance_lab.audit.cost.check_settings`), without fitting anything.
``imbalance-lab audit`` calls it on the notebook's defaults updated by ``-p``
before it creates a folder or starts a kernel, so a bad value never leaves a
half-written output folder.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from imbalance_lab.errors import InvalidParameterError


def renamed(error: InvalidParameterError, name: str) -> InvalidParameterError:
    """``error`` (same class, suggestions kept) naming ``name`` instead."""
    other = type(error).__new__(type(error))
    other.__dict__.update(error.__dict__)
    InvalidParameterError.__init__(other, name, error.value, error.expected)
    return other


@contextmanager
def _as(parameter: str, *inner: str):
    """An error of the block naming one of ``inner`` (an argument of the
    function called), or a path under it, names ``parameter`` instead."""
    try:
        yield
    except InvalidParameterError as exc:
        for name in inner:
            if exc.name == name or exc.name.startswith((f"{name}.", f"{name}[")):
                raise renamed(exc, parameter + exc.name[len(name):]) from None
        raise


def check_parameters(
    *,
    dataset: Any,
    n_train: Any,
    n_test: Any,
    data_seed: Any,
    factor: Any,
    size_share: Any,
    tolerance: Any,
    n_seeds: Any,
    alpha: Any,
    n_permutations: Any,
    n_jobs: Any,
    estimators: Any,
    include_imblearn: Any,
    extra_configs: Any,
    scale_C: Any,
    cost_models: Any,
    cost_factors: Any,
    cost_repeats: Any,
    cost_n_samples: Any,
    out_dir: Any = None,
) -> None:
    """Raise :class:`InvalidParameterError` (an :class:`UnknownNameError`,
    with the close names, for an unknown data set, classifier or cost model)
    naming the notebook parameter and its value, for the first value the
    notebook would refuse. A data set other than ``"synthetic"`` is loaded
    (bundled or local files) to check that it has two classes."""
    from imbalance_lab.audit import cost, equivalence, scale

    with _as("data_seed", "random_state"):
        equivalence.check_sizes(n_train, n_test, data_seed)
    if dataset != "synthetic":
        equivalence.load_dataset(dataset)
    equivalence.AuditSettings(
        factor=factor, size_share=size_share, tolerance=tolerance,
        n_seeds=n_seeds, alpha=alpha, n_permutations=n_permutations,
    )
    equivalence.check_n_jobs(n_jobs)
    with _as("extra_configs", "extra"):
        equivalence.audit_candidates(estimators, include_imblearn=include_imblearn, extra=extra_configs)
    with _as("scale_C", "C"):
        scale.check_C(scale_C)
    with _as("cost_models", "models"):
        cost.select_models(cost_models)
    with _as("cost_factors", "factors"), _as("cost_repeats", "repeats"), _as("cost_n_samples", "n_samples"):
        cost.check_settings(cost_factors, cost_repeats, cost_n_samples)
